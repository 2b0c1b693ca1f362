"""BatchNormalization and LayerNormalization, with Keras 3's formulas.

BatchNormalization keeps ``moving_mean`` / ``moving_variance`` as non-trainable weights and
updates them only when called with ``training=True`` *and* the layer is trainable: a frozen
BatchNormalization (``layer.trainable = False``) runs in inference mode, as in Keras 3.
"""
from ...ops.shape_ops import cast, reshape
from ...ops.nn_ops import batch_normalization
from ...ops.reduction_ops import moments
from ... import math as tmath

from .. import initializers
from ..arguments import axis_arg, check_axis, number
from .core import set_weight_options, weight_options_config
from .input_spec import InputSpec
from .layer import Layer


def _add_gamma_and_beta(layer, shape, with_gamma, with_beta):
    """Build ``layer.gamma`` (the scale) and ``layer.beta`` (the offset) of ``shape`` from the
    layer's options; each is None when not asked for."""
    layer.gamma = layer.beta = None
    if with_gamma:
        layer.gamma = layer.add_weight(shape=shape, name="gamma", initializer=layer.gamma_initializer,
                                       regularizer=layer.gamma_regularizer, constraint=layer.gamma_constraint,
                                       trainable=True, autocast=False)
    if with_beta:
        layer.beta = layer.add_weight(shape=shape, name="beta", initializer=layer.beta_initializer,
                                      regularizer=layer.beta_regularizer, constraint=layer.beta_constraint,
                                      trainable=True, autocast=False)


class BatchNormalization(Layer):
    """Normalize with the batch's statistics in training, the moving ones in inference.

    Training: ``moving = moving * momentum + batch_stat * (1 - momentum)``; the variance is the
    biased one (divided by the batch size), as Keras 3. Integer and bool inputs are normalized
    in the layer's float dtype.
    """

    _input_kind = "tensor"

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 synchronized=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis_arg(self, "axis", axis)
        self.momentum = number(self, "momentum", momentum)
        self.epsilon = number(self, "epsilon", epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        set_weight_options(self, beta=(beta_initializer, beta_regularizer, beta_constraint),
                           gamma=(gamma_initializer, gamma_regularizer, gamma_constraint))
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.synchronized = synchronized
        self.supports_masking = True
        self.gamma = None
        self.beta = None

    def build(self, input_shape):
        check_axis(self, "axis", self.axis, len(input_shape))
        shape = (input_shape[self.axis],)
        _add_gamma_and_beta(self, shape, self.scale, self.center)
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean", initializer=self.moving_mean_initializer,
                                           trainable=False, autocast=False)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               initializer=self.moving_variance_initializer, trainable=False,
                                               autocast=False)
        rank = len(input_shape)
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: input_shape[self.axis]})
        axis = self.axis % rank
        self._reduction_axes = [i for i in range(rank) if i != axis]
        self._broadcast_shape = [1] * rank
        self._broadcast_shape[axis] = input_shape[axis]

    def call(self, inputs, training=None, mask=None):
        if mask is not None:
            raise NotImplementedError("BatchNormalization with a mask is not supported by tapegrad.keras")
        if not inputs.dtype.is_floating:  # a normalized value is a fraction: Keras casts too
            inputs = cast(inputs, self.dtype)
        if training and self.trainable:
            mean, variance = moments(inputs, axes=self._reduction_axes)
            self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
            self.moving_variance.assign(self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
        else:
            mean, variance = self.moving_mean, self.moving_variance
        gamma, beta = self.gamma, self.beta
        if self.axis % inputs.ndim != inputs.ndim - 1:  # broadcast the per-channel values
            mean, variance = reshape(mean, self._broadcast_shape), reshape(variance, self._broadcast_shape)
            gamma = None if gamma is None else reshape(gamma, self._broadcast_shape)
            beta = None if beta is None else reshape(beta, self._broadcast_shape)
        return batch_normalization(inputs, mean, variance, beta, gamma, self.epsilon)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon, "center": self.center,
            "scale": self.scale,
            **weight_options_config(self, "beta", "gamma"),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "synchronized": self.synchronized,
        })
        return config


class LayerNormalization(Layer):
    """Normalize each example over ``axis``: ``x * inv + (beta - mean * inv)``, inv = gamma / sqrt(var + eps).
    The input must be floating-point."""

    _input_kind = "tensor"

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis_arg(self, "axis", axis, allow_list=True)
        self.epsilon = number(self, "epsilon", epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.rms_scaling = bool(rms_scaling)
        set_weight_options(self, beta=(beta_initializer, beta_regularizer, beta_constraint),
                           gamma=(gamma_initializer, gamma_regularizer, gamma_constraint))
        self.supports_masking = True

    def build(self, input_shape):
        axes = check_axis(self, "axis", self.axis, len(input_shape))
        self.axis = sorted(axes if isinstance(axes, list) else [axes])
        shape = tuple(input_shape[a] for a in self.axis)
        _add_gamma_and_beta(self, shape, self.scale or self.rms_scaling, self.center and not self.rms_scaling)

    def call(self, inputs):
        if not inputs.dtype.is_floating:
            # Keras normalizes integers in integer arithmetic (the variance of [0, 1, 2] truncates
            # to 0, giving [-1, 0, 1]); no answer here would be Keras' and right at once.
            raise TypeError(f"LayerNormalization '{self.name}': the input must be a floating-point tensor; "
                            f"received {inputs.dtype.name} (cast it first: tf.cast(x, 'float32'))")
        ndims = inputs.ndim
        broadcast_shape = [1] * ndims
        for a in self.axis:
            broadcast_shape[a] = inputs.shape[a]

        def broadcast(v):
            if v is not None and v.ndim != ndims and self.axis != [ndims - 1]:
                return reshape(v, broadcast_shape)
            return v
        if self.rms_scaling:
            _, variance = moments(inputs, axes=self.axis, keepdims=True)
            out = inputs * tmath.rsqrt(variance + self.epsilon)
            return out if self.gamma is None else out * broadcast(self.gamma)
        mean, variance = moments(inputs, axes=self.axis, keepdims=True)
        inv = tmath.rsqrt(variance + self.epsilon)
        gamma, beta = broadcast(self.gamma), broadcast(self.beta)
        if gamma is not None:
            inv = inv * gamma
        res = -mean * inv
        if beta is not None:
            res = res + beta
        return inputs * inv + res

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis, "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            **weight_options_config(self, "beta", "gamma"),
        })
        return config
