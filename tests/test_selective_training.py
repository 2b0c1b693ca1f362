"""Selective training: trainable masks under every optimizer (docs/selective_training.md).

- Frozen entries of a masked variable, and their optimizer state (moments, accumulators,
  velocity, AMSGrad maxima, accumulation sums, per-entry step counts, EMA averages), stay
  bit-identical for every optimizer x {fixed mask, changing mask, index set, row mask} x
  {weight decay, clipping, accumulation, all of these with EMA}.
- The trainable entries get exactly the values they would get as a variable of their own
  (a fixed mask: the entries as one small variable; a changing mask: each entry as its own
  variable, stepped only while trainable -- Adam/Nadam count t per entry).
- The TensorFlow recipe (``tf.where``-masked gradients + Adam, a changing mask) moves frozen
  entries; tapegrad's mask does not.
"""
import warnings

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras, optim

F = np.float32
SHAPE = (4, 3)
STEPS = 12


def bits(a):
    a = np.ascontiguousarray(a)
    return a.view(np.dtype(f"u{a.dtype.itemsize}"))


def _custom_momentum():
    """A user's transform that knows nothing of masks: its state is restored generically."""
    def init(params):
        return [np.zeros_like(np.asarray(p)) for p in params]

    def update(updates, state, params=None):
        new = [None if u is None else F(0.8) * s + u for u, s in zip(updates, state)]
        return new, [s if n is None else n for s, n in zip(state, new)]
    return optim.GradientTransformation(init, update)


OPTIMIZERS = {
    "sgd": lambda **kw: keras.optimizers.SGD(0.1, **kw),
    "sgd_momentum": lambda **kw: keras.optimizers.SGD(0.1, momentum=0.9, **kw),
    "sgd_nesterov": lambda **kw: keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True, **kw),
    "adam": lambda **kw: keras.optimizers.Adam(0.05, **kw),
    "amsgrad": lambda **kw: keras.optimizers.Adam(0.05, amsgrad=True, **kw),
    "adamw": lambda **kw: keras.optimizers.AdamW(0.05, **{"weight_decay": 0.2, **kw}),
    "rmsprop": lambda **kw: keras.optimizers.RMSprop(0.01, **kw),
    "rmsprop_centered_momentum": lambda **kw: keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True, **kw),
    "adagrad": lambda **kw: keras.optimizers.Adagrad(0.1, **kw),
    "adadelta": lambda **kw: keras.optimizers.Adadelta(1.0, **kw),
    "nadam": lambda **kw: keras.optimizers.Nadam(0.05, **kw),
    "chain": lambda **kw: keras.optimizers.Optimizer.from_transform(
        lambda lr: optim.chain(optim.clip(0.7), optim.trace(0.9, nesterov=True), optim.add_decayed_weights(0.05),
                               optim.scale_by_adam(amsgrad=True), optim.scale_by_learning_rate(lr)),
        learning_rate=0.05, **kw),
    "custom_transform": lambda **kw: keras.optimizers.Optimizer.from_transform(
        lambda lr: optim.chain(_custom_momentum(), optim.scale_by_learning_rate(lr)), learning_rate=0.1, **kw),
}

OPTIONS = {
    "plain": {},
    "weight_decay": {"weight_decay": 0.1},
    "global_clipnorm": {"global_clipnorm": 0.5},
    "clipnorm": {"clipnorm": 0.3},
    "accumulation": {"gradient_accumulation_steps": 3},
    "all_with_ema": {"weight_decay": 0.1, "global_clipnorm": 0.5, "gradient_accumulation_steps": 2,
                     "use_ema": True, "ema_overwrite_frequency": 5},
}


