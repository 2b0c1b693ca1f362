"""Scaling transforms: learning rate, momentum, Adam, RMSprop, Adagrad, Adadelta, Nadam, decay.

Each follows Keras 3's update formula operation for operation (the same products, in the same
order, in the variable's dtype), so that the Keras-style classes built from them give Keras'
numbers; where Keras multiplies by the learning rate inside a formula, here the rate is a separate
``scale_by_learning_rate`` and the result differs only by rounding. The kernels write with
``out=`` into buffers the frame allows (see ``_workspace``): no temporary is allocated per step.
"""
from typing import Any, NamedTuple

import numpy as np

from .base import EmptyState, hyper_value, transform
from ..core.tensor import TensorLike


class ScaleByScheduleState(NamedTuple):
    count: Any  # steps taken (the schedule's argument)


class TraceState(NamedTuple):
    trace: list


class ScaleByAdamState(NamedTuple):
    count: Any
    mu: list       # first moment (Keras: momentum)
    nu: list       # second moment (Keras: velocity)
    nu_max: Any    # AMSGrad's running maximum of nu (Keras: velocity_hat), None without amsgrad


class ScaleByRmsState(NamedTuple):
    nu: list       # mean square (Keras: velocity)
    mu: Any        # mean, when centered (Keras: average_gradient), else None


class ScaleByAdagradState(NamedTuple):
    sum_of_squares: list  # Keras: accumulator


class ScaleByAdadeltaState(NamedTuple):
    acc_grad: list   # Keras: accumulated_grad
    acc_delta: list  # Keras: accumulated_delta_var


class ScaleByNadamState(NamedTuple):
    count: Any
    u_product: Any  # product of the momentum schedule so far (Keras' u_product)
    mu: list
    nu: list


def _zeros(params, fill=0.0):
    return [None if p is None else np.full(p.shape, fill, p.dtype) for p in params]


def _first_dtype(updates):
    for u in updates:
        if u is not None:
            return u.dtype
    return np.dtype(np.float32)


def scale(step_size):
    """Multiply updates by ``step_size`` (a number, or a Tensor/Variable read at each step).

    >>> import numpy as np
    >>> from tapegrad import optim
    >>> optim.scale(-2.0).update([np.array([1.0, 3.0], np.float32)], optim.EmptyState())[0]
    [array([-2., -6.], dtype=float32)]
    """
    def update_flat(updates, state, params, frame):
        out = []
        for u in updates:
            if u is None:
                out.append(None)
                continue
            o = frame.writable(u)
            np.multiply(u, hyper_value(step_size, None, u.dtype), out=o)
            out.append(o)
        return out, state
    return transform(lambda params: EmptyState(), update_flat)


def scale_by_learning_rate(learning_rate, *, flip_sign=True):
    """Multiply updates by ``-learning_rate`` (``flip_sign=False``: by ``learning_rate``).

    ``learning_rate``: a number; a schedule ``f(step) -> rate`` called with the number of steps
    taken so far (0 first, as optax and Keras); or a Tensor/Variable read at each step (a rate
    that can be changed between steps, as Keras' ``optimizer.learning_rate``).

    >>> import numpy as np
    >>> from tapegrad import optim
    >>> tx = optim.scale_by_learning_rate(lambda step: 0.1 / (1 + step))
    >>> state = tx.init([np.zeros(1, np.float32)])
    >>> u, state = tx.update([np.ones(1, np.float32)], state)
    >>> u, state = tx.update([np.ones(1, np.float32)], state)
    >>> u[0], int(state.count)
    (array([-0.05], dtype=float32), 2)
    """
    sign = -1.0 if flip_sign else 1.0
    scheduled = callable(learning_rate) and not isinstance(learning_rate, TensorLike)

    def init(params):
        return ScaleByScheduleState(np.int64(0)) if scheduled else EmptyState()

    def update_flat(updates, state, params, frame):
        count = state.count if scheduled else None
        out = []
        for u in updates:
            if u is None:
                out.append(None)
                continue
            o = frame.writable(u)
            np.multiply(u, u.dtype.type(sign) * hyper_value(learning_rate, count, u.dtype), out=o)
            out.append(o)
        return out, (ScaleByScheduleState(state.count + 1) if scheduled else state)
    return transform(init, update_flat)


