"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate.

Each is called on a list of tensors, never on one tensor: ``Add()(x)`` would otherwise reduce
over the batch rows (``x[0] + x[1] + ...``) without a word. As in Keras 3, the shapes are checked
when the layer is built (so a functional model fails where it is defined), inputs of lower rank
are expanded at axis 1 to the highest rank, and a list of one tensor returns that tensor
(except for Subtract, which takes exactly two).

>>> import tapegrad as tf
>>> tf.keras.layers.Add()([tf.ones((2, 3)), tf.ones((2, 3))]).numpy()[0]
array([2., 2., 2.], dtype=float32)
"""
import numpy as np

from ...ops.shape_ops import cast, concat, expand_dims
from ... import math as tmath

from ..arguments import axis_arg, check_axis
from .input_spec import shape_of
from .layer import Layer


def _broadcast_dims(layer, shapes):
    """The element-wise result shape (without the batch axis) of ``shapes``, or a ValueError."""
    out = ()
    for shape in shapes:
        a, b = (out, shape) if len(out) >= len(shape) else (shape, out)
        merged = list(a[:len(a) - len(b)])
        for i, j in zip(a[len(a) - len(b):], b):
            if i is not None and j is not None and 1 not in (i, j) and i != j:
                raise ValueError(f"{type(layer).__name__} '{layer.name}': the inputs' shapes do not broadcast "
                                 f"together (after the batch axis); received input shapes "
                                 f"{', '.join(str(s) for s in layer._shapes_seen)}")
            merged.append(None if None in (i, j) else max(i, j) if 1 in (i, j) else i)
        out = tuple(merged)
    return out


def _promote(inputs):
    """The inputs in one dtype, as Keras' ops promote them: an int and a float input give the
    float (the widest float among them), ints of different widths the widest int."""
    dtypes = {x._value.dtype for x in inputs}
    if len(dtypes) == 1:
        return list(inputs)
    floats = [d for d in dtypes if d.kind == "f"]
    target = max(floats, key=lambda d: d.itemsize) if floats else np.result_type(*dtypes)
    return [x if x._value.dtype == target else cast(x, target.name) for x in inputs]


class Merge(Layer):
    """Base of the element-wise merges: ``_merge(list_of_tensors)`` does the work."""

    _inputs_range = (1, None)  # how many inputs the layer takes (min, max)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _input_shapes(self, inputs_or_shapes, are_shapes):
        """The inputs' shapes, after checking that they are a list of the right length."""
        if not isinstance(inputs_or_shapes, (list, tuple)) or (
                are_shapes and inputs_or_shapes and not isinstance(inputs_or_shapes[0], (list, tuple))):
            if isinstance(inputs_or_shapes, dict):
                received = f"a dict with keys {sorted(inputs_or_shapes)}"
            else:
                shape = inputs_or_shapes if are_shapes else shape_of(inputs_or_shapes)
                received = f"one input of shape {tuple(shape)}"
            raise ValueError(f"{type(self).__name__} '{self.name}': a merge layer must be called on a list of "
                             f"inputs; received {received}. Pass a list: layer([x, y]).")
        if not are_shapes and any(x is None for x in inputs_or_shapes):
            raise ValueError(f"{type(self).__name__} '{self.name}': every input must be a tensor; received None "
                             f"at position {[x is None for x in inputs_or_shapes].index(True)}")
        shapes = [tuple(s) for s in inputs_or_shapes] if are_shapes else [shape_of(x) for x in inputs_or_shapes]
        low, high = self._inputs_range
        if len(shapes) < low or (high is not None and len(shapes) > high):
            expected = f"exactly {low}" if low == high else f"at least {low}"
            raise ValueError(f"{type(self).__name__} '{self.name}': expected {expected} inputs; received "
                             f"{len(shapes)} inputs of shapes {shapes}")
        return shapes

    def build(self, input_shape):
        shapes = self._input_shapes(input_shape, are_shapes=True)
        self._check_batch_sizes(shapes)
        object.__setattr__(self, "_shapes_seen", shapes)
        _broadcast_dims(self, [s[1:] for s in shapes])

    def _check_batch_sizes(self, shapes):
        if len({s[0] for s in shapes if s} - {None}) > 1:
            raise ValueError(f"{type(self).__name__} '{self.name}': cannot merge inputs of different batch "
                             f"sizes; received input shapes {', '.join(str(s) for s in shapes)}")

    def call(self, inputs):
        self._input_shapes(inputs, are_shapes=False)
        inputs = _promote(inputs)
        rank = max(x.ndim for x in inputs)
        for i, x in enumerate(inputs):
            while x.ndim < rank:  # Keras: a lower-rank input gains axes after the batch axis
                x = expand_dims(x, 1)
            inputs[i] = x
        return self._merge(inputs)

    def _merge(self, inputs):
        raise NotImplementedError


class Add(Merge):
    """Element-wise sum of a list of inputs."""

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out


class Subtract(Merge):
    """``inputs[0] - inputs[1]`` (exactly two inputs)."""

    _inputs_range = (2, 2)

    def _merge(self, inputs):
        return inputs[0] - inputs[1]


class Multiply(Merge):
    """Element-wise product of a list of inputs."""

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out * x
        return out


class Average(Merge):
    """Element-wise mean of a list of inputs."""

    def _merge(self, inputs):
        return Add._merge(self, inputs) / float(len(inputs))


class Maximum(Merge):
    """Element-wise maximum of a list of inputs."""

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = tmath.maximum(out, x)
        return out


class Minimum(Merge):
    """Element-wise minimum of a list of inputs."""

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = tmath.minimum(out, x)
        return out


class Concatenate(Merge):
    """Concatenation of a list of inputs along ``axis``; every other dimension must match."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis_arg(self, "axis", axis)

    def build(self, input_shape):
        shapes = self._input_shapes(input_shape, are_shapes=True)
        self._check_batch_sizes(shapes)
        ranks = {len(s) for s in shapes}
        rank = max(ranks)
        axis = check_axis(self, "axis", self.axis, rank)
        mismatch = len(ranks) > 1 or any(
            len({s[d] for s in shapes} - {None}) > 1 for d in range(rank) if d != axis)
        if mismatch:
            raise ValueError(f"{type(self).__name__} '{self.name}': the inputs' shapes must match except on "
                             f"the concatenation axis ({self.axis}); received input shapes "
                             f"{', '.join(str(s) for s in shapes)}")

    def call(self, inputs):
        self._input_shapes(inputs, are_shapes=False)
        return concat(_promote(inputs), self.axis)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
