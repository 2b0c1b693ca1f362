"""Shape, selection and indexing ops: reshape, expand_dims, transpose, concat, stack, split,
tile, pad, reverse, where, cast, one_hot, gather (IndexedSlices gradient), gather_nd,
scatter_nd, tensor_scatter_nd_*, boolean_mask, slicing (``tensor[...]``, strided_slice),
shape/size/rank."""
import numpy as np

from ..core import dtypes
from ..core.broadcast import sum_to_shape
from ..core.errors import InvalidArgumentError, NotFoundError, UnimplementedError
from ..core.indexed_slices import IndexedSlices
from ..core.registry import API, defop, export, convert_to_tensor
from ..core.tensor import TensorLike, new_tensor, to_array
from ._util import dtype_name, normalize_axis, normalize_shape, np_dtype, static_int, static_value


def _value(x):
    """The ndarray behind a tensor argument (for shapes, dtypes and index checks only)."""
    return x._value if isinstance(x, TensorLike) else np.asarray(x)


def _as_tensor(x):
    """Tensors and Variables pass as they are (the op records a Variable read); data converts."""
    return x if isinstance(x, TensorLike) else convert_to_tensor(x)


def _pos(where_):
    return "[" + ",".join(str(int(i)) for i in where_) + "]"


# -- reshaping ------------------------------------------------------------------------------

def _reshape_forward(x, shape):
    x = np.asarray(x)
    try:
        return x.reshape(shape)
    except ValueError:
        raise InvalidArgumentError(
            f"reshape: cannot reshape a tensor with {x.size} elements (shape {x.shape}) to shape "
            f"{list(shape)}") from None


_reshape = defop("reshape", _reshape_forward,
                 lambda g, ans, needs, x, shape: (_reshape(g, shape=np.shape(x)),),
                 save_output=False)


@export("reshape")
def reshape(tensor, shape, name=None):
    """Reshape ``tensor`` to ``shape`` (one dimension may be -1), as ``tf.reshape``."""
    return _reshape(tensor, shape=normalize_shape(shape, "reshape", allow_unknown=True))


@export("expand_dims")
def expand_dims(input, axis, name=None):
    """Insert a dimension of size 1 at ``axis``, as ``tf.expand_dims``."""
    input = _as_tensor(input)
    shape = list(input._value.shape)
    a = static_int(axis, "expand_dims")
    if not -len(shape) - 1 <= a <= len(shape):
        raise InvalidArgumentError(f"expand_dims: axis {a} is out of range for a tensor of rank {len(shape)} "
                                   f"(expected -{len(shape) + 1} <= axis <= {len(shape)})")
    shape.insert(a if a >= 0 else len(shape) + 1 + a, 1)
    return _reshape(input, shape=tuple(shape))


@export("squeeze")
def squeeze(input, axis=None, name=None):
    """Remove dimensions of size 1 (those in ``axis``, or all), as ``tf.squeeze``."""
    input = _as_tensor(input)
    shape = input._value.shape
    axes = normalize_axis(axis, len(shape), "squeeze")
    if axes is None:
        axes = tuple(i for i, d in enumerate(shape) if d == 1)
    for a in axes:
        if shape[a] != 1:
            raise InvalidArgumentError(f"squeeze: cannot squeeze axis {a} of size {shape[a]} (shape {shape}); "
                                       f"only dimensions of size 1 can be squeezed")
    return _reshape(input, shape=tuple(d for i, d in enumerate(shape) if i not in axes))


def _transpose_forward(x, perm):
    return np.transpose(x, perm)


_transpose = defop("transpose", _transpose_forward,
                   lambda g, ans, needs, x, perm: (_transpose(g, perm=tuple(np.argsort(perm))),),
                   save_inputs=False, save_output=False)


@export("transpose", "linalg.transpose")
def transpose(a, perm=None, conjugate=False, name=None):
    """Permute the dimensions of ``a`` (reverse them by default), as ``tf.transpose``."""
    a = _as_tensor(a)
    ndim = a._value.ndim
    if perm is None:
        perm = tuple(range(ndim - 1, -1, -1))
    else:
        perm = static_value(perm)
        if not isinstance(perm, (list, tuple)) or not all(isinstance(p, (int, np.integer)) for p in perm):
            raise TypeError(f"transpose: perm must be a list of ints, got {perm!r}")
        perm = tuple(int(p) for p in perm)
    if sorted(perm) != list(range(ndim)):
        raise InvalidArgumentError(f"transpose: perm {list(perm)} is not a permutation of the {ndim} "
                                   f"dimensions of a tensor of shape {np.shape(a)}")
    return _transpose(a, perm=perm)


# -- stack / unstack / concat / split -------------------------------------------------------

def _stack_forward(*xs, axis):
    return np.stack(xs, axis=axis)


def _stack_vjp(g, ans, needs, *xs, axis):
    return tuple(_take_index(g, axis=axis, index=i) if need else None for i, need in enumerate(needs))


stack_ = defop("stack", _stack_forward, _stack_vjp, save_inputs=False, save_output=False)

_take_index = defop(
    "take_index", lambda x, axis, index: np.take(x, index, axis=axis),
    lambda g, ans, needs, x, axis, index: (_put_index(g, axis=axis, index=index, shape=np.shape(x)),),
    save_output=False, notes="x.take(index, axis): one slice along an axis (unstack, stack's gradient).")

_put_index = defop(
    "put_index", lambda g, axis, index, shape: _put_index_forward(g, axis, index, shape),
    lambda g, ans, needs, x, axis, index, shape: (_take_index(g, axis=axis, index=index),),
    save_inputs=False, save_output=False, notes="The adjoint of take_index: zeros with one slice set.")


def _put_index_forward(g, axis, index, shape):
    out = np.zeros(shape, np.asarray(g).dtype)
    idx = [slice(None)] * len(shape)
    idx[axis] = index
    out[tuple(idx)] = g
    return out


@export("stack")
def stack(values, axis=0, name=None):
    """Stack a list of same-shaped tensors along a new ``axis``, as ``tf.stack``."""
    values = _same_dtype_values(values, "stack")
    shapes = {_value(v).shape for v in values}
    if len(shapes) > 1:
        raise InvalidArgumentError(f"stack: all values must have the same shape, got {sorted(shapes)}")
    ndim = len(next(iter(shapes)))
    a = static_int(axis, "stack")
    if not -ndim - 1 <= a <= ndim:
        raise InvalidArgumentError(f"stack: axis {a} is out of range for values of rank {ndim}")
    return stack_(*values, axis=a % (ndim + 1))


