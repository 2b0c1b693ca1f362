"""The Keras-surface case table, shared by tools/probe_keras_edges.py (run under Keras 3, it records
what Keras does) and tests/reliability/test_fuzz_keras.py (replays every case on tapegrad).

A case is data: a kind ("layer", "model", "loss", "metric", "call") and its arguments, where
arguments may hold *specs* (``Arr``, ``Labels``, ``PyList``, ``Gen``, ``Obj``, ``Fn``) that
``materialize`` turns into values for a given ``keras`` module, so the same recipe runs on Keras
and on tapegrad. This module needs only NumPy: it never imports TensorFlow or tapegrad.

``build(keras, case)`` returns a thunk that runs the case; ``describe(out, case)`` is what is
recorded of a result (shape/dtype, a History's keys, a value where it is deterministic).
"""
import dataclasses
import math
from typing import Any

import numpy as np


# -- specs: values built per keras module ------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Arr:
    """A deterministic NumPy array: floats in (0.05, 1.05) (valid probabilities and positive
    values for the log losses), integers 0..2, booleans alternating. ``offset`` shifts the
    sequence (a prediction that differs from its target)."""
    shape: tuple
    dtype: str = "float32"
    offset: int = 0

    def make(self, keras):
        n = int(np.prod(self.shape, dtype=np.int64))
        base = ((np.arange(n) + self.offset) * 0.37) % 1.0
        kind = np.dtype(self.dtype).kind
        if kind == "f":
            out = base * 0.9 + 0.05
        elif kind == "b":
            out = np.arange(n) % 2 == 0
        else:
            out = (np.arange(n) + self.offset) % 3
        return np.asarray(out, self.dtype).reshape(self.shape)


@dataclasses.dataclass(frozen=True)
class Labels:
    """Integer class ids 0..classes-1 (``shape`` rows)."""
    shape: tuple
    classes: int = 3
    dtype: str = "int32"

    def make(self, keras):
        n = int(np.prod(self.shape, dtype=np.int64))
        return (np.arange(n) % self.classes).astype(self.dtype).reshape(self.shape)


@dataclasses.dataclass(frozen=True)
class OneHot:
    rows: int
    classes: int = 3

    def make(self, keras):
        return np.eye(self.classes, dtype="float32")[np.arange(self.rows) % self.classes]


@dataclasses.dataclass(frozen=True)
class PyList:
    """The nested Python list of a spec's array."""
    spec: Any

    def make(self, keras):
        return materialize(keras, self.spec).tolist()


@dataclasses.dataclass(frozen=True)
class Gen:
    """A Python generator of ``batches`` (a tuple of specs per batch); ``repeat``: forever."""
    batch: tuple
    count: int = 2
    repeat: bool = False

    def make(self, keras):
        batch = materialize(keras, self.batch)

        def generate():
            i = 0
            while self.repeat or i < self.count:
                i += 1
                yield batch
        return generate()


@dataclasses.dataclass(frozen=True)
class Obj:
    """An instance of a Keras class given by its path in the module (``"callbacks.EarlyStopping"``)."""
    path: str
    kwargs: tuple = ()

    def make(self, keras):
        return resolve(keras, self.path)(**materialize(keras, dict(self.kwargs)))


def _double(x):
    return x * 2


def _squared_error(y_true, y_pred):
    return (y_pred - y_true) ** 2


FUNCTIONS = {"double": _double, "squared_error": _squared_error}


@dataclasses.dataclass(frozen=True)
class Fn:
    name: str

    def make(self, keras):
        return FUNCTIONS[self.name]


SPECS = (Arr, Labels, OneHot, PyList, Gen, Obj, Fn)


def materialize(keras, value):
    if isinstance(value, SPECS):
        return value.make(keras)
    if isinstance(value, dict):
        return {k: materialize(keras, v) for k, v in value.items()}
    if isinstance(value, list):
        return [materialize(keras, v) for v in value]
    if isinstance(value, tuple):
        return tuple(materialize(keras, v) for v in value)
    return value


def resolve(keras, path):
    obj = keras
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


# -- cases -------------------------------------------------------------------------------------
@dataclasses.dataclass
class Case:
    name: str
    kind: str                  # layer | model | loss | metric | call
    target: str                # layer class, model name, loss/metric class, or function path
    kwargs: dict = dataclasses.field(default_factory=dict)     # constructor / method keywords
    args: tuple = ()           # call arguments (layer input, y_true/y_pred, function arguments)
    extra: dict = dataclasses.field(default_factory=dict)      # model: method, compile kwargs
    value: bool = False        # record the numeric result (deterministic in both libraries)
    names: tuple = ()          # an error's message must contain one of these

    def __repr__(self):
        return self.name


CASES = {}


def _add(case):
    assert case.name not in CASES, case.name
    CASES[case.name] = case


