"""Bad layer arguments and bad layer calls, replayed against Keras 3's recorded answers.

The cases are ``layer_edge_cases.CASES`` (shared with ``tools/probe_keras_layer_edges.py``, which
ran them under Keras 3.15 and wrote ``tests/data/keras_layer_edges.json``). A case Keras answers
with a result must give the same result here; a case Keras refuses must be refused with the same
exception class, and the message must name the argument and what it got (``MENTIONS``).
``DIFFERENCES`` lists where tapegrad answers otherwise on purpose, each with its reason.
"""
import json
import pathlib

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

from . import layer_edge_cases as cases

RECORD = json.loads((pathlib.Path(__file__).parent.parent / "data" / "keras_layer_edges.json").read_text())["cases"]

_CRASH = "Keras crashes inside (IndexError: tuple index out of range); tapegrad names the argument and the rank"
_LATE = "Keras accepts it when the layer is made and fails (or builds nonsense) later; tapegrad refuses it at once"
_OP_ERROR = ("Keras' TensorFlow backend fails inside the op (InvalidArgumentError); tapegrad checks the axis "
             "against the input's rank first (a ValueError, as Keras' other axis errors)")

# case -> (tapegrad's outcome, why it differs from Keras)
DIFFERENCES = {
    "axis/LayerNormalization/axis_2": ("ValueError", _CRASH),
    "axis/LayerNormalization/axis_-3": ("ValueError", _CRASH),
    "axis/LayerNormalization/axis_list_out": ("ValueError", _CRASH),
    "axis/BatchNormalization/axis_3": ("ValueError", _CRASH),
    "axis/BatchNormalization/axis_-3": ("ValueError", _CRASH),
    "axis/Softmax/axis_2": ("ValueError", _OP_ERROR),
    "merge/Concatenate/axis_out_of_range": ("ValueError", _OP_ERROR),
    "size/Dense/units_True": ("ValueError", "a bool is not a size: Keras builds 1 unit from True"),
    "size/Dense/units_np_int": ("ok", "Keras refuses NumPy integers (an isinstance(int) check); they are integers"),
    "size/MaxPooling2D/strides_0": ("ValueError", _LATE),
    "size/Reshape/float": ("ValueError", _LATE),
    "size/Reshape/str": ("ValueError", _LATE),
    "size/Reshape/int": ("ValueError", "Keras fails with Python's 'int object is not iterable' (a TypeError)"),
    "size/BatchNormalization/axis_float": ("TypeError", _LATE),
    "size/Concatenate/axis_float": ("TypeError", _LATE),
    "size/Softmax/axis_str": ("TypeError", _LATE),
    "option/LayerNormalization_epsilon_str": ("ValueError", _LATE),
    "call/Add/dict": ("ValueError", "Keras crashes inside (KeyError: 0); tapegrad says a merge layer takes a list"),
    "call/BatchNormalization/scalar": ("ValueError", _CRASH),
}

_CLASSES = {"ValueError": ValueError, "TypeError": TypeError, "IndexError": IndexError,
            "InvalidArgumentError": tf.errors.InvalidArgumentError}


def _outcome(name):
    keras.backend.clear_session()
    try:
        return "ok", cases.run(keras, np, name)
    except Exception as e:  # noqa: BLE001 - the class is compared with Keras'
        return e, None


def test_every_case_was_recorded():
    assert sorted(RECORD) == sorted(cases.CASES)
    assert set(DIFFERENCES) <= set(cases.CASES)


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_layer_edge_case_as_keras(name):
    expected = RECORD[name]["outcome"]
    if name in DIFFERENCES:
        assert DIFFERENCES[name][0] != expected, f"{name} now agrees with Keras: drop it from DIFFERENCES"
        expected = DIFFERENCES[name][0]
    got, result = _outcome(name)
    if expected == "ok":
        assert got == "ok", f"{name}: Keras gives a result, tapegrad raised {type(got).__name__}: {got}"
        assert result == RECORD[name].get("result"), name
        return
    assert got != "ok", f"{name}: Keras raises {expected}, tapegrad gave {result}"
    assert isinstance(got, _CLASSES[expected]), f"{name}: expected {expected}, got {type(got).__name__}: {got}"
    for word in cases.MENTIONS.get(name, ()):
        assert word in str(got), f"{name}: the message should mention {word!r}: {got}"


