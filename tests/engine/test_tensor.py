"""Tensor: dtypes as TensorFlow infers them, operators, indexing, conversions, printing."""
import numpy as np
import pytest

import tapegrad as tf
from tapegrad import errors


@pytest.mark.parametrize("value, dtype", [
    (1.0, "float32"), (1, "int32"), (2**40, "int64"), (True, "bool"), (1 + 2j, "complex128"),
    ([1, 2.5], "float32"), ([[1, 2], [3, 4]], "int32"), ([True, False], "bool"),
    (np.float64(1.0), "float64"), (np.arange(3, dtype=np.int16), "int16"), (np.ones(2), "float64"),
])
def test_dtype_inference_follows_tensorflow(value, dtype):
    assert tf.constant(value).dtype.name == dtype
    assert tf.convert_to_tensor(value).dtype == dtype


def test_dtype_objects():
    assert tf.float32.name == "float32" and tf.float32 == "float32" and tf.float32 == np.float32
    assert tf.as_dtype("float64") is tf.float64 and tf.double is tf.float64
    assert tf.int32.is_integer and tf.float16.is_floating and tf.bool.is_bool and not tf.int8.is_floating
    assert tf.float32 != tf.float64 and hash(tf.float32) == hash(tf.as_dtype(np.float32))
    assert tf.uint8.min == 0 and tf.int8.max == 127
    with pytest.raises(TypeError):
        tf.as_dtype("float33")


def test_shape_ndim_numpy_and_array_protocol():
    t = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert t.shape == (2, 3) and t.shape == [2, 3] and t.shape.as_list() == [2, 3] and t.shape.rank == 2
    assert t.ndim == 2 and len(t) == 2
    n = t.numpy()
    n[0, 0] = 100.0  # numpy() is a copy, as in TF
    assert float(t[0, 0]) == 1.0
    assert np.asarray(t).dtype == np.float32 and np.asarray(t).shape == (2, 3)
    assert isinstance(tf.constant(2.0).numpy(), np.float32)


def test_constant_copies_numpy_input():
    a = np.array([1.0, 2.0])
    t = tf.constant(a)
    a[0] = 9.0
    assert t.numpy().tolist() == [1.0, 2.0]


def test_scalar_conversions_repr_and_format():
    t = tf.constant(2.0)
    assert float(t) == 2.0 and int(tf.constant(3)) == 3 and bool(tf.constant(True))
    assert repr(t) == "<tapegrad.Tensor: shape=(), dtype=float32, numpy=2.0>"
    assert str(t) == "tapegrad.Tensor(2.0, shape=(), dtype=float32)"
    assert f"{t}" == "2.0" and f"{t:.3f}" == "2.000"
    assert f"{tf.constant([1.0, 2.0])}" == "[1. 2.]"
    assert repr(tf.constant([1, 2])) == "<tapegrad.Tensor: shape=(2,), dtype=int32, numpy=[1 2]>"
    assert [int(i) for i in tf.range(3)] == [0, 1, 2] and list(range(5))[tf.constant(2)] == 2


def test_operators_match_numpy():
    a = np.array([[1.5, -2.0], [3.0, 4.0]], np.float32)
    b = np.array([[0.5, 2.0], [-1.0, 3.0]], np.float32)
    x, y = tf.constant(a), tf.constant(b)
    cases = {
        "+": (x + y, a + b), "-": (x - y, a - b), "*": (x * y, a * b), "/": (x / y, a / b),
        "//": (x // y, a // b), "%": (x % y, a % b), "**": (abs(x) ** y, np.abs(a) ** b), "@": (x @ y, a @ b),
        "neg": (-x, -a), "abs": (abs(x), np.abs(a)), "<": (x < y, a < b), "<=": (x <= y, a <= b),
        ">": (x > y, a > b), ">=": (x >= y, a >= b), "==": (x == y, a == b), "!=": (x != y, a != b),
        "radd": (1 + x, 1 + a), "rsub": (1.0 - x, 1 - a), "rmul": (a * y, a * b), "rdiv": (2 / x, 2 / a),
        "rpow": (2.0 ** x, 2.0 ** a),
    }
    for name, (got, want) in cases.items():
        assert isinstance(got, tf.Tensor), name
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, err_msg=name)
        assert got.dtype.name == want.dtype.name, name


def test_bool_operators_and_equality_with_none():
    p, q = tf.constant([True, False]), tf.constant([True, True])
    assert (p & q).numpy().tolist() == [True, False] and (p | q).numpy().tolist() == [True, True]
    assert (~p).numpy().tolist() == [False, True] and (p ^ q).numpy().tolist() == [False, True]
    assert (tf.constant(1.0) == None) is False and (tf.constant(1.0) != None) is True  # noqa: E711


def test_indexing_slicing_and_iteration():
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    t = tf.constant(a)
    for key in [1, -1, (0, 2), (slice(None), slice(None, None, -2)), (Ellipsis, 1), (None, 0),
                (slice(1, None), Ellipsis, None), (0, slice(1, 3), tf.newaxis)]:
        np.testing.assert_array_equal(t[key].numpy(), a[key])
    np.testing.assert_array_equal(t[tf.constant(1)].numpy(), a[1])
    rows = [r.numpy() for r in t]
    assert len(rows) == 2 and np.array_equal(rows[1], a[1])
    with pytest.raises(TypeError):
        iter(tf.constant(1.0))
    with pytest.raises(ValueError):
        t[5]


