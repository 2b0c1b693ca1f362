"""NaN/Inf checks name the op and the caller, in the forward and in the gradient."""
import numpy as np
import pytest

import tapegrad as tf
from tapegrad import errors


def test_check_numerics_op_forward_and_gradient():
    with pytest.raises(errors.InvalidArgumentError, match="weights : Tensor had NaN"):
        tf.debugging.check_numerics(tf.constant([1.0, np.nan]), "weights")
    x = tf.Variable([0.0, 1.0])
    with pytest.raises(errors.InvalidArgumentError, match="x : Tensor had"):
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.sqrt(tf.debugging.check_numerics(x, "x")))
        tape.gradient(y, x)  # d sqrt(x) at 0 is inf


def test_enable_check_numerics_names_the_op_and_the_caller():
    tf.debugging.enable_check_numerics()
    try:
        with pytest.raises(errors.InvalidArgumentError) as e:
            tf.math.log(tf.constant([1.0, -1.0]))  # the line the message must name
        assert "'log'" in str(e.value) and "NaN" in str(e.value) and "test_numerics.py" in str(e.value)
        x = tf.Variable([0.0, 4.0])
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.sqrt(x))
        with pytest.raises(errors.InvalidArgumentError) as e:
            tape.gradient(y, x)
        assert "gradient of op 'sqrt'" in str(e.value) and "test_numerics.py" in str(e.value)
    finally:
        tf.debugging.disable_check_numerics()
    tf.math.log(tf.constant([-1.0]))  # off again: NaN passes silently, as in TF


def test_context_manager_form():
    with tf.debugging.check_numerics_enabled():
        with pytest.raises(errors.InvalidArgumentError):
            tf.constant([1.0]) / tf.constant([0.0])
    assert np.isinf((tf.constant([1.0]) / tf.constant([0.0])).numpy()[0])
