"""The engine: dtypes, Tensor, Variable, the op registry, GradientTape and the backward pass.

Nothing here imports the op families, the optimizers or Keras (a test checks the layering).
"""
from . import dtypes, errors, nest  # noqa: F401
from .tensor import Tensor, TensorShape, new_tensor  # noqa: F401
from .variable import IndexSet, Variable  # noqa: F401
from .registry import REGISTRY, API, defop, export, convert_to_tensor  # noqa: F401
from . import broadcast  # noqa: F401  (registers the engine's own two primitives)
from .indexed_slices import IndexedSlices  # noqa: F401
from .tape import GradientTape, UnconnectedGradients  # noqa: F401
