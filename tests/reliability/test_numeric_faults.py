"""Numeric faults (issue 7, item 2): NaN/Inf checks, skipped non-finite steps, stable formulations.

Already proven elsewhere (docs/reliability.md lists them): check_numerics and its context-manager
form (tests/engine/test_numerics.py), log_softmax / softplus / the cross-entropies at |x| ~ 1e4
(tests/test_nn_stability.py), apply_if_finite's state machine (tests/test_optim.py). Here: the
logsumexp family at |x| ~ 1e4, check_numerics inside a Keras training step, and a training loop
whose NaN step is skipped and counted and leaves no trace in the weights.
"""
import numpy as np
import pytest

import tapegrad as tf
from tapegrad import errors, keras, optim

BIG = np.array([[1e4, -1e4, 0.0, 5e3], [-1e4, -1e4 + 1.0, 3.0, -2.0], [1e4, 1e4, -1e4, 1e4]])


def _stable_logsumexp(x, axis):
    top = np.max(x, axis=axis, keepdims=True)
    return np.squeeze(top, axis) + np.log(np.sum(np.exp(x - top), axis=axis))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_logsumexp_at_large_inputs_is_finite_with_a_finite_gradient(dtype, axis):
    x = tf.constant(BIG.astype(dtype))
    w = np.random.default_rng(0).standard_normal(_stable_logsumexp(BIG, axis).shape).astype(dtype)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_logsumexp(x, axis=axis)
        loss = tf.reduce_sum(y * w)
    g = tape.gradient(loss, x).numpy()
    x64 = BIG.astype(dtype).astype(np.float64)
    want = _stable_logsumexp(x64, axis)
    softmax = np.exp(x64 - np.expand_dims(want, axis))
    assert np.isfinite(y.numpy()).all() and np.isfinite(g).all()
    tol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y.numpy(), want, rtol=tol)
    # exp(x - lse): float32 holds lse ~ 1e4 to ~1e-3, so the softmax is exact to ~1e-4 there
    gtol = 2e-4 if dtype == np.float32 else 1e-9
    np.testing.assert_allclose(g, softmax * np.expand_dims(w, axis), rtol=gtol, atol=gtol)


@pytest.mark.parametrize("fn, ref", [
    (tf.math.log_sigmoid, lambda x: -np.logaddexp(0, -x)),
    (lambda x: tf.math.cumulative_logsumexp(x, axis=1),
     lambda x: np.logaddexp.accumulate(x, axis=1)),
], ids=["log_sigmoid", "cumulative_logsumexp"])
def test_other_log_space_ops_at_large_inputs(fn, ref):
    x = tf.constant(BIG)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    g = tape.gradient(y, x).numpy()
    np.testing.assert_allclose(y.numpy(), ref(BIG), rtol=1e-12)
    assert np.isfinite(g).all()


def test_check_numerics_names_the_layer_op_inside_a_keras_training_step():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    x = np.array([[1.0, np.inf]], np.float32)  # inf * 0-weight entries -> nan in the first matmul
    y = np.zeros((1, 1), np.float32)
    with tf.debugging.check_numerics_enabled():
        with pytest.raises(errors.InvalidArgumentError) as e:
            model.train_on_batch(x, y)
    message = str(e.value)
    assert "check_numerics" in message and ("'matmul'" in message or "'add'" in message or "bias" in message)
    assert "called from" in message
    model.train_on_batch(np.ones((1, 2), np.float32), y)  # off again outside the block


def _train(grads_per_step, skip_nan):
    """Adam on one variable with the given gradients; NaN steps go through apply_if_finite."""
    w = tf.Variable(np.array([1.0, -2.0, 0.5], np.float32))
    tx = optim.adam(0.1)
    if skip_nan:
        tx = optim.apply_if_finite(tx)
    state = tx.init([w._value])
    for g in grads_per_step:
        updates, state = tx.update([g], state, [w._value])
        optim.apply_updates([w], updates)
    return w.numpy(), state


def test_apply_if_finite_skips_a_nan_step_and_counts_it():
    rng = np.random.default_rng(3)
    good = [rng.standard_normal(3).astype(np.float32) for _ in range(6)]
    bad = np.array([np.nan, 1.0, 1.0], np.float32)
    with_nan = good[:3] + [bad] + good[3:] + [np.array([np.inf, 0.0, 0.0], np.float32)]
    skipped, state = _train(with_nan, skip_nan=True)
    clean, _ = _train(good, skip_nan=False)
    np.testing.assert_array_equal(skipped, clean)      # bit-identical: the bad steps left no trace
    assert int(state.total_notfinite) == 2 and int(state.notfinite_count) == 1
    assert not state.last_finite
    unprotected, _ = _train(with_nan, skip_nan=False)
    assert np.isnan(unprotected).any()                 # without it the NaN reaches the weights
