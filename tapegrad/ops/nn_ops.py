"""Neural-network ops (``tapegrad.nn``): activations, softmax and the cross-entropies, l2_loss,
bias_add, dropout, batch_normalization, convolution and pooling.

Activation gradients take TensorFlow's side at every kink (relu: 0 at 0; relu6: 0 at 0 and 6;
leaky_relu: alpha at 0; elu/selu: the positive side at 0), and most are written from the
output, as TF's ``ReluGrad``/``EluGrad``/``SeluGrad`` kernels are. Softmax, log_softmax and the
cross-entropies shift by the maximum in the forward and use only bounded quantities (softmax,
sigmoid, exp of a log-probability) in the gradient, so both stay finite at |logits| ~ 1e4.

Convolution and pooling are NHWC (NCHW is transposed in and out), with TensorFlow's SAME
padding (the odd pixel of padding goes after). conv2d's forward is one BLAS product over a
strided patch view (im2col); its two gradients are primitives of their own whose gradients are
conv2d and each other, so convolutions have derivatives of every order.
"""
import numbers

import numpy as np

from ..core.errors import InvalidArgumentError
from ..core.registry import defop, export, convert_to_tensor
from ..core.tensor import TensorLike
from . import math_ops, random_ops
from ._util import dtype_name, normalize_axis, static_value
from .array_ops import _reshape, _transpose, _where3, cast_, zeros_like
from .linalg_ops import _same_dtype, _value
from .reduction_ops import _reduce_sum

_as_strided = np.lib.stride_tricks.as_strided


def _dtype(x):
    return np.asarray(x).dtype


def _float_input(x, op_name, arg="features"):
    """``x`` as a Tensor of a float dtype, or an error naming the op."""
    t = convert_to_tensor(x) if not isinstance(x, TensorLike) else x
    if t._value.dtype.kind != "f":
        raise InvalidArgumentError(f"{op_name}: {arg} must be a float tensor (half, float32, float64), got "
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

relu = defop("relu", lambda x: np.maximum(x, np.zeros((), _dtype(x))),
             lambda g, ans, needs, x: (_relu_grad(g, ans),),
             arity="unary", api=("nn.relu",), save_inputs=False,
             notes="Gradient g * (output > 0): 0 at 0, as TF's ReluGrad.")

_relu6_grad = defop("relu6_grad", lambda g, y: g * ((np.asarray(y) > 0) & (np.asarray(y) < 6)),
                    lambda h, ans, needs, g, y: (_relu6_grad(h, y) if needs[0] else None,
                                                 zeros_like(y) if needs[1] else None),
                    save_output=False, notes="g * (0 < y < 6); its gradient in y is zeros, as TF's.")

relu6 = defop("relu6", lambda x: np.minimum(np.maximum(x, np.zeros((), _dtype(x))), np.full((), 6, _dtype(x))),
              lambda g, ans, needs, x: (_relu6_grad(g, ans),),
              arity="unary", api=("nn.relu6",), save_inputs=False,
              notes="Gradient g * (0 < output < 6): 0 at both kinks, as TF's Relu6Grad.")

_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_SCALE_ALPHA = 1.7580993408473768599402175208123  # scale * alpha


def _elu_forward(x):
    x = np.asarray(x)
    with np.errstate(over="ignore"):  # exp of the positive entries is computed and discarded
        return np.where(x < 0, np.exp(x) - 1, x)  # TF's kernel: exp(x) - 1, not expm1


elu = defop("elu", _elu_forward,
            lambda g, ans, needs, x: (_where3(ans < 0, g * (ans + 1), g),),
            arity="unary", api=("nn.elu",), save_inputs=False,
            notes="Gradient from the output, as TF's EluGrad: g * (y + 1) where y < 0, else g (1 at 0).")


def _selu_forward(x):
    x = np.asarray(x)
    with np.errstate(over="ignore"):
        return np.where(x < 0, _SELU_SCALE_ALPHA * (np.exp(x) - 1), _SELU_SCALE * x).astype(x.dtype, copy=False)


selu = defop("selu", _selu_forward,
             lambda g, ans, needs, x: (_where3(ans < 0, g * (ans + _SELU_SCALE_ALPHA), g * _SELU_SCALE),),
             arity="unary", api=("nn.selu",), save_inputs=False,
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


@export("nn.leaky_relu")
def leaky_relu(features, alpha=0.2, name=None):
    """``x`` where ``x > 0``, else ``alpha * x``, as ``tf.nn.leaky_relu`` (integers become float32)."""
    x = convert_to_tensor(features) if not isinstance(features, TensorLike) else features
    if x._value.dtype.kind in "iu":
        x = cast_(x, dtype=np.dtype(np.float32))
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
    return _gelu(_float_input(features, "nn.gelu"), approximate=bool(approximate))


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
    x = _float_input(features, "nn.silu")
    dtype = x._value.dtype
    if isinstance(beta, TensorLike):
        if beta._value.dtype != dtype:
            beta = cast_(beta, dtype=dtype)
    else:
        beta = np.asarray(static_value(beta), dtype)
    if np.ndim(beta) != 0:
        raise InvalidArgumentError(f"nn.silu: beta must be a scalar, got shape {list(np.shape(beta))}")
    return _silu(x, beta)


# -- softmax and cross-entropies ------------------------------------------------------------

def _shifted(x, axis):
    """x - max(x) along ``axis`` (0 where the max is not finite), as TF's softmax kernels shift."""
    x = np.asarray(x)
    top = np.max(x, axis=axis, keepdims=True)
    return x - np.where(np.isfinite(top), top, np.zeros((), x.dtype))


def _softmax_forward(x, axis):
    e = np.exp(_shifted(x, axis))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax_forward(x, axis):
    s = _shifted(x, axis)
    return s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True))


