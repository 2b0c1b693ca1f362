"""``tapegrad.debugging``: why a gradient is None, and NaN/Inf checks.

- ``why_none(source)``, ``warn_on_none_gradients(True)``: the cause of a None gradient.
- ``enable_check_numerics()`` / ``disable_check_numerics()`` / ``check_numerics_enabled()``:
  raise on the first op whose output or gradient is not finite, naming the op and the caller.
- ``check_numerics(x, message)``: one explicit check (forward and gradient).
"""
from . import ops as _ops  # noqa: F401  (registers every op)
from .core.numerics import check_numerics_enabled, disable_check_numerics, enable_check_numerics  # noqa: F401
from .core.registry import namespace as _namespace
from .core.tape import warn_on_none_gradients, why_none  # noqa: F401

globals().update(_namespace("debugging"))
