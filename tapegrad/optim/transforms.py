"""Scaling transforms: learning rate, momentum, RMSprop, Adagrad, Adadelta, decay, moving averages
(Adam and Nadam: ``adam``).

Each follows Keras 3's update formula operation for operation (the same products, in the same
order, in the variable's dtype), so that the Keras-style classes built from them give Keras'
numbers; where Keras multiplies by the learning rate inside a formula, here the rate is a separate
``scale_by_learning_rate`` and the result differs only by rounding. The kernels write with
``out=`` into buffers the scope allows (see ``_workspace``): no temporary is allocated per step.
"""
from typing import Any, NamedTuple

import numpy as np

from .base import EmptyState, hyper_value, per_param, transform
from ._rows import dtype_of, scaled, take_rows
from ..core.tensor import TensorLike


class ScaleByScheduleState(NamedTuple):
    count: Any  # steps taken (the schedule's argument)


class TraceState(NamedTuple):
    trace: list


class EmaState(NamedTuple):
    count: Any     # averages taken so far (the first average is the value itself)
    ema: list      # each parameter's average (Keras: <variable>_average)


class ScaleByRmsState(NamedTuple):
    nu: list       # mean square (Keras: velocity)
    mu: Any        # mean, when centered (Keras: average_gradient), else None


class ScaleByAdagradState(NamedTuple):
    sum_of_squares: list  # Keras: accumulator


class ScaleByAdadeltaState(NamedTuple):
    acc_grad: list   # Keras: accumulated_grad
    acc_delta: list  # Keras: accumulated_delta_var


def _zeros(params, fill=0.0):
    return [None if p is None else np.full(p.shape, fill, p.dtype) for p in params]


def scale(step_size):
    """Multiply updates by ``step_size`` (a number, or a Tensor/Variable read at each step).

    >>> import numpy as np
    >>> from tapegrad import optim
    >>> optim.scale(-2.0).update([np.array([1.0, 3.0], np.float32)], optim.EmptyState())[0]
    [array([-2., -6.], dtype=float32)]
    """
    def update_flat(updates, state, params, scope):
        return [None if u is None else scaled(u, hyper_value(step_size, None, dtype_of(u)), scope)
                for u in updates], state
    return transform(lambda params: EmptyState(), update_flat, sparse=True)


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

    def rate(dtype, count):
        return dtype.type(sign) * hyper_value(learning_rate, count, dtype)

    def update_flat(updates, state, params, scope):
        count = state.count if scheduled else None
        out = [None if u is None else scaled(u, rate(dtype_of(u), count), scope) for u in updates]
        return out, (ScaleByScheduleState(state.count + 1) if scheduled else state)
    return transform(init, update_flat, sparse=True)


def trace(decay, nesterov=False, lazy_sparse=False):
    """Momentum: ``t = decay * t + u``; updates ``t`` (Nesterov: ``decay * t + u``).

    After ``scale_by_learning_rate`` this is Keras' SGD momentum ``m = momentum*m - lr*g``
    (the rate enters the trace, so a changing rate is handled as Keras does).
    ``lazy_sparse=True``: a row-sparse update (an IndexedSlices gradient) decays and updates
    only the touched rows' traces (the other rows' momentum is not applied): O(rows touched),
    not the dense numbers.
    """
    def init(params):
        return TraceState(_zeros(params))

    def update_flat(updates, state, params, scope):
        traces = list(state.trace)

        def rows_step(i, u):
            d = u.values.dtype.type(decay)
            t = _state_rows(traces, i, scope)
            rows = take_rows(t, u.indices)
            rows *= d
            rows += u.values
            t[u.indices] = rows
            return u.with_values(u.values + rows * d if nesterov else rows)

        def dense_step(i, u):
            d = u.dtype.type(decay)
            old = traces[i]
            t = scope.state(old)
            np.multiply(old, d, out=t)
            np.add(t, u, out=t)
            traces[i] = t
            if not nesterov:
                return t  # the trace itself (not owned: later transforms copy before writing)
            s = scope.scratch(u)
            np.multiply(t, d, out=s)
            o = scope.writable(u)
            np.add(u, s, out=o)
            return o

        return per_param(updates, dense_step, rows_step), TraceState(traces)
    return transform(init, update_flat, sparse=lazy_sparse)


def _state_rows(lst, i, scope):
    """The state array of parameter i, writable in this scope (a copy in a pure call)."""
    old = lst[i]
    new = scope.state(old)
    if new is not old:
        np.copyto(new, old)
    lst[i] = new
    return new


