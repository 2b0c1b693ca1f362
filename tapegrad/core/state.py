"""Per-thread recording state, and the notes tapes keep for explaining None gradients.

Its own module because Tensor, Variable and the graph all read it (and import nothing else).
"""
import threading


class _RecordingState(threading.local):
    """Per thread: the tapes recording now, and whether ops run on raw arrays.

    ``raw`` is True inside a backward pass that no tape records: gradient rules then run on bare
    ndarrays, with no wrappers. ``in_backward`` is True inside any backward pass.
    """

    def __init__(self):
        self.stack = []     # entered tapes, outermost first (recording or not)
        self.active = ()    # the recording ones
        self.raw = False
        self.in_backward = False
        self.none_reasons = {}  # id(source) -> why its last gradient was None (this thread)


state = _RecordingState()


def refresh_active():
    state.active = tuple(t for t in state.stack if t._recording)


def note_dead_end(what, parents, active):
    """A non-differentiable step consumed recorded values: the path to a gradient ends here."""
    for tape in active:
        tok = tape._token
        if any(p is not None and tok in p.tapes for p in parents):
            tape._dead_ends.append((what, parents))


def note_escape(node, how):
    """A recorded value left the library (``numpy()``, ``float()``): later uses are constants."""
    if state.in_backward:
        return
    for tape in state.active:
        if tape._token in node.tapes:
            tape._escapes.append((node, how))