@export("unstack")
def unstack(value, num=None, axis=0, name=None):
    """Split a tensor along ``axis`` into a list of tensors, as ``tf.unstack``."""
    value = convert_to_tensor(value)
    a = normalize_axis(axis, value.ndim, "unstack", allow_none=False)[0]
    return [_take_index(value, axis=a, index=i) for i in range(value._value.shape[a])]


# Which NumPy dtype kinds convert to a tensor dtype kind (as the binary ops' operand rule).
_CONVERTIBLE = {"f": "fiu", "c": "fciu", "i": "iu", "u": "iu", "b": "b"}


def _to_dtype(v, target, op_name):
    """A Python or NumPy value converted to a tensor's dtype, as TF converts an op's other inputs:
    numbers into floats, integers into ints, bools into bools; anything else is refused."""
    if isinstance(v, np.ndarray):
        if v.dtype.kind not in _CONVERTIBLE.get(target.kind, target.kind):
            raise InvalidArgumentError(f"{op_name}: a NumPy array of dtype {v.dtype} cannot be combined with a "
                                       f"tensor of dtype {dtype_name(target)}; cast it first")
        return v.astype(target)
    to_array(v)  # refuses None, strings and ragged lists (with a dtype given NumPy would parse them)
    return to_array(v, target)


def _same_dtype_values(values, op_name):
    """The values of a list op (stack, concat) as tensors of one dtype.

    Python and NumPy values take the dtype of the first tensor among them (TF converts them
    with that dtype); tensors of different dtypes are refused, as TF refuses them.
    """
    if isinstance(values, TensorLike) or hasattr(values, "__tapegrad_tensor__"):
        values = [values]
    elif isinstance(values, (list, tuple)):
        values = list(values)
    else:
        raise TypeError(f"{op_name}: values must be a list of tensors, got {type(values).__name__}")
    if not values:
        raise InvalidArgumentError(f"{op_name}: values must be a non-empty list of tensors")
    like = next((v for v in values if isinstance(v, TensorLike)), None)
    if like is not None:
        target = like._value.dtype
        out = []
        for v in values:
            if isinstance(v, TensorLike):
                out.append(v)
            else:
                out.append(_to_dtype(v, target, op_name))
        values = out
    else:
        values = [to_array(v) for v in values]
    first = _value(values[0]).dtype
    for i, v in enumerate(values[1:], 1):
        if _value(v).dtype != first:
            raise InvalidArgumentError(f"{op_name}: input #{i} has dtype {dtype_name(_value(v).dtype)} but input #0 "
                                       f"has {dtype_name(first)}; cast them to one dtype")
    return values


def _concat_vjp(g, ans, needs, *xs, axis, sizes):
    # Each input's gradient is its slice of g along ``axis`` (``sizes``: the inputs' lengths there).
    lead = (slice(None),) * axis
    out = []
    start = 0
    for need, n in zip(needs, sizes):
        out.append(_getitem(g, key=lead + (slice(start, start + n),)) if need else None)
        start += n
    return tuple(out)


_concat = defop("concat", lambda *xs, axis, sizes: np.concatenate(xs, axis=axis), _concat_vjp,
                save_inputs=False, save_output=False,
                notes="Each input's gradient is its slice of the output gradient.")


@export("concat")
def concat(values, axis, name=None):
    """Join tensors along an existing ``axis``, as ``tf.concat``.

    >>> import tapegrad as tf
    >>> tf.concat([[[1, 2]], [[3, 4]]], 0).numpy().tolist()
    [[1, 2], [3, 4]]
    """
    values = _same_dtype_values(values, "concat")
    arrays = [_value(v) for v in values]
    rank = arrays[0].ndim
    if rank == 0:
        raise InvalidArgumentError("concat: can't concatenate scalars (use tapegrad.stack instead)")
    a = static_int(axis, "concat")
    if not -rank <= a < rank:
        raise InvalidArgumentError(f"concat: expected concatenating dimensions in the range [{-rank}, {rank}), "
                                   f"but got {a}")
    a %= rank
    for i, x in enumerate(arrays[1:], 1):
        if x.ndim != rank or x.shape[:a] + x.shape[a + 1:] != arrays[0].shape[:a] + arrays[0].shape[a + 1:]:
            raise InvalidArgumentError(f"concat: shape[{i}] = {list(x.shape)} does not match shape[0] = "
                                       f"{list(arrays[0].shape)} outside the concat axis {a}")
    return _concat(*values, axis=a, sizes=tuple(x.shape[a] for x in arrays))


