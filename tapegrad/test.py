"""``tapegrad.test``: TensorFlow's testing helpers (``compute_gradient``)."""
from .core.gradcheck import compute_gradient  # noqa: F401
