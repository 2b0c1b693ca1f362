"""Reductions and scans: reduce_sum/mean/max/min/prod/logsumexp/std/variance/any/all,
argmax/argmin, cumsum/cumprod, norm, moments, l2_normalize, count_nonzero.

Every reduction takes ``axis`` as an int, a list/tuple (negative entries allowed) or None (all
axes), and ``keepdims``. The primitives receive ``axis`` normalised to a sorted tuple of
non-negative ints (or None); their gradients broadcast back over the reduced axes.
"""
import math

import numpy as np

from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.gradients import stop_gradient
from ..core.registry import defop, dtype_rule, export, convert_to_tensor, require_dtype
from ..core.tensor import TensorLike, to_array
from ._util import dtype_name, normalize_axis, np_dtype, static_value
from . import math_ops
from . import primitives as prim
from .indexing_ops import where


def _reduced_shape(shape, axis):
    """``shape`` with the reduced axes dropped."""
    if axis is None:
        return ()
    return tuple(d for i, d in enumerate(shape) if i not in axis)


def _axis_of(input_tensor, axis, op_name):
    # (prim.value refuses a ragged list or a string with TF's message)
    return normalize_axis(axis, prim.value(input_tensor).ndim, op_name)


# Float and complex only. TF's classes differ by op: reduce_variance and l2_normalize refuse an
# integer input in Python (TypeError) and a bool one in a kernel (InvalidArgumentError); norm the
# other way round.
_REAL_OR_COMPLEX = dtype_rule("fc", {"iu": TypeError})
_NORM_DTYPES = dtype_rule("fc", {"b": TypeError})
_EUCLIDEAN_DTYPES = dtype_rule("fc")


def _require_float(x, op_name, rule=_REAL_OR_COMPLEX):
    v = prim.value(x)
    require_dtype(op_name, rule, v)
    if v.dtype.kind == "c":
        # TF squares the magnitude (x * conj(x)); these are built from x * x, which for a complex
        # input is another number: refused rather than wrong (tests/test_dtype_acceptance.py lists it).
        raise NotImplementedError(f"{op_name}: complex inputs are not supported yet (TF uses |x|**2, "
                                  f"which tapegrad has no op for); got {dtype_name(v.dtype)} of shape "
                                  f"{list(v.shape)}")


# -- sum, mean ------------------------------------------------------------------------------

def _mean_vjp(g, ans, needs, x, axis, keepdims):
    shape = np.shape(x)
    count = math.prod(shape) if axis is None else math.prod([shape[a] for a in axis])
    # Divide before broadcasting: the same numbers, computed on the reduced shape only.
    return (prim.unreduce(g / max(count, 1), x, axis, keepdims),)


