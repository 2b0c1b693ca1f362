"""Trainable masks on variables: the tape's gradient is zero outside the mask."""
import numpy as np
import pytest

import tapegrad as tf
from tapegrad import errors


def _grad(v, fn=lambda v: tf.reduce_sum(v * v)):
    with tf.GradientTape() as tape:
        y = fn(v)
    return tape.gradient(y, v)


def test_boolean_and_row_masks():
    v = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], trainable_mask=[[True, False, True], [False, True, False]])
    assert _grad(v).numpy().tolist() == [[2.0, 0.0, 6.0], [0.0, 10.0, 0.0]]
    v.trainable_mask = np.array([[False], [True]])          # a row mask, changed between steps
    assert _grad(v).numpy().tolist() == [[0.0, 0.0, 0.0], [8.0, 10.0, 12.0]]
    v.trainable_mask = None
    assert _grad(v).numpy().tolist() == [[2.0, 4.0, 6.0], [8.0, 10.0, 12.0]]


def test_index_sets():
    v = tf.Variable(np.ones((4, 2), np.float32), trainable_mask=tf.IndexSet([0, 3]))
    assert v.trainable_mask.shape == (4, 1) and v.trainable_indices.rows.tolist() == [0, 3]
    assert _grad(v).numpy().tolist() == [[2.0, 2.0], [0.0, 0.0], [0.0, 0.0], [2.0, 2.0]]
    v.trainable_mask = tf.IndexSet([[1, 1], [2, 0]])          # gather_nd-style entries
    assert _grad(v).numpy().tolist() == [[0.0, 0.0], [0.0, 2.0], [2.0, 0.0], [0.0, 0.0]]
    with pytest.raises(errors.InvalidArgumentError):
        v.trainable_mask = tf.IndexSet([5])


def test_invalid_masks_are_refused():
    v = tf.Variable(np.ones((2, 3)))
    with pytest.raises(TypeError):
        v.trainable_mask = [[1, 0, 1], [0, 1, 0]]
    with pytest.raises(errors.InvalidArgumentError):
        v.trainable_mask = np.ones((3, 2), bool)


def test_sparse_gradients_are_masked_per_row():
    table = tf.Variable(np.arange(8, dtype=np.float32).reshape(4, 2), trainable_mask=tf.IndexSet([1]))
    g = _grad(table, lambda t: tf.reduce_sum(tf.gather(t, [1, 2, 1])))
    assert isinstance(g, tf.IndexedSlices)
    assert tf.convert_to_tensor(g).numpy().tolist() == [[0.0, 0.0], [2.0, 2.0], [0.0, 0.0], [0.0, 0.0]]


def test_masked_gradients_are_differentiable():
    v = tf.Variable([1.0, 2.0], dtype=tf.float64, trainable_mask=[True, False])
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(v * v * v)
        g = inner.gradient(y, v)
        s = tf.reduce_sum(g)
    assert g.numpy().tolist() == [3.0, 0.0]
    assert outer.gradient(s, v).numpy().tolist() == [6.0, 0.0]
