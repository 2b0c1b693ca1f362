"""Core layers: Input/InputLayer, Dense, Embedding, Activation, Dropout, Flatten, Reshape, Lambda, merges.

Each ``call`` is Keras 3's, on tapegrad ops.
"""
import warnings

import numpy as np

from ...ops.indexing_ops import gather, where
from ...ops.shape_ops import cast, reshape, transpose
from ...ops.creation_ops import constant
from ...ops.linalg_ops import matmul
from ... import math as tmath

from .. import activations, backend, initializers, regularizers
from ..functional import KerasTensor, Node
from ..arguments import (axis_arg, check_axis, constraint, data_format as data_format_arg, is_int, number,
                         positive_int, rate as rate_arg, shape_arg)
from .input_spec import InputSpec
from .layer import Layer


# -- inputs ---------------------------------------------------------------------------------------

class InputLayer(Layer):
    """The entry of a functional model: holds the symbolic input ``output`` (a KerasTensor)."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, input_tensor=None,
                 optional=False, name=None, **kwargs):
        kwargs.pop("ragged", None)
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        super().__init__(name=name, dtype=dtype, **kwargs)
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
        if batch_shape is None:
            if shape is None and input_tensor is None:
                raise ValueError("You must pass a `shape` argument.")
            if shape is not None:
                shape = shape_arg(self, "shape", shape, allow_none=True)  # 3 is no shape: (3,) is, as Keras 3
                batch_shape = (batch_size,) + shape
            else:
                batch_shape = tuple(input_tensor.shape)
        self.batch_shape = shape_arg(self, "batch_shape", batch_shape, allow_none=True)
        self._dtype = backend.standardize_dtype(dtype)
        self.sparse = bool(sparse)
        self.optional = optional
        tensor = input_tensor if isinstance(input_tensor, KerasTensor) else KerasTensor(
            self.batch_shape, dtype=self._dtype, sparse=self.sparse, name=self.name)
        Node(self, (), {}, tensor)
        self.built = True

    def call(self):
        return None

    @property
    def output(self):
        return self._inbound_nodes[0].outputs

    def get_config(self):
        return {"batch_shape": self.batch_shape, "dtype": self._dtype, "sparse": self.sparse, "ragged": False,
                "name": self.name, "optional": self.optional}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """A symbolic input (``keras.Input((3,))``): a KerasTensor of shape ``(None, 3)``.

    >>> from tapegrad import keras
    >>> keras.Input((3,)).shape
    (None, 3)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse, batch_shape=batch_shape,
                       name=name, input_tensor=tensor, optional=optional)
    return layer.output


# -- dense ----------------------------------------------------------------------------------------

def _warn_input_shape(layer):
    if layer._input_shape_arg is not None:
        warnings.warn("Do not pass an `input_shape`/`input_dim` argument to a layer. When using Sequential "
                      "models, prefer using an `Input(shape)` object as the first layer in the model instead.",
                      UserWarning, stacklevel=3)


def set_weight_options(layer, **weights):
    """Each weight's options as Keras resolves them: ``name=(initializer, regularizer, constraint)``
    sets ``layer.<name>_initializer``, ``<name>_regularizer`` and ``<name>_constraint``."""
    for name, (initializer, regularizer, constraint_) in weights.items():
        setattr(layer, f"{name}_initializer", initializers.get(initializer))
        setattr(layer, f"{name}_regularizer", regularizers.get(regularizer))
        setattr(layer, f"{name}_constraint", constraint(constraint_))


def weight_options_config(layer, *names):
    """The options of ``set_weight_options`` for ``names`` in a config: the initializers, the
    regularizers, then the constraints (None: they are not serialized)."""
    config = {f"{n}_initializer": initializers.serialize(getattr(layer, f"{n}_initializer")) for n in names}
    config.update({f"{n}_regularizer": regularizers.serialize(getattr(layer, f"{n}_regularizer")) for n in names})
    config.update({f"{n}_constraint": None for n in names})
    return config


def set_kernel_options(layer, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                       bias_regularizer, kernel_constraint, bias_constraint):
    """The activation and the kernel/bias options of a layer with a ``kernel`` and an optional
    ``bias`` (Dense, Conv2D), as Keras resolves them."""
    layer.activation = activations.get(activation)
    layer.use_bias = bool(use_bias)
    set_weight_options(layer, kernel=(kernel_initializer, kernel_regularizer, kernel_constraint),
                       bias=(bias_initializer, bias_regularizer, bias_constraint))