def trace(decay, nesterov=False):
    """Momentum: ``t = decay * t + u``; updates ``t`` (Nesterov: ``decay * t + u``).

    After ``scale_by_learning_rate`` this is Keras' SGD momentum ``m = momentum*m - lr*g``
    (the rate enters the trace, so a changing rate is handled as Keras does).
    """
    def init(params):
        return TraceState(_zeros(params))

    def update_flat(updates, state, params, frame):
        traces = list(state.trace)
        out = []
        for i, u in enumerate(updates):
            if u is None:
                out.append(None)
                continue
            d = u.dtype.type(decay)
            old = traces[i]
            t = frame.state(old)
            np.multiply(old, d, out=t)
            np.add(t, u, out=t)
            traces[i] = t
            if nesterov:
                s = frame.scratch(u)
                np.multiply(t, d, out=s)
                o = frame.writable(u)
                np.add(u, s, out=o)
                out.append(o)
            else:
                out.append(t)  # the trace itself (not owned: later transforms copy before writing)
        return out, TraceState(traces)
    return transform(init, update_flat)


def scale_by_adam(b1=0.9, b2=0.999, eps=1e-7, amsgrad=False):
    """Adam's direction: ``m_hat / (sqrt(v) + eps)`` with Keras' bias correction.

    As Keras 3 (and the Adam paper's "epsilon hat" form): ``m += (g - m)(1 - b1)``,
    ``v += (g^2 - v)(1 - b2)``, updates ``m / (sqrt(v) + eps) * sqrt(1 - b2^t) / (1 - b1^t)``:
    ``eps`` is added to ``sqrt(v)`` before bias correction (optax adds it after; the defaults are
    Keras', eps=1e-7). AMSGrad divides by the running maximum of ``v``. ``adam(learning_rate)``
    is this followed by ``scale_by_learning_rate``, fused.
    """
    return _adam(b1, b2, eps, amsgrad, None)


def adam(learning_rate=0.001, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False):
    """Adam with its learning rate, Keras 3's update exactly: the rate joins the bias correction
    (Keras' ``alpha = lr * sqrt(1 - b2^t) / (1 - b1^t)``), which saves a pass over every variable
    compared with ``chain(scale_by_adam(), scale_by_learning_rate(lr))`` (same numbers up to
    rounding). ``learning_rate``: a number, a schedule of the step count, or a Tensor/Variable.

    >>> import numpy as np
    >>> from tapegrad import optim
    >>> tx = optim.adam(0.1)
    >>> u, _ = tx.update([np.array([2.0, -3.0], np.float32)], tx.init([np.zeros(2, np.float32)]))
    >>> u[0].round(4)
    array([-0.1,  0.1], dtype=float32)
    """
    return _adam(b1, b2, eps, amsgrad, learning_rate)


def _adam(b1, b2, eps, amsgrad, learning_rate):
    def init(params):
        return ScaleByAdamState(np.int64(0), _zeros(params), _zeros(params),
                                _zeros(params) if amsgrad else None)

    def update_flat(updates, state, params, frame):
        count = state.count + 1
        mus, nus = list(state.mu), list(state.nu)
        nu_max = list(state.nu_max) if amsgrad else None
        consts = {}
        out = []
        for i, g in enumerate(updates):
            if g is None:
                out.append(None)
                continue
            dt = g.dtype.type
            k = consts.get(g.dtype)
            if k is None:
                t = dt(count)
                # Keras: alpha = lr * sqrt(1 - b2^t) / (1 - b1^t), in the variable's dtype.
                root = np.sqrt(dt(1) - np.power(dt(b2), t))
                if learning_rate is None:
                    factor = root / (dt(1) - np.power(dt(b1), t))
                else:
                    factor = -(hyper_value(learning_rate, count - 1, g.dtype) * root / (dt(1) - np.power(dt(b1), t)))
                k = consts[g.dtype] = (dt(1 - b1), dt(1 - b2), factor, dt(eps))
            c1, c2, factor, e = k
            m_old, v_old = mus[i], nus[i]
            m, v = frame.state(m_old), frame.state(v_old)
            o = frame.writable(g)
            # The output buffer doubles as the temporary (one buffer less in cache: ~15% faster
            # on large variables); when the output is ``g`` itself, ``g`` is needed until v.
            s = o if o is not g else frame.scratch(g)
            np.subtract(g, m_old, out=s)
            s *= c1
            np.add(m_old, s, out=m)
            np.multiply(g, g, out=s)
            s -= v_old
            s *= c2
            np.add(v_old, s, out=v)
            mus[i], nus[i] = m, v
            if amsgrad:
                vh = frame.state(nu_max[i])
                np.maximum(nu_max[i], v, out=vh)
                nu_max[i] = v = vh
            np.sqrt(v, out=o)
            o += e
            np.divide(m, o, out=o)
            o *= factor
            out.append(o)
        return out, ScaleByAdamState(count, mus, nus, nu_max)
    return transform(init, update_flat)


