"""Adam and Nadam: first and second moments with Keras' bias correction.

Both follow Keras 3's update formula operation for operation (see ``transforms``). A parameter
with a trainable mask counts its bias-correction step per entry (``_masking.EntryCounts``):
the scalars of each entry's own step come from tables computed by the same scalar code, so an
entry gets exactly the numbers its own variable would. ``adam`` also offers a fused step
(``GradientTransformation.fused_apply``) that Keras' ``Adam`` runs in the plainest case.
"""
from typing import Any, NamedTuple

import numpy as np

from .base import add_to_variable, hyper_value, per_param, transform
from ._masking import EntryCounts, StepTables, current_init_masks
from ._rows import RowUpdate, rows_of, take_rows
from .transforms import _state_rows, _zeros


class ScaleByAdamState(NamedTuple):
    count: Any
    mu: list       # first moment (Keras: momentum)
    nu: list       # second moment (Keras: velocity)
    nu_max: Any    # AMSGrad's running maximum of nu (Keras: velocity_hat), None without amsgrad
    entry_count: Any = None  # per parameter: None, or each entry's step count (masked parameters)


class ScaleByNadamState(NamedTuple):
    count: Any
    u_product: Any  # product of the momentum schedule so far (Keras' u_product)
    mu: list
    nu: list
    entry_count: Any = None  # per parameter: None, or each entry's step count (masked parameters)


def _entry_counts_init(params):
    """Per-entry step counts for the parameters that are masked when the state is created."""
    masks = current_init_masks(len(params))
    if masks is None:
        return [None] * len(params)
    return [None if m is None or p is None else np.zeros((1,) * (p.ndim - m.ndim) + m.shape, np.int64)
            for p, m in zip(params, masks)]


def _first_dtype(arrays):
    return next((a.dtype for a in arrays if a is not None), np.dtype(np.float32))


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
        entry_count = state.entry_count
        if entry_count is not None and entry_count.count(None) != len(entry_count):
            return None  # per-entry step counts (a mask was seen): the update's
        if not set(map(type, updates)) <= _DENSE:
            return None  # a row-sparse update: the update's
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


_DENSE = {np.ndarray, type(None)}


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