@export("split")
def split(value, num_or_size_splits, axis=0, num=None, name=None):
    """Split ``value`` along ``axis`` into ``num_or_size_splits`` equal parts, or parts of the
    given sizes (one may be -1), as ``tf.split``. Returns a list of tensors.

    >>> import tapegrad as tf
    >>> [t.shape[1] for t in tf.split(tf.zeros([2, 5]), [1, -1, 2], axis=1)]
    [1, 2, 2]
    """
    value = _as_tensor(value)
    shape = value._value.shape
    a = normalize_axis(axis, len(shape), "split", allow_none=False)[0]
    dim = shape[a]
    spec = static_value(num_or_size_splits)
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, (bool, np.bool_)):
        n = int(spec)
        if n <= 0 or dim % n:
            raise InvalidArgumentError(f"split: the number of ways to split ({n}) must evenly divide the "
                                       f"split dimension {a} of size {dim} (shape {list(shape)})")
        sizes = [dim // n] * n
    else:
        if not isinstance(spec, (list, tuple)) or not all(
                isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in spec):
            raise TypeError(f"split: num_or_size_splits must be an int or a list of ints, got {spec!r}")
        sizes = [int(s) for s in spec]
        if num is not None and int(num) != len(sizes):
            raise InvalidArgumentError(f"split: num = {num} but {len(sizes)} sizes were given")
        unknown = [i for i, s in enumerate(sizes) if s == -1]
        known = sum(s for s in sizes if s != -1)
        if len(unknown) > 1 or any(s < -1 for s in sizes):
            raise InvalidArgumentError(f"split: sizes {sizes} may hold at most one -1 and no other negative size")
        if unknown:
            sizes[unknown[0]] = dim - known  # negative when the known sizes already exceed dim
        if sum(sizes) != dim or any(s < 0 for s in sizes):
            raise InvalidArgumentError(f"split: sizes {list(spec)} must add up to the size {dim} of dimension {a} "
                                       f"(shape {list(shape)})")
    lead = (slice(None),) * a
    out = []
    start = 0
    for n in sizes:
        out.append(_getitem(value, key=lead + (slice(start, start + n),)))
        start += n
    return out


# -- tile / pad / reverse --------------------------------------------------------------------

def _tile_vjp(g, ans, needs, x, multiples):
    # out viewed as [m0, d0, m1, d1, ...]: the gradient sums over the copies (the m axes).
    shape = np.shape(x)
    copies = tuple(v for m, d in zip(multiples, shape) for v in (m, d))
    once = tuple(v for d in shape for v in (1, d))
    return (_reshape(sum_to_shape(_reshape(g, shape=copies), shape=once), shape=shape),)


_tile = defop("tile", lambda x, multiples: np.tile(x, multiples), _tile_vjp, save_output=False,
              refusals={"uint16": UnimplementedError},  # TF 2.21's CPU TileOp has no uint16 case
              notes="The gradient sums the copies.")


@export("tile")
def tile(input, multiples, name=None):
    """Repeat ``input`` ``multiples[i]`` times along each axis ``i``, as ``tf.tile``."""
    input = _as_tensor(input)
    rank = input._value.ndim
    m = normalize_shape(multiples, "tile", arg="multiples")
    if len(m) != rank:
        raise InvalidArgumentError(f"tile: multiples must be a vector of {rank} non-negative ints for an input "
                                   f"of shape {list(input._value.shape)}, got {m}")
    return _tile(input, multiples=tuple(m))


_pad = defop(
    "pad", lambda x, paddings, constant_values: np.pad(x, paddings, constant_values=constant_values),
    lambda g, ans, needs, x, paddings, constant_values: (
        _getitem(g, key=tuple(slice(lo, n - hi) for (lo, hi), n in zip(paddings, np.shape(g)))),),
    save_inputs=False, save_output=False,
    notes="The gradient is the unpadded slice; constant_values gets None, as TF's PadV2.")


def _mirror_index(n, lo, hi, symmetric):
    """Source index along one axis for REFLECT (edge not repeated) or SYMMETRIC (repeated) padding."""
    i = np.arange(-lo, n + hi)
    i = np.where(i < 0, -i - 1 if symmetric else -i, i)
    return np.where(i >= n, 2 * n - 1 - i if symmetric else 2 * n - 2 - i, i)


@export("pad")
def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """Pad ``tensor`` by ``paddings`` ([rank, 2]: before, after per axis), as ``tf.pad``.

    ``mode``: "CONSTANT" (with ``constant_values``), "REFLECT" or "SYMMETRIC" (case-insensitive).

    >>> import tapegrad as tf
    >>> tf.pad([[1, 2, 3]], [[0, 0], [2, 1]], "REFLECT").numpy().tolist()
    [[3, 2, 1, 2, 3, 2]]
    """
    tensor = _as_tensor(tensor)
    shape = tensor._value.shape
    raw = static_value(paddings)
    try:
        p = np.asarray(raw)
    except ValueError:  # a ragged list
        p = np.asarray(None)
    if p.size and p.dtype.kind not in "iu":
        raise TypeError(f"pad: paddings must be a [rank, 2] list of ints, got {raw!r}")
    p = p.astype(np.int64) if p.size else np.zeros((0, 2), np.int64)
    if p.shape != (len(shape), 2):
        raise InvalidArgumentError(f"pad: paddings must have shape [{len(shape)}, 2] for an input of shape "
                                   f"{list(shape)}, got {list(p.shape)}")
    if (p < 0).any():
        raise InvalidArgumentError(f"pad: paddings must be non-negative, got {p.tolist()}")
    mode = str(mode).upper()
    if mode == "CONSTANT":
        if not shape:
            return identity_(tensor)
        return _pad(tensor, paddings=tuple(map(tuple, p.tolist())), constant_values=static_value(constant_values))
    if mode not in ("REFLECT", "SYMMETRIC"):
        raise ValueError(f"pad: mode must be one of CONSTANT, REFLECT, SYMMETRIC, got {mode!r}")
    symmetric = mode == "SYMMETRIC"
    for (lo, hi), n in zip(p.tolist(), shape):
        if (max(lo, hi) > n) if symmetric else (max(lo, hi) >= n and max(lo, hi) > 0):
            raise InvalidArgumentError(
                f"pad: {mode} paddings must be {'no greater than' if symmetric else 'less than'} the dimension "
                f"size: got paddings {[lo, hi]} for a dimension of size {n} (shape {list(shape)})")
    # A mirror pad is a gather along each axis; its gradient (strided_slice_grad) sums the mirrored copies.
    index = np.ix_(*[_mirror_index(n, lo, hi, symmetric) for (lo, hi), n in zip(p.tolist(), shape)])
    return _getitem(tensor, key=tuple(index))


_reverse = defop("reverse", lambda x, axis: np.flip(x, axis),
                 lambda g, ans, needs, x, axis: (_reverse(g, axis=axis),),
                 save_inputs=False, save_output=False, notes="The gradient is the reversed gradient.")


@export("reverse")
def reverse(tensor, axis, name=None):
    """Reverse ``tensor`` along each axis in ``axis`` (a list), as ``tf.reverse``."""
    tensor = _as_tensor(tensor)
    axes = static_value(axis)
    axes = [axes] if isinstance(axes, (int, np.integer)) else axes
    if tensor._value.ndim == 0 and isinstance(axes, (list, tuple)) and all(a in (0, -1) for a in axes):
        return identity_(tensor)  # TF reverses a scalar along "axis 0" to itself
    axes = normalize_axis(axes, tensor._value.ndim, "reverse") if axes != [] else ()
    return _reverse(tensor, axis=axes)


# -- where, casts, identity -----------------------------------------------------------------

def _where_forward(condition, x, y):
    return np.where(condition, x, y)


def _where_vjp(g, ans, needs, condition, x, y):
    zero = g * 0
    return (None,
            _where3(condition, g, zero) if needs[1] else None,
            _where3(condition, zero, g) if needs[2] else None)


_where3 = defop("where", _where_forward, _where_vjp, broadcasting=True, save_output=False,
                notes="The gradient goes to x where condition is true and to y elsewhere.")


@export("where")
def where(condition, x=None, y=None, name=None):
    """``where(c, x, y)`` picks x where c is true, else y (broadcasting); ``where(c)`` gives the
    int64 indices of true entries, shape [n, rank]."""
    if x is None and y is None:
        c = np.asarray(condition._value if isinstance(condition, TensorLike) else condition)
        return convert_to_tensor(np.argwhere(c).astype(np.int64))
    if x is None or y is None:
        raise ValueError("where: x and y must both be given, or neither")
    cv = condition._value if isinstance(condition, TensorLike) else to_array(condition)
    if cv.dtype != np.bool_:
        raise InvalidArgumentError(f"where: condition must be bool, got {dtype_name(cv.dtype)}")
    # x and y: one dtype (a Python value takes the other's, as TF converts it); shapes broadcast.
    if isinstance(x, TensorLike) and not isinstance(y, TensorLike):
        y = _to_dtype(y, x._value.dtype, "where")
    elif isinstance(y, TensorLike) and not isinstance(x, TensorLike):
        x = _to_dtype(x, y._value.dtype, "where")
    if not isinstance(x, TensorLike):
        x = to_array(x)  # (refuses object arrays, None, strings)
    if not isinstance(y, TensorLike):
        y = to_array(y)
    xv, yv = _value(x), _value(y)
    if xv.dtype != yv.dtype:
        raise InvalidArgumentError(f"where: x and y must have the same dtype, got x {dtype_name(xv.dtype)} and "
                                   f"y {dtype_name(yv.dtype)}; cast one of them")
    try:
        np.broadcast_shapes(cv.shape, xv.shape, yv.shape)
    except ValueError:
        raise InvalidArgumentError(f"where: condition {list(cv.shape)}, x {list(xv.shape)} and y {list(yv.shape)} "
                                   f"must be broadcastable") from None
    return _where3(condition if isinstance(condition, TensorLike) else cv, x, y)


def _cast_forward(x, dtype):
    return np.asarray(x).astype(dtype, copy=False)


cast_ = defop("cast", _cast_forward,
              lambda g, ans, needs, x, dtype: (cast_(g, dtype=np.asarray(x).dtype),),
              save_output=False,
              notes="Differentiable between float dtypes; a cast to an integer dtype gives None.")


@export("cast", "dtypes.cast")
def cast(x, dtype, name=None):
    """Cast ``x`` to ``dtype``, as ``tf.cast`` (float -> int truncates toward zero)."""
    if dtype is None:
        raise TypeError("cast: dtype must be given (a tapegrad DType or its name), got None")
    target = dtypes.as_dtype(dtype)._np
    if isinstance(x, TensorLike) and x._value.dtype == target:
        return convert_to_tensor(x)
    return cast_(x, dtype=target)


identity_ = defop("identity", lambda x: np.array(x, copy=True), lambda g, ans, needs, x: (g,),
                  api=("identity",), save_inputs=False, save_output=False)


def _zeros_like_forward(x, dtype=None):
    return np.zeros(np.shape(x), dtype or np.asarray(x).dtype)


_zeros_like = defop("zeros_like", _zeros_like_forward, None, notes="Not differentiable (None), as in TF.")
_ones_like = defop("ones_like", lambda x, dtype=None: np.ones(np.shape(x), dtype or np.asarray(x).dtype), None)


@export("zeros_like")
def zeros_like(input, dtype=None, name=None):
    """Zeros with the shape (and dtype, unless given) of ``input``."""
    return _zeros_like(input, dtype=np_dtype(dtype))


@export("ones_like")
def ones_like(input, dtype=None, name=None):
    """Ones with the shape (and dtype, unless given) of ``input``."""
    return _ones_like(input, dtype=np_dtype(dtype))


# -- shape, size, rank: int32 tensors, not differentiable ------------------------------------

@export("shape")
def shape(input, out_type=None, name=None):
    """The shape of ``input`` as a 1-D int32 (or ``out_type``) tensor, as ``tf.shape``."""
    return new_tensor(np.array(np.shape(_value(input)), np_dtype(out_type, np.dtype(np.int32))), None)


@export("shape_n")
def shape_n(input, out_type=None, name=None):
    """The shapes of a list of tensors, as ``tf.shape_n``."""
    return [shape(x, out_type) for x in input]


@export("size")
def size(input, out_type=None, name=None):
    """The number of elements of ``input`` as a scalar int32 (or ``out_type``) tensor."""
    return new_tensor(np.array(np.size(_value(input)), np_dtype(out_type, np.dtype(np.int32))), None)


@export("rank")
def rank(input, name=None):
    """The number of dimensions of ``input`` as a scalar int32 tensor, as ``tf.rank``."""
    return new_tensor(np.array(np.ndim(_value(input)), np.int32), None)


# -- one_hot ---------------------------------------------------------------------------------

def _one_hot_forward(indices, depth, on_value, off_value, axis, dtype):
    # Indices outside [0, depth) (negative included) give a row of off_value, as TF.
    hot = np.asarray(indices)[..., None] == np.arange(depth)
    out = np.where(hot, np.asarray(on_value, dtype), np.asarray(off_value, dtype))
    return out if axis == -1 else np.moveaxis(out, -1, axis)


_one_hot = defop("one_hot", _one_hot_forward, None,
                 notes="Not differentiable (None for indices, on_value and off_value), as TF's OneHot.")


@export("one_hot")
def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """One-hot vectors of length ``depth`` at a new ``axis`` (default last), as ``tf.one_hot``.

    The dtype is ``dtype``, else that of ``on_value``/``off_value``, else float32.

    >>> import tapegrad as tf
    >>> tf.one_hot([0, 2, -1], 3).numpy().tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]
    """
    idx = _value(indices) if isinstance(indices, TensorLike) else to_array(indices)
    if idx.dtype not in (np.uint8, np.int8, np.int32, np.int64):
        raise InvalidArgumentError(f"one_hot: indices must be uint8, int8, int32 or int64, got "
                                   f"{dtype_name(idx.dtype) if idx.dtype in dtypes.FROM_NUMPY else idx.dtype}")
    depth = static_int(depth, "one_hot", "depth")
    if depth < 0:
        raise InvalidArgumentError(f"one_hot: depth must be non-negative, got {depth}")
    axis = -1 if axis is None else static_int(axis, "one_hot")
    if not (axis == -1 or 0 <= axis <= idx.ndim):
        raise InvalidArgumentError(f"one_hot: expected axis to be -1 or between [0, {idx.ndim + 1}), "
                                   f"but received {axis}")
    # TF's dtype rule (array_ops.one_hot): given values must agree with dtype and with each other.
    want = None if dtype is None else dtypes.as_dtype(dtype)

    def convert(v):
        # TF converts with dtype as a hint, but a Python float never becomes an integer there.
        lossy = want is not None and not want.is_floating and isinstance(v, (float, np.floating))
        return None if v is None else convert_to_tensor(v, dtype_hint=None if lossy else want)
    on, off = convert(on_value), convert(off_value)
    for label, v in (("on_value", on), ("off_value", off)):
        if v is not None and want is not None and v.dtype != want:
            raise TypeError(f"one_hot: dtype {v.dtype.name} of {label} does not match the dtype parameter "
                            f"{want.name}")
    if want is None:
        want = on.dtype if on is not None else off.dtype if off is not None else dtypes.float32
    if on is not None and off is not None and on.dtype != off.dtype:
        raise TypeError(f"one_hot: dtype {on.dtype.name} of on_value does not match dtype {off.dtype.name} "
                        f"of off_value")
    return _one_hot(idx, depth=depth, on_value=1 if on is None else on._value.item(),
                    off_value=0 if off is None else off._value.item(), axis=axis, dtype=want._np)


# -- gather (IndexedSlices gradient), embedding_lookup --------------------------------------

def _int_indices(indices, op_name):
    idx = _value(indices) if isinstance(indices, TensorLike) else to_array(indices)
    if idx.dtype.kind not in "iu" or idx.dtype == np.uint64:
        raise InvalidArgumentError(f"{op_name}: indices must be int32 or int64, got "
                                   f"{dtype_name(idx.dtype) if idx.dtype in dtypes.FROM_NUMPY else idx.dtype}")
    return idx


def _gather_key(indices, axis, batch_dims):
    """``(key, perm)``: ``params[key]``, transposed by ``perm`` when it is not None, is the gather."""
    if batch_dims == 0:
        return (slice(None),) * axis + (indices,), None
    # Batch axes index themselves: aranges that broadcast against ``indices``.
    grids = tuple(np.arange(n).reshape((1,) * k + (n,) + (1,) * (indices.ndim - k - 1))
                  for k, n in enumerate(indices.shape[:batch_dims]))
    key = grids + (slice(None),) * (axis - batch_dims) + (indices,)
    if axis == batch_dims:
        return key, None
    # Separated advanced indices put their broadcast dims [B, I] first, before the sliced [M] and the
    # rest [R]; TF's order is [B, M, I, R].
    b, ni, nm = batch_dims, indices.ndim - batch_dims, axis - batch_dims
    perm = list(range(b)) + list(range(b + ni, b + ni + nm)) + list(range(b, b + ni))
    return key, None if perm == list(range(len(perm))) else perm


def _gather_forward(params, indices, axis, batch_dims, shape):
    if batch_dims == 0:
        # np.take: TF's gather exactly (indices are range-checked first); row copies in a tight loop,
        # twice as fast as fancy indexing, the more so on a table larger than the caches.
        return np.take(np.asarray(params), indices, axis=axis)
    key, perm = _gather_key(indices, axis, batch_dims)
    out = np.asarray(params)[key]
    if perm is not None:
        out = np.transpose(out, perm + list(range(len(perm), out.ndim)))
    return out


def _gather_grad_forward(g, indices, axis, batch_dims, shape):
    g = np.asarray(g)
    key, perm = _gather_key(indices, axis, batch_dims)
    if perm is not None:
        g = np.transpose(g, tuple(np.argsort(perm + list(range(len(perm), g.ndim)))))
    out = np.zeros(shape, g.dtype)
    np.add.at(out, key, g)
    return out


def _gather_vjp(g, ans, needs, params, indices, axis, batch_dims, shape):
    # ``params`` is not saved (it arrives as None): the rule needs its shape only, and saving an
    # embedding table would pin it for a persistent tape (an optimizer step would then copy it).
    if axis == 0 and batch_dims == 0:
        # As TF's _GatherV2Grad: rows of g at the flattened indices; values [indices.size, *shape[1:]],
        # indices 1-D (their dtype kept), dense_shape int32.
        idx = _value(indices)
        values = _reshape(g, shape=(idx.size,) + tuple(shape[1:]))
        return (IndexedSlices(values, new_tensor(idx.reshape(-1), None),
                              new_tensor(np.array(shape, np.int32), None)),)
    return (_gather_grad(g, indices, axis=axis, batch_dims=batch_dims, shape=shape),)


_gather = defop("gather", _gather_forward, _gather_vjp, save_inputs=False, save_output=False,
                notes="Along axis 0 (batch_dims 0) the gradient is an IndexedSlices(values, indices, "
                      "dense_shape), as in TF; otherwise dense (duplicates add up). Indices get None.")
_gather_grad = defop(
    "gather_grad", _gather_grad_forward,  # (its gradient w.r.t. g is gather again)
    lambda g, ans, needs, u, indices, axis, batch_dims, shape: (
        _gather(g, indices=indices, axis=axis, batch_dims=batch_dims, shape=shape), None),
    save_output=False, notes="The dense adjoint of gather: zeros with the rows added at the indices.")


def _check_range(idx, n, op_name, what):
    bad = (idx < 0) | (idx >= n)
    if bad.any():
        at = np.argwhere(bad)[0] if idx.ndim else ()
        raise InvalidArgumentError(f"{op_name}: indices{_pos(at)} = {int(idx[tuple(at)])} is not in [0, {n}) "
                                   f"({what})")


@export("gather")
def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """Slices of ``params`` along ``axis`` at ``indices``, as ``tf.gather``.

    ``batch_dims``: leading dimensions shared by ``params`` and ``indices`` (one gather per batch
    entry). Out-of-range indices raise InvalidArgumentError (as TF on CPU). The gradient w.r.t.
    ``params`` along axis 0 is an ``IndexedSlices``, as in TensorFlow.

    >>> import tapegrad as tf
    >>> tf.gather([[1, 2], [3, 4], [5, 6]], [2, 0]).numpy().tolist()
    [[5, 6], [1, 2]]
    """
    params = _as_tensor(params)
    shape = params._value.shape
    idx = _int_indices(indices, "gather")
    bd = static_int(batch_dims, "gather", "batch_dims")
    if bd < 0:
        bd += idx.ndim
    if not 0 <= bd <= idx.ndim or bd >= max(len(shape), 1):
        raise InvalidArgumentError(f"gather: batch_dims = {static_value(batch_dims)} must be in [0, rank(indices) "
                                   f"= {idx.ndim}] and less than rank(params) = {len(shape)}")
    ax = bd if axis is None else static_int(axis, "gather")
    if not -len(shape) <= ax < len(shape):
        raise InvalidArgumentError(f"gather: axis {ax} is out of range for params of shape {list(shape)}")
    ax %= len(shape)
    if ax < bd:
        raise InvalidArgumentError(f"gather: axis ({ax}) must be greater than or equal to batch_dims ({bd})")
    if shape[:bd] != idx.shape[:bd]:
        raise InvalidArgumentError(f"gather: the first batch_dims = {bd} dimensions of params {list(shape)} and "
                                   f"indices {list(idx.shape)} must be equal")
    _check_range(idx, shape[ax], "gather", f"params shape {list(shape)}, axis {ax}")
    # A copy: the indices are kept for the gradient, and the caller may change the array later.
    return _gather(params, indices=idx.copy(), axis=ax, batch_dims=bd, shape=shape)


@export("nn.embedding_lookup")
def embedding_lookup(params, ids, max_norm=None, name=None):
    """Rows of the embedding table ``params`` at ``ids``, as ``tf.nn.embedding_lookup``.

    The gradient w.r.t. the table is an ``IndexedSlices`` (rows touched only). ``params`` may be
    a list of shards laid out as TF's "div" strategy (shard i holds a contiguous block of ids).
    ``max_norm``: rows whose L2 norm exceeds it are scaled down to it (after the lookup).
    """
    if isinstance(params, (list, tuple)):
        if not params:
            raise ValueError("embedding_lookup: params must be a non-empty list of tensors")
        if len(params) == 1:
            params = params[0]
        else:
            shards = [_as_tensor(p) for p in params]
            if any(p._value.ndim == 0 for p in shards):
                raise InvalidArgumentError(f"embedding_lookup: params must be a tensor or a list of shards of rank "
                                           f">= 1, got shards of shapes {[list(p.shape) for p in shards]}")
            params = shards
            sizes = [int(p._value.shape[0]) for p in shards]
            q, r = divmod(sum(sizes), len(sizes))
            if sizes != [q + 1] * r + [q] * (len(sizes) - r):
                raise InvalidArgumentError(f"embedding_lookup: shard sizes {sizes} are not TF's 'div' layout "
                                           f"of {sum(sizes)} ids over {len(sizes)} shards")
            params = concat(list(params), 0)
    if _as_tensor(params)._value.ndim == 0:
        raise InvalidArgumentError("embedding_lookup: params must have rank >= 1 (a table of rows), got a scalar")
    out = gather(params, ids)
    if max_norm is None:
        return out
    # (API: the reductions and math live in sibling families)
    axes = list(range(_value(ids).ndim, out._value.ndim))
    norm = API["sqrt"](API["reduce_sum"](out * out, axis=axes, keepdims=True))
    # TF's clip_by_norm: x * max_norm / max(norm, max_norm), written so no branch divides by 0.
    limit = float(static_value(max_norm))
    return out * limit / _where3(norm > limit, norm, limit + 0 * norm)


# -- gather_nd / scatter_nd / tensor_scatter_nd_* -------------------------------------------

def _nd_index(indices, shape, op_name):
    """The NumPy index tuple for gather_nd-style ``indices`` into ``shape``, bounds-checked."""
    depth = indices.shape[-1]
    if depth > len(shape):
        raise InvalidArgumentError(f"{op_name}: indices.shape[-1] = {depth} must be <= the rank "
                                   f"{len(shape)} of the indexed tensor (shape {list(shape)})")
    for d in range(depth):
        col = indices[..., d]
        bad = (col < 0) | (col >= shape[d])
        if bad.any():
            where_ = np.argwhere(bad)[0]
            raise InvalidArgumentError(f"{op_name}: indices{_pos(where_)} = {indices[tuple(where_)].tolist()} "
                                       f"does not index into shape {list(shape)}")
    return tuple(indices[..., d] for d in range(depth))


def _gather_nd_forward(params, indices):
    return np.asarray(params)[_nd_index(indices, np.shape(params), "gather_nd")]


_gather_nd = defop("gather_nd", _gather_nd_forward,
                   lambda g, ans, needs, params, indices: (_scatter_nd(indices, g, shape=np.shape(params)), None),
                   save_output=False, notes="Gradient: scatter_nd of the incoming gradient (dense).")


@export("gather_nd")
def gather_nd(params, indices, batch_dims=0, name=None):
    """Slices of ``params`` at the index tuples in the last axis of ``indices``, as ``tf.gather_nd``.

    ``batch_dims``: leading dimensions shared by both (each batch entry indexes its own slice).

    >>> import tapegrad as tf
    >>> tf.gather_nd([[1, 2], [3, 4]], [[1, 0], [0, 1]]).numpy().tolist()
    [3, 2]
    """
    params = _as_tensor(params)
    idx = _int_indices(indices, "gather_nd")
    if idx.ndim == 0:
        raise InvalidArgumentError("gather_nd: indices must have rank >= 1 (index tuples in the last axis)")
    bd = static_int(batch_dims, "gather_nd", "batch_dims")
    if idx.shape[-1] == 0 and not bd:
        # Empty index tuples select the whole of params, once per index (NumPy's params[()] would
        # give params only once): a broadcast, as TF's GatherNd.
        lead = idx.shape[:-1]
        shape = params._value.shape
        return API["broadcast_to"](_reshape(params, shape=(1,) * len(lead) + shape), shape=lead + shape)
    if bd:
        shape = params._value.shape
        if not 0 < bd < idx.ndim or shape[:bd] != idx.shape[:bd]:
            raise InvalidArgumentError(f"gather_nd: batch_dims = {bd} must be < rank(indices) = {idx.ndim}, and "
                                       f"the first {bd} dimensions of params {list(shape)} and indices "
                                       f"{list(idx.shape)} must be equal")
        _nd_index(idx, shape[bd:], "gather_nd")  # checks the indices against each batch entry's shape
        # Prepend each entry's batch coordinates to its index tuple: one plain gather_nd.
        grids = np.indices(idx.shape[:bd], dtype=idx.dtype)
        lead = np.stack([np.broadcast_to(gk.reshape(gk.shape + (1,) * (idx.ndim - 1 - bd)), idx.shape[:-1])
                         for gk in grids], axis=-1)
        idx = np.concatenate([lead, idx], axis=-1)
    return _gather_nd(params, idx)


def _scatter_nd_forward(indices, updates, shape):
    updates = np.asarray(updates)
    out = np.zeros(shape, updates.dtype)
    np.add.at(out, _nd_index(indices, shape, "scatter_nd"), updates)
    return out


_scatter_nd = defop("scatter_nd", _scatter_nd_forward,
                    lambda g, ans, needs, indices, updates, shape: (None, _gather_nd(g, indices)),
                    save_output=False, notes="Duplicate indices add up, as in TensorFlow.")


def _check_updates(op_name, idx, updates, shape):
    want = idx.shape[:-1] + tuple(shape[idx.shape[-1]:]) if idx.ndim else None
    got = np.shape(_value(updates))
    if idx.ndim == 0 or idx.shape[-1] > len(shape) or tuple(got) != tuple(want):
        raise InvalidArgumentError(
            f"{op_name}: updates must have shape indices.shape[:-1] + shape[indices.shape[-1]:] = "
            f"{list(want) if want is not None else '?'} for indices of shape {list(idx.shape)} into shape "
            f"{list(shape)}, got {list(got)}")


@export("scatter_nd")
def scatter_nd(indices, updates, shape, name=None):
    """Zeros of ``shape`` with ``updates`` added at ``indices`` (duplicates add up)."""
    updates = _as_tensor(updates)
    idx = _int_indices(indices, "scatter_nd")
    shape = normalize_shape(shape, "scatter_nd")
    _check_updates("scatter_nd", idx, updates, shape)
    return _scatter_nd(idx, updates, shape=shape)


def _tsn_forward(op_name, combine):
    def forward(tensor, indices, updates):
        out = np.array(tensor, copy=True)
        key = _nd_index(indices, out.shape, op_name)
        if combine is None:
            out[key] = updates  # duplicates: the last update wins (as TF on CPU)
        else:
            combine.at(out, key, updates)
        return out
    return forward


_tsn_update = defop(
    "tensor_scatter_nd_update", _tsn_forward("tensor_scatter_nd_update", None),
    lambda g, ans, needs, tensor, indices, updates: (
        _tsn_update(g, indices, _zeros_like(updates)) if needs[0] else None, None,
        _gather_nd(g, indices) if needs[2] else None),
    save_output=False,
    notes="The tensor's gradient is zero at overwritten positions; each update gets the gradient at "
          "its position (duplicates each get it in full), as TF.")
_tsn_add = defop(
    "tensor_scatter_nd_add", _tsn_forward("tensor_scatter_nd_add", np.add),
    lambda g, ans, needs, tensor, indices, updates: (g, None, _gather_nd(g, indices) if needs[2] else None),
    save_output=False, refusals={"b": NotFoundError},  # (TF: no bool kernel)
    notes="Gradient: g for the tensor, gather_nd(g, indices) for the updates.")
_tsn_sub = defop(
    "tensor_scatter_nd_sub", _tsn_forward("tensor_scatter_nd_sub", np.subtract),
    lambda g, ans, needs, tensor, indices, updates: (g, None, -_gather_nd(g, indices) if needs[2] else None),
    save_output=False, refusals={"b": NotFoundError},  # (TF: no bool kernel)
    notes="Gradient: g for the tensor, -gather_nd(g, indices) for the updates.")


def _tensor_scatter(primitive, op_name):
    def apply(tensor, indices, updates, name=None):
        tensor = _as_tensor(tensor)
        idx = _int_indices(indices, op_name)
        if not isinstance(updates, TensorLike):
            updates = _to_dtype(updates, tensor._value.dtype, op_name)
        elif updates._value.dtype != tensor._value.dtype:
            raise InvalidArgumentError(f"{op_name}: updates have dtype {updates.dtype.name}, the tensor "
                                       f"{tensor.dtype.name}; cast them to one dtype")
        _check_updates(op_name, idx, updates, tensor._value.shape)
        return primitive(tensor, idx, updates)
    apply.__name__ = apply.__qualname__ = op_name
    apply.__doc__ = (f"``tf.{op_name}``: a copy of ``tensor`` with ``updates`` "
                     f"{ {'update': 'written', 'add': 'added', 'sub': 'subtracted'}[op_name.rsplit('_', 1)[1]] } "
                     f"at the index tuples in the last axis of ``indices``.")
    return export(op_name)(apply)


tensor_scatter_nd_update = _tensor_scatter(_tsn_update, "tensor_scatter_nd_update")
tensor_scatter_nd_add = _tensor_scatter(_tsn_add, "tensor_scatter_nd_add")
tensor_scatter_nd_sub = _tensor_scatter(_tsn_sub, "tensor_scatter_nd_sub")


@export("boolean_mask")
def boolean_mask(tensor, mask, axis=None, name=None):
    """The entries of ``tensor`` where ``mask`` is true, as ``tf.boolean_mask``.

    ``mask`` (k-D; bool, or numbers selecting where non-zero) covers dimensions
    ``axis .. axis+k-1`` of ``tensor``; those collapse into one dimension of the selected entries.

    >>> import tapegrad as tf
    >>> tf.boolean_mask([[1, 2], [3, 4], [5, 6]], [True, False, True]).numpy().tolist()
    [[1, 2], [5, 6]]
    """
    tensor = _as_tensor(tensor)
    m = _value(mask) if isinstance(mask, TensorLike) else to_array(mask)
    shape = tensor._value.shape
    if m.ndim == 0:
        raise ValueError("boolean_mask: mask cannot be scalar")
    m = m.astype(bool, copy=False)  # as TF (via where): a numeric mask selects its non-zero entries
    a = 0 if axis is None else static_int(axis, "boolean_mask")
    a = a + len(shape) if a < 0 else a
    if not 0 <= a <= len(shape) - m.ndim or shape[a:a + m.ndim] != m.shape:
        raise InvalidArgumentError(f"boolean_mask: mask of shape {list(m.shape)} does not match dimensions "
                                   f"{a}..{a + m.ndim - 1} of a tensor of shape {list(shape)}")
    # As TF: reshape, then gather; the reshape makes the gradient dense (TF's is too).
    flat = _reshape(tensor, shape=shape[:a] + (int(m.size),) + shape[a + m.ndim:])
    return _gather(flat, indices=np.flatnonzero(m), axis=a, batch_dims=0, shape=np.shape(flat))


# -- slicing: tensor[key], strided_slice, slice ----------------------------------------------

def _int_list(values, op_name, arg):
    v = static_value(values)
    v = [v] if isinstance(v, (int, np.integer)) else v
    if not isinstance(v, (list, tuple)) or not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool)
                                                   for i in v):
        raise TypeError(f"{op_name}: {arg} must be a list of ints, got {static_value(values)!r}")
    return [int(i) for i in v]


