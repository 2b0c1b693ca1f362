"""Neural-network ops (``tapegrad.nn``): activations, softmax and the cross-entropies, l2_loss,
bias_add, dropout, batch_normalization. Convolution and pooling are in ``conv_ops.py``.

Activation gradients take TensorFlow's side at every kink (relu: 0 at 0; relu6: 0 at 0 and 6;
leaky_relu: alpha at 0; elu/selu: the positive side at 0), and most are written from the
output, as TF's ``ReluGrad``/``EluGrad``/``SeluGrad`` kernels are. Softmax, log_softmax and the
cross-entropies shift by the maximum in the forward and use only bounded quantities (softmax,
sigmoid, exp of a log-probability) in the gradient, so both stay finite at |logits| ~ 1e4.
"""
import numbers

import numpy as np

from ..core.errors import InvalidArgumentError
from ..core.registry import defop, dtype_rule, export, convert_to_tensor, require_dtype
from ..core.tensor import TensorLike
from . import math_ops, random_ops
from ._util import dtype_name, normalize_axis, normalize_shape, static_value
from . import primitives as prim
from .creation_ops import zeros_like

def _dtype(x):
    return np.asarray(x).dtype


def _float_input(x, op_name, arg="features", error=InvalidArgumentError):
    """``x`` as a Tensor of a float dtype, or ``error`` (TF's class for the op) naming the op."""
    t = prim.as_tensor(x)
    if t._value.dtype.kind != "f":
        raise error(f"{op_name}: {arg} must be a float tensor (half, float32, float64), got "
                    f"{dtype_name(t._value.dtype)}")
    return t


# -- activations ----------------------------------------------------------------------------

# The kink rules are primitives of their own, as TF's ReluGrad/Relu6Grad/LeakyReluGrad: their
# gradient in the saved activation is zeros (not None), so second derivatives are zeros as in TF.

def _relu_grad_vjp(h, ans, needs, g, y):
    # The same mask on the new gradient; zeros (a mask's derivative) for y, as TF's ReluGradGrad.
    return _relu_grad(h, y) if needs[0] else None, zeros_like(y) if needs[1] else None


_relu_grad = defop("relu_grad", lambda g, y: g * (np.asarray(y) > 0), _relu_grad_vjp, save_output=False,
                   notes="g * (y > 0); its gradient in y is zeros, as TF's.")

relu = defop("relu", lambda x: np.maximum(x, 0),  # a Python 0 keeps x's dtype (NumPy's weak scalars)
             lambda g, ans, needs, x: (_relu_grad(g, ans),),
             arity="unary", api=("nn.relu",), save_inputs=False, kinds="fiu",
             notes="Gradient g * (output > 0): 0 at 0, as TF's ReluGrad.")

_relu6_grad = defop("relu6_grad", lambda g, y: g * ((np.asarray(y) > 0) & (np.asarray(y) < 6)),
                    lambda h, ans, needs, g, y: (_relu6_grad(h, y) if needs[0] else None,
                                                 zeros_like(y) if needs[1] else None),
                    save_output=False, notes="g * (0 < y < 6); its gradient in y is zeros, as TF's.")

relu6 = defop("relu6", lambda x: np.minimum(np.maximum(x, np.zeros((), _dtype(x))), np.full((), 6, _dtype(x))),
              lambda g, ans, needs, x: (_relu6_grad(g, ans),),
              arity="unary", api=("nn.relu6",), save_inputs=False, kinds="fiu",
              notes="Gradient g * (0 < output < 6): 0 at both kinks, as TF's Relu6Grad.")

_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_SCALE_ALPHA = 1.7580993408473768599402175208123  # scale * alpha


def _elu_forward(x):
    x = np.asarray(x)
    with np.errstate(over="ignore"):  # exp of the positive entries is computed and discarded
        return np.where(x < 0, np.exp(x) - 1, x)  # TF's kernel: exp(x) - 1, not expm1