def _r(v):
    """A short, stable text for a value in a case name."""
    if isinstance(v, SPECS):
        if isinstance(v, Arr):
            return f"{v.dtype}{list(v.shape)}".replace(" ", "")
        if isinstance(v, PyList):
            return "pylist" + _r(v.spec)
        if isinstance(v, Labels):
            return f"labels{list(v.shape)}".replace(" ", "")
        if isinstance(v, Gen):
            return "gen" + ("_repeat" if v.repeat else str(v.count))
        if isinstance(v, Obj):
            return v.path.split(".")[-1]
        return type(v).__name__.lower()
    if isinstance(v, (list, tuple)):
        return ("[" if isinstance(v, list) else "(") + ",".join(_r(x) for x in v) + ("]" if isinstance(v, list) else ")")
    if isinstance(v, dict):
        return "{" + ",".join(f"{k}:{_r(x)}" for k, x in v.items()) + "}"
    return repr(v).replace(" ", "")


# Every layer tapegrad has (tapegrad/keras/layers/__init__.py): its valid constructor keywords
# and a valid input.
F = "float32"
LAYERS = {
    "Dense": ({"units": 2}, Arr((2, 3))),
    "Dropout": ({"rate": 0.5}, Arr((2, 3))),
    "Embedding": ({"input_dim": 5, "output_dim": 2}, Arr((2, 3), "int32")),
    "Activation": ({"activation": "relu"}, Arr((2, 3))),
    "Flatten": ({}, Arr((2, 3, 2))),
    "Reshape": ({"target_shape": (3, 2)}, Arr((2, 6))),
    "Lambda": ({"function": Fn("double")}, Arr((2, 3))),
    "ReLU": ({}, Arr((2, 3))),
    "Softmax": ({}, Arr((2, 3))),
    "BatchNormalization": ({}, Arr((2, 3))),
    "LayerNormalization": ({}, Arr((2, 3))),
    "Conv2D": ({"filters": 2, "kernel_size": 3}, Arr((1, 5, 5, 2))),
    "MaxPooling2D": ({}, Arr((1, 4, 4, 2))),
    "AveragePooling2D": ({}, Arr((1, 4, 4, 2))),
    "MaxPool2D": ({}, Arr((1, 4, 4, 2))),
    "AvgPool2D": ({}, Arr((1, 4, 4, 2))),
    "GlobalAveragePooling2D": ({}, Arr((1, 4, 4, 2))),
    "GlobalAvgPool2D": ({}, Arr((1, 4, 4, 2))),
    "GlobalMaxPooling2D": ({}, Arr((1, 4, 4, 2))),
    "Add": ({}, [Arr((2, 3)), Arr((2, 3))]),
    "Multiply": ({}, [Arr((2, 3)), Arr((2, 3))]),
    "Concatenate": ({}, [Arr((2, 3)), Arr((2, 3))]),
}
MERGE = ("Add", "Multiply", "Concatenate")
# Layers whose output does not depend on random initial weights: their values are recorded.
DETERMINISTIC = {"Dropout", "Activation", "Flatten", "Reshape", "Lambda", "ReLU", "Softmax", "BatchNormalization",
                 "LayerNormalization", "MaxPooling2D", "AveragePooling2D", "MaxPool2D", "AvgPool2D",
                 "GlobalAveragePooling2D", "GlobalAvgPool2D", "GlobalMaxPooling2D", "Add", "Multiply", "Concatenate"}

