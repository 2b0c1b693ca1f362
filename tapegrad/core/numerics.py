"""NaN/Inf checking for every op (``tapegrad.debugging.enable_check_numerics``).

When enabled, each op's output is checked right after its forward, and each gradient a rule
returns right after the rule runs; the first non-finite value raises InvalidArgumentError
naming the op and the line of user code that called it (for a gradient: where the op was
recorded). Disabled, it costs one global check per op.
"""
import contextlib
import os

import numpy as np

from .errors import InvalidArgumentError

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
enabled = False


def enable_check_numerics(stack_height_limit=30, path_length_limit=50):
    """Raise on the first op whose output or gradient has a NaN or an infinity (as TF's)."""
    global enabled
    enabled = True


def disable_check_numerics():
    global enabled
    enabled = False


@contextlib.contextmanager
def check_numerics_enabled():
    """Context-manager form: checks inside the block only."""
    global enabled
    previous = enabled
    enabled = True
    try:
        yield
    finally:
        enabled = previous


def call_site():
    """'file:line in function' of the innermost caller outside tapegrad."""
    import traceback  # only when checking is on: keeps `import tapegrad` light
    for frame in reversed(traceback.extract_stack()[:-1]):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE_DIR + os.sep):
            return f"{frame.filename}:{frame.lineno} in {frame.name}"
    return "<inside tapegrad>"


def _bad(value):
    arr = np.asarray(getattr(value, "_value", value))
    if arr.dtype.kind not in "fc" or np.isfinite(arr).all():
        return None
    return "NaN" if np.isnan(arr).any() else "Inf"


def check_output(op_name, out):
    kind = _bad(out)
    if kind:
        raise InvalidArgumentError(
            f"check_numerics: the output of op '{op_name}' (shape {np.shape(out)}) has {kind} values; "
            f"called from {call_site()}")


def check_gradients(node, grads):
    for k, g in enumerate(grads):
        if g is None or hasattr(g, "dense"):
            continue
        kind = _bad(g)
        if kind:
            raise InvalidArgumentError(
                f"check_numerics: the gradient of op '{node.op.name}' for its input {k} has {kind} "
                f"values; the op was called from {getattr(node, 'site', None) or 'an unknown place'}")