elu = defop("elu", _elu_forward,
            lambda g, ans, needs, x: (prim.select(ans < 0, g * (ans + 1), g),),
            arity="unary", api=("nn.elu",), save_inputs=False, kinds="f",
            notes="Gradient from the output, as TF's EluGrad: g * (y + 1) where y < 0, else g (1 at 0).")


def _selu_forward(x):
    x = np.asarray(x)
    with np.errstate(over="ignore"):
        return np.where(x < 0, _SELU_SCALE_ALPHA * (np.exp(x) - 1), _SELU_SCALE * x).astype(x.dtype, copy=False)


selu = defop("selu", _selu_forward,
             lambda g, ans, needs, x: (prim.select(ans < 0, g * (ans + _SELU_SCALE_ALPHA), g * _SELU_SCALE),),
             arity="unary", api=("nn.selu",), save_inputs=False, kinds="f",
             notes="Gradient from the output, as TF's SeluGrad: scale at 0 (the positive side).")


def _leaky_relu_forward(x, alpha):
    x = np.asarray(x)
    return np.where(x > 0, x, x * alpha)


def _leaky_relu_grad_forward(g, x, alpha):
    g = np.asarray(g)
    return np.where(np.asarray(x) > 0, g, g * alpha)


_leaky_relu_grad = defop("leaky_relu_grad", _leaky_relu_grad_forward,
                         lambda h, ans, needs, g, x, alpha: (_leaky_relu_grad(h, x, alpha=alpha) if needs[0] else None,
                                                             zeros_like(x) if needs[1] else None),
                         save_output=False, notes="g where x > 0, else alpha g (alpha at 0); its gradient in x "
                                                  "is zeros, as TF's.")

_leaky_relu = defop("leaky_relu", _leaky_relu_forward,
                    lambda g, ans, needs, x, alpha: (_leaky_relu_grad(g, x, alpha=alpha),),
                    save_output=False, notes="Gradient alpha at 0 (TF's LeakyReluGrad tests features > 0).")


_LEAKY_RELU_DTYPES = dtype_rule("fiu")


@export("nn.leaky_relu")
def leaky_relu(features, alpha=0.2, name=None):
    """``x`` where ``x > 0``, else ``alpha * x``, as ``tf.nn.leaky_relu`` (integers become float32)."""
    x = prim.as_tensor(features)
    require_dtype("nn.leaky_relu", _LEAKY_RELU_DTYPES, x)
    if x._value.dtype.kind in "iu":
        x = prim.cast(x, dtype=np.dtype(np.float32))
    # TF keeps alpha as a float32 attribute: a float64 tensor is scaled by float32(alpha).
    return _leaky_relu(x, alpha=float(np.float32(static_value(alpha))))


_SQRT_HALF = 0.7071067811865476      # 1 / sqrt(2)
_INV_SQRT_2PI = 0.3989422804014327   # 1 / sqrt(2 pi)
_TANH_C = 0.7978845608028654         # sqrt(2 / pi), TF's constant
_TANH_K = 0.044715


def _gelu_forward(x, approximate):
    x = np.asarray(x)
    if approximate:  # TF's formula, term for term
        return 0.5 * x * (1.0 + np.tanh(_TANH_C * (x + _TANH_K * x ** 3)))
    return 0.5 * x * (1.0 + math_ops.erf.op.forward(x / np.asarray(1.4142135623730951, x.dtype)))


def _gelu_vjp(g, ans, needs, x, approximate):
    if approximate:
        t = math_ops.tanh(_TANH_C * (x + _TANH_K * x * x * x))
        d = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * (_TANH_C * (1.0 + 3.0 * _TANH_K * x * x))
    else:  # Phi(x) + x phi(x)
        d = 0.5 * (1.0 + math_ops.erf(x * _SQRT_HALF)) + x * (_INV_SQRT_2PI * math_ops.exp(-0.5 * x * x))
    return (g * d,)


_gelu = defop("gelu", _gelu_forward, _gelu_vjp, save_output=False,
              notes="Exact: x Phi(x) with the erf form; approximate=True: TF's tanh form.")