def scale_by_rms(decay=0.9, eps=1e-7, centered=False, initial_scale=0.0, lazy_sparse=False):
    """RMSprop's direction, as Keras 3: ``v = decay*v + (1-decay)*g^2``; updates
    ``g / sqrt(v + eps)`` (``eps`` inside the root); centered: ``g / sqrt(v - mean^2 + eps)``.

    ``lazy_sparse=True``: a row-sparse update (an IndexedSlices gradient) decays and updates only
    the touched rows' averages, in O(rows touched) (not dense RMSprop's numbers)."""
    def init(params):
        return ScaleByRmsState(_zeros(params, initial_scale), _zeros(params) if centered else None)

    def update_flat(updates, state, params, scope):
        nus = list(state.nu)
        mus = list(state.mu) if centered else None

        def dense_step(i, g):
            o = scope.writable(g)
            s = o if o is not g else scope.scratch(g)  # the output doubles as the temporary
            v_old = nus[i]
            v = nus[i] = scope.state(v_old)
            a_old = a = None
            if centered:
                a_old = mus[i]
                a = mus[i] = scope.state(a_old)
            _rms_root(g, v_old, v, a_old, a, s, decay, eps)
            np.divide(g, s, out=o)
            return o

        out = per_param(updates, dense_step, lambda i, g: _rms_rows(g, i, nus, mus, decay, eps, scope))
        return out, ScaleByRmsState(nus, mus)
    return transform(init, update_flat, sparse=lazy_sparse)


def _rms_root(g, v_old, v, a_old, a, s, decay, eps):
    """RMSprop's averages, Keras' operations: ``v = v_old * rho + g^2 * (1 - rho)`` and, when
    centered (``a_old`` given), ``a = a_old * rho + g * (1 - rho)``; then the root
    ``sqrt(v + eps)`` (centered: ``sqrt(v - a^2 + eps)``) into the scratch ``s``.
    ``v``/``a`` may be ``v_old``/``a_old``."""
    dt = g.dtype.type
    rho, one_minus, e = dt(decay), dt(1 - decay), dt(eps)
    np.multiply(v_old, rho, out=v)
    np.multiply(g, g, out=s)
    s *= one_minus
    v += s
    if a_old is not None:
        np.multiply(a_old, rho, out=a)
        np.multiply(g, one_minus, out=s)
        a += s
        np.multiply(a, a, out=s)
        np.subtract(v, s, out=s)
        s += e
    else:
        np.add(v, e, out=s)
    np.sqrt(s, out=s)


def _rms_rows(g, i, nus, mus, decay, eps, scope):
    """Lazy RMSprop on the touched rows (the dense kernel's operations, row by row)."""
    idx, gv = g.indices, g.values
    v_all = _state_rows(nus, i, scope)
    a_all = None if mus is None else _state_rows(mus, i, scope)
    v = take_rows(v_all, idx)  # copies of the rows, updated in place
    a = None if a_all is None else take_rows(a_all, idx)
    s = np.empty_like(gv)
    _rms_root(gv, v, v, a, a, s, decay, eps)
    v_all[idx] = v
    if a_all is not None:
        a_all[idx] = a
    return g.with_values(gv / s)


def scale_by_adagrad(initial_accumulator_value=0.1, eps=1e-7):
    """Adagrad's direction, as Keras 3: ``acc += g^2``; updates ``g / sqrt(acc + eps)``.

    A row-sparse update (an IndexedSlices gradient) is applied to the touched rows only, in
    O(rows touched): the same numbers as the dense update (an untouched row's accumulator gains
    0 and its update is 0)."""
    def init(params):
        return ScaleByAdagradState(_zeros(params, initial_accumulator_value))

    def update_flat(updates, state, params, scope):
        accs = list(state.sum_of_squares)

        def rows_step(i, g):
            acc_all = _state_rows(accs, i, scope)
            gv = g.values
            acc = take_rows(acc_all, g.indices)
            acc += gv * gv
            acc_all[g.indices] = acc
            acc += gv.dtype.type(eps)
            np.sqrt(acc, out=acc)
            return g.with_values(gv / acc)

        def dense_step(i, g):
            o = scope.writable(g)
            s = o if o is not g else scope.scratch(g)  # the output doubles as the temporary
            old = accs[i]
            acc = scope.state(old)
            np.multiply(g, g, out=s)
            np.add(old, s, out=acc)
            accs[i] = acc
            np.add(acc, g.dtype.type(eps), out=s)
            np.sqrt(s, out=s)
            np.divide(g, s, out=o)
            return o

        return per_param(updates, dense_step, rows_step), ScaleByAdagradState(accs)
    return transform(init, update_flat, sparse=True)


