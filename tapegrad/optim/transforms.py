"""Scaling transforms: learning rate, momentum, Adam, RMSprop, Adagrad, Adadelta, Nadam, decay.

Each follows Keras 3's update formula operation for operation (the same products, in the same
order, in the variable's dtype), so that the Keras-style classes built from them give Keras'
numbers; where Keras multiplies by the learning rate inside a formula, here the rate is a separate
``scale_by_learning_rate`` and the result differs only by rounding. The kernels write with
``out=`` into buffers the scope allows (see ``_workspace``): no temporary is allocated per step.
"""
from typing import Any, NamedTuple

import numpy as np

from .base import EmptyState, add_to_variable, hyper_value, per_param, transform
from ._masking import EntryCounts, StepTables, current_init_masks
from ._rows import RowUpdate, dtype_of, rows_of, scaled, take_rows
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
    entry_count: Any = None  # per parameter: None, or each entry's step count (masked parameters)


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
    entry_count: Any = None  # per parameter: None, or each entry's step count (masked parameters)


def _zeros(params, fill=0.0):
    return [None if p is None else np.full(p.shape, fill, p.dtype) for p in params]


def _entry_counts_init(params):
    """Per-entry step counts for the parameters that are masked when the state is created."""
    masks = current_init_masks(len(params))
    if masks is None:
        return [None] * len(params)
    return [None if m is None or p is None else np.zeros((1,) * (p.ndim - m.ndim) + m.shape, np.int64)
            for p, m in zip(params, masks)]


def _first_dtype(arrays):
    return next((a.dtype for a in arrays if a is not None), np.dtype(np.float32))


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


def scale_by_adam(b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, lazy_sparse=False):
    """Adam's direction: ``m_hat / (sqrt(v) + eps)`` with Keras' bias correction.

    As Keras 3 (and the Adam paper's "epsilon hat" form): ``m += (g - m)(1 - b1)``,
    ``v += (g^2 - v)(1 - b2)``, updates ``m / (sqrt(v) + eps) * sqrt(1 - b2^t) / (1 - b1^t)``:
    ``eps`` is added to ``sqrt(v)`` before bias correction (optax adds it after; the defaults are
    Keras', eps=1e-7). AMSGrad divides by the running maximum of ``v``. ``adam(learning_rate)``
    is this followed by ``scale_by_learning_rate``, fused.

    ``lazy_sparse=True``: a row-sparse update (an IndexedSlices gradient) moves only the touched
    rows' moments and parameters, in O(rows touched) -- PyTorch's SparseAdam, TF-Addons'
    LazyAdam; not dense Adam's numbers (dense Adam decays every row's moments at every step and
    keeps moving rows with momentum). The bias correction uses the step count, as LazyAdam.

    A parameter with a trainable mask counts ``t`` per entry: the step count it had when it was
    first masked plus the steps at which the entry was trainable (see docs/selective_training.md).
    """
    return _adam(b1, b2, eps, amsgrad, None, lazy_sparse)


def adam(learning_rate=0.001, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, lazy_sparse=False):
    """Adam with its learning rate, Keras 3's update exactly: the rate joins the bias correction
    (Keras' ``alpha = lr * sqrt(1 - b2^t) / (1 - b1^t)``), which saves a pass over every variable
    compared with ``chain(scale_by_adam(), scale_by_learning_rate(lr))`` (same numbers up to
    rounding). ``learning_rate``: a number, a schedule of the step count, or a Tensor/Variable.
    ``lazy_sparse``: see ``scale_by_adam``.

    >>> import numpy as np
    >>> from tapegrad import optim
    >>> tx = optim.adam(0.1)
    >>> u, _ = tx.update([np.array([2.0, -3.0], np.float32)], tx.init([np.zeros(2, np.float32)]))
    >>> u[0].round(4)
    array([-0.1,  0.1], dtype=float32)
    """
    return _adam(b1, b2, eps, amsgrad, learning_rate, lazy_sparse)


