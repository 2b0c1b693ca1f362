"""Keras Adam's fused step gives the pipeline's numbers bit for bit, and stands aside whenever
the pipeline has something to do (masks, sparse rows, clipping, decay, accumulation, EMA)."""
import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

SHAPES = [((5, 3), np.float32), ((3,), np.float32), ((4, 2), np.float64), ((), np.float32)]


def _variables():
    rng = np.random.default_rng(0)
    return [tf.Variable(rng.standard_normal(s).astype(d), name=f"v{i}") for i, (s, d) in enumerate(SHAPES)]


def _gradients(step, skip=None):
    rng = np.random.default_rng(100 + step)
    grads = [tf.constant((rng.standard_normal(s) * 10.0 ** rng.integers(-3, 3)).astype(d)) for s, d in SHAPES]
    if skip is not None:
        grads[skip] = None
    return grads


def _pipeline_only(opt):
    opt._can_fuse = lambda: False  # the instance attribute wins: this optimizer never fuses
    return opt


def _same(a, b):
    for x, y in zip(a, b):
        assert x.dtype == y.dtype
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def _counting(opt):
    calls = []
    fused = opt._fused_step

    def counted(updates):
        done = fused(updates)
        calls.append(done)
        return done
    opt._fused_step = counted
    return calls


@pytest.mark.filterwarnings("ignore:Gradients do not exist")
def test_fused_adam_matches_the_pipeline_bit_for_bit():
    va, vb = _variables(), _variables()
    fused, plain = keras.optimizers.Adam(0.01), _pipeline_only(keras.optimizers.Adam(0.01))
    calls = _counting(fused)
    kept = None
    for step in range(30):
        grads = _gradients(step, skip=1 if step % 7 == 3 else None)  # a None gradient at times (warns)
        if step == 12:
            fused.learning_rate = plain.learning_rate = 0.003  # rebuilds the pipeline
        if step == 20:
            kept = fused.variables[2].value  # a Tensor sharing a moment's buffer (copy on write)
            kept_copy = kept.numpy()
            assert np.shares_memory(kept._value, fused.variables[2]._value)
        fused.apply_gradients(zip(grads, va))
        plain.apply_gradients(zip(grads, vb))
        _same(va, vb)
        _same(fused.variables, plain.variables)
    assert calls and all(calls)
    np.testing.assert_array_equal(kept.numpy(), kept_copy)  # the read value did not move


def test_fused_adam_stands_aside_for_masks_and_stays_aside():
    va, vb = _variables(), _variables()
    fused, plain = keras.optimizers.Adam(0.01), _pipeline_only(keras.optimizers.Adam(0.01))
    calls = _counting(fused)
    for step in range(12):
        if step == 4:
            for v in (va[0], vb[0]):
                v.trainable_mask = np.array([[True], [False], [True], [False], [True]])
        if step == 8:
            for v in (va[0], vb[0]):
                v.trainable_mask = None  # per-entry step counts remain: still the pipeline's
        grads = _gradients(step)
        fused.apply_gradients(zip(grads, va))
        plain.apply_gradients(zip(grads, vb))
        _same(va, vb)
        _same(fused.variables, plain.variables)
    assert calls == [True] * 4  # fused until the mask came; never after


def test_fused_adam_declines_row_sparse_updates():
    ea, eb = tf.Variable(np.ones((6, 2), np.float32)), tf.Variable(np.ones((6, 2), np.float32))
    fused = keras.optimizers.Adam(0.1, sparse="lazy")
    plain = _pipeline_only(keras.optimizers.Adam(0.1, sparse="lazy"))
    calls = _counting(fused)
    for step, ids in enumerate(([0, 2, 2], [5], [1, 0])):
        for e, opt in ((ea, fused), (eb, plain)):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.gather(e, ids) * float(step + 1))
            opt.apply_gradients(zip(tape.gradient(loss, [e]), [e]))
        _same([ea], [eb])
    assert calls == [False] * 3


@pytest.mark.parametrize("options", [dict(amsgrad=True), dict(clipnorm=1.0), dict(global_clipnorm=1.0),
                                     dict(clipvalue=0.5), dict(weight_decay=0.01), dict(use_ema=True),
                                     dict(gradient_accumulation_steps=2), dict(loss_scale_factor=4.0)])
def test_options_the_fused_step_does_not_do_leave_it_to_the_pipeline(options):
    opt = keras.optimizers.Adam(0.01, **options)
    variables = _variables()
    opt.apply_gradients(zip(_gradients(0), variables))
    assert not opt._fusable
    assert keras.optimizers.AdamW(0.01).__class__._can_fuse is keras.optimizers.Adam._can_fuse
    adamw = keras.optimizers.AdamW(0.01)
    adamw.apply_gradients(zip(_gradients(0), _variables()))
    assert not adamw._fusable  # weight decay


def test_a_subclass_with_its_own_transform_is_not_fused():
    class Custom(keras.optimizers.Adam):
        def _transform(self):
            return tf.optim.chain(super()._transform(), tf.optim.scale(0.5))

    opt = Custom(0.01)
    opt.apply_gradients(zip(_gradients(0), _variables()))
    assert not opt._fusable


def test_a_declined_fused_step_leaves_the_state_updated_in_place():
    # The pipeline updates the moments in place after the fused step declined (row-sparse
    # updates): no copy of the state per step.
    emb = tf.Variable(np.ones((50, 4), np.float32))
    opt = keras.optimizers.Adam(0.1, sparse="lazy")
    for step in range(3):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.gather(emb, [1, 7, 7]))
        opt.apply_gradients(zip(tape.gradient(loss, [emb]), [emb]))
        if step == 0:
            buffers = [id(v._value) for v in opt.variables if v.shape == (50, 4)]
    assert len(buffers) == 2
    assert [id(v._value) for v in opt.variables if v.shape == (50, 4)] == buffers
