"""IndexedSlices gradients (issue 3, item 6): gather / embedding_lookup along axis 0 give
``IndexedSlices(values, indices, dense_shape)`` as TensorFlow does; they densify on conversion,
concatenate when added, mix with dense gradients, and differentiate again under an outer tape.

Expected numbers marked "TF" were produced by TensorFlow 2.21 on the same inputs.
"""
import numpy as np
import pytest

import tapegrad as tf
from tapegrad.core.tensor import TensorLike

TABLE = np.arange(12.0).reshape(4, 3)


def _dense(g):
    return tf.convert_to_tensor(g).numpy()


def _scatter_rows(shape, indices, values):
    out = np.zeros(shape)
    np.add.at(out, np.asarray(indices).reshape(-1), np.asarray(values).reshape((-1,) + shape[1:]))
    return out


@pytest.mark.parametrize("lookup", [tf.gather, tf.nn.embedding_lookup], ids=["gather", "embedding_lookup"])
def test_variable_gather_gives_indexed_slices_with_tf_shapes(lookup):
    v = tf.Variable(TABLE)
    idx = np.array([[0, 2], [2, 1]], np.int32)
    with tf.GradientTape() as tape:
        y = lookup(v, idx) * np.array([1.0, 2.0, 3.0])
    g = tape.gradient(y, v)
    assert isinstance(g, tf.IndexedSlices)
    # TF: values [indices.size, *params.shape[1:]], indices flattened (int32 kept), dense_shape int32.
    assert tuple(np.shape(g.values)) == (4, 3)
    assert isinstance(g.indices, TensorLike) and g.indices.dtype == tf.int32
    assert g.indices.numpy().tolist() == [0, 2, 2, 1]
    assert isinstance(g.dense_shape, TensorLike) and g.dense_shape.dtype == tf.int32
    assert g.dense_shape.numpy().tolist() == [4, 3]
    assert g.dtype == tf.float64 and g.shape == (4, 3)
    np.testing.assert_allclose(np.asarray(g.values), np.tile([1.0, 2.0, 3.0], (4, 1)))


def test_int64_indices_keep_their_dtype_and_dense_shape_stays_int32():
    v = tf.Variable(TABLE)
    with tf.GradientTape() as tape:
        y = tf.gather(v, tf.constant([2, 0], tf.int64))
    g = tape.gradient(y, v)
    assert g.indices.dtype == tf.int64 and g.dense_shape.dtype == tf.int32


def test_scalar_index_gives_one_row():
    v = tf.Variable(TABLE)
    with tf.GradientTape() as tape:
        y = tf.gather(v, 2)
    g = tape.gradient(y, v)
    assert isinstance(g, tf.IndexedSlices)
    assert tuple(np.shape(g.values)) == (1, 3) and g.indices.numpy().tolist() == [2]


def test_float32_values_stay_float32():
    v = tf.Variable(TABLE.astype(np.float32))
    with tf.GradientTape() as tape:
        y = tf.gather(v, [1, 3])
    g = tape.gradient(y, v)
    assert g.dtype == tf.float32 and _dense(g).dtype == np.float32


def test_watched_tensor_source_also_gets_indexed_slices():
    # TF returns IndexedSlices for a tensor source too, when the gather is its only consumer.
    x = tf.constant(TABLE)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.gather(x, [1, 1, 3])
    g = tape.gradient(y, x)
    assert isinstance(g, tf.IndexedSlices)
    np.testing.assert_allclose(_dense(g), _scatter_rows((4, 3), [1, 1, 3], np.ones((3, 3))))


@pytest.mark.parametrize("lookup", [
    lambda v: tf.gather(v, [1, 0, 1], axis=1),
    lambda v: tf.gather(tf.reshape(v, [2, 2, 3]), [[0, 1], [1, 1]], batch_dims=1),
    lambda v: tf.boolean_mask(v, [True, False, True, False]),
    lambda v: tf.gather(v * 1.0, [1, 2]),
], ids=["axis1", "batch_dims1", "boolean_mask", "gather-of-a-product"])
def test_other_gathers_give_dense_gradients_as_tf(lookup):
    v = tf.Variable(TABLE)
    with tf.GradientTape() as tape:
        y = lookup(v)
    g = tape.gradient(y, v)
    assert isinstance(g, TensorLike) and g.shape == (4, 3)


def test_convert_to_tensor_densifies_and_sums_duplicates():
    values = np.arange(8.0).reshape(4, 2)
    s = tf.IndexedSlices(tf.constant(values), tf.constant([3, 0, 3, 1]), tf.constant([5, 2]))
    dense = tf.convert_to_tensor(s)
    assert isinstance(dense, TensorLike) and dense.shape == (5, 2)
    np.testing.assert_array_equal(dense.numpy(), _scatter_rows((5, 2), [3, 0, 3, 1], values))


