"""Shape, selection and indexing ops: reshape, expand_dims, transpose, stack, where, cast,
gather_nd, scatter_nd, slicing (``tensor[...]``)."""
import numpy as np

from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import defop, export, convert_to_tensor
from ..core.tensor import TensorLike
from ._util import dtype_name, normalize_axis, normalize_shape, np_dtype, static_value


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
    return _reshape(tensor, shape=normalize_shape(shape, "reshape"))


@export("expand_dims")
def expand_dims(input, axis, name=None):
    """Insert a dimension of size 1 at ``axis``, as ``tf.expand_dims``."""
    shape = list(np.shape(input))
    a = int(static_value(axis))
    if not -len(shape) - 1 <= a <= len(shape):
        raise InvalidArgumentError(f"expand_dims: axis {a} is out of range for a tensor of rank {len(shape)}")
    shape.insert(a if a >= 0 else len(shape) + 1 + a, 1)
    return _reshape(input, shape=tuple(shape))


@export("squeeze")
def squeeze(input, axis=None, name=None):
    """Remove dimensions of size 1 (those in ``axis``, or all), as ``tf.squeeze``."""
    shape = np.shape(input)
    axes = normalize_axis(axis, len(shape), "squeeze")
    if axes is None:
        axes = tuple(i for i, d in enumerate(shape) if d == 1)
    for a in axes:
        if shape[a] != 1:
            raise InvalidArgumentError(f"squeeze: cannot squeeze axis {a} of size {shape[a]} (shape {shape})")
    return _reshape(input, shape=tuple(d for i, d in enumerate(shape) if i not in axes))


def _transpose_forward(x, perm):
    return np.transpose(x, perm)


_transpose = defop("transpose", _transpose_forward,
                   lambda g, ans, needs, x, perm: (_transpose(g, perm=tuple(np.argsort(perm))),),
                   save_inputs=False, save_output=False)


@export("transpose", "linalg.transpose")
def transpose(a, perm=None, conjugate=False, name=None):
    """Permute the dimensions of ``a`` (reverse them by default), as ``tf.transpose``."""
    ndim = np.ndim(a._value if isinstance(a, TensorLike) else a)
    perm = tuple(range(ndim - 1, -1, -1)) if perm is None else tuple(int(p) for p in static_value(perm))
    if sorted(perm) != list(range(ndim)):
        raise InvalidArgumentError(f"transpose: perm {list(perm)} is not a permutation of the {ndim} "
                                   f"dimensions of a tensor of shape {np.shape(a)}")
    return _transpose(a, perm=perm)


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
    values = list(values)
    if not values:
        raise InvalidArgumentError("stack: values must be a non-empty list of tensors")
    shapes = {np.shape(v._value if isinstance(v, TensorLike) else v) for v in values}
    if len(shapes) > 1:
        raise InvalidArgumentError(f"stack: all values must have the same shape, got {sorted(shapes)}")
    ndim = len(next(iter(shapes)))
    a = int(static_value(axis))
    if not -ndim - 1 <= a <= ndim:
        raise InvalidArgumentError(f"stack: axis {a} is out of range for values of rank {ndim}")
    return stack_(*values, axis=a % (ndim + 1))


@export("unstack")
def unstack(value, num=None, axis=0, name=None):
    """Split a tensor along ``axis`` into a list of tensors, as ``tf.unstack``."""
    value = convert_to_tensor(value)
    a = normalize_axis(axis, value.ndim, "unstack", allow_none=False)[0]
    return [_take_index(value, axis=a, index=i) for i in range(value._value.shape[a])]


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
    cv = condition._value if isinstance(condition, TensorLike) else np.asarray(condition)
    if cv.dtype != np.bool_:
        raise InvalidArgumentError(f"where: condition must be bool, got {dtype_name(cv.dtype)}")
    return _where3(condition, x, y)


def _cast_forward(x, dtype):
    return np.asarray(x).astype(dtype, copy=False)


