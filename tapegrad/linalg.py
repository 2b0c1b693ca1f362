"""``tapegrad.linalg``: the ops registered under "linalg." (see ``docs/ops.md``)."""
from . import ops as _ops  # noqa: F401  (registers every op)
from .core.registry import namespace as _namespace

globals().update(_namespace("linalg"))
