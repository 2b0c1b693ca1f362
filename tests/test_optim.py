"""tapegrad.optim: the transforms, their composition, purity and in-place mode."""
import numpy as np
import pytest

import tapegrad as tf
from tapegrad import optim

F = np.float32


def arrays(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(F) for s in shapes]


def snapshot(tree):
    return [None if x is None else np.array(x, copy=True) for x in tf.nest.flatten(tree)]


def assert_same_tree(a, b):
    fa, fb = tf.nest.flatten(a), tf.nest.flatten(b)
    assert len(fa) == len(fb)
    for x, y in zip(fa, fb):
        if x is None or y is None:
            assert x is None and y is None
        else:
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


ALL_TRANSFORMS = {
    "scale": lambda: optim.scale(-0.5),
    "scale_by_learning_rate": lambda: optim.scale_by_learning_rate(lambda step: 0.1 / (1 + step)),
    "trace": lambda: optim.trace(0.9),
    "trace_nesterov": lambda: optim.trace(0.9, nesterov=True),
    "adam": lambda: optim.scale_by_adam(),
    "amsgrad": lambda: optim.scale_by_adam(amsgrad=True),
    "rms": lambda: optim.scale_by_rms(),
    "rms_centered": lambda: optim.scale_by_rms(centered=True),
    "adagrad": lambda: optim.scale_by_adagrad(),
    "adadelta": lambda: optim.scale_by_adadelta(),
    "nadam": lambda: optim.scale_by_nadam(),
    "decay": lambda: optim.add_decayed_weights(0.1),
    "clip": lambda: optim.clip(0.5),
    "clip_by_norm": lambda: optim.clip_by_norm(0.5),
    "clip_by_global_norm": lambda: optim.clip_by_global_norm(0.5),
    "accumulate": lambda: optim.accumulate(2),
    "apply_if_finite": lambda: optim.apply_if_finite(optim.scale_by_adam()),
    "masked": lambda: optim.masked(optim.trace(0.5), [True, False, True]),
    "partition": lambda: optim.partition({"a": optim.scale_by_adam(), "b": optim.trace(0.5)}, ["a", "b", "a"]),
    "chain": lambda: optim.chain(optim.clip_by_global_norm(1.0), optim.scale_by_adam(),
                                 optim.add_decayed_weights(0.01), optim.scale_by_learning_rate(0.1)),
}


@pytest.mark.parametrize("name", list(ALL_TRANSFORMS))
def test_pure_call_leaves_its_inputs_alone_and_in_place_gives_the_same_numbers(name):
    params = arrays((3, 4), (4,), (2, 2), seed=1)
    pure, inplace = ALL_TRANSFORMS[name](), ALL_TRANSFORMS[name]()
    s_pure, s_inplace = pure.init(params), inplace.init(params)
    ws = optim.Workspace()
    for step in range(4):
        grads = arrays((3, 4), (4,), (2, 2), seed=10 + step)
        before = (snapshot(grads), snapshot(s_pure), snapshot(params))
        u_pure, s_pure_next = pure.update(grads, s_pure, params)
        assert_same_tree(grads, before[0])       # nothing given was written
        assert_same_tree(s_pure, before[1])
        assert_same_tree(params, before[2])
        s_pure = s_pure_next
        u_inplace, s_inplace = inplace.update(grads, s_inplace, params, inplace=ws)
        assert_same_tree(grads, before[0])       # in place donates the state only
        assert_same_tree(u_inplace, u_pure)      # bit-identical
        assert_same_tree(s_inplace, s_pure)


def test_in_place_updates_state_buffers_and_reuses_its_output_buffers():
    params = arrays((50,), (7, 3))
    tx = optim.chain(optim.clip_by_norm(1.0), optim.scale_by_adam(), optim.scale_by_learning_rate(0.01))
    state = tx.init(params)
    mu = [m for m in state[1].mu]
    ws = optim.Workspace()
    u1, state = tx.update(arrays((50,), (7, 3), seed=3), state, params, inplace=ws)
    first = [id(u) for u in u1]
    u2, state = tx.update(arrays((50,), (7, 3), seed=4), state, params, inplace=ws)
    assert [id(u) for u in u2] == first                        # same buffers: no allocation
    assert all(a is b for a, b in zip(state[1].mu, mu))        # moments updated in place
    assert int(state[1].count) == 2
    # clip wrote a new owned buffer, Adam and the rate wrote into it: one buffer per variable
    assert sum(len(b) for b in ws._pool.values()) == 2