def test_tensors_are_unhashable_but_have_refs():
    t = tf.constant(1.0)
    with pytest.raises(TypeError):
        hash(t)
    assert {t.ref(): 1}[t.ref()] == 1 and t.ref().deref() is t


def test_dtype_mixing_is_refused_as_in_tensorflow():
    with pytest.raises(errors.InvalidArgumentError) as e:
        tf.constant([1.0]) + tf.constant([1.0], tf.float64)
    assert "add" in str(e.value) and "float32" in str(e.value) and "float64" in str(e.value)
    assert isinstance(e.value, ValueError)
    with pytest.raises(TypeError):
        tf.constant([1, 2]) * 2.5
    # NumPy values and Python scalars take the tensor's dtype (TF converts them)
    assert (tf.constant([1.0]) * np.array([2.0])).dtype == tf.float32
    assert (tf.constant([1.0]) * np.float64(2.0)).dtype == tf.float32
    assert (tf.constant([1, 2]) * 2).dtype == tf.int32
    assert (tf.constant(1) / tf.constant(2)).dtype == tf.float64  # TF's truediv of ints


def test_creation_functions():
    assert tf.zeros([2, 3]).dtype == tf.float32 and tf.zeros([2, 3]).shape == (2, 3)
    assert tf.ones(2, tf.int64).numpy().tolist() == [1, 1] and tf.ones(2, tf.int64).dtype == tf.int64
    z = tf.zeros_like(tf.constant([1, 2]))
    assert z.dtype == tf.int32 and z.numpy().tolist() == [0, 0]
    assert tf.ones_like(tf.constant([1.0]), dtype=tf.float64).dtype == tf.float64
    assert tf.fill([2], 7).numpy().tolist() == [7, 7] and tf.fill([2], 7).dtype == tf.int32
    assert tf.range(5).dtype == tf.int32 and tf.range(1.0, 2.0, 0.5).numpy().tolist() == [1.0, 1.5]
    assert tf.range(1.0, 2.0, 0.5).dtype == tf.float32
    np.testing.assert_array_equal(tf.eye(2, 3).numpy(), np.eye(2, 3))
    assert tf.eye(2, batch_shape=[4]).shape == (4, 2, 2)
    assert tf.identity(tf.constant([1.0])).numpy().tolist() == [1.0]
    assert tf.constant(0.0, shape=[2, 2]).numpy().tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert tf.constant([1, 2, 3, 4], shape=[2, 2]).shape == (2, 2)
    assert tf.constant(np.array([1.7, 2.2]), dtype=tf.int32).numpy().tolist() == [1, 2]
    with pytest.raises(ValueError):
        tf.constant([[1, 2], [3]])
    with pytest.raises(TypeError):
        tf.constant("abc")


def test_random_is_seeded_and_has_the_right_distribution():
    tf.random.set_seed(7)
    a = tf.random.normal([1000])
    b = tf.random.uniform([3], minval=2.0, maxval=3.0)
    tf.random.set_seed(7)
    assert np.array_equal(tf.random.normal([1000]).numpy(), a.numpy())
    assert np.array_equal(tf.random.uniform([3], minval=2.0, maxval=3.0).numpy(), b.numpy())
    assert a.dtype == tf.float32 and abs(float(np.mean(a.numpy()))) < 0.15 and 0.85 < np.std(a.numpy()) < 1.15
    assert np.all((b.numpy() >= 2.0) & (b.numpy() < 3.0))
    ints = tf.random.uniform([50], maxval=5, dtype=tf.int32)
    assert ints.dtype == tf.int32 and set(ints.numpy().tolist()) <= set(range(5))
    with pytest.raises(ValueError):
        tf.random.uniform([2], dtype=tf.int32)
    # an op seed gives that op its own reproducible stream
    tf.random.set_seed(1)
    s1 = [tf.random.normal([2], seed=3).numpy() for _ in range(2)]
    tf.random.set_seed(1)
    s2 = [tf.random.normal([2], seed=3).numpy() for _ in range(2)]
    assert np.array_equal(s1[0], s2[0]) and np.array_equal(s1[1], s2[1]) and not np.array_equal(s1[0], s1[1])


def test_error_classes_subclass_python_builtins():
    assert issubclass(errors.InvalidArgumentError, ValueError)
    assert issubclass(errors.InvalidArgumentError, errors.OpError)
    assert issubclass(errors.OutOfRangeError, IndexError)
    assert issubclass(errors.UnimplementedError, NotImplementedError)
    assert issubclass(errors.ResourceExhaustedError, MemoryError)
    assert issubclass(errors.FailedPreconditionError, RuntimeError)
    assert issubclass(errors.NotFoundError, LookupError)
    e = errors.InvalidArgumentError(None, None, "bad")
    assert e.message == "bad" and str(e) == "bad"
    assert errors.InvalidArgumentError("short form").message == "short form"


def test_integer_reductions_keep_their_dtype():
    assert tf.reduce_sum(tf.constant([1, 2])).dtype == tf.int32   # NumPy alone would give int64
    assert tf.reduce_sum(tf.cast(tf.constant([True, False, True]), tf.int32)).numpy() == 2
    assert tf.reduce_mean(tf.constant([1, 2])).dtype == tf.int32
