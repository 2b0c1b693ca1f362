"""Transforms around transforms: accumulate, apply_if_finite, masked, partition.

All rest on one convention (see ``base``): a None update means "not this parameter", and a
call where every update is None is no step at all. ``masked`` hands its inner transform None for
the parameters outside the mask, so the inner state stays aligned with all parameters.
"""
from typing import Any, NamedTuple

import numpy as np

from ..core import nest
from .base import call_flat, leaves_of, per_param, transform
from ._rows import RowUpdate


class AccumulateState(NamedTuple):
    mini_step: Any  # calls since the last real step
    acc: list       # summed updates (Keras: gradient_accumulator)


class ApplyIfFiniteState(NamedTuple):
    notfinite_count: Any   # consecutive rejected steps
    last_finite: Any       # whether the last step was finite
    total_notfinite: Any   # rejected steps in all
    inner_state: Any


class MaskedState(NamedTuple):
    inner_state: Any


class PartitionState(NamedTuple):
    inner_states: dict


def accumulate(every_k, average=True):
    """Sum updates over ``every_k`` calls and pass on their mean (``average=False``: their sum)
    on every ``every_k``-th call; the calls in between give None updates (no step).

    Keras 3's ``gradient_accumulation_steps``: ``(g + acc) / k`` on the k-th call, then every
    accumulator is reset (also those of parameters without a gradient at that call). Put it first
    in a chain: what follows (clipping, Adam, its step count) sees one step per ``every_k`` calls.

    >>> import numpy as np
    >>> from tapegrad import optim
    >>> tx = optim.accumulate(2)
    >>> s = tx.init([np.zeros(1, np.float32)])
    >>> u, s = tx.update([np.array([1.0], np.float32)], s)
    >>> u
    [None]
    >>> u, s = tx.update([np.array([3.0], np.float32)], s)
    >>> u
    [array([2.], dtype=float32)]
    """
    if int(every_k) != every_k or every_k < 1:
        raise ValueError(f"accumulate: every_k must be an integer >= 1, got {every_k!r}")

    def init(params):
        return AccumulateState(np.int64(0), [None if p is None else np.zeros_like(p) for p in params])

    def update_flat(updates, state, params, scope):
        step = state.mini_step + 1
        accs = list(state.acc)
        if step < every_k:
            for i, u in enumerate(updates):
                if u is not None:
                    a = scope.state(accs[i])
                    np.add(accs[i], u, out=a)
                    accs[i] = a
            return [None] * len(updates), AccumulateState(step, accs)
        masks = scope.masks

        def mean(i, u):
            o = scope.writable(u)
            np.add(u, accs[i], out=o)
            if average:
                np.divide(o, u.dtype.type(every_k), out=o)
            if masks is not None and masks[i] is not None:
                # a frozen entry keeps its partial sum (state) and passes nothing on
                np.copyto(o, o.dtype.type(0), where=~masks[i])
            return o

        out = per_param(updates, mean)
        for i, a in enumerate(accs):
            if a is not None:
                if scope.inplace:
                    a.fill(0)
                else:
                    accs[i] = np.zeros_like(a)
        return out, AccumulateState(np.int64(0), accs)
    return transform(init, update_flat)


def _is_finite(u, mask=None):
    if type(u) is RowUpdate:
        u = u.values if mask is None else u.values[np.broadcast_to(
            mask if mask.shape[0] == 1 else mask[u.indices], u.values.shape)]
    elif mask is not None:
        u = u[np.broadcast_to(mask, u.shape)]   # only the trainable entries count
    # A finite sum means every element is finite; an overflowing sum is checked element by element.
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(u, axis=None)
    return bool(np.isfinite(total)) or bool(np.isfinite(u).all())


def apply_if_finite(inner, max_consecutive_errors=None):
    """Run ``inner`` only on steps whose updates are all finite; skip the others (None updates,
    inner state untouched) and count them. After more than ``max_consecutive_errors`` rejected
    steps in a row the step is applied anyway (optax's rule); None: never.
    """
    def init(params):
        return ApplyIfFiniteState(np.int64(0), True, np.int64(0), inner.init(params))

    def update_flat(updates, state, params, scope):
        masks = scope.masks
        finite = all(u is None or _is_finite(u, None if masks is None else masks[i])
                     for i, u in enumerate(updates))
        notfinite = 0 if finite else state.notfinite_count + 1
        total = state.total_notfinite + (0 if finite else 1)
        forced = (not finite and max_consecutive_errors is not None
                  and notfinite > max_consecutive_errors)
        if finite or forced:
            out, inner_state = call_flat(inner, updates, state.inner_state, params, scope)
        else:
            out, inner_state = [None] * len(updates), state.inner_state
        return out, ApplyIfFiniteState(np.int64(notfinite), finite, np.int64(total), inner_state)
    return transform(None, update_flat, init=init, sparse=True)