def _adam_bias(dt, b1, b2, t):
    """Keras' bias correction at step t (> 0), in scalar type ``dt``: ``(sqrt(1 - b2^t), 1 - b1^t)``."""
    t = dt(t)
    return np.sqrt(dt(1) - np.power(dt(b2), t)), dt(1) - np.power(dt(b1), t)


def _adam_bias_tables(b1, b2):
    def fn(dtype, t, tables):
        dt = dtype.type
        if t == 0:  # an entry that never trained: no update
            return dt(0), dt(1)
        return _adam_bias(dt, b1, b2, t)
    return StepTables(fn, 2)


def _adam_step_size(root, denom, lr):
    """The factor of ``m / (sqrt(v) + eps)``; with the rate, Keras' ``-alpha`` (the rate multiplies
    ``root`` first, as Keras' ``alpha = lr * sqrt(1 - b2^t) / (1 - b1^t)``)."""
    return root / denom if lr is None else -(lr * root / denom)


def _update_moments(g, m_old, v_old, m, v, s, c1, c2):
    """Adam's and Nadam's moments, Keras' operations: ``m = m_old + (g - m_old) * c1``,
    ``v = v_old + (g * g - v_old) * c2`` (``m``/``v`` may be ``m_old``/``v_old``; ``s`` is scratch)."""
    np.subtract(g, m_old, out=s)
    s *= c1
    np.add(m_old, s, out=m)
    np.multiply(g, g, out=s)
    s -= v_old
    s *= c2
    np.add(v_old, s, out=v)


def _adam(b1, b2, eps, amsgrad, learning_rate, lazy_sparse=False):
    tables = _adam_bias_tables(b1, b2)

    def init(params):
        return ScaleByAdamState(np.int64(0), _zeros(params), _zeros(params),
                                _zeros(params) if amsgrad else None, _entry_counts_init(params))

    def update_flat(updates, state, params, scope):
        count = state.count + 1
        mus, nus = list(state.mu), list(state.nu)
        nu_max = list(state.nu_max) if amsgrad else None
        entry_counts = EntryCounts(state.entry_count, state.count, scope)
        consts = {}

        def step(i, g):
            sparse = type(g) is RowUpdate
            dtype = g.values.dtype if sparse else g.dtype
            k = consts.get(dtype)
            if k is None:
                k = consts[dtype] = adam_constants(dtype, count, b1, b2, eps, learning_rate)
            c1, c2, factor, e, lr = k
            steps = entry_counts.step(i, len(updates), g.dense_shape if sparse else g.shape)
            if steps is not None:
                # Per-entry bias correction: each entry's own t, looked up in tables computed by
                # the scalar code above (the same numbers its own variable would get).
                root_t, denom_t = tables.lookup(dtype, rows_of(steps, g.indices) if sparse else steps)
                factor = _adam_step_size(root_t, denom_t, lr)
            if sparse:
                if not lazy_sparse:
                    raise AssertionError("dense Adam got a row-sparse update")
                return _adam_rows(g, i, mus, nus, nu_max, c1, c2, factor, e, scope)
            m_old, v_old = mus[i], nus[i]
            m, v = scope.state(m_old), scope.state(v_old)
            o = scope.writable(g)
            # The output buffer doubles as the temporary (one buffer less in cache: ~15% faster
            # on large variables); when the output is ``g`` itself, ``g`` is needed until v.
            s = o if o is not g else scope.scratch(g)
            vh = None
            if amsgrad:
                vh = scope.state(nu_max[i])
            out = adam_dense(g, m_old, v_old, m, v, o, s, c1, c2, factor, e,
                             nu_max[i] if amsgrad else None, vh)
            mus[i], nus[i] = m, v
            if amsgrad:
                nu_max[i] = vh
            return out

        out = per_param(updates, step, step)
        return out, ScaleByAdamState(count, mus, nus, nu_max, entry_counts.result())

    def fused_apply(updates, state, variables, buffers):
        # The whole step in one loop (dense updates, no per-entry counts, the state donated):
        # the update's kernel and constants, so the same bits, without the transform machinery.
        if state.entry_count is not None and any(c is not None for c in state.entry_count):
            return None
        for g in updates:
            if g is not None and type(g) is not np.ndarray:
                return None  # a row-sparse update: the pipeline's
        count = state.count + 1
        mus, nus = state.mu, state.nu
        consts = {}
        with np.errstate(all="ignore"):  # NaN/inf flow through silently, as in the pipeline
            for i, g in enumerate(updates):
                if g is None:
                    continue
                k = consts.get(g.dtype)
                if k is None:
                    k = consts[g.dtype] = adam_constants(g.dtype, count, b1, b2, eps, learning_rate)
                o = buffers[i]
                if o is None:
                    o = buffers[i] = np.empty_like(g)
                m, v = mus[i], nus[i]
                adam_dense(g, m, v, m, v, o, o, k[0], k[1], k[2], k[3])
                add_to_variable(variables[i], o)
        return ScaleByAdamState(count, mus, nus, None, state.entry_count)

    fused = fused_apply if learning_rate is not None and not amsgrad else None
    return transform(init, update_flat, sparse=lazy_sparse, fused_apply=fused)