def test_pytrees_keep_their_structure_and_custom_transforms_get_it():
    params = {"w": np.ones((2, 2), F), "b": np.zeros(2, F)}
    seen = []

    def custom_update(updates, state, params=None):
        seen.append(sorted(updates))
        return {k: v * 2 for k, v in updates.items()}, state

    custom = optim.GradientTransformation(lambda p: (), custom_update)
    tx = optim.chain(optim.scale(0.5), custom, optim.scale_by_learning_rate(1.0))
    grads = {"w": np.full((2, 2), 3.0, F), "b": np.array([1.0, -1.0], F)}
    updates, _ = tx.update(grads, tx.init(params), params)
    assert seen == [["b", "w"]]
    assert sorted(updates) == ["b", "w"]
    np.testing.assert_array_equal(updates["w"], np.full((2, 2), -3.0, F))
    new = optim.apply_updates(params, updates)
    np.testing.assert_array_equal(new["b"], np.array([-1.0, 1.0], F))


def test_none_updates_skip_their_parameter_and_all_none_is_no_step():
    params = arrays((3,), (2,))
    tx = optim.chain(optim.scale_by_adam(), optim.scale_by_learning_rate(0.1))
    state = tx.init(params)
    u, state = tx.update([np.ones(3, F), None], state, params)
    assert u[1] is None and int(state[0].count) == 1
    np.testing.assert_array_equal(state[0].mu[1], np.zeros(2, F))  # untouched
    before = snapshot(state)
    u, state2 = tx.update([None, None], state, params)
    assert u == [None, None]
    assert_same_tree(state2, before)                                # no step counted
    out = optim.apply_updates(params, [np.ones(3, F), None])
    assert out[1] is params[1]


def test_tensors_and_variables_are_accepted_as_leaves():
    v = tf.Variable([1.0, 2.0])
    tx = optim.scale_by_learning_rate(0.5)
    u, _ = tx.update([tf.constant([1.0, 1.0])], tx.init([v]), [v])
    out = optim.apply_updates([v], u)
    assert out[0] is v
    np.testing.assert_array_equal(v.numpy(), [0.5, 1.5])


def test_learning_rate_forms():
    g = [np.ones(1, F)]
    lr_var = tf.Variable(0.5)
    tx = optim.scale_by_learning_rate(lr_var)
    s = tx.init(g)
    assert tx.update(g, s)[0][0][0] == F(-0.5)
    lr_var.assign(0.25)
    assert tx.update(g, s)[0][0][0] == F(-0.25)       # read at each step
    steps = []
    tx = optim.scale_by_learning_rate(lambda step: steps.append(int(step)) or 1.0, flip_sign=False)
    s = tx.init(g)
    for _ in range(3):
        u, s = tx.update(g, s)
    assert steps == [0, 1, 2] and u[0][0] == F(1.0)


def test_trace_and_nesterov_formulas():
    g1, g2 = np.array([1.0, -2.0], F), np.array([0.5, 0.5], F)
    for nesterov in (False, True):
        tx = optim.trace(0.9, nesterov=nesterov)
        s = tx.init([g1])
        u, s = tx.update([g1], s)
        u, s = tx.update([g2], s)
        t = F(0.9) * g1 + g2
        np.testing.assert_array_equal(s.trace[0], t)
        np.testing.assert_array_equal(u[0], g2 + F(0.9) * t if nesterov else t)


def test_adam_transform_formula():
    g = [np.array([0.3, -1.0, 2.0], F)]
    tx = optim.scale_by_adam(b1=0.8, b2=0.9, eps=1e-3)
    s = tx.init(g)
    m, v = np.zeros(3), np.zeros(3)
    for t in range(1, 4):
        u, s = tx.update(g, s)
        m = 0.8 * m + 0.2 * g[0]
        v = 0.9 * v + 0.1 * g[0] ** 2
        expected = m * np.sqrt(1 - 0.9 ** t) / (1 - 0.8 ** t) / (np.sqrt(v) + 1e-3)
        np.testing.assert_allclose(u[0], expected, rtol=2e-6)


