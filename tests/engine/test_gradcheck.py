"""The public gradient checkers catch wrong gradients and agree on right ones."""
import numpy as np
import pytest

import tapegrad as tf


def test_check_gradients_passes_on_a_correct_function_to_third_order():
    tf.testing.check_gradients(lambda x, y: tf.tanh(x * y) + tf.exp(x) / y,
                               [np.array([0.3, -0.7]), np.array([1.5, 2.0])], order=3)


def test_check_gradients_catches_a_wrong_rule():
    @tf.custom_gradient
    def wrong_square(x):
        return x * x, lambda dy: dy * 3.0 * x   # should be 2 x
    with pytest.raises(AssertionError, match="argument 0"):
        tf.testing.check_gradients(wrong_square, [np.array([1.0, 2.0])])


def test_check_gradients_catches_a_wrong_second_derivative():
    @tf.custom_gradient
    def cube(x):
        # right first derivative, but built from a constant copy: no second derivative
        return x * x * x, lambda dy: dy * 3.0 * tf.stop_gradient(x) ** 2
    tf.testing.check_gradients(cube, [np.array([1.0, 2.0])], order=1)
    with pytest.raises(AssertionError, match="order-1"):
        tf.testing.check_gradients(cube, [np.array([1.0, 2.0])], order=2)


def test_compute_gradient_as_tensorflow():
    theoretical, numerical = tf.test.compute_gradient(lambda x: x * x, [np.array([1.0, 2.0, 3.0])])
    assert theoretical[0].shape == (3, 3)
    np.testing.assert_allclose(theoretical[0], np.diag([2.0, 4.0, 6.0]))
    np.testing.assert_allclose(numerical[0], theoretical[0], rtol=1e-6)