def _mean_forward(x, axis, keepdims):
    x = np.asarray(x)
    if x.dtype.kind == "f" and x.dtype.itemsize >= 4 and x.size:
        # NumPy's own mean for float32/64 without its Python wrapper (~3 us): the sum, then a
        # division by the count as an integer (float64 division, rounded once to the dtype).
        total = np.add.reduce(x, axis=axis, keepdims=keepdims)
        count = np.intp(x.size // max(total.size, 1))
        if total.__class__ is np.ndarray:
            return np.true_divide(total, count, out=total, casting="unsafe")
        return np.asarray(total / count, x.dtype)
    out = x.mean(axis=axis, keepdims=keepdims)
    # As TF: the mean of an integer tensor is an integer (truncated); NumPy would give float64.
    return out.astype(x.dtype) if x.dtype.kind in "iub" else out


_reduce_mean = defop("reduce_mean", _mean_forward, _mean_vjp, save_output=False, kinds="fciu")


@export("reduce_sum", "math.reduce_sum")
def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    """Sum over ``axis`` (an int, a list, or None for all axes), as ``tf.reduce_sum``."""
    return prim.reduce_sum(input_tensor, axis=_axis_of(input_tensor, axis, "reduce_sum"), keepdims=bool(keepdims))


@export("reduce_mean", "math.reduce_mean")
def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """Mean over ``axis`` (an int, a list, or None for all axes), as ``tf.reduce_mean``."""
    return _reduce_mean(input_tensor, axis=_axis_of(input_tensor, axis, "reduce_mean"), keepdims=bool(keepdims))


# -- max, min -------------------------------------------------------------------------------

def _extreme_forward(reduce, empty):
    def forward(x, axis, keepdims):
        x = np.asarray(x)
        if x.size == 0:  # as TF: the identity of the reduction (-inf / the dtype's lowest ...)
            return reduce(x, axis=axis, keepdims=keepdims, initial=empty(x.dtype))
        return reduce(x, axis=axis, keepdims=keepdims)
    return forward


def _lowest(dt):
    return -np.inf if dt.kind == "f" else (False if dt.kind == "b" else np.iinfo(dt).min)


def _highest(dt):
    return np.inf if dt.kind == "f" else (True if dt.kind == "b" else np.iinfo(dt).max)


def _extreme_vjp(g, ans, needs, x, axis, keepdims):
    # TF's _MinOrMaxGrad: every entry equal to the extreme gets an equal share of the gradient.
    hit = prim.cast(math_ops.equal(x, prim.keep_reduced(ans, x, axis, keepdims)), dtype=np.asarray(x).dtype)
    count = prim.reduce_sum(hit, axis=axis, keepdims=True)
    return (hit * (prim.keep_reduced(g, x, axis, keepdims) / count),)


_reduce_max = defop("reduce_max", _extreme_forward(np.max, _lowest), _extreme_vjp,
                    notes="Ties share the gradient evenly, as TF. Empty: -inf (the dtype's lowest).", kinds="fiu")
_reduce_min = defop("reduce_min", _extreme_forward(np.min, _highest), _extreme_vjp,
                    notes="Ties share the gradient evenly, as TF. Empty: +inf (the dtype's highest).", kinds="fiu")


@export("reduce_max", "math.reduce_max")
def reduce_max(input_tensor, axis=None, keepdims=False, name=None):
    """Maximum over ``axis``, as ``tf.reduce_max``; tied maxima share the gradient evenly.

    >>> import tapegrad as tf
    >>> x = tf.constant([[1.0, 3.0, 3.0]])
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = tf.reduce_max(x)
    >>> tape.gradient(y, x).numpy()
    array([[0. , 0.5, 0.5]], dtype=float32)
    """
    return _reduce_max(input_tensor, axis=_axis_of(input_tensor, axis, "reduce_max"), keepdims=bool(keepdims))


@export("reduce_min", "math.reduce_min")
def reduce_min(input_tensor, axis=None, keepdims=False, name=None):
    """Minimum over ``axis``, as ``tf.reduce_min``; tied minima share the gradient evenly."""
    return _reduce_min(input_tensor, axis=_axis_of(input_tensor, axis, "reduce_min"), keepdims=bool(keepdims))


# -- logsumexp ------------------------------------------------------------------------------

def _logsumexp_forward(x, axis, keepdims):
    x = np.asarray(x)
    # As TF: shift by the maximum, or by 0 where the maximum is not finite (all -inf, or +inf).
    top = np.max(x, axis=axis, keepdims=True, initial=-np.inf)
    top = np.where(np.isfinite(top), top, 0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - top), axis=axis, keepdims=True)) + top
    return out if keepdims else out.reshape(_reduced_shape(x.shape, axis))


def _logsumexp_vjp(g, ans, needs, x, axis, keepdims):
    # softmax(x) * g, written exp(x - logsumexp(x)) (nan where every entry is -inf, as TF).
    return (prim.keep_reduced(g, x, axis, keepdims) * math_ops.exp(x - prim.keep_reduced(ans, x, axis, keepdims)),)


_reduce_logsumexp = defop("reduce_logsumexp", _logsumexp_forward, _logsumexp_vjp,
                          notes="Shifted by the (finite) maximum, so exp never overflows; the "
                                "gradient is the softmax over the reduced axes.", kinds="f")