def add_kernel_and_bias(layer, kernel_shape, units):
    """Build ``layer.kernel`` and ``layer.bias`` (``(units,)``; None without ``use_bias``)."""
    layer.kernel = layer.add_weight(name="kernel", shape=kernel_shape, initializer=layer.kernel_initializer,
                                    regularizer=layer.kernel_regularizer, constraint=layer.kernel_constraint)
    layer.bias = None
    if layer.use_bias:
        layer.bias = layer.add_weight(name="bias", shape=(units,), initializer=layer.bias_initializer,
                                      regularizer=layer.bias_regularizer, constraint=layer.bias_constraint)


def kernel_options_config(layer):
    """The options of ``set_kernel_options`` in a config (constraints are not serialized)."""
    return {"activation": activations.serialize(layer.activation), "use_bias": layer.use_bias,
            **weight_options_config(layer, "kernel", "bias")}


def _matmul_last(x, kernel):
    """``x @ kernel`` over the last axis of ``x`` (any rank >= 2). Integer inputs are cast to the
    kernel's dtype first: Keras keeps them integer at the layer's door and its matmul promotes."""
    if x.dtype != kernel.dtype:
        x = cast(x, kernel.dtype)
    if x.ndim == 2:
        return matmul(x, kernel)
    lead = tuple(x.shape[:-1])
    out = matmul(reshape(x, (-1, x.shape[-1])), kernel)
    return reshape(out, lead + (kernel.shape[-1],))


class Dense(Layer):
    """``activation(inputs @ kernel + bias)``: weights ``kernel`` (in, units) and ``bias`` (units,).

    >>> import tapegrad as tf
    >>> layer = tf.keras.layers.Dense(2, kernel_initializer="ones")
    >>> layer(tf.ones((1, 3))).numpy()
    array([[3., 3.]], dtype=float32)
    """

    _input_kind = "tensor"

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, quantization_config=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if quantization_config is not None:
            raise NotImplementedError("Dense(quantization_config=...) is not supported by tapegrad.keras")
        _warn_input_shape(self)
        self.units = positive_int(self, "units", units)
        set_kernel_options(self, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                           bias_regularizer, kernel_constraint, bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        add_kernel_and_bias(self, (input_dim, self.units), self.units)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})

    def call(self, inputs, training=None):
        x = _matmul_last(inputs, self.kernel)
        if self.bias is not None:
            x = x + self.bias
        if self.activation is not None:
            x = self.activation(x)
        return x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units, **kernel_options_config(self),
                       "quantization_config": None})
        return config


class Embedding(Layer):
    """Rows of ``embeddings`` (input_dim, output_dim) at integer ``inputs``; its gradient is sparse
    (IndexedSlices: only the rows looked up) when the engine's ``gather`` gives one."""

    _input_kind = "tensor"

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None, **kwargs):
        input_length = kwargs.pop("input_length", None)
        if input_length is not None:
            warnings.warn("Argument `input_length` is deprecated. Just remove it.", UserWarning, stacklevel=2)
        super().__init__(**kwargs)
        self.input_dim = positive_int(self, "input_dim", input_dim)
        self.output_dim = positive_int(self, "output_dim", output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraint(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.autocast = False
        if weights is not None:
            self.build()
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim), initializer=self.embeddings_initializer,
                                          name="embeddings", regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint, trainable=True)

    def call(self, inputs):
        if inputs.dtype not in ("int32", "int64"):
            inputs = cast(inputs, "int32")
        if (inputs._value < 0).any():  # Keras' take wraps a negative index (-1: the last row), as NumPy
            wrap = tmath.logical_and(inputs < 0, inputs >= -self.input_dim)  # others stay, for gather's error
            inputs = where(wrap, inputs + self.input_dim, inputs)
        return gather(self.embeddings, inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim, "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": None, "embeddings_constraint": None, "mask_zero": self.mask_zero,
        })
        return config


# -- activation, dropout, shapes ------------------------------------------------------------------

class Activation(Layer):
    """Applies an activation function (``"relu"``, ``"softmax"``, a callable)."""

    _input_kind = "stackable"

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)
        self.built = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


def _relu_option(layer, arg, value):
    """``max_value`` (None: no cap), ``negative_slope`` or ``threshold``: a number >= 0."""
    if value is None and arg == "max_value":
        return None
    return number(layer, arg, value, minimum=0)