def _is_basic(key):
    return all(k is None or k is Ellipsis or isinstance(k, (int, slice)) for k in key)


def _getitem_forward(x, key):
    try:
        return np.asarray(x)[key]
    except IndexError as e:
        raise InvalidArgumentError(f"slice: index {key!r} is out of range for shape {np.shape(x)}: {e}") from None


def _getitem_grad_forward(g, key, shape):
    out = np.zeros(shape, np.asarray(g).dtype)
    if _is_basic(key):
        out[key] = g
    else:
        np.add.at(out, key, g)
    return out


_getitem = defop("strided_slice", _getitem_forward,
                 lambda g, ans, needs, x, key: (_getitem_grad(g, key=key, shape=np.shape(x)),),
                 save_output=False)
_getitem_grad = defop("strided_slice_grad", _getitem_grad_forward,
                      lambda g, ans, needs, x, key, shape: (_getitem(g, key=key),),
                      save_inputs=False, save_output=False,
                      notes="Adjoint of slicing: zeros with the gradient added at the slice.")


def _normalize_key(key):
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if isinstance(k, TensorLike):
            k = k._value
            k = k.item() if k.ndim == 0 and k.dtype.kind in "iu" else k
        elif isinstance(k, (list, np.ndarray)):
            # A copy: the key is kept for the gradient, and the caller may change their array later.
            k = np.array(k, copy=True)
        if isinstance(k, np.integer):
            k = int(k)
        out.append(k)
    return tuple(out)


