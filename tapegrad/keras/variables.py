"""``keras.Variable``: a tapegrad Variable with Keras 3's name, path and trainable flag.

As in Keras 3 on TensorFlow, two flags are kept apart:

- ``variable.trainable`` is Keras' flag. ``layer.trainable = False`` sets it on the layer's
  weights; it decides ``layer.trainable_weights`` and what ``fit`` trains.
- the engine's watch flag (the underlying ``tf.Variable``'s ``trainable``) is fixed when the
  variable is created: a tape auto-watches a weight created trainable even after its layer is
  frozen, so ``tape.gradient(loss, frozen_layer.kernel)`` is a gradient, not None -- exactly
  what TensorFlow returns. A weight created with ``trainable=False`` (BatchNormalization's
  moving statistics) is never auto-watched.

>>> from tapegrad import keras
>>> v = keras.Variable([1.0, 2.0], name="w")
>>> v.name, v.path, v.trainable
('w', 'w', True)
"""
import numpy as np

from ..core.variable import Variable as CoreVariable
from ..ops.creation_ops import constant
from ..core.tensor import TensorLike

from . import backend


class Variable(CoreVariable):
    """A Keras weight: ``initializer`` (a callable of ``(shape, dtype)``, a name, or a value)."""

    __slots__ = ("_keras_name", "_path", "_keras_trainable", "_autocast", "_aggregation",
                 "_synchronization", "_initializer", "regularizer", "constraint",
                 "overwrite_with_gradient", "_layout")

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, autocast=True,
                 aggregation="none", synchronization="auto", name=None, **kwargs):
        name = name or backend.auto_name(type(self).__name__)
        if not isinstance(name, str) or "/" in name:
            raise ValueError(f"Argument `name` must be a string and cannot contain character `/`. "
                             f"Received: name={name!r}")
        parent = backend.current_path()
        self._keras_name = name
        self._path = f"{parent}/{name}" if parent else name
        if isinstance(initializer, str):
            from . import initializers
            initializer = initializers.get(initializer)
        if callable(initializer) and not isinstance(initializer, TensorLike):
            if shape is None:
                raise ValueError(f"When creating a Variable from an initializer, the `shape` argument "
                                 f"should be specified. Received: initializer={initializer} and shape={shape}")
            dtype = backend.standardize_dtype(dtype)
            value = initializer(tuple(shape), dtype=dtype)
        else:
            value = initializer
            if dtype is None:
                dtype = _inferred_dtype(value)
            dtype = backend.standardize_dtype(dtype)
        value = np.asarray(value._value if isinstance(value, TensorLike) else value)
        if shape is not None and tuple(value.shape) != tuple(shape):
            raise ValueError(f"Initial value has shape {value.shape}, but the Variable's shape is {tuple(shape)}")
        # The engine's name is the path: error messages name 'dense/kernel'.
        super().__init__(value.astype(dtype, copy=False), trainable=bool(trainable), name=self._path)
        self._keras_trainable = bool(trainable)
        self._autocast = bool(autocast)
        self._aggregation = aggregation or "none"
        self._synchronization = synchronization or "none"
        # Only an initializer function is kept: an initial array would be a second copy of the value
        # for the variable's whole life (2x the parameters for an optimizer's zero-filled slots).
        self._initializer = initializer if callable(initializer) and not isinstance(initializer, TensorLike) else None
        self.regularizer = None
        self.constraint = None
        self.overwrite_with_gradient = False
        self._layout = None

    @property
    def name(self):
        """The Keras name (``"kernel"``); the layer is in ``path``."""
        return self._keras_name

    @property
    def path(self):
        """``"sequential/dense/kernel"``: the name scopes open when the variable was created."""
        return self._path

    @property
    def trainable(self):
        return self._keras_trainable

    @trainable.setter
    def trainable(self, value):
        # Keras' flag only: tapes keep watching what was created trainable (TensorFlow's rule).
        self._keras_trainable = bool(value)

    @property
    def value(self):
        """The current value as a Tensor (a property in Keras 3)."""
        return self.read_value()

    @property
    def aggregation(self):
        return self._aggregation

    @property
    def synchronization(self):
        return self._synchronization

    @property
    def autocast(self):
        return self._autocast

    @property
    def ndim(self):
        return self._value.ndim

    def __repr__(self):
        return f"<Variable path={self._path}, shape={tuple(self._value.shape)}, dtype={self.dtype.name}, value={self._value}>"

    __str__ = __repr__


def _inferred_dtype(value):
    if isinstance(value, TensorLike):
        return value.dtype.name
    if isinstance(value, (np.ndarray, np.generic)):
        return value.dtype.name
    return constant(value).dtype.name
