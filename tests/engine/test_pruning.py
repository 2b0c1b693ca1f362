"""The pruned backward pass runs only what the requested sources need (counted, not timed)."""
import collections

import numpy as np

import tapegrad as tf


def _ops_recorded_by_backward(loss_fn, sources_fn):
    """Count the ops a gradient() call runs, by recording its backward pass on an outer tape."""
    with tf.GradientTape(persistent=True) as outer:
        with tf.GradientTape(persistent=True) as inner:
            loss, params = loss_fn()
        outer._nodes.clear()  # keep only what the backward pass records
        inner.gradient(loss, sources_fn(params))
    return collections.Counter(n.op.name for n in outer._nodes if n.op is not None)


def _mlp(depth=4):
    rng = np.random.default_rng(0)
    ws = [tf.Variable(rng.standard_normal((3, 3))) for _ in range(depth)]
    x = tf.constant(rng.standard_normal((2, 3)))

    def loss_fn():
        h = x
        for w in ws:
            h = tf.tanh(h @ w)
        return tf.reduce_sum(h), ws
    return loss_fn


def test_last_layer_gradient_touches_only_the_last_layer():
    loss_fn = _mlp()
    full = _ops_recorded_by_backward(loss_fn, lambda ws: ws)
    last = _ops_recorded_by_backward(loss_fn, lambda ws: ws[-1:])
    # all layers: one matmul for each weight, one for each hidden input except the first layer's
    assert full["matmul"] == 4 + 3
    # last layer only: its weight's product; nothing flows further back
    assert last["matmul"] == 1
    assert last["multiply"] < full["multiply"]


def test_matmul_with_one_needed_input_computes_one_product():
    a = tf.Variable(np.ones((2, 3)))
    b = tf.Variable(np.ones((3, 4)))  # watched too, so either product would be recorded

    def loss_fn():
        return tf.reduce_sum(a @ b), None
    counts = _ops_recorded_by_backward(loss_fn, lambda _: [a])
    assert counts["matmul"] == 1


def test_unrelated_branches_are_not_differentiated():
    x = tf.Variable(np.ones(3))
    z = tf.Variable(np.ones(3))

    def loss_fn():
        side = tf.exp(tf.exp(z))          # recorded, but leads only to z
        return tf.reduce_sum(x * 2.0) + tf.reduce_sum(side), None
    counts = _ops_recorded_by_backward(loss_fn, lambda _: [x])
    assert counts.get("exp", 0) == 0 and counts["multiply"] <= 1
