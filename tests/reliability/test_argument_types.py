"""Wrong argument types outside the ops (issue 7, item 1): a list where a Variable is needed, a
loss that is not a loss. The passing tests pin the clear errors that exist; the strict xfails
are checks whose fix belongs to files other sessions own (docs/reliability.md, "Open changes").
"""
import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

F = np.float32


def _model():
    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])


def _fit(model):
    model.fit(np.ones((4, 2), F), np.ones((4, 1), F), verbose=0)


def test_a_gradient_of_the_wrong_shape_is_a_clear_error():
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(ValueError, match=r"shape \(3,\).*variable 'Variable:0' of shape \(2,\)"):
        keras.optimizers.SGD(0.1).apply_gradients([(tf.ones([3]), v)])


def test_minimize_with_non_variables_is_a_clear_error():
    v = tf.Variable([1.0])
    with pytest.raises(ValueError, match="every source must be a Tensor or Variable, got float"):
        keras.optimizers.SGD(0.1).minimize(lambda: tf.reduce_sum(v * v), [[1.0]])


@pytest.mark.parametrize("loss", [3, "no_such_loss"])
def test_an_unknown_loss_is_a_clear_error_at_compile(loss):
    with pytest.raises(ValueError, match=f"Could not interpret loss identifier: {loss}"):
        _model().compile("sgd", loss=loss)


def test_an_unknown_optimizer_is_a_clear_error_at_compile():
    with pytest.raises(ValueError, match="optimizer"):
        _model().compile(3, loss="mse")


@pytest.mark.parametrize("not_a_variable", [[1.0, 2.0], np.ones(2, F), tf.ones([2])], ids=["list", "ndarray", "tensor"])
def test_apply_gradients_names_a_non_variable(not_a_variable):
    with pytest.raises((TypeError, ValueError), match="Variable"):
        keras.optimizers.SGD(0.1).apply_gradients([(tf.ones([2]), not_a_variable)])


@pytest.mark.parametrize("loss", [3, "no_such_loss"])
def test_compile_refuses_a_loss_that_is_not_a_loss(loss):
    with pytest.raises((TypeError, ValueError)):
        _model().compile("sgd", loss=loss)
