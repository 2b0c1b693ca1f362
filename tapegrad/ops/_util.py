"""Argument normalisation shared by the op families: axes, shapes, dtypes, error text."""
import numpy as np

from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.shapes import is_int as _is_int, normalize_shape, static_int, static_value  # noqa: F401
from ..core.tensor import TensorLike


def normalize_axis(axis, ndim, op_name, allow_none=True):
    """``axis`` (int, list, tuple, tensor, None) as a sorted tuple of non-negative ints, or None.

    As TensorFlow, an axis must lie in ``[-ndim, ndim)``: a scalar has no axis to name.
    """
    axis = static_value(axis)
    if axis is None:
        if allow_none:
            return None
        raise InvalidArgumentError(f"{op_name}: axis must be given")
    if _is_int(axis):
        axes = (axis,)
    elif isinstance(axis, (list, tuple)):
        axes = tuple(axis)
    else:
        raise TypeError(f"{op_name}: axis must be an int or a list of ints, got {axis!r}")
    out = []
    for a in axes:
        if not _is_int(a):
            raise TypeError(f"{op_name}: axis must be an int or a list of ints, got {axis!r}")
        if not -ndim <= a < ndim:
            expected = f"-{ndim} <= axis < {ndim}" if ndim else "no axis: a scalar has none"
            raise InvalidArgumentError(f"{op_name}: axis {a} is out of range for a tensor of rank {ndim} "
                                       f"(expected {expected})")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise InvalidArgumentError(f"{op_name}: axis {axis!r} repeats an axis")
    return tuple(sorted(out))


def np_dtype(dtype, default=None):
    return default if dtype is None else dtypes.as_dtype(dtype)._np


def dtype_name(np_dt):
    return dtypes.FROM_NUMPY[np.dtype(np_dt)].name


def describe(*values):
    """'float32 [2, 3], int32 []': the dtypes and shapes of an op's inputs, for error messages."""
    parts = []
    for v in values:
        v = v._value if isinstance(v, TensorLike) else v
        dt = getattr(v, "dtype", None)
        name = dtype_name(dt) if dt is not None and np.dtype(dt) in dtypes.FROM_NUMPY else \
            (str(dt) if dt is not None else type(v).__name__)
        parts.append(f"{name} {list(np.shape(v))}")
    return ", ".join(parts)


def forward_error(op_name, error, *inputs):
    """The InvalidArgumentError for a NumPy error inside an op's forward: it names the op, what
    went wrong and the inputs' dtypes and shapes (NumPy's own message names none of the first)."""
    text = str(error)
    if "broadcast" in text:
        what = "the input shapes do not broadcast together"
    elif "boolean" in text or "bool" in text:
        what = "this op does not support dtype bool"
    else:
        what = f"NumPy refused the inputs ({text.strip()})"
    return InvalidArgumentError(f"{op_name}: {what}; got {describe(*inputs)}")