def scale_by_adadelta(rho=0.95, eps=1e-7):
    """Adadelta's direction, as Keras 3: ``Eg = rho*Eg + (1-rho)*g^2``,
    ``d = sqrt(Ed + eps) * g / sqrt(Eg + eps)``, ``Ed = rho*Ed + (1-rho)*d^2``; updates ``d``."""
    def init(params):
        return ScaleByAdadeltaState(_zeros(params), _zeros(params))

    def update_flat(updates, state, params, scope):
        eg_list, ed_list = list(state.acc_grad), list(state.acc_delta)

        def step(i, g):
            dt = g.dtype.type
            r, one_minus, e = dt(rho), dt(1 - rho), dt(eps)
            s, s2 = scope.scratch(g, 0), scope.scratch(g, 1)
            eg_old, ed_old = eg_list[i], ed_list[i]
            eg, ed = scope.state(eg_old), scope.state(ed_old)
            np.multiply(eg_old, r, out=eg)
            np.multiply(g, g, out=s)
            s *= one_minus
            eg += s
            np.add(ed_old, e, out=s)
            np.sqrt(s, out=s)
            s *= g
            np.add(eg, e, out=s2)
            np.sqrt(s2, out=s2)
            o = scope.writable(g)
            np.divide(s, s2, out=o)
            np.multiply(ed_old, r, out=ed)
            np.multiply(o, o, out=s)
            s *= one_minus
            ed += s
            eg_list[i], ed_list[i] = eg, ed
            return o

        return per_param(updates, step), ScaleByAdadeltaState(eg_list, ed_list)
    return transform(init, update_flat)


def add_decayed_weights(weight_decay=0.0, mask=None):
    """Add ``weight_decay * params`` to the updates (decoupled weight decay when it comes after
    the optimizer's direction and before the learning rate, as AdamW).

    ``weight_decay``: a number or a Tensor/Variable read at each step. ``mask``: booleans aligned
    with the parameters (or a function of the parameters returning them); False leaves skip decay.
    """
    from .wrappers import mask_flags

    def update_flat(updates, state, params, scope):
        if params is None:
            raise ValueError("add_decayed_weights: the update needs `params` (the current parameter "
                             "values) to decay them; call update(updates, state, params)")
        flags = mask_flags(mask, params, scope) if mask is not None else None

        def step(i, u):
            if flags is not None and not flags[i]:
                return u
            s = scope.scratch(u)
            np.multiply(params[i], hyper_value(weight_decay, None, u.dtype), out=s)
            o = scope.writable(u)
            np.add(u, s, out=o)
            return o

        return per_param(updates, step), state
    return transform(lambda params: EmptyState(), update_flat)


def ema(decay):
    """Exponential moving average of the values it is given (optax's ``ema``, Keras' ``use_ema``
    form): ``avg = decay * avg + (1 - decay) * x``, where the first average is ``x`` itself
    (decay 0 at count 0, as Keras); the updates it returns are the new averages.

    Keras' ``use_ema`` runs it after each step on the variables' new values (see
    ``keras.optimizers.Optimizer``); with trainable masks, a frozen entry's average is kept.

    >>> import numpy as np
    >>> from tapegrad import optim
    >>> tx = optim.ema(0.5)
    >>> s = tx.init([np.zeros(1, np.float32)])
    >>> avg, s = tx.update([np.array([4.0], np.float32)], s)
    >>> avg, s = tx.update([np.array([2.0], np.float32)], s)
    >>> avg
    [array([3.], dtype=float32)]
    """
    def init(params):
        return EmaState(np.int64(0), _zeros(params))

    def update_flat(values, state, params, scope):
        first = state.count == 0
        averages = list(state.ema)

        def step(i, x):
            dt = x.dtype.type
            momentum = dt(0) if first else dt(decay)
            old = averages[i]
            new = averages[i] = scope.state(old)
            s = scope.scratch(x)
            np.multiply(momentum, old, out=new)
            np.multiply(dt(1) - momentum, x, out=s)
            new += s
            return new

        return per_param(values, step), EmaState(state.count + 1, averages)
    return transform(init, update_flat)
