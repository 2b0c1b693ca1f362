"""Shape and indexing ops beyond the op table: TensorFlow's numbers (produced by TF 2.21 on the
same inputs), its tie rules, dtypes and errors."""
import numpy as np
import pytest

import tapegrad as tf

InvalidArgumentError = tf.errors.InvalidArgumentError

X24 = np.arange(24.0).reshape(2, 3, 4)


def _grad(f, x):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tf.convert_to_tensor(tape.gradient(y, x)).numpy()


# -- sort / argsort / top_k: ties keep the lower index first ---------------------------------

SORT_X = np.array([[3.0, 1.0, 3.0, 2.0], [1.0, 1.0, 0.0, 5.0]])
WEIGHTS = np.array([[1.0, 2.0, 3.0, 4.0]])


def test_sort_and_argsort_match_tf():
    assert tf.sort(SORT_X).numpy().tolist() == [[1, 2, 3, 3], [0, 1, 1, 5]]
    assert tf.sort(SORT_X, axis=0, direction="DESCENDING").numpy().tolist() == [[3, 1, 3, 5], [1, 1, 0, 2]]
    assert tf.argsort(SORT_X).numpy().tolist() == [[1, 3, 0, 2], [2, 0, 1, 3]]
    assert tf.argsort(SORT_X, direction="DESCENDING").numpy().tolist() == [[0, 2, 3, 1], [3, 0, 1, 2]]
    assert tf.argsort(SORT_X).dtype == tf.int32


def test_sort_gradient_sends_ties_in_index_order_as_tf():
    up = _grad(lambda x: tf.reduce_sum(tf.sort(x) * WEIGHTS), SORT_X)
    down = _grad(lambda x: tf.reduce_sum(tf.sort(x, direction="DESCENDING") * WEIGHTS), SORT_X)
    assert up.tolist() == [[3, 1, 4, 2], [2, 3, 1, 4]]       # TF
    assert down.tolist() == [[1, 4, 2, 3], [2, 3, 4, 1]]     # TF


def test_integer_sorts_need_no_negation():
    x = tf.constant([3, 1, 3, -2147483648, 2])
    assert tf.argsort(x).numpy().tolist() == [3, 1, 4, 0, 2]             # TF
    assert tf.sort(tf.constant([3, 1, 2], tf.uint8), direction="DESCENDING").numpy().tolist() == [3, 2, 1]
    assert tf.math.top_k(tf.constant([[2, 7, 7, 1], [5, 5, 5, 5]]), k=3).indices.numpy().tolist() == [
        [1, 2, 0], [0, 1, 2]]                                              # TF


def test_top_k_ties_go_to_the_lower_index():
    assert tf.math.top_k([1.0, 3.0, 3.0, 2.0, 3.0], k=3).indices.numpy().tolist() == [1, 2, 4]  # TF


def test_sort_errors():
    with pytest.raises(ValueError, match="direction"):
        tf.argsort(SORT_X, direction="UP")
    with pytest.raises(InvalidArgumentError, match="rank"):
        tf.sort(tf.constant(1.0))


# -- gather / gather_nd / scatter -------------------------------------------------------------

def test_gather_batch_dims_matches_tf():
    got = tf.gather(X24, [[2, 0], [1, 1]], axis=2, batch_dims=1).numpy().tolist()
    assert got == [[[2, 0], [6, 4], [10, 8]], [[13, 13], [17, 17], [21, 21]]]
    assert tf.gather(X24, [[3], [0]], axis=-1, batch_dims=1).shape == (2, 3, 1)
    assert tf.gather(X24, [[0, 2], [1, 1]], axis=1, batch_dims=1).numpy().tolist() == [
        [[0, 1, 2, 3], [8, 9, 10, 11]], [[16, 17, 18, 19], [16, 17, 18, 19]]]
    assert tf.gather(X24, [[0, 2], [1, 1]], axis=2, batch_dims=-1).shape == (2, 3, 2)


def test_gather_batch_dims_gradient_matches_tf():
    g = _grad(lambda p: tf.gather(p, [[3, 3], [0, 1]], axis=2, batch_dims=1), X24)
    assert g.tolist() == [[[0, 0, 0, 2]] * 3, [[1, 1, 0, 0]] * 3]


def test_gather_nd_batch_dims_matches_tf():
    assert tf.gather_nd(X24, [[1, 2], [0, 0]], batch_dims=1).numpy().tolist() == [6.0, 12.0]
    assert tf.gather_nd(X24, [[[2], [0]], [[1], [1]]], batch_dims=1).shape == (2, 2, 4)


