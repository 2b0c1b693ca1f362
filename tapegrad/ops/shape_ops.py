"""Shape ops: reshape, expand_dims, squeeze, transpose, stack/unstack, concat, split, tile, pad,
reverse, cast, identity, and shape/shape_n/size/rank.

Their primitives' gradients move the incoming gradient back into the input's layout (a reshape
back, the inverse permutation, the slice of the output each input became). The raw reshape,
transpose, cast and slicing primitives they use live in ``primitives``; indexing (gather,
scatter, where, slicing by key) is in ``indexing_ops``.
"""
import numpy as np

from ..core.errors import InvalidArgumentError, UnimplementedError
from ..core.registry import defop, export, convert_to_tensor
from ..core import dtypes
from ..core.broadcast import sum_to_shape
from ..core.tensor import TensorLike, new_tensor, to_array
from . import primitives as prim
from ._util import dtype_name, normalize_axis, normalize_shape, np_dtype, static_int, static_value


# -- reshaping ------------------------------------------------------------------------------

@export("reshape")
def reshape(tensor, shape, name=None):
    """Reshape ``tensor`` to ``shape`` (one dimension may be -1), as ``tf.reshape``."""
    return prim.reshape(tensor, shape=normalize_shape(shape, "reshape", allow_unknown=True))


@export("expand_dims")
def expand_dims(input, axis, name=None):
    """Insert a dimension of size 1 at ``axis``, as ``tf.expand_dims``."""
    input = prim.as_tensor(input)
    shape = list(input._value.shape)
    a = static_int(axis, "expand_dims")
    if not -len(shape) - 1 <= a <= len(shape):
        raise InvalidArgumentError(f"expand_dims: axis {a} is out of range for a tensor of rank {len(shape)} "
                                   f"(expected -{len(shape) + 1} <= axis <= {len(shape)})")
    shape.insert(a if a >= 0 else len(shape) + 1 + a, 1)
    return prim.reshape(input, shape=tuple(shape))


@export("squeeze")
def squeeze(input, axis=None, name=None):
    """Remove dimensions of size 1 (those in ``axis``, or all), as ``tf.squeeze``."""
    input = prim.as_tensor(input)
    shape = input._value.shape
    axes = normalize_axis(axis, len(shape), "squeeze")
    if axes is None:
        axes = tuple(i for i, d in enumerate(shape) if d == 1)
    for a in axes:
        if shape[a] != 1:
            raise InvalidArgumentError(f"squeeze: cannot squeeze axis {a} of size {shape[a]} (shape {shape}); "
                                       f"only dimensions of size 1 can be squeezed")
    return prim.reshape(input, shape=tuple(d for i, d in enumerate(shape) if i not in axes))



@export("transpose", "linalg.transpose")
def transpose(a, perm=None, conjugate=False, name=None):
    """Permute the dimensions of ``a`` (reverse them by default), as ``tf.transpose``."""
    a = prim.as_tensor(a)
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
    return prim.transpose(a, perm=perm)


# -- stack / unstack / concat / split -------------------------------------------------------

def _stack_forward(*xs, axis):
    return np.stack(xs, axis=axis)


def _stack_vjp(g, ans, needs, *xs, axis):
    return tuple(_take_index(g, axis=axis, index=i) if need else None for i, need in enumerate(needs))


_stack = defop("stack", _stack_forward, _stack_vjp, save_inputs=False, save_output=False)

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
    shapes = {prim.value(v).shape for v in values}
    if len(shapes) > 1:
        raise InvalidArgumentError(f"stack: all values must have the same shape, got {sorted(shapes)}")
    ndim = len(next(iter(shapes)))
    a = static_int(axis, "stack")
    if not -ndim - 1 <= a <= ndim:
        raise InvalidArgumentError(f"stack: axis {a} is out of range for values of rank {ndim}")
    return _stack(*values, axis=a % (ndim + 1))


@export("unstack")
def unstack(value, num=None, axis=0, name=None):
    """Split a tensor along ``axis`` into a list of tensors, as ``tf.unstack``."""
    value = convert_to_tensor(value)
    a = normalize_axis(axis, value.ndim, "unstack", allow_none=False)[0]
    return [_take_index(value, axis=a, index=i) for i in range(value._value.shape[a])]



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
                out.append(prim.convert_to_dtype(v, target, op_name))
        values = out
    else:
        values = [to_array(v) for v in values]
    first = prim.value(values[0]).dtype
    for i, v in enumerate(values[1:], 1):
        if prim.value(v).dtype != first:
            raise InvalidArgumentError(f"{op_name}: input #{i} has dtype {dtype_name(prim.value(v).dtype)} but "
                                       f"input #0 has {dtype_name(first)}; cast them to one dtype")
    return values