def test_clipping_formulas():
    a, b = np.array([3.0, 4.0], F), np.array([[0.0, 12.0]], F)
    u, _ = optim.clip(1.0).update([a], optim.EmptyState())
    np.testing.assert_array_equal(u[0], [1.0, 1.0])
    u, _ = optim.clip_by_norm(1.0).update([a, b], optim.EmptyState())
    np.testing.assert_allclose(u[0], [0.6, 0.8], rtol=1e-6)
    np.testing.assert_allclose(u[1], [[0.0, 1.0]], rtol=1e-6)
    u, _ = optim.clip_by_norm(10.0).update([a], optim.EmptyState())
    np.testing.assert_allclose(u[0], a, rtol=1e-6)                  # within the norm
    assert float(optim.global_norm([a, b])) == 13.0
    u, _ = optim.clip_by_global_norm(6.5).update([a, b], optim.EmptyState())
    np.testing.assert_allclose(u[0], a / 2, rtol=1e-6)
    np.testing.assert_allclose(u[1], b / 2, rtol=1e-6)
    u, _ = optim.clip_by_global_norm(1.0).update([np.array([np.inf], F)], optim.EmptyState())
    assert np.isnan(u[0]).all()                                       # Keras: a bad step shows


def test_accumulate_averages_every_k_and_resets():
    tx = optim.chain(optim.accumulate(3), optim.scale_by_adam())
    p = [np.zeros(2, F), np.zeros(1, F)]
    s = tx.init(p)
    out = []
    for step in range(6):
        g = [np.full(2, step + 1.0, F), None if step == 1 else np.full(1, 1.0, F)]
        u, s = tx.update(g, s, p)
        out.append(u)
    assert out[0] == [None, None] and out[1] == [None, None] and out[3] == [None, None]
    assert int(s[1].count) == 2                                      # Adam saw two steps
    reference = optim.accumulate(3, average=False)
    rs = reference.init(p)
    for step in range(3):
        ru, rs = reference.update([np.full(2, step + 1.0, F), np.ones(1, F)], rs)
    np.testing.assert_array_equal(ru[0], [6.0, 6.0])                 # sum mode
    np.testing.assert_array_equal(rs.acc[0], [0.0, 0.0])             # reset
    with pytest.raises(ValueError, match="every_k"):
        optim.accumulate(0)


def test_accumulated_mean_is_what_keras_averages():
    tx = optim.accumulate(2)
    s = tx.init([np.zeros(1, F)])
    _, s = tx.update([np.array([1.0], F)], s)
    u, s = tx.update([np.array([2.0], F)], s)
    assert u[0][0] == F(1.5)


def test_apply_if_finite_skips_and_counts():
    inner = optim.scale_by_adam()
    tx = optim.apply_if_finite(inner, max_consecutive_errors=2)
    p = [np.zeros(2, F)]
    s = tx.init(p)
    u, s = tx.update([np.ones(2, F)], s)
    good_inner = snapshot(s.inner_state)
    for k in range(2):
        u, s = tx.update([np.array([np.nan, 1.0], F)], s)
        assert u == [None]
        assert_same_tree(s.inner_state, good_inner)
        assert int(s.notfinite_count) == k + 1 and not s.last_finite
    u, s = tx.update([np.array([np.inf, 1.0], F)], s)             # third in a row: applied
    assert u[0] is not None and int(s.total_notfinite) == 3
    u, s = tx.update([np.array([1e38, 1e38], F)], s)                # overflowing sum, finite values
    assert int(s.notfinite_count) == 0 and s.last_finite


def test_masked_passes_the_rest_through_and_keeps_aligned_state():
    p = arrays((2,), (3,), (1,))
    tx = optim.masked(optim.chain(optim.trace(0.5), optim.scale(2.0)), lambda params: [x.size > 1 for x in params])
    s = tx.init(p)
    g = [np.ones(2, F), np.ones(3, F), np.full(1, 7.0, F)]
    u, s = tx.update(g, s, p)
    np.testing.assert_array_equal(u[0], [2.0, 2.0])
    assert u[2] is g[2]                                               # passed through
    assert s.inner_state[0].trace[2] is None                          # no state for it
    with pytest.raises(ValueError, match="entries for 3 parameters"):
        optim.masked(optim.identity(), [True]).init(p)


def test_partition_by_labels():
    p = {"body": np.ones(2, F), "head": np.ones(2, F), "frozen": np.ones(1, F)}
    labels = {"body": "slow", "head": "fast", "frozen": "none"}
    tx = optim.partition({"slow": optim.scale_by_learning_rate(0.01), "fast": optim.scale_by_learning_rate(0.1),
                          "none": optim.set_to_zero()}, labels)
    s = tx.init(p)
    g = {k: np.ones_like(v) for k, v in p.items()}
    u, s = tx.update(g, s, p)
    new = optim.apply_updates(p, u)
    np.testing.assert_allclose(new["body"], 0.99)
    np.testing.assert_allclose(new["head"], 0.9)
    np.testing.assert_array_equal(new["frozen"], 1.0)
    tx_fn = optim.partition({"w": optim.scale(0.0), "b": optim.identity()},
                            lambda params: {k: "w" if v.ndim > 1 else "b" for k, v in params.items()})
    params = {"k": np.ones((2, 2), F), "bias": np.ones(2, F)}
    u, _ = tx_fn.update(params, tx_fn.init(params), params)
    assert u["k"].sum() == 0 and u["bias"] is params["bias"]
    with pytest.raises(ValueError, match="have no transform"):
        optim.partition({"a": optim.identity()}, ["a", "b"]).init([np.ones(1, F)] * 2)


