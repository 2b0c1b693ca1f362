"""Indexing and selection ops: where, one_hot, gather (IndexedSlices gradient), embedding_lookup,
gather_nd, scatter_nd, tensor_scatter_nd_update/add/sub, boolean_mask, and slicing (``tensor[key]``,
strided_slice, slice).

Every index is range-checked before NumPy sees it (TF raises InvalidArgumentError naming the bad
index; NumPy would wrap a negative one around). The raw gather and strided-slice primitives
(with their adjoints) live in ``primitives``, as other families build on them.
"""
import numpy as np

from ..core import dtypes
from ..core.broadcast import broadcast_to
from ..core.errors import InvalidArgumentError, NotFoundError
from ..core.registry import defop, export, convert_to_tensor
from ..core.tensor import TensorLike, to_array
from . import math_ops
from . import primitives as prim
from ._util import dtype_name, normalize_shape, static_int, static_value
from .shape_ops import concat


def _pos(where_):
    return "[" + ",".join(str(int(i)) for i in where_) + "]"


# -- where ----------------------------------------------------------------------------------

@export("where")
def where(condition, x=None, y=None, name=None):
    """``where(c, x, y)`` picks x where c is true, else y (broadcasting); ``where(c)`` gives the
    int64 indices of true entries, shape [n, rank]."""
    if x is None and y is None:
        c = np.asarray(condition._value if isinstance(condition, TensorLike) else condition)
        return convert_to_tensor(np.argwhere(c).astype(np.int64))
    if x is None or y is None:
        raise ValueError("where: x and y must both be given, or neither")
    cv = prim.value(condition)
    if cv.dtype != np.bool_:
        raise InvalidArgumentError(f"where: condition must be bool, got {dtype_name(cv.dtype)}")
    # x and y: one dtype (a Python value takes the other's, as TF converts it); shapes broadcast.
    if isinstance(x, TensorLike) and not isinstance(y, TensorLike):
        y = prim.convert_to_dtype(y, x._value.dtype, "where")
    elif isinstance(y, TensorLike) and not isinstance(x, TensorLike):
        x = prim.convert_to_dtype(x, y._value.dtype, "where")
    if not isinstance(x, TensorLike):
        x = to_array(x)  # (refuses object arrays, None, strings)
    if not isinstance(y, TensorLike):
        y = to_array(y)
    xv, yv = prim.value(x), prim.value(y)
    if xv.dtype != yv.dtype:
        raise InvalidArgumentError(f"where: x and y must have the same dtype, got x {dtype_name(xv.dtype)} and "
                                   f"y {dtype_name(yv.dtype)}; cast one of them")
    try:
        np.broadcast_shapes(cv.shape, xv.shape, yv.shape)
    except ValueError:
        raise InvalidArgumentError(f"where: condition {list(cv.shape)}, x {list(xv.shape)} and y {list(yv.shape)} "
                                   f"must be broadcastable") from None
    return prim.select(condition if isinstance(condition, TensorLike) else cv, x, y)

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
    idx = prim.value(indices)
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
    idx = prim.value(indices)
    if idx.dtype.kind not in "iu" or idx.dtype == np.uint64:
        raise InvalidArgumentError(f"{op_name}: indices must be int32 or int64, got "
                                   f"{dtype_name(idx.dtype) if idx.dtype in dtypes.FROM_NUMPY else idx.dtype}")
    return idx



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
    params = prim.as_tensor(params)
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
    return prim.gather(params, indices=idx.copy(), axis=ax, batch_dims=bd, shape=shape)


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
            shards = [prim.as_tensor(p) for p in params]
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
    if prim.as_tensor(params)._value.ndim == 0:
        raise InvalidArgumentError("embedding_lookup: params must have rank >= 1 (a table of rows), got a scalar")
    out = gather(params, ids)
    if max_norm is None:
        return out
    axes = tuple(range(prim.value(ids).ndim, out._value.ndim))
    norm = math_ops.sqrt(prim.reduce_sum(out * out, axis=axes, keepdims=True))
    # TF's clip_by_norm: x * max_norm / max(norm, max_norm), written so no branch divides by 0.
    limit = float(static_value(max_norm))
    return out * limit / prim.select(norm > limit, norm, limit + 0 * norm)


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
    params = prim.as_tensor(params)
    idx = _int_indices(indices, "gather_nd")
    if idx.ndim == 0:
        raise InvalidArgumentError("gather_nd: indices must have rank >= 1 (index tuples in the last axis)")
    bd = static_int(batch_dims, "gather_nd", "batch_dims")
    if idx.shape[-1] == 0 and not bd:
        # Empty index tuples select the whole of params, once per index (NumPy's params[()] would
        # give params only once): a broadcast, as TF's GatherNd.
        lead = idx.shape[:-1]
        shape = params._value.shape
        return broadcast_to(prim.reshape(params, shape=(1,) * len(lead) + shape), shape=lead + shape)
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
    got = np.shape(prim.value(updates))
    if idx.ndim == 0 or idx.shape[-1] > len(shape) or tuple(got) != tuple(want):
        raise InvalidArgumentError(
            f"{op_name}: updates must have shape indices.shape[:-1] + shape[indices.shape[-1]:] = "
            f"{list(want) if want is not None else '?'} for indices of shape {list(idx.shape)} into shape "
            f"{list(shape)}, got {list(got)}")


