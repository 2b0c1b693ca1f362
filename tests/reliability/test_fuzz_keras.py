"""Bad inputs on the Keras surface, judged against Keras 3 (issue 16, "Deliver").

Every case of ``keras_cases.CASES`` (layer constructors with bad sizes, axes and names; layer
calls with wrong ranks, None, empty batches, ints, lists and dicts; merge layers on one tensor;
losses and metrics on mismatched shapes; ``compile``/``fit``/``evaluate``/``predict`` arguments;
``to_categorical``; the ``get`` functions) is replayed on tapegrad and compared with what Keras
3.15.1 did (``tests/data/keras_edges.json``, written by ``tools/probe_keras_edges.py`` under TF):

* Keras returned: tapegrad returns the same kind of result (shape, dtype, value where recorded,
  a History with the same keys and epoch count).
* Keras raised: tapegrad raises the same class or a subclass; where Keras's class is TensorFlow's
  own (InvalidArgumentError ...) or an accident of Python (an AttributeError from inside Keras,
  "'<=' not supported between ..."), a ValueError or TypeError. Never one of Python's internal
  errors (IndexError, AttributeError, KeyError ...), never one raised inside NumPy, and the
  message names the layer/function or the argument.

``XFAIL`` lists the cases tapegrad still fails, each with its reason (strict: a fix that makes a
case pass fails the run until its entry is removed). ``DELIBERATE`` lists where tapegrad refuses,
on purpose and with a clear error, an input Keras accepts. ``python -m tests.reliability.test_fuzz_keras``
prints the current failures in XFAIL's format and the counts of docs/reliability.md.

A hypothesis test draws random constructor arguments and inputs for every layer and checks the
same "no internal error, the message names the layer or argument" property (profile ``ci``:
bounded examples, derandomized; see conftest.py).
"""
import json
import os
import pathlib
import re
import traceback
import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st

from tapegrad import keras
from . import keras_cases as kc

ROOT = pathlib.Path(__file__).resolve().parents[2]
RECORD = json.loads((ROOT / "tests" / "data" / "keras_edges.json").read_text())["cases"]
PACKAGE_DIR = str(ROOT / "tapegrad") + os.sep
CASES_FILE = os.path.abspath(kc.__file__)

# Python's own errors: a tapegrad function that lets one out has a bug, whatever Keras does.
INTERNAL = (IndexError, AttributeError, KeyError, ZeroDivisionError, UnboundLocalError, NameError, RecursionError,
            StopIteration, OverflowError, AssertionError)
# Keras's exception came from Python itself, not from a check of Keras: its class is an accident.
ACCIDENTAL_WORDING = ("not supported between instances", "unsupported operand type", "cannot be interpreted as an",
                      "has no attribute", "is not iterable", "is not subscriptable", "object is not callable",
                      "Expected int32 passed to parameter", "Exception encountered when calling")


def _snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# Where tapegrad refuses, with a clear error, an input Keras 3 accepts: the reason for each.
DELIBERATE = {
    "layer:Reshape(target_shape='a')": "Keras reshapes to the string's characters; a shape must be integers",
    "layer:Reshape(target_shape=(2.5))": "Keras truncates a fractional dimension; a shape must be integers",
}


class Failure(pytest.fail.Exception):
    """A case where tapegrad does not behave as the record says; ``file`` is tapegrad's file to fix.

    pytest's own failure class with ``pytrace=False``: pytest reports the message alone, without
    parsing this file for a traceback of each of the hundreds of expected failures (minutes)."""

    def __init__(self, text, file=None):
        super().__init__(text, pytrace=False)
        self.file = file


def _tapegrad_file(e):
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename.startswith(PACKAGE_DIR)]
    return os.path.relpath(frames[-1].filename, ROOT) if frames else None


def _owner_file(case):
    """The tapegrad file that decides what ``case`` does (for a case with no traceback)."""
    if case.kind == "layer":
        return getattr(keras.layers, case.target).__module__.replace(".", "/") + ".py"
    if case.kind in ("loss", "metric"):
        return {"loss": "tapegrad/keras/losses.py", "metric": "tapegrad/keras/metrics.py"}[case.kind]
    if case.kind == "model":
        return "tapegrad/keras/trainer.py"
    obj = kc.resolve(keras, case.target)
    return obj.__module__.replace(".", "/") + ".py"


def check_error(e, case, names=None):
    """An error tapegrad raised on purpose: not Python's internal error, raised in tapegrad (or in the
    case's own function), naming the layer/function or argument."""
    text = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:200]
    file = _tapegrad_file(e)
    if isinstance(e, INTERNAL):
        raise Failure(f"internal error {text}", file)
    frames = traceback.extract_tb(e.__traceback__)
    last = os.path.abspath(frames[-1].filename) if frames else "?"
    if not (last.startswith(PACKAGE_DIR) or last == CASES_FILE):
        raise Failure(f"raised outside tapegrad ({os.path.basename(last)}): {text}", file)
    names = names or case.names
    message = str(e).lower()
    wanted = {n.lower() for n in names} | {_snake(n) for n in names}
    wanted |= {n[:-1] for n in wanted if n.endswith("s") and not n.endswith("ss")}   # "metrics" -> "metric"
    if not any(n in message for n in wanted):
        raise Failure(f"message names none of {sorted(names)}: {text}", file)


def _compare(got, want, where="result"):
    if got.get("type") != want.get("type"):
        raise Failure(f"{where}: {got.get('type')} where Keras returns {want.get('type')}")
    kind = want["type"]
    if kind == "History":
        if (got["keys"], got["epochs"]) != (want["keys"], want["epochs"]):
            raise Failure(f"History keys {got['keys']} x{got['epochs']} epochs; Keras {want['keys']} "
                          f"x{want['epochs']}")
    elif kind in ("list", "dict"):
        if len(got["items"]) != len(want["items"]) or (kind == "dict" and set(got["items"]) != set(want["items"])):
            raise Failure(f"{where}: {len(got['items'])} items where Keras returns {len(want['items'])}")
        keys = range(len(want["items"])) if kind == "list" else want["items"]
        for k in keys:
            _compare(got["items"][k], want["items"][k], f"{where}[{k}]")
    elif kind == "tensor":
        if got["shape"] != want["shape"] or got["dtype"] != want["dtype"]:
            raise Failure(f"{where}: {got['dtype']}{got['shape']} where Keras returns {want['dtype']}{want['shape']}")
        if "value" in want:
            g = np.array([np.nan if v is None else v for v in got.get("value", [])], np.float64)
            w = np.array([np.nan if v is None else v for v in want["value"]], np.float64)
            if g.shape != w.shape or not np.allclose(g, w, rtol=2e-3, atol=1e-4, equal_nan=True):
                raise Failure(f"{where}: values {np.round(g, 4).tolist()[:6]} where Keras gives "
                              f"{np.round(w, 4).tolist()[:6]}")


def judge(name):
    """Replay case ``name`` on tapegrad; raise Failure where it differs from the record."""
    case, want = kc.CASES[name], RECORD[name]
    keras.utils.set_random_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = kc.build(keras, case)()
        except Exception as e:  # noqa: BLE001 - judging every exception is the point
            if "ok" in want and name not in DELIBERATE:
                raise Failure(f"refuses what Keras accepts: {type(e).__name__}: {str(e)[:120]}", _tapegrad_file(e))
            check_error(e, case)
            if "error" in want:
                _check_class(e, want, case)
            return
    if "error" in want and name in KERAS_QUIRKS:
        return
    if "error" in want:
        raise Failure(f"returns where Keras raises {want['error']} ({want['message'][:80]})", _owner_file(case))
    _compare(kc.describe(out, case), want["ok"])


def _check_class(e, want, case):
    names = [c.__name__ for c in type(e).__mro__]
    if want["error"] in names:
        return
    accidental = not want["builtin"] or issubclass_name(want, INTERNAL) or any(
        w in want["message"] for w in ACCIDENTAL_WORDING)
    if accidental and isinstance(e, (ValueError, TypeError)):
        return
    raise Failure(f"{type(e).__name__} where Keras raises {want['error']}: {str(e)[:100]}", _tapegrad_file(e))


def issubclass_name(want, classes):
    return any(c.__name__ in want["mro"] for c in classes)


# Where Keras raises only because of a TensorFlow kernel's limits or a Keras bug, and tapegrad's
# result is the one the input asks for (it is not compared: Keras recorded none).
KERAS_QUIRKS = {
    "call:Add<-empty_batch": "TF's AddN kernel fails on an empty batch; the sum of two (0, 3) tensors is (0, 3)",
    "call:GlobalMaxPooling2D<-empty_batch": "TF's Max kernel fails on an empty batch; the pooled (0, 2) is well defined",
    "loss:SparseCategoricalCrossentropy<-pylists": "Keras's nest check refuses two Python lists of different depth",
    "metric:TopKCategoricalAccuracy<-float64_pred": "TF's InTopKV2 kernel takes float32 only",
    "metric:SparseTopKCategoricalAccuracy<-float64_pred": "TF's InTopKV2 kernel takes float32 only",
}


