"""The building blocks the op families share: raw primitives, and how a wrapper reads its arguments.

Every family's gradient rules are written in these (a VJP reshapes, transposes, selects, casts
and sums), and so are several public wrappers. They are the bare registered ops: they take their
static arguments already checked (``shape`` a tuple of ints, ``axis`` a sorted tuple or None,
``dtype`` a NumPy dtype), with none of the public function's argument checks or TF spellings. The
public ops of the same name (``tapegrad.reshape``, ``tapegrad.where`` ...) check their arguments
and then call these. Import the module, not the names, and call ``prim.reshape(...)``: the prefix
says at the call site that no argument is checked.

    reshape(x, shape=)              transpose(x, perm=)          select(condition, x, y)
    cast(x, dtype=)                 zeros_like(x, dtype=None)    ones_like(x, dtype=None)
    reduce_sum(x, axis=, keepdims=) strided_slice(x, key=)       strided_slice_grad(g, key=, shape=)
    gather(params, indices, axis=, batch_dims=, shape=)          gather_grad(g, indices, axis=, batch_dims=, shape=)

and the argument helpers: ``value`` (the ndarray behind an argument), ``as_tensor``,
``same_dtype`` (the operands of an op that takes several, converted as TF converts them) and
``convert_to_dtype`` (one non-tensor value converted to a tensor's dtype). ``kept_shape`` and
``unreduce`` say how a reduction's gradient broadcasts back over the reduced axes.
"""
import numpy as np

from ..core.broadcast import broadcast_to
from ..core.errors import InvalidArgumentError
from ..core.registry import _CONVERTIBLE, _convert_like, convert_to_tensor, defop
from ..core.indexed_slices import IndexedSlices
from ..core.tensor import TensorLike, new_tensor, to_array
from ._util import dtype_name


# -- reading arguments -----------------------------------------------------------------------

def is_tensor(x):
    """A Tensor, a Variable, or a tensor-like value (IndexedSlices) an op accepts as a tensor."""
    return isinstance(x, TensorLike) or hasattr(x, "__tapegrad_tensor__")


def value(x):
    """The ndarray behind an argument, for the checks a wrapper makes (shape, dtype, indices): a
    tensor's own array, or a Python value converted with TF's default dtypes."""
    if isinstance(x, TensorLike):
        return x._value
    if hasattr(x, "__tapegrad_tensor__"):
        return x.__tapegrad_tensor__()._value
    return to_array(x)


def as_tensor(x):
    """Tensors and Variables pass as they are (the op records a Variable's read); data converts."""
    return x if isinstance(x, TensorLike) else convert_to_tensor(x)


def convert_to_dtype(v, target, op_name):
    """A Python or NumPy value converted to a tensor's dtype, as TF converts an op's other inputs:
    numbers into floats, integers into ints, bools into bools; anything else is refused."""
    if isinstance(v, np.ndarray):
        if v.dtype.kind not in _CONVERTIBLE.get(target.kind, target.kind):
            raise InvalidArgumentError(f"{op_name}: a NumPy array of dtype {v.dtype} cannot be combined with a "
                                       f"tensor of dtype {dtype_name(target)}; cast it first")
        return v.astype(target)
    to_array(v)  # refuses None, strings and ragged lists (with a dtype given NumPy would parse them)
    return to_array(v, target)


def same_dtype(op_name, *xs):
    """The operands converted as TensorFlow converts an op's inputs: non-tensors take the dtype
    of the first tensor (or of the first input); two tensors of different dtypes are refused."""
    dtype = next((value(x).dtype for x in xs if is_tensor(x)), None)
    out = []
    for i, x in enumerate(xs):
        if is_tensor(x):
            if value(x).dtype != dtype:
                raise InvalidArgumentError(
                    f"{op_name}: input {i} has dtype {dtype_name(value(x).dtype)} but an earlier input has "
                    f"{dtype_name(dtype)}; cast the inputs to one dtype (tapegrad.cast)")
        elif dtype is None:
            x = to_array(x)
            dtype = x.dtype
        else:
            if not isinstance(x, (np.ndarray, np.generic, int, float, complex)):
                to_array(x)  # refuses None, strings, ragged lists (given a dtype NumPy would parse them)
            x = to_array(_convert_like(x, dtype, op_name), dtype)
        out.append(x)
    return out


# -- reshape, transpose ----------------------------------------------------------------------

def _reshape_forward(x, shape):
    x = np.asarray(x)
    try:
        return x.reshape(shape)
    except ValueError:
        raise InvalidArgumentError(
            f"reshape: cannot reshape a tensor with {x.size} elements (shape {x.shape}) to shape "
            f"{list(shape)}") from None


reshape = defop("reshape", _reshape_forward,
                lambda g, ans, needs, x, shape: (reshape(g, shape=np.shape(x)),),
                save_output=False)


def _transpose_forward(x, perm):
    return np.transpose(x, perm)