def scale_by_rms(decay=0.9, eps=1e-7, centered=False, initial_scale=0.0):
    """RMSprop's direction, as Keras 3: ``v = decay*v + (1-decay)*g^2``; updates
    ``g / sqrt(v + eps)`` (``eps`` inside the root); centered: ``g / sqrt(v - mean^2 + eps)``."""
    def init(params):
        return ScaleByRmsState(_zeros(params, initial_scale), _zeros(params) if centered else None)

    def update_flat(updates, state, params, frame):
        nus = list(state.nu)
        mus = list(state.mu) if centered else None
        out = []
        for i, g in enumerate(updates):
            if g is None:
                out.append(None)
                continue
            dt = g.dtype.type
            rho, one_minus, e = dt(decay), dt(1 - decay), dt(eps)
            o = frame.writable(g)
            s = o if o is not g else frame.scratch(g)  # the output doubles as the temporary
            v_old = nus[i]
            v = frame.state(v_old)
            np.multiply(v_old, rho, out=v)
            np.multiply(g, g, out=s)
            s *= one_minus
            v += s
            nus[i] = v
            if centered:
                a_old = mus[i]
                a = frame.state(a_old)
                np.multiply(a_old, rho, out=a)
                np.multiply(g, one_minus, out=s)
                a += s
                mus[i] = a
                np.multiply(a, a, out=s)
                np.subtract(v, s, out=s)
                s += e
            else:
                np.add(v, e, out=s)
            np.sqrt(s, out=s)
            np.divide(g, s, out=o)
            out.append(o)
        return out, ScaleByRmsState(nus, mus)
    return transform(init, update_flat)


def scale_by_adagrad(initial_accumulator_value=0.1, eps=1e-7):
    """Adagrad's direction, as Keras 3: ``acc += g^2``; updates ``g / sqrt(acc + eps)``."""
    def init(params):
        return ScaleByAdagradState(_zeros(params, initial_accumulator_value))

    def update_flat(updates, state, params, frame):
        accs = list(state.sum_of_squares)
        out = []
        for i, g in enumerate(updates):
            if g is None:
                out.append(None)
                continue
            o = frame.writable(g)
            s = o if o is not g else frame.scratch(g)  # the output doubles as the temporary
            old = accs[i]
            acc = frame.state(old)
            np.multiply(g, g, out=s)
            np.add(old, s, out=acc)
            accs[i] = acc
            np.add(acc, g.dtype.type(eps), out=s)
            np.sqrt(s, out=s)
            np.divide(g, s, out=o)
            out.append(o)
        return out, ScaleByAdagradState(accs)
    return transform(init, update_flat)


def scale_by_adadelta(rho=0.95, eps=1e-7):
    """Adadelta's direction, as Keras 3: ``Eg = rho*Eg + (1-rho)*g^2``,
    ``d = sqrt(Ed + eps) * g / sqrt(Eg + eps)``, ``Ed = rho*Ed + (1-rho)*d^2``; updates ``d``."""
    def init(params):
        return ScaleByAdadeltaState(_zeros(params), _zeros(params))

    def update_flat(updates, state, params, frame):
        eg_list, ed_list = list(state.acc_grad), list(state.acc_delta)
        out = []
        for i, g in enumerate(updates):
            if g is None:
                out.append(None)
                continue
            dt = g.dtype.type
            r, one_minus, e = dt(rho), dt(1 - rho), dt(eps)
            s, s2 = frame.scratch(g, 0), frame.scratch(g, 1)
            eg_old, ed_old = eg_list[i], ed_list[i]
            eg, ed = frame.state(eg_old), frame.state(ed_old)
            np.multiply(eg_old, r, out=eg)
            np.multiply(g, g, out=s)
            s *= one_minus
            eg += s
            np.add(ed_old, e, out=s)
            np.sqrt(s, out=s)
            s *= g
            np.add(eg, e, out=s2)
            np.sqrt(s2, out=s2)
            o = frame.writable(g)
            np.divide(s, s2, out=o)
            np.multiply(ed_old, r, out=ed)
            np.multiply(o, o, out=s)
            s *= one_minus
            ed += s
            eg_list[i], ed_list[i] = eg, ed
            out.append(o)
        return out, ScaleByAdadeltaState(eg_list, ed_list)
    return transform(init, update_flat)