# Cases tapegrad fails today, each with the reason (regenerate: python -m tests.reliability.test_fuzz_keras).
XFAIL = {
    # tapegrad/core/registry.py
    "call:Add<-int_and_float": "refuses what Keras accepts: InvalidArgumentError: add: the operands' dtypes differ: x is float32 with shape (2",
    "call:Add<-rank_mismatch": "refuses what Keras accepts: InvalidArgumentError: add: the input shapes do not broadcast together; got inputs ",
    "call:BatchNormalization<-bool": "refuses what Keras accepts: InvalidArgumentError: nn.batch_normalization: Value for attr 'T' of bool is not in",
    "call:BatchNormalization<-int32": "refuses what Keras accepts: InvalidArgumentError: nn.batch_normalization: Value for attr 'T' of int32 is not i",
    "call:BatchNormalization<-int64": "refuses what Keras accepts: InvalidArgumentError: nn.batch_normalization: Value for attr 'T' of int64 is not i",
    "call:GlobalAveragePooling2D<-bool": "refuses what Keras accepts: InvalidArgumentError: reduce_mean: Value for attr 'T' of bool is not in the list o",
    "call:GlobalAvgPool2D<-bool": "refuses what Keras accepts: InvalidArgumentError: reduce_mean: Value for attr 'T' of bool is not in the list o",
    "call:GlobalMaxPooling2D<-bool": "refuses what Keras accepts: InvalidArgumentError: reduce_max: Value for attr 'T' of bool is not in the list of",
    "call:Lambda<-bool": "refuses what Keras accepts: TypeError: multiply: cannot convert 2 to a tensor of dtype bool",
    "call:LayerNormalization<-bool": "refuses what Keras accepts: InvalidArgumentError: moments: Value for attr 'T' of bool is not in the list of al",
    "call:LayerNormalization<-int32": "refuses what Keras accepts: TypeError: add: cannot convert 0.001 to a tensor of dtype int32",
    "call:LayerNormalization<-int64": "refuses what Keras accepts: TypeError: add: cannot convert 0.001 to a tensor of dtype int64",
    "call:Multiply<-int_and_float": "refuses what Keras accepts: InvalidArgumentError: multiply: the operands' dtypes differ: x is float32 with sha",
    "call:Multiply<-rank_mismatch": "refuses what Keras accepts: InvalidArgumentError: multiply: the input shapes do not broadcast together; got in",
    "loss:CosineSimilarity<-mismatched_batch": "message names none of ['CosineSimilarity', 'y_pred', 'y_true']: InvalidArgumentError: multiply: the input shap",
    "loss:CosineSimilarity<-mismatched_last": "message names none of ['CosineSimilarity', 'y_pred', 'y_true']: InvalidArgumentError: multiply: the input shap",
    "loss:CosineSimilarity<-rank_diff": "message names none of ['CosineSimilarity', 'y_pred', 'y_true']: InvalidArgumentError: multiply: the input shap",
    "loss:Hinge<-mismatched_batch": "message names none of ['Hinge', 'y_pred', 'y_true']: InvalidArgumentError: multiply: the input shapes do not b",
    "loss:Hinge<-mismatched_last": "message names none of ['Hinge', 'y_pred', 'y_true']: InvalidArgumentError: multiply: the input shapes do not b",
    "loss:Hinge<-rank_diff": "message names none of ['Hinge', 'y_pred', 'y_true']: InvalidArgumentError: multiply: the input shapes do not b",
    "loss:Huber<-mismatched_batch": "message names none of ['Huber', 'y_pred', 'y_true']: InvalidArgumentError: subtract: the input shapes do not b",
    "loss:Huber<-mismatched_last": "message names none of ['Huber', 'y_pred', 'y_true']: InvalidArgumentError: subtract: the input shapes do not b",
    "loss:Huber<-rank_diff": "message names none of ['Huber', 'y_pred', 'y_true']: InvalidArgumentError: subtract: the input shapes do not b",
    "loss:LogCosh<-mismatched_batch": "message names none of ['LogCosh', 'y_pred', 'y_true']: InvalidArgumentError: subtract: the input shapes do not",
    "loss:LogCosh<-mismatched_last": "message names none of ['LogCosh', 'y_pred', 'y_true']: InvalidArgumentError: subtract: the input shapes do not",
    "loss:LogCosh<-rank_diff": "message names none of ['LogCosh', 'y_pred', 'y_true']: InvalidArgumentError: subtract: the input shapes do not",
    "loss:MeanAbsoluteError<-mismatched_batch": "message names none of ['MeanAbsoluteError', 'y_pred', 'y_true']: InvalidArgumentError: subtract: the input sha",
    "loss:MeanAbsoluteError<-mismatched_last": "message names none of ['MeanAbsoluteError', 'y_pred', 'y_true']: InvalidArgumentError: subtract: the input sha",
    "loss:MeanAbsoluteError<-rank_diff": "message names none of ['MeanAbsoluteError', 'y_pred', 'y_true']: InvalidArgumentError: subtract: the input sha",
    "loss:MeanAbsolutePercentageError<-mismatched_batch": "message names none of ['MeanAbsolutePercentageError', 'y_pred', 'y_true']: InvalidArgumentError: subtract: the",
    "loss:MeanAbsolutePercentageError<-mismatched_last": "message names none of ['MeanAbsolutePercentageError', 'y_pred', 'y_true']: InvalidArgumentError: subtract: the",
    "loss:MeanAbsolutePercentageError<-rank_diff": "message names none of ['MeanAbsolutePercentageError', 'y_pred', 'y_true']: InvalidArgumentError: subtract: the",
    "loss:MeanSquaredError<-mismatched_batch": "message names none of ['MeanSquaredError', 'y_pred', 'y_true']: InvalidArgumentError: subtract: the input shap",
    "loss:MeanSquaredError<-mismatched_last": "message names none of ['MeanSquaredError', 'y_pred', 'y_true']: InvalidArgumentError: subtract: the input shap",
    "loss:MeanSquaredError<-rank_diff": "message names none of ['MeanSquaredError', 'y_pred', 'y_true']: InvalidArgumentError: subtract: the input shap",
    "loss:MeanSquaredLogarithmicError<-mismatched_batch": "message names none of ['MeanSquaredLogarithmicError', 'y_pred', 'y_true']: InvalidArgumentError: subtract: the",
    "loss:MeanSquaredLogarithmicError<-mismatched_last": "message names none of ['MeanSquaredLogarithmicError', 'y_pred', 'y_true']: InvalidArgumentError: subtract: the",
    "loss:MeanSquaredLogarithmicError<-rank_diff": "message names none of ['MeanSquaredLogarithmicError', 'y_pred', 'y_true']: InvalidArgumentError: subtract: the",
    "loss:Poisson<-mismatched_batch": "message names none of ['Poisson', 'y_pred', 'y_true']: InvalidArgumentError: multiply: the input shapes do not",
    "loss:Poisson<-mismatched_last": "message names none of ['Poisson', 'y_pred', 'y_true']: InvalidArgumentError: multiply: the input shapes do not",
    "loss:Poisson<-rank_diff": "message names none of ['Poisson', 'y_pred', 'y_true']: InvalidArgumentError: multiply: the input shapes do not",
    "loss:SquaredHinge<-mismatched_batch": "message names none of ['SquaredHinge', 'y_pred', 'y_true']: InvalidArgumentError: multiply: the input shapes d",
    "loss:SquaredHinge<-mismatched_last": "message names none of ['SquaredHinge', 'y_pred', 'y_true']: InvalidArgumentError: multiply: the input shapes d",
    "loss:SquaredHinge<-rank_diff": "message names none of ['SquaredHinge', 'y_pred', 'y_true']: InvalidArgumentError: multiply: the input shapes d",
    # tapegrad/core/tensor.py
    "call:Activation<-dict": "message names none of ['Activation', 'input']: TypeError: Cannot convert array({'a': <tapegrad.Tensor: shape=(",
    "call:Activation<-none": "message names none of ['Activation', 'input']: TypeError: Cannot convert array(None, dtype=object) to a tensor",
    "call:Add<-with_none": "message names none of ['Add', 'input']: TypeError: Cannot convert None to a tensor: element None of type NoneT",
    "call:Concatenate<-dict": "message names none of ['Concatenate', 'input']: TypeError: Cannot convert 'a' to a tensor: element 'a' of type",
    "call:Concatenate<-with_none": "message names none of ['Concatenate', 'input']: TypeError: Cannot convert None to a tensor: element None of ty",
    "call:GlobalAveragePooling2D<-dict": "message names none of ['GlobalAveragePooling2D', 'input']: TypeError: Cannot convert {'a': <tapegrad.Tensor: s",
    "call:GlobalAvgPool2D<-dict": "message names none of ['GlobalAvgPool2D', 'input']: TypeError: Cannot convert {'a': <tapegrad.Tensor: shape=(1",
    "call:GlobalMaxPooling2D<-dict": "message names none of ['GlobalMaxPooling2D', 'input']: TypeError: Cannot convert {'a': <tapegrad.Tensor: shape",
    "call:MaxPool2D<-dict": "message names none of ['MaxPool2D', 'input']: TypeError: Cannot convert {'a': <tapegrad.Tensor: shape=(1, 4, 4",
    "call:MaxPooling2D<-dict": "message names none of ['MaxPooling2D', 'input']: TypeError: Cannot convert {'a': <tapegrad.Tensor: shape=(1, 4",
    "call:Multiply<-with_none": "message names none of ['Multiply', 'input']: TypeError: Cannot convert None to a tensor: element None of type ",
    "call:ReLU<-dict": "message names none of ['ReLU', 'input']: TypeError: Cannot convert array({'a': <tapegrad.Tensor: shape=(2, 3),",
    "call:ReLU<-none": "message names none of ['ReLU', 'input']: TypeError: Cannot convert array(None, dtype=object) to a tensor: dtyp",
    "call:Reshape<-rank0": "internal error IndexError: tuple index out of range",
    "call:Softmax<-dict": "message names none of ['Softmax', 'input']: TypeError: Cannot convert array({'a': <tapegrad.Tensor: shape=(2, ",
    "call:Softmax<-none": "message names none of ['Softmax', 'input']: TypeError: Cannot convert array(None, dtype=object) to a tensor: d",
    "loss:CategoricalCrossentropy<-scalars": "internal error IndexError: tuple index out of range",
    "loss:CategoricalCrossentropy<-y_pred_none": "internal error IndexError: tuple index out of range",
    "loss:SparseCategoricalCrossentropy<-scalars": "internal error IndexError: tuple index out of range",
    # tapegrad/keras/_ops.py
    "fit:dict_y": "message names none of ['fit', 'out']: TypeError: float() argument must be a string or a real number, not 'dict",
    "loss:BinaryCrossentropy<-str": "message names none of ['BinaryCrossentropy', 'y_pred', 'y_true']: ValueError: could not convert string to floa",
    "loss:CategoricalCrossentropy<-str": "message names none of ['CategoricalCrossentropy', 'y_pred', 'y_true']: ValueError: could not convert string to",
    "loss:CosineSimilarity<-str": "message names none of ['CosineSimilarity', 'y_pred', 'y_true']: ValueError: could not convert string to float:",
    "loss:Hinge<-str": "message names none of ['Hinge', 'y_pred', 'y_true']: ValueError: could not convert string to float: np.str_('a",
    "loss:Huber<-str": "message names none of ['Huber', 'y_pred', 'y_true']: ValueError: could not convert string to float: np.str_('a",
    "loss:KLDivergence<-str": "message names none of ['KLDivergence', 'y_pred', 'y_true']: ValueError: could not convert string to float: np.",
    "loss:LogCosh<-str": "message names none of ['LogCosh', 'y_pred', 'y_true']: ValueError: could not convert string to float: np.str_(",
    "loss:MeanAbsoluteError<-str": "message names none of ['MeanAbsoluteError', 'y_pred', 'y_true']: ValueError: could not convert string to float",
    "loss:MeanAbsolutePercentageError<-str": "message names none of ['MeanAbsolutePercentageError', 'y_pred', 'y_true']: ValueError: could not convert strin",
    "loss:MeanSquaredError<-str": "message names none of ['MeanSquaredError', 'y_pred', 'y_true']: ValueError: could not convert string to float:",
    "loss:MeanSquaredLogarithmicError<-str": "message names none of ['MeanSquaredLogarithmicError', 'y_pred', 'y_true']: ValueError: could not convert strin",
    "loss:Poisson<-str": "message names none of ['Poisson', 'y_pred', 'y_true']: ValueError: could not convert string to float: np.str_(",
    "loss:SparseCategoricalCrossentropy<-str": "message names none of ['SparseCategoricalCrossentropy', 'y_pred', 'y_true']: ValueError: could not convert str",
    "loss:SquaredHinge<-str": "message names none of ['SquaredHinge', 'y_pred', 'y_true']: ValueError: could not convert string to float: np.",
    # tapegrad/keras/callbacks.py
    "evaluate:callbacks=single_object": "refuses what Keras accepts: TypeError: 'History' object is not iterable",
    "fit:callbacks=history_object": "refuses what Keras accepts: TypeError: 'History' object is not iterable",
    "fit:callbacks=list_with_none": "internal error AttributeError: 'NoneType' object has no attribute 'set_model'",
    "fit:callbacks=list_with_str": "internal error AttributeError: 'str' object has no attribute 'set_model'",
    "fit:callbacks=single_object": "refuses what Keras accepts: TypeError: 'EarlyStopping' object is not iterable",
    "fit:callbacks=str": "internal error AttributeError: 'str' object has no attribute 'set_model'",
    "predict:callbacks=single_object": "refuses what Keras accepts: TypeError: 'History' object is not iterable",
    # tapegrad/keras/functional.py
    "call:Input(shape=nested)": "message names none of ['Input', 'Input', 'shape']: TypeError: int() argument must be a string, a bytes-like ob",
    "call:Input(shape=str)": "message names none of ['Input', 'Input', 'shape']: ValueError: invalid literal for int() with base 10: 'a'",
    # tapegrad/keras/initializers.py
    "layer:Conv2D(filters=-1)": "raised outside tapegrad (_common.pyx): ValueError: negative dimensions are not allowed",
    "layer:Conv2D(kernel_size=(3,-1))": "raised outside tapegrad (_common.pyx): ValueError: negative dimensions are not allowed",
    "layer:Conv2D(kernel_size=-1)": "raised outside tapegrad (_common.pyx): ValueError: negative dimensions are not allowed",
    "layer:Dense(units=-1)": "raised outside tapegrad (_common.pyx): ValueError: negative dimensions are not allowed",
    "layer:Embedding(dtype='nope')": "message names none of ['Embedding', 'dtype']: TypeError: data type 'nope' not understood",
    "layer:Embedding(input_dim=-1)": "raised outside tapegrad (_common.pyx): ValueError: negative dimensions are not allowed",
    "layer:Embedding(output_dim=-1)": "raised outside tapegrad (_common.pyx): ValueError: negative dimensions are not allowed",
    # tapegrad/keras/layers/convolutional.py
    "call:AvgPool2D<-bool": "message names none of ['AvgPool2D', 'input']: TypeError: AveragePooling2D.__init__() missing 1 required positi",
    "call:AvgPool2D<-dict": "message names none of ['AvgPool2D', 'input']: TypeError: AveragePooling2D.__init__() missing 1 required positi",
    "call:AvgPool2D<-empty_batch": "message names none of ['AvgPool2D', 'input']: TypeError: AveragePooling2D.__init__() missing 1 required positi",
    "call:AvgPool2D<-float16": "message names none of ['AvgPool2D', 'input']: TypeError: AveragePooling2D.__init__() missing 1 required positi",
    "call:AvgPool2D<-float64": "message names none of ['AvgPool2D', 'input']: TypeError: AveragePooling2D.__init__() missing 1 required positi",
    "call:AvgPool2D<-int32": "message names none of ['AvgPool2D', 'input']: TypeError: AveragePooling2D.__init__() missing 1 required positi",
    "call:AvgPool2D<-int64": "message names none of ['AvgPool2D', 'input']: TypeError: AveragePooling2D.__init__() missing 1 required positi",
    "call:AvgPool2D<-list2": "message names none of ['AvgPool2D', 'input']: TypeError: AveragePooling2D.__init__() missing 1 required positi",
    "call:AvgPool2D<-none": "message names none of ['AvgPool2D', 'input']: TypeError: AveragePooling2D.__init__() missing 1 required positi",
    "call:AvgPool2D<-pylist": "message names none of ['AvgPool2D', 'input']: TypeError: AveragePooling2D.__init__() missing 1 required positi",
    "call:AvgPool2D<-rank+1": "message names none of ['AvgPool2D', 'input']: TypeError: AveragePooling2D.__init__() missing 1 required positi",
    "call:AvgPool2D<-rank-1": "message names none of ['AvgPool2D', 'input']: TypeError: AveragePooling2D.__init__() missing 1 required positi",
    "call:AvgPool2D<-rank0": "message names none of ['AvgPool2D', 'input']: TypeError: AveragePooling2D.__init__() missing 1 required positi",
    "call:AvgPool2D<-rank1": "message names none of ['AvgPool2D', 'input']: TypeError: AveragePooling2D.__init__() missing 1 required positi",
    "call:AvgPool2D<-str": "message names none of ['AvgPool2D', 'input']: TypeError: AveragePooling2D.__init__() missing 1 required positi",
    "call:AvgPool2D<-wrong_last_dim": "message names none of ['AvgPool2D', 'input']: TypeError: AveragePooling2D.__init__() missing 1 required positi",
    "call:Conv2D<-dict": "internal error KeyError: -1",
    "call:GlobalAveragePooling2D<-int32": "result: int32[1, 2] where Keras returns float32[1, 2]",
    "call:GlobalAveragePooling2D<-int64": "result: int64[1, 2] where Keras returns float32[1, 2]",
    "call:GlobalAveragePooling2D<-list2": "returns where Keras raises ValueError (Layer \"global_average_pooling2d_29\" expects 1 input(s), but it received",
    "call:GlobalAvgPool2D<-int32": "result: int32[1, 2] where Keras returns float32[1, 2]",
    "call:GlobalAvgPool2D<-int64": "result: int64[1, 2] where Keras returns float32[1, 2]",
    "call:GlobalAvgPool2D<-list2": "returns where Keras raises ValueError (Layer \"global_average_pooling2d_45\" expects 1 input(s), but it received",
    "call:GlobalMaxPooling2D<-list2": "returns where Keras raises ValueError (Layer \"global_max_pooling2d_27\" expects 1 input(s), but it received 2 i",
    "layer:AveragePooling2D(pool_size='a')": "message names none of ['AveragePooling2D', 'pool_size']: ValueError: invalid literal for int() with base 10: '",
    "layer:AveragePooling2D(pool_size=2.5)": "message names none of ['AveragePooling2D', 'pool_size']: TypeError: 'float' object is not iterable",
    "layer:AveragePooling2D(pool_size=None)": "message names none of ['AveragePooling2D', 'pool_size']: TypeError: 'NoneType' object is not iterable",
    "layer:AvgPool2D(dtype='float64')": "message names none of ['AvgPool2D', 'dtype']: TypeError: AveragePooling2D.__init__() missing 1 required positi",
    "layer:AvgPool2D(dtype='nope')": "message names none of ['AvgPool2D', 'dtype']: TypeError: AveragePooling2D.__init__() missing 1 required positi",
    "layer:AvgPool2D(name=3)": "message names none of ['AvgPool2D', 'name']: TypeError: AveragePooling2D.__init__() missing 1 required positio",
    "layer:Conv2D(data_format='a')": "NotImplementedError where Keras raises ValueError: Conv2D: only data_format='channels_last' is supported by ta",
    "layer:Conv2D(data_format='nope')": "NotImplementedError where Keras raises ValueError: Conv2D: only data_format='channels_last' is supported by ta",
    "layer:Conv2D(data_format=-1)": "NotImplementedError where Keras raises ValueError: Conv2D: only data_format='channels_last' is supported by ta",
    "layer:Conv2D(data_format=0)": "returns where Keras raises ValueError (The `data_format` argument must be one of {'channels_first', 'channels_",
    "layer:Conv2D(data_format=2.5)": "NotImplementedError where Keras raises ValueError: Conv2D: only data_format='channels_last' is supported by ta",
    "layer:Conv2D(data_format=True)": "NotImplementedError where Keras raises ValueError: Conv2D: only data_format='channels_last' is supported by ta",
    "layer:Conv2D(dilation_rate='a')": "message names none of ['Conv2D', 'dilation_rate']: ValueError: invalid literal for int() with base 10: 'a'",
    "layer:Conv2D(dilation_rate=2.5)": "message names none of ['Conv2D', 'dilation_rate']: TypeError: 'float' object is not iterable",
    "layer:Conv2D(dilation_rate=None)": "message names none of ['Conv2D', 'dilation_rate']: TypeError: 'NoneType' object is not iterable",
    "layer:Conv2D(filters='a')": "message names none of ['Conv2D', 'filters']: ValueError: invalid literal for int() with base 10: 'a'",
    "layer:Conv2D(filters=0)": "returns where Keras raises ValueError (Invalid value for argument `filters`. Expected a strictly positive valu",
    "layer:Conv2D(filters=2.5)": "returns where Keras raises ValueError (The number of filters must be evenly divisible by the number of groups.",
    "layer:Conv2D(filters=None)": "message names none of ['Conv2D', 'filters']: TypeError: int() argument must be a string, a bytes-like object o",
    "layer:Conv2D(kernel_size='a')": "message names none of ['Conv2D', 'kernel_size']: ValueError: invalid literal for int() with base 10: 'a'",
    "layer:Conv2D(kernel_size=(0,3))": "returns where Keras raises ValueError (The `kernel_size` argument must be a tuple of 2 integers. Received kern",
    "layer:Conv2D(kernel_size=0)": "returns where Keras raises ValueError (The `kernel_size` argument must be a tuple of 2 integers. Received kern",
    "layer:Conv2D(kernel_size=2.5)": "message names none of ['Conv2D', 'kernel_size']: TypeError: 'float' object is not iterable",
    "layer:Conv2D(kernel_size=None)": "message names none of ['Conv2D', 'kernel_size']: TypeError: 'NoneType' object is not iterable",
    "layer:Conv2D(strides='a')": "message names none of ['Conv2D', 'strides']: ValueError: invalid literal for int() with base 10: 'a'",
    "layer:Conv2D(strides=2.5)": "message names none of ['Conv2D', 'strides']: TypeError: 'float' object is not iterable",
    "layer:Conv2D(strides=None)": "message names none of ['Conv2D', 'strides']: TypeError: 'NoneType' object is not iterable",
    "layer:GlobalAveragePooling2D(data_format='a')": "NotImplementedError where Keras raises ValueError: GlobalAveragePooling2D: only data_format='channels_last' is",
    "layer:GlobalAveragePooling2D(data_format='nope')": "NotImplementedError where Keras raises ValueError: GlobalAveragePooling2D: only data_format='channels_last' is",
    "layer:GlobalAveragePooling2D(data_format=-1)": "NotImplementedError where Keras raises ValueError: GlobalAveragePooling2D: only data_format='channels_last' is",
    "layer:GlobalAveragePooling2D(data_format=0)": "returns where Keras raises ValueError (The `data_format` argument must be one of {'channels_first', 'channels_",
    "layer:GlobalAveragePooling2D(data_format=2.5)": "NotImplementedError where Keras raises ValueError: GlobalAveragePooling2D: only data_format='channels_last' is",
    "layer:GlobalAveragePooling2D(data_format=True)": "NotImplementedError where Keras raises ValueError: GlobalAveragePooling2D: only data_format='channels_last' is",
    "layer:GlobalMaxPooling2D(data_format='a')": "NotImplementedError where Keras raises ValueError: GlobalAveragePooling2D: only data_format='channels_last' is",
    "layer:GlobalMaxPooling2D(data_format='nope')": "NotImplementedError where Keras raises ValueError: GlobalAveragePooling2D: only data_format='channels_last' is",
    "layer:GlobalMaxPooling2D(data_format=-1)": "NotImplementedError where Keras raises ValueError: GlobalAveragePooling2D: only data_format='channels_last' is",
    "layer:GlobalMaxPooling2D(data_format=0)": "returns where Keras raises ValueError (The `data_format` argument must be one of {'channels_first', 'channels_",
    "layer:GlobalMaxPooling2D(data_format=2.5)": "NotImplementedError where Keras raises ValueError: GlobalAveragePooling2D: only data_format='channels_last' is",
    "layer:GlobalMaxPooling2D(data_format=True)": "NotImplementedError where Keras raises ValueError: GlobalAveragePooling2D: only data_format='channels_last' is",
    "layer:MaxPooling2D(data_format='a')": "NotImplementedError where Keras raises ValueError: MaxPooling2D: only data_format='channels_last' is supported",
    "layer:MaxPooling2D(data_format='nope')": "NotImplementedError where Keras raises ValueError: MaxPooling2D: only data_format='channels_last' is supported",
    "layer:MaxPooling2D(data_format=-1)": "NotImplementedError where Keras raises ValueError: MaxPooling2D: only data_format='channels_last' is supported",
    "layer:MaxPooling2D(data_format=0)": "returns where Keras raises ValueError (The `data_format` argument must be one of {'channels_first', 'channels_",
    "layer:MaxPooling2D(data_format=2.5)": "NotImplementedError where Keras raises ValueError: MaxPooling2D: only data_format='channels_last' is supported",
    "layer:MaxPooling2D(data_format=True)": "NotImplementedError where Keras raises ValueError: MaxPooling2D: only data_format='channels_last' is supported",
    "layer:MaxPooling2D(pool_size='a')": "message names none of ['MaxPooling2D', 'pool_size']: ValueError: invalid literal for int() with base 10: 'a'",
    "layer:MaxPooling2D(pool_size=2.5)": "message names none of ['MaxPooling2D', 'pool_size']: TypeError: 'float' object is not iterable",
    "layer:MaxPooling2D(pool_size=None)": "message names none of ['MaxPooling2D', 'pool_size']: TypeError: 'NoneType' object is not iterable",
    "layer:MaxPooling2D(strides='a')": "message names none of ['MaxPooling2D', 'strides']: ValueError: invalid literal for int() with base 10: 'a'",
    "layer:MaxPooling2D(strides=2.5)": "message names none of ['MaxPooling2D', 'strides']: TypeError: 'float' object is not iterable",
    # tapegrad/keras/layers/core.py
    "call:Add<-broadcast_rows": "returns where Keras raises ValueError (Cannot merge tensors with different batch sizes. Received tensors with ",
    "call:Add<-dict": "internal error KeyError: 0",
    "call:Add<-empty_list": "internal error IndexError: list index out of range",
    "call:Add<-single_tensor": "returns where Keras raises ValueError (A merge layer should be called on a list of inputs. Received: input_sha",
    "call:Concatenate<-single_tensor": "returns where Keras raises ValueError (A `Concatenate` layer should be called on a list of at least 1 input. R",
    "call:Dense<-dict": "internal error KeyError: -1",
    "call:Embedding<-dict": "internal error AttributeError: 'dict' object has no attribute 'dtype'",
    "call:Embedding<-list2": "internal error AttributeError: 'list' object has no attribute 'dtype'",
    "call:Embedding<-none": "internal error AttributeError: 'NoneType' object has no attribute 'dtype'",
    "call:Flatten<-dict": "internal error AttributeError: 'dict' object has no attribute 'shape'",
    "call:Flatten<-list2": "internal error AttributeError: 'list' object has no attribute 'shape'",
    "call:Lambda<-dict": "message names none of ['Lambda', 'input']: TypeError: unsupported operand type(s) for *: 'dict' and 'int'",
    "call:Lambda<-none": "message names none of ['Lambda', 'input']: TypeError: unsupported operand type(s) for *: 'NoneType' and 'int'",
    "call:Multiply<-broadcast_rows": "returns where Keras raises ValueError (Cannot merge tensors with different batch sizes. Received tensors with ",
    "call:Multiply<-dict": "internal error KeyError: 0",
    "call:Multiply<-empty_list": "internal error IndexError: list index out of range",
    "call:Multiply<-single_tensor": "returns where Keras raises ValueError (A merge layer should be called on a list of inputs. Received: input_sha",
    "call:Reshape<-dict": "internal error AttributeError: 'dict' object has no attribute 'shape'",
    "call:Reshape<-list2": "internal error AttributeError: 'list' object has no attribute 'shape'",
    "call:Reshape<-none": "internal error AttributeError: 'NoneType' object has no attribute 'shape'",
    "call:Softmax<-list2": "returns where Keras raises AttributeError (Exception encountered when calling Softmax.call().)",
    "layer:Dense(units='a')": "message names none of ['Dense', 'units']: ValueError: invalid literal for int() with base 10: 'a'",
    "layer:Dense(units=0)": "returns where Keras raises ValueError (Received an invalid value for `units`, expected a positive integer. Rec",
    "layer:Dense(units=2.5)": "returns where Keras raises ValueError (Received an invalid value for `units`, expected a positive integer. Rec",
    "layer:Dense(units=None)": "message names none of ['Dense', 'units']: TypeError: int() argument must be a string, a bytes-like object or a",
    "layer:Dropout(rate='a')": "message names none of ['Dropout', 'rate']: TypeError: '<=' not supported between instances of 'int' and 'str'",
    "layer:Dropout(rate=None)": "message names none of ['Dropout', 'rate']: TypeError: '<=' not supported between instances of 'int' and 'NoneT",
    "layer:Dropout(seed='a')": "raised outside tapegrad (bit_generator.pyx): TypeError: SeedSequence expects int or sequence of ints for entro",
    "layer:Embedding(input_dim='a')": "message names none of ['Embedding', 'input_dim']: ValueError: invalid literal for int() with base 10: 'a'",
    "layer:Embedding(input_dim=None)": "message names none of ['Embedding', 'input_dim']: TypeError: int() argument must be a string, a bytes-like obj",
    "layer:Embedding(output_dim='a')": "message names none of ['Embedding', 'output_dim']: ValueError: invalid literal for int() with base 10: 'a'",
    "layer:Embedding(output_dim=0)": "returns where Keras raises ValueError (`output_dim` must be a positive integer. Received: output_dim=0 (of typ",
    "layer:Embedding(output_dim=2.5)": "returns where Keras raises ValueError (`output_dim` must be a positive integer. Received: output_dim=2.5 (of t",
    "layer:Embedding(output_dim=None)": "message names none of ['Embedding', 'output_dim']: TypeError: int() argument must be a string, a bytes-like ob",
    "layer:Embedding(output_dim=True)": "returns where Keras raises ValueError (`output_dim` must be a positive integer. Received: output_dim=True (of ",
    "layer:Flatten(data_format='a')": "returns where Keras raises ValueError (The `data_format` argument must be one of {'channels_first', 'channels_",
    "layer:Flatten(data_format='nope')": "returns where Keras raises ValueError (The `data_format` argument must be one of {'channels_first', 'channels_",
    "layer:Flatten(data_format=-1)": "returns where Keras raises ValueError (The `data_format` argument must be one of {'channels_first', 'channels_",
    "layer:Flatten(data_format=0)": "returns where Keras raises ValueError (The `data_format` argument must be one of {'channels_first', 'channels_",
    "layer:Flatten(data_format=2.5)": "returns where Keras raises ValueError (The `data_format` argument must be one of {'channels_first', 'channels_",
    "layer:Flatten(data_format=True)": "returns where Keras raises ValueError (The `data_format` argument must be one of {'channels_first', 'channels_",
    "layer:Lambda(function='a')": "message names none of ['Lambda', 'function']: TypeError: 'str' object is not callable",
    "layer:Lambda(function=3)": "message names none of ['Lambda', 'function']: TypeError: 'int' object is not callable",
    "layer:Lambda(function=None)": "message names none of ['Lambda', 'function']: TypeError: 'NoneType' object is not callable",
    "layer:Reshape(target_shape=-1)": "message names none of ['Reshape', 'target_shape']: TypeError: 'int' object is not iterable",
    "layer:Reshape(target_shape=0)": "message names none of ['Reshape', 'target_shape']: TypeError: 'int' object is not iterable",
    "layer:Reshape(target_shape=2.5)": "message names none of ['Reshape', 'target_shape']: TypeError: 'float' object is not iterable",
    "layer:Reshape(target_shape=6)": "message names none of ['Reshape', 'target_shape']: TypeError: 'int' object is not iterable",
    "layer:Reshape(target_shape=None)": "message names none of ['Reshape', 'target_shape']: TypeError: 'NoneType' object is not iterable",
    "layer:Reshape(target_shape=True)": "message names none of ['Reshape', 'target_shape']: TypeError: 'bool' object is not iterable",
    "layer:Softmax(axis=(0,1))": "result: values [0.4753, 0.4753, 0.4753, 0.5247, 0.5247, 0.5247] where Keras gives [0.1095, 0.1527, 0.2131, 0.1",
    "layer:Softmax(axis=None)": "result: values [0.2303, 0.3213, 0.4483, 0.2303, 0.3213, 0.4483] where Keras gives [0.1095, 0.1527, 0.2131, 0.1",
    # tapegrad/keras/layers/layer.py
    "call:BatchNormalization<-list2": "message names none of ['BatchNormalization', 'input']: TypeError: int() argument must be a string, a bytes-lik",
    "call:Conv2D<-list2": "message names none of ['Conv2D', 'input']: TypeError: int() argument must be a string, a bytes-like object or ",
    "call:Dense<-list2": "message names none of ['Dense', 'input']: TypeError: int() argument must be a string, a bytes-like object or a",
    "call:LayerNormalization<-list2": "message names none of ['LayerNormalization', 'input']: TypeError: int() argument must be a string, a bytes-lik",
    "fit:rank3_x": "refuses what Keras accepts: ValueError: Input 0 of layer \"out\" is incompatible with the layer: expected axis -",
    "layer:Activation(dtype='nope')": "message names none of ['Activation', 'dtype']: TypeError: data type 'nope' not understood",
    "layer:Add(dtype='nope')": "message names none of ['Add', 'dtype']: TypeError: data type 'nope' not understood",
    "layer:BatchNormalization(dtype='nope')": "message names none of ['BatchNormalization', 'dtype']: TypeError: data type 'nope' not understood",
    "layer:Concatenate(dtype='nope')": "message names none of ['Concatenate', 'dtype']: TypeError: data type 'nope' not understood",
    "layer:Conv2D(dtype='nope')": "message names none of ['Conv2D', 'dtype']: TypeError: data type 'nope' not understood",
    "layer:Dense(dtype='nope')": "message names none of ['Dense', 'dtype']: TypeError: data type 'nope' not understood",
    "layer:Dropout(dtype='nope')": "message names none of ['Dropout', 'dtype']: TypeError: data type 'nope' not understood",
    "layer:Flatten(dtype='nope')": "message names none of ['Flatten', 'dtype']: TypeError: data type 'nope' not understood",
    "layer:GlobalAveragePooling2D(dtype='nope')": "message names none of ['GlobalAveragePooling2D', 'dtype']: TypeError: data type 'nope' not understood",
    "layer:GlobalAvgPool2D(dtype='nope')": "message names none of ['GlobalAvgPool2D', 'dtype']: TypeError: data type 'nope' not understood",
    "layer:GlobalMaxPooling2D(dtype='nope')": "message names none of ['GlobalMaxPooling2D', 'dtype']: TypeError: data type 'nope' not understood",
    "layer:Lambda(dtype='nope')": "message names none of ['Lambda', 'dtype']: TypeError: data type 'nope' not understood",
    "layer:LayerNormalization(dtype='nope')": "message names none of ['LayerNormalization', 'dtype']: TypeError: data type 'nope' not understood",
    "layer:MaxPool2D(dtype='nope')": "message names none of ['MaxPool2D', 'dtype']: TypeError: data type 'nope' not understood",
    "layer:MaxPooling2D(dtype='nope')": "message names none of ['MaxPooling2D', 'dtype']: TypeError: data type 'nope' not understood",
    "layer:Multiply(dtype='nope')": "message names none of ['Multiply', 'dtype']: TypeError: data type 'nope' not understood",
    "layer:ReLU(dtype='nope')": "message names none of ['ReLU', 'dtype']: TypeError: data type 'nope' not understood",
    "layer:ReLU(max_value=0)": "refuses what Keras accepts: ValueError: Unrecognized keyword arguments passed to ReLU: {'max_value': 0}",
    "layer:ReLU(max_value=2.5)": "refuses what Keras accepts: ValueError: Unrecognized keyword arguments passed to ReLU: {'max_value': 2.5}",
    "layer:ReLU(max_value=None)": "refuses what Keras accepts: ValueError: Unrecognized keyword arguments passed to ReLU: {'max_value': None}",
    "layer:ReLU(max_value=True)": "refuses what Keras accepts: ValueError: Unrecognized keyword arguments passed to ReLU: {'max_value': True}",
    "layer:ReLU(negative_slope=0)": "refuses what Keras accepts: ValueError: Unrecognized keyword arguments passed to ReLU: {'negative_slope': 0}",
    "layer:ReLU(negative_slope=2.5)": "refuses what Keras accepts: ValueError: Unrecognized keyword arguments passed to ReLU: {'negative_slope': 2.5}",
    "layer:ReLU(negative_slope=True)": "refuses what Keras accepts: ValueError: Unrecognized keyword arguments passed to ReLU: {'negative_slope': True",
    "layer:ReLU(threshold=0)": "refuses what Keras accepts: ValueError: Unrecognized keyword arguments passed to ReLU: {'threshold': 0}",
    "layer:ReLU(threshold=2.5)": "refuses what Keras accepts: ValueError: Unrecognized keyword arguments passed to ReLU: {'threshold': 2.5}",
    "layer:ReLU(threshold=True)": "refuses what Keras accepts: ValueError: Unrecognized keyword arguments passed to ReLU: {'threshold': True}",
    "layer:Reshape(dtype='nope')": "message names none of ['Reshape', 'dtype']: TypeError: data type 'nope' not understood",
    "layer:Softmax(dtype='nope')": "message names none of ['Softmax', 'dtype']: TypeError: data type 'nope' not understood",
    "predict:rank3": "refuses what Keras accepts: ValueError: Input 0 of layer \"out\" is incompatible with the layer: expected axis -",
    # tapegrad/keras/layers/normalization.py
    "call:BatchNormalization<-dict": "internal error KeyError: -1",
    "call:BatchNormalization<-none": "message names none of ['BatchNormalization', 'input']: TypeError: 'NoneType' object is not subscriptable",
    "call:BatchNormalization<-rank0": "internal error IndexError: tuple index out of range",
    "call:LayerNormalization<-dict": "internal error KeyError: 0",
    "call:LayerNormalization<-none": "message names none of ['LayerNormalization', 'input']: TypeError: object of type 'NoneType' has no len()",
    "call:LayerNormalization<-rank0": "internal error ZeroDivisionError: integer modulo by zero",
    "layer:BatchNormalization(axis='a')": "message names none of ['BatchNormalization', 'axis']: ValueError: invalid literal for int() with base 10: 'a'",
    "layer:BatchNormalization(axis=(0,1))": "message names none of ['BatchNormalization', 'axis']: TypeError: int() argument must be a string, a bytes-like",
    "layer:BatchNormalization(axis=-3)": "internal error IndexError: tuple index out of range",
    "layer:BatchNormalization(axis=-5)": "internal error IndexError: tuple index out of range",
    "layer:BatchNormalization(axis=2)": "internal error IndexError: tuple index out of range",
    "layer:BatchNormalization(axis=5)": "internal error IndexError: tuple index out of range",
    "layer:BatchNormalization(axis=None)": "message names none of ['BatchNormalization', 'axis']: TypeError: int() argument must be a string, a bytes-like",
    "layer:BatchNormalization(axis=[-1])": "message names none of ['BatchNormalization', 'axis']: TypeError: int() argument must be a string, a bytes-like",
    "layer:BatchNormalization(epsilon='a')": "message names none of ['BatchNormalization', 'epsilon']: ValueError: could not convert string to float: 'a'",
    "layer:BatchNormalization(momentum='a')": "message names none of ['BatchNormalization', 'momentum']: ValueError: could not convert string to float: 'a'",
    "layer:LayerNormalization(axis='a')": "message names none of ['LayerNormalization', 'axis']: TypeError: not all arguments converted during string for",
    "layer:LayerNormalization(axis=-3)": "returns where Keras raises IndexError (tuple index out of range)",
    "layer:LayerNormalization(axis=-5)": "returns where Keras raises IndexError (tuple index out of range)",
    "layer:LayerNormalization(axis=1.5)": "message names none of ['LayerNormalization', 'axis']: TypeError: tuple indices must be integers or slices, not",
    "layer:LayerNormalization(axis=2)": "returns where Keras raises IndexError (tuple index out of range)",
    "layer:LayerNormalization(axis=5)": "returns where Keras raises IndexError (tuple index out of range)",
    "layer:LayerNormalization(axis=None)": "message names none of ['LayerNormalization', 'axis']: TypeError: unsupported operand type(s) for %: 'NoneType'",
    "layer:LayerNormalization(axis=[5])": "returns where Keras raises IndexError (tuple index out of range)",
    "layer:LayerNormalization(epsilon='a')": "message names none of ['LayerNormalization', 'epsilon']: ValueError: could not convert string to float: 'a'",
    # tapegrad/keras/losses.py
    "loss:BinaryCrossentropy(label_smoothing='a')": "message names none of ['BinaryCrossentropy', 'label_smoothing']: TypeError: unsupported operand type(s) for -:",
    "loss:BinaryCrossentropy<-mismatched_batch": "message names none of ['BinaryCrossentropy', 'y_pred', 'y_true']: ValueError: Arguments `target` and `output` ",
    "loss:BinaryCrossentropy<-mismatched_last": "message names none of ['BinaryCrossentropy', 'y_pred', 'y_true']: ValueError: Arguments `target` and `output` ",
    "loss:BinaryCrossentropy<-rank_diff": "message names none of ['BinaryCrossentropy', 'y_pred', 'y_true']: ValueError: Arguments `target` and `output` ",
    "loss:BinaryCrossentropy<-y_pred_none": "message names none of ['BinaryCrossentropy', 'y_pred', 'y_true']: ValueError: Arguments `target` and `output` ",
    "loss:BinaryCrossentropy<-y_true_none": "message names none of ['BinaryCrossentropy', 'y_pred', 'y_true']: ValueError: Arguments `target` and `output` ",
    "loss:CategoricalCrossentropy(label_smoothing='a')": "message names none of ['CategoricalCrossentropy', 'label_smoothing']: TypeError: unsupported operand type(s) f",
    "loss:CategoricalCrossentropy<-mismatched_batch": "message names none of ['CategoricalCrossentropy', 'y_pred', 'y_true']: ValueError: Arguments `target` and `out",
    "loss:CategoricalCrossentropy<-mismatched_last": "message names none of ['CategoricalCrossentropy', 'y_pred', 'y_true']: ValueError: Arguments `target` and `out",
    "loss:CategoricalCrossentropy<-rank_diff": "message names none of ['CategoricalCrossentropy', 'y_pred', 'y_true']: ValueError: Arguments `target` and `out",
    "loss:CategoricalCrossentropy<-y_true_none": "message names none of ['CategoricalCrossentropy', 'y_pred', 'y_true']: ValueError: Arguments `target` and `out",
    "loss:Hinge<-y_pred_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "loss:Hinge<-y_true_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "loss:Huber(delta='a')": "message names none of ['Huber', 'delta']: ValueError: could not convert string to float: 'a'",
    "loss:Huber<-y_pred_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "loss:Huber<-y_true_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "loss:KLDivergence<-y_pred_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "loss:KLDivergence<-y_true_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "loss:LogCosh<-y_pred_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "loss:LogCosh<-y_true_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "loss:MeanAbsoluteError<-y_pred_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "loss:MeanAbsoluteError<-y_true_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "loss:MeanAbsolutePercentageError<-y_pred_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "loss:MeanAbsolutePercentageError<-y_true_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "loss:MeanSquaredError<-y_pred_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "loss:MeanSquaredError<-y_true_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "loss:MeanSquaredLogarithmicError<-y_pred_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "loss:MeanSquaredLogarithmicError<-y_true_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "loss:Poisson<-y_pred_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "loss:Poisson<-y_true_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "loss:SparseCategoricalCrossentropy<-mismatched_batch": "message names none of ['SparseCategoricalCrossentropy', 'y_pred', 'y_true']: ValueError: Arguments `target` an",
    "loss:SparseCategoricalCrossentropy<-rank_diff": "message names none of ['SparseCategoricalCrossentropy', 'y_pred', 'y_true']: ValueError: Argument `output` mus",
    "loss:SparseCategoricalCrossentropy<-y_pred_none": "message names none of ['SparseCategoricalCrossentropy', 'y_pred', 'y_true']: ValueError: Argument `output` mus",
    "loss:SparseCategoricalCrossentropy<-y_true_none": "message names none of ['SparseCategoricalCrossentropy', 'y_pred', 'y_true']: ValueError: Argument `output` mus",
    "loss:SquaredHinge<-y_pred_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "loss:SquaredHinge<-y_true_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    # tapegrad/keras/metrics.py
    "call:metrics.get(mae)": "result: function where Keras returns MeanAbsoluteError",
    "metric:Accuracy<-ints": "result: values [0.0] where Keras gives [0.3333]",
    "metric:Accuracy<-mismatched_batch": "message names none of ['Accuracy', 'y_pred', 'y_true']: ValueError: operands could not be broadcast together w",
    "metric:Accuracy<-mismatched_last": "message names none of ['Accuracy', 'y_pred', 'y_true']: ValueError: operands could not be broadcast together w",
    "metric:Accuracy<-rank_diff": "message names none of ['Accuracy', 'y_pred', 'y_true']: ValueError: operands could not be broadcast together w",
    "metric:Accuracy<-str": "message names none of ['Accuracy', 'y_pred', 'y_true']: ValueError: could not convert string to float: np.str_",
    "metric:Accuracy<-y_pred_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "metric:Accuracy<-y_true_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "metric:BinaryAccuracy(threshold='a')": "message names none of ['BinaryAccuracy', 'threshold']: UFuncTypeError: ufunc 'greater' did not contain a loop ",
    "metric:BinaryAccuracy(threshold=None)": "message names none of ['BinaryAccuracy', 'threshold']: TypeError: '>' not supported between instances of 'floa",
    "metric:BinaryAccuracy<-mismatched_batch": "message names none of ['BinaryAccuracy', 'y_pred', 'y_true']: ValueError: operands could not be broadcast toge",
    "metric:BinaryAccuracy<-mismatched_last": "message names none of ['BinaryAccuracy', 'y_pred', 'y_true']: ValueError: operands could not be broadcast toge",
    "metric:BinaryAccuracy<-rank_diff": "message names none of ['BinaryAccuracy', 'y_pred', 'y_true']: ValueError: operands could not be broadcast toge",
    "metric:BinaryAccuracy<-str": "message names none of ['BinaryAccuracy', 'y_pred', 'y_true']: ValueError: could not convert string to float: n",
    "metric:BinaryAccuracy<-y_pred_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "metric:BinaryAccuracy<-y_true_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "metric:CategoricalAccuracy<-mismatched_batch": "message names none of ['CategoricalAccuracy', 'y_pred', 'y_true']: ValueError: operands could not be broadcast",
    "metric:CategoricalAccuracy<-scalars": "returns where Keras raises InvalidArgumentError ({{function_node __wrapped__ArgMax_device_/job:localhost/repli",
    "metric:CategoricalAccuracy<-str": "message names none of ['CategoricalAccuracy', 'y_pred', 'y_true']: ValueError: could not convert string to flo",
    "metric:CategoricalAccuracy<-y_pred_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "metric:CategoricalAccuracy<-y_true_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "metric:Mean<-none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "metric:Mean<-str": "message names none of ['Mean', 'values']: ValueError: could not convert string to float: np.str_('a')",
    "metric:MeanAbsoluteError<-ints": "result: values [0.9698] where Keras gives [1.0]",
    "metric:MeanAbsoluteError<-mismatched_batch": "message names none of ['MeanAbsoluteError', 'y_pred', 'y_true']: ValueError: operands could not be broadcast t",
    "metric:MeanAbsoluteError<-mismatched_last": "message names none of ['MeanAbsoluteError', 'y_pred', 'y_true']: ValueError: operands could not be broadcast t",
    "metric:MeanAbsoluteError<-rank_diff": "message names none of ['MeanAbsoluteError', 'y_pred', 'y_true']: ValueError: operands could not be broadcast t",
    "metric:MeanAbsoluteError<-scalars": "internal error AxisError: axis -1 is out of bounds for array of dimension 0",
    "metric:MeanAbsoluteError<-str": "message names none of ['MeanAbsoluteError', 'y_pred', 'y_true']: ValueError: could not convert string to float",
    "metric:MeanAbsoluteError<-y_pred_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "metric:MeanAbsoluteError<-y_true_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "metric:MeanSquaredError<-ints": "result: values [1.1099] where Keras gives [1.6667]",
    "metric:MeanSquaredError<-mismatched_batch": "message names none of ['MeanSquaredError', 'y_pred', 'y_true']: ValueError: operands could not be broadcast to",
    "metric:MeanSquaredError<-mismatched_last": "message names none of ['MeanSquaredError', 'y_pred', 'y_true']: ValueError: operands could not be broadcast to",
    "metric:MeanSquaredError<-rank_diff": "message names none of ['MeanSquaredError', 'y_pred', 'y_true']: ValueError: operands could not be broadcast to",
    "metric:MeanSquaredError<-scalars": "internal error AxisError: axis -1 is out of bounds for array of dimension 0",
    "metric:MeanSquaredError<-str": "message names none of ['MeanSquaredError', 'y_pred', 'y_true']: ValueError: could not convert string to float:",
    "metric:MeanSquaredError<-y_pred_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "metric:MeanSquaredError<-y_true_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "metric:SparseCategoricalAccuracy<-mismatched_batch": "message names none of ['SparseCategoricalAccuracy', 'y_pred', 'y_true']: ValueError: operands could not be bro",
    "metric:SparseCategoricalAccuracy<-rank_diff": "message names none of ['SparseCategoricalAccuracy', 'y_pred', 'y_true']: ValueError: operands could not be bro",
    "metric:SparseCategoricalAccuracy<-scalars": "internal error IndexError: tuple index out of range",
    "metric:SparseCategoricalAccuracy<-str": "message names none of ['SparseCategoricalAccuracy', 'y_pred', 'y_true']: ValueError: could not convert string ",
    "metric:SparseCategoricalAccuracy<-y_pred_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "metric:SparseCategoricalAccuracy<-y_true_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "metric:SparseTopKCategoricalAccuracy<-ints": "returns where Keras raises InvalidArgumentError (cannot compute InTopKV2 as input #0(zero-based) was expected ",
    "metric:SparseTopKCategoricalAccuracy<-mismatched_batch": "message names none of ['SparseTopKCategoricalAccuracy', 'y_pred', 'y_true']: ValueError: operands could not be",
    "metric:SparseTopKCategoricalAccuracy<-rank_diff": "returns where Keras raises InvalidArgumentError ({{function_node __wrapped__InTopKV2_device_/job:localhost/rep",
    "metric:SparseTopKCategoricalAccuracy<-scalars": "internal error IndexError: too many indices for array: array is 0-dimensional, but 1 were indexed",
    "metric:SparseTopKCategoricalAccuracy<-str": "message names none of ['SparseTopKCategoricalAccuracy', 'y_pred', 'y_true']: ValueError: could not convert str",
    "metric:SparseTopKCategoricalAccuracy<-y_pred_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "metric:SparseTopKCategoricalAccuracy<-y_true_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "metric:Sum<-none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "metric:Sum<-str": "message names none of ['Sum', 'values']: ValueError: could not convert string to float: np.str_('a')",
    "metric:TopKCategoricalAccuracy(k='a')": "message names none of ['TopKCategoricalAccuracy', 'k']: TypeError: slice indices must be integers or None or h",
    "metric:TopKCategoricalAccuracy(k=2.5)": "message names none of ['TopKCategoricalAccuracy', 'k']: TypeError: slice indices must be integers or None or h",
    "metric:TopKCategoricalAccuracy<-ints": "returns where Keras raises InvalidArgumentError (cannot compute InTopKV2 as input #0(zero-based) was expected ",
    "metric:TopKCategoricalAccuracy<-mismatched_batch": "message names none of ['TopKCategoricalAccuracy', 'y_pred', 'y_true']: ValueError: operands could not be broad",
    "metric:TopKCategoricalAccuracy<-rank_diff": "returns where Keras raises InvalidArgumentError ({{function_node __wrapped__InTopKV2_device_/job:localhost/rep",
    "metric:TopKCategoricalAccuracy<-scalars": "internal error IndexError: too many indices for array: array is 0-dimensional, but 1 were indexed",
    "metric:TopKCategoricalAccuracy<-str": "message names none of ['TopKCategoricalAccuracy', 'y_pred', 'y_true']: ValueError: could not convert string to",
    "metric:TopKCategoricalAccuracy<-y_pred_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    "metric:TopKCategoricalAccuracy<-y_true_none": "returns where Keras raises ValueError (Attempt to convert a value (None) with an unsupported type (<class 'Non",
    # tapegrad/keras/models.py
    "call:Input(batch_size=-1)": "returns where Keras raises ValueError (Cannot convert '(-1, 3)' to a shape. Negative dimensions are not allowe",
    "call:Input(dtype=nope)": "returns where Keras raises ValueError (Invalid dtype: nope)",
    "call:Input(shape=float)": "returns where Keras raises ValueError (Cannot convert '(2.5,)' to a shape. Found invalid dimension '2.5' of ty",
    "call:Input(shape=int)": "returns where Keras raises ValueError (Cannot convert '3' to a shape.)",
    "call:Input(shape=negative)": "returns where Keras raises ValueError (Cannot convert '(-1,)' to a shape. Negative dimensions are not allowed.",
    "call:Sequential(layers=Dense)": "message names none of ['Sequential', 'Sequential']: TypeError: 'Dense' object is not iterable",
    # tapegrad/keras/serialization.py
    "fit:compile:loss=dict": "refuses what Keras accepts: ValueError: Could not interpret loss function config: {'out': 'mse'}",
    "fit:compile:loss=list1": "refuses what Keras accepts: ValueError: Could not interpret loss identifier: ['mse']",
    "fit:compile:loss=list2": "refuses what Keras accepts: ValueError: Could not interpret loss identifier: ['mse', 'mae']",
    "fit:compile:metrics=dict": "refuses what Keras accepts: ValueError: Could not interpret metric identifier: out",
    "fit:compile:metrics=dict_wrong_key": "refuses what Keras accepts: ValueError: Could not interpret metric identifier: nope",
    "fit:compile:metrics=nested": "refuses what Keras accepts: ValueError: Could not interpret metric identifier: ['mae']",
    # tapegrad/keras/trainer.py
    "evaluate:batch_size=-1": "returns where Keras raises ValueError (Invalid value in tensor used for shape: -8)",
    "evaluate:batch_size=2.5": "message names none of ['batch_size', 'batch_size', 'evaluate']: TypeError: 'float' object cannot be interprete",
    "evaluate:empty": "result: scalar where Keras returns list",
    "evaluate:gen_finite": "refuses what Keras accepts: IndexError: tuple index out of range",
    "evaluate:gen_steps": "refuses what Keras accepts: IndexError: tuple index out of range",
    "evaluate:pylists": "internal error IndexError: tuple index out of range",
    "evaluate:y_none": "returns where Keras raises ValueError (None values not supported.)",
    "fit:batch_size=-1": "returns where Keras raises ValueError (Invalid value in tensor used for shape: -8)",
    "fit:batch_size=2.5": "message names none of ['batch_size', 'batch_size', 'fit']: TypeError: 'float' object cannot be interpreted as ",
    "fit:batch_size=str": "message names none of ['batch_size', 'batch_size', 'fit']: TypeError: unsupported operand type(s) for /: 'int'",
    "fit:compile:loss_weights=list": "refuses what Keras accepts: NotImplementedError: compile(loss_weights=...) is not supported by tapegrad.keras ",
    "fit:compile:loss_weights=str": "NotImplementedError where Keras raises ValueError: compile(loss_weights=...) is not supported by tapegrad.kera",
    "fit:compile:metrics=3": "message names none of ['compile', 'fit', 'metrics']: TypeError: 'int' object is not iterable",
    "fit:compile:metrics=[None]": "internal error AttributeError: 'NoneType' object has no attribute '__name__'",
    "fit:compile:metrics=single_object": "message names none of ['compile', 'fit', 'metrics']: TypeError: 'MeanAbsoluteError' object is not iterable",
    "fit:compile:optimizer=None": "internal error AttributeError: 'NoneType' object has no attribute 'apply_gradients'",
    "fit:compile:optimizer=class": "TypeError where Keras raises ValueError: Optimizer.apply_gradients() missing 1 required positional argument: '",
    "fit:dict_x_wrong_key": "returns where Keras raises ValueError (Missing data for input \"inp\". You passed a data dictionary with keys ['",
    "fit:epochs=-1": "result: None where Keras returns History",
    "fit:epochs=0": "result: None where Keras returns History",
    "fit:epochs=2.5": "message names none of ['epochs', 'epochs', 'fit']: TypeError: 'float' object cannot be interpreted as an integ",
    "fit:epochs=None": "message names none of ['epochs', 'epochs', 'fit']: TypeError: 'NoneType' object cannot be interpreted as an in",
    "fit:epochs=str": "message names none of ['epochs', 'epochs', 'fit']: TypeError: 'str' object cannot be interpreted as an integer",
    "fit:gen_finite": "refuses what Keras accepts: IndexError: tuple index out of range",
    "fit:gen_steps": "refuses what Keras accepts: IndexError: tuple index out of range",
    "fit:gen_with_y": "internal error IndexError: tuple index out of range",
    "fit:gen_x_only": "internal error IndexError: tuple index out of range",
    "fit:initial_epoch_past_end": "result: None where Keras returns History",
    "fit:pylist_x": "internal error IndexError: tuple index out of range",
    "fit:pylists": "internal error IndexError: tuple index out of range",
    "fit:sample_weight_mismatch": "message names none of ['fit', 'sample_weight', 'sample_weight']: ValueError: Data cardinality is ambiguous: th",
    "fit:steps_per_epoch=-1": "History keys [] x1 epochs; Keras ['loss'] x1",
    "fit:steps_per_epoch=0": "History keys [] x1 epochs; Keras ['loss'] x1",
    "fit:steps_per_epoch=2.5": "message names none of ['fit', 'steps_per_epoch', 'steps_per_epoch']: TypeError: can't multiply sequence by non",
    "fit:str_x": "internal error IndexError: tuple index out of range",
    "fit:validation_data_bad_shape": "message names none of ['fit', 'shape', 'validation_data', 'validation_data']: ValueError: Data cardinality is ",
    "fit:validation_data_str": "internal error IndexError: tuple index out of range",
    "fit:validation_data_x_only": "returns where Keras raises ValueError (None values not supported.)",
    "fit:validation_split=str": "message names none of ['fit', 'validation_split', 'validation_split']: TypeError: unsupported operand type(s) ",
    "fit:y_none": "returns where Keras raises ValueError (None values not supported.)",
    "predict:batch_size=-1": "internal error IndexError: list index out of range",
    "predict:batch_size=2.5": "message names none of ['batch_size', 'batch_size', 'predict']: TypeError: 'float' object cannot be interpreted",
    "predict:batch_size=str": "message names none of ['batch_size', 'batch_size', 'predict']: TypeError: 'str' object cannot be interpreted a",
    "predict:dict_wrong_key": "returns where Keras raises ValueError (Missing data for input \"inp\". You passed a data dictionary with keys ['",
    "predict:empty": "internal error IndexError: list index out of range",
    "predict:gen_finite": "refuses what Keras accepts: IndexError: tuple index out of range",
    "predict:gen_steps": "refuses what Keras accepts: IndexError: tuple index out of range",
    "predict:pylist": "internal error IndexError: tuple index out of range",
    "predict:steps=0": "refuses what Keras accepts: IndexError: list index out of range",
    "predict:str": "internal error IndexError: tuple index out of range",
    # tapegrad/keras/utils.py
    "call:to_categorical(None)": "message names none of ['class', 'label', 'num_classes', 'num_classes', 'to_categorical', 'utils.to_categorical",
    "call:to_categorical(column)": "result: float32[2, 3] where Keras returns float64[2, 3]",
    "call:to_categorical(empty)": "result: float32[0, 3] where Keras returns float64[0, 3]",
    "call:to_categorical(float_labels)": "result: float32[3, 3] where Keras returns float64[3, 3]",
    "call:to_categorical(fractional_labels)": "result: float32[2, 3] where Keras returns float64[2, 3]",
    "call:to_categorical(label>=num_classes)": "internal error IndexError: index 3 is out of bounds for axis 1 with size 3",
    "call:to_categorical(matrix)": "result: float32[2, 2, 3] where Keras returns float64[2, 2, 3]",
    "call:to_categorical(negative)": "result: float32[3, 3] where Keras returns float64[3, 3]",
    "call:to_categorical(num_classes=-1)": "message names none of ['class', 'label', 'num_classes', 'num_classes', 'to_categorical', 'utils.to_categorical",
    "call:to_categorical(num_classes=0)": "refuses what Keras accepts: IndexError: index 0 is out of bounds for axis 1 with size 0",
    "call:to_categorical(num_classes=2.5)": "internal error IndexError: index 2 is out of bounds for axis 1 with size 2",
    "call:to_categorical(num_classes=None)": "result: float32[3, 3] where Keras returns float64[3, 3]",
    "call:to_categorical(num_classes_too_small)": "internal error IndexError: index 2 is out of bounds for axis 1 with size 2",
    "call:to_categorical(scalar)": "result: float32[3] where Keras returns float64[3]",
    "call:to_categorical(str)": "message names none of ['class', 'label', 'num_classes', 'num_classes', 'to_categorical', 'utils.to_categorical",
    "call:to_categorical(valid)": "result: float32[3, 3] where Keras returns float64[3, 3]",
    # tapegrad/ops/_util.py
    "loss:BinaryCrossentropy<-scalars": "message names none of ['BinaryCrossentropy', 'y_pred', 'y_true']: InvalidArgumentError: reduce_mean: axis -1 i",
    "loss:CosineSimilarity<-scalars": "refuses what Keras accepts: InvalidArgumentError: reduce_sum: axis -1 is out of range for a tensor of rank 0 (",
    "loss:CosineSimilarity<-y_pred_none": "message names none of ['CosineSimilarity', 'y_pred', 'y_true']: InvalidArgumentError: reduce_sum: axis -1 is o",
    "loss:CosineSimilarity<-y_true_none": "message names none of ['CosineSimilarity', 'y_pred', 'y_true']: InvalidArgumentError: reduce_sum: axis -1 is o",
    "loss:Hinge<-scalars": "message names none of ['Hinge', 'y_pred', 'y_true']: InvalidArgumentError: reduce_mean: axis -1 is out of rang",
    "loss:Huber<-scalars": "message names none of ['Huber', 'y_pred', 'y_true']: InvalidArgumentError: reduce_mean: axis -1 is out of rang",
    "loss:KLDivergence<-scalars": "message names none of ['KLDivergence', 'y_pred', 'y_true']: InvalidArgumentError: reduce_sum: axis -1 is out o",
    "loss:LogCosh<-scalars": "message names none of ['LogCosh', 'y_pred', 'y_true']: InvalidArgumentError: reduce_mean: axis -1 is out of ra",
    "loss:MeanAbsoluteError<-scalars": "message names none of ['MeanAbsoluteError', 'y_pred', 'y_true']: InvalidArgumentError: reduce_mean: axis -1 is",
    "loss:MeanAbsolutePercentageError<-scalars": "message names none of ['MeanAbsolutePercentageError', 'y_pred', 'y_true']: InvalidArgumentError: reduce_mean: ",
    "loss:MeanSquaredError<-scalars": "message names none of ['MeanSquaredError', 'y_pred', 'y_true']: InvalidArgumentError: reduce_mean: axis -1 is ",
    "loss:MeanSquaredLogarithmicError<-scalars": "message names none of ['MeanSquaredLogarithmicError', 'y_pred', 'y_true']: InvalidArgumentError: reduce_mean: ",
    "loss:Poisson<-scalars": "message names none of ['Poisson', 'y_pred', 'y_true']: InvalidArgumentError: reduce_mean: axis -1 is out of ra",
    "loss:SquaredHinge<-scalars": "message names none of ['SquaredHinge', 'y_pred', 'y_true']: InvalidArgumentError: reduce_mean: axis -1 is out ",
    # tapegrad/ops/array_ops.py
    "call:Concatenate<-batch_mismatch": "message names none of ['Concatenate', 'input']: InvalidArgumentError: concat: shape[1] = [3, 3] does not match",
    "call:Concatenate<-broadcast_rows": "message names none of ['Concatenate', 'input']: InvalidArgumentError: concat: shape[1] = [1, 3] does not match",
    "call:Concatenate<-empty_list": "message names none of ['Concatenate', 'input']: InvalidArgumentError: concat: values must be a non-empty list ",
    "call:Concatenate<-int_and_float": "refuses what Keras accepts: InvalidArgumentError: concat: input #1 has dtype int32 but input #0 has float32; c",
    "call:Concatenate<-rank_mismatch": "message names none of ['Concatenate', 'input']: InvalidArgumentError: concat: shape[1] = [2, 3, 1] does not ma",
    "layer:Concatenate(axis=-3)": "message names none of ['Concatenate', 'axis']: InvalidArgumentError: concat: expected concatenating dimensions",
    "layer:Concatenate(axis=-5)": "message names none of ['Concatenate', 'axis']: InvalidArgumentError: concat: expected concatenating dimensions",
    "layer:Concatenate(axis=2)": "message names none of ['Concatenate', 'axis']: InvalidArgumentError: concat: expected concatenating dimensions",
    "layer:Concatenate(axis=5)": "message names none of ['Concatenate', 'axis']: InvalidArgumentError: concat: expected concatenating dimensions",
    "layer:Embedding(input_dim=0)": "message names none of ['Embedding', 'input_dim']: InvalidArgumentError: gather: indices[0,0] = 0 is not in [0,",
    "layer:Embedding(input_dim=2.5)": "message names none of ['Embedding', 'input_dim']: InvalidArgumentError: gather: indices[0,2] = 2 is not in [0,",
    "layer:Embedding(input_dim=True)": "message names none of ['Embedding', 'input_dim']: InvalidArgumentError: gather: indices[0,1] = 1 is not in [0,",
    # tapegrad/ops/conv_ops.py
    "layer:AveragePooling2D(pool_size=(0,2))": "message names none of ['AveragePooling2D', 'pool_size']: InvalidArgumentError: nn.avg_pool2d: ksize and stride",
    "layer:AveragePooling2D(pool_size=(9,9))": "refuses what Keras accepts: InvalidArgumentError: nn.avg_pool2d: the window [9, 9] is larger than the input [4",
    "layer:AveragePooling2D(pool_size=-1)": "message names none of ['AveragePooling2D', 'pool_size']: InvalidArgumentError: nn.avg_pool2d: ksize and stride",
    "layer:AveragePooling2D(pool_size=0)": "message names none of ['AveragePooling2D', 'pool_size']: InvalidArgumentError: nn.avg_pool2d: ksize and stride",
    "layer:MaxPooling2D(pool_size=(0,2))": "message names none of ['MaxPooling2D', 'pool_size']: InvalidArgumentError: nn.max_pool2d: ksize and strides mu",
    "layer:MaxPooling2D(pool_size=(9,9))": "refuses what Keras accepts: InvalidArgumentError: nn.max_pool2d: the window [9, 9] is larger than the input [4",
    "layer:MaxPooling2D(pool_size=-1)": "message names none of ['MaxPooling2D', 'pool_size']: InvalidArgumentError: nn.max_pool2d: ksize and strides mu",
    "layer:MaxPooling2D(pool_size=0)": "message names none of ['MaxPooling2D', 'pool_size']: InvalidArgumentError: nn.max_pool2d: ksize and strides mu",
    # tapegrad/ops/linalg_ops.py
    "call:Dense<-bool": "refuses what Keras accepts: InvalidArgumentError: matmul: input 1 has dtype float32 but an earlier input has b",
    "call:Dense<-int32": "refuses what Keras accepts: InvalidArgumentError: matmul: input 1 has dtype float32 but an earlier input has i",
    "call:Dense<-int64": "refuses what Keras accepts: InvalidArgumentError: matmul: input 1 has dtype float32 but an earlier input has i",
    "evaluate:int_x": "refuses what Keras accepts: InvalidArgumentError: matmul: input 1 has dtype float32 but an earlier input has i",
    "fit:bool_x": "refuses what Keras accepts: InvalidArgumentError: matmul: input 1 has dtype float32 but an earlier input has b",
    "fit:int_x": "refuses what Keras accepts: InvalidArgumentError: matmul: input 1 has dtype float32 but an earlier input has i",
    "predict:int_x": "refuses what Keras accepts: InvalidArgumentError: matmul: input 1 has dtype float32 but an earlier input has i",
    # tapegrad/ops/math_ops.py
    "loss:KLDivergence<-mismatched_batch": "message names none of ['KLDivergence', 'y_pred', 'y_true']: InvalidArgumentError: divide: the input shapes do ",
    "loss:KLDivergence<-mismatched_last": "message names none of ['KLDivergence', 'y_pred', 'y_true']: InvalidArgumentError: divide: the input shapes do ",
    "loss:KLDivergence<-rank_diff": "message names none of ['KLDivergence', 'y_pred', 'y_true']: InvalidArgumentError: divide: the input shapes do ",
    # tapegrad/ops/nn_ops.py
    "loss:SparseCategoricalCrossentropy<-mismatched_last": "message names none of ['SparseCategoricalCrossentropy', 'y_pred', 'y_true']: InvalidArgumentError: nn.sparse_s",
}


def _param(name):
    if name in XFAIL:
        return pytest.param(name, marks=pytest.mark.xfail(reason=XFAIL[name], strict=True, raises=Failure))
    return name


@pytest.mark.parametrize("name", [_param(n) for n in sorted(RECORD)])
def test_keras_edge_case(name):
    judge(name)


def test_record_covers_the_table():
    """The record was written from the current table (rerun the probe after changing a case)."""
    assert set(RECORD) == set(kc.CASES), (
        f"rerun tools/probe_keras_edges.py: unrecorded {sorted(set(kc.CASES) - set(RECORD))[:5]}, "
        f"stale {sorted(set(RECORD) - set(kc.CASES))[:5]}")
    assert not set(XFAIL) - set(RECORD), sorted(set(XFAIL) - set(RECORD))
    assert not set(DELIBERATE) - set(RECORD), sorted(set(DELIBERATE) - set(RECORD))
    assert not set(KERAS_QUIRKS) - set(RECORD), sorted(set(KERAS_QUIRKS) - set(RECORD))
    assert not set(XFAIL) & (set(DELIBERATE) | set(KERAS_QUIRKS))


def counts():
    """The outcome counts docs/reliability.md publishes (strict xfail makes them exact: every case
    not in XFAIL passes)."""
    passing = [n for n in RECORD if n not in XFAIL]
    return {
        "cases": len(RECORD),
        "keras_ok": sum("ok" in RECORD[n] for n in RECORD),
        "keras_error": sum("error" in RECORD[n] for n in RECORD),
        "same_result": sum("ok" in RECORD[n] and n not in DELIBERATE for n in passing),
        "clear_error": sum(("error" in RECORD[n] and n not in KERAS_QUIRKS) or n in DELIBERATE for n in passing),
        "deliberate": len(DELIBERATE),
        "quirks": len(KERAS_QUIRKS),
        "failing": len(XFAIL),
    }


def counts_line():
    c = counts()
    return (f"{c['cases']} cases ({c['keras_ok']} that Keras 3 accepts, {c['keras_error']} that it refuses): "
            f"{c['same_result']} give Keras's result, {c['clear_error']} raise a clear tapegrad error "
            f"({c['deliberate']} of them deliberately where Keras accepts), {c['quirks']} return a result where "
            f"only a TensorFlow kernel or a Keras bug refuses, and {c['failing']} still fail (XFAIL).")


def test_docs_publish_the_counts():
    docs = (ROOT / "docs" / "reliability.md").read_text()
    assert counts_line() in docs, f"docs/reliability.md should say:\n{counts_line()}"


# -- hypothesis: random constructor arguments and inputs for every layer ------------------------
ARG_VALUES = st.one_of(st.integers(-3, 6), st.floats(-2, 3, allow_nan=False), st.sampled_from(
    [None, True, False, "a", "same", "valid", "relu", "nope", (2, 2), (0, 1), (-1,), [1], (3, 2), "channels_first"]))
INPUT_SPECS = st.one_of(
    st.builds(kc.Arr, st.lists(st.integers(0, 4), min_size=0, max_size=5).map(tuple),
              st.sampled_from(["float32", "float64", "int32", "bool"])),
    st.sampled_from([None, "abc", 3]),
)


def _fixed(prefix):
    """Whether every recorded case whose name starts with ``prefix`` passes (none is in XFAIL)."""
    return not any(n.startswith(prefix) for n in XFAIL)


def _layer_args(cls):
    """The constructor arguments of ``cls`` to draw: those whose recorded cases all pass (the
    others are in XFAIL already; the list of drawn arguments grows as fixes land)."""
    base, _ = kc.LAYERS[cls]
    keys = set(base) | set(kc.SIZE_ARGS.get(cls, {})) | set(kc.AXIS_ARGS.get(cls, {})) | set(kc.OTHER_ARGS.get(cls, {}))
    return sorted(k for k in keys if _fixed(f"layer:{cls}({k}="))


# Layers with something to draw (an argument or random inputs whose recorded cases pass).
DRAWN_LAYERS = sorted(c for c in kc.LAYERS if _layer_args(c) or _fixed(f"call:{c}<-"))


@given(st.data())
def test_random_layer_arguments_never_crash(data):
    cls = data.draw(st.sampled_from(DRAWN_LAYERS), label="layer")
    base, x = kc.LAYERS[cls]
    kwargs = dict(base)
    args = _layer_args(cls)
    for key in data.draw(st.lists(st.sampled_from(args), max_size=3, unique=True), label="args") if args else ():
        kwargs[key] = data.draw(ARG_VALUES, label=key)
    # Random inputs for the layers whose recorded call cases all pass; the valid input otherwise.
    if cls in kc.MERGE and _fixed(f"call:{cls}<-"):
        spec = data.draw(st.lists(INPUT_SPECS, max_size=3) | INPUT_SPECS, label="inputs")
    elif _fixed(f"call:{cls}<-"):
        spec = data.draw(st.sampled_from([x]) | INPUT_SPECS, label="input")
    else:
        spec = x
    case = kc.Case("hypothesis", "layer", cls, kwargs, (spec,), names=kc.layer_names(cls, kwargs) + ("input",))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            kc.build(keras, case)()
        except Exception as e:  # noqa: BLE001
            check_error(e, case)


def _report():
    """Print every failing case in XFAIL's format (grouped by tapegrad file), then the docs counts."""
    groups = {}
    for name in sorted(RECORD):
        try:
            judge(name)
        except Failure as f:
            groups.setdefault(f.file or _owner_file(kc.CASES[name]), []).append((name, str(f)))
    for file, rows in sorted(groups.items()):
        print(f"    # {file}")
        for name, text in rows:
            reason = " ".join(text.split())[:110]
            print(f"    {json.dumps(name)}: {json.dumps(reason)},")
    print(sum(len(r) for r in groups.values()), "failing")
    print(counts_line())


if __name__ == "__main__":
    _report()