@export("reduce_logsumexp", "math.reduce_logsumexp")
def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """``log(sum(exp(x)))`` over ``axis``, computed stably, as ``tf.reduce_logsumexp``.

    >>> import tapegrad as tf
    >>> round(float(tf.reduce_logsumexp(tf.constant([1000.0, 1000.0]))), 3)
    1000.693
    """
    return _reduce_logsumexp(input_tensor, axis=_axis_of(input_tensor, axis, "reduce_logsumexp"),
                             keepdims=bool(keepdims))


# -- scans ----------------------------------------------------------------------------------

def _scan_forward(accumulate, identity):
    def forward(x, axis, exclusive, reverse):
        x = np.asarray(x)
        if reverse:
            x = np.flip(x, axis)
        out = accumulate(x, axis=axis, dtype=x.dtype)
        if exclusive:  # shift by one along the axis; the first entry is the identity
            shifted = np.full_like(out, identity)
            src = [slice(None)] * x.ndim
            dst = [slice(None)] * x.ndim
            src[axis] = slice(None, -1)
            dst[axis] = slice(1, None)
            shifted[tuple(dst)] = out[tuple(src)]
            out = shifted
        return np.flip(out, axis) if reverse else out
    return forward


_cumsum = defop(
    "cumsum", _scan_forward(np.cumsum, 0),
    lambda g, ans, needs, x, axis, exclusive, reverse:
        (_cumsum(g, axis=axis, exclusive=exclusive, reverse=not reverse),),
    save_inputs=False, save_output=False, kinds="fciu",
    notes="Gradient: the cumsum of the gradient in the opposite direction (same exclusive).")


def _cumprod_vjp(g, ans, needs, x, axis, exclusive, reverse):
    # TF's _CumprodGrad: cumsum(cumprod(x) * g, reversed) / x, with div_no_nan, so an entry
    # that is 0 gets gradient 0 (not the product of the others): TensorFlow's numbers.
    prod = _cumprod(x, axis=axis, exclusive=exclusive, reverse=reverse)
    out = _cumsum(prod * g, axis=axis, exclusive=exclusive, reverse=not reverse)
    return (math_ops.divide_no_nan(out, x),)


_cumprod = defop("cumprod", _scan_forward(np.cumprod, 1), _cumprod_vjp, save_output=False, kinds="fciu",
                 notes="As TF: gradient cumsum(cumprod(x)*g, reversed)/x with div_no_nan, so an "
                       "entry equal to 0 gets gradient 0.")


def _scan_args(x, axis, op_name):
    x = prim.as_tensor(x)
    ndim = prim.value(x).ndim
    if ndim == 0:
        raise InvalidArgumentError(f"{op_name}: input must have rank >= 1, got a scalar")
    a = static_value(axis)
    if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
        raise TypeError(f"{op_name}: axis must be an int, got {axis!r}")
    return x, normalize_axis(a, ndim, op_name)[0]


@export("cumsum", "math.cumsum")
def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative sum along ``axis``, as ``tf.cumsum``.

    >>> import tapegrad as tf
    >>> tf.cumsum(tf.constant([1.0, 2.0, 3.0]), exclusive=True, reverse=True).numpy()
    array([5., 3., 0.], dtype=float32)
    """
    x, a = _scan_args(x, axis, "cumsum")
    return _cumsum(x, axis=a, exclusive=bool(exclusive), reverse=bool(reverse))


@export("math.cumprod")
def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative product along ``axis``, as ``tf.math.cumprod``."""
    x, a = _scan_args(x, axis, "cumprod")
    return _cumprod(x, axis=a, exclusive=bool(exclusive), reverse=bool(reverse))


def _logsumexp_scan(x, axis, dtype):
    return np.logaddexp.accumulate(x, axis=axis, dtype=dtype)


_cumulative_logsumexp_forward = _scan_forward(_logsumexp_scan, -np.inf)


