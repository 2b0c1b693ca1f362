"""Conv2D and the 2-D pooling layers (channels_last, as Keras' default).

They call ``tapegrad.nn.conv2d`` / ``max_pool2d`` / ``avg_pool2d`` (TensorFlow's padding rules).
"""
from ...ops.shape_ops import cast, reshape
from ...ops.conv_ops import avg_pool2d, conv2d, max_pool2d
from ...ops.creation_ops import zeros
from ...ops.reduction_ops import reduce_any, reduce_max, reduce_mean

from ..arguments import data_format as data_format_arg, int_tuple, positive_int
from .core import add_kernel_and_bias, kernel_options_config, set_kernel_options
from .input_spec import InputSpec
from .layer import Layer


def _padding(layer, padding):
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"{type(layer).__name__} '{layer.name}': `padding` must be one of 'valid', 'same'; "
                         f"received padding={padding!r}")
    return padding.lower()


def _channels_last_only(data_format, layer):
    data_format = data_format_arg(layer, data_format)
    if data_format != "channels_last":
        raise NotImplementedError(f"{type(layer).__name__} '{layer.name}': only data_format='channels_last' is "
                                  f"supported by tapegrad.keras")
    return data_format


_REQUIRED = object()  # AveragePooling2D's pool_size has no default (Keras 3)


class Conv2D(Layer):
    """2-D convolution: ``kernel`` (kh, kw, in_channels, filters) and ``bias`` (filters,)."""

    _input_kind = "tensor"

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1),
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if groups != 1:
            raise NotImplementedError("Conv2D(groups > 1) is not supported by tapegrad.keras")
        self.rank = 2
        self.filters = positive_int(self, "filters", filters)
        self.groups = groups
        self.kernel_size = int_tuple(self, "kernel_size", kernel_size, 2)
        self.strides = int_tuple(self, "strides", strides, 2)
        self.padding = _padding(self, padding)
        self.data_format = _channels_last_only(data_format, self)
        self.dilation_rate = int_tuple(self, "dilation_rate", dilation_rate, 2)
        set_kernel_options(self, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                           bias_regularizer, kernel_constraint, bias_constraint)
        self.input_spec = InputSpec(min_ndim=4)

    def build(self, input_shape):
        in_channels = input_shape[-1]
        add_kernel_and_bias(self, self.kernel_size + (in_channels, self.filters), self.filters)
        self.input_spec = InputSpec(min_ndim=4, axes={-1: in_channels})

    def call(self, inputs):
        if not inputs.dtype.is_floating:  # Keras' convolution refuses them too (no silent cast)
            raise ValueError(f"Conv2D '{self.name}': the input must be a floating-point tensor; received "
                             f"{inputs.dtype.name} (cast it first: tf.cast(images, 'float32'))")
        if inputs.dtype != self.kernel.dtype:
            inputs = cast(inputs, self.kernel.dtype)
        out = conv2d(inputs, self.kernel, strides=list(self.strides), padding=self.padding.upper(),
                           dilations=list(self.dilation_rate))
        if self.bias is not None:
            out = out + reshape(self.bias, (1, 1, 1, self.filters))
        if self.activation is not None:
            out = self.activation(out)
        return out

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": self.data_format, "dilation_rate": self.dilation_rate,
            "groups": self.groups, **kernel_options_config(self),
            "activity_regularizer": None,
        })
        return config


class _Pooling2D(Layer):
    _pool = None
    _input_kind = "tensor"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = int_tuple(self, "pool_size", pool_size, 2)
        self.strides = self.pool_size if strides is None else int_tuple(self, "strides", strides, 2)
        self.padding = _padding(self, padding)
        self.data_format = _channels_last_only(data_format, self)
        self.input_spec = InputSpec(ndim=4)
        self.built = True

    def call(self, inputs):
        if self.padding == "valid" and any(w > d for w, d in zip(self.pool_size, inputs.shape[1:3])):
            # No window fits: Keras' answer is an empty image (the op refuses a window larger than its input).
            sizes = [max(0, (d - w) // s + 1) for d, w, s in zip(inputs.shape[1:3], self.pool_size, self.strides)]
            return zeros([inputs.shape[0]] + sizes + [inputs.shape[3]], inputs.dtype)
        return self._pool(inputs, list(self.pool_size), list(self.strides), self.padding.upper())

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "padding": self.padding, "strides": self.strides,
                       "data_format": self.data_format})
        return config


class MaxPooling2D(_Pooling2D):
    """Maximum over ``pool_size`` windows (``tapegrad.nn.max_pool2d``)."""
    _pool = staticmethod(max_pool2d)


class AveragePooling2D(_Pooling2D):
    """Mean over ``pool_size`` windows (``tapegrad.nn.avg_pool2d``); ``pool_size`` is required (Keras 3)."""

    def __init__(self, pool_size=_REQUIRED, strides=None, padding="valid", data_format=None, **kwargs):
        if pool_size is _REQUIRED:  # Python's own "missing argument" would not name the alias AvgPool2D
            raise TypeError("AveragePooling2D (AvgPool2D): missing the required argument `pool_size` "
                            "(an int or a tuple of 2 ints)")
        super().__init__(pool_size, strides, padding, data_format, **kwargs)

    _pool = staticmethod(avg_pool2d)


class GlobalAveragePooling2D(Layer):
    """Mean over height and width: ``(b, h, w, c)`` -> ``(b, c)`` (or ``(b, 1, 1, c)`` with keepdims).
    Integer and bool images give the layer's float dtype (a mean is not an integer), as Keras."""

    _input_kind = "tensor"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _channels_last_only(data_format, self)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=4)
        self.built = True

    def call(self, inputs):
        if not inputs.dtype.is_floating:
            inputs = cast(inputs, self._dtype)
        return reduce_mean(inputs, axis=[1, 2], keepdims=self.keepdims)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


class GlobalMaxPooling2D(GlobalAveragePooling2D):
    """Maximum over height and width (in the input's dtype; for bools: any)."""

    def call(self, inputs):
        if inputs.dtype == "bool":
            return reduce_any(inputs, axis=[1, 2], keepdims=self.keepdims)
        return reduce_max(inputs, axis=[1, 2], keepdims=self.keepdims)


MaxPool2D, AvgPool2D, GlobalAvgPool2D = MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D
