"""Reductions: reduce_sum, reduce_mean (more in the op-library issue)."""
import numpy as np

from ..core.registry import defop, export
from ..core.tensor import TensorLike
from ._util import normalize_axis
from .array_ops import _reshape
from ..core.broadcast import broadcast_to


def _kept_shape(shape, axis):
    """``shape`` with the reduced axes kept as size 1."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else d for i, d in enumerate(shape))


def _unreduce(g, x, axis, keepdims):
    """Broadcast a reduction's gradient back to the input's shape."""
    shape = np.shape(x)
    if not keepdims:
        g = _reshape(g, shape=_kept_shape(shape, axis))
    return broadcast_to(g, shape=shape)


_reduce_sum = defop(
    "reduce_sum", lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims),
    lambda g, ans, needs, x, axis, keepdims: (_unreduce(g, x, axis, keepdims),),
    save_output=False)


def _mean_vjp(g, ans, needs, x, axis, keepdims):
    shape = np.shape(x)
    count = int(np.prod(shape)) if axis is None else int(np.prod([shape[a] for a in axis]))
    return (_unreduce(g, x, axis, keepdims) / max(count, 1),)


def _mean_forward(x, axis, keepdims):
    x = np.asarray(x)
    out = np.mean(x, axis=axis, keepdims=keepdims)
    # As TF: the mean of an integer tensor is an integer (truncated); NumPy would give float64.
    return out.astype(x.dtype) if x.dtype.kind in "iub" else out


_reduce_mean = defop("reduce_mean", _mean_forward, _mean_vjp, save_output=False)


def _axis_of(input_tensor, axis, op_name):
    ndim = input_tensor.ndim if isinstance(input_tensor, TensorLike) else np.ndim(input_tensor)
    return normalize_axis(axis, ndim, op_name)


@export("reduce_sum", "math.reduce_sum")
def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    """Sum over ``axis`` (an int, a list, or None for all axes), as ``tf.reduce_sum``."""
    return _reduce_sum(input_tensor, axis=_axis_of(input_tensor, axis, "reduce_sum"), keepdims=bool(keepdims))


@export("reduce_mean", "math.reduce_mean")
def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """Mean over ``axis`` (an int, a list, or None for all axes), as ``tf.reduce_mean``."""
    return _reduce_mean(input_tensor, axis=_axis_of(input_tensor, axis, "reduce_mean"), keepdims=bool(keepdims))
