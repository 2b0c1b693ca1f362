"""State safety (issue 7, item 3): a tape's gradients are those of the values it read.

Between two ``gradient`` calls of a persistent tape, every way of changing a variable (assign,
assign_add/sub, scatter_nd_update/add/sub, an optimizer step, in place or not) leaves the
second answer equal to the first and to the gradient computed from the values at read time.
A NumPy array passed to an op (as data or as an index) can be changed afterwards without
changing what the tape recorded.
"""
import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras, optim

F = np.float32
V0 = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], F)
X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.25, -2.0]], F)


def _dense(g):
    return tf.convert_to_tensor(g).numpy()


# Losses that read ``v`` in different ways (elementwise, matmul + tanh, gather -> IndexedSlices,
# product, softmax), each saving different things for its backward pass.
LOSSES = {
    "square": lambda v: tf.reduce_sum(v * v),
    "matmul-tanh": lambda v: tf.reduce_sum(tf.tanh(tf.matmul(v, tf.constant(X))) ** 2),
    "gather": lambda v: tf.reduce_sum(tf.gather(v, [1, 1, 0]) * tf.constant([[1.0], [2.0], [3.0]])),
    "prod": lambda v: tf.reduce_prod(v),
    "softmax": lambda v: tf.reduce_sum(tf.nn.softmax(v) * tf.constant(X.T)),
}


def _keras_step(opt):
    def step(v):
        opt.apply_gradients([(tf.constant(np.full(V0.shape, 0.5, F)), v)])
    return step


def _optim_step(v):
    tx = optim.adam(0.1)
    state = tx.init([v._value])
    updates, _ = tx.update([np.full(V0.shape, 0.5, F)], state, [v._value])
    optim.apply_updates([v], updates)


MUTATIONS = {
    "assign": lambda v: v.assign(np.full(V0.shape, 7.0, F)),
    "assign_add": lambda v: v.assign_add(np.ones(V0.shape, F)),
    "assign_sub": lambda v: v.assign_sub(np.ones(V0.shape, F)),
    "scatter_nd_update": lambda v: v.scatter_nd_update([[0, 1], [1, 2]], [9.0, -9.0]),
    "scatter_nd_add": lambda v: v.scatter_nd_add([[1]], [[1.0, 1.0, 1.0]]),
    "scatter_nd_sub": lambda v: v.scatter_nd_sub([[0, 0], [0, 0]], [1.0, 2.0]),
    "keras-SGD-step": lambda v: _keras_step(keras.optimizers.SGD(0.1))(v),
    "keras-Adam-step": lambda v: _keras_step(keras.optimizers.Adam(0.1))(v),
    "optim-adam-apply_updates": _optim_step,
}


def _gradient_at(loss, value):
    """The gradient of ``loss`` for a fresh variable holding ``value`` (the read-time answer)."""
    w = tf.Variable(value)
    with tf.GradientTape() as tape:
        y = loss(w)
    return _dense(tape.gradient(y, w))


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_gradient_after_a_mutation_is_that_of_the_values_read(loss, mutation):
    v = tf.Variable(V0)
    with tf.GradientTape(persistent=True) as tape:
        y = LOSSES[loss](v)
    want = _gradient_at(LOSSES[loss], V0)
    first = _dense(tape.gradient(y, v))
    before = v.numpy()
    MUTATIONS[mutation](v)
    assert not np.array_equal(v.numpy(), before), "the mutation must change the variable"
    second = _dense(tape.gradient(y, v))
    np.testing.assert_array_equal(first, want)
    np.testing.assert_array_equal(second, want)
    # The gradient of a new tape sees the new value.
    np.testing.assert_array_equal(_dense(_gradient_at(LOSSES[loss], v.numpy())),
                                  _gradient_at(LOSSES[loss], v.numpy()))


def test_optimizer_steps_in_place_still_compute_the_right_update():
    # The optimizer writes in place when nothing holds the buffer; with a live tape holding it,
    # copy-on-write must give the same new value as with no tape at all.
    results = []
    for hold in (False, True):
        v = tf.Variable(V0)
        opt = keras.optimizers.Adam(0.1)
        tape = None
        for _ in range(3):
            with tf.GradientTape(persistent=hold) as tape:
                y = LOSSES["matmul-tanh"](v)
            g = tape.gradient(y, v)
            opt.apply_gradients([(g, v)])
            if not hold:
                tape = None
        results.append(v.numpy())
    np.testing.assert_array_equal(results[0], results[1])