def _cumulative_logsumexp_vjp(g, ans, needs, x, axis, exclusive, reverse):
    # TF's _CumulativeLogsumexpGrad: the positive and negative parts of g go through log space
    # separately (log of a non-positive part: the dtype's lowest value), so nothing overflows.
    lowest = prim.zeros_like(g) + float(np.finfo(np.asarray(g).dtype).min)
    grads = []
    for part in (g, -g):
        positive = math_ops.greater(part, 0)
        log_part = where(positive, math_ops.log(where(positive, part, prim.ones_like(part))), lowest)
        grads.append(math_ops.exp(_cumulative_logsumexp(log_part - ans, axis=axis, exclusive=exclusive,
                                                 reverse=not reverse) + x))
    return (grads[0] - grads[1],)


_cumulative_logsumexp = defop("cumulative_logsumexp", _cumulative_logsumexp_forward, _cumulative_logsumexp_vjp,
                              notes="log(cumsum(exp(x))) without overflow; gradient computed in log "
                                    "space, as TF.", kinds="f")


@export("math.cumulative_logsumexp")
def cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False, name=None):
    """``log(cumsum(exp(x)))`` along ``axis`` without overflow, as ``tf.math.cumulative_logsumexp``."""
    x, a = _scan_args(x, axis, "cumulative_logsumexp")
    return _cumulative_logsumexp(x, axis=a, exclusive=bool(exclusive), reverse=bool(reverse))


# -- product --------------------------------------------------------------------------------

def _prod_vjp(g, ans, needs, x, axis, keepdims):
    # TF's _ProdGrad: move the reduced axes to the front, flatten them into one, and multiply
    # the exclusive cumulative products from both sides: the product of all the *other*
    # entries, correct when some entries are zero (no division by x).
    shape = np.shape(x)
    reduced = tuple(range(len(shape))) if axis is None else axis
    others = tuple(i for i in range(len(shape)) if i not in reduced)
    perm = reduced + others
    permuted_shape = tuple(shape[i] for i in perm)
    n_reduced = int(np.prod([shape[i] for i in reduced]))
    n_others = int(np.prod([shape[i] for i in others]))  # (not -1: it is ambiguous for empty inputs)
    flat = prim.reshape(prim.transpose(x, perm=perm), shape=(n_reduced, n_others))
    left = _cumprod(flat, axis=0, exclusive=True, reverse=False)
    right = _cumprod(flat, axis=0, exclusive=True, reverse=True)
    others_prod = prim.transpose(prim.reshape(left * right, shape=permuted_shape), perm=tuple(np.argsort(perm)))
    return (prim.unreduce(g, x, axis, keepdims) * others_prod,)


def _prod_forward(x, axis, keepdims):
    x = np.asarray(x)
    return np.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype if x.dtype.kind != "b" else None)


_reduce_prod = defop("reduce_prod", _prod_forward, _prod_vjp, save_output=False, kinds="fciu",
                     notes="Gradient: the product of the other entries (exclusive cumprods from both "
                           "sides, as TF), so it is right when some entries are zero.")


@export("reduce_prod", "math.reduce_prod")
def reduce_prod(input_tensor, axis=None, keepdims=False, name=None):
    """Product over ``axis``, as ``tf.reduce_prod``; the gradient is correct with zeros present.

    >>> import tapegrad as tf
    >>> x = tf.constant([0.0, 2.0, 3.0])
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = tf.reduce_prod(x)
    >>> tape.gradient(y, x).numpy()
    array([6., 0., 0.], dtype=float32)
    """
    return _reduce_prod(input_tensor, axis=_axis_of(input_tensor, axis, "reduce_prod"), keepdims=bool(keepdims))


# -- variance, std, moments -----------------------------------------------------------------

@export("math.reduce_variance")
def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """Population variance over ``axis``, as ``tf.math.reduce_variance`` (float inputs only).

    Built as TensorFlow builds it, ``reduce_mean(square(x - reduce_mean(x)))``, so its gradients
    (and higher derivatives) are TensorFlow's.
    """
    x = prim.as_tensor(input_tensor)
    _require_float(x, "reduce_variance")
    ax = _axis_of(x, axis, "reduce_variance")
    mean = _reduce_mean(x, axis=ax, keepdims=True)
    return _reduce_mean(math_ops.square(math_ops.subtract(x, mean)), axis=ax, keepdims=bool(keepdims))


