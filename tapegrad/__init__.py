"""tapegrad: tape-based automatic differentiation on NumPy, with TensorFlow 2's API.

``import tapegrad as tf`` and code written for ``tf.GradientTape`` runs:

>>> import tapegrad as tf
>>> w = tf.Variable([1.0, 2.0])
>>> with tf.GradientTape() as tape:
...     loss = tf.reduce_sum(w * w)
>>> tape.gradient(loss, w).numpy()
array([2., 4.], dtype=float32)
"""
from .core import dtypes, errors, nest  # noqa: F401
from .core.dtypes import (DType, as_dtype, float16, half, float32, float64, double, int8, int16,  # noqa: F401
                          int32, int64, uint8, uint16, uint32, uint64, bool, complex64, complex128)
from .core.tensor import Tensor, TensorShape  # noqa: F401
from .core.variable import IndexSet, Variable, VariableAggregation, VariableSynchronization  # noqa: F401
from .core.registry import convert_to_tensor, namespace as _namespace  # noqa: F401
from .core.indexed_slices import IndexedSlices, is_tensor  # noqa: F401
from .core.naming import name_scope  # noqa: F401
from .core.tape import GradientTape, UnconnectedGradients  # noqa: F401
from .core.gradients import custom_gradient, stop_gradient  # noqa: F401
from . import ops as _ops  # noqa: F401  (registers every op)
from . import math, nn, linalg, random, autodiff, debugging, test, testing, config  # noqa: F401
from ._function import Function, TensorSpec, executing_eagerly, function  # noqa: F401
from .module import Module  # noqa: F401
from .config import device  # noqa: F401

globals().update(_namespace(""))

newaxis = None


def __getattr__(name):
    # Heavy or optional parts load on first use, so ``import tapegrad`` stays light.
    if name in ("keras", "optim"):
        import importlib
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'tapegrad' has no attribute {name!r}")
__version__ = "0.1.0"