transpose = defop("transpose", _transpose_forward,
                  lambda g, ans, needs, x, perm: (transpose(g, perm=tuple(np.argsort(perm))),),
                  save_inputs=False, save_output=False)


# -- select (three-argument where), cast, zeros_like, ones_like -------------------------------

def _select_vjp(g, ans, needs, condition, x, y):
    zero = g * 0
    return (None,
            select(condition, g, zero) if needs[1] else None,
            select(condition, zero, g) if needs[2] else None)


# Registered as "where", the op behind tf.where(condition, x, y).
select = defop("where", np.where, _select_vjp, broadcasting=True, save_output=False,
               notes="The gradient goes to x where condition is true and to y elsewhere.")


def _cast_forward(x, dtype):
    return np.asarray(x).astype(dtype, copy=False)


cast = defop("cast", _cast_forward,
             lambda g, ans, needs, x, dtype: (cast(g, dtype=np.asarray(x).dtype),),
             save_output=False,
             notes="Differentiable between float dtypes; a cast to an integer dtype gives None.")


def _zeros_like_forward(x, dtype=None):
    return np.zeros(np.shape(x), dtype or np.asarray(x).dtype)


zeros_like = defop("zeros_like", _zeros_like_forward, None, notes="Not differentiable (None), as in TF.")
ones_like = defop("ones_like", lambda x, dtype=None: np.ones(np.shape(x), dtype or np.asarray(x).dtype), None)


# -- reduce_sum and how a reduction's gradient goes back ----------------------------------------

def kept_shape(shape, axis):
    """``shape`` with the reduced axes kept as size 1."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else d for i, d in enumerate(shape))


def keep_reduced(t, x, axis, keepdims):
    """A reduction's output (or its gradient) ``t`` reshaped to keep the reduced axes as 1.

    (For a full reduction ``t`` is 0-d, which broadcasts against ``x`` as it is.)"""
    return t if keepdims or axis is None else reshape(t, shape=kept_shape(np.shape(x), axis))


def unreduce(g, x, axis, keepdims):
    """Broadcast a reduction's gradient back to the input's shape."""
    return broadcast_to(keep_reduced(g, x, axis, keepdims), shape=np.shape(x))


def _sum_forward(x, axis, keepdims):
    x = np.asarray(x)
    # As TF: the sum keeps an integer dtype (NumPy would widen int32 to int64).
    return np.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype if x.dtype.kind in "iu" else None)


reduce_sum = defop("reduce_sum", _sum_forward,
                   lambda g, ans, needs, x, axis, keepdims: (unreduce(g, x, axis, keepdims),),
                   save_output=False, kinds="fciu")


# -- strided_slice: x[key] and its adjoint -----------------------------------------------------

def _is_basic(key):
    return all(k is None or k is Ellipsis or isinstance(k, (int, slice)) for k in key)


def _strided_slice_forward(x, key):
    try:
        return np.asarray(x)[key]
    except IndexError as e:
        raise InvalidArgumentError(f"slice: index {key!r} is out of range for shape {np.shape(x)}: {e}") from None


def _strided_slice_grad_forward(g, key, shape):
    out = np.zeros(shape, np.asarray(g).dtype)
    if _is_basic(key):
        out[key] = g
    else:
        np.add.at(out, key, g)  # an array index may name an element twice: add, do not overwrite
    return out


strided_slice = defop("strided_slice", _strided_slice_forward,
                      lambda g, ans, needs, x, key: (strided_slice_grad(g, key=key, shape=np.shape(x)),),
                      save_output=False)
strided_slice_grad = defop("strided_slice_grad", _strided_slice_grad_forward,
                           lambda g, ans, needs, x, key, shape: (strided_slice(g, key=key),),
                           save_inputs=False, save_output=False,
                           notes="Adjoint of slicing: zeros with the gradient added at the slice.")


# -- gather and its dense adjoint ---------------------------------------------------------------

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
        idx = np.asarray(indices)
        values = reshape(g, shape=(idx.size,) + tuple(shape[1:]))
        return (IndexedSlices(values, new_tensor(idx.reshape(-1), None),
                              new_tensor(np.array(shape, np.int32), None)),)
    return (gather_grad(g, indices, axis=axis, batch_dims=batch_dims, shape=shape),)


gather = defop("gather", _gather_forward, _gather_vjp, save_inputs=False, save_output=False,
               notes="Along axis 0 (batch_dims 0) the gradient is an IndexedSlices(values, indices, "
                     "dense_shape), as in TF; otherwise dense (duplicates add up). Indices get None.")
gather_grad = defop(
    "gather_grad", _gather_grad_forward,  # (its gradient w.r.t. g is gather again)
    lambda g, ans, needs, u, indices, axis, batch_dims, shape: (
        gather(g, indices=indices, axis=axis, batch_dims=batch_dims, shape=shape), None),
    save_output=False, notes="The dense adjoint of gather: zeros with the rows added at the indices.")