@export("nn.gelu")
def gelu(features, approximate=False, name=None):
    """Gaussian error linear unit ``x * Phi(x)`` (``approximate=True``: the tanh form), as ``tf.nn.gelu``.

    >>> import tapegrad as tf
    >>> tf.nn.gelu([-1.0, 0.0, 1.0]).numpy()
    array([-0.15865526,  0.        ,  0.8413447 ], dtype=float32)
    """
    # (TF's Python wrapper refuses a non-float input: ValueError)
    return _gelu(_float_input(features, "nn.gelu", error=ValueError), approximate=bool(approximate))


def _silu_forward(x, beta):
    return x * math_ops.sigmoid.op.forward(beta * x)


def _silu_vjp(g, ans, needs, x, beta):
    # TF's swish gradient (nn_impl.swish): s = sigmoid(beta x),
    #   d/dx = s (1 + beta x (1 - s)),  d/dbeta = x^2 s (1 - s)   (summed by the engine).
    s = math_ops.sigmoid(beta * x)
    gx = g * (s * (1.0 + beta * x * (1.0 - s))) if needs[0] else None
    gb = g * (x * x * s * (1.0 - s)) if needs[1] else None
    return gx, gb


_silu = defop("silu", _silu_forward, _silu_vjp, broadcasting=True, save_output=False,
              notes="x * sigmoid(beta x); beta (a scalar) is differentiable, as in TF.")


@export("nn.silu", "nn.swish")
def silu(features, beta=1.0, name=None):
    """``x * sigmoid(beta * x)`` (SiLU / swish), as ``tf.nn.silu``; ``beta`` is differentiable."""
    # (TF takes complex features too; tapegrad's sigmoid has no complex formula: see
    # tests/test_dtype_acceptance.py's allow-list)
    x = _float_input(features, "nn.silu")
    dtype = x._value.dtype
    if isinstance(beta, TensorLike):
        if beta._value.dtype != dtype:
            beta = prim.cast(beta, dtype=dtype)
    else:
        beta = np.asarray(static_value(beta), dtype)
    if np.ndim(beta) != 0:
        raise InvalidArgumentError(f"nn.silu: beta must be a scalar, got shape {list(np.shape(beta))}")
    return _silu(x, beta)


# -- softmax and cross-entropies ------------------------------------------------------------

def _shifted(x, axis):
    """x - max(x) along ``axis`` (0 where the max is not finite), as TF's softmax kernels shift."""
    x = np.asarray(x)
    if x.size == 0:  # nothing to shift (and NumPy's max of an empty axis raises)
        return x
    top = x.max(axis=axis, keepdims=True)  # (ndarray methods: NumPy's function forms cost ~2 us more)
    if not np.isfinite(top).all():
        top = np.where(np.isfinite(top), top, np.zeros((), x.dtype))
    return x - top


def _softmax_forward(x, axis):
    e = np.exp(_shifted(x, axis))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def _log_softmax_forward(x, axis):
    s = _shifted(x, axis)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


_softmax = defop("softmax", _softmax_forward,
                 lambda g, ans, needs, x, axis: (ans * (g - prim.reduce_sum(g * ans, axis=(axis,), keepdims=True)),),
                 save_inputs=False,
                 notes="Gradient y * (g - sum(g * y)) from the output y: finite for any logits.")

_log_softmax = defop("log_softmax", _log_softmax_forward,
                     lambda g, ans, needs, x, axis: (
                         g - math_ops.exp(ans) * prim.reduce_sum(g, axis=(axis,), keepdims=True),),
                     save_inputs=False,
                     notes="Gradient g - softmax * sum(g), softmax = exp(output) <= 1: finite for any logits.")


def _axis(logits, axis, op_name):
    ndim = prim.value(logits).ndim
    if ndim == 0:
        raise InvalidArgumentError(f"{op_name}: logits must have rank >= 1, got a scalar")
    return normalize_axis(-1 if axis is None else axis, ndim, op_name, allow_none=False)[0]