def test_two_reads_at_different_times_in_one_tape():
    v = tf.Variable([2.0, 3.0])
    a, b = tf.constant([1.0, 1.0]), tf.constant([1.0, 1.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([a, b])
        y1 = tf.reduce_sum(v * a)        # reads v = [2, 3]
        v.assign_add([10.0, 10.0])
        y2 = tf.reduce_sum(v * b)        # reads v = [12, 13]
        loss = y1 + y2
    ga, gb, gv = tape.gradient(loss, [a, b, v])
    assert ga.numpy().tolist() == [2.0, 3.0] and gb.numpy().tolist() == [12.0, 13.0]
    assert gv.numpy().tolist() == [2.0, 2.0]
    v.assign([0.0, 0.0])
    assert tape.gradient(loss, a).numpy().tolist() == [2.0, 3.0]


# -- NumPy arrays passed in: data and indices ------------------------------------------------------

def _mutate(array):
    """Change the caller's array in place (indices stay in range)."""
    if array.dtype == bool:
        array[...] = ~array
    elif array.dtype.kind == "f":
        array[...] = np.flip(array) + 1
    else:
        array[...] = np.flip(array, axis=0)


C = tf.constant
# name: (the NumPy array, loss(v, array))
NUMPY_INPUTS = {
    "multiply": (lambda: np.array([[1.0, 2.0, 3.0]] * 2, F), lambda v, a: tf.reduce_sum(v * a * v)),
    "matmul": (lambda: X.copy(), lambda v, a: tf.reduce_sum(tf.matmul(v, a) ** 2)),
    "concat": (lambda: np.array([[1.0, 2.0, 3.0]], F), lambda v, a: tf.reduce_prod(tf.concat([v, a], 0))),
    "where-condition": (lambda: np.array([[True, False, True]] * 2),
                        lambda v, c: tf.reduce_sum(tf.where(c, v * v, v))),
    "getitem-int-array": (lambda: np.array([0, 1, 1]),
                          lambda v, i: tf.reduce_sum(v[i] * C([[1.0], [5.0], [9.0]]))),
    "getitem-column-array": (lambda: np.array([2, 0]), lambda v, i: tf.reduce_sum(v[:, i] * C([1.0, 10.0]))),
    "gather-indices": (lambda: np.array([0, 2]),
                       lambda v, i: tf.reduce_sum(tf.gather(v, i, axis=1) * C([1.0, 4.0]))),
    "gather_nd-indices": (lambda: np.array([[0, 1], [1, 2]]),
                          lambda v, i: tf.reduce_sum(tf.gather_nd(v, i) * C([3.0, 5.0]))),
    "scatter_nd-indices": (lambda: np.array([[2], [0]]), lambda v, i: tf.reduce_sum(
        tf.scatter_nd(i, v, [3, 3]) * C(np.arange(9.0, dtype=F).reshape(3, 3)))),
    "boolean_mask": (lambda: np.array([True, False]), lambda v, m: tf.reduce_sum(tf.boolean_mask(v, m) ** 2)),
    "sparse-ce-labels": (lambda: np.array([0, 2]),
                         lambda v, l: tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(l % 3, v))),
    "softmax-ce-labels": (lambda: np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]], F),
                          lambda v, l: tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits(l, v))),
}


@pytest.mark.parametrize("name", sorted(NUMPY_INPUTS))
def test_changing_a_numpy_input_after_the_call_changes_nothing_recorded(name):
    make, loss = NUMPY_INPUTS[name]
    v = tf.Variable(V0)
    array = make()
    with tf.GradientTape(persistent=True) as tape:
        y = loss(v, array)
    before, value_before = _dense(tape.gradient(y, v)), y.numpy()
    _mutate(array)
    np.testing.assert_array_equal(_dense(tape.gradient(y, v)), before)
    assert y.numpy() == value_before
    # The change matters: recorded anew with the changed array, the gradient differs.
    with tf.GradientTape() as fresh:
        y2 = loss(v, array)
    assert not np.array_equal(_dense(fresh.gradient(y2, v)), before)


def test_keras_layer_keeps_its_numpy_input():
    layer = keras.layers.Dense(2, kernel_initializer="ones")
    x = np.array([[1.0, 2.0, 3.0]], F)
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(layer(x) ** 2)
    g1 = tape.gradient(y, layer.kernel).numpy()
    x[...] = 100.0
    np.testing.assert_array_equal(tape.gradient(y, layer.kernel).numpy(), g1)


def test_constant_and_variable_copy_their_numpy_value():
    a = np.array([1.0, 2.0], F)
    t, v, c = tf.constant(a), tf.Variable(a), tf.convert_to_tensor(a)
    a[...] = -1.0
    for x in (t, v, c):
        assert x.numpy().tolist() == [1.0, 2.0]