def test_add_decayed_weights_needs_params_and_honours_its_mask():
    tx = optim.add_decayed_weights(0.5, mask=[True, False])
    p = [np.full(1, 2.0, F), np.full(1, 2.0, F)]
    u, _ = tx.update([np.zeros(1, F), np.zeros(1, F)], optim.EmptyState(), p)
    assert u[0][0] == 1.0 and u[1][0] == 0.0
    with pytest.raises(ValueError, match="needs `params`"):
        tx.update([np.zeros(1, F)], optim.EmptyState())


def test_user_gradients_are_never_written_even_in_place():
    grads = [np.array([3.0, 4.0], F)]
    keep = grads[0].copy()
    tx = optim.chain(optim.scale(1.0), optim.trace(0.9), optim.scale(-1.0))
    s = tx.init(grads)
    for _ in range(3):
        u, s = tx.update(grads, s, inplace=True)
        assert u[0] is not grads[0]
    np.testing.assert_array_equal(grads[0], keep)
    # the trace returned by `trace` is state: the scale after it must not write into it
    np.testing.assert_allclose(s[1].trace[0], keep * (1 + 0.9 + 0.81), rtol=1e-6)


def test_built_in_transforms_declare_their_flat_update_and_only_adam_with_a_rate_fuses():
    assert optim.scale(2.0).update_flat is not None and optim.chain().update_flat is not None
    assert optim.adam(0.1).fused_apply is not None
    for tx in (optim.scale_by_adam(), optim.adam(0.1, amsgrad=True), optim.chain(optim.adam(0.1)),
               optim.scale_by_rms()):
        assert tx.fused_apply is None
    custom = optim.GradientTransformation(lambda p: (), lambda u, s, p=None: (u, s))
    assert custom.update_flat is None and custom.fused_apply is None


def test_adam_fused_apply_gives_the_update_bits_and_declines_what_it_does_not_do():
    rng = np.random.default_rng(3)
    shapes = [((4, 3), np.float32), ((5,), np.float64)]
    tx = optim.adam(0.01)
    fused_vars = [tf.Variable(rng.standard_normal(s).astype(d)) for s, d in shapes]
    plain = [v.numpy() for v in fused_vars]
    fused_state, state = tx.init(plain), tx.init(plain)
    buffers = [None, None]
    for step in range(5):
        grads = [rng.standard_normal(s).astype(d) for s, d in shapes]
        if step == 2:
            grads[1] = None
        fused_state = tx.fused_apply(grads, fused_state, fused_vars, buffers)
        updates, state = tx.update(grads, state, plain)
        plain = optim.apply_updates(plain, updates)
        for v, p in zip(fused_vars, plain):
            np.testing.assert_array_equal(v.numpy(), p)
    assert int(fused_state.count) == int(state.count) == 5
    rows = optim.RowUpdate(np.ones((1, 3), np.float32), np.array([0]), (4, 3))
    assert tx.fused_apply([rows, None], fused_state, fused_vars, buffers) is None


@pytest.mark.parametrize("mask", [None, np.array([True, False, True])])
def test_ema_averages_values_from_the_first_one_and_keeps_frozen_entries(mask):
    tx = optim.ema(0.75)
    values = [np.array([4.0, 8.0, -2.0], np.float32), np.array([0.0, 0.0, 2.0], np.float32)]
    state = tx.init([np.zeros(3, np.float32)])
    masks = None if mask is None else [mask]
    avg, state = tx.update([values[0]], state, trainable_masks=masks)
    first = np.where(True if mask is None else mask, values[0], 0.0)
    np.testing.assert_array_equal(state.ema[0], first)  # the first average is the value itself
    avg, state = tx.update([values[1]], state, trainable_masks=masks)
    want = np.float32(0.75) * first + np.float32(0.25) * values[1]
    np.testing.assert_array_equal(state.ema[0], np.where(True if mask is None else mask, want, first))
    assert int(state.count) == 2