def _masks(kind, rng):
    """The mask (bool array or IndexSet) to use at each step."""
    if kind == "fixed":
        m = rng.random(SHAPE) < 0.5
        return [m] * STEPS
    if kind == "changing":
        return [rng.random(SHAPE) < 0.5 for _ in range(STEPS)]
    if kind == "index_set":
        return [tf.IndexSet([0, 2]) if k % 3 == 0 else tf.IndexSet([[1, 1], [3, 0], [0, 2]]) if k % 3 == 1
                else tf.IndexSet([3]) for k in range(STEPS)]
    if kind == "row":
        return [np.array([[True], [False], [True], [False]]) if k < 6 else np.array([[False], [True], [True], [False]])
                for k in range(STEPS)]
    raise ValueError(kind)


def _initial():
    w0 = np.random.default_rng(5).standard_normal(SHAPE).astype(F)
    w0[1, 2] = -0.0                 # a signed zero must keep its sign while frozen
    w0[2, 1] = 0.0
    return w0


def _state_of(opt, var):
    """The optimizer's state arrays that belong to ``var`` (by Keras' naming: label_...)."""
    label = var.name.replace(":", "_") + "_"
    return {v.name: v for v in opt.variables if v.name.startswith(label)}


def _frozen(var, mask):
    return ~np.broadcast_to(var.trainable_mask, var.shape) if mask is not None else None


@pytest.mark.parametrize("option", list(OPTIONS))
@pytest.mark.parametrize("mask_kind", ["fixed", "changing", "index_set", "row"])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_frozen_entries_and_their_state_stay_bit_identical(name, mask_kind, option):
    rng = np.random.default_rng(hash((name, mask_kind, option)) % 2**32)
    w = tf.Variable(_initial(), name="w")
    b = tf.Variable(np.ones(3, F), name="b")             # an unmasked neighbour
    opt = OPTIMIZERS[name](**OPTIONS[option])
    masks = _masks(mask_kind, rng)
    ever_trained = np.zeros(SHAPE, bool)
    start = w.numpy().copy()
    for step, mask in enumerate(masks):
        w.trainable_mask = mask
        frozen = ~np.broadcast_to(w.trainable_mask, SHAPE)
        ever_trained |= ~frozen
        g = rng.standard_normal(SHAPE).astype(F)
        g[frozen] = rng.choice([1e6, -1e6, 0.0, np.nan])   # garbage where frozen: must not leak
        gw = None if step == 4 else tf.constant(g)          # one step without w's gradient
        before_w = bits(w.numpy()).copy()
        before_state = {k: np.broadcast_to(v.numpy(), SHAPE).copy() for k, v in _state_of(opt, w).items()}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opt.apply_gradients([(gw, w), (tf.constant(rng.standard_normal(3).astype(F)), b)])
        np.testing.assert_array_equal(bits(w.numpy())[frozen], before_w[frozen],
                                      err_msg=f"step {step}: a frozen entry moved")
        for key, arr in before_state.items():
            after = np.broadcast_to(_state_of(opt, w)[key].numpy(), SHAPE)
            np.testing.assert_array_equal(bits(after)[frozen], bits(arr)[frozen],
                                          err_msg=f"step {step}: frozen entries of {key} changed")
        assert np.isfinite(w.numpy()).all()
    moved = w.numpy() != start
    assert moved[ever_trained].any()                    # the trainable entries did train
    assert not moved[~ever_trained].any()
    if name in ("adam", "amsgrad", "adamw", "nadam") and mask_kind != "fixed":
        assert any(k.endswith("entry_steps") for k in _state_of(opt, w))


def _steps_with(opt, var, grads):
    for g in grads:
        opt.apply_gradients([(tf.constant(g), var)])


EQUIVALENCE_OPTIONS = {
    "plain": {}, "weight_decay": {"weight_decay": 0.1}, "clipvalue": {"clipvalue": 0.4},
    "clipnorm": {"clipnorm": 0.3}, "global_clipnorm": {"global_clipnorm": 0.5},
    "accumulation": {"gradient_accumulation_steps": 2},
}
FIXED_MASKS = {
    "elementwise": lambda: np.random.default_rng(1).random(SHAPE) < 0.5,
    "row_mask": lambda: np.array([[True], [False], [True], [True]]),
    "index_set_rows": lambda: tf.IndexSet([1, 3]),
    "index_set_entries": lambda: tf.IndexSet([[0, 1], [2, 2], [3, 0]]),
}