def test_axis_errors_name_the_layer():
    keras.backend.clear_session()
    with pytest.raises(ValueError, match=r"LayerNormalization 'ln': `axis` 2 is out of range for an input of rank 2"):
        keras.layers.LayerNormalization(axis=2, name="ln")(np.ones((4, 3), "float32"))


def test_layer_normalization_axis_2_no_longer_builds_batch_sized_gamma():
    layer = keras.layers.LayerNormalization(axis=2)
    with pytest.raises(ValueError):
        layer.build((4, 3))
    assert not layer.weights


@pytest.mark.parametrize("make, x, expected", [
    (lambda: keras.layers.Add(), [[1.0, 2.0], [3.0, 5.0]], [4.0, 7.0]),
    (lambda: keras.layers.Subtract(), [[1.0, 2.0], [3.0, 5.0]], [-2.0, -3.0]),
    (lambda: keras.layers.Multiply(), [[1.0, 2.0], [3.0, 5.0]], [3.0, 10.0]),
    (lambda: keras.layers.Average(), [[1.0, 2.0], [3.0, 5.0]], [2.0, 3.5]),
    (lambda: keras.layers.Maximum(), [[1.0, 6.0], [3.0, 5.0]], [3.0, 6.0]),
    (lambda: keras.layers.Minimum(), [[1.0, 6.0], [3.0, 5.0]], [1.0, 5.0]),
    (lambda: keras.layers.Concatenate(), [[1.0], [3.0]], [1.0, 3.0]),
])
def test_merge_values(make, x, expected):
    inputs = [tf.constant([row]) for row in x]
    np.testing.assert_allclose(make()(inputs).numpy()[0], expected)


def test_merge_expands_lower_rank_inputs_after_the_batch_axis():
    # Keras 3: (4, 3) + (4, 5, 3) -> the first gains axis 1; NumPy's rule would align (4, 3) with (5, 3).
    a = np.arange(12, dtype="float32").reshape(4, 3)
    b = np.ones((4, 5, 3), "float32")
    out = keras.layers.Add()([a, b]).numpy()
    np.testing.assert_array_equal(out, a[:, None, :] + b)


def test_merge_refuses_one_tensor_after_being_built_on_a_list():
    layer = keras.layers.Add()
    layer([np.ones((2, 3), "float32")] * 2)
    with pytest.raises(ValueError, match="list of inputs"):
        layer(np.ones((2, 3), "float32"))


def test_merge_layers_in_a_functional_model_train():
    a, b = keras.Input((3,)), keras.Input((3,))
    out = keras.layers.Dense(1)(keras.layers.Average()([a, b]))
    model = keras.Model([a, b], out)
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((8, 3), "float32")
    history = model.fit([x, x], np.ones((8, 1), "float32"), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    clone = keras.Model.from_config(model.get_config())
    assert [type(la).__name__ for la in clone.layers] == [type(la).__name__ for la in model.layers]


# -- model.summary(), against the texts Keras 3.15 printed -------------------------------------------

SUMMARIES = json.loads((pathlib.Path(__file__).parent.parent / "data" / "keras_layer_edges.json").read_text())[
    "summaries"]


@pytest.mark.parametrize("name", sorted(cases.SUMMARIES))
def test_summary_as_keras(name):
    assert cases.summary_text(keras, np, name).rstrip() == SUMMARIES[name].rstrip()


def test_summary_total_counts_the_optimizer_variables():
    keras.backend.clear_session()
    model = cases._sequential(keras, np, fit=True)
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)

    def count(label):
        return int(text.split(f" {label} params: ")[1].split(" ")[0].replace(",", ""))
    optimizer_count = sum(int(np.prod(v.shape)) for v in model.optimizer.variables)
    assert count("Optimizer") == optimizer_count > 0
    assert count("Total") == count("Trainable") + count("Non-trainable") + optimizer_count


def test_submodules_are_every_layer_depth_first():
    keras.backend.clear_session()
    inner = keras.Sequential([keras.layers.Dense(2, name="a"), keras.layers.Dense(1, name="b")], name="inner")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, name="first"), inner], name="outer")
    names = [m.name for m in model.submodules]
    assert names[:3] == ["input_layer", "first", "inner"] and names[-2:] == ["a", "b"]
    assert len(names) == len(set(map(id, model.submodules)))
    assert inner.submodules[-2:] == (inner.layers[0], inner.layers[1])
    assert keras.layers.Dense(2).submodules == ()
