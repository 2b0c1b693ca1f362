"""What a layer takes as its input, beyond the recorded Keras cases of tests/reliability/keras_cases.py:
the same checks on the symbolic (functional) path, the dtype of merged inputs, and ReLU's options
through a config round trip."""
import numpy as np
import pytest

from tapegrad import keras

X = np.arange(6, dtype="float32").reshape(2, 3) / 6


@pytest.mark.parametrize("layer", [keras.layers.Dense(2), keras.layers.Softmax(), keras.layers.Flatten(),
                                   keras.layers.LayerNormalization(), keras.layers.Embedding(4, 2)],
                         ids=lambda la: type(la).__name__)
@pytest.mark.parametrize("inputs", ["list", "dict"])
def test_one_tensor_layer_refuses_a_structure_of_symbolic_inputs(layer, inputs):
    a, b = keras.Input((3,)), keras.Input((3,))
    structure = [a, b] if inputs == "list" else {"a": a}
    with pytest.raises(ValueError, match=f'"{layer.name}" .*expects 1 input'):
        layer(structure)


@pytest.mark.parametrize("merge, dtypes, expected", [
    (keras.layers.Add, ("float32", "int32"), "float32"),
    (keras.layers.Multiply, ("int64", "float64"), "float32"),  # float inputs are cast to the layer's dtype first
    (keras.layers.Maximum, ("int32", "int64"), "int64"),
    (keras.layers.Concatenate, ("int32", "float32"), "float32"),
])
def test_merge_promotes_mixed_dtypes(merge, dtypes, expected):
    out = merge()([X.astype(dtypes[0]), (X * 6).astype(dtypes[1])])
    assert out.dtype.name == expected


def _needs_a_pair(x):
    raise TypeError("expected a pair of tensors")


def test_lambda_names_itself_and_keeps_the_error_class():
    layer = keras.layers.Lambda(_needs_a_pair, name="pairs")
    with pytest.raises(TypeError, match="Lambda 'pairs' .*expected a pair of tensors"):
        layer(X)


def test_relu_options_round_trip_through_config():
    layer = keras.layers.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.5)
    again = keras.layers.ReLU.from_config(layer.get_config())
    x = np.array([[-1.0, 0.7, 3.0]], "float32")
    np.testing.assert_allclose(again(x).numpy(), [[-0.15, 0.7, 1.0]], rtol=1e-6)
    np.testing.assert_allclose(layer(x).numpy(), again(x).numpy())