@pytest.mark.parametrize("call, pattern", [
    (lambda: tf.gather(np.ones((4, 3)), [[0, 1], [7, 2]]), r"gather: indices\[1,0\] = 7 is not in \[0, 4\)"),
    (lambda: tf.gather(np.ones((4, 3)), [-1]), r"gather: indices\[0\] = -1 is not in \[0, 4\)"),
    (lambda: tf.gather(np.ones((4, 3)), [3], axis=1), r"indices\[0\] = 3 is not in \[0, 3\)"),
    (lambda: tf.gather(np.ones((4, 3)), [1.0]), "gather: indices must be int32 or int64"),
    (lambda: tf.gather(np.ones((4, 3)), [0, 1], batch_dims=2), "batch_dims"),
    (lambda: tf.gather(np.ones((2, 2, 3)), [[0], [1]], axis=0, batch_dims=1), "batch_dims"),
    (lambda: tf.gather_nd(np.ones((4, 3)), [[0, 1], [4, 2]]), r"gather_nd: indices\[1\] = \[4, 2\] does not index"),
    (lambda: tf.scatter_nd([[5]], [1.0], [4]), r"scatter_nd: indices\[0\] = \[5\] does not index into shape \[4\]"),
    (lambda: tf.tensor_scatter_nd_update(np.ones((4, 3)), [[5]], [[1.0, 1.0, 1.0]]),
     r"tensor_scatter_nd_update: indices\[0\] = \[5\]"),
    (lambda: tf.tensor_scatter_nd_add(np.ones((4, 3)), [[-1]], [[1.0, 1.0, 1.0]]), "tensor_scatter_nd_add"),
    (lambda: tf.tensor_scatter_nd_update(np.ones((4, 3)), [[1]], [[1.0, 1.0]]), r"updates must have shape"),
])
def test_out_of_range_and_malformed_indices_raise(call, pattern):
    with pytest.raises(InvalidArgumentError, match=pattern):
        call()


def test_tensor_scatter_nd_update_gradients_match_tf():
    t = np.arange(6.0).reshape(3, 2)
    u = np.array([[10.0, 20.0], [30.0, 40.0]])
    w = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    ts, us = tf.constant(t), tf.constant(u)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([ts, us])
        out = tf.tensor_scatter_nd_update(ts, [[1], [1]], us)
        y = tf.reduce_sum(out * w)
    assert out.numpy().tolist() == [[0, 1], [30, 40], [4, 5]]          # TF: the last duplicate wins
    assert tape.gradient(y, ts).numpy().tolist() == [[1, 2], [0, 0], [5, 6]]  # TF: zero where overwritten
    assert tape.gradient(y, us).numpy().tolist() == [[3, 4], [3, 4]]          # TF: each duplicate in full


def test_tensor_scatter_nd_add_sub_gradients():
    g_add = _grad(lambda u: tf.reduce_sum(tf.tensor_scatter_nd_add(tf.zeros([3], tf.float64), [[0], [0]], u)
                                          * np.array([2.0, 3.0, 4.0])), np.array([1.0, 1.0]))
    g_sub = _grad(lambda u: tf.reduce_sum(tf.tensor_scatter_nd_sub(tf.zeros([3], tf.float64), [[2]], u)),
                  np.array([1.0]))
    assert g_add.tolist() == [2.0, 2.0] and g_sub.tolist() == [-1.0]


def test_tensor_scatter_converts_python_updates_to_the_tensor_dtype():
    out = tf.tensor_scatter_nd_add(tf.constant([1, 2, 3]), [[0]], [5])
    assert out.dtype == tf.int32 and out.numpy().tolist() == [6, 2, 3]
    with pytest.raises(InvalidArgumentError, match="dtype"):
        tf.tensor_scatter_nd_update(tf.constant([1.0, 2.0]), [[0]], tf.constant([1.0], tf.float64))


# -- strided_slice / slice / split / concat -----------------------------------------------------