@pytest.mark.parametrize("option", list(EQUIVALENCE_OPTIONS))
@pytest.mark.parametrize("mask_kind", list(FIXED_MASKS))
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_trainable_entries_train_exactly_as_a_variable_of_their_own(name, mask_kind, option):
    """A fixed mask: the masked big variable's trainable entries equal, bit for bit, a small
    variable made of those entries (in row-major order) trained on their gradients -- also with
    clipping, whose norm is taken over the trainable entries only."""
    rng = np.random.default_rng(7)
    w0 = _initial()
    big = tf.Variable(w0, trainable_mask=FIXED_MASKS[mask_kind](), name="big")
    pick = np.broadcast_to(big.trainable_mask, SHAPE)
    small = tf.Variable(w0[pick], name="small")
    other_a, other_b = tf.Variable(np.ones(2, F)), tf.Variable(np.ones(2, F))  # share the global norm
    opt_big, opt_small = OPTIMIZERS[name](**EQUIVALENCE_OPTIONS[option]), OPTIMIZERS[name](**EQUIVALENCE_OPTIONS[option])
    for _ in range(10):
        g = rng.standard_normal(SHAPE).astype(F) * F(3)
        h = rng.standard_normal(2).astype(F)
        opt_big.apply_gradients([(tf.constant(g), big), (tf.constant(h), other_a)])
        opt_small.apply_gradients([(tf.constant(g[pick]), small), (tf.constant(h), other_b)])
    np.testing.assert_array_equal(big.numpy()[pick], small.numpy())
    np.testing.assert_array_equal(other_a.numpy(), other_b.numpy())
    np.testing.assert_array_equal(bits(big.numpy()[~pick]), bits(w0[~pick]))


@pytest.mark.parametrize("option", ["plain", "weight_decay", "clipvalue"])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_a_changing_mask_trains_each_entry_as_its_own_variable(name, option):
    """A changing mask: every entry ends where a one-element variable of its own ends when it is
    stepped only at the steps where the entry was trainable -- its momentum resumes from where it
    was frozen, and Adam/Nadam count its t as the number of steps it was trainable."""
    rng = np.random.default_rng(11)
    w0 = _initial()
    w = tf.Variable(w0, name="w")
    opt = OPTIMIZERS[name](**EQUIVALENCE_OPTIONS[option])
    masks = [rng.random(SHAPE) < 0.6 for _ in range(9)]
    grads = [rng.standard_normal(SHAPE).astype(F) for _ in range(9)]
    for m, g in zip(masks, grads):
        w.trainable_mask = m
        opt.apply_gradients([(tf.constant(g), w)])
    w.trainable_mask = None
    for e in np.ndindex(*SHAPE):
        own = tf.Variable(np.array([w0[e]], F), name="own")
        own_opt = OPTIMIZERS[name](**EQUIVALENCE_OPTIONS[option])
        _steps_with(own_opt, own, [np.array([g[e]], F) for m, g in zip(masks, grads) if m[e]])
        assert bits(own.numpy())[0] == bits(w.numpy()[e]), (e, own.numpy()[0], w.numpy()[e])


