"""The optimizer state as Keras variables: one Variable per leaf of the pipeline's state tree.

A ``tapegrad.optim`` pipeline keeps its state as a tree (chains of NamedTuples holding a list
per parameter and scalar step counts). A Keras optimizer keeps the same numbers in Variables, so
that ``optimizer.variables`` can be saved, restored and read. :class:`StateSlots` maps one to
the other through the tree utility (``tapegrad.core.nest``):

- ``pack()``: the state tree whose leaves are the Variables' buffers, unshared first
  (copy-on-write: a Tensor read from a slot keeps the value it was read with), so the pipeline
  may update them in place;
- ``store(state)``: the pipeline's new state written back into the Variables;
- names as Keras names them (``dense_kernel_momentum``), and Keras' order for ``variables``
  (per model variable, its moments together; scalar state last).
"""
from itertools import compress, count
from operator import is_not

import numpy as np

from ...core import nest
from .. import backend
from ..variables import Variable

# Keras' names for the state of the transforms its optimizers are made of.
_KERAS_STATE_NAMES = {
    ("TraceState", "trace"): "momentum",
    ("ScaleByAdamState", "mu"): "momentum",
    ("ScaleByAdamState", "nu"): "velocity",
    ("ScaleByAdamState", "nu_max"): "velocity_hat",
    ("ScaleByRmsState", "nu"): "velocity",
    ("ScaleByRmsState", "mu"): "average_gradient",
    ("ScaleByAdagradState", "sum_of_squares"): "accumulator",
    ("ScaleByAdadeltaState", "acc_grad"): "accumulated_grad",
    ("ScaleByAdadeltaState", "acc_delta"): "accumulated_delta_var",
    ("ScaleByNadamState", "mu"): "momentum",
    ("ScaleByNadamState", "nu"): "velocity",
    ("ScaleByNadamState", "u_product"): "u_product",
    ("AccumulateState", "acc"): "gradient_accumulator",
    ("ScaleByAdamState", "entry_count"): "entry_steps",
    ("ScaleByNadamState", "entry_count"): "entry_steps",
}

# How the names of per-entry step counts end: their shape follows the masks seen, so a rebuilt
# pipeline keeps them whatever shape its fresh state gives them.
ENTRY_STEPS = "_entry_steps"


def label(v):
    """Keras' prefix for a variable's optimizer state: its path (or name) without / and :."""
    path = getattr(v, "path", None)
    if path is not None:
        return path.replace("/", "_")
    return str(v.name).replace("/", "_").replace(":", "_")


def _describe_leaves(state, treedef, labels):
    """Per leaf (flatten order): its Keras name and its group, the path of the nearest
    NamedTuple above it (the transform whose state it is; None for none)."""
    per_param = {start + i: i for start, size in treedef.leaf_lists() for i in range(size)}
    out = []
    for j, path in enumerate(treedef.paths()):
        node, owner, field, group = state, None, None, None
        for depth, k in enumerate(path):
            if nest.is_namedtuple(node):
                owner, field, group = type(node).__name__, node._fields[k], path[:depth]
            node = node[k]
        name = _KERAS_STATE_NAMES.get((owner, field), field or "state")
        i = per_param.get(j)
        out.append((name if i is None else f"{labels[i]}_{name}", group, i))
    return out


