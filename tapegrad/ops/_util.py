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


def _is_int(a):
    return isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_))


def static_int(x, op_name, arg="axis"):
    """A Python int for a static integer argument (axis, k, depth ...); anything else is refused
    with a TypeError naming the op and the argument (TF: "Cannot convert 0.5 to EagerTensor of
    dtype int32"), never truncated (``int(0.5)`` would silently give 0)."""
    v = static_value(x)
    if not _is_int(v):
        raise TypeError(f"{op_name}: {arg} must be an int, got {v!r}"
                        + (f" of dtype {np.asarray(x._value).dtype}" if isinstance(x, TensorLike) else ""))
    return int(v)


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


def normalize_shape(shape, op_name, allow_unknown=True):
    """``shape`` (int, list, tuple, 1-D int tensor) as a tuple of ints; None and -1 mean unknown
    (-1) where ``allow_unknown``, else every dimension must be a non-negative int."""
    value = static_value(shape)
    dims = [value] if _is_int(value) else value
    if not isinstance(dims, (list, tuple)) or not all(d is None or _is_int(d) for d in dims):
        raise TypeError(f"{op_name}: shape must be a list of ints, got {value!r}"
                        + (f" of dtype {np.asarray(shape._value).dtype}" if isinstance(shape, TensorLike) else ""))
    out = tuple(-1 if d is None else int(d) for d in dims)
    if not allow_unknown and any(d < 0 for d in out):
        raise InvalidArgumentError(f"{op_name}: shape {list(out)} has a negative dimension; every dimension "
                                   f"must be >= 0")
    return out


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