def test_trainable_entries_through_the_tape_equal_their_own_variable():
    """With gradients from the tape (zero outside the mask) and a Keras Adam, as a user writes it."""
    c = np.linspace(0.5, 2.0, 12, dtype=F).reshape(SHAPE)
    rows = tf.IndexSet([0, 3])
    big = tf.Variable(_initial(), trainable_mask=rows)
    small = tf.Variable(_initial()[[0, 3]])
    opt_big, opt_small = keras.optimizers.Adam(0.1, weight_decay=0.01), keras.optimizers.Adam(0.1, weight_decay=0.01)
    for _ in range(5):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.sin(big * c))
        opt_big.apply_gradients(zip(tape.gradient(loss, [big]), [big]))
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.sin(small * c[[0, 3]]))
        opt_small.apply_gradients(zip(tape.gradient(loss, [small]), [small]))
    np.testing.assert_array_equal(big.numpy()[[0, 3]], small.numpy())
    np.testing.assert_array_equal(big.numpy()[[1, 2]], _initial()[[1, 2]])


def test_the_tensorflow_recipe_moves_frozen_entries_and_the_mask_does_not():
    """TF's recipe: ``tf.where(mask, g, 0)`` fed to Adam. With a changing mask, an entry frozen
    after it trained keeps moving on its momentum (and, with weight decay, every entry moves).
    The same loop with ``trainable_mask`` leaves every frozen entry bit-identical."""
    masks = [np.array([[True, True, False]] * 4), np.array([[False, True, True]] * 4)] * 3
    c = np.linspace(0.5, 2.0, 12, dtype=F).reshape(SHAPE)

    def loss_of(v):
        return tf.reduce_sum(tf.square(v * c - 1.0))

    recipe = tf.Variable(_initial())
    opt = keras.optimizers.Adam(0.1)
    moved_while_frozen = []
    for m in masks:
        with tf.GradientTape() as tape:
            loss = loss_of(recipe)
        g = tape.gradient(loss, recipe)
        before = recipe.numpy().copy()
        opt.apply_gradients([(tf.where(m, g, tf.zeros_like(g)), recipe)])  # the recipe
        moved_while_frozen.append(int((recipe.numpy() != before)[~m].sum()))
    assert moved_while_frozen[0] == 0            # the first step: no momentum yet
    assert all(n > 0 for n in moved_while_frozen[1:])  # afterwards "frozen" entries move

    masked = tf.Variable(_initial())
    opt = keras.optimizers.Adam(0.1)
    for m in masks:
        masked.trainable_mask = m                  # tapegrad: one line
        with tf.GradientTape() as tape:
            loss = loss_of(masked)
        before = masked.numpy().copy()
        opt.apply_gradients(zip(tape.gradient(loss, [masked]), [masked]))
        np.testing.assert_array_equal(bits(masked.numpy())[~m], bits(before)[~m])
        assert (masked.numpy() != before)[m].all()


def test_the_transform_api_takes_masks_from_variables_or_explicitly():
    rng = np.random.default_rng(3)
    m = np.array([[True], [False], [True], [False]])
    tx = optim.chain(optim.clip_by_global_norm(1.0), optim.scale_by_adam(), optim.add_decayed_weights(0.1),
                     optim.scale_by_learning_rate(0.1))
    var = tf.Variable(_initial(), trainable_mask=m)
    arr = _initial()
    s_var = tx.init([var])
    s_arr = tx.init([arr], trainable_masks=[m])
    for _ in range(4):
        g = rng.standard_normal(SHAPE).astype(F)
        u, s_var = tx.update([g], s_var, [var])
        optim.apply_updates([var], u)
        u2, s_arr = tx.update([g], s_arr, [arr], trainable_masks=[m])
        assert (u2[0][[1, 3]] == 0).all()                     # the update is zero where frozen
        arr = optim.apply_updates([arr], u2, trainable_masks=[m])[0]
    np.testing.assert_array_equal(var.numpy(), arr)
    np.testing.assert_array_equal(bits(arr[[1, 3]]), bits(_initial()[[1, 3]]))
    np.testing.assert_array_equal(s_arr[1].mu[0][[1, 3]], 0.0)
    with pytest.raises(ValueError, match="does not broadcast"):
        tx.update([np.ones(SHAPE, F)], s_arr, [arr], trainable_masks=[np.ones((3, 1), bool)])
    with pytest.raises(ValueError, match="masks for 1 parameters"):
        tx.update([np.ones(SHAPE, F)], s_arr, [arr], trainable_masks=[m, m])


