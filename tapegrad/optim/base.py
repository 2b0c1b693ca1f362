"""The transform protocol (optax's): ``init(params) -> state``, ``update(updates, state, params)``.

Conventions (they make masking, partitioning, accumulation and Keras' None gradients one idea):

- Parameters and updates are pytrees (lists, tuples, dicts: ``tapegrad.nest`` order) of arrays;
  leaves may be NumPy arrays, Tensors or Variables (read, never written). Updates come back as
  NumPy arrays in the same structure.
- **None means "not this parameter".** A None update leaves the parameter and its state alone
  (Keras skips a variable whose gradient is None); an update call where every update is None
  changes nothing at all (no step is counted). ``masked``/``partition``/``accumulate`` are built
  on it.
- Per-parameter state is a Python ``list`` aligned with the flattened parameters (None where a
  parameter is not handled); other state (step counts) are scalars in small NamedTuples.
- ``update(..., inplace=False)`` is pure: nothing given is modified. ``inplace=True`` (or a
  :class:`Workspace`) donates the *state*: its arrays are updated in place and the returned
  updates may live in reused buffers (valid until the next in-place call). The updates and
  params passed in are never written, in either mode.
"""
from typing import Any, Callable, NamedTuple, Optional

import numpy as np

from ..core import nest
from ..core.indexed_slices import IndexedSlices
from ..core.tensor import TensorLike
from ..core.variable import Variable
from . import _masking
from ._rows import RowUpdate, densify_all, take_rows, to_rows
from ._workspace import WriteScope


class GradientTransformation(NamedTuple):
    """A pure gradient transformation: ``init(params) -> state`` and
    ``update(updates, state, params=None, *, inplace=False) -> (updates, state)``.

    Two optional fields, set by the built-in transforms (a custom transform leaves them None):

    - ``update_flat(updates, state, params, scope)``: the update on flat lists of leaves inside
      a :class:`WriteScope` (what may be written, where buffers come from); composites (chain,
      masked, ...) call it so that every part shares one scope;
    - ``fused_apply(updates, state, variables, buffers)``: the whole step written into
      ``variables`` in one loop, the update's numbers bit for bit (see ``adam``); returns the new
      state, or None (nothing changed) when this call is not one it handles.

    >>> import numpy as np
    >>> from tapegrad import optim
    >>> tx = optim.chain(optim.clip(1.0), optim.scale(-0.5))
    >>> params = [np.zeros(2, np.float32)]
    >>> state = tx.init(params)
    >>> updates, state = tx.update([np.array([4.0, -0.5], np.float32)], state)
    >>> optim.apply_updates(params, updates)[0]
    array([-0.5 ,  0.25], dtype=float32)
    """

    init: Callable[[Any], Any]
    update: Callable[..., Any]
    update_flat: Optional[Callable[..., Any]] = None
    fused_apply: Optional[Callable[..., Any]] = None


class EmptyState(NamedTuple):
    """The state of a stateless transform."""


def leaf_array(x):
    """A leaf as an ndarray (None stays None); Tensors/Variables give their buffer (read only).

    An IndexedSlices becomes a :class:`RowUpdate` (rows summed per index, sorted): transforms
    that can apply it row by row keep it sparse, the others densify it (see ``_rows``).
    """
    if x is None or type(x) is np.ndarray:
        return x
    if isinstance(x, TensorLike):
        return x._value
    if isinstance(x, IndexedSlices):
        return to_rows(x)
    return np.asarray(x)


_PLAIN = {np.ndarray, type(None), RowUpdate}


def leaves_of(tree):
    """``(leaves, treedef)``: the leaves of ``tree`` as ndarrays/None/RowUpdates, and its structure."""
    if type(tree) is list and set(map(type, tree)) <= _PLAIN:  # the common case, at C speed
        return tree, nest.list_treedef(len(tree))
    leaves, treedef = nest.tree_flatten(tree)
    if not set(map(type, leaves)) <= _PLAIN:  # C-speed check of the leaf types
        leaves = [leaf_array(x) for x in leaves]
    return leaves, treedef