def _flags_from(spec, n, what):
    flags = nest.flatten(spec)
    if len(flags) != n:
        raise ValueError(f"{what}: {len(flags)} entries for {n} parameters; give one per parameter "
                         f"(in the parameters' structure) or a function of the parameters")
    return flags


def mask_flags(mask, params, scope=None):
    """The mask as a flat list of booleans, one per parameter leaf."""
    if callable(mask):
        mask = mask(params if scope is None else scope.treedef.unflatten(params))
    return [bool(f) for f in _flags_from(mask, len(params), "masked")]


def masked(inner, mask):
    """Apply ``inner`` only to the parameters where ``mask`` is True; the other updates pass
    through unchanged (use ``partition`` to send them elsewhere).

    ``mask``: booleans in the parameters' structure (or a flat list), or a function of the
    parameters returning them. The inner transform sees None for the masked-out parameters.

    >>> import numpy as np
    >>> from tapegrad import optim
    >>> tx = optim.masked(optim.scale(0.0), [True, False])
    >>> g = [np.ones(1, np.float32), np.ones(1, np.float32)]
    >>> tx.update(g, tx.init(g))[0]
    [array([0.], dtype=float32), array([1.], dtype=float32)]
    """
    def init(params):
        leaves, treedef = leaves_of(params)
        flags = mask_flags(mask(params) if callable(mask) else mask, leaves)
        return MaskedState(inner.init(treedef.unflatten([p if f else None for p, f in zip(leaves, flags)])))

    def update_flat(updates, state, params, scope):
        flags = mask_flags(mask, params if params is not None else updates, scope)
        sub = [u if f else None for u, f in zip(updates, flags)]
        sub_params = None if params is None else [p if f else None for p, f in zip(params, flags)]
        out, inner_state = call_flat(inner, sub, state.inner_state, sub_params, scope)
        return [o if f else u for o, u, f in zip(out, updates, flags)], MaskedState(inner_state)
    return transform(None, update_flat, init=init, sparse=True)


def partition(transforms, param_labels):
    """A different transform per group of parameters (no weight decay on biases, a lower rate
    for the body...). ``transforms``: {label: transform}; ``param_labels``: a label per parameter
    (in their structure, or a flat list) or a function of the parameters returning them.

    >>> import numpy as np
    >>> from tapegrad import optim
    >>> tx = optim.partition({"body": optim.scale(-0.01), "head": optim.scale(-0.1)},
    ...                      ["body", "head"])
    >>> g = [np.ones(1, np.float32), np.ones(1, np.float32)]
    >>> tx.update(g, tx.init(g))[0]
    [array([-0.01], dtype=float32), array([-0.1], dtype=float32)]
    """
    transforms = dict(transforms)

    def checked(spec, n):
        labels = _flags_from(spec, n, "partition")
        unknown = sorted({repr(lab) for lab in labels if lab not in transforms})
        if unknown:
            raise ValueError(f"partition: labels {', '.join(unknown)} have no transform; "
                             f"transforms are given for {sorted(map(repr, transforms))}")
        return labels

    def labels_of(tree, n, scope):
        spec = param_labels
        if callable(spec):
            spec = spec(scope.treedef.unflatten(tree))
        return checked(spec, n)

    def init(params):
        leaves, treedef = leaves_of(params)
        labels = checked(param_labels(params) if callable(param_labels) else param_labels, len(leaves))
        return PartitionState({
            label: tx.init(treedef.unflatten([p if lab == label else None for p, lab in zip(leaves, labels)]))
            for label, tx in transforms.items()})

    def update_flat(updates, state, params, scope):
        labels = labels_of(params if params is not None else updates, len(updates), scope)
        out = list(updates)
        new_states = {}
        for label, tx in transforms.items():
            sub = [u if lab == label else None for u, lab in zip(updates, labels)]
            sub_params = None if params is None else [p if lab == label else None
                                                      for p, lab in zip(params, labels)]
            res, new_states[label] = call_flat(tx, sub, state.inner_states[label], sub_params, scope)
            for i, lab in enumerate(labels):
                if lab == label:
                    out[i] = res[i]
        return out, PartitionState(new_states)
    return transform(None, update_flat, init=init, sparse=True)