@export("nn.softmax", "math.softmax")
def softmax(logits, axis=None, name=None):
    """``exp(x) / sum(exp(x))`` along ``axis`` (default -1), computed stably, as ``tf.nn.softmax``.

    >>> import tapegrad as tf
    >>> tf.nn.softmax([1000.0, 1000.0]).numpy()
    array([0.5, 0.5], dtype=float32)
    """
    x = _float_input(logits, "nn.softmax", "logits")
    return _softmax(x, axis=_axis(x, axis, "nn.softmax"))


@export("nn.log_softmax", "math.log_softmax")
def log_softmax(logits, axis=None, name=None):
    """``x - log(sum(exp(x)))`` along ``axis`` (default -1), computed stably, as ``tf.nn.log_softmax``."""
    x = _float_input(logits, "nn.log_softmax", "logits")
    return _log_softmax(x, axis=_axis(x, axis, "nn.log_softmax"))


def _sigmoid_ce_forward(labels, logits):
    x = np.asarray(logits)
    # TF's formula: max(x, 0) - x z + log(1 + exp(-|x|)): no overflow for any x.
    return (np.maximum(x, np.zeros((), x.dtype)) - x * labels) + np.log1p(np.exp(-np.abs(x)))


def _sigmoid_ce_vjp(g, ans, needs, labels, logits):
    return (-g * logits if needs[0] else None,
            g * (math_ops.sigmoid(logits) - labels) if needs[1] else None)


_sigmoid_ce = defop("sigmoid_cross_entropy_with_logits", _sigmoid_ce_forward, _sigmoid_ce_vjp,
                    save_output=False,
                    notes="d/dlogits = sigmoid(x) - z (stable), d/dlabels = -x.")


def _same_shape(labels, logits, op_name):
    labels, logits = prim.same_dtype(op_name, logits, labels)[::-1]
    lv, xv = prim.value(labels), prim.value(logits)
    if xv.dtype.kind != "f":
        raise InvalidArgumentError(f"{op_name}: logits must be a float tensor, got {dtype_name(xv.dtype)}")
    if lv.shape != xv.shape:
        raise InvalidArgumentError(f"{op_name}: logits and labels must have the same shape, got logits "
                                   f"{list(xv.shape)} and labels {list(lv.shape)}")
    return labels, logits


