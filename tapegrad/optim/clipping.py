"""Gradient clipping by value, by each tensor's norm, by the global norm (Keras 3's formulas).

With trainable masks (see ``_masking``) a norm counts only the trainable entries. A row-sparse
update (an IndexedSlices gradient) stays sparse: its norm is the norm of its summed rows.
"""
import numpy as np

from .base import EmptyState, per_param, transform
from ._rows import RowUpdate, dtype_of, rows_of, scaled


def _sum_of_squares(u, mask=None, scope=None):
    if type(u) is RowUpdate:
        v = u.values
        if mask is not None:
            v = v[np.broadcast_to(rows_of(mask, u.indices), v.shape)]
        flat = v.reshape(-1)
    elif mask is not None:
        # The trainable entries in order: the same dot product as a variable made of them.
        flat = u[np.broadcast_to(mask, u.shape)]
    else:
        flat = u.reshape(-1)
    return np.dot(flat, flat)  # one BLAS pass, no temporary; in the array's dtype


def clip(max_delta):
    """Clip every update element to ``[-max_delta, max_delta]`` (Keras' ``clipvalue``)."""
    def update_flat(updates, state, params, scope):
        def dense_step(i, u):
            d = u.dtype.type(max_delta)
            o = scope.writable(u)
            np.clip(u, -d, d, out=o)
            return o

        def rows_step(i, u):
            d = u.values.dtype.type(max_delta)
            return u.with_values(np.clip(u.values, -d, d))

        return per_param(updates, dense_step, rows_step), state
    return transform(lambda params: EmptyState(), update_flat, sparse=True)


def clip_by_norm(max_norm):
    """Rescale each update whose L2 norm exceeds ``max_norm`` to that norm (Keras' ``clipnorm``).

    As ``tf.clip_by_norm``: ``u * max_norm / max(norm(u), max_norm)``, computed for every tensor
    (a tensor within the norm may change in its last bit, as in Keras).

    >>> import numpy as np
    >>> from tapegrad import optim
    >>> optim.clip_by_norm(1.0).update([np.array([3.0, 4.0], np.float32)], optim.EmptyState())[0]
    [array([0.6, 0.8], dtype=float32)]
    """
    def update_flat(updates, state, params, scope):
        masks = scope.masks

        def step(i, u):
            dt = dtype_of(u).type
            c = dt(max_norm)
            l2sum = dt(_sum_of_squares(u, None if masks is None else masks[i], scope))
            norm = np.sqrt(l2sum) if l2sum > 0 else l2sum
            if type(u) is RowUpdate:
                v = u.values * c
                v /= np.maximum(norm, c)
                return u.with_values(v)
            o = scope.writable(u)
            np.multiply(u, c, out=o)
            o /= np.maximum(norm, c)
            return o

        return per_param(updates, step, step), state
    return transform(lambda params: EmptyState(), update_flat, sparse=True)


def global_norm(updates, masks=None, scope=None):
    """The L2 norm of all updates together (None skipped), in the widest update dtype; with
    ``masks``, of their trainable entries."""
    present = [(u, None if masks is None else masks[i]) for i, u in enumerate(updates) if u is not None]
    dtype = np.result_type(*[dtype_of(u) for u, _ in present]) if present else np.dtype(np.float32)
    squares = np.array([_sum_of_squares(u, m, scope) for u, m in present], dtype)
    return np.sqrt(squares.sum(dtype=dtype))


def clip_by_global_norm(max_norm):
    """Scale all updates by ``max_norm / max(global_norm, max_norm)`` (Keras' ``global_clipnorm``).

    Keras' form: ``scale = max_norm * min(1/norm, 1/max_norm)``, applied to every tensor; a
    non-finite norm makes every update NaN (as Keras), so a bad step is visible, not silent.
    """
    def update_flat(updates, state, params, scope):
        norm = global_norm(updates, scope.masks, scope)
        dt = norm.dtype.type
        with np.errstate(divide="ignore", invalid="ignore"):  # norm 0: 1/0 = inf, min picks 1/max
            scale = dt(max_norm) * np.minimum(dt(1.0) / norm, dt(1.0 / max_norm)) + (norm - norm)
        return [None if u is None else scaled(u, dtype_of(u).type(scale), scope) for u in updates], state
    return transform(lambda params: EmptyState(), update_flat, sparse=True)
