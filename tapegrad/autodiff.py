"""Forward-mode differentiation: ``tapegrad.autodiff.ForwardAccumulator``."""
from .core import nest
from .core.tape import GradientTape, UnconnectedGradients
from .core.registry import convert_to_tensor, API
from .core.tensor import new_tensor
import numpy as np


class ForwardAccumulator:
    """Jacobian-vector products of values computed from ``primals``, as TF's ForwardAccumulator.

    >>> import tapegrad as tf
    >>> x = tf.constant([1.0, 2.0])
    >>> with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 0.0])) as acc:
    ...     y = x * x
    >>> acc.jvp(y).numpy()
    array([2., 0.], dtype=float32)

    How: the accumulator records like a persistent tape; ``jvp(y)`` is the "double VJP"
    J t = d/du <J^T u, t>, two backward passes of tapegrad ops. It is exact, works for every
    op with a gradient (no separate forward rules), and nests with tapes (forward-over-reverse
    Hessian-vector products).
    """

    def __init__(self, primals, tangents):
        self._primals = nest.flatten(primals)
        self._tangents = [convert_to_tensor(t) for t in nest.flatten(tangents)]
        if len(self._primals) != len(self._tangents):
            raise ValueError(f"ForwardAccumulator: {len(self._primals)} primals but "
                             f"{len(self._tangents)} tangents")
        for p, t in zip(self._primals, self._tangents):
            if tuple(p.shape) != tuple(t.shape) or p.dtype != t.dtype:
                raise ValueError(f"ForwardAccumulator: tangent of shape {t.shape} and dtype {t.dtype.name} "
                                 f"for a primal of shape {p.shape} and dtype {p.dtype.name}")
        self._tape = GradientTape(persistent=True, watch_accessed_variables=False)
        self._tape.watch(self._primals)

    def __enter__(self):
        self._tape.__enter__()
        return self

    def __exit__(self, *exc):
        return self._tape.__exit__(*exc)

    def jvp(self, primals, unconnected_gradients=UnconnectedGradients.NONE):
        """The JVP (directional derivative along the tangents) of each of ``primals``.

        A nested structure is answered in one double VJP for all its tensors, so ask for all
        the values you need at once (e.g. every gradient of a Hessian-vector product).
        """
        unconnected = UnconnectedGradients(unconnected_gradients)
        flat = [convert_to_tensor(y) for y in nest.flatten(primals)]
        return nest.pack_sequence_as(primals, self._jvps(flat, unconnected))

    def _jvps(self, ys, unconnected):
        # J_k t for every output y_k: with u_k watched, d/du_k <sum_k J_k^T u_k, t> = J_k t.
        us = [new_tensor(np.zeros(y._value.shape, y._value.dtype), None) for y in ys]
        with GradientTape() as inner:
            inner.watch(us)
            grads = self._tape.gradient(ys, self._primals, output_gradients=us)
            total = None
            for g, t in zip(grads, self._tangents):
                if g is not None:
                    term = API["reduce_sum"](g * t)
                    total = term if total is None else total + term
        results = [None] * len(ys) if total is None else inner.gradient(total, us)
        if unconnected is UnconnectedGradients.ZERO:
            results = [new_tensor(np.zeros(y._value.shape, y._value.dtype), None) if r is None else r
                       for r, y in zip(results, ys)]
        return results
