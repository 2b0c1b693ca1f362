"""Static arguments read from Python values or tensors: ints (axis, k, depth) and shapes.

One place for the rules every op that takes a shape follows, as TensorFlow's do: a shape is an
int, a list or tuple of ints and scalar integer tensors (``tf.reshape(x, [n, 1])`` with ``n`` a
tensor), or a 1-D integer tensor; a dimension is never a float or a bool (``int(2.5)`` would
silently give 2), and never negative but for reshape's one -1. Every error names the op, the
argument and the value.
"""
import numpy as np

from .errors import InvalidArgumentError
from .tensor import TensorLike


def static_value(x):
    """A Python/NumPy value for a non-differentiated argument (axis, shape, k, perm ...)."""
    if isinstance(x, TensorLike):
        x = x._value
    if isinstance(x, np.ndarray):
        return x.item() if x.ndim == 0 else x.tolist()
    return x


def is_int(a):
    return isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_))


def static_int(x, op_name, arg="axis"):
    """A Python int for a static integer argument (axis, k, depth ...); anything else is refused
    with a TypeError naming the op and the argument (TF: "Cannot convert 0.5 to EagerTensor of
    dtype int32"), never truncated (``int(0.5)`` would silently give 0)."""
    v = static_value(x)
    if not is_int(v):
        raise TypeError(f"{op_name}: {arg} must be an int, got {v!r}"
                        + (f" of dtype {np.asarray(x._value).dtype}" if isinstance(x, TensorLike) else ""))
    if not -_INT64_LIMIT <= v < _INT64_LIMIT:  # (TF: an out-of-range integer; NumPy: "Maximum allowed dimension")
        raise InvalidArgumentError(f"{op_name}: {arg} {v} does not fit in int64")
    return int(v)


_INT64_LIMIT = 2**63


def _dimension(d, op_name, arg, shape):
    """One dimension of a shape list: an int or a scalar integer tensor, as a Python int."""
    if isinstance(d, TensorLike):
        v = d._value
        if v.ndim:
            # TF packs the list into one tensor, which fails for a non-scalar element.
            raise InvalidArgumentError(f"{op_name}: every element of {arg} must be a scalar, got a tensor of "
                                       f"shape {list(v.shape)} in {_text(shape)}")
        d = v.item()
    if is_int(d):
        return int(d)
    if isinstance(d, (float, np.floating, complex)):
        # TF converts the list to a float tensor, which its kernel's shape argument refuses.
        raise InvalidArgumentError(f"{op_name}: {arg} must hold integers, got {d!r} in {_text(shape)}")
    raise TypeError(f"{op_name}: {arg} must be a list of ints, got {d!r} in {_text(shape)}")


def _text(shape):
    return repr([static_value(d) for d in shape] if isinstance(shape, (list, tuple)) else static_value(shape))


def normalize_shape(shape, op_name, allow_unknown=False, arg="shape"):
    """``shape`` (an int, a list/tuple of ints and scalar int tensors, a 1-D int tensor) as a tuple
    of ints. Every dimension must be >= 0; with ``allow_unknown`` (reshape) one may be -1 (or
    None), the dimension the op infers."""
    if shape is None:
        raise ValueError(f"{op_name}: {arg} must be a list of ints, got None")
    if isinstance(shape, TensorLike):
        v = shape._value
        if v.dtype.kind not in "iu" or v.ndim > 1:
            raise InvalidArgumentError(f"{op_name}: {arg} must be an int scalar or a 1-D int tensor, got a "
                                       f"tensor of dtype {v.dtype} and shape {list(v.shape)}")
        dims = v.reshape(-1).tolist()
    elif isinstance(shape, (list, tuple)):
        dims = []
        for d in shape:
            if d is None and not allow_unknown:
                raise InvalidArgumentError(f"{op_name}: {arg} {_text(shape)} has an unknown dimension (None); "
                                           f"every dimension must be known")
            dims.append(-1 if d is None else _dimension(d, op_name, arg, shape))
    elif isinstance(shape, np.ndarray) and shape.ndim == 1:
        dims = [_dimension(d, op_name, arg, shape) for d in shape.tolist()]
    else:
        d = static_value(shape)
        if not is_int(d):  # (TF: "Cannot convert 2.0 to EagerTensor of dtype int32")
            raise TypeError(f"{op_name}: {arg} must be an int or a list of ints, got {d!r}")
        dims = [int(d)]
    out = tuple(dims)
    if any(d >= _INT64_LIMIT for d in out):
        raise InvalidArgumentError(f"{op_name}: {arg} {list(out)} has a dimension that does not fit in int64")
    negative = [d for d in out if d < (-1 if allow_unknown else 0)]
    if negative or (allow_unknown and out.count(-1) > 1):
        what = "at most one dimension may be -1 (inferred), the others" if allow_unknown else "every dimension"
        raise InvalidArgumentError(f"{op_name}: {arg} {list(out)} has a negative dimension; {what} must be >= 0")
    return out