def test_pure_and_in_place_masked_updates_agree_and_pure_writes_nothing():
    rng = np.random.default_rng(4)
    m = rng.random(SHAPE) < 0.5
    tx = optim.chain(optim.accumulate(2), optim.clip_by_norm(0.5), optim.trace(0.9), optim.scale_by_nadam(),
                     optim.scale_by_learning_rate(0.1))
    params = [_initial()]
    s_pure, s_in = tx.init(params, trainable_masks=[m]), tx.init(params, trainable_masks=[m])
    ws = optim.Workspace()
    for step in range(6):
        mask = m if step % 2 else ~m
        g = [rng.standard_normal(SHAPE).astype(F)]
        snap = [None if x is None else np.array(x, copy=True) for x in tf.nest.flatten(s_pure)]
        u_p, s_next = tx.update(g, s_pure, params, trainable_masks=[mask])
        for a, b in zip(tf.nest.flatten(s_pure), snap):        # the old state was not written
            if b is not None:
                np.testing.assert_array_equal(np.asarray(a), b)
        s_pure = s_next
        u_i, s_in = tx.update(g, s_in, params, inplace=ws, trainable_masks=[mask])
        for a, b in zip(u_p, u_i):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_array_equal(a, b)


def test_ema_of_frozen_entries_is_kept_and_finalize_writes_trainable_entries_only():
    w = tf.Variable(_initial(), trainable_mask=np.array([[True], [True], [False], [False]]))
    opt = keras.optimizers.SGD(0.1, use_ema=True)
    for _ in range(3):
        opt.apply_gradients([(tf.constant(np.ones(SHAPE, F)), w)])
    avg = opt._averages[0].numpy()
    np.testing.assert_array_equal(avg[2:], 0.0)                 # never trainable: never averaged
    opt.finalize_variable_values([w])
    np.testing.assert_array_equal(bits(w.numpy()[2:]), bits(_initial()[2:]))
    np.testing.assert_array_equal(w.numpy()[:2], avg[:2])


def test_constraints_move_only_trainable_entries():
    w = keras.Variable(np.full(SHAPE, -1.0, F), name="w")
    w.constraint = keras.constraints.NonNeg() if hasattr(keras, "constraints") else (lambda v: tf.maximum(v, 0.0))
    w.trainable_mask = np.array([[True], [False], [False], [False]])
    keras.optimizers.SGD(0.1).apply_gradients([(tf.constant(np.zeros(SHAPE, F)), w)])
    np.testing.assert_array_equal(w.numpy()[0], 0.0)
    np.testing.assert_array_equal(w.numpy()[1:], -1.0)


def test_checkpoints_keep_per_entry_step_counts():
    m = np.random.default_rng(0).random(SHAPE) < 0.5
    w1 = tf.Variable(_initial(), trainable_mask=m, name="w")
    opt1 = keras.optimizers.Adam(0.1)
    for k in range(3):
        w1.trainable_mask = m if k % 2 == 0 else ~m
        opt1.apply_gradients([(tf.constant(np.ones(SHAPE, F)), w1)])
    store = {}
    opt1.save_own_variables(store)
    w2 = tf.Variable(w1.numpy(), trainable_mask=~m, name="w")
    opt2 = keras.optimizers.Adam(0.1)
    opt2.build([w2])                                  # masked at build: the counts exist already
    opt2.load_own_variables(store)
    for opt, w in ((opt1, w1), (opt2, w2)):
        w.trainable_mask = ~m
        opt.apply_gradients([(tf.constant(np.full(SHAPE, 0.5, F)), w)])
    np.testing.assert_array_equal(w1.numpy(), w2.numpy())