class ReLU(Activation):
    """``relu`` with Keras' options: ``max_value`` caps the output, ``x < threshold`` gives
    ``negative_slope * (x - threshold)``."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__("relu", **kwargs)
        self.max_value = _relu_option(self, "max_value", max_value)
        self.negative_slope = _relu_option(self, "negative_slope", negative_slope)
        self.threshold = _relu_option(self, "threshold", threshold)
        self.built = True

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def get_config(self):
        config = Layer.get_config(self)
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config


class Softmax(Layer):
    """``softmax`` over ``axis`` (an int, a list of ints, or None: every axis)."""

    _input_kind = "tensor"

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = None if axis is None else axis_arg(self, "axis", axis, allow_list=True)
        self.built = True

    def call(self, inputs):
        axis = list(range(inputs.ndim)) if self.axis is None else check_axis(self, "axis", self.axis, inputs.ndim)
        return activations.softmax(inputs, axis=axis)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


def _noise_shape(layer, noise_shape):
    """Dropout's ``noise_shape``: ints, None where the input's dimension is taken."""
    if not isinstance(noise_shape, (tuple, list)) or not all(d is None or (is_int(d) and d > 0)
                                                             for d in noise_shape):
        raise ValueError(f"Dropout '{layer.name}': `noise_shape` must be a tuple of positive integers or None; "
                         f"received noise_shape={noise_shape!r}")
    return tuple(noise_shape)


class Dropout(Layer):
    """In training, zero each input with probability ``rate`` and scale the rest by ``1/(1-rate)``.

    The mask is drawn from this layer's own random stream: seeded by ``seed``, else by a seed
    taken from tapegrad's global stream when the layer is made (``tapegrad.random.set_seed``
    makes it reproducible). The numbers differ from TensorFlow's; the distribution is the same.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate_arg(self, "rate", rate)
        if noise_shape is not None:
            noise_shape = _noise_shape(self, noise_shape)
        if seed is not None and not is_int(seed):
            raise ValueError(f"Dropout '{self.name}': `seed` must be an integer or None; received seed={seed!r}")
        self.seed = seed
        self.noise_shape = noise_shape
        self._rng = np.random.default_rng(initializers.make_default_seed() if seed is None else seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate <= 0:
            return inputs
        if self.rate >= 1:
            return inputs * 0.0
        shape = tuple(inputs.shape)
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for s, n in zip(shape, self.noise_shape))
        keep = (self._rng.random(shape) >= self.rate).astype(inputs.dtype.name)
        return inputs * (1.0 / (1.0 - self.rate)) * constant(keep)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return config


class Flatten(Layer):
    """``(batch, d1, d2, ...)`` -> ``(batch, d1 * d2 * ...)``."""

    _input_kind = "tensor"

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format_arg(self, data_format)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        shape = tuple(inputs.shape)
        if self.data_format == "channels_first" and len(shape) > 2:
            inputs = transpose(inputs, [0] + list(range(2, len(shape))) + [1])
        rest = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        return reshape(inputs, (shape[0], rest))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], None if None in rest else int(np.prod(rest)))

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    """Reshape to ``(batch,) + target_shape`` (one entry may be -1)."""

    _input_kind = "tensor"

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = shape_arg(self, "target_shape", target_shape, allow_unknown=True)
        self.input_spec = InputSpec(min_ndim=1)  # the batch axis is kept
        self.built = True

    def call(self, inputs):
        return reshape(inputs, (inputs.shape[0],) + self.target_shape)

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config


class Lambda(Layer):
    """Wraps a function of tensors as a layer (``Lambda(lambda x: x * 2)``)."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda '{self.name}': `function` must be callable; received function={function!r}")
        self.function = function
        self.arguments = arguments or {}
        self._output_shape = output_shape

    def call(self, inputs):
        try:
            return self.function(inputs, **self.arguments)
        except (TypeError, ValueError) as e:
            if type(e) not in (TypeError, ValueError):  # a subclass may take other arguments: keep it
                raise
            # As Keras: say which layer's function failed on which input (the user's code raised).
            raise type(e)(f"Exception encountered when calling Lambda '{self.name}' on an input of type "
                          f"{type(inputs).__name__}: {e}") from e

    def get_config(self):
        raise NotImplementedError("Lambda layers hold Python code and are not serialized by tapegrad.keras "
                                  "(loading must never execute code). Write a Layer subclass instead.")
