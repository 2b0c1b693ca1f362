"""Argument normalisation shared by the op families: axes, shapes, dtypes, error text."""
import numpy as np

from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.tensor import TensorLike


def static_value(x):
    """A Python/NumPy value for a non-differentiated argument (axis, shape, k, perm ...)."""
    if isinstance(x, TensorLike):
        x = x._value
    if isinstance(x, np.ndarray):
        return x.item() if x.ndim == 0 else x.tolist()
    return x


def normalize_axis(axis, ndim, op_name, allow_none=True):
    """``axis`` (int, list, tuple, tensor, None) as a sorted tuple of non-negative ints, or None."""
    axis = static_value(axis)
    if axis is None:
        if allow_none:
            return None
        raise InvalidArgumentError(f"{op_name}: axis must be given")
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"{op_name}: axis must be an int or a list of ints, got {axis!r}")
        if not -max(ndim, 1) <= a < max(ndim, 1):
            raise InvalidArgumentError(f"{op_name}: axis {a} is out of range for a tensor of rank {ndim} "
                                       f"(expected -{max(ndim, 1)} <= axis < {max(ndim, 1)})")
        out.append(int(a) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise InvalidArgumentError(f"{op_name}: axis {axis!r} repeats an axis")
    return tuple(sorted(out))


def normalize_shape(shape, op_name):
    shape = static_value(shape)
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    try:
        return tuple(-1 if d is None else int(d) for d in shape)
    except TypeError:
        raise TypeError(f"{op_name}: shape must be a list of ints, got {shape!r}") from None


def np_dtype(dtype, default=None):
    return default if dtype is None else dtypes.as_dtype(dtype)._np


def dtype_name(np_dt):
    return dtypes.FROM_NUMPY[np.dtype(np_dt)].name