cast_ = defop("cast", _cast_forward,
              lambda g, ans, needs, x, dtype: (cast_(g, dtype=np.asarray(x).dtype),),
              save_output=False,
              notes="Differentiable between float dtypes; a cast to an integer dtype gives None.")


@export("cast", "dtypes.cast")
def cast(x, dtype, name=None):
    """Cast ``x`` to ``dtype``, as ``tf.cast`` (float -> int truncates toward zero)."""
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


# -- gather_nd / scatter_nd -----------------------------------------------------------------

def _int_indices(indices, op_name):
    idx = np.asarray(indices._value if isinstance(indices, TensorLike) else indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op_name}: indices must be int32 or int64, got {idx.dtype}")
    return idx


def _nd_index(indices, shape, op_name):
    """The NumPy index tuple for gather_nd-style ``indices`` into ``shape``, bounds-checked."""
    depth = indices.shape[-1]
    if depth > len(shape):
        raise InvalidArgumentError(f"{op_name}: indices.shape[-1] = {depth} must be <= the rank "
                                   f"{len(shape)} of the indexed tensor (shape {shape})")
    for d in range(depth):
        col = indices[..., d]
        bad = (col < 0) | (col >= shape[d])
        if bad.any():
            where_ = np.argwhere(bad)[0]
            raise InvalidArgumentError(f"{op_name}: indices{list(where_)} = {indices[tuple(where_)].tolist()} "
                                       f"does not index into shape {shape}")
    return tuple(indices[..., d] for d in range(depth))


def _gather_nd_forward(params, indices):
    return np.asarray(params)[_nd_index(indices, np.shape(params), "gather_nd")]


_gather_nd = defop("gather_nd", _gather_nd_forward,
                   lambda g, ans, needs, params, indices: (_scatter_nd(indices, g, shape=np.shape(params)), None),
                   save_output=False, notes="Gradient: scatter_nd of the incoming gradient (dense).")


@export("gather_nd")
def gather_nd(params, indices, batch_dims=0, name=None):
    """Gather slices of ``params`` at the index tuples in the last axis of ``indices``."""
    if batch_dims:
        raise NotImplementedError("gather_nd: batch_dims > 0 is not supported yet")
    return _gather_nd(params, _int_indices(indices, "gather_nd"))


def _scatter_nd_forward(indices, updates, shape):
    updates = np.asarray(updates)
    out = np.zeros(shape, updates.dtype)
    np.add.at(out, _nd_index(indices, shape, "scatter_nd"), updates)
    return out


_scatter_nd = defop("scatter_nd", _scatter_nd_forward,
                    lambda g, ans, needs, indices, updates, shape: (None, _gather_nd(g, indices)),
                    save_output=False, notes="Duplicate indices add up, as in TensorFlow.")


@export("scatter_nd")
def scatter_nd(indices, updates, shape, name=None):
    """Zeros of ``shape`` with ``updates`` added at ``indices`` (duplicates add up)."""
    idx = _int_indices(indices, "scatter_nd")
    shape = normalize_shape(shape, "scatter_nd")
    want = idx.shape[:-1] + shape[idx.shape[-1]:]
    got = np.shape(updates._value if isinstance(updates, TensorLike) else updates)
    if tuple(got) != tuple(want):
        raise InvalidArgumentError(f"scatter_nd: updates must have shape {list(want)} for indices of shape "
                                   f"{list(idx.shape)} into shape {list(shape)}, got {list(got)}")
    return _scatter_nd(idx, updates, shape=shape)


# -- slicing: tensor[key] -------------------------------------------------------------------

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
        elif isinstance(k, list):
            k = np.asarray(k)
        if isinstance(k, np.integer):
            k = int(k)
        out.append(k)
    return tuple(out)


def getitem(tensor, key):
    """``tensor[key]``: ints, slices with steps, negative indices, ``...``, ``None``
    (``tf.newaxis``), and (beyond TensorFlow) NumPy integer/boolean array indices."""
    return _getitem(tensor, key=_normalize_key(key))
