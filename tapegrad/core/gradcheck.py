"""Finite-difference gradient checking, for tapegrad's own op tests and for users' functions.

``check_gradients(f, args)`` compares the tape's reverse-mode gradient with float64 central
differences along random directions (a random projection of the Jacobian on both sides), and
with ``order=2`` (or 3) does the same for the gradient itself, computed with nested tapes.
``compute_gradient(f, x)`` is TensorFlow's ``tf.test.compute_gradient``: full Jacobians.
"""
import numpy as np

from . import nest
from .registry import API, convert_to_tensor
from .tape import GradientTape
from .tensor import TensorLike, new_tensor


def _value(x):
    return np.asarray(x._value if isinstance(x, TensorLike) else x)


def _outputs(y):
    return [_value(o) for o in nest.flatten(y)]


def _projected(f, weights):
    """x -> sum_k <weights_k, f(x)_k>: a scalar whose gradient is J^T w."""
    def scalar(*xs):
        total = None
        for out, w in zip(nest.flatten(f(*xs)), weights):
            term = API["reduce_sum"](out * w)
            total = term if total is None else total + term
        return total
    return scalar


def _tape_gradient(scalar_fn, args, diff):
    xs = [convert_to_tensor(a) for a in args]
    with GradientTape() as tape:
        for i in diff:
            tape.watch(xs[i])
        y = scalar_fn(*xs)
    grads = tape.gradient(y, [xs[i] for i in diff])
    return y, grads


def check_gradients(f, args, order=1, eps=1e-6, rtol=1e-5, atol=1e-6, seed=0, directions=2):
    """Assert that the gradients of ``f`` at ``args`` match central finite differences.

    ``f`` takes tensors and returns a tensor or a nested structure of them. Float arguments
    are differentiated (in float64: pass float64 values); integer ones are held fixed.
    Raises AssertionError naming the argument and both values on a mismatch; also checks
    that each gradient has its argument's shape and dtype.

    >>> import tapegrad as tf
    >>> tf.testing.check_gradients(lambda x: tf.exp(x) * x, [np.array([0.5, -1.0])], order=2)
    """
    rng = np.random.default_rng(seed)
    args = [_value(a) for a in args]
    diff = [i for i, a in enumerate(args) if a.dtype.kind == "f"]
    outs = _outputs(f(*[convert_to_tensor(a) for a in args]))
    weights = [rng.standard_normal(o.shape).astype(o.dtype) if o.dtype.kind == "f" else np.zeros(o.shape, o.dtype)
               for o in outs]
    scalar = _projected(f, weights)
    _, grads = _tape_gradient(scalar, args, diff)
    for i, g in zip(diff, grads):
        if g is not None:
            g = convert_to_tensor(g)
            assert tuple(g.shape) == args[i].shape and g._value.dtype == args[i].dtype, (
                f"gradient of argument {i} has shape {tuple(g.shape)} and dtype {g._value.dtype}; "
                f"the argument has shape {args[i].shape} and dtype {args[i].dtype}")
    for _ in range(directions):
        for i, g in zip(diff, grads):
            v = rng.standard_normal(args[i].shape).astype(args[i].dtype)
            plus = list(args)
            minus = list(args)
            plus[i] = args[i] + eps * v
            minus[i] = args[i] - eps * v
            numeric = (float(_value(scalar(*[convert_to_tensor(a) for a in plus]))) -
                       float(_value(scalar(*[convert_to_tensor(a) for a in minus])))) / (2 * eps)
            analytic = 0.0 if g is None else float(np.sum(_value(g) * v))
            if not abs(numeric - analytic) <= atol + rtol * max(abs(numeric), abs(analytic)):
                raise AssertionError(
                    f"order-{order} gradient check failed for argument {i} (shape {args[i].shape}): "
                    f"reverse mode gives {analytic!r}, central differences give {numeric!r} "
                    f"(difference {abs(numeric - analytic):.3g}; eps={eps})")
    if order > 1:
        ws = {i: rng.standard_normal(args[i].shape).astype(args[i].dtype) for i in diff}

        def projected_gradient(*xs):
            _, gs = _tape_gradient(scalar, xs, diff)
            total = None
            for i, g in zip(diff, gs):
                if g is not None:
                    term = API["reduce_sum"](convert_to_tensor(g) * ws[i])
                    total = term if total is None else total + term
            return total if total is not None else new_tensor(np.zeros((), np.float64), None)

        check_gradients(projected_gradient, args, order - 1, eps, rtol, atol, seed + 1, directions)


def compute_gradient(f, x, delta=None):
    """Theoretical and numerical Jacobians of ``f`` at the list ``x`` (``tf.test.compute_gradient``).

    Returns ``(theoretical, numerical)``: lists with one 2-D array per argument, of shape
    ``[y.size, x_i.size]``.
    """
    x = [_value(a) for a in nest.flatten(x)]
    delta = (1e-3 if all(a.dtype == np.float32 for a in x) else 1e-6) if delta is None else delta
    xs = [convert_to_tensor(a) for a in x]
    with GradientTape(persistent=True) as tape:
        for t in xs:
            tape.watch(t)
        y = convert_to_tensor(f(*xs))
    theoretical = []
    for i, a in enumerate(x):
        jac = tape.jacobian(y, xs[i], unconnected_gradients="zero")
        theoretical.append(_value(jac).reshape(y._value.size, a.size))
    numerical = []
    for i, a in enumerate(x):
        cols = []
        for j in range(a.size):
            step = np.zeros(a.size, a.dtype)
            step[j] = delta
            plus = list(x)
            minus = list(x)
            plus[i] = a + step.reshape(a.shape)
            minus[i] = a - step.reshape(a.shape)
            yp = _value(f(*[convert_to_tensor(v) for v in plus])).astype(np.float64)
            ym = _value(f(*[convert_to_tensor(v) for v in minus])).astype(np.float64)
            cols.append(((yp - ym) / (2 * delta)).reshape(-1))
        numerical.append(np.stack(cols, axis=1).astype(a.dtype) if cols else np.zeros((y._value.size, 0)))
    return theoretical, numerical