def scale_by_nadam(b1=0.9, b2=0.999, eps=1e-7):
    """Nadam's direction, as Keras 3 (Dozat's momentum schedule ``u_t = b1 (1 - 0.5 * 0.96^t)``
    and its running product)."""
    def init(params):
        dtype = next((p.dtype for p in params if p is not None), np.dtype(np.float32))
        return ScaleByNadamState(np.int64(0), dtype.type(1.0), _zeros(params), _zeros(params))

    def update_flat(updates, state, params, frame):
        count = state.count + 1
        up_dt = np.asarray(state.u_product).dtype.type
        # Keras updates u_product once per step, before the variables.
        u_product = (up_dt(state.u_product) * up_dt(b1)
                     * (up_dt(1.0) - up_dt(0.5) * np.power(up_dt(0.96), up_dt(count))))
        mus, nus = list(state.mu), list(state.nu)
        out = []
        for i, g in enumerate(updates):
            if g is None:
                out.append(None)
                continue
            dt = g.dtype.type
            beta_1, beta_2, decay, half, one = dt(b1), dt(b2), dt(0.96), dt(0.5), dt(1)
            t, tn = dt(count), dt(count + 1)
            u_t = beta_1 * (one - half * np.power(decay, t))
            u_t_1 = beta_1 * (one - half * np.power(decay, tn))
            up = dt(u_product)
            up_1 = up * u_t_1
            b2_power = np.power(beta_2, t)
            s = frame.scratch(g)
            m_old, v_old = mus[i], nus[i]
            m, v = frame.state(m_old), frame.state(v_old)
            np.subtract(g, m_old, out=s)
            s *= one - beta_1
            np.add(m_old, s, out=m)
            np.multiply(g, g, out=s)
            s -= v_old
            s *= one - beta_2
            np.add(v_old, s, out=v)
            mus[i], nus[i] = m, v
            np.multiply(g, one - u_t, out=s)
            s /= one - up
            o = frame.writable(g)
            np.multiply(m, u_t_1, out=o)
            o /= one - up_1
            o += s
            np.divide(v, one - b2_power, out=s)
            np.sqrt(s, out=s)
            s += dt(eps)
            o /= s
            out.append(o)
        return out, ScaleByNadamState(count, u_product, mus, nus)
    return transform(init, update_flat)


def add_decayed_weights(weight_decay=0.0, mask=None):
    """Add ``weight_decay * params`` to the updates (decoupled weight decay when it comes after
    the optimizer's direction and before the learning rate, as AdamW).

    ``weight_decay``: a number or a Tensor/Variable read at each step. ``mask``: booleans aligned
    with the parameters (or a function of the parameters returning them); False leaves skip decay.
    """
    from .wrappers import mask_flags

    def update_flat(updates, state, params, frame):
        if params is None:
            raise ValueError("add_decayed_weights: the update needs `params` (the current parameter "
                             "values) to decay them; call update(updates, state, params)")
        flags = mask_flags(mask, params, frame) if mask is not None else None
        out = []
        for i, (u, p) in enumerate(zip(updates, params)):
            if u is None or (flags is not None and not flags[i]):
                out.append(u)
                continue
            s = frame.scratch(u)
            np.multiply(p, hyper_value(weight_decay, None, u.dtype), out=s)
            o = frame.writable(u)
            np.add(u, s, out=o)
            out.append(o)
        return out, state
    return transform(lambda params: EmptyState(), update_flat)
