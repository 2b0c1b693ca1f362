"""Numerical behaviour of the nn ops that the op table cannot show.

1. Stability: log_softmax, softmax, softplus, and the three cross-entropies at |logits| ~ 1e4
   give finite values and gradients (first and second order) equal to a stable float64 reference.
2. TensorFlow's conventions, checked against numbers recorded from TensorFlow 2.21 (CPU): the
   gradient at activation kinks, zeros (not None) for second derivatives of mask ops, max-pool
   ties, SAME padding splits, average pooling of partial windows, softmax cross-entropy with
   unnormalised labels, dropout, and the errors TF raises.
"""
import numpy as np
import pytest

import tapegrad as tf

BIG = np.array([[1e4, -1e4, 0.0, 5e3], [-1e4, -1e4 + 1.0, 3.0, -2.0], [1e4, 1e4, -1e4, 1e4]])
DTYPES = [np.float32, np.float64]


def _sigmoid(x):
    return 0.5 * (1 + np.tanh(x / 2))  # no overflow anywhere


def _log_softmax(x):
    return x - np.logaddexp.reduce(x, axis=-1, keepdims=True)


def _value_and_grads(f, args, weights):
    """f(*args), and the gradient of sum(weights * f) for each argument (all watched)."""
    xs = [tf.constant(a) for a in args]
    with tf.GradientTape() as tape:
        tape.watch(xs)
        y = f(*xs)
        loss = tf.reduce_sum(y * tf.constant(weights.astype(y.dtype.as_numpy_dtype)))
    return y.numpy(), [g.numpy() for g in tape.gradient(loss, xs)]


def _assert_finite_close(got, want, dtype):
    assert np.all(np.isfinite(got)), got
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * np.max(np.abs(want)))


# -- 1. stability at |logits| ~ 1e4 ------------------------------------------------------------

