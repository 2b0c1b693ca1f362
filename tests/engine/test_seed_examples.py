"""The seed documents' examples that need no Keras, asserting what they print (TF 2.21's answers)."""
import pytest

import tapegrad as tf


def test_seed000_example1_subset_of_variables_with_a_persistent_tape():
    x = tf.Variable(1.0, name='x')
    y = tf.Variable(2.0, name='y')
    z = tf.Variable(3.0, name='z')
    with tf.GradientTape(persistent=True) as tape:
        loss = x**2 + y**2
    gradients = tape.gradient(loss, [x, y])
    assert f"Gradient of x: {gradients[0]}" == "Gradient of x: 2.0"
    assert f"Gradient of y: {gradients[1]}" == "Gradient of y: 4.0"
    assert float(loss) == 5.0 and tape.gradient(loss, z) is None
    assert sorted(v.name for v in tape.watched_variables()) == ["x:0", "y:0"]
    del tape


def test_seed001_example1_linear_regression():
    W = tf.Variable([0.3], name='weight')
    b = tf.Variable([-0.2], name='bias')
    x = tf.constant([[1.0], [2.0], [3.0]])
    y_true = tf.constant([[2.0], [4.0], [6.0]])
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(y_true - (W * x + b)))
    gradients = tape.gradient(loss, [W, b])
    assert float(loss) == pytest.approx(14.886668)
    assert [g.shape for g in gradients] == [(1,), (1,)]
    assert float(gradients[0][0]) == pytest.approx(-16.666668) and float(gradients[1][0]) == pytest.approx(-7.2)
    W.assign_sub(0.01 * gradients[0])
    b.assign_sub(0.01 * gradients[1])
    assert float(W[0]) == pytest.approx(0.46666670) and float(b[0]) == pytest.approx(-0.12799999)


def test_seed001_example2_persistent_tape_with_watch():
    x = tf.Variable(2.0)
    y = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        tape.watch(y)
        z = x * y
    assert float(tape.gradient(z, x)) == 3.0 and float(tape.gradient(z, y)) == 2.0
    assert len(tape.watched_variables()) == 2


def test_seed001_example3_nested_functions_and_second_order():
    def outer_function(x):
        def inner_function(y):
            return x * y**2
        return inner_function(2.0)

    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        result = outer_function(x)
    assert f"Gradient of outer function wrt x: {tape.gradient(result, x)}" == "Gradient of outer function wrt x: 4.0"
    with tf.GradientTape() as tape_h:
        with tf.GradientTape() as tape:
            result = outer_function(x)
        first = tape.gradient(result, x)
        second = tape_h.gradient(first, x)
    assert f"First order gradient: {first}, Second order gradient: {second}" == \
        "First order gradient: 4.0, Second order gradient: None"


def test_seed004_example1_watch_a_non_trainable_variable():
    x = tf.Variable(3.0, trainable=False)
    y = tf.Variable(2.0, trainable=True)
    with tf.GradientTape() as tape:
        tape.watch(x)
        z = x * y
    assert f"dz/dx: {tape.gradient(z, x)}" == "dz/dx: 2.0"
    with pytest.raises(RuntimeError):  # the seed's second call: a non-persistent tape answers once
        tape.gradient(z, y)
    with tf.GradientTape(persistent=True) as ptape:
        ptape.watch(x)
        z2 = x * y
    assert float(ptape.gradient(z2, x)) == 2.0 and float(ptape.gradient(z2, y)) == 3.0


def test_seed004_example2_several_non_trainable_variables():
    a = tf.Variable(1.0, trainable=False)
    b = tf.Variable(2.0, trainable=False)
    c = tf.Variable(3.0, trainable=True)
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        loss = tf.square(a + b - c)
    assert [float(g) for g in tape.gradient(loss, [a, b, c])] == [0.0, 0.0, 0.0]
    assert len(tape.watched_variables()) == 3
    with tf.GradientTape() as tape2:
        loss2 = tf.square(a + b - (c + 1.0))
    ga, gb, gc = tape2.gradient(loss2, [a, b, c])
    assert ga is None and gb is None and float(gc) == 2.0
