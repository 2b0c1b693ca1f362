"""``tapegrad.debugging``: diagnostics. Why a gradient is None, and (soon) numeric checks."""
from .core.tape import warn_on_none_gradients, why_none  # noqa: F401