@pytest.mark.parametrize("kwargs, want", [
    (dict(begin=[0, 1], end=[2, -1], strides=[1, 2], begin_mask=1), X24[:, 1:-1:2]),
    (dict(begin=[1, 0, 0], end=[2, 0, 3], strides=[1, 1, 1], ellipsis_mask=2), X24[1:2, ..., 0:3]),
    (dict(begin=[-1, 0], end=[0, 0], strides=[1, 1], shrink_axis_mask=3), X24[-1, 0]),
    (dict(begin=[0, 0, 0], end=[0, 0, 0], strides=[1, 1, 1], begin_mask=7, end_mask=7, new_axis_mask=2),
     X24[:, None, :]),
    (dict(begin=[0, 1], end=[0, 3], strides=[1, 1], new_axis_mask=1), X24[None, 1:3]),
    (dict(begin=[0, 3], end=[2, 0], strides=[1, -1], end_mask=2), X24[0:2, 3::-1]),
])
def test_strided_slice_masks(kwargs, want):
    got = tf.strided_slice(X24, **kwargs).numpy()
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_strided_slice_gradient_is_zero_outside_the_slice():
    g = _grad(lambda x: tf.strided_slice(x, [1, 0], [2, 3], [1, 2], shrink_axis_mask=1), X24)
    want = np.zeros_like(X24)
    want[1, 0:3:2] = 1.0
    np.testing.assert_array_equal(g, want)


def test_strided_slice_errors():
    with pytest.raises(InvalidArgumentError, match="out of range"):
        tf.strided_slice(X24, [5], [6], [1], shrink_axis_mask=1)
    with pytest.raises(InvalidArgumentError, match="non-zero"):
        tf.strided_slice(X24, [0], [1], [0])
    with pytest.raises(InvalidArgumentError, match="ellipsis"):
        tf.strided_slice(X24, [0, 0], [1, 1], [1, 1], ellipsis_mask=3)


def test_slice_matches_tf_and_checks_bounds():
    assert tf.slice(X24, [1, 0, 2], [1, -1, 2]).numpy().tolist() == [[[14, 15], [18, 19], [22, 23]]]
    with pytest.raises(InvalidArgumentError, match=r"size\[2\]"):
        tf.slice(X24, [1, 0, 2], [1, -1, 5])


def test_split_errors():
    with pytest.raises(InvalidArgumentError, match="evenly divide"):
        tf.split(np.ones((4, 3)), 3)
    with pytest.raises(InvalidArgumentError, match="add up"):
        tf.split(np.ones((4, 3)), [1, 2])
    parts = tf.split(np.ones((4, 3)), [1, 3], num=2)
    assert [p.shape for p in parts] == [(1, 3), (3, 3)]


def test_concat_conversions_and_errors():
    assert tf.concat([[1, 2], [3]], 0).dtype == tf.int32
    assert tf.concat([tf.constant(np.ones((1, 2))), [[1.0, 2.0]]], 0).dtype == tf.float64
    with pytest.raises(InvalidArgumentError, match="scalars"):
        tf.concat([1.0, 2.0], 0)
    with pytest.raises(InvalidArgumentError, match="range"):
        tf.concat([np.ones((2, 2)), np.ones((2, 2))], 2)
    with pytest.raises(InvalidArgumentError, match="dtype"):
        tf.concat([tf.ones([2]), tf.constant([1.0], tf.float64)], 0)
    with pytest.raises(InvalidArgumentError, match="does not match"):
        tf.concat([np.ones((4, 3)), np.ones((4, 2))], 0)


# -- tile / pad / reverse / squeeze / expand_dims -------------------------------------------------

def test_pad_modes_match_tf():
    assert tf.pad([[1, 2]], [[1, 0], [0, 2]], constant_values=7).numpy().tolist() == [[7, 7, 7, 7], [1, 2, 7, 7]]
    assert tf.pad([[1, 2, 3]], [[0, 0], [2, 2]], "REFLECT").numpy().tolist() == [[3, 2, 1, 2, 3, 2, 1]]
    assert tf.pad([[1, 2, 3]], [[1, 1], [3, 2]], "SYMMETRIC").numpy().tolist() == [[3, 2, 1, 1, 2, 3, 3, 2]] * 3
    assert tf.pad([[1, 2, 3]], [[0, 0], [1, 0]], "reflect").numpy().tolist() == [[2, 1, 2, 3]]


def test_mirror_pad_gradient_sums_the_mirrored_copies():
    g = _grad(lambda x: tf.pad(x, [[2, 1]], "REFLECT"), np.array([1.0, 2.0, 3.0]))
    assert g.tolist() == [1.0, 3.0, 2.0]  # [3,2,1,2,3,2]: x1 appears 3 times, x2 twice