_softmax = defop("softmax", _softmax_forward,
                 lambda g, ans, needs, x, axis: (ans * (g - _reduce_sum(g * ans, axis=(axis,), keepdims=True)),),
                 save_inputs=False,
                 notes="Gradient y * (g - sum(g * y)) from the output y: finite for any logits.")

_log_softmax = defop("log_softmax", _log_softmax_forward,
                     lambda g, ans, needs, x, axis: (
                         g - math_ops.exp(ans) * _reduce_sum(g, axis=(axis,), keepdims=True),),
                     save_inputs=False,
                     notes="Gradient g - softmax * sum(g), softmax = exp(output) <= 1: finite for any logits.")


def _axis(logits, axis, op_name):
    ndim = _value(logits).ndim
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
    labels, logits = _same_dtype(op_name, logits, labels)[::-1]
    lv, xv = _value(labels), _value(logits)
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
    g = _reshape(g, shape=tuple(np.shape(logits)[:axis]) + (1,) + tuple(np.shape(logits)[axis + 1:]))
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
    out = np.zeros(labels.shape + (depth,), dtype)
    np.put_along_axis(out, labels[..., None].astype(np.intp), 1, axis=-1)
    return out


def _sparse_ce_forward(labels, logits):
    s = _shifted(logits, -1)
    picked = np.take_along_axis(s, labels[..., None].astype(np.intp), axis=-1)[..., 0]
    return np.log(np.sum(np.exp(s), axis=-1)) - picked


