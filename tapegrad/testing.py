"""``tapegrad.testing``: check your own functions' gradients against finite differences."""
from .core.gradcheck import check_gradients, compute_gradient  # noqa: F401