@export("math.reduce_std")
def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """Population standard deviation over ``axis``, as ``tf.math.reduce_std``: the square root
    of ``reduce_variance`` (so its gradient is nan where the variance is 0, as in TF)."""
    return math_ops.sqrt(reduce_variance(input_tensor, axis=axis, keepdims=keepdims))


_MOMENTS_DTYPES = dtype_rule("fc int32 int64")


@export("nn.moments")
def moments(x, axes, shift=None, keepdims=False, name=None):
    """``(mean, variance)`` of ``x`` over ``axes``, as ``tf.nn.moments``.

    As TensorFlow, the variance is ``mean(squared_difference(x, stop_gradient(mean)))``: its
    first derivative is exact, its second derivative ignores the mean's dependence on ``x``
    (TensorFlow's numbers). float16 inputs are computed in float32. ``shift`` is unused (as TF).

    >>> import tapegrad as tf
    >>> mean, variance = tf.nn.moments(tf.constant([1.0, 2.0, 4.0]), axes=[0])
    >>> float(mean), round(float(variance), 4)
    (2.3333..., 1.5556)
    """
    x = prim.as_tensor(x)
    dt = prim.value(x).dtype
    require_dtype("moments", _MOMENTS_DTYPES, x)
    if dt.kind == "c":
        raise NotImplementedError(f"moments: complex inputs are not supported yet (TF's variance uses |x - mean|**2, "
                                  f"which tapegrad has no op for); got {dtype_name(dt)}")
    y = prim.cast(x, dtype=np.dtype(np.float32)) if dt == np.float16 else x
    ax = _axis_of(y, axes, "moments")
    mean = _reduce_mean(y, axis=ax, keepdims=True)
    variance = _reduce_mean(math_ops.squared_difference(y, stop_gradient(mean)), axis=ax, keepdims=True)
    if not keepdims:
        shape = _reduced_shape(prim.value(y).shape, ax)
        mean, variance = prim.reshape(mean, shape=shape), prim.reshape(variance, shape=shape)
    if dt == np.float16:
        mean, variance = prim.cast(mean, dtype=dt), prim.cast(variance, dtype=dt)
    return mean, variance


# -- any, all, argmax, argmin, count_nonzero (no gradient) ------------------------------------

_reduce_any = defop("reduce_any", lambda x, axis, keepdims: np.any(x, axis=axis, keepdims=keepdims), None,
                    notes="bool input; no gradient.", kinds="b")
_reduce_all = defop("reduce_all", lambda x, axis, keepdims: np.all(x, axis=axis, keepdims=keepdims), None,
                    notes="bool input; no gradient.", kinds="b")


_BOOL = dtype_rule("b")


def _logical_reduction(fn, op_name):
    def reduce(input_tensor, axis=None, keepdims=False, name=None):
        x = prim.as_tensor(input_tensor)
        require_dtype(op_name, _BOOL, x)  # InvalidArgumentError, as TF ("expected to be a bool tensor")
        return fn(x, axis=_axis_of(x, axis, op_name), keepdims=bool(keepdims))
    reduce.__name__ = reduce.__qualname__ = op_name
    reduce.__doc__ = f"Logical {op_name[7:].upper()} over ``axis`` of a bool tensor, as ``tf.{op_name}``."
    return reduce


reduce_any = export("reduce_any", "math.reduce_any")(_logical_reduction(_reduce_any, "reduce_any"))
reduce_all = export("reduce_all", "math.reduce_all")(_logical_reduction(_reduce_all, "reduce_all"))

_argmax = defop("argmax", lambda x, axis, dtype: np.argmax(x, axis=axis).astype(dtype), None,
                notes="Ties pick the lowest index. No gradient (None), as TF.", kinds="bfiu")