class StateSlots:
    """The Variables that hold a pipeline's state (see the module docstring)."""

    def __init__(self, state, labels, scope_name, caller):
        leaves, self.treedef = nest.tree_flatten(state)
        described = _describe_leaves(state, self.treedef, labels)
        self.names = [name for name, _, _ in described]
        self._scope = (scope_name, caller)
        with backend.name_scope(scope_name, caller=caller):
            self.slots = [None if leaf is None else Variable(np.array(leaf), name=name, trainable=False)
                          for leaf, (name, _, _) in zip(leaves, described)]
        self.ordered = _keras_order(self.slots, described)
        self._packed = None  # the leaves ``pack`` handed out, until ``store`` takes the state back

    def pack(self):
        """The state tree over the slots' (unshared) buffers, for the pipeline to update in place."""
        self._packed = None  # (a pack not taken back, as a declined fused step's, holds no buffer)
        values = []
        for v in self.slots:  # copy-on-write: a Tensor read from a slot keeps its value
            if v is not None and not v._owns_buffer():
                v._value = v._value.copy()
            values.append(None if v is None else v._value)
        self._packed = values
        return self.treedef.unflatten(values)

    def store(self, state):
        """Write the pipeline's new ``state`` into the slots; True when a slot was created (state
        that appears later: the per-entry step counts of a mask)."""
        created = False
        leaves = self.treedef.flatten_up_to(state)
        packed, self._packed = self._packed, None  # (released: the slots own their buffers again)
        # Only the leaves that are not the arrays handed out (updated in place: the common case),
        # found at C speed.
        changed = range(len(leaves)) if packed is None else compress(count(), map(is_not, leaves, packed))
        for j in changed:
            v, new = self.slots[j], leaves[j]
            if v is None:
                if new is not None:
                    with backend.name_scope(self._scope[0], caller=self._scope[1]):
                        var = Variable(np.array(new), name=self.names[j], trainable=False)
                    self.slots[j] = var
                    self.ordered.append(var)
                    created = True
                continue
            old = v._value
            if type(new) is np.ndarray and new.dtype == old.dtype and new.shape == old.shape:
                v._value = new
            else:
                v._value = np.array(new, dtype=old.dtype)
        return created

    def carry_over(self, fresh, labels):
        """Adopt the structure of ``fresh`` (the state of a rebuilt pipeline), keeping each slot
        whose name, shape and dtype match; False (nothing changed) when a slot of the old state
        finds no place or new state would start from scratch (the setting changed what is kept)."""
        leaves, treedef = nest.tree_flatten(fresh)
        names = [name for name, _, _ in _describe_leaves(fresh, treedef, labels)]
        old = {}
        for v, key in zip(self.slots, _occurrences(self.names)):
            if v is not None:
                old[key] = v
        slots = []
        missing = False
        for x, key in zip(leaves, _occurrences(names)):
            v = old.pop(key, None)
            if v is not None and x is not None and (np.shape(x) != v._value.shape
                                                    or np.asarray(x).dtype != v._value.dtype):
                if not key[0].endswith(ENTRY_STEPS):
                    v = None
            missing = missing or (v is None and x is not None)
            slots.append(v)
        if old or missing:
            return False
        self.slots, self.names, self.treedef = slots, names, treedef
        return True


def _occurrences(names):
    """(name, k): the k-th leaf of that name (scalar state such as ``count`` repeats)."""
    seen = {}
    out = []
    for n in names:
        k = seen.get(n, 0)
        seen[n] = k + 1
        out.append((n, k))
    return out


def _keras_order(slots, described):
    """The slots in Keras' order: each transform's per-variable state interleaved per model
    variable (a transform's state comes after the state of the transforms inside it), the
    per-variable state outside any transform next, scalar state last."""
    groups = {}    # path of a transform's state -> {parameter index -> [slots]}
    last = {}      # path of a transform's state -> the position of its last per-parameter leaf
    loose, scalars = [], []
    for j, (v, (_, group, i)) in enumerate(zip(slots, described)):
        if i is None:
            if v is not None:
                scalars.append(v)
        elif group is None:
            if v is not None:
                loose.append(v)
        else:
            groups.setdefault(group, {}).setdefault(i, []).append(v)
            last[group] = j
    order = []
    # A transform's state ends after the states nested in it (ties: the deeper one first).
    for group in sorted(groups, key=lambda g: (max(last[h] for h in last if h[:len(g)] == g), -len(g))):
        for i in sorted(groups[group]):
            order.extend(v for v in groups[group][i] if v is not None)
    return order + loose + scalars