@export("scatter_nd")
def scatter_nd(indices, updates, shape, name=None):
    """Zeros of ``shape`` with ``updates`` added at ``indices`` (duplicates add up)."""
    updates = prim.as_tensor(updates)
    idx = _int_indices(indices, "scatter_nd")
    shape = normalize_shape(shape, "scatter_nd")
    _check_updates("scatter_nd", idx, updates, shape)
    return _scatter_nd(idx, updates, shape=shape)


def _tensor_scatter_forward(op_name, combine):
    def forward(tensor, indices, updates):
        out = np.array(tensor, copy=True)
        key = _nd_index(indices, out.shape, op_name)
        if combine is None:
            out[key] = updates  # duplicates: the last update wins (as TF on CPU)
        else:
            combine.at(out, key, updates)
        return out
    return forward


_tensor_scatter_update = defop(
    "tensor_scatter_nd_update", _tensor_scatter_forward("tensor_scatter_nd_update", None),
    lambda g, ans, needs, tensor, indices, updates: (
        _tensor_scatter_update(g, indices, prim.zeros_like(updates)) if needs[0] else None, None,
        _gather_nd(g, indices) if needs[2] else None),
    save_output=False,
    notes="The tensor's gradient is zero at overwritten positions; each update gets the gradient at "
          "its position (duplicates each get it in full), as TF.")
_tensor_scatter_add = defop(
    "tensor_scatter_nd_add", _tensor_scatter_forward("tensor_scatter_nd_add", np.add),
    lambda g, ans, needs, tensor, indices, updates: (g, None, _gather_nd(g, indices) if needs[2] else None),
    save_output=False, refusals={"b": NotFoundError},  # (TF: no bool kernel)
    notes="Gradient: g for the tensor, gather_nd(g, indices) for the updates.")
_tensor_scatter_sub = defop(
    "tensor_scatter_nd_sub", _tensor_scatter_forward("tensor_scatter_nd_sub", np.subtract),
    lambda g, ans, needs, tensor, indices, updates: (g, None, -_gather_nd(g, indices) if needs[2] else None),
    save_output=False, refusals={"b": NotFoundError},  # (TF: no bool kernel)
    notes="Gradient: g for the tensor, -gather_nd(g, indices) for the updates.")


def _tensor_scatter(primitive, op_name):
    def apply(tensor, indices, updates, name=None):
        tensor = prim.as_tensor(tensor)
        idx = _int_indices(indices, op_name)
        if not isinstance(updates, TensorLike):
            updates = prim.convert_to_dtype(updates, tensor._value.dtype, op_name)
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


tensor_scatter_nd_update = _tensor_scatter(_tensor_scatter_update, "tensor_scatter_nd_update")
tensor_scatter_nd_add = _tensor_scatter(_tensor_scatter_add, "tensor_scatter_nd_add")
tensor_scatter_nd_sub = _tensor_scatter(_tensor_scatter_sub, "tensor_scatter_nd_sub")


@export("boolean_mask")
def boolean_mask(tensor, mask, axis=None, name=None):
    """The entries of ``tensor`` where ``mask`` is true, as ``tf.boolean_mask``.

    ``mask`` (k-D; bool, or numbers selecting where non-zero) covers dimensions
    ``axis .. axis+k-1`` of ``tensor``; those collapse into one dimension of the selected entries.

    >>> import tapegrad as tf
    >>> tf.boolean_mask([[1, 2], [3, 4], [5, 6]], [True, False, True]).numpy().tolist()
    [[1, 2], [5, 6]]
    """
    tensor = prim.as_tensor(tensor)
    m = prim.value(mask)
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
    flat = prim.reshape(tensor, shape=shape[:a] + (int(m.size),) + shape[a + m.ndim:])
    return prim.gather(flat, indices=np.flatnonzero(m), axis=a, batch_dims=0, shape=np.shape(flat))


# -- slicing: tensor[key], strided_slice, slice ----------------------------------------------

def _int_list(values, op_name, arg):
    v = static_value(values)
    v = [v] if isinstance(v, (int, np.integer)) else v
    if not isinstance(v, (list, tuple)) or not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool)
                                                   for i in v):
        raise TypeError(f"{op_name}: {arg} must be a list of ints, got {static_value(values)!r}")
    return [int(i) for i in v]



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
    return prim.strided_slice(tensor, key=_normalize_key(key))


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
    return prim.strided_slice(input_, key=tuple(key))


@export("slice")
def slice_(input_, begin, size, name=None):
    """``tf.slice``: the block starting at ``begin`` of extent ``size`` (-1: to the end)."""
    shape = prim.as_tensor(input_)._value.shape
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
    return prim.strided_slice(input_, key=tuple(key))