def _concat_vjp(g, ans, needs, *xs, axis, sizes):
    # Each input's gradient is its slice of g along ``axis`` (``sizes``: the inputs' lengths there).
    lead = (slice(None),) * axis
    out = []
    start = 0
    for need, n in zip(needs, sizes):
        out.append(prim.strided_slice(g, key=lead + (slice(start, start + n),)) if need else None)
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
    arrays = [prim.value(v) for v in values]
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
    value = prim.as_tensor(value)
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
        out.append(prim.strided_slice(value, key=lead + (slice(start, start + n),)))
        start += n
    return out


# -- tile / pad / reverse --------------------------------------------------------------------

def _tile_vjp(g, ans, needs, x, multiples):
    # out viewed as [m0, d0, m1, d1, ...]: the gradient sums over the copies (the m axes).
    shape = np.shape(x)
    copies = tuple(v for m, d in zip(multiples, shape) for v in (m, d))
    once = tuple(v for d in shape for v in (1, d))
    return (prim.reshape(sum_to_shape(prim.reshape(g, shape=copies), shape=once), shape=shape),)


_tile = defop("tile", lambda x, multiples: np.tile(x, multiples), _tile_vjp, save_output=False,
              refusals={"uint16": UnimplementedError},  # TF 2.21's CPU TileOp has no uint16 case
              notes="The gradient sums the copies.")


@export("tile")
def tile(input, multiples, name=None):
    """Repeat ``input`` ``multiples[i]`` times along each axis ``i``, as ``tf.tile``."""
    input = prim.as_tensor(input)
    rank = input._value.ndim
    m = normalize_shape(multiples, "tile", arg="multiples")
    if len(m) != rank:
        raise InvalidArgumentError(f"tile: multiples must be a vector of {rank} non-negative ints for an input "
                                   f"of shape {list(input._value.shape)}, got {m}")
    return _tile(input, multiples=tuple(m))


_pad = defop(
    "pad", lambda x, paddings, constant_values: np.pad(x, paddings, constant_values=constant_values),
    lambda g, ans, needs, x, paddings, constant_values: (
        prim.strided_slice(g, key=tuple(slice(lo, n - hi) for (lo, hi), n in zip(paddings, np.shape(g)))),),
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
    tensor = prim.as_tensor(tensor)
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
            return identity(tensor)
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
    return prim.strided_slice(tensor, key=tuple(index))


_reverse = defop("reverse", lambda x, axis: np.flip(x, axis),
                 lambda g, ans, needs, x, axis: (_reverse(g, axis=axis),),
                 save_inputs=False, save_output=False, notes="The gradient is the reversed gradient.")


@export("reverse")
def reverse(tensor, axis, name=None):
    """Reverse ``tensor`` along each axis in ``axis`` (a list), as ``tf.reverse``."""
    tensor = prim.as_tensor(tensor)
    axes = static_value(axis)
    axes = [axes] if isinstance(axes, (int, np.integer)) else axes
    if tensor._value.ndim == 0 and isinstance(axes, (list, tuple)) and all(a in (0, -1) for a in axes):
        return identity(tensor)  # TF reverses a scalar along "axis 0" to itself
    axes = normalize_axis(axes, tensor._value.ndim, "reverse") if axes != [] else ()
    return _reverse(tensor, axis=axes)


# -- cast, identity --------------------------------------------------------------------------

@export("cast", "dtypes.cast")
def cast(x, dtype, name=None):
    """Cast ``x`` to ``dtype``, as ``tf.cast`` (float -> int truncates toward zero)."""
    if dtype is None:
        raise TypeError("cast: dtype must be given (a tapegrad DType or its name), got None")
    target = dtypes.as_dtype(dtype)._np
    if isinstance(x, TensorLike) and x._value.dtype == target:
        return convert_to_tensor(x)
    return prim.cast(x, dtype=target)


identity = defop("identity", lambda x: np.array(x, copy=True), lambda g, ans, needs, x: (g,),
                 api=("identity",), save_inputs=False, save_output=False)


# -- shape, size, rank: int32 tensors, not differentiable ------------------------------------

@export("shape")
def shape(input, out_type=None, name=None):
    """The shape of ``input`` as a 1-D int32 (or ``out_type``) tensor, as ``tf.shape``."""
    return new_tensor(np.array(np.shape(prim.value(input)), np_dtype(out_type, np.dtype(np.int32))), None)


@export("shape_n")
def shape_n(input, out_type=None, name=None):
    """The shapes of a list of tensors, as ``tf.shape_n``."""
    return [shape(x, out_type) for x in input]


@export("size")
def size(input, out_type=None, name=None):
    """The number of elements of ``input`` as a scalar int32 (or ``out_type``) tensor."""
    return new_tensor(np.array(np.size(prim.value(input)), np_dtype(out_type, np.dtype(np.int32))), None)


@export("rank")
def rank(input, name=None):
    """The number of dimensions of ``input`` as a scalar int32 tensor, as ``tf.rank``."""
    return new_tensor(np.array(np.ndim(prim.value(input)), np.int32), None)

