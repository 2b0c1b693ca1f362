"""Tensor creation: constant, zeros, ones, fill, range, eye (none of them differentiable)."""
import builtins

import numpy as np

from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import export
from ..core.tensor import TensorLike, new_tensor, to_array
from ._util import normalize_shape, np_dtype, static_int, static_value


@export("constant")
def constant(value, dtype=None, shape=None, name=None):
    """A constant tensor, as ``tf.constant``: Python floats become float32, ints int32.

    >>> import tapegrad as tf
    >>> tf.constant([1, 2, 3]).dtype.name, tf.constant(0.0, shape=[2]).numpy().tolist()
    ('int32', [0.0, 0.0])
    """
    target = np_dtype(dtype)
    if isinstance(value, TensorLike) and target is not None:
        arr = value._value.astype(target)
    elif isinstance(value, (np.ndarray, np.generic)) and target is not None:
        arr = np.asarray(value).astype(target)  # tf.constant casts NumPy values
    else:
        if target is not None:
            to_array(value)  # refuses None, strings and ragged lists (a dtype alone would let NumPy parse them)
        arr = to_array(value, target, copy=True)
    if shape is not None:
        shape = normalize_shape(shape, "constant", allow_unknown=False)
        if arr.size == 1:
            arr = np.full(shape, arr.reshape(()), arr.dtype)
        elif arr.size == int(np.prod(shape)):
            arr = arr.reshape(shape)
        else:
            raise TypeError(f"constant: expected a value with {int(np.prod(shape))} elements for shape "
                            f"{list(shape)}, got {arr.size}")
    return new_tensor(arr, None)


@export("zeros")
def zeros(shape, dtype=dtypes.float32, name=None):
    """A tensor of zeros (float32 by default)."""
    return new_tensor(np.zeros(normalize_shape(shape, "zeros", allow_unknown=False), np_dtype(dtype)), None)


@export("ones")
def ones(shape, dtype=dtypes.float32, name=None):
    """A tensor of ones (float32 by default)."""
    return new_tensor(np.ones(normalize_shape(shape, "ones", allow_unknown=False), np_dtype(dtype)), None)


@export("fill")
def fill(dims, value, name=None):
    """A tensor of shape ``dims`` filled with ``value`` (its dtype follows TF's rules)."""
    v = to_array(value)
    if v.ndim:
        raise InvalidArgumentError(f"fill: value must be a scalar, got shape {list(v.shape)}")
    return new_tensor(np.full(normalize_shape(dims, "fill", allow_unknown=False), v, v.dtype), None)


@export("range")
def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001 - TF's name
    """Numbers from ``start`` to ``limit`` (exclusive) by ``delta``, as ``tf.range``.

    The dtype is int32 for integer arguments and float32 when any is a float, unless given.
    """
    start, limit, delta = (static_value(v) for v in (start, limit, delta))
    if limit is None:
        start, limit = 0, start
    if dtype is None:
        is_float = builtins.any(isinstance(v, (float, np.floating)) for v in (start, limit, delta))
        target = np.dtype(np.float32 if is_float else np.int32)
    else:
        target = np_dtype(dtype)
    for arg, v in (("start", start), ("limit", limit), ("delta", delta)):
        if not isinstance(v, (int, float, np.integer, np.floating)) or isinstance(v, (bool, np.bool_)):
            raise TypeError(f"range: {arg} must be a number, got {v!r}")
    if delta == 0:
        raise InvalidArgumentError("range: delta must not be zero")
    return new_tensor(np.arange(start, limit, delta).astype(target), None)


@export("eye", "linalg.eye")
def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name=None):
    """An identity matrix (or a batch of them), as ``tf.eye``."""
    rows = static_int(num_rows, "eye", "num_rows")
    cols = rows if num_columns is None else static_int(num_columns, "eye", "num_columns")
    if rows < 0 or cols < 0:
        raise InvalidArgumentError(f"eye: num_rows and num_columns must be >= 0, got {rows} and {cols}")
    m = np.eye(rows, cols, dtype=np_dtype(dtype))
    if batch_shape is not None:
        m = np.broadcast_to(m, normalize_shape(batch_shape, "eye", allow_unknown=False) + m.shape).copy()
    return new_tensor(m, None)