W = np.random.default_rng(0).standard_normal(BIG.shape)
W_ROWS = W[:, 0]
LABELS = np.abs(W) / np.abs(W).sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_softmax_at_large_logits(dtype):
    x = BIG.astype(dtype)
    y, (g,) = _value_and_grads(tf.nn.log_softmax, [x], W)
    ref = _log_softmax(x.astype(np.float64))
    _assert_finite_close(y, ref, dtype)
    _assert_finite_close(g, W - np.exp(ref) * W.sum(-1, keepdims=True), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_at_large_logits(dtype):
    x = BIG.astype(dtype)
    y, (g,) = _value_and_grads(tf.nn.softmax, [x], W)
    s = np.exp(_log_softmax(x.astype(np.float64)))
    _assert_finite_close(y, s, dtype)
    _assert_finite_close(g, s * (W - (W * s).sum(-1, keepdims=True)), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softplus_at_large_logits(dtype):
    softplus = getattr(tf.math, "softplus", None)
    if softplus is None:
        pytest.skip("tf.math.softplus is not registered")
    x = BIG.astype(dtype)
    y, (g,) = _value_and_grads(softplus, [x], W)
    x64 = x.astype(np.float64)
    _assert_finite_close(y, np.logaddexp(0, x64), dtype)
    _assert_finite_close(g, W * _sigmoid(x64), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_cross_entropy_at_large_logits(dtype):
    z = np.tile([0.0, 1.0, 0.5, 1.0], (3, 1)).astype(dtype)
    x = BIG.astype(dtype)
    y, (gz, gx) = _value_and_grads(lambda z, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x),
                                   [z, x], W)
    x64, z64 = x.astype(np.float64), z.astype(np.float64)
    _assert_finite_close(y, np.logaddexp(0, x64) - x64 * z64, dtype)
    _assert_finite_close(gx, W * (_sigmoid(x64) - z64), dtype)
    _assert_finite_close(gz, -W * x64, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_cross_entropy_at_large_logits(dtype):
    p, x = LABELS.astype(dtype), BIG.astype(dtype)
    y, (gp, gx) = _value_and_grads(tf.nn.softmax_cross_entropy_with_logits, [p, x], W_ROWS)
    ls = _log_softmax(x.astype(np.float64))
    p64 = p.astype(np.float64)
    _assert_finite_close(y, -(p64 * ls).sum(-1), dtype)
    _assert_finite_close(gx, W_ROWS[:, None] * (np.exp(ls) - p64), dtype)
    _assert_finite_close(gp, -W_ROWS[:, None] * ls, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sparse_softmax_cross_entropy_at_large_logits(dtype):
    labels = np.array([1, 0, 2])
    x = BIG.astype(dtype)
    y, (gx,) = _value_and_grads(lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels, x), [x], W_ROWS)
    ls = _log_softmax(x.astype(np.float64))
    _assert_finite_close(y, -ls[np.arange(3), labels], dtype)
    _assert_finite_close(gx, W_ROWS[:, None] * (np.exp(ls) - np.eye(4)[labels]), dtype)


@pytest.mark.parametrize("loss", [
    lambda x: tf.nn.log_softmax(x) * W,
    lambda x: tf.nn.softmax_cross_entropy_with_logits(LABELS, x),
    lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(np.array([1, 0, 2]), x),
    lambda x: tf.nn.sigmoid_cross_entropy_with_logits(labels=LABELS, logits=x),
], ids=["log_softmax", "softmax_ce", "sparse_ce", "sigmoid_ce"])
def test_second_derivatives_are_finite_at_large_logits(loss):
    x = tf.constant(BIG)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(loss(x))
        g = inner.gradient(y, x)
        hv = tf.reduce_sum(g * W)
    h = outer.gradient(hv, x).numpy()
    assert np.all(np.isfinite(g.numpy())) and np.all(np.isfinite(h))


# -- 2. TensorFlow's conventions (numbers from TensorFlow 2.21) -----------------------------

KINKS = np.array([-1.0, 0.0, 3.0, 6.0, 7.0])
TF_KINK_GRADIENTS = {  # d/dx at [-1, 0, 3, 6, 7], float64
    "relu": (tf.nn.relu, [0, 0, 1, 1, 1]),
    "relu6": (tf.nn.relu6, [0, 0, 1, 0, 0]),
    "leaky_relu": (lambda x: tf.nn.leaky_relu(x, 0.3), [0.30000001192092896, 0.30000001192092896, 1, 1, 1]),
    "elu": (tf.nn.elu, [0.36787944117144233, 1, 1, 1, 1]),
    "selu": (tf.nn.selu, [0.6467686, 1.05070099, 1.05070099, 1.05070099, 1.05070099]),
    "gelu": (tf.nn.gelu, [-0.08331547, 0.5, 1.01194565, 1.00000004, 1.0]),
    "silu": (tf.nn.silu, [0.07232949, 0.5, 1.08810411, 1.01232643, 1.0054605]),
}


@pytest.mark.parametrize("name", sorted(TF_KINK_GRADIENTS))
def test_activation_gradients_at_kinks_match_tensorflow(name):
    f, want = TF_KINK_GRADIENTS[name]
    _, (g,) = _value_and_grads(f, [KINKS], np.ones(5))
    np.testing.assert_allclose(g, want, rtol=1e-7, atol=1e-8)


def test_leaky_relu_scales_float64_by_float32_alpha_as_tensorflow():
    assert tf.nn.leaky_relu(tf.constant([-1.0], tf.float64), alpha=0.2).numpy()[0] == -0.20000000298023224


@pytest.mark.parametrize("f", [tf.nn.relu, tf.nn.relu6, lambda x: tf.nn.leaky_relu(x, 0.1),
                               lambda x: tf.nn.max_pool1d(x[None, :, None], 2, 1, "VALID")],
                         ids=["relu", "relu6", "leaky_relu", "max_pool"])
def test_second_derivative_of_mask_ops_is_zeros_not_none(f):
    x = tf.constant(KINKS + 0.5)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(f(x) * 2.0)
        g = inner.gradient(y, x)
    h = outer.gradient(g, x)
    assert h is not None, "TF returns zeros here (its *GradGrad rules), not None"
    np.testing.assert_array_equal(h.numpy(), np.zeros(5))


def _pool_grad(pool, x):
    x = tf.constant(np.asarray(x, np.float64).reshape((1,) + np.shape(x) + (1,)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = pool(x)
    return y.numpy()[0, ..., 0], tape.gradient(y, x).numpy()[0, ..., 0]


TIES = [[1.0, 2.0, 2.0], [2.0, 0.0, 2.0], [1.0, 1.0, 1.0]]


def test_max_pool_tie_goes_to_first_maximum_in_row_major_order():
    _, g = _pool_grad(lambda x: tf.nn.max_pool2d(x, 2, 2, "VALID"), np.ones((2, 2)))
    np.testing.assert_array_equal(g, [[1, 0], [0, 0]])
    _, g = _pool_grad(lambda x: tf.nn.max_pool2d(x, 2, 1, "VALID"), TIES)  # overlapping windows add up
    np.testing.assert_array_equal(g, [[0, 2, 0], [1, 0, 1], [0, 0, 0]])


def test_max_pool_same_pads_after_and_padding_never_wins():
    y, g = _pool_grad(lambda x: tf.nn.max_pool2d(x, 2, 2, "SAME"), TIES)
    np.testing.assert_array_equal(y, [[2, 2], [1, 1]])
    np.testing.assert_array_equal(g, [[0, 1, 1], [0, 0, 0], [1, 0, 1]])
    y, _ = _pool_grad(lambda x: tf.nn.max_pool2d(x, 2, 2, "SAME"), -np.ones((3, 3)))
    np.testing.assert_array_equal(y, -np.ones((2, 2)))


def test_avg_pool_same_divides_by_the_real_entries_of_each_window():
    y, g = _pool_grad(lambda x: tf.nn.avg_pool2d(x, 2, 2, "SAME"), TIES)
    np.testing.assert_array_equal(y, [[1.25, 2.0], [1.0, 1.0]])
    np.testing.assert_array_equal(g, [[0.25, 0.25, 0.5], [0.25, 0.25, 0.5], [0.5, 0.5, 1.0]])


def test_conv2d_same_padding_puts_the_odd_pixel_after_as_tensorflow():
    x = tf.constant(np.arange(16.0).reshape(1, 4, 4, 1))
    w = tf.constant(np.arange(1.0, 17.0).reshape(4, 4, 1, 1))  # pad 3 = 1 before + 2 after
    np.testing.assert_array_equal(tf.nn.conv2d(x, w, 1, "SAME").numpy()[0, :, :, 0],
                                  [[597, 836, 642, 436], [1004, 1360, 1016, 672],
                                   [669, 884, 642, 412], [358, 456, 316, 192]])
    x5 = tf.constant(np.arange(25.0).reshape(1, 5, 5, 1))
    w2 = tf.constant(np.array([1.0, 10.0, 100.0, 1000.0]).reshape(2, 2, 1, 1))  # stride 2: pad 0 + 1
    with tf.GradientTape() as tape:
        tape.watch(x5)
        y = tf.nn.conv2d(x5, w2, 2, "SAME")
    np.testing.assert_array_equal(y.numpy()[0, :, :, 0],
                                  [[6510, 8732, 904], [17620, 19842, 1914], [230, 252, 24]])
    np.testing.assert_array_equal(tape.gradient(y, x5).numpy()[0, :2, :2, 0], [[1, 10], [100, 1000]])


def test_conv2d_is_differentiable_three_times():
    # d/dx of <w2, d/dx of sum(conv(x, w)^2)>: needs the backprop primitives' own gradients.
    rng = np.random.default_rng(1)
    x, w = (tf.constant(rng.standard_normal(s)) for s in [(1, 4, 4, 2), (2, 2, 2, 2)])
    tf.testing.check_gradients(lambda x, w: tf.nn.conv2d(x, w, 2, "SAME") ** 2, [x, w], order=3)


def test_softmax_cross_entropy_gradient_is_softmax_minus_labels_as_tensorflow():
    labels, logits = tf.constant([[0.5, 1.0, 0.2]], tf.float64), tf.constant([[1.0, 2.0, 3.0]], tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([labels, logits])
        y = tf.nn.softmax_cross_entropy_with_logits(labels, logits)
    np.testing.assert_allclose(y.numpy(), [2.69293014], rtol=1e-8)
    # labels that do not sum to 1: TF's number (softmax - labels), not the true derivative
    np.testing.assert_allclose(tape.gradient(y, logits).numpy(), [[-0.40996943, -0.75527153, 0.46524096]], rtol=1e-7)
    np.testing.assert_allclose(tape.gradient(y, labels).numpy(), [[2.40760596, 1.40760596, 0.40760596]], rtol=1e-7)


def test_sparse_softmax_cross_entropy_second_derivative_matches_tensorflow():
    x = tf.constant([[1.0, 2.0, 3.0]], tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.nn.sparse_softmax_cross_entropy_with_logits([1], x)
        s = tf.reduce_sum(inner.gradient(y, x) * tf.constant([[1.0, 2.0, 3.0]], tf.float64))
    np.testing.assert_allclose(outer.gradient(s, x).numpy(), [[-0.14181709, -0.14077036, 0.28258745]], rtol=1e-7)


def test_dropout_masks_scales_and_repeats_with_seeds():
    x = tf.ones([200, 50])
    tf.random.set_seed(5)
    a = tf.nn.dropout(x, rate=0.25, seed=1).numpy()
    tf.random.set_seed(5)
    b = tf.nn.dropout(x, rate=0.25, seed=1).numpy()
    np.testing.assert_array_equal(a, b)
    assert set(np.unique(a)) == {0.0, np.float32(1 / 0.75)}
    assert 0.22 < np.mean(a == 0) < 0.28
    c = tf.nn.dropout(x, rate=0.25, seed=1).numpy()  # the op's stream advances, as TF's
    assert not np.array_equal(a, c)


def test_dropout_noise_shape_drops_whole_columns_and_gradient_is_the_scaled_mask():
    x = tf.constant(np.arange(1.0, 41.0).reshape(4, 10))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.dropout(x, rate=0.5, noise_shape=[1, 10], seed=2)
    kept = y.numpy()[0] != 0
    assert np.all((y.numpy() != 0) == kept)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), np.tile(np.where(kept, 2.0, 0.0), (4, 1)))


def test_dropout_rate_zero_is_identity_and_bad_rates_raise():
    x = tf.constant([1.0, 2.0])
    assert tf.nn.dropout(x, 0.0) is x
    for rate in (1.0, -0.1):
        with pytest.raises(ValueError, match="rate"):
            tf.nn.dropout(x, rate)
    with pytest.raises(ValueError, match="floating point"):
        tf.nn.dropout(tf.constant([1, 2]), 0.5)


@pytest.mark.parametrize("call, match", [
    (lambda: tf.nn.sparse_softmax_cross_entropy_with_logits([3], [[0.0, 1.0, 2.0]]), "outside the valid range"),
    (lambda: tf.nn.softmax_cross_entropy_with_logits([[0.5, 0.5]], [[0.0, 1.0, 2.0]]), "same shape"),
    (lambda: tf.nn.conv2d(tf.ones([1, 4, 4, 3]), tf.ones([2, 2, 2, 1]), 1, "SAME"), "channels"),
    (lambda: tf.nn.conv2d(tf.ones([1, 4, 4, 1]), tf.ones([2, 2, 1, 1]), 1, "FULL"), "padding"),
    (lambda: tf.nn.max_pool2d(tf.ones([1, 2, 2, 1]), 3, 1, "VALID"), "larger than the input"),
    (lambda: tf.nn.bias_add(tf.ones([2, 3]), tf.ones([2])), "biases"),
    (lambda: tf.einsum("ij,jk->ik", tf.ones([2, 3]), tf.ones([2, 3])), "size"),
    (lambda: tf.einsum("...ij->ij", tf.ones([5, 2, 3])), "ellipsis"),
    (lambda: tf.linalg.inv(tf.zeros([2, 2])), "not invertible"),
])
def test_errors_name_the_op_and_the_problem(call, match):
    with pytest.raises(tf.errors.InvalidArgumentError, match=match):
        call()


def test_complex_matmul_gradient_uses_tensorflows_conjugate_convention():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
    b = rng.standard_normal((2, 4)) + 1j * rng.standard_normal((2, 4))
    g = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    ta, tb = tf.constant(a), tf.constant(b)
    with tf.GradientTape() as tape:
        tape.watch([ta, tb])
        y = tf.linalg.matmul(ta, tb, adjoint_a=True)
    ga, gb = tape.gradient(y, [ta, tb], output_gradients=tf.constant(g))
    np.testing.assert_allclose(y.numpy(), a.conj().T @ b)
    np.testing.assert_allclose(ga.numpy(), b @ g.conj().T)   # dA = B G^H, as TF
    np.testing.assert_allclose(gb.numpy(), a @ g)             # dB = A G