def _sparse_ce_vjp(g, ans, needs, labels, logits):
    onehot = _one_hot(np.asarray(labels), np.shape(logits)[-1], _dtype(g))
    return None, _reshape(g, shape=tuple(np.shape(g)) + (1,)) * (_softmax(logits, axis=len(np.shape(logits)) - 1)
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
    lab = _value(labels)
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

_l2_loss = defop("l2_loss", lambda x: np.sum(np.square(x)) / 2,
                 lambda g, ans, needs, x: (g * x,), save_output=False, api=("nn.l2_loss",),
                 notes="sum(x ** 2) / 2; gradient g * x.")


def _bias_add_forward(value, bias, axis):
    value = np.asarray(value)
    return value + np.reshape(bias, (-1,) + (1,) * (value.ndim - 1 - axis))


def _bias_add_vjp(g, ans, needs, value, bias, axis):
    others = tuple(i for i in range(len(np.shape(g))) if i != axis)
    return g, (_reduce_sum(g, axis=others, keepdims=False) if needs[1] else None)


_bias_add = defop("bias_add", _bias_add_forward, _bias_add_vjp, save_inputs=False, save_output=False,
                  notes="The bias gradient sums over every axis but the channel axis.")


@export("nn.bias_add")
def bias_add(value, bias, data_format=None, name=None):
    """``value + bias`` with the 1-D ``bias`` along the channel axis (last for N...C, 1 for NC...),
    as ``tf.nn.bias_add``."""
    value, bias = _same_dtype("nn.bias_add", value, bias)
    v, b = _value(value), _value(bias)
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
    x = convert_to_tensor(x) if not isinstance(x, TensorLike) else x
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
        noise = tuple(shape[i] if d is None else int(d) for i, d in enumerate(static_value(noise_shape)))
        try:
            np.broadcast_shapes(noise, shape)
        except ValueError:
            raise InvalidArgumentError(f"nn.dropout: noise_shape {list(noise)} does not broadcast to x's shape "
                                       f"{list(shape)}") from None
    keep = random_ops.generator(seed).random(noise).astype(dtype) >= rate
    scale = 1 / (1 - float(rate))
    # As TF: where(keep, x * scale, 0), the scale converted to x's dtype.
    return _where3(keep, x * scale, np.zeros((), dtype))


@export("nn.batch_normalization")
def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """``(x - mean) / sqrt(variance + eps) * scale + offset``, computed as TF's
    ``tf.nn.batch_normalization`` does: ``x * inv + (offset - mean * inv)``, ``inv = scale * rsqrt(variance + eps)``."""
    inv = math_ops.rsqrt(variance + variance_epsilon)
    if scale is not None:
        inv = inv * scale
    shift = -mean * inv if offset is None else offset - mean * inv
    return x * inv + shift


# -- convolution ----------------------------------------------------------------------------
# Geometry: spatial sizes, kernel sizes k, strides s, dilations d; the effective kernel is
# (k - 1) d + 1. pads are ((top, bottom), (left, right)) zeros added before the convolution.

def _spatial(value, n, name, op_name, channel_index):
    """TF's _get_sequence: an int, or a list of 1, n, or n + 2 ints (then batch/channel must be 1)."""
    value = static_value(value)
    if value is None:
        return (1,) * n
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = [int(v) for v in value]
    if len(value) == 1:
        return (value[0],) * n
    if len(value) == n:
        return tuple(value)
    if len(value) == n + 2:
        if value[0] != 1 or value[channel_index] != 1:
            raise InvalidArgumentError(f"{op_name}: {name} in the batch and depth dimensions must be 1, got {value}")
        spatial = [v for i, v in enumerate(value) if i not in (0, channel_index)]
        return tuple(spatial)
    raise InvalidArgumentError(f"{op_name}: {name} should be of length 1, {n} or {n + 2}, got {value}")


def _pads(sizes, ksizes, strides, dilations, padding, op_name, channel_index, explicit_ok=True):
    """((before, after), ...) for each spatial dimension."""
    if isinstance(padding, str):
        mode = padding.upper()
        if mode == "VALID":
            return tuple((0, 0) for _ in sizes)
        if mode == "SAME":
            pads = []
            for n, k, s, d in zip(sizes, ksizes, strides, dilations):
                eff = (k - 1) * d + 1
                out = -(-n // s)
                total = max((out - 1) * s + eff - n, 0)
                pads.append((total // 2, total - total // 2))  # TF: the extra pixel goes after
            return tuple(pads)
        raise InvalidArgumentError(f"{op_name}: padding must be 'SAME' or 'VALID' (or explicit pairs), got {padding!r}")
    if not explicit_ok:
        raise InvalidArgumentError(f"{op_name}: padding must be 'SAME' or 'VALID', got {padding!r}")
    pairs = [tuple(int(p) for p in pair) for pair in static_value(padding)]
    if len(pairs) != len(sizes) + 2 or pairs[0] != (0, 0) or pairs[channel_index] != (0, 0):
        raise InvalidArgumentError(f"{op_name}: explicit padding must be {len(sizes) + 2} pairs with [0, 0] for the "
                                   f"batch and channel dimensions, got {padding!r}")
    pairs = [p for i, p in enumerate(pairs) if i not in (0, channel_index)]
    if any(p < 0 for pair in pairs for p in pair):
        raise InvalidArgumentError(f"{op_name}: explicit padding must be non-negative, got {padding!r}")
    return tuple(pairs)


def _out_size(n, k, s, d, pad):
    return (n + pad[0] + pad[1] - ((k - 1) * d + 1)) // s + 1


def _pad_spatial(x, pads, value=0):
    if not any(p for pair in pads for p in pair):
        return x
    return np.pad(x, ((0, 0),) + tuple(pads) + ((0, 0),), constant_values=value)


def _patches(xp, kh, kw, out_h, out_w, strides, dilations):
    """A read-only view [N, OH, OW, KH, KW, C] of the windows of the padded input ``xp``."""
    sn, sh, sw, sc = xp.strides
    return _as_strided(xp, (xp.shape[0], out_h, out_w, kh, kw, xp.shape[3]),
                       (sn, sh * strides[0], sw * strides[1], sh * dilations[0], sw * dilations[1], sc),
                       writeable=False)


def _conv2d_forward(x, w, strides, dilations, pads):
    x, w = np.asarray(x), np.asarray(w)
    kh, kw = w.shape[:2]
    oh = _out_size(x.shape[1], kh, strides[0], dilations[0], pads[0])
    ow = _out_size(x.shape[2], kw, strides[1], dilations[1], pads[1])
    cols = _patches(_pad_spatial(x, pads), kh, kw, oh, ow, strides, dilations)
    return np.tensordot(cols, w, axes=([3, 4, 5], [0, 1, 2]))  # im2col: one BLAS product


def _conv2d_backprop_input_forward(g, w, input_shape, strides, dilations, pads):
    g, w = np.asarray(g), np.asarray(w)
    n, h, wd, c = input_shape
    kh, kw = w.shape[:2]
    oh, ow = g.shape[1:3]
    cols = np.tensordot(g, w, axes=([3], [3]))  # [N, OH, OW, KH, KW, C]
    out = np.zeros((n, h + pads[0][0] + pads[0][1], wd + pads[1][0] + pads[1][1], c), cols.dtype)
    for i in range(kh):  # one strided add per kernel tap (col2im), not per pixel
        for j in range(kw):
            r, q = i * dilations[0], j * dilations[1]
            out[:, r:r + strides[0] * (oh - 1) + 1:strides[0], q:q + strides[1] * (ow - 1) + 1:strides[1]] += \
                cols[:, :, :, i, j]
    return out[:, pads[0][0]:pads[0][0] + h, pads[1][0]:pads[1][0] + wd]


def _conv2d_backprop_filter_forward(x, g, filter_shape, strides, dilations, pads):
    x, g = np.asarray(x), np.asarray(g)
    cols = _patches(_pad_spatial(x, pads), filter_shape[0], filter_shape[1], g.shape[1], g.shape[2],
                    strides, dilations)
    # the forward's im2col matrix [N*OH*OW, KH*KW*C], transposed into the product (a third faster
    # than tensordot over axes 0-2, which copies the patches in transposed order)
    cols = cols.reshape(-1, int(np.prod(filter_shape[:3])))
    return (cols.T @ g.reshape(-1, g.shape[3])).reshape(filter_shape)


# The three are bilinear and adjoint to one another, so each one's gradient is one of the others:
#   y = conv(x, w):            dx = backprop_input(g, w),   dw = backprop_filter(x, g)
#   u = backprop_input(g, w):  dg = conv(h, w),             dw = backprop_filter(h, g)
#   v = backprop_filter(x, g): dx = backprop_input(g, h),   dg = conv(x, h)

def _conv2d_vjp(g, ans, needs, x, w, strides, dilations, pads):
    geo = dict(strides=strides, dilations=dilations, pads=pads)
    return (_conv2d_backprop_input(g, w, input_shape=tuple(np.shape(x)), **geo) if needs[0] else None,
            _conv2d_backprop_filter(x, g, filter_shape=tuple(np.shape(w)), **geo) if needs[1] else None)


def _backprop_input_vjp(h, ans, needs, g, w, input_shape, strides, dilations, pads):
    geo = dict(strides=strides, dilations=dilations, pads=pads)
    return (_conv2d(h, w, **geo) if needs[0] else None,
            _conv2d_backprop_filter(h, g, filter_shape=tuple(np.shape(w)), **geo) if needs[1] else None)


def _backprop_filter_vjp(h, ans, needs, x, g, filter_shape, strides, dilations, pads):
    geo = dict(strides=strides, dilations=dilations, pads=pads)
    return (_conv2d_backprop_input(g, h, input_shape=tuple(np.shape(x)), **geo) if needs[0] else None,
            _conv2d(x, h, **geo) if needs[1] else None)


_conv2d = defop("conv2d", _conv2d_forward, _conv2d_vjp, save_output=False,
                notes="NHWC, filters [KH, KW, C_in, C_out]; im2col + one matmul. Gradients are the "
                      "conv2d_backprop_input/filter primitives (differentiable again).")
_conv2d_backprop_input = defop("conv2d_backprop_input", _conv2d_backprop_input_forward, _backprop_input_vjp,
                               save_output=False,
                               notes="The transpose of conv2d in its input (tf.nn.conv2d_transpose); "
                                     "its gradients are conv2d and conv2d_backprop_filter.")
_conv2d_backprop_filter = defop("conv2d_backprop_filter", _conv2d_backprop_filter_forward, _backprop_filter_vjp,
                                save_output=False,
                                notes="conv2d's gradient in its filter; its gradients are "
                                      "conv2d_backprop_input and conv2d.")


def _nchw(data_format, op_name, allowed=("NHWC", "NCHW")):
    fmt = "NHWC" if data_format is None else str(data_format).upper()
    if fmt not in allowed:
        raise InvalidArgumentError(f"{op_name}: data_format must be one of {list(allowed)}, got {data_format!r}")
    return fmt.startswith("NC")


def _to_nhwc(x, nchw):
    return _transpose(x, perm=(0, 2, 3, 1)) if nchw else x


def _from_nhwc(y, nchw):
    return _transpose(y, perm=(0, 3, 1, 2)) if nchw else y


def _conv_geometry(xs, fs, strides, padding, dilations, op_name, channel_index):
    if len(xs) != 4 or len(fs) != 4:
        raise InvalidArgumentError(f"{op_name}: input must be 4-D [batch, height, width, channels] and filters 4-D "
                                   f"[height, width, in_channels, out_channels], got shapes {list(xs)} and {list(fs)}")
    strides = _spatial(strides, 2, "strides", op_name, channel_index)
    dilations = _spatial(dilations, 2, "dilations", op_name, channel_index)
    if min(strides) < 1 or min(dilations) < 1:
        raise InvalidArgumentError(f"{op_name}: strides and dilations must be >= 1, got {strides} and {dilations}")
    pads = _pads(xs[1:3], fs[:2], strides, dilations, padding, op_name, channel_index)
    return strides, dilations, pads


@export("nn.conv2d")
def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):
    """2-D convolution (cross-correlation, as TF) of ``input`` [N, H, W, C_in] with ``filters``
    [KH, KW, C_in, C_out], as ``tf.nn.conv2d``: ``strides``/``dilations`` an int or a list of
    1, 2 or 4 ints; ``padding`` "SAME" (output ceil(H / stride)), "VALID", or explicit pairs.

    >>> import tapegrad as tf
    >>> x = tf.ones([1, 3, 3, 1])
    >>> tf.nn.conv2d(x, tf.ones([2, 2, 1, 1]), strides=1, padding="SAME").numpy()[0, :, :, 0]
    array([[4., 4., 2.],
           [4., 4., 2.],
           [2., 2., 1.]], dtype=float32)
    """
    op_name = "nn.conv2d"
    nchw = _nchw(data_format, op_name)
    input, filters = _same_dtype(op_name, input, filters)
    x = _to_nhwc(input, nchw)
    xs, fs = _value(x).shape, _value(filters).shape
    if _value(x).dtype.kind != "f":
        raise InvalidArgumentError(f"{op_name}: input must be a float tensor, got {dtype_name(_value(x).dtype)}")
    strides, dilations, pads = _conv_geometry(xs, fs, strides, padding, dilations, op_name, 1 if nchw else 3)
    if xs[3] != fs[2]:
        raise InvalidArgumentError(f"{op_name}: input has {xs[3]} channels but filters expect {fs[2]} (input shape "
                                   f"{list(xs)}, filters shape {list(fs)}); grouped convolution is not supported")
    for n, k, s, d, p in zip(xs[1:3], fs[:2], strides, dilations, pads):
        if _out_size(n, k, s, d, p) < 1:
            raise InvalidArgumentError(f"{op_name}: the (dilated) filter {list(fs[:2])} is larger than the padded "
                                       f"input {list(xs[1:3])} (padding={padding!r})")
    return _from_nhwc(_conv2d(x, filters, strides=strides, dilations=dilations, pads=pads), nchw)


@export("nn.conv2d_transpose")
def conv2d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NHWC", dilations=None,
                     name=None):
    """The transpose (gradient) of conv2d: ``input`` [N, H, W, C_in] and ``filters``
    [KH, KW, C_out, C_in] give ``output_shape`` [N, H', W', C_out], as ``tf.nn.conv2d_transpose``."""
    op_name = "nn.conv2d_transpose"
    nchw = _nchw(data_format, op_name)
    input, filters = _same_dtype(op_name, input, filters)
    out_shape = tuple(int(d) for d in static_value(output_shape))
    if nchw:
        out_shape = (out_shape[0], out_shape[2], out_shape[3], out_shape[1])
    g = _to_nhwc(input, nchw)
    gs, fs = _value(g).shape, _value(filters).shape
    strides, dilations, pads = _conv_geometry(out_shape, fs, strides, padding, dilations, op_name, 1 if nchw else 3)
    want = (out_shape[0],) + tuple(_out_size(n, k, s, d, p) for n, k, s, d, p in
                                   zip(out_shape[1:3], fs[:2], strides, dilations, pads)) + (fs[3],)
    if tuple(gs) != want or out_shape[3] != fs[2]:
        raise InvalidArgumentError(f"{op_name}: input shape {list(gs)} does not match output_shape {list(out_shape)} "
                                   f"with filters {list(fs)}: a conv2d of output_shape would give {list(want)}")
    return _from_nhwc(_conv2d_backprop_input(g, filters, input_shape=out_shape, strides=strides,
                                             dilations=dilations, pads=pads), nchw)


@export("nn.conv1d")
def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None, name=None):
    """1-D convolution of ``input`` [N, W, C_in] with ``filters`` [K, C_in, C_out], as ``tf.nn.conv1d``
    (as TF: a conv2d over a height-1 image)."""
    op_name = "nn.conv1d"
    ncw = _nchw(data_format, op_name, ("NWC", "NCW"))
    input, filters = _same_dtype(op_name, input, filters)
    xs, fs = _value(input).shape, _value(filters).shape
    if len(xs) != 3 or len(fs) != 3:
        raise InvalidArgumentError(f"{op_name}: input must be 3-D [batch, width, channels] and filters 3-D "
                                   f"[width, in_channels, out_channels], got {list(xs)} and {list(fs)}")
    stride = _spatial(stride, 1, "stride", op_name, 1 if ncw else 2)[0]
    dilation = _spatial(dilations, 1, "dilations", op_name, 1 if ncw else 2)[0]
    if not isinstance(padding, str):
        pairs = [tuple(p) for p in static_value(padding)]
        # the height-1 axis gets no padding: N W C -> N 1 W C, N C W -> N C 1 W
        padding = [pairs[0], pairs[1], (0, 0), pairs[2]] if ncw else [pairs[0], (0, 0), pairs[1], pairs[2]]
    x = _reshape(input, shape=(xs[0], xs[1], 1, xs[2]) if ncw else (xs[0], 1, xs[1], xs[2]))
    y = conv2d(x, _reshape(filters, shape=(1,) + fs), strides=[1, stride] if not ncw else [1, stride],
               padding=padding, data_format="NCHW" if ncw else "NHWC", dilations=[1, dilation])
    ys = _value(y).shape
    return _reshape(y, shape=(ys[0], ys[1], ys[3]) if ncw else (ys[0], ys[2], ys[3]))


@export("nn.convolution")
def convolution(input, filters, strides=None, padding="VALID", data_format=None, dilations=None, name=None):
    """N-D convolution for N = 1 or 2 (``tf.nn.convolution``): dispatches on the input's rank."""
    rank = _value(input).ndim
    if rank == 3:
        return conv1d(input, filters, 1 if strides is None else strides, padding, data_format or "NWC", dilations)
    if rank == 4:
        return conv2d(input, filters, 1 if strides is None else strides, padding, data_format or "NHWC", dilations)
    raise NotImplementedError(f"nn.convolution: only 1-D and 2-D convolutions are supported (input rank {rank})")


# -- pooling --------------------------------------------------------------------------------

def _windows(xp, ksize, strides, out_hw):
    """(i, j, view) for each kernel tap: the [N, OH, OW, C] strided slice it sees."""
    (kh, kw), (sh, sw), (oh, ow) = ksize, strides, out_hw
    for i in range(kh):
        for j in range(kw):
            yield i, j, xp[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw]


def _pool_out(shape, ksize, strides, pads):
    return tuple(_out_size(n, k, s, 1, p) for n, k, s, p in zip(shape[1:3], ksize, strides, pads))


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _max_pool_forward(x, ksize, strides, pads):
    x = np.asarray(x)
    xp = _pad_spatial(x, pads, _lowest(x.dtype))  # padding never wins a max
    out = None
    for _, _, win in _windows(xp, ksize, strides, _pool_out(x.shape, ksize, strides, pads)):
        out = win.copy() if out is None else np.maximum(out, win, out=out)
    return out


def _max_pool_argmax(x, ksize, strides, pads):
    """Flat indices into ``x`` of each window's maximum: the first in row-major window order
    (TF's MaxPoolGrad on CPU routes a tie's whole gradient to that one)."""
    x = np.asarray(x)
    n, h, w, c = x.shape
    oh, ow = _pool_out(x.shape, ksize, strides, pads)
    xp = _pad_spatial(x, pads, _lowest(x.dtype))
    best = tap = None
    for i, j, win in _windows(xp, ksize, strides, (oh, ow)):
        if best is None:
            best, tap = win.copy(), np.zeros(win.shape, np.intp)
            continue
        better = win > best  # strict: an equal later value does not take over
        np.maximum(best, win, out=best)
        np.copyto(tap, i * ksize[1] + j, where=better)
    # flat index = the window's top-left corner (in unpadded coordinates) + the tap's offset
    top = np.arange(oh)[None, :, None, None] * strides[0] - pads[0][0]
    left = np.arange(ow)[None, None, :, None] * strides[1] - pads[1][0]
    corner = ((np.arange(n)[:, None, None, None] * h + top) * w + left) * c + np.arange(c)
    offset = np.array([(i * w + j) * c for i in range(ksize[0]) for j in range(ksize[1])])
    return corner + offset[tap]


def _max_pool_vjp(g, ans, needs, x, ksize, strides, pads):
    index = _max_pool_argmax(x, ksize, strides, pads)  # a constant: the max's position has no gradient
    return (_max_pool_grad(x, g, index=index),)


def _max_pool_grad_forward(x, g, index):
    g = np.asarray(g)
    out = np.bincount(index.ravel(), weights=g.ravel(), minlength=np.size(x))
    return out.astype(g.dtype, copy=False).reshape(np.shape(x))


_max_pool = defop("max_pool", _max_pool_forward, _max_pool_vjp, save_output=False,
                  notes="A window's gradient goes to its first maximum in row-major order (TF's CPU "
                        "tie rule); overlapping windows add up.")
# x rides along in the two below only so that their gradient in it is zeros (not None), as TF's
# MaxPoolGradGrad rules give.

def _max_pool_grad_vjp(h, ans, needs, x, g, index):
    return zeros_like(x) if needs[0] else None, _max_pool_grad_grad(x, h, index=index) if needs[1] else None


def _max_pool_grad_grad_vjp(k, ans, needs, x, h, index):
    return zeros_like(x) if needs[0] else None, _max_pool_grad(x, k, index=index) if needs[1] else None


_max_pool_grad = defop("max_pool_grad", _max_pool_grad_forward, _max_pool_grad_vjp, save_output=False,
                       notes="Scatter-add of the pooled gradient to the argmax positions (a constant index); "
                             "zeros for x.")
_max_pool_grad_grad = defop("max_pool_grad_grad", lambda x, h, index: np.asarray(h).reshape(-1)[index],
                            _max_pool_grad_grad_vjp, save_output=False,
                            notes="Gather at the argmax positions: the adjoint of max_pool_grad; zeros for x.")


def _window_counts(shape, ksize, strides, pads):
    """How many real (unpadded) entries each window holds: TF's SAME average divides by that."""
    ones = _pad_spatial(np.ones((1, shape[1], shape[2], 1)), pads)
    out = 0
    for _, _, win in _windows(ones, ksize, strides, _pool_out(shape, ksize, strides, pads)):
        out = out + win
    return out


def _avg_pool_forward(x, ksize, strides, pads):
    x = np.asarray(x)
    xp = _pad_spatial(x, pads)
    total = None
    for _, _, win in _windows(xp, ksize, strides, _pool_out(x.shape, ksize, strides, pads)):
        total = win.copy() if total is None else np.add(total, win, out=total)
    return (total / _window_counts(x.shape, ksize, strides, pads)).astype(x.dtype, copy=False)


def _avg_pool_grad_forward(g, shape, ksize, strides, pads):
    g = np.asarray(g)
    share = (g / _window_counts(shape, ksize, strides, pads)).astype(g.dtype, copy=False)
    n, h, w, c = shape
    out = np.zeros((n, h + pads[0][0] + pads[0][1], w + pads[1][0] + pads[1][1], c), g.dtype)
    for _, _, win in _windows(out, ksize, strides, g.shape[1:3]):
        win += share  # a view into out
    return out[:, pads[0][0]:pads[0][0] + h, pads[1][0]:pads[1][0] + w]


_avg_pool = defop("avg_pool", _avg_pool_forward,
                  lambda g, ans, needs, x, ksize, strides, pads: (
                      _avg_pool_grad(g, shape=tuple(np.shape(x)), ksize=ksize, strides=strides, pads=pads),),
                  save_output=False,
                  notes="SAME padding: each window averages its real entries only, as TF.")
_avg_pool_grad = defop("avg_pool_grad", _avg_pool_grad_forward,
                       lambda h, ans, needs, g, shape, ksize, strides, pads: (
                           _avg_pool(h, ksize=ksize, strides=strides, pads=pads),),
                       save_inputs=False, save_output=False,
                       notes="The adjoint of avg_pool (each window's share spread back); its gradient is avg_pool.")


def _pool2d(primitive, input, ksize, strides, padding, data_format, op_name):
    nchw = _nchw(data_format, op_name)
    x = _to_nhwc(convert_to_tensor(input) if not isinstance(input, TensorLike) else input, nchw)
    xs = _value(x).shape
    if primitive is _avg_pool and _value(x).dtype.kind != "f":
        raise InvalidArgumentError(f"{op_name}: input must be a float tensor, got {dtype_name(_value(x).dtype)}")
    if len(xs) != 4:
        raise InvalidArgumentError(f"{op_name}: input must be 4-D [batch, height, width, channels], got {list(xs)}")
    ch = 1 if nchw else 3
    ksize = _spatial(ksize, 2, "ksize", op_name, ch)
    strides = _spatial(strides, 2, "strides", op_name, ch)
    if min(ksize) < 1 or min(strides) < 1:
        raise InvalidArgumentError(f"{op_name}: ksize and strides must be >= 1, got {ksize} and {strides}")
    pads = _pads(xs[1:3], ksize, strides, (1, 1), padding, op_name, ch, explicit_ok=False)
    if min(_pool_out(xs, ksize, strides, pads)) < 1:
        raise InvalidArgumentError(f"{op_name}: the window {list(ksize)} is larger than the input {list(xs[1:3])} "
                                   f"with padding {padding!r}")
    return _from_nhwc(primitive(x, ksize=ksize, strides=strides, pads=pads), nchw)


@export("nn.max_pool2d")
def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """The maximum of each window, as ``tf.nn.max_pool2d`` (NHWC; SAME pads never win). A tie's
    gradient goes to the first maximum in the window (row-major), as TF on CPU."""
    return _pool2d(_max_pool, input, ksize, strides, padding, data_format, "nn.max_pool2d")


@export("nn.avg_pool2d")
def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """The mean of each window, as ``tf.nn.avg_pool2d`` (SAME: over the window's real entries)."""
    return _pool2d(_avg_pool, input, ksize, strides, padding, data_format, "nn.avg_pool2d")


def _pool1d(pool2d, input, ksize, strides, padding, data_format, op_name):
    ncw = _nchw(data_format, op_name, ("NWC", "NCW"))
    x = convert_to_tensor(input) if not isinstance(input, TensorLike) else input
    xs = x._value.shape
    if len(xs) != 3:
        raise InvalidArgumentError(f"{op_name}: input must be 3-D [batch, width, channels], got {list(xs)}")
    ksize = _spatial(ksize, 1, "ksize", op_name, 1 if ncw else 2)[0]
    strides = _spatial(strides, 1, "strides", op_name, 1 if ncw else 2)[0]
    x4 = _reshape(x, shape=(xs[0], xs[1], 1, xs[2]) if ncw else (xs[0], 1, xs[1], xs[2]))
    y = pool2d(x4, [1, ksize], [1, strides], padding, "NCHW" if ncw else "NHWC")
    ys = _value(y).shape
    return _reshape(y, shape=(ys[0], ys[1], ys[3]) if ncw else (ys[0], ys[2], ys[3]))


@export("nn.max_pool1d")
def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """1-D max pooling of ``input`` [N, W, C], as ``tf.nn.max_pool1d``."""
    return _pool1d(max_pool2d, input, ksize, strides, padding, data_format, "nn.max_pool1d")


@export("nn.avg_pool1d")
def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """1-D average pooling of ``input`` [N, W, C], as ``tf.nn.avg_pool1d``."""
    return _pool1d(avg_pool2d, input, ksize, strides, padding, data_format, "nn.avg_pool1d")


def _pool_by_rank(pool1d, pool2d, op_name):
    def pool(input, ksize, strides, padding, data_format=None, name=None):
        rank = _value(input).ndim
        if rank == 3:
            return pool1d(input, ksize, strides, padding, data_format or "NWC")
        if rank == 4:
            return pool2d(input, ksize, strides, padding, data_format or "NHWC")
        raise NotImplementedError(f"{op_name}: only 1-D and 2-D pooling (input rank 3 or 4) is supported, "
                                  f"got rank {rank}")
    pool.__name__ = pool.__qualname__ = op_name.split(".")[-1]
    pool.__doc__ = f"``tf.{op_name}``: 1-D or 2-D pooling chosen by the input's rank (3 or 4)."
    return pool


max_pool = export("nn.max_pool")(_pool_by_rank(max_pool1d, max_pool2d, "nn.max_pool"))
avg_pool = export("nn.avg_pool")(_pool_by_rank(avg_pool1d, avg_pool2d, "nn.avg_pool"))