def adam_constants(dtype, count, b1, b2, eps, learning_rate):
    """Adam's scalars at step ``count`` for variables of ``dtype``: ``(1 - b1, 1 - b2, step
    factor, eps, lr)``, the factor as Keras' ``alpha = lr * sqrt(1 - b2^t) / (1 - b1^t)`` (negated
    with a rate; ``lr`` None without one), every scalar in the variable's dtype."""
    dt = dtype.type
    lr = None if learning_rate is None else hyper_value(learning_rate, count - 1, dtype)
    factor = _adam_step_size(*_adam_bias(dt, b1, b2, count), lr)
    return dt(1 - b1), dt(1 - b2), factor, dt(eps), lr


def adam_dense(g, m_old, v_old, m, v, o, s, c1, c2, factor, e, vh_old=None, vh=None):
    """One dense Adam step of one parameter, Keras' operations in order: the new moments into
    ``m``, ``v`` (which may be ``m_old``, ``v_old``; AMSGrad's running maximum into ``vh``), the
    update ``m / (sqrt(v) + eps) * factor`` into ``o``, returned (``s``: scratch, may be ``o``
    unless ``o`` is ``g``). Shared by the transform and Keras' fused step, so both give the same
    bits."""
    _update_moments(g, m_old, v_old, m, v, s, c1, c2)
    if vh is not None:
        np.maximum(vh_old, v, out=vh)
        v = vh
    np.sqrt(v, out=o)
    o += e
    np.divide(m, o, out=o)
    o *= factor
    return o


def _state_rows(lst, i, scope):
    """The state array of parameter i, writable in this scope (a copy in a pure call)."""
    old = lst[i]
    new = scope.state(old)
    if new is not old:
        np.copyto(new, old)
    lst[i] = new
    return new


def _adam_rows(g, i, mus, nus, nu_max, c1, c2, factor, e, scope):
    """Lazy Adam on the touched rows (the dense kernel's operations, row by row)."""
    idx, gv = g.indices, g.values
    m_all, v_all = _state_rows(mus, i, scope), _state_rows(nus, i, scope)
    m, v = take_rows(m_all, idx), take_rows(v_all, idx)  # copies, updated in place
    _update_moments(gv, m, v, m, v, np.empty_like(gv), c1, c2)
    m_all[idx], v_all[idx] = m, v
    if nu_max is not None:
        vh_all = _state_rows(nu_max, i, scope)
        v = np.maximum(take_rows(vh_all, idx), v)
        vh_all[idx] = v
    o = np.sqrt(v)
    o += e
    np.divide(m, o, out=o)
    o *= factor
    return g.with_values(o)


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


