"""Tensor creation: constant, zeros, ones, fill, range, eye, sequence_mask (not differentiable),
and linspace, meshgrid (recorded ops: differentiable w.r.t. their float inputs)."""
import builtins

import numpy as np

from ..core import dtypes
from ..core.broadcast import broadcast_to as _broadcast_to
from ..core.errors import InvalidArgumentError, NotFoundError
from ..core.registry import convert_to_tensor, dtype_rule, export, require_dtype
from ..core.tensor import TensorLike, new_tensor, to_array
from ._util import normalize_shape, np_dtype, static_int, static_value
from . import primitives as prim
from .shape_ops import cast, concat, expand_dims, reshape
from .math_ops import divide


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
        arr = to_array(value, target, copy=True)
    if shape is not None:
        shape = normalize_shape(shape, "constant")
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
    return new_tensor(np.zeros(normalize_shape(shape, "zeros"), np_dtype(dtype)), None)


@export("ones")
def ones(shape, dtype=dtypes.float32, name=None):
    """A tensor of ones (float32 by default)."""
    return new_tensor(np.ones(normalize_shape(shape, "ones"), np_dtype(dtype)), None)


@export("zeros_like")
def zeros_like(input, dtype=None, name=None):
    """Zeros with the shape (and dtype, unless given) of ``input``."""
    return prim.zeros_like(input, dtype=np_dtype(dtype))


@export("ones_like")
def ones_like(input, dtype=None, name=None):
    """Ones with the shape (and dtype, unless given) of ``input``."""
    return prim.ones_like(input, dtype=np_dtype(dtype))


@export("fill")
def fill(dims, value, name=None):
    """A tensor of shape ``dims`` filled with ``value`` (its dtype follows TF's rules)."""
    v = to_array(value)
    if v.ndim:
        raise InvalidArgumentError(f"fill: value must be a scalar, got shape {list(v.shape)}")
    return new_tensor(np.full(normalize_shape(dims, "fill"), v, v.dtype), None)


# TF 2.21's Range: defined for real numbers but uint8, with CPU kernels for float, int32 and int64
# only (NotFoundError); a bool dtype fails converting start (TypeError).
_RANGE_DTYPES = dtype_rule("f int32 int64", {"int8 int16 uint16 uint32 uint64": NotFoundError, "b": TypeError})


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
        require_dtype("range", _RANGE_DTYPES, target, what="dtype argument")
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
        m = np.broadcast_to(m, normalize_shape(batch_shape, "eye") + m.shape).copy()
    return new_tensor(m, None)


# -- linspace and meshgrid (composites of recorded ops: differentiable), sequence_mask -------

_LINSPACE_DTYPES = dtype_rule("fciu")  # (TF: a bool start fails in Sub)