def all_none(updates):
    for u in updates:
        if u is not None:
            return False
    return True


def per_param(updates, dense, rows=None):
    """The per-parameter loop of a transform: for each update, None stays None (not this
    parameter), a :class:`RowUpdate` gives ``rows(i, u)``, a dense array ``dense(i, u)``.
    ``rows`` may be omitted by a transform that gets its updates densified."""
    out = []
    for i, u in enumerate(updates):
        if u is None:
            out.append(None)
        elif type(u) is RowUpdate:
            out.append(rows(i, u))
        else:
            out.append(dense(i, u))
    return out


def transform(init_flat, update_flat, init=None, sparse=False, fused_apply=None):
    """A GradientTransformation from flat-list functions.

    ``init_flat(params)`` gets a flat list of arrays (None where a parameter is not handled);
    ``update_flat(updates, state, params, scope)`` gets flat lists and a :class:`WriteScope`
    that says where it may write. ``init`` replaces the flat init when the transform needs the
    caller's structure. ``sparse=True``: ``update_flat`` handles :class:`RowUpdate` leaves
    itself (else they arrive densified). ``fused_apply``: see :class:`GradientTransformation`.

    The public ``init(params, *, trainable_masks=None)`` and
    ``update(updates, state, params=None, *, inplace=False, trainable_masks=None)`` take the
    parameters' trainable masks from Variables among ``params`` or from ``trainable_masks``
    (one per parameter: None, a boolean array broadcastable to it, or an IndexSet); see
    ``_masking`` for what a mask guarantees.
    """
    if init is None:
        def raw_init(params):
            return init_flat(leaves_of(params)[0])
    else:
        raw_init = init

    def public_init(params, *, trainable_masks=None):
        with _masking.init_masks(params, trainable_masks):
            return raw_init(params)

    def flat(updates, state, params, scope):
        if all_none(updates):
            return updates, state
        if scope.sparse and not sparse:
            updates = densify_all(updates, scope)
        return update_flat(updates, state, params, scope)

    def update(updates, state, params=None, *, inplace=False, trainable_masks=None):
        leaves, treedef = leaves_of(updates)
        p_leaves = None if params is None else leaves_of(params)[0]
        masks = None
        if trainable_masks is not None or not (params is None or _is_plain_list(params)):
            masks = _masking.find_masks(params, trainable_masks, leaves, p_leaves)
        scope = WriteScope(inplace, treedef)
        scope.sparse = RowUpdate in set(map(type, leaves))
        try:
            with np.errstate(all="ignore"):  # NaN/inf flow through silently, as in TensorFlow
                if masks is None:
                    out, state = flat(leaves, state, p_leaves, scope)
                else:
                    out, state = _masking.run_masked(flat, leaves, state, p_leaves, scope, masks)
        finally:
            scope.close()
        return treedef.unflatten(out), state

    return GradientTransformation(public_init, update, flat, fused_apply)


def _is_plain_list(tree):
    """A list of arrays/None (no Variable among them: no mask to look for)."""
    return type(tree) is list and set(map(type, tree)) <= _PLAIN


def call_flat(tx, updates, state, params, scope):
    """Run ``tx`` on flat lists inside ``scope``: built-ins share the scope, custom transforms get
    the caller's structure and a pure call."""
    if tx.update_flat is not None:
        return tx.update_flat(updates, state, params, scope)
    if scope.sparse:
        updates = densify_all(updates, scope)
    treedef = scope.treedef
    out, state = tx.update(treedef.unflatten(updates), state,
                           None if params is None else treedef.unflatten(params))
    return leaves_of(out)[0], state


def chain(*transforms):
    """Apply transforms one after the other (each gets the previous one's updates).

    >>> from tapegrad import optim
    >>> sgd_momentum = optim.chain(optim.scale_by_learning_rate(0.1), optim.trace(0.9))
    """
    transforms = tuple(transforms)

    def init(params):
        return tuple(t.init(params) for t in transforms)

    def update_flat(updates, state, params, scope):
        new_state = []
        for t, s in zip(transforms, state):
            updates, s = call_flat(t, updates, s, params, scope)
            new_state.append(s)
        return updates, tuple(new_state)

    # init gets the caller's structure: a custom transform's init expects it, not leaves.
    return transform(None, update_flat, init=init, sparse=True)


