"""Where a transform may write: fresh arrays for a pure call, reused buffers for an in-place one.

Every built-in transform computes with NumPy's ``out=``. What it may overwrite is decided here,
per call of a transform's public ``update`` (a *scope*):

- arrays it was given (the updates, the params) are never written;
- arrays created earlier in the same scope (the output of a clip feeding Adam) are *owned* and
  are overwritten in place by the next transform: a chain of five transforms does not make five
  copies of every gradient;
- state arrays are written in place only when the caller donated the state (``inplace=``);
- new outputs come from a :class:`Workspace` pool when in place, so a training step allocates
  nothing after its first step (a fresh multi-megabyte array costs page faults: measured ~3x the
  arithmetic of an Adam step). Temporaries come from flat scratch buffers.
"""
import threading

import numpy as np


class Workspace:
    """Reusable buffers for in-place updates (``transform.update(..., inplace=workspace)``).

    Output buffers handed out during one update call are handed out again by the next call, so
    the updates returned by an in-place call are valid until the next in-place call that uses
    the same workspace. ``inplace=True`` uses a per-thread default workspace. An optimizer keeps
    its own, which its buffers die with.
    """

    __slots__ = ("_pool", "_scratch", "_busy")

    def __init__(self):
        self._pool = {}      # (shape, dtype) -> [buffer, ...]
        self._scratch = {}   # (dtype, slot) -> flat buffer
        self._busy = False

    def clear(self):
        """Release every buffer (they are allocated again when needed)."""
        self._pool.clear()
        self._scratch.clear()

    def nbytes(self):
        """Bytes held by the pool and the scratch buffers."""
        return (sum(b.nbytes for bufs in self._pool.values() for b in bufs)
                + sum(b.nbytes for b in self._scratch.values()))


_default = threading.local()


def default_workspace():
    """This thread's workspace for ``inplace=True``."""
    ws = getattr(_default, "ws", None)
    if ws is None:
        ws = _default.ws = Workspace()
    return ws


class WriteScope:
    """The write permissions of one public ``update`` call, shared by every transform it runs:
    which arrays may be overwritten (those created in this call: ``owned``; the state's, when
    donated: ``inplace``) and where new arrays come from (the workspace's pool, or fresh).
    Every built-in ``update_flat`` gets one as its ``scope`` argument."""

    __slots__ = ("ws", "inplace", "owned", "cursor", "treedef", "masks", "sparse")

    def __init__(self, inplace, treedef):
        ws = default_workspace() if inplace is True else (inplace or None)
        if ws is not None and ws._busy:
            ws = Workspace()  # a nested in-place call must not hand out the outer call's buffers
        self.ws = ws
        self.inplace = bool(inplace)
        self.owned = {}      # id -> array created in this scope (kept alive: ids stay unique)
        self.cursor = {}
        self.treedef = treedef  # the structure of the caller's updates (custom transforms get it)
        self.masks = None    # trainable masks aligned with the parameters (None: no masked parameter)
        self.sparse = False  # whether some update is a RowUpdate (row-sparse)
        if ws is not None:
            ws._busy = True

    def close(self):
        if self.ws is not None:
            self.ws._busy = False
        self.owned = None

    def new(self, like, dtype=None):
        """An uninitialised array shaped as ``like`` that the caller may write (owned)."""
        return self.new_shaped(like.shape, like.dtype if dtype is None else dtype)

    def new_shaped(self, shape, dtype):
        """An uninitialised array of ``shape`` and ``dtype`` that the caller may write (owned)."""
        dtype = np.dtype(dtype)
        ws = self.ws
        if ws is None:
            out = np.empty(shape, dtype)
        else:
            key = (shape, dtype)
            i = self.cursor.get(key, 0)
            self.cursor[key] = i + 1
            bufs = ws._pool.setdefault(key, [])
            if i == len(bufs):
                bufs.append(np.empty(shape, dtype))
            out = bufs[i]
        self.owned[id(out)] = out
        return out

    def writable(self, u):
        """``u`` itself when this scope created it, else a new owned array to write its result to."""
        return u if id(u) in self.owned else self.new(u)

    def own(self, u):
        """Mark ``u`` (an array this scope's transform just created) as owned."""
        self.owned[id(u)] = u
        return u

    def state(self, old):
        """Where the new value of a state array goes: itself when donated, else a new array."""
        return old if self.inplace else np.empty_like(old)

    def scratch(self, like, slot=0):
        """A temporary shaped as ``like``; valid until the next ``scratch`` call with this slot."""
        ws = self.ws or default_workspace()
        key = (like.dtype, slot)
        flat = ws._scratch.get(key)
        n = like.size
        if flat is None or flat.size < n:
            flat = ws._scratch[key] = np.empty(max(n, 1), like.dtype)
        return flat[:n].reshape(like.shape)