_argmin = defop("argmin", lambda x, axis, dtype: np.argmin(x, axis=axis).astype(dtype), None,
                notes="Ties pick the lowest index. No gradient (None), as TF.", kinds="bfiu")


def _arg_extreme(fn, op_name):
    def arg(input, axis=None, output_type=dtypes.int64, name=None):
        x = prim.as_tensor(input)
        if prim.value(x).ndim == 0:
            raise InvalidArgumentError(f"{op_name}: input must have rank >= 1, got a scalar")
        a = normalize_axis(0 if axis is None else axis, prim.value(x).ndim, op_name)
        if len(a) != 1:
            raise InvalidArgumentError(f"{op_name}: axis must be a single int, got {axis!r}")
        out_dt = np_dtype(output_type)
        if out_dt not in (np.int32, np.int64):
            raise TypeError(f"{op_name}: output_type must be int32 or int64, got {output_type!r}")
        return fn(x, axis=a[0], dtype=out_dt)
    arg.__name__ = arg.__qualname__ = op_name
    arg.__doc__ = (f"Index of the {op_name[3:]}imum along ``axis`` (default 0; ties: the lowest index), "
                   f"as ``tf.math.{op_name}``; int64 unless ``output_type`` says int32.")
    return arg


argmax = export("argmax", "math.argmax")(_arg_extreme(_argmax, "argmax"))
argmin = export("argmin", "math.argmin")(_arg_extreme(_argmin, "argmin"))

_count_nonzero = defop(
    "count_nonzero", lambda x, axis, keepdims, dtype:
        np.asarray(np.count_nonzero(x, axis=axis, keepdims=keepdims)).astype(dtype), None,
    notes="No gradient.")


@export("math.count_nonzero")
def count_nonzero(input, axis=None, keepdims=None, dtype=dtypes.int64, name=None):
    """The number of non-zero entries over ``axis`` (int64 by default), as ``tf.math.count_nonzero``."""
    x = prim.as_tensor(input)
    return _count_nonzero(x, axis=_axis_of(x, axis, "count_nonzero"), keepdims=bool(keepdims),
                          dtype=np_dtype(dtype))


# -- norms ----------------------------------------------------------------------------------

def _norm_axis(axis, ndim):
    """TF's rule: None, an int (vector norm) or a pair of distinct ints (matrix norm)."""
    axis = static_value(axis)
    if isinstance(axis, (list, tuple)) and len(axis) == 2:
        if not all(isinstance(a, (int, np.integer)) for a in axis):
            raise InvalidArgumentError(f"norm: axis must be None, an int, or a pair of ints, got {axis!r}")
        pair = normalize_axis(list(axis), ndim, "norm")
        return tuple(int(a) % ndim for a in axis), pair
    if isinstance(axis, (list, tuple)) and len(axis) == 1:
        axis = axis[0]
    if axis is None or (isinstance(axis, (int, np.integer)) and not isinstance(axis, bool)):
        return None, normalize_axis(axis, ndim, "norm")
    raise InvalidArgumentError(f"norm: axis must be None, an int, or a pair of distinct ints, got {axis!r}")


