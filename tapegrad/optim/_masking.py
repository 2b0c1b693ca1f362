"""Trainable masks: the entries of a parameter that an update may change.

A parameter can carry a mask of trainable entries (``Variable.trainable_mask``: a boolean array
broadcastable to its shape, or an ``IndexSet``), or the caller passes masks to ``update``
(``trainable_masks=``). A transform pipeline then guarantees, for every masked parameter:

- the incoming update is zero outside the mask (whatever the caller passed);
- every per-parameter state array (moments, accumulators, traces, AMSGrad's maximum, the
  accumulation sums) keeps its frozen entries bit-identical: they are saved before the step and
  written back after it, for built-in and custom transforms alike (in place: a copy of the
  parameter's state arrays; pure: the old arrays are left alone anyway);
- the returned update is zero outside the mask, and ``add_to_variable`` adds with
  ``where=mask``, so the frozen entries of the parameter are bit-identical (also -0.0 and NaN);
- transforms whose result mixes entries look only at the trainable ones: ``clip_by_norm`` and
  ``clip_by_global_norm`` take the norm of the trainable entries, ``apply_if_finite`` checks
  them, ``accumulate`` passes on only their sums; Adam and Nadam count their bias correction per
  entry (see ``entry_steps``).

Unmasked parameters pay one None check per step.
"""
import threading

import numpy as np

from ..core import nest
from ..core.tensor import TensorLike
from ..core.variable import IndexSet
from ._rows import RowUpdate, rows_of

_local = threading.local()


def normalize(mask, shape, what="trainable mask"):
    """``mask`` (None, a boolean array, an IndexSet) as a boolean array of ``len(shape)`` dims
    broadcastable to ``shape`` (None stays None)."""
    if mask is None:
        return None
    if isinstance(mask, IndexSet):
        mask = mask.to_mask(tuple(shape))
    m = mask._value if isinstance(mask, TensorLike) else mask
    if type(m) is not np.ndarray:
        m = np.asarray(m)
    if m.dtype != np.bool_:
        raise TypeError(f"a {what} must be a boolean array or an IndexSet, got dtype {m.dtype}")
    nd = len(shape)
    if m.ndim < nd:
        m = m.reshape((1,) * (nd - m.ndim) + m.shape)
    if m.ndim != nd or any(a != 1 and a != b for a, b in zip(m.shape, shape)):
        raise ValueError(f"a {what} of shape {m.shape} does not broadcast to the parameter's shape "
                         f"{tuple(shape)}")
    return m


def shape_of(x):
    if x is None:
        return None
    if type(x) is RowUpdate:
        return x.dense_shape
    return np.shape(x)


def find_masks(params, explicit, updates, p_leaves):
    """The flat list of normalized masks (None when no parameter is masked)."""
    n = len(updates)
    if explicit is not None:
        flat = nest.flatten(explicit)
        if len(flat) != n:
            raise ValueError(f"trainable_masks: {len(flat)} masks for {n} parameters; give one per "
                             f"parameter (None where every entry trains)")
    elif params is not None:
        flat = [getattr(p, "_mask", None) for p in nest.flatten(params)]
    else:
        return None
    if all(m is None for m in flat):
        return None
    out = []
    for i, m in enumerate(flat):
        if m is None:
            out.append(None)
            continue
        shape = shape_of(p_leaves[i]) if p_leaves is not None and p_leaves[i] is not None else shape_of(updates[i])
        out.append(None if shape is None else normalize(m, shape))
    return out


# -- init: masks known when the state is created (Adam's per-entry step counts) ----------------

class init_masks:
    """Context for ``transform.init(params, trainable_masks=...)``: nested inits see the masks."""

    def __init__(self, params, explicit):
        self.params, self.explicit = params, explicit

    def __enter__(self):
        self.outer = getattr(_local, "masks", None)
        if self.explicit is not None or self.outer is None:
            leaves = [None if p is None else p._value if isinstance(p, TensorLike) else np.asarray(p)
                      for p in nest.flatten(self.params)]
            masks = find_masks(self.params, self.explicit, leaves, None)
            _local.masks = masks if masks is not None else self.outer
        return self

    def __exit__(self, *exc):
        _local.masks = self.outer


def current_init_masks(n):
    masks = getattr(_local, "masks", None)
    return masks if masks is not None and len(masks) == n else None


# -- one masked step ---------------------------------------------------------------------------

def _row_mask(m, u):
    """The mask at the rows of a RowUpdate (broadcastable to its values)."""
    return rows_of(m, u.indices)


def mask_update(u, m, scope):
    """``u`` with zeros outside ``m`` (a new owned array; ``u`` is not written)."""
    if type(u) is RowUpdate:
        rm = _row_mask(m, u)
        return u.with_values(np.where(rm, u.values, np.zeros((), u.values.dtype)))
    o = scope.new(u)
    o.fill(0)
    np.copyto(o, u, where=m)
    return o


