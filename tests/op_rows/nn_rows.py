"""Rows for the neural-network ops: activations, softmax family, cross-entropies, convolution,
pooling, dropout, bias_add, l2_loss, batch_normalization.

The convolution and pooling references below are naive loops over output positions: slow, but
independent of the im2col/strided code under test, and the images are tiny.
"""
import math

import numpy as np

import tapegrad as tf
from tapegrad.ops import conv_ops, nn_ops, random_ops
from . import Row, randn, away_from

_KINKS = (0.0, 6.0)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _erf(x):
    return np.vectorize(math.erf)(x)


def _log_softmax(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def _softmax(x, axis=-1):
    return np.exp(_log_softmax(x, axis))


def _rows_normalised(*shape):
    p = randn(*shape, low=0.1, high=1.0)
    return p / p.sum(axis=-1, keepdims=True)


def _same_pads(n, k, s, d=1):
    eff = (k - 1) * d + 1
    total = max((-(-n // s) - 1) * s + eff - n, 0)
    return total // 2, total - total // 2


def _conv_ref(x, w, stride=1, padding="VALID", dilation=1):
    """out[n, i, j, o] = sum over (a, b, c) of xpad[n, i s + a d, j s + b d, c] w[a, b, c, o]."""
    kh, kw = w.shape[:2]
    if padding == "SAME":
        pads = [_same_pads(x.shape[1], kh, stride, dilation), _same_pads(x.shape[2], kw, stride, dilation)]
    elif padding == "VALID":
        pads = [(0, 0), (0, 0)]
    else:
        pads = padding
    xp = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)])
    oh = (xp.shape[1] - (kh - 1) * dilation - 1) // stride + 1
    ow = (xp.shape[2] - (kw - 1) * dilation - 1) // stride + 1
    out = np.zeros((x.shape[0], oh, ow, w.shape[3]))
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    out[:, i, j] += xp[:, i * stride + a * dilation, j * stride + b * dilation] @ w[a, b]
    return out


def _pool_ref(x, k, s, padding, reduce):
    """Each window's reduce over its real entries (padding is never part of a window's values)."""
    if padding == "SAME":
        pads = [_same_pads(x.shape[1], k, s), _same_pads(x.shape[2], k, s)]
    else:
        pads = [(0, 0), (0, 0)]
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)], constant_values=np.nan)
    oh = (xp.shape[1] - k) // s + 1
    ow = (xp.shape[2] - k) // s + 1
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = reduce(xp[:, i * s:i * s + k, j * s:j * s + k], axis=(1, 2))
    return out


def _dropout(x):
    tf.random.set_seed(7)  # the same mask on every call, so finite differences see one function
    return tf.nn.dropout(x, rate=0.5, noise_shape=[None, 1], seed=3)


def _dropout_ref(x):
    tf.random.set_seed(7)
    keep = random_ops.generator(3).random((x.shape[0], 1)) >= 0.5
    return np.where(keep, x * 2.0, 0.0)