def getitem(tensor, key):
    """``tensor[key]``: ints, slices with steps, negative indices, ``...``, ``None``
    (``tf.newaxis``), and (beyond TensorFlow) NumPy integer/boolean array indices."""
    return _getitem(tensor, key=_normalize_key(key))


@export("strided_slice")
def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0,
                  new_axis_mask=0, shrink_axis_mask=0, var=None, name=None):
    """``tf.strided_slice``: ``input_[begin:end:strides]`` per dimension, with TF's bit masks.

    Bit i of ``begin_mask``/``end_mask`` ignores begin[i]/end[i] (full range); of
    ``ellipsis_mask`` makes position i an ``...``; of ``new_axis_mask`` inserts a new axis; of
    ``shrink_axis_mask`` takes the single index begin[i] (removing the dimension).

    >>> import tapegrad as tf
    >>> x = tf.reshape(tf.range(12), [3, 4])
    >>> tf.strided_slice(x, [0, 3], [2, 0], [1, -1], shrink_axis_mask=1).numpy().tolist()
    [3, 2, 1]
    """
    begin = _int_list(begin, "strided_slice", "begin")
    end = _int_list(end, "strided_slice", "end")
    strides = [1] * len(begin) if strides is None else _int_list(strides, "strided_slice", "strides")
    if not len(begin) == len(end) == len(strides):
        raise InvalidArgumentError(f"strided_slice: begin, end and strides must have the same length, got "
                                   f"{len(begin)}, {len(end)}, {len(strides)}")
    if bin(ellipsis_mask).count("1") > 1:
        raise InvalidArgumentError(f"strided_slice: at most one bit of ellipsis_mask may be set, got {ellipsis_mask}")
    key = []
    for i, (b, e, s) in enumerate(zip(begin, end, strides)):
        bit = 1 << i
        if ellipsis_mask & bit:
            key.append(Ellipsis)
        elif new_axis_mask & bit:
            key.append(None)
        elif shrink_axis_mask & bit:
            key.append(b)
        elif s == 0:
            raise InvalidArgumentError(f"strided_slice: strides[{i}] must be non-zero")
        else:
            key.append(slice(None if begin_mask & bit else b, None if end_mask & bit else e, s))
    return _getitem(input_, key=tuple(key))


@export("slice")
def slice_(input_, begin, size, name=None):
    """``tf.slice``: the block starting at ``begin`` of extent ``size`` (-1: to the end)."""
    shape = _as_tensor(input_)._value.shape
    begin = _int_list(begin, "slice", "begin")
    size = _int_list(size, "slice", "size")
    if not len(begin) == len(size) == len(shape):
        raise InvalidArgumentError(f"slice: begin {begin} and size {size} must each have one entry per "
                                   f"dimension of the input of shape {list(shape)}")
    key = []
    for i, (b, s, n) in enumerate(zip(begin, size, shape)):
        s = n - b if s == -1 else s
        if not (0 <= b <= n and 0 <= s <= n - b):
            raise InvalidArgumentError(f"slice: expected begin[{i}] in [0, {n}] and size[{i}] in [0, {n - b}], "
                                       f"got begin {begin} and size {size} for shape {list(shape)}")
        key.append(slice(b, b + s))
    return _getitem(input_, key=tuple(key))
