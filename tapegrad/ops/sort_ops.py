"""Sorting and selection: top_k (values differentiable, indices not)."""
import collections

import numpy as np

from ..core.errors import InvalidArgumentError
from ..core.registry import defop, export, convert_to_tensor
from ..core.tensor import new_tensor
from ._util import np_dtype, static_value

TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])

_take_along_last = defop(
    "take_along_last_axis", lambda x, indices: np.take_along_axis(np.asarray(x), indices, axis=-1),
    lambda g, ans, needs, x, indices: (_put_along_last(g, indices, shape=np.shape(x)), None),
    save_output=False, notes="x[..., indices] per row: the selection behind top_k.")


def _put_along_last_forward(g, indices, shape):
    out = np.zeros(shape, np.asarray(g).dtype)
    rows = np.indices(indices.shape)[:-1]
    np.add.at(out, tuple(rows) + (indices,), g)
    return out


_put_along_last = defop(
    "put_along_last_axis", _put_along_last_forward,
    lambda g, ans, needs, updates, indices, shape: (_take_along_last(g, indices), None),
    save_inputs=True, save_output=False, notes="Adjoint of take_along_last_axis (duplicates add up).")


@export("math.top_k", "nn.top_k")
def top_k(input, k=1, sorted=True, index_type=None, name=None):
    """The ``k`` largest entries of the last axis and their int32 indices, as ``tf.math.top_k``.

    Ties go to the lower index first, as in TensorFlow. The values are differentiable (the
    gradient flows to the selected entries); the indices are not.
    """
    x = convert_to_tensor(input)
    k = int(static_value(k))
    n = x._value.shape[-1] if x._value.ndim else 0
    if x._value.ndim == 0 or not 0 <= k <= n:
        raise InvalidArgumentError(f"top_k: k = {k} must be between 0 and the last dimension ({n}) of an "
                                   f"input of rank >= 1 (shape {list(x._value.shape)})")
    # A stable sort of the negated values keeps equal values in index order (TF's tie rule).
    order = np.argsort(-x._value, axis=-1, kind="stable")[..., :k]
    indices = order.astype(np_dtype(index_type, np.dtype(np.int32)))
    return TopKV2(_take_along_last(x, order), new_tensor(indices, None))