def test_adding_two_concatenates_rows():
    a = tf.IndexedSlices(tf.constant([[1.0, 1.0]]), tf.constant([2]), tf.constant([3, 2]))
    b = tf.IndexedSlices(tf.constant([[2.0, 3.0], [4.0, 5.0]]), tf.constant([2, 0]), tf.constant([3, 2]))
    c = a + b
    assert isinstance(c, tf.IndexedSlices)
    assert np.asarray(c.values).tolist() == [[1.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
    assert np.asarray(c.indices).tolist() == [2, 2, 0]
    np.testing.assert_array_equal(_dense(c), _dense(a) + _dense(b))


def test_adding_a_dense_gradient_densifies():
    s = tf.IndexedSlices(tf.constant([[1.0, 2.0]]), tf.constant([1]), tf.constant([2, 2]))
    for total in (s + tf.ones([2, 2]), tf.ones([2, 2]) + s, np.ones((2, 2)) + s):
        assert np.asarray(total).tolist() == [[1.0, 1.0], [2.0, 3.0]]


def test_same_variable_gathered_twice_accumulates_all_rows():
    v = tf.Variable(TABLE)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(v, [1, 1, 3]) * 2.0) + tf.reduce_sum(tf.gather(v, [0]))
    g = tape.gradient(y, v)
    assert isinstance(g, tf.IndexedSlices)
    # TF gives indices [1, 1, 3, 0]; the order of the concatenated parts is not part of the contract.
    assert sorted(np.asarray(g.indices).tolist()) == [0, 1, 1, 3]
    want = _scatter_rows((4, 3), [1, 1, 3], 2 * np.ones((3, 3))) + _scatter_rows((4, 3), [0], np.ones((1, 3)))
    np.testing.assert_allclose(_dense(g), want)


def test_gathered_and_used_densely_gives_a_dense_sum():
    v = tf.Variable(TABLE)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(v, [1, 1])) + tf.reduce_sum(v * v)
    g = tape.gradient(y, v)
    assert isinstance(g, TensorLike)  # TF: a dense EagerTensor
    np.testing.assert_allclose(g.numpy(), 2 * TABLE + _scatter_rows((4, 3), [1, 1], np.ones((2, 3))))


def test_second_order_through_indexed_slices_matches_tf():
    v = tf.Variable(np.arange(6.0).reshape(3, 2))
    w = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], tf.float64)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(tf.gather(v, [2, 0, 2]) ** 3)
        g = inner.gradient(y, v)
        assert isinstance(g, tf.IndexedSlices) and isinstance(g.values, TensorLike)
        z = tf.reduce_sum(g.values * w)
    gg = outer.gradient(z, v)
    # TF: g.values [[48, 75], [0, 3], [48, 75]]; gg (an IndexedSlices) [[0, 24], [0, 0], [144, 240]].
    assert np.asarray(g.values).tolist() == [[48.0, 75.0], [0.0, 3.0], [48.0, 75.0]]
    assert isinstance(gg, tf.IndexedSlices)
    assert _dense(gg).tolist() == [[0.0, 24.0], [0.0, 0.0], [144.0, 240.0]]


def test_second_order_through_the_densified_gradient():
    x = np.array([[0.5, -1.0], [2.0, 0.25], [1.5, 3.0]])
    v = tf.Variable(x)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(tf.gather(v, [1, 1, 0]) ** 3)
        dense = tf.convert_to_tensor(inner.gradient(y, v))
        z = tf.reduce_sum(dense * dense)
    gg = _dense(outer.gradient(z, v))
    counts = np.array([1.0, 2.0, 0.0])[:, None]
    # dense = 3 c x^2, z = sum 9 c^2 x^4, dz/dx = 36 c^2 x^3
    np.testing.assert_allclose(_dense(inner_gradient_of(x, [1, 1, 0])), 3 * counts * x ** 2)
    np.testing.assert_allclose(gg, 36 * counts ** 2 * x ** 3)


def inner_gradient_of(x, idx):
    v = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(v, idx) ** 3)
    return tape.gradient(y, v)


def test_embedding_lookup_with_max_norm_still_gives_indexed_slices():
    v = tf.Variable(TABLE)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.nn.embedding_lookup(v, [1, 1], max_norm=1.0))
    assert isinstance(tape.gradient(y, v), tf.IndexedSlices)  # TF: IndexedSlices


def test_embedding_lookup_of_div_shards_equals_the_whole_table():
    with pytest.raises(tf.errors.InvalidArgumentError, match="div"):
        tf.nn.embedding_lookup([tf.constant(TABLE[:1]), tf.constant(TABLE[1:])], [0])
    shards = [tf.constant(TABLE[:2]), tf.constant(TABLE[2:])]
    got = tf.nn.embedding_lookup(shards, [[3, 0], [1, 2]]).numpy()
    np.testing.assert_array_equal(got, TABLE[[[3, 0], [1, 2]]])


def test_values_and_indices_are_tensors_as_tf():
    v = tf.Variable(TABLE)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(v, [0, 3])) + tf.reduce_sum(tf.gather(v, [1]))
    g = tape.gradient(y, v)
    assert isinstance(g.values, TensorLike), type(g.values)
    assert isinstance(g.indices, TensorLike), type(g.indices)
