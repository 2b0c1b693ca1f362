"""check_numerics: an identity that raises on NaN or Inf, in the forward and in the gradient."""
import numpy as np

from ..core.errors import InvalidArgumentError
from ..core.registry import defop, export


def _check(value, message, where):
    arr = np.asarray(value)
    if arr.dtype.kind in "fc" and not np.isfinite(arr).all():
        kind = "NaN" if np.isnan(arr).any() else "Inf"
        raise InvalidArgumentError(f"{message} : Tensor had {kind} values ({where})")
    return arr


_check_numerics = defop(
    "check_numerics", lambda x, message: _check(x, message, "forward"),
    lambda g, ans, needs, x, message: (_check_numerics_grad(g, message=message),),
    save_inputs=False, save_output=False,
    notes="Identity; raises InvalidArgumentError on NaN/Inf in the value and in its gradient.")

_check_numerics_grad = defop(
    "check_numerics_grad", lambda g, message: _check(g, message, "gradient"),
    lambda g, ans, needs, x, message: (_check_numerics(g, message=message),),
    save_inputs=False, save_output=False, notes="check_numerics applied to a gradient.")


@export("debugging.check_numerics")
def check_numerics(tensor, message, name=None):
    """Return ``tensor`` unchanged, raising InvalidArgumentError if it has a NaN or an infinity.

    >>> import tapegrad as tf
    >>> tf.debugging.check_numerics(tf.constant([1.0, 2.0]), "weights").numpy()
    array([1., 2.], dtype=float32)
    """
    return _check_numerics(tensor, message=str(message))
