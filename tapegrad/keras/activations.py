"""Activations (``keras.activations``), by name or as functions.

``softmax`` and ``sigmoid`` remember their logits on the output, as Keras 3 does, so that the
crossentropy losses compute from the logits (no clipping, no saturation) even when called with
``from_logits=False`` -- this is why a model ending in ``Dense(n, activation="softmax")``
trains the same as one ending in logits with ``from_logits=True``.

>>> import tapegrad as tf
>>> tf.keras.activations.relu(tf.constant([-1.0, 2.0])).numpy()
array([0., 2.], dtype=float32)
"""
import math

from ..ops.creation_ops import zeros_like
from ..ops.indexing_ops import where
from ..ops.math_ops import clip_by_value
from ..ops.reduction_ops import reduce_logsumexp
from .. import math as tmath, nn as tnn

from . import _ops
from .serialization import deserialize_keras_object


def linear(x):
    return x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    x = _ops.convert(x)
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return tnn.relu(x)
    if threshold != 0.0:
        out = where(x > threshold, x, zeros_like(x))
    else:
        out = tnn.relu(x)
    if negative_slope:
        out = out + negative_slope * where(x < threshold, x - threshold, zeros_like(x))
    if max_value is not None:
        out = tmath.minimum(out, float(max_value))
    return out


def relu6(x):
    return tnn.relu6(_ops.convert(x))


def leaky_relu(x, negative_slope=0.2):
    return tnn.leaky_relu(_ops.convert(x), alpha=negative_slope)


def elu(x, alpha=1.0):
    x = _ops.convert(x)
    return tnn.elu(x) if alpha == 1.0 else where(x > 0, x, alpha * (tmath.exp(tmath.minimum(x, 0.0)) - 1.0))


def selu(x):
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946
    x = _ops.convert(x)
    return scale * where(x > 0, x, alpha * (tmath.exp(tmath.minimum(x, 0.0)) - 1.0))


def sigmoid(x):
    x = _ops.convert(x)
    return _ops.with_logits(tmath.sigmoid(x), x)


def hard_sigmoid(x):
    x = _ops.convert(x)
    return clip_by_value(x / 6.0 + 0.5, 0.0, 1.0)


def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` over ``axis``; a list of axes normalises over all of them jointly."""
    x = _ops.convert(x)
    if isinstance(axis, (list, tuple)):
        return _ops.with_logits(tmath.exp(x - reduce_logsumexp(x, axis=list(axis), keepdims=True)), x)
    return _ops.with_logits(tnn.softmax(x, axis=axis), x)


def log_softmax(x, axis=-1):
    return tnn.log_softmax(_ops.convert(x), axis=axis)


def tanh(x):
    return tmath.tanh(_ops.convert(x))


def softplus(x):
    return tnn.softplus(_ops.convert(x))


def softsign(x):
    x = _ops.convert(x)
    return x / (1.0 + tmath.abs(x))


def silu(x):
    x = _ops.convert(x)
    return x * tmath.sigmoid(x)


swish = silu


def gelu(x, approximate=False):
    x = _ops.convert(x)
    if approximate:
        c = math.sqrt(2.0 / math.pi)
        return 0.5 * x * (1.0 + tmath.tanh(c * (x + 0.044715 * x * x * x)))
    return 0.5 * x * (1.0 + tmath.erf(x / math.sqrt(2.0)))


def exponential(x):
    return tmath.exp(_ops.convert(x))


ALL_OBJECTS_DICT = {f.__name__: f for f in (linear, relu, relu6, leaky_relu, elu, selu, sigmoid, hard_sigmoid,
                                             softmax, log_softmax, tanh, softplus, softsign, silu, gelu, exponential)}
ALL_OBJECTS_DICT["swish"] = silu


def serialize(activation):
    return getattr(activation, "__name__", activation)


def deserialize(config, custom_objects=None):
    return deserialize_keras_object(config, ALL_OBJECTS_DICT, custom_objects, "activation function")


def get(identifier):
    """An activation function from a name (``"relu"``), a function, or None (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")