BAD_SIZES = (0, -1, 2.5, "a", None, True)
BAD_AXES = (2, 5, -3, -5, "a", 1.5, None)
# Size-like arguments of each layer, with extra values worth trying beyond BAD_SIZES.
SIZE_ARGS = {
    "Dense": {"units": ()},
    "Embedding": {"input_dim": (), "output_dim": ()},
    "Dropout": {"rate": (1.0, 1.5, -0.5)},
    "Reshape": {"target_shape": ((0,), (-1,), (2.5,), (5,), (-1, -1), 6, (-1, 2))},
    "Conv2D": {"filters": (), "kernel_size": ((0, 3), (3, -1), (9, 9)), "strides": ((1, 0),),
               "dilation_rate": ((0, 1),), "padding": ("nope", "SAME", 3), "data_format": ("nope",)},
    "MaxPooling2D": {"pool_size": ((0, 2), (9, 9)), "strides": ((0, 1),), "padding": ("nope", 3), "data_format": ("nope",)},
    "AveragePooling2D": {"pool_size": ((0, 2), (9, 9)), "strides": ((0, 1),), "padding": ("nope", 3),
                         "data_format": ("nope",)},
    "GlobalAveragePooling2D": {"data_format": ("nope",), "keepdims": ("a",)},
    "GlobalMaxPooling2D": {"data_format": ("nope",), "keepdims": ("a",)},
    "Flatten": {"data_format": ("nope",)},
    "ReLU": {"max_value": (), "negative_slope": (), "threshold": ()},
}
AXIS_ARGS = {
    "Softmax": {"axis": ((0, 1), [-1])},
    "Concatenate": {"axis": (0, 1)},
    "LayerNormalization": {"axis": ((0, 1), [-1], [5])},
    "BatchNormalization": {"axis": ((0, 1), [-1])},
}
OTHER_ARGS = {
    "BatchNormalization": {"momentum": (-1, 2, "a"), "epsilon": (-1, 0, "a"), "beta_initializer": ("nope", 3),
                           "gamma_regularizer": ("nope", "l2", 3)},
    "LayerNormalization": {"epsilon": (-1, 0, "a"), "beta_initializer": ("nope",), "gamma_regularizer": ("nope",)},
    "Dense": {"activation": ("nope", 3, "softmax", "relu6"), "kernel_initializer": ("nope", 3, "he_normal"),
              "bias_initializer": ("nope",), "kernel_regularizer": ("nope", "l2", 3),
              "bias_regularizer": ("l1",), "activity_regularizer": ("nope",), "kernel_constraint": ("nope",),
              "use_bias": ("a",)},
    "Conv2D": {"activation": ("nope",), "kernel_initializer": ("nope",), "kernel_regularizer": ("nope",)},
    "Embedding": {"embeddings_initializer": ("nope", 3), "embeddings_regularizer": ("nope",)},
    "Activation": {"activation": ("nope", 3, None, "softmax", "gelu")},
    "Lambda": {"function": (None, 3, "a")},
    "Dropout": {"noise_shape": ((1, 3), (5,)), "seed": ("a",)},
}


# A message about a bad initializer (activation ...) names the kind: "Could not interpret initializer".
KINDS = ("initializer", "regularizer", "constraint", "activation")


def layer_names(cls, kwargs):
    return (cls,) + tuple(kwargs) + tuple(k for k in KINDS if any(a.endswith(k) for a in kwargs))


def _layer_cases():
    for cls, (base, x) in LAYERS.items():
        def ctor(arg, value, cls=cls, base=base, x=x):
            kwargs = dict(base, **{arg: value})
            if f"layer:{cls}({arg}={_r(value)})" in CASES:
                return   # a value in both the common and the layer's own list
            _add(Case(f"layer:{cls}({arg}={_r(value)})", "layer", cls, kwargs, (x,),
                      value=cls in DETERMINISTIC, names=layer_names(cls, [arg])))
        for arg, extra in SIZE_ARGS.get(cls, {}).items():
            for value in BAD_SIZES + tuple(extra):
                ctor(arg, value)
        for arg, extra in AXIS_ARGS.get(cls, {}).items():
            for value in BAD_AXES + tuple(extra):
                ctor(arg, value)
        for arg, values in OTHER_ARGS.get(cls, {}).items():
            for value in values:
                ctor(arg, value)
        ctor("name", 3)
        ctor("dtype", "nope")
        ctor("dtype", "float64")


def _with_shape(x, shape=None, dtype=None):
    return Arr(shape if shape is not None else x.shape, dtype or x.dtype)


def _call_inputs(x):
    """Bad inputs for a layer whose valid input is ``x`` (one array)."""
    s = x.shape
    return {
        "rank0": Arr(()),
        "rank1": Arr(s[-1:]),
        "rank+1": Arr(s + (2,)),
        "rank-1": Arr(s[1:]) if len(s) > 2 else Arr(s[:1]),
        "none": None,
        "empty_batch": _with_shape(x, (0,) + s[1:]),
        "int32": _with_shape(x, dtype="int32"),
        "int64": _with_shape(x, dtype="int64"),
        "bool": _with_shape(x, dtype="bool"),
        "float64": _with_shape(x, dtype="float64"),
        "float16": _with_shape(x, dtype="float16"),
        "pylist": PyList(x),
        "list2": [x, x],
        "dict": {"a": x},
        "str": "abc",
        "wrong_last_dim": _with_shape(x, s[:-1] + (s[-1] + 2,)),
    }


MERGE_INPUTS = {
    "single_tensor": Arr((2, 3)),
    "list1": [Arr((2, 3))],
    "empty_list": [],
    "mismatched": [Arr((2, 3)), Arr((2, 4))],
    "batch_mismatch": [Arr((2, 3)), Arr((3, 3))],
    "rank_mismatch": [Arr((2, 3)), Arr((2, 3, 1))],
    "with_none": [Arr((2, 3)), None],
    "tuple": (Arr((2, 3)), Arr((2, 3))),
    "three": [Arr((2, 3)), Arr((2, 3)), Arr((2, 3))],
    "dict": {"a": Arr((2, 3)), "b": Arr((2, 3))},
    "int_and_float": [Arr((2, 3)), Arr((2, 3), "int32")],
    "ints": [Arr((2, 3), "int32"), Arr((2, 3), "int32")],
    "float64_and_float32": [Arr((2, 3), "float64"), Arr((2, 3))],
    "broadcast_rows": [Arr((2, 3)), Arr((1, 3))],
    "empty_batch": [Arr((0, 3)), Arr((0, 3))],
    "pylists": [PyList(Arr((2, 3))), PyList(Arr((2, 3)))],
}


