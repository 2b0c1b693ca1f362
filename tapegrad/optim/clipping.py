"""Gradient clipping by value, by each tensor's norm, by the global norm (Keras 3's formulas)."""
import numpy as np

from .base import EmptyState, transform


def _sum_of_squares(u):
    flat = u.reshape(-1)
    return np.dot(flat, flat)  # one BLAS pass, no temporary; in the array's dtype


def clip(max_delta):
    """Clip every update element to ``[-max_delta, max_delta]`` (Keras' ``clipvalue``)."""
    def update_flat(updates, state, params, frame):
        out = []
        for u in updates:
            if u is None:
                out.append(None)
                continue
            d = u.dtype.type(max_delta)
            o = frame.writable(u)
            np.clip(u, -d, d, out=o)
            out.append(o)
        return out, state
    return transform(lambda params: EmptyState(), update_flat)


def clip_by_norm(max_norm):
    """Rescale each update whose L2 norm exceeds ``max_norm`` to that norm (Keras' ``clipnorm``).

    As ``tf.clip_by_norm``: ``u * max_norm / max(norm(u), max_norm)``, computed for every tensor
    (a tensor within the norm may change in its last bit, as in Keras).

    >>> import numpy as np
    >>> from tapegrad import optim
    >>> optim.clip_by_norm(1.0).update([np.array([3.0, 4.0], np.float32)], optim.EmptyState())[0]
    [array([0.6, 0.8], dtype=float32)]
    """
    def update_flat(updates, state, params, frame):
        out = []
        for u in updates:
            if u is None:
                out.append(None)
                continue
            dt = u.dtype.type
            c = dt(max_norm)
            l2sum = dt(_sum_of_squares(u))
            norm = np.sqrt(l2sum) if l2sum > 0 else l2sum
            o = frame.writable(u)
            np.multiply(u, c, out=o)
            o /= np.maximum(norm, c)
            out.append(o)
        return out, state
    return transform(lambda params: EmptyState(), update_flat)


def global_norm(updates):
    """The L2 norm of all updates together (None skipped), in the widest update dtype."""
    present = [u for u in updates if u is not None]
    dtype = np.result_type(*present) if present else np.dtype(np.float32)
    squares = np.array([_sum_of_squares(u) for u in present], dtype)
    return np.sqrt(squares.sum(dtype=dtype))


def clip_by_global_norm(max_norm):
    """Scale all updates by ``max_norm / max(global_norm, max_norm)`` (Keras' ``global_clipnorm``).

    Keras' form: ``scale = max_norm * min(1/norm, 1/max_norm)``, applied to every tensor; a
    non-finite norm makes every update NaN (as Keras), so a bad step is visible, not silent.
    """
    def update_flat(updates, state, params, frame):
        norm = global_norm(updates)
        dt = norm.dtype.type
        with np.errstate(divide="ignore", invalid="ignore"):  # norm 0: 1/0 = inf, min picks 1/max
            scale = dt(max_norm) * np.minimum(dt(1.0) / norm, dt(1.0 / max_norm)) + (norm - norm)
        out = []
        for u in updates:
            if u is None:
                out.append(None)
                continue
            o = frame.writable(u)
            np.multiply(u, u.dtype.type(scale), out=o)
            out.append(o)
        return out, state
    return transform(lambda params: EmptyState(), update_flat)