@export("linspace")
def linspace(start, stop, num, name=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop``, both included, as ``tf.linspace``.

    ``start`` and ``stop`` broadcast together; the values run along a new axis ``axis``. TF's
    numbers to the bit: ``start + i * delta`` with ``delta = (stop - start) / (num - 1)``, the
    last exactly ``stop``. Integer inputs give float64 (float32 from 8- and 16-bit integers).
    The gradient reaches ``start`` and ``stop``.

    >>> import tapegrad as tf
    >>> tf.linspace(0.0, 1.0, 5).numpy().tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    >>> tf.linspace([0.0, 1.0], [1.0, 3.0], 3, axis=1).numpy().tolist()
    [[0.0, 0.5, 1.0], [1.0, 2.0, 3.0]]
    """
    start = convert_to_tensor(start)
    stop = convert_to_tensor(stop, dtype=start.dtype)
    require_dtype("linspace", _LINSPACE_DTYPES, start)
    n = static_value(num)
    n = static_int(n[0] if isinstance(n, list) and len(n) == 1 else n, "linspace", "num")
    if n < 0:
        raise InvalidArgumentError(f"linspace: num must be >= 0, got {n}")
    try:
        shape = np.broadcast_shapes(start._value.shape, stop._value.shape)
    except ValueError:
        raise InvalidArgumentError(f"linspace: Incompatible shapes: {list(start._value.shape)} vs. "
                                   f"{list(stop._value.shape)}") from None
    ax = static_int(axis, "linspace")
    if not -len(shape) - 1 <= ax <= len(shape):
        raise InvalidArgumentError(f"linspace: axis {ax} is out of range for results of rank {len(shape) + 1}")
    ax %= len(shape) + 1
    start, stop = (expand_dims(x if x._value.shape == shape else _broadcast_to(x, shape=shape), ax)
                   for x in (start, stop))
    steps = builtins.max(n - 1, 1)
    delta = divide(stop - start, np.asarray(steps, start._value.dtype))  # (integers: TF's truediv dtype)
    dt = delta._value.dtype
    if start._value.dtype != dt:
        start, stop = cast(start, dt), cast(stop, dt)
    i = np.arange(1, steps, dtype=dt).reshape((-1,) + (1,) * (len(shape) - ax))
    out = concat([start, start + delta * i, stop], ax)
    return out[(slice(None),) * ax + (slice(0, n),)] if n < 2 else out


@export("meshgrid")
def meshgrid(*args, **kwargs):
    """Coordinate grids from coordinate vectors, as ``tf.meshgrid``.

    ``indexing="xy"`` (the default: Cartesian, the first two axes swapped) or ``"ij"`` (matrix).
    Each argument is flattened; all need one dtype. Each grid's gradient sums back to its vector.

    >>> import tapegrad as tf
    >>> [g.numpy().tolist() for g in tf.meshgrid([1, 2, 3], [4, 5])]
    [[[1, 2, 3], [1, 2, 3]], [[4, 4, 4], [5, 5, 5]]]
    """
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"{next(iter(kwargs))!r} is an invalid keyword argument for this function")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Argument `indexing` parameter must be either 'xy' or 'ij', got {indexing!r}")
    xs = [reshape(convert_to_tensor(a), [-1]) for a in args]
    for x in xs[1:]:
        if x.dtype != xs[0].dtype:
            raise InvalidArgumentError(f"meshgrid: every argument must have one dtype, got {xs[0].dtype.name} "
                                       f"and {x.dtype.name}")
    axes = list(builtins.range(len(xs)))
    if indexing == "xy" and len(xs) > 1:
        axes[:2] = [1, 0]
    shape = [0] * len(xs)
    for x, a in zip(xs, axes):
        shape[a] = x._value.size
    return [_broadcast_to(reshape(x, [-1 if k == a else 1 for k in builtins.range(len(xs))]), shape=tuple(shape))
            for x, a in zip(xs, axes)]


@export("sequence_mask")
def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool, name=None):
    """``out[..., j] = j < lengths[...]``, of shape ``lengths.shape + [maxlen]``, as ``tf.sequence_mask``.

    ``maxlen`` defaults to ``max(lengths)`` (0 when there is none); the lengths are compared in
    ``maxlen``'s dtype (float lengths against an int ``maxlen`` truncate). Not differentiable.

    >>> import tapegrad as tf
    >>> tf.sequence_mask([1, 3], 4).numpy().tolist()
    [[True, False, False, False], [True, True, True, False]]
    """
    lv = prim.value(lengths)
    if maxlen is None:
        if lv.dtype.kind not in "iuf":
            raise InvalidArgumentError(f"sequence_mask: lengths must be numbers, got {lv.dtype}")
        limit = np.asarray(lv.max(initial=0))
    else:
        limit = prim.value(maxlen)
        if limit.ndim:
            raise ValueError(f"Argument `maxlen` must be scalar for sequence_mask, received `maxlen` = "
                             f"{limit.tolist()} with shape {limit.shape} instead")
    if limit < 0:
        raise InvalidArgumentError(f"sequence_mask: maxlen must be >= 0, got {limit}")
    with np.errstate(invalid="ignore"):  # (a NaN length cast to an int: no position, as TF)
        mask = np.arange(limit, dtype=limit.dtype) < lv[..., None].astype(limit.dtype)
    return new_tensor(mask.astype(np_dtype(dtype)), None)