def _call_cases():
    for cls, (base, x) in LAYERS.items():
        inputs = MERGE_INPUTS if cls in MERGE else _call_inputs(x)
        for label, value in inputs.items():
            _add(Case(f"call:{cls}<-{label}", "layer", cls, dict(base), (value,),
                      value=cls in DETERMINISTIC, names=(cls, "input")))


# -- losses and metrics ------------------------------------------------------------------------
LOSSES = ("MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError",
          "Huber", "LogCosh", "CosineSimilarity", "Hinge", "SquaredHinge", "KLDivergence", "Poisson",
          "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy")
METRICS = ("Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
           "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "MeanSquaredError", "MeanAbsoluteError")
SPARSE = {"SparseCategoricalCrossentropy", "SparseCategoricalAccuracy", "SparseTopKCategoricalAccuracy"}


def _pairs(sparse):
    t = Labels((4,)) if sparse else Arr((4, 3))
    p = Arr((4, 3), offset=1)
    return {
        "valid": (t, p),
        "mismatched_last": (t, Arr((4, 2), offset=1)) if sparse else (Arr((4, 3)), Arr((4, 2), offset=1)),
        "mismatched_batch": (t, Arr((3, 3), offset=1)),
        "rank_diff": (Labels((4, 1)) if sparse else Arr((4,)), p) if not sparse else (Labels((4, 3)), p),
        "y_true_none": (None, p),
        "y_pred_none": (t, None),
        "ints": (t, Arr((4, 3), "int32", 1)),
        "int_true": (Labels((4,)) if sparse else Arr((4, 3), "int32", 1), p),
        "empty_batch": (Labels((0,)) if sparse else Arr((0, 3)), Arr((0, 3), offset=1)),
        "pylists": (PyList(t), PyList(p)),
        "float64_pred": (t, Arr((4, 3), "float64", 1)),
        "scalars": (Arr(()), Arr((), offset=1)),
        "str": ("a", p),
    }


def _loss_metric_cases():
    for cls in LOSSES:
        for label, (t, p) in _pairs(cls in SPARSE).items():
            _add(Case(f"loss:{cls}<-{label}", "loss", cls, {}, (t, p), value=True, names=(cls, "y_true", "y_pred")))
    for cls in METRICS:
        for label, (t, p) in _pairs(cls in SPARSE).items():
            _add(Case(f"metric:{cls}<-{label}", "metric", cls, {}, (t, p), value=True,
                      names=(cls, "y_true", "y_pred")))
    for cls in ("Mean", "Sum"):
        for label, v in {"valid": Arr((4,)), "none": None, "empty": Arr((0,)), "ints": Arr((4,), "int32"),
                         "pylist": PyList(Arr((4,))), "str": "a", "matrix": Arr((2, 3))}.items():
            _add(Case(f"metric:{cls}<-{label}", "metric", cls, {}, (v,), value=True, names=(cls, "values")))
    # Constructor arguments of the parametrized ones.
    for cls, arg, values in (("TopKCategoricalAccuracy", "k", (0, -1, 2.5, "a", 5)),
                             ("BinaryAccuracy", "threshold", ("a", -1, None)),
                             ("Huber", "delta", (0, -1, "a")),
                             ("CategoricalCrossentropy", "label_smoothing", (-0.5, 1.5, "a")),
                             ("BinaryCrossentropy", "label_smoothing", (-0.5, 1.5, "a")),
                             ("CosineSimilarity", "axis", (2, -3, "a")),
                             ("MeanSquaredError", "reduction", ("nope", 3, "sum", None, "none"))):
        kind = "metric" if cls in METRICS + ("BinaryAccuracy",) and cls not in LOSSES else "loss"
        t, p = _pairs(cls in SPARSE)["valid"]
        for v in values:
            _add(Case(f"{kind}:{cls}({arg}={_r(v)})", kind, cls, {arg: v}, (t, p), value=True, names=(cls, arg)))


# -- model methods -----------------------------------------------------------------------------
X = Arr((8, 3))
Y = Arr((8, 2))
YC = Labels((8,))
FIT = {"epochs": 1, "verbose": 0, "batch_size": 4}


def _model(name, method, args=(), kwargs=None, compile_kwargs=None, names=()):
    _add(Case(f"{method}:{name}", "model", "cls" if "cls" in (compile_kwargs or {}).get("_model", "") else "reg",
              dict(kwargs or {}), tuple(args), extra={"method": method, "compile": dict(compile_kwargs or {})},
              names=(method,) + tuple(names)))


def _model_cases():
    fit_args = {
        "y_none": ((X, None), {}, ("y", "target", "None")),
        "pylists": ((PyList(X), PyList(Y)), {}, ("x",)),
        "pylist_x": ((PyList(X), Y), {}, ("x",)),
        "dict_x": (({"inp": X}, Y), {}, ("inp",)),
        "dict_x_wrong_key": (({"nope": X}, Y), {}, ("nope", "inp")),
        "dict_y": ((X, {"out": Y}), {}, ("out",)),
        "tuple_x": (((X,), Y), {}, ("x",)),
        "list_x2": (([X, X], Y), {}, ("x", "input")),
        "x_none": ((None, Y), {}, ("x",)),
        "gen_steps": ((Gen((X, Y), repeat=True),), {"steps_per_epoch": 2}, ("steps_per_epoch",)),
        "gen_finite": ((Gen((X, Y), count=3),), {}, ("generator",)),
        "gen_with_y": ((Gen((X, Y), count=3), Y), {}, ("y",)),
        "gen_x_only": ((Gen((X,), count=2),), {}, ("y", "target")),
        "empty": ((Arr((0, 3)), Arr((0, 2))), {}, ("x", "empty")),
        "mismatched_len": ((X, Arr((6, 2))), {}, ("x", "y", "size")),
        "int_x": ((Arr((8, 3), "int32"), Y), {}, ()),
        "int_y": ((X, Arr((8, 2), "int32")), {}, ()),
        "float64_x": ((Arr((8, 3), "float64"), Y), {}, ()),
        "bool_x": ((Arr((8, 3), "bool"), Y), {}, ()),
        "wrong_features": ((Arr((8, 4)), Y), {}, ("input", "shape")),
        "wrong_target_dim": ((X, Arr((8, 3))), {}, ("shape",)),
        "rank1_x": ((Arr((8,)), Y), {}, ("input", "shape")),
        "rank3_x": ((Arr((8, 3, 1)), Y), {}, ("input", "shape")),
        "y_rank1": ((X, Arr((8,))), {}, ("shape",)),
        "str_x": (("abc", Y), {}, ("x",)),
        "sample_weight_mismatch": ((X, Y), {"sample_weight": Arr((5,))}, ("sample_weight",)),
        "sample_weight_ok": ((X, Y), {"sample_weight": Arr((8,))}, ("sample_weight",)),
        "validation_data_tuple": ((X, Y), {"validation_data": (X, Y)}, ("validation_data",)),
        "validation_data_list": ((X, Y), {"validation_data": [X, Y]}, ("validation_data",)),
        "validation_data_x_only": ((X, Y), {"validation_data": (X,)}, ("validation_data",)),
        "validation_data_bad_shape": ((X, Y), {"validation_data": (Arr((4, 5)), Y)}, ("validation_data", "shape")),
        "validation_data_none": ((X, Y), {"validation_data": None}, ("validation_data",)),
        "validation_data_str": ((X, Y), {"validation_data": "a"}, ("validation_data",)),
        "initial_epoch_past_end": ((X, Y), {"initial_epoch": 3}, ("initial_epoch",)),
        "shuffle_batch": ((X, Y), {"shuffle": "batch"}, ("shuffle",)),
        "class_weight_regression": ((X, Y), {"class_weight": {0: 1.0, 1: 2.0}}, ("class_weight",)),
    }
    for label, value in {"0": 0, "-1": -1, "2.5": 2.5, "str": "a", "None": None, "100": 100, "True": True}.items():
        fit_args[f"batch_size={label}"] = ((X, Y), {"batch_size": value}, ("batch_size",))
    for label, value in {"0": 0, "-1": -1, "2.5": 2.5, "None": None, "str": "a", "2": 2}.items():
        fit_args[f"epochs={label}"] = ((X, Y), {"epochs": value}, ("epochs",))
    for label, value in {"1.5": 1.5, "-0.1": -0.1, "1.0": 1.0, "0.5": 0.5, "str": "a", "0.01": 0.01}.items():
        fit_args[f"validation_split={label}"] = ((X, Y), {"validation_split": value}, ("validation_split",))
    for label, value in {"0": 0, "-1": -1, "2.5": 2.5}.items():
        fit_args[f"steps_per_epoch={label}"] = ((X, Y), {"steps_per_epoch": value}, ("steps_per_epoch",))
    for label, value in {"2": 2, "str": "a", "5": 5}.items():
        fit_args[f"verbose={label}"] = ((X, Y), {"verbose": value}, ("verbose",))
    for label, value in {"single_object": Obj("callbacks.EarlyStopping", (("monitor", "loss"),)),
                         "list": [Obj("callbacks.EarlyStopping", (("monitor", "loss"),))],
                         "tuple": (Obj("callbacks.History"),),
                         "str": "a", "list_with_none": [None], "list_with_str": ["a"],
                         "history_object": Obj("callbacks.History")}.items():
        fit_args[f"callbacks={label}"] = ((X, Y), {"callbacks": value}, ("callbacks", "callback"))
    for label, (args, kwargs, names) in fit_args.items():
        merged = dict(FIT, **kwargs)
        _model(label, "fit", args, merged, names=names + tuple(kwargs))

    eval_args = {
        "y_none": ((X, None), {}, ("y",)),
        "pylists": ((PyList(X), PyList(Y)), {}, ("x",)),
        "dict_x": (({"inp": X}, Y), {}, ("inp",)),
        "empty": ((Arr((0, 3)), Arr((0, 2))), {}, ("x", "empty")),
        "mismatched_len": ((X, Arr((6, 2))), {}, ("x", "y", "size")),
        "int_x": ((Arr((8, 3), "int32"), Y), {}, ()),
        "gen_steps": ((Gen((X, Y), repeat=True),), {"steps": 2}, ("steps",)),
        "gen_finite": ((Gen((X, Y), count=2),), {}, ()),
        "wrong_features": ((Arr((8, 4)), Y), {}, ("input", "shape")),
        "batch_size=0": ((X, Y), {"batch_size": 0}, ("batch_size",)),
        "batch_size=-1": ((X, Y), {"batch_size": -1}, ("batch_size",)),
        "batch_size=2.5": ((X, Y), {"batch_size": 2.5}, ("batch_size",)),
        "steps=0": ((X, Y), {"steps": 0}, ("steps",)),
        "return_dict": ((X, Y), {"return_dict": True}, ()),
        "callbacks=single_object": ((X, Y), {"callbacks": Obj("callbacks.History")}, ("callbacks",)),
        "x_none": ((None, Y), {}, ("x",)),
    }
    for label, (args, kwargs, names) in eval_args.items():
        _model(label, "evaluate", args, dict({"verbose": 0}, **kwargs), names=names + tuple(kwargs))

    predict_args = {
        "valid": ((X,), {}, ()),
        "pylist": ((PyList(X),), {}, ("x",)),
        "dict_x": (({"inp": X},), {}, ("inp",)),
        "dict_wrong_key": (({"nope": X},), {}, ("nope", "inp")),
        "tuple_x": (((X,),), {}, ("x",)),
        "none": ((None,), {}, ("x",)),
        "empty": ((Arr((0, 3)),), {}, ("x", "empty")),
        "gen_steps": ((Gen((X,), repeat=True),), {"steps": 2}, ("steps",)),
        "gen_finite": ((Gen((X,), count=2),), {}, ()),
        "int_x": ((Arr((8, 3), "int32"),), {}, ()),
        "float64_x": ((Arr((8, 3), "float64"),), {}, ()),
        "wrong_features": ((Arr((8, 4)),), {}, ("input", "shape")),
        "rank1": ((Arr((3,)),), {}, ("input", "shape")),
        "rank3": ((Arr((8, 3, 1)),), {}, ("input", "shape")),
        "str": (("abc",), {}, ("x",)),
        "steps=0": ((X,), {"steps": 0}, ("steps",)),
        "callbacks=single_object": ((X,), {"callbacks": Obj("callbacks.History")}, ("callbacks",)),
    }
    for label, value in {"0": 0, "-1": -1, "2.5": 2.5, "str": "a", "100": 100}.items():
        predict_args[f"batch_size={label}"] = ((X,), {"batch_size": value}, ("batch_size",))
    for label, (args, kwargs, names) in predict_args.items():
        _model(label, "predict", args, dict({"verbose": 0}, **kwargs), names=names + tuple(kwargs))

    compile_args = {
        "optimizer=adam": {"optimizer": "adam"},
        "optimizer=Adam": {"optimizer": "Adam"},
        "optimizer=nope": {"optimizer": "nope"},
        "optimizer=None": {"optimizer": None},
        "optimizer=3": {"optimizer": 3},
        "optimizer=object": {"optimizer": Obj("optimizers.SGD")},
        "optimizer=class": {"optimizer": "optimizers.SGD"},
        "loss=mean_squared_error": {"loss": "mean_squared_error"},
        "loss=MeanSquaredError": {"loss": "MeanSquaredError"},
        "loss=nope": {"loss": "nope"},
        "loss=None": {"loss": None},
        "loss=3": {"loss": 3},
        "loss=list1": {"loss": ["mse"]},
        "loss=list2": {"loss": ["mse", "mae"]},
        "loss=dict": {"loss": {"out": "mse"}},
        "loss=dict_wrong_key": {"loss": {"nope": "mse"}},
        "loss=object": {"loss": Obj("losses.MeanAbsoluteError")},
        "loss=function": {"loss": Fn("squared_error")},
        "metrics=str": {"metrics": "mae"},
        "metrics=list": {"metrics": ["mae"]},
        "metrics=list2": {"metrics": ["mae", "mse"]},
        "metrics=nope": {"metrics": ["nope"]},
        "metrics=str_nope": {"metrics": "nope"},
        "metrics=dict": {"metrics": {"out": "mae"}},
        "metrics=dict_wrong_key": {"metrics": {"nope": "mae"}},
        "metrics=nested": {"metrics": [["mae"]]},
        "metrics=object": {"metrics": [Obj("metrics.MeanAbsoluteError")]},
        "metrics=single_object": {"metrics": Obj("metrics.MeanAbsoluteError")},
        "metrics=3": {"metrics": 3},
        "metrics=[None]": {"metrics": [None]},
        "metrics=accuracy": {"metrics": ["accuracy"]},
        "loss_weights=list": {"loss_weights": [2.0]},
        "loss_weights=str": {"loss_weights": "a"},
    }
    for label, kw in compile_args.items():
        _model(f"compile:{label}", "fit", (X, Y), dict(FIT), dict({"optimizer": "sgd", "loss": "mse"}, **kw),
               names=("compile",) + tuple(kw) + tuple(v for v in kw.values() if isinstance(v, str)))
    cls_compile = {
        "sparse+acc": {"loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]},
        "sparse+acc_str": {"loss": "sparse_categorical_crossentropy", "metrics": "acc"},
        "sparse+sparse_categorical_accuracy": {"loss": "sparse_categorical_crossentropy",
                                               "metrics": ["sparse_categorical_accuracy"]},
        "categorical_with_labels": {"loss": "categorical_crossentropy"},
        "binary_with_labels": {"loss": "binary_crossentropy"},
    }
    for label, kw in cls_compile.items():
        _model(f"compile:cls:{label}", "fit", (X, YC), dict(FIT), dict({"optimizer": "sgd", "_model": "cls"}, **kw),
               names=("compile", "shape") + tuple(kw))


# -- functions ---------------------------------------------------------------------------------
def _call_cases_functions():
    calls = {
        "to_categorical(valid)": ("utils.to_categorical", ([0, 1, 2],), {"num_classes": 3}),
        "to_categorical(label>=num_classes)": ("utils.to_categorical", ([0, 1, 3],), {"num_classes": 3}),
        "to_categorical(num_classes_too_small)": ("utils.to_categorical", ([0, 1, 2],), {"num_classes": 2}),
        "to_categorical(negative)": ("utils.to_categorical", ([0, -1, 2],), {"num_classes": 3}),
        "to_categorical(num_classes=None)": ("utils.to_categorical", ([0, 1, 2],), {}),
        "to_categorical(num_classes=0)": ("utils.to_categorical", ([0, 1, 2],), {"num_classes": 0}),
        "to_categorical(num_classes=-1)": ("utils.to_categorical", ([0, 1, 2],), {"num_classes": -1}),
        "to_categorical(num_classes=2.5)": ("utils.to_categorical", ([0, 1, 2],), {"num_classes": 2.5}),
        "to_categorical(float_labels)": ("utils.to_categorical", ([0.0, 1.0, 2.0],), {"num_classes": 3}),
        "to_categorical(fractional_labels)": ("utils.to_categorical", ([0.5, 1.0],), {"num_classes": 3}),
        "to_categorical(column)": ("utils.to_categorical", ([[0], [2]],), {"num_classes": 3}),
        "to_categorical(matrix)": ("utils.to_categorical", ([[0, 1], [2, 0]],), {"num_classes": 3}),
        "to_categorical(empty)": ("utils.to_categorical", ([],), {"num_classes": 3}),
        "to_categorical(scalar)": ("utils.to_categorical", (1,), {"num_classes": 3}),
        "to_categorical(str)": ("utils.to_categorical", (["a"],), {"num_classes": 3}),
        "to_categorical(None)": ("utils.to_categorical", (None,), {"num_classes": 3}),
    }
    for getter in ("activations", "initializers", "regularizers", "losses", "metrics", "optimizers"):
        for label, value in {"nope": "nope", "3": 3, "None": None, "empty": ""}.items():
            calls[f"{getter}.get({label})"] = (f"{getter}.get", (value,), {})
    calls["activations.get(relu)"] = ("activations.get", ("relu",), {})
    calls["losses.get(mse)"] = ("losses.get", ("mse",), {})
    calls["metrics.get(mae)"] = ("metrics.get", ("mae",), {})
    for label, shape in {"negative": (-1,), "zero": (0,), "float": (2.5,), "str": ("a",), "int": 3,
                         "None": None, "nested": ((3,),)}.items():
        calls[f"Input(shape={label})"] = ("Input", (), {"shape": shape})
    calls["Input(batch_size=-1)"] = ("Input", (), {"shape": (3,), "batch_size": -1})
    calls["Input(batch_size=0)"] = ("Input", (), {"shape": (3,), "batch_size": 0})
    calls["Input(dtype=nope)"] = ("Input", (), {"shape": (3,), "dtype": "nope"})
    calls["Sequential(layers=Dense)"] = ("Sequential", (Obj("layers.Dense", (("units", 2),)),), {})
    calls["Sequential(layers=str)"] = ("Sequential", ("a",), {})
    calls["Sequential(layers=[None])"] = ("Sequential", ([None],), {})
    calls["Sequential(layers=[3])"] = ("Sequential", ([3],), {})
    for label, (path, args, kwargs) in calls.items():
        fn = path.split(".")[-1]
        arg_names = tuple(kwargs) + (("num_classes", "label", "class") if fn == "to_categorical" else
                                     ("identifier", "Could not interpret", "Unknown") if fn == "get" else ())
        _add(Case(f"call:{label}", "call", path, dict(kwargs), tuple(args), value=True,
                  names=(fn, path) + arg_names))


_layer_cases()
_call_cases()
_loss_metric_cases()
_model_cases()
_call_cases_functions()


# -- interpreter -------------------------------------------------------------------------------
def make_model(keras, kind):
    inp = keras.Input((3,), name="inp")
    out = keras.layers.Dense(3 if kind == "cls" else 2, activation="softmax" if kind == "cls" else None,
                             name="out")(inp)
    return keras.Model(inp, out, name="m")


def build(keras, case):
    """A thunk running ``case`` on ``keras`` (its inputs built outside the thunk, from the specs)."""
    args = materialize(keras, case.args)
    kwargs = materialize(keras, case.kwargs)
    if case.kind == "layer":
        return lambda: resolve(keras, "layers." + case.target)(**kwargs)(*args)
    if case.kind == "loss":
        return lambda: resolve(keras, "losses." + case.target)(**kwargs)(*args)
    if case.kind == "metric":
        def run_metric():
            metric = resolve(keras, "metrics." + case.target)(**kwargs)
            metric.update_state(*args)
            return metric.result()
        return run_metric
    if case.kind == "call":
        return lambda: resolve(keras, case.target)(*args, **kwargs)
    if case.kind == "model":
        compile_kwargs = materialize(keras, case.extra["compile"])
        model_kind = compile_kwargs.pop("_model", "reg")
        compile_kwargs.setdefault("optimizer", "sgd")
        compile_kwargs.setdefault("loss", "mse")
        if compile_kwargs.get("optimizer") == "optimizers.SGD":
            compile_kwargs["optimizer"] = keras.optimizers.SGD   # the class, not an instance

        def run_model():
            model = make_model(keras, model_kind)
            model.compile(**compile_kwargs)
            return getattr(model, case.extra["method"])(*args, **kwargs)
        return run_model
    raise ValueError(case.kind)


def _dtype_name(dtype):
    name = getattr(dtype, "name", dtype)
    return str(name)


def describe(out, case):
    """What is recorded of a result: JSON data."""
    if type(out).__name__ == "History":
        return {"type": "History", "keys": sorted(out.history), "epochs": len(out.epoch)}
    if out is None:
        return {"type": "None"}
    if isinstance(out, dict):
        return {"type": "dict", "items": {str(k): describe(v, case) for k, v in sorted(out.items())}}
    if isinstance(out, (list, tuple)):
        return {"type": "list", "items": [describe(v, case) for v in out]}
    if isinstance(out, np.generic):
        out = np.asarray(out)   # a NumPy scalar is a 0-d array (Keras returns a 0-d tensor)
    if isinstance(out, (bool, int, float)):
        return {"type": "scalar"}
    if hasattr(out, "shape") and hasattr(out, "dtype"):
        shape = [None if d is None else int(d) for d in out.shape]
        rec = {"type": "tensor", "shape": shape, "dtype": _dtype_name(out.dtype)}
        if case.value and None not in shape and int(np.prod(shape, dtype=np.int64)) <= 64:
            try:
                array = np.asarray(out, dtype=np.float64)
            except (TypeError, ValueError):
                return rec
            rec["value"] = [None if not math.isfinite(v) else round(float(v), 6) for v in array.reshape(-1)]
        return rec
    return {"type": type(out).__name__}


def outcome(keras, case):
    """Run ``case`` and return its record: {"ok": description} or {"error": class, "mro": [...], "message"}."""
    try:
        out = build(keras, case)()
    except Exception as e:  # noqa: BLE001 - the class is the record
        text = str(e).strip()
        return {"error": type(e).__name__, "builtin": type(e).__module__ == "builtins",
                "mro": [c.__name__ for c in type(e).__mro__ if c.__module__ == "builtins" and c is not object],
                "message": text.splitlines()[0][:160] if text else ""}
    return {"ok": describe(out, case)}