def zero_frozen(o, m, scope):
    if type(o) is RowUpdate:
        return mask_update(o, m, scope)
    if id(o) in scope.owned:
        np.copyto(o, o.dtype.type(0), where=~m)
        return o
    return mask_update(o, m, scope)


def param_lists(state, n):
    """The per-parameter lists of a state tree (the plain lists of n leaves), in flatten order."""
    leaves, treedef = nest.tree_flatten(state)
    return [leaves[start:start + size] for start, size in treedef.leaf_lists() if size == n]


def run_masked(flat, updates, state, params, scope, masks):
    """One update with trainable masks (see the module docstring)."""
    n = len(updates)
    shapes = [shape_of(params[i]) if params is not None and params[i] is not None else shape_of(updates[i])
              for i in range(n)]
    updates = [u if m is None or u is None else mask_update(u, m, scope) for u, m in zip(updates, masks)]
    saved = []
    for lst in param_lists(state, n):
        keep = {}
        for i, m in enumerate(masks):
            a = lst[i] if m is not None else None
            if type(a) is np.ndarray and a.shape == shapes[i]:
                keep[i] = a.copy() if scope.inplace else a
        saved.append(keep)
    scope.masks = masks
    out, new_state = flat(updates, state, params, scope)
    frozen = [None if m is None else ~m for m in masks]
    for lst, keep in zip(param_lists(new_state, n), saved):
        for i, old in keep.items():
            new = lst[i]
            if new is not None and new is not old and new.shape == old.shape:
                np.copyto(new, old, where=frozen[i])
    out = [o if m is None or o is None else zero_frozen(o, m, scope) for o, m in zip(out, masks)]
    return out, new_state


# -- per-entry step counts (Adam, Nadam) -----------------------------------------------------

def entry_steps(old, mask, shape, count_before, scope):
    """The per-entry step counts after this step: trainable entries advance by one.

    ``old`` is None until the parameter is first seen masked: then every entry starts from the
    step count the parameter had so far (``count_before``). The array has the parameter's number
    of dims and the shape of the masks seen (a row mask keeps one count per row).
    """
    nd = len(shape)
    if old is None:
        old = np.full((1,) * nd, count_before, np.int64)
    target = old.shape if mask is None else np.broadcast_shapes(old.shape, mask.shape)
    if old.shape != target:
        new = np.broadcast_to(old, target).copy()
    elif scope.inplace:
        new = old
    else:
        new = old.copy()
    if mask is None:
        new += 1
    else:
        np.add(new, mask, out=new)
    return new


class EntryCounts:
    """The per-entry step counts (a state's ``entry_count``) through one step of Adam or Nadam.

    A parameter counts per entry while it has a mask, and ever after once it has had one; the
    others use the transform's scalar count (their entry is None). The list is copied at its first
    change, so an unmasked step hands the old list on as it was.
    """

    __slots__ = ("_old", "_new", "_masks", "_count_before", "_frame")

    def __init__(self, old, count_before, scope):
        self._old, self._new = old, None
        self._masks, self._count_before, self._frame = scope.masks, count_before, scope

    def step(self, i, n, shape):
        """Parameter i's per-entry counts after this step (of ``n`` parameters; ``shape`` its
        dense shape), or None when it uses the scalar count."""
        mask = None if self._masks is None else self._masks[i]
        if mask is None and (self._old is None or self._old[i] is None):
            return None
        if self._new is None:
            self._new = [None] * n if self._old is None else list(self._old)
        self._new[i] = entry_steps(self._new[i], mask, shape, self._count_before, self._frame)
        return self._new[i]

    def result(self):
        """The counts to store in the new state."""
        return self._old if self._new is None else self._new


class StepTables:
    """Scalars that depend on the step count (bias corrections), per dtype, for t = 0, 1, ...,
    computed by the same scalar code as the unmasked path, so that a per-entry lookup gives each
    entry exactly the number its own variable would get."""

    def __init__(self, fn, width):
        self.fn = fn          # fn(dtype, t, tables) -> ``width`` scalars; tables hold rows < t
        self.width = width
        self.tables = {}

    def lookup(self, dtype, steps):
        """The ``width`` arrays of the scalars at each entry of ``steps`` (an int array)."""
        tmax = int(steps.max()) if steps.size else 0
        tab = self.tables.get(dtype)
        if tab is None or len(tab[0]) <= tmax:
            old = 0 if tab is None else len(tab[0])
            size = max(tmax + 1, 2 * old, 16)
            new = [np.empty(size, dtype) for _ in range(self.width)]
            if tab is not None:
                for a, b in zip(new, tab):
                    a[:old] = b
            for t in range(old, size):
                for a, x in zip(new, self.fn(dtype, t, new)):
                    a[t] = x
            tab = self.tables[dtype] = new
        return [a[steps] for a in tab]