def _next_u_product(up_dt, previous, b1, t):
    """Nadam's running product of the momentum schedule at step t, from the one at t - 1 (in the
    scalar type ``up_dt`` of the state's ``u_product``)."""
    return up_dt(previous) * up_dt(b1) * (up_dt(1.0) - up_dt(0.5) * np.power(up_dt(0.96), up_dt(t)))


def _nadam_schedule(b1, b2, up_dtype):
    """Per step t: (1 - u_t, 1 - u_product_t, u_{t+1}, 1 - u_product_t * u_{t+1}, 1 - b2^t), in
    each dtype, computed as the unmasked path computes them (u_product by the same recurrence)."""
    up_dt = np.dtype(up_dtype).type
    products = [up_dt(1.0)]

    def product(t):
        while len(products) <= t:
            products.append(_next_u_product(up_dt, products[-1], b1, len(products)))
        return products[t]

    def fn(dtype, t, tables):
        dt = dtype.type
        if t == 0:
            return dt(1), dt(1), dt(0), dt(1), dt(1)
        return _nadam_factors(dt, b1, b2, t, product(t))
    return StepTables(fn, 5)


def _nadam_factors(dt, b1, b2, t, u_product):
    """Keras' Nadam scalars at step t (> 0) in scalar type ``dt``, given the momentum schedule's
    product up to t: ``(1 - u_t, 1 - u_product, u_{t+1}, 1 - u_product * u_{t+1}, 1 - b2^t)``."""
    beta_1, beta_2, decay, half, one = dt(b1), dt(b2), dt(0.96), dt(0.5), dt(1)
    u_t = beta_1 * (one - half * np.power(decay, dt(t)))
    u_t_1 = beta_1 * (one - half * np.power(decay, dt(t + 1)))
    up = dt(u_product)
    return one - u_t, one - up, u_t_1, one - up * u_t_1, one - np.power(beta_2, dt(t))


def scale_by_nadam(b1=0.9, b2=0.999, eps=1e-7):
    """Nadam's direction, as Keras 3 (Dozat's momentum schedule ``u_t = b1 (1 - 0.5 * 0.96^t)``
    and its running product). A masked parameter counts ``t`` per entry, as ``scale_by_adam``."""
    tables = {}

    def init(params):
        return ScaleByNadamState(np.int64(0), _first_dtype(params).type(1.0), _zeros(params), _zeros(params),
                                 _entry_counts_init(params))

    def update_flat(updates, state, params, scope):
        count = state.count + 1
        up_dt = np.asarray(state.u_product).dtype.type
        # Keras updates u_product once per step, before the variables.
        u_product = _next_u_product(up_dt, state.u_product, b1, count)
        mus, nus = list(state.mu), list(state.nu)
        entry_counts = EntryCounts(state.entry_count, state.count, scope)

        def step(i, g):
            dt = g.dtype.type
            steps = entry_counts.step(i, len(updates), g.shape)
            if steps is None:
                k_g, k_up, k_m, k_up1, k_v = _nadam_factors(dt, b1, b2, count, u_product)
            else:
                key = (up_dt, g.dtype)
                if key not in tables:
                    tables[key] = _nadam_schedule(b1, b2, up_dt)
                k_g, k_up, k_m, k_up1, k_v = tables[key].lookup(g.dtype, steps)
            s = scope.scratch(g)
            m_old, v_old = mus[i], nus[i]
            m, v = scope.state(m_old), scope.state(v_old)
            _update_moments(g, m_old, v_old, m, v, s, dt(1) - dt(b1), dt(1) - dt(b2))
            mus[i], nus[i] = m, v
            np.multiply(g, k_g, out=s)
            s /= k_up
            o = scope.writable(g)
            np.multiply(m, k_m, out=o)
            o /= k_up1
            o += s
            np.divide(v, k_v, out=s)
            np.sqrt(s, out=s)
            s += dt(eps)
            o /= s
            return o

        out = per_param(updates, step)
        return out, ScaleByNadamState(count, u_product, mus, nus, entry_counts.result())
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