ROWS = [
    # activations (samples kept away from the kinks, where finite differences straddle them)
    Row("relu", tf.nn.relu, [away_from(randn(2, 5))], lambda x: np.maximum(x, 0)),
    Row("relu_grad", nn_ops._relu_grad, [randn(6), away_from(randn(6))], lambda g, y: g * (y > 0)),
    Row("relu6", tf.nn.relu6, [away_from(randn(8) * 5, _KINKS)], lambda x: np.clip(x, 0, 6)),
    Row("relu6_grad", nn_ops._relu6_grad, [randn(6), away_from(randn(6) * 5, _KINKS)],
        lambda g, y: g * ((y > 0) & (y < 6))),
    Row("leaky_relu", lambda x: tf.nn.leaky_relu(x, alpha=0.25), [away_from(randn(2, 4))],
        lambda x: np.where(x > 0, x, 0.25 * x)),
    Row("leaky_relu_grad", lambda g, x: nn_ops._leaky_relu_grad(g, x, alpha=0.25), [randn(5), away_from(randn(5))],
        lambda g, x: np.where(x > 0, g, 0.25 * g)),
    Row("elu", tf.nn.elu, [away_from(randn(2, 4))], lambda x: np.where(x < 0, np.expm1(x), x)),
    Row("selu", tf.nn.selu, [away_from(randn(2, 4))],
        lambda x: 1.0507009873554805 * np.where(x < 0, 1.6732632423543772 * np.expm1(x), x)),
    Row("gelu", tf.nn.gelu, [randn(2, 4)], lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))), id="exact"),
    Row("gelu", lambda x: tf.nn.gelu(x, approximate=True), [randn(2, 4)],
        lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))), id="tanh"),
    Row("silu", tf.nn.silu, [randn(2, 4)], lambda x: x * _sigmoid(x)),
    Row("silu", tf.nn.swish, [randn(3), randn()], lambda x, b: x * _sigmoid(b * x), id="swish-beta"),
    # softmax family
    Row("softmax", tf.nn.softmax, [randn(3, 4)], _softmax),
    Row("softmax", lambda x: tf.math.softmax(x, axis=0), [randn(3, 4)], lambda x: _softmax(x, 0), id="axis=0"),
    Row("log_softmax", tf.nn.log_softmax, [randn(3, 4)], _log_softmax),
    Row("log_softmax", lambda x: tf.math.log_softmax(x, axis=1), [randn(2, 3, 4)], lambda x: _log_softmax(x, 1),
        id="axis=1"),
    Row("sigmoid_cross_entropy_with_logits",
        lambda z, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x),
        [randn(2, 3, low=0.0, high=1.0), randn(2, 3) * 3],
        lambda z, x: -z * np.log(_sigmoid(x)) - (1 - z) * np.log(1 - _sigmoid(x))),
    Row("softmax_cross_entropy_with_logits", tf.nn.softmax_cross_entropy_with_logits,
        [_rows_normalised(3, 4), randn(3, 4)], lambda p, x: -(p * _log_softmax(x)).sum(-1)),
    Row("softmax_cross_entropy_with_logits",
        lambda p, x: tf.nn.softmax_cross_entropy_with_logits(tf.transpose(p), x, axis=0),
        [_rows_normalised(3, 4), randn(4, 3)], lambda p, x: -(p.T * _log_softmax(x, 0)).sum(0), id="axis=0"),
    Row("sparse_softmax_cross_entropy_with_logits", tf.nn.sparse_softmax_cross_entropy_with_logits,
        [np.array([[0, 3], [2, 2]]), randn(2, 2, 4)],
        lambda y, x: -np.take_along_axis(_log_softmax(x), y[..., None], -1)[..., 0]),
    # losses and small layers
    Row("l2_loss", tf.nn.l2_loss, [randn(3, 2)], lambda x: (x ** 2).sum() / 2),
    Row("bias_add", tf.nn.bias_add, [randn(2, 3, 4), randn(4)], lambda v, b: v + b),
    Row("bias_add", lambda v, b: tf.nn.bias_add(v, b, data_format="NCHW"), [randn(2, 3, 2, 2), randn(3)],
        lambda v, b: v + b[:, None, None], id="NCHW"),
    Row("where", _dropout, [randn(4, 3)], _dropout_ref, id="dropout-noise_shape"),
    Row("rsqrt", lambda x, m, v, o, s: tf.nn.batch_normalization(x, m, v, o, s, 1e-3),
        [randn(4, 3), randn(3), randn(3, low=0.5, high=2.0), randn(3), randn(3)],
        lambda x, m, v, o, s: (x - m) / np.sqrt(v + 1e-3) * s + o, id="batch_normalization"),
    # convolution: forward, and its two gradient primitives (each differentiable again)
    Row("conv2d", lambda x, w: tf.nn.conv2d(x, w, 1, "VALID"), [randn(2, 4, 4, 2), randn(2, 2, 2, 3)],
        _conv_ref, id="valid"),
    Row("conv2d", lambda x, w: tf.nn.conv2d(x, w, 2, "SAME"), [randn(1, 5, 4, 2), randn(3, 2, 2, 2)],
        lambda x, w: _conv_ref(x, w, 2, "SAME"), id="same-stride2"),
    Row("conv2d", lambda x, w: tf.nn.conv2d(x, w, 1, "SAME", dilations=2), [randn(1, 5, 5, 1), randn(2, 2, 1, 2)],
        lambda x, w: _conv_ref(x, w, 1, "SAME", 2), id="dilated"),
    Row("conv2d", lambda x, w: tf.nn.conv2d(x, w, [1, 2, 1, 1], [[0, 0], [1, 0], [0, 2], [0, 0]]),
        [randn(1, 4, 3, 2), randn(2, 2, 2, 1)], lambda x, w: _conv_ref(x, w, 1, [(1, 0), (0, 2)])[:, ::2],
        id="explicit-pad-strides4"),
    Row("conv2d", lambda x, w: tf.nn.conv2d(x, w, 1, "SAME", data_format="NCHW"),
        [randn(1, 2, 3, 3), randn(3, 3, 2, 2)],
        lambda x, w: _conv_ref(x.transpose(0, 2, 3, 1), w, 1, "SAME").transpose(0, 3, 1, 2), id="NCHW"),
    Row("conv2d", lambda x, w: tf.nn.conv1d(x, w, 2, "SAME"), [randn(2, 5, 2), randn(3, 2, 2)],
        lambda x, w: _conv_ref(x[:, None], w[None], 2, "SAME")[:, 0], id="conv1d"),
    Row("conv2d_backprop_input", lambda g, w: tf.nn.conv2d_transpose(g, w, [1, 5, 4, 2], 2, "SAME"),
        [randn(1, 3, 2, 3), randn(3, 2, 2, 3)],
        lambda g, w: _transpose_ref(lambda x: _conv_ref(x, w, 2, "SAME"), (1, 5, 4, 2), g), id="conv2d_transpose"),
    Row("conv2d_backprop_filter",
        lambda x, g: conv_ops._conv2d_backprop_filter(x, g, filter_shape=(2, 2, 2, 3), strides=(1, 1),
                                                    dilations=(1, 1), pads=((0, 1), (1, 0))),
        [randn(1, 3, 3, 2), randn(1, 3, 3, 3)],
        lambda x, g: _transpose_ref(lambda w: _conv_ref(x, w, 1, [(0, 1), (1, 0)]), (2, 2, 2, 3), g)),
    # pooling
    Row("max_pool", lambda x: tf.nn.max_pool2d(x, 2, 2, "VALID"), [randn(2, 4, 4, 2)],
        lambda x: _pool_ref(x, 2, 2, "VALID", np.nanmax), id="2x2"),
    Row("max_pool", lambda x: tf.nn.max_pool2d(x, 3, 2, "SAME"), [randn(1, 5, 4, 2)],
        lambda x: _pool_ref(x, 3, 2, "SAME", np.nanmax), id="3x3-same-overlapping"),
    Row("max_pool", lambda x: tf.nn.max_pool1d(x, 2, 1, "VALID"), [randn(2, 4, 2)],
        lambda x: np.maximum(x[:, :-1], x[:, 1:]), id="1d"),
    Row("max_pool_grad", lambda x, g: conv_ops._max_pool_grad(x, g, index=np.array([[3, 0], [3, 1]])),
        [randn(2, 2), randn(2, 2)], lambda x, g: np.array([[g[0, 1], g[1, 1]], [0.0, g[0, 0] + g[1, 0]]])),
    Row("max_pool_grad_grad", lambda x, h: conv_ops._max_pool_grad_grad(x, h, index=np.array([3, 0, 3])),
        [randn(2, 2), randn(2, 2)], lambda x, h: h.ravel()[[3, 0, 3]]),
    Row("avg_pool", lambda x: tf.nn.avg_pool2d(x, 2, 2, "VALID"), [randn(1, 4, 4, 2)],
        lambda x: _pool_ref(x, 2, 2, "VALID", np.nanmean), id="2x2"),
    Row("avg_pool", lambda x: tf.nn.avg_pool2d(x, 3, 2, "SAME"), [randn(2, 5, 4, 1)],
        lambda x: _pool_ref(x, 3, 2, "SAME", np.nanmean), id="3x3-same-partial-windows"),
    Row("avg_pool_grad",
        lambda g: conv_ops._avg_pool_grad(g, shape=(1, 5, 4, 1), ksize=(3, 3), strides=(2, 2), pads=((1, 1), (0, 1))),
        [randn(1, 3, 2, 1)],
        lambda g: _transpose_ref(lambda x: _pool_ref(x, 3, 2, "SAME", np.nanmean), (1, 5, 4, 1), g)),
]


def _transpose_ref(linear, shape, g):
    """The adjoint of a linear map, column by column: <g, linear(e_i)> for each unit vector e_i."""
    out = np.zeros(int(np.prod(shape)))
    for i in range(out.size):
        e = np.zeros(out.size)
        e[i] = 1.0
        out[i] = np.sum(g * linear(e.reshape(shape)))
    return out.reshape(shape)
