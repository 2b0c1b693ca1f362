"""``keras.layers.InputSpec``: what a layer accepts (rank, fixed axis sizes), checked at each call."""
import numpy as np


def shape_of(x):
    """A shape tuple (ints, None for unknown) of a tensor, array or KerasTensor."""
    shape = getattr(x, "shape", None)
    if shape is None:
        shape = np.shape(x)
    return tuple(None if d is None else int(d) for d in shape)


class InputSpec:
    """What a layer accepts: ``ndim``, ``min_ndim``, ``max_ndim`` and fixed ``axes`` sizes."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
                 allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype, self.shape, self.name, self.optional = dtype, shape, name, optional
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.axes = dict(axes or {})

    def check(self, layer_name, shape):
        rank = len(shape)
        prefix = f'Input 0 of layer "{layer_name}" is incompatible with the layer: '
        if self.ndim is not None and rank != self.ndim:
            raise ValueError(prefix + f"expected ndim={self.ndim}, found ndim={rank}. Full shape received: {shape}")
        if self.min_ndim is not None and rank < self.min_ndim:
            raise ValueError(prefix + f"expected min_ndim={self.min_ndim}, found ndim={rank}. "
                                      f"Full shape received: {shape}")
        if self.max_ndim is not None and rank > self.max_ndim:
            raise ValueError(prefix + f"expected max_ndim={self.max_ndim}, found ndim={rank}. "
                                      f"Full shape received: {shape}")
        for axis, value in self.axes.items():
            if value is not None and -rank <= axis < rank and shape[axis] not in (value, None):
                raise ValueError(prefix + f"expected axis {axis} of input shape to have value {value}, "
                                          f"but received input with shape {shape}")