@pytest.mark.parametrize("call, pattern", [
    (lambda: tf.pad([[1, 2, 3]], [[0, 0], [3, 0]], "REFLECT"), "less than"),
    (lambda: tf.pad([[1, 2, 3]], [[0, 0], [4, 0]], "SYMMETRIC"), "no greater than"),
    (lambda: tf.pad([[1, 2, 3]], [[0, 0], [-1, 0]]), "non-negative"),
    (lambda: tf.pad([[1, 2, 3]], [[0, 0]]), r"shape \[2, 2\]"),
    (lambda: tf.tile([[1, 2]], [2]), "multiples"),
    (lambda: tf.reverse([[1, 2], [3, 4]], [1, -1]), "repeats"),
    (lambda: tf.reverse([[1, 2], [3, 4]], [2]), "out of range"),
    (lambda: tf.squeeze(np.ones((4, 3)), 1), "size 3"),
    (lambda: tf.squeeze(np.ones((4, 3)), 3), "out of range"),
    (lambda: tf.expand_dims(np.ones((4, 3)), 3), "out of range"),
    (lambda: tf.expand_dims(np.ones((4, 3)), -4), "out of range"),
])
def test_shape_op_errors(call, pattern):
    with pytest.raises(InvalidArgumentError, match=pattern):
        call()


def test_tile_gradient_sums_copies():
    g = _grad(lambda x: tf.tile(x, [2, 3]) * np.arange(12.0).reshape(2, 6), np.ones((1, 2)))
    assert g.tolist() == [[0 + 2 + 4 + 6 + 8 + 10, 1 + 3 + 5 + 7 + 9 + 11]]


# -- boolean_mask / one_hot / shape -----------------------------------------------------------------

def test_boolean_mask_matches_tf():
    p = np.arange(12.0).reshape(4, 3)
    assert tf.boolean_mask(p, [True, False, True, False]).numpy().tolist() == [[0, 1, 2], [6, 7, 8]]
    assert tf.boolean_mask(p, [True, False, True], axis=1).numpy().tolist() == [[0, 2], [3, 5], [6, 8], [9, 11]]
    assert tf.boolean_mask(p, p > 4.0).numpy().tolist() == [5, 6, 7, 8, 9, 10, 11]
    assert tf.boolean_mask(p, [1, 0, 1, 0]).numpy().tolist() == [[0, 1, 2], [6, 7, 8]]  # TF: non-zero
    with pytest.raises(ValueError, match="scalar"):
        tf.boolean_mask(p, True)
    with pytest.raises(InvalidArgumentError, match="does not match"):
        tf.boolean_mask(p, [True, False])


def test_one_hot_matches_tf():
    assert tf.one_hot([[0, 2], [1, 1]], 3, axis=0).numpy().tolist() == [
        [[1, 0], [0, 0]], [[0, 0], [1, 1]], [[0, 1], [0, 0]]]
    on_off = tf.one_hot([0, 2], 3, on_value=5, off_value=-1)
    assert on_off.dtype == tf.int32 and on_off.numpy().tolist() == [[5, -1, -1], [-1, -1, 5]]
    assert tf.one_hot([0, 2], 3, on_value=tf.constant(5.0, tf.float64)).dtype == tf.float64
    assert tf.one_hot([0, 2], 3, dtype=tf.int64).dtype == tf.int64
    assert tf.one_hot(tf.constant([0, 2], tf.uint8), 3).dtype == tf.float32
    assert tf.one_hot([0, 2], 3, on_value=2.0, dtype=tf.float64).dtype == tf.float64  # dtype_hint, as TF


@pytest.mark.parametrize("call, error", [
    (lambda: tf.one_hot([0, 2], 3, on_value=1.0, dtype=tf.int32), TypeError),
    (lambda: tf.one_hot([0, 2], 3, on_value=1, off_value=0.0), TypeError),
    (lambda: tf.one_hot([0.0, 2.0], 3), InvalidArgumentError),
    (lambda: tf.one_hot([[0, 2]], 3, axis=-2), InvalidArgumentError),
    (lambda: tf.one_hot([0, 2], 3, axis=2), InvalidArgumentError),
])
def test_one_hot_errors(call, error):
    with pytest.raises(error):
        call()


def test_shape_size_rank_are_int32_tensors():
    p = tf.constant(np.ones((4, 3)))
    assert tf.shape(p).dtype == tf.int32 and tf.shape(p).numpy().tolist() == [4, 3]
    assert tf.shape(p, out_type=tf.int64).dtype == tf.int64
    assert tf.size(p).dtype == tf.int32 and int(tf.size(p)) == 12
    assert tf.rank(p).dtype == tf.int32 and int(tf.rank(p)) == 2
    assert [s.numpy().tolist() for s in tf.shape_n([p, [1, 2]])] == [[4, 3], [2]]


def test_shape_is_not_differentiable():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.cast(tf.size(x), tf.float32) * 2.0
    assert tape.gradient(y, x) is None
