"""Input validation that belongs to the engine (tapegrad/core): one test per gap the op fuzz
test found there (they were strict xfails until the engine changes landed)."""
import pytest

import tapegrad as tf
from tapegrad import errors

def test_forward_errors_name_the_op():
    # The binary dispatcher calls np.add directly; NumPy's "operands could not be broadcast
    # together with shapes (2,3) (4,)" reaches the user without the op's name (TF: InvalidArgumentError
    # "Incompatible shapes: [2,3] vs. [4] [Op:AddV2]").
    with pytest.raises(errors.InvalidArgumentError, match=r"add.*\[2, 3\].*\[4\]"):
        tf.add(tf.ones([2, 3]), tf.ones([4]))
    with pytest.raises(errors.InvalidArgumentError, match="negative"):
        tf.negative(tf.constant([True]))  # NumPy's TypeError about booleans, without the op's name


def test_none_and_strings_next_to_a_tensor_are_refused():
    # The core converts a non-tensor operand with NumPy given the tensor's dtype:
    # np.array(None, float32) is nan and np.array("abc", bool) is True, silently.
    for call in (lambda: tf.add(tf.ones([2]), None),
                 lambda: tf.ones([2]) * "2",
                 lambda: tf.equal(tf.constant(True), "abc")):
        with pytest.raises((TypeError, ValueError)):
            call()


def test_assigning_none_to_a_variable_is_refused():
    v = tf.Variable([1.0, 2.0])
    with pytest.raises((TypeError, ValueError)):
        v.assign([None, None])


def test_an_empty_list_is_float32():
    assert tf.constant([]).dtype == tf.float32  # TF: float32; the core infers bool


def test_broadcast_to_checks_the_shape():
    # tf.broadcast_to is the core primitive itself (no public wrapper validates): NumPy raises.
    with pytest.raises(errors.InvalidArgumentError, match="broadcast_to"):
        tf.broadcast_to(tf.ones([3]), [2, 2])


@pytest.mark.parametrize("call", [
    lambda: tf.exp(tf.constant([1, 2])),                        # float-only kernels
    lambda: tf.sqrt(tf.constant([4])),
    lambda: tf.add(tf.constant([True]), tf.constant([True])),   # no arithmetic on bool
    lambda: tf.logical_and(tf.ones([2]), tf.ones([2])),         # bool-only kernels
    lambda: tf.matmul(tf.ones([2, 2], tf.bool), tf.ones([2, 2], tf.bool)),
], ids=["exp-int", "sqrt-int", "add-bool", "logical_and-float", "matmul-bool"])
def test_dtypes_tensorflow_refuses_are_refused(call):
    # TF: InvalidArgumentError "Value for attr 'T' of int32 is not in the list of allowed values".
    with pytest.raises(errors.InvalidArgumentError):
        call()