@export("norm", "linalg.norm")
def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None):
    """Vector or matrix norm, as ``tf.norm``.

    ``axis`` None or an int: a vector norm (``ord`` 'euclidean', 1, 2, inf or any p > 0) over
    that axis (None: all entries). A pair of ints: a matrix norm (``ord`` 'euclidean'/'fro',
    1: max column sum, inf: max row sum). Built from primitives as TensorFlow builds it, so
    the gradients are TensorFlow's (nan at the zero vector for 'euclidean'; ties in inf norms
    share the gradient).

    >>> import tapegrad as tf
    >>> float(tf.norm(tf.constant([3.0, -4.0])))
    5.0
    >>> float(tf.norm(tf.constant([[1.0, -2.0], [3.0, 4.0]]), ord=1, axis=[0, 1]))
    6.0
    """
    x = prim.as_tensor(tensor)
    ndim = prim.value(x).ndim
    pair, ax = _norm_axis(axis, ndim)
    matrix = pair is not None
    if matrix:
        if ord not in ("euclidean", "fro", 1, 2, np.inf):
            raise InvalidArgumentError(f"norm: ord must be a supported matrix norm ('euclidean', 'fro', 1, "
                                       f"2, inf), got {ord!r}")
        if ord == 2:
            raise NotImplementedError("norm: the matrix 2-norm (largest singular value) needs an SVD, "
                                      "which tapegrad does not provide yet")
    elif not (ord in ("euclidean", 1, 2, np.inf) or
              (isinstance(ord, (int, float, np.number)) and not isinstance(ord, bool) and ord > 0)):
        raise InvalidArgumentError(f"norm: ord must be a supported vector norm ('euclidean', 1, 2, inf or "
                                   f"a positive number), got {ord!r}")
    _require_float(x, "norm", _NORM_DTYPES)
    if ord in ("euclidean", "fro", 2):
        result = math_ops.sqrt(prim.reduce_sum(x * x, axis=ax, keepdims=True))
    elif ord == 1:
        result = prim.reduce_sum(math_ops.abs(x), axis=(pair[0],) if matrix else ax, keepdims=True)
        if matrix:
            result = _reduce_max(result, axis=(pair[1],), keepdims=True)
    elif ord == np.inf:
        result = math_ops.abs(x)
        if matrix:
            result = prim.reduce_sum(result, axis=(pair[1],), keepdims=True)
        result = _reduce_max(result, axis=(pair[0],) if matrix else ax, keepdims=True)
    else:
        p = float(ord)
        result = math_ops.pow(prim.reduce_sum(math_ops.pow(math_ops.abs(x), p), axis=ax, keepdims=True), 1.0 / p)
    if not keepdims:
        result = prim.reshape(result, shape=_reduced_shape(prim.value(x).shape, ax))
    return result


@export("math.reduce_euclidean_norm")
def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    """``sqrt(sum(x**2))`` over ``axis``, as ``tf.math.reduce_euclidean_norm`` (nan gradient at 0)."""
    x = prim.as_tensor(input_tensor)
    dt = prim.value(x).dtype
    if dt.kind in "iu":  # as TF: the sum of squares in the dtype (it wraps), its square root truncated
        total = prim.reduce_sum(math_ops.multiply(x, x), axis=_axis_of(x, axis, "reduce_euclidean_norm"),
                                keepdims=bool(keepdims))
        with np.errstate(invalid="ignore"):
            return prim.cast(math_ops.sqrt(prim.cast(total, dtype=np.dtype(np.float64))), dtype=dt)
    _require_float(x, "reduce_euclidean_norm", _EUCLIDEAN_DTYPES)
    axis = _axis_of(x, axis, "reduce_euclidean_norm")
    return math_ops.sqrt(prim.reduce_sum(x * x, axis=axis, keepdims=bool(keepdims)))


@export("math.l2_normalize", "nn.l2_normalize", "linalg.l2_normalize")
def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """``x / sqrt(max(sum(x**2, axis), epsilon))``, as ``tf.math.l2_normalize``.

    Built as TensorFlow builds it (``x * rsqrt(maximum(square_sum, epsilon))``), so where the
    squared norm is below ``epsilon`` the gradient is ``1/sqrt(epsilon)`` per entry, as in TF.

    >>> import tapegrad as tf
    >>> tf.math.l2_normalize(tf.constant([3.0, 4.0])).numpy()
    array([0.6, 0.8], dtype=float32)
    """
    if dim is not None:
        if axis is not None:
            raise ValueError("l2_normalize: give axis or its deprecated alias dim, not both")
        axis = dim
    x = prim.as_tensor(x)
    _require_float(x, "l2_normalize")
    square_sum = prim.reduce_sum(math_ops.square(x), axis=_axis_of(x, axis, "l2_normalize"), keepdims=True)
    return math_ops.multiply(x, math_ops.rsqrt(math_ops.maximum(square_sum, float(epsilon))))