@export("nn.sigmoid_cross_entropy_with_logits")
def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Elementwise ``-z log(sigmoid(x)) - (1 - z) log(1 - sigmoid(x))`` for labels ``z`` and
    logits ``x``, computed as TF does (``max(x, 0) - x z + log(1 + exp(-|x|))``).

    >>> import tapegrad as tf
    >>> tf.nn.sigmoid_cross_entropy_with_logits(labels=[1.0], logits=[-1e4]).numpy()
    array([10000.], dtype=float32)
    """
    if labels is None or logits is None:
        raise ValueError("nn.sigmoid_cross_entropy_with_logits: both labels and logits must be given")
    labels, logits = _same_shape(labels, logits, "nn.sigmoid_cross_entropy_with_logits")
    return _sigmoid_ce(labels, logits)


def _softmax_ce_forward(labels, logits, axis):
    s = _shifted(logits, axis)
    return np.sum(labels * (np.log(np.sum(np.exp(s), axis=axis, keepdims=True)) - s), axis=axis)


def _softmax_ce_vjp(g, ans, needs, labels, logits, axis):
    # As TF's kernel, d/dlogits = softmax - labels: the true gradient when each row of labels
    # sums to 1 (TF's documented contract; with other labels TF's number is what we return).
    g = prim.reshape(g, shape=tuple(np.shape(logits)[:axis]) + (1,) + tuple(np.shape(logits)[axis + 1:]))
    return (-g * _log_softmax(logits, axis=axis) if needs[0] else None,
            g * (_softmax(logits, axis=axis) - labels) if needs[1] else None)


_softmax_ce = defop("softmax_cross_entropy_with_logits", _softmax_ce_forward, _softmax_ce_vjp,
                    save_output=False,
                    notes="d/dlogits = softmax - labels (TF's; exact when labels sum to 1), "
                          "d/dlabels = -log_softmax(logits).")


@export("nn.softmax_cross_entropy_with_logits")
def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """``-sum(labels * log_softmax(logits))`` along ``axis``, as ``tf.nn.softmax_cross_entropy_with_logits``
    (TF 2: labels are differentiable too).

    >>> import tapegrad as tf
    >>> tf.nn.softmax_cross_entropy_with_logits([[0.0, 1.0]], [[0.0, 0.0]]).numpy()
    array([0.6931472], dtype=float32)
    """
    labels, logits = _same_shape(labels, logits, "nn.softmax_cross_entropy_with_logits")
    return _softmax_ce(labels, logits, axis=_axis(logits, axis, "nn.softmax_cross_entropy_with_logits"))


def _one_hot(labels, depth, dtype):
    # (a comparison against arange: one C call, where put_along_axis costs ~8 us of Python)
    return (labels[..., None] == np.arange(depth)).astype(dtype)


def _sparse_ce_forward(labels, logits):
    s = _shifted(logits, -1)
    rows = s.reshape(-1, s.shape[-1])
    picked = rows[np.arange(rows.shape[0]), labels.reshape(-1)].reshape(labels.shape)
    return np.log(np.exp(s).sum(axis=-1)) - picked


def _sparse_ce_vjp(g, ans, needs, labels, logits):
    if logits.__class__ is np.ndarray:
        # Raw backward (no tape records it): the same numbers in place on one fresh array,
        # (softmax - onehot) * g, without building the one-hot matrix.
        p = _softmax_forward(logits, -1)
        rows = p.reshape(-1, p.shape[-1])
        rows[np.arange(rows.shape[0]), np.asarray(labels).reshape(-1)] -= 1
        p *= np.asarray(g)[..., None]
        return None, p
    onehot = _one_hot(np.asarray(labels), np.shape(logits)[-1], _dtype(g))
    return None, prim.reshape(g, shape=tuple(np.shape(g)) + (1,)) * (_softmax(logits, axis=len(np.shape(logits)) - 1)
                                                                - onehot)


_sparse_ce = defop("sparse_softmax_cross_entropy_with_logits", _sparse_ce_forward, _sparse_ce_vjp,
                   save_output=False,
                   notes="d/dlogits = softmax - one_hot(labels); labels (ints) get None. Twice "
                         "differentiable (the softmax is recorded).")


@export("nn.sparse_softmax_cross_entropy_with_logits")
def sparse_softmax_cross_entropy_with_logits(labels, logits, name=None):
    """``-log_softmax(logits)[label]`` for integer class ``labels`` [...] and ``logits`` [..., C],
    as ``tf.nn.sparse_softmax_cross_entropy_with_logits``."""
    op_name = "nn.sparse_softmax_cross_entropy_with_logits"
    logits = _float_input(logits, op_name, "logits")
    lab = prim.value(labels)
    if lab.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{op_name}: labels must be int32 or int64 class indices, got "
                                   f"{dtype_name(lab.dtype)}")
    shape = logits._value.shape
    if len(shape) < 1 or lab.shape != shape[:-1]:
        raise InvalidArgumentError(f"{op_name}: labels must have the shape of logits without its last "
                                   f"dimension: logits {list(shape)}, labels {list(lab.shape)}")
    bad = (lab < 0) | (lab >= shape[-1])
    if bad.any():
        raise InvalidArgumentError(f"{op_name}: Received a label value of {lab[bad].ravel()[0]} which is outside "
                                   f"the valid range of [0, {shape[-1]}).")
    return _sparse_ce(lab, logits)


# -- l2_loss, bias_add, dropout, batch_normalization ------------------------------------------

l2_loss = defop("l2_loss", lambda x: np.sum(np.square(x)) / 2,
                lambda g, ans, needs, x: (g * x,), save_output=False, api=("nn.l2_loss",), kinds="f",
                notes="sum(x ** 2) / 2; gradient g * x.")


def _bias_add_forward(value, bias, axis):
    value = np.asarray(value)
    return value + np.reshape(bias, (-1,) + (1,) * (value.ndim - 1 - axis))


def _bias_add_vjp(g, ans, needs, value, bias, axis):
    others = tuple(i for i in range(len(np.shape(g))) if i != axis)
    return g, (prim.reduce_sum(g, axis=others, keepdims=False) if needs[1] else None)


_bias_add = defop("bias_add", _bias_add_forward, _bias_add_vjp, save_inputs=False, save_output=False,
                  notes="The bias gradient sums over every axis but the channel axis.")


_NUMBERS = dtype_rule("fciu")


@export("nn.bias_add")
def bias_add(value, bias, data_format=None, name=None):
    """``value + bias`` with the 1-D ``bias`` along the channel axis (last for N...C, 1 for NC...),
    as ``tf.nn.bias_add``."""
    value, bias = prim.same_dtype("nn.bias_add", value, bias)
    v, b = prim.value(value), prim.value(bias)
    require_dtype("nn.bias_add", _NUMBERS, v)
    if b.ndim != 1:
        raise InvalidArgumentError(f"nn.bias_add: bias must be 1-D, got shape {list(b.shape)}")
    if v.ndim < 2:
        raise InvalidArgumentError(f"nn.bias_add: value must have rank >= 2, got shape {list(v.shape)}")
    axis = 1 if data_format is not None and str(data_format).startswith("NC") else v.ndim - 1
    if v.shape[axis] != b.shape[0]:
        raise InvalidArgumentError(f"nn.bias_add: Must provide as many biases as the channel dimension of the "
                                   f"input tensor: bias has {b.shape[0]}, value has {v.shape[axis]} channels "
                                   f"(shape {list(v.shape)}, data_format={data_format!r})")
    return _bias_add(value, bias, axis=axis)


@export("nn.dropout")
def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """Zero each entry with probability ``rate`` and scale the rest by ``1 / (1 - rate)``, as
    ``tf.nn.dropout``. ``noise_shape`` broadcasts one draw (e.g. ``[n, 1, 1, c]``: whole channels);
    ``seed`` gives a reproducible stream (``tapegrad.random.set_seed`` + op seed). The gradient is
    the same mask times the scale.
    """
    rate = static_value(rate)
    if not isinstance(rate, numbers.Real) or isinstance(rate, bool) or not 0 <= rate < 1:
        raise ValueError(f"nn.dropout: rate must be a scalar tensor or a float in the range [0, 1), got {rate!r}")
    x = prim.as_tensor(x)
    dtype = x._value.dtype
    if dtype.kind != "f":
        raise ValueError(f"nn.dropout: x has to be a floating point tensor since it's going to be scaled. "
                         f"Got a {dtype_name(dtype)} tensor instead.")
    if rate == 0:
        return x
    shape = x._value.shape
    if noise_shape is None:
        noise = shape
    else:
        noise = normalize_shape([shape[i] if d is None else d for i, d in enumerate(static_value(noise_shape))],
                                "nn.dropout", arg="noise_shape")
        try:
            np.broadcast_shapes(noise, shape)
        except ValueError:
            raise InvalidArgumentError(f"nn.dropout: noise_shape {list(noise)} does not broadcast to x's shape "
                                       f"{list(shape)}") from None
    keep = random_ops.generator(seed, "nn.dropout").random(noise).astype(dtype) >= rate
    scale = 1 / (1 - float(rate))
    # As TF: where(keep, x * scale, 0), the scale converted to x's dtype.
    return prim.select(keep, x * scale, np.zeros((), dtype))


_FLOAT_OR_COMPLEX = dtype_rule("fc")


@export("nn.batch_normalization")
def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """``(x - mean) / sqrt(variance + eps) * scale + offset``, computed as TF's
    ``tf.nn.batch_normalization`` does: ``x * inv + (offset - mean * inv)``, ``inv = scale * rsqrt(variance + eps)``."""
    x = prim.as_tensor(x)
    require_dtype("nn.batch_normalization", _FLOAT_OR_COMPLEX, x)
    inv = math_ops.rsqrt(variance + variance_epsilon)
    if scale is not None:
        inv = inv * scale
    shift = -mean * inv if offset is None else offset - mean * inv
    return x * inv + shift