def identity():
    """Updates pass unchanged (a partition's "train as is" group)."""
    return transform(lambda params: EmptyState(), lambda u, s, p, scope: (u, s), sparse=True)


def set_to_zero():
    """Updates become zeros (a frozen group in ``partition``; its parameters stay as they are)."""
    def update_flat(updates, state, params, scope):
        def zeros(i, u):
            z = scope.new(u)
            z.fill(0)
            return z
        return per_param(updates, zeros, lambda i, u: u.with_values(np.zeros_like(u.values))), state
    return transform(lambda params: EmptyState(), update_flat, sparse=True)


def hyper_value(h, count, dtype):
    """A hyperparameter's value now, as a scalar of ``dtype``: a number, a schedule called with
    the transform's step count, or a Tensor/Variable read at each step (a settable rate)."""
    if isinstance(h, TensorLike):
        return dtype.type(h._value)
    if callable(h):
        v = h(count)
        return dtype.type(v._value if isinstance(v, TensorLike) else v)
    return dtype.type(h)


def add_to_variable(var, update):
    """``var += update`` in place when the variable's buffer is unshared (copy-on-write else).

    The one place where an optimizer writes a variable. With a trainable mask only the trainable
    entries are written (``where=mask``): the frozen ones stay bit-identical. A
    :class:`RowUpdate` (an IndexedSlices gradient kept sparse) writes only its rows.
    """
    if update is None:
        return
    owned = var._owns_buffer()  # before any local name holds the buffer (it counts references)
    mask = var._mask
    value = var._value
    if not owned:
        value = value.copy()
    if type(update) is RowUpdate:
        _add_rows(value, update, mask)
    elif mask is None:
        np.add(value, update, out=value, casting="same_kind")
    else:
        np.add(value, update, out=value, casting="same_kind", where=mask)
    if not owned:
        var._value = value


def _add_rows(value, update, mask):
    idx = update.indices
    rows = take_rows(value, idx)
    if mask is None:
        np.add(rows, update.values, out=rows, casting="same_kind")
    else:
        m = _masking.normalize(mask, value.shape)
        np.add(rows, update.values, out=rows, casting="same_kind", where=_masking.rows_of(m, idx))
    value[idx] = rows


def apply_updates(params, updates, trainable_masks=None):
    """``params + updates`` leafwise; a None update leaves the parameter as it is.

    Arrays and Tensors give new NumPy arrays (pure, as optax); Variables are updated in place
    (as ``assign_add``, honouring their ``trainable_mask``) and returned. Updates are cast to
    each parameter's dtype. ``trainable_masks`` (one per parameter, None for "all entries")
    leaves the other entries of arrays bit-identical.

    >>> import numpy as np
    >>> from tapegrad import optim
    >>> optim.apply_updates({"w": np.ones(2, np.float32)}, {"w": np.array([0.5, -1.0], np.float32)})
    {'w': array([1.5, 0. ], dtype=float32)}
    """
    flat_p, treedef = nest.tree_flatten(params)
    flat_u = leaves_of(updates)[0]
    if len(flat_p) != len(flat_u):
        raise ValueError(f"apply_updates: {len(flat_u)} updates for {len(flat_p)} parameters")
    masks = [None] * len(flat_p) if trainable_masks is None else _masking.find_masks(
        None, trainable_masks, flat_u, [leaf_array(p) for p in flat_p]) or [None] * len(flat_p)
    out = []
    for p, u, m in zip(flat_p, flat_u, masks):
        if u is None:
            out.append(p)
        elif isinstance(p, Variable):
            add_to_variable(p, u)
            out.append(p)
        else:
            a = np.array(leaf_array(p), copy=True)
            if type(u) is RowUpdate:
                _add_rows(a, u, m)
            else:
                np.add(a, u, out=a, casting="same_kind", where=True if m is None else m)
            out.append(a)
    return treedef.unflatten(out)