def test_unmasked_variables_keep_keras_numbers_and_state_names():
    w = tf.Variable(_initial(), name="w")
    opt = keras.optimizers.Adam(0.1)
    opt.apply_gradients([(tf.constant(np.ones(SHAPE, F)), w)])
    assert [v.name for v in opt.variables] == ["iteration", "learning_rate", "w_0_momentum", "w_0_velocity", "count"]


def test_keras_none_gradient_warning_says_why():
    used = tf.Variable(1.0, name="used")
    unused = tf.Variable(2.0, name="unused")
    with tf.GradientTape() as tape:
        loss = used * 3.0
    grads = tape.gradient(loss, [used, unused])
    with pytest.warns(UserWarning, match=r"Gradients do not exist for variables \['unused:0'\].*"
                                         r"Why: 'unused:0': the variable 'unused:0' was never read"):
        keras.optimizers.SGD(0.1).apply_gradients(zip(grads, [used, unused]))


@pytest.mark.parametrize("clip", ["clip_by_norm", "clip_by_global_norm"])
def test_norms_count_only_trainable_entries_also_after_stateful_transforms(clip):
    """After a momentum trace, frozen entries carry non-zero momentum into the chain; a norm taken
    later must still see the trainable entries only (their own variable's norm, bit for bit)."""
    rng = np.random.default_rng(9)
    tx = optim.chain(optim.trace(0.9), getattr(optim, clip)(0.5), optim.scale_by_learning_rate(0.1))
    m = np.array([[True], [False], [True], [False]])
    big = [_initial()]
    state = tx.init(big)
    for _ in range(3):                                         # unmasked: every trace is non-zero
        u, state = tx.update([rng.standard_normal(SHAPE).astype(F)], state, big)
        big = optim.apply_updates(big, u)
    small = [big[0][[0, 2]].copy()]
    small_state = (optim.TraceState([state[0].trace[0][[0, 2]].copy()]),) + state[1:]
    for _ in range(4):
        g = rng.standard_normal(SHAPE).astype(F)
        u, state = tx.update([g], state, big, trainable_masks=[m])
        big = optim.apply_updates(big, u, trainable_masks=[m])
        us, small_state = tx.update([g[[0, 2]]], small_state, small)
        small = optim.apply_updates(small, us)
    np.testing.assert_array_equal(big[0][[0, 2]], small[0])


def test_apply_if_finite_checks_trainable_entries_only():
    """Its input here is a momentum whose frozen row is NaN: not a reason to skip the step."""
    tx = optim.chain(optim.trace(0.5), optim.apply_if_finite(optim.scale(-1.0)))
    m = np.array([[True], [True], [True], [False]])
    state = tx.init([np.zeros(SHAPE, F)], trainable_masks=[m])
    state[0].trace[0][3] = np.nan                              # bad momentum in a frozen row
    u, state = tx.update([np.ones(SHAPE, F)], state, [np.zeros(SHAPE, F)], trainable_masks=[m])
    assert bool(state[1].last_finite) and (u[0][:3] == -1.0).all() and (u[0][3] == 0.0).all()
    assert np.isnan(state[0].trace[0][3]).all()                # kept as it was
    u, state = tx.update([np.ones(SHAPE, F)], state, [np.zeros(SHAPE, F)])   # unmasked: rejected
    assert u[0] is None and not state[1].last_finite


def _python_blocks(name):
    import pathlib
    import re
    text = (pathlib.Path(__file__).resolve().parent.parent / "docs" / name).read_text()
    return re.findall(r"```python\n(.*?)```", text, re.S)


@pytest.mark.parametrize("doc", ["selective_training.md", "optimizers.md"])
def test_documentation_examples_run(doc):
    blocks = _python_blocks(doc)
    assert blocks
    for i, code in enumerate(blocks):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(code, f"{doc} block {i + 1}", "exec"), {"__name__": f"doc_{i}"})
