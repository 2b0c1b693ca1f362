"""Metrics (``keras.metrics``): stateful running results, as Keras 3.

A metric accumulates with ``update_state(...)``, reports ``result()`` and restarts with
``reset_state()``. Its state is two float32 numbers (``total``, ``count``), accumulated in
float32 as Keras' metric variables are. Metrics are evaluated in NumPy: they take no part in
gradients.

>>> from tapegrad import keras
>>> m = keras.metrics.SparseCategoricalAccuracy()
>>> m.update_state([1, 0], [[0.1, 0.9], [0.2, 0.8]])
>>> float(m.result())
0.5
"""
import numpy as np

from tapegrad.core import errors as tg_errors

from . import backend
from .losses import SAME_SHAPE, SPARSE, describe, input_error, reject_none
from .serialization import deserialize_keras_object, get_by_identifier, serialize_keras_object

_F32 = np.float32


def _array(x):
    if hasattr(x, "_value"):
        return np.asarray(x._value)
    if hasattr(x, "__tapegrad_tensor__"):
        return np.asarray(x.__tapegrad_tensor__()._value)
    return np.asarray(x)


def _numbers(who, arg, x):
    """``x`` as a float32 array, or a ValueError naming the metric ``who`` and the argument (None,
    strings and other non-numbers would otherwise become NaN or fail in NumPy's words)."""
    reject_none(who, arg, x)
    arr = _array(x)
    if arr.dtype.kind not in "biuf":
        if arr.dtype.kind == "O" and any(v is None for v in arr.flat):
            raise ValueError(f"{describe(who)}: '{arg}' holds None; expected numbers (Keras: None values not supported)")
        try:
            return arr.astype(_F32)
        except (ValueError, TypeError) as e:
            raise ValueError(f"{describe(who)}: '{arg}' must hold numbers, got dtype {arr.dtype} ({e})") from None
    return arr.astype(_F32, copy=False)


def _same_rank(y_true, y_pred):
    """Keras' squeeze_or_expand_to_same_rank on arrays."""
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = y_true[..., 0] if y_pred.ndim != 1 else y_true
        if y_pred.ndim == 1:
            y_pred = y_pred[..., None]
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        if y_true.ndim == 1:
            y_true = y_true[..., None]
        else:
            y_pred = y_pred[..., 0]
    return y_true, y_pred


def _weight_error(metric, values, sample_weight):
    return tg_errors.InvalidArgumentError(
        f"{describe(metric)}: sample_weight of shape {tuple(np.shape(sample_weight))} does not fit the values of "
        f"shape {tuple(values.shape)}; expected one weight per sample (shape ({values.shape[0] if values.ndim else ''},)) "
        f"or the values' shape")


class Metric:
    """Base class: ``update_state``, ``result``, ``reset_state``."""

    def __init__(self, name=None, dtype=None):
        self.name = name or backend.auto_name(type(self).__name__)
        self._dtype = backend.standardize_dtype(dtype)
        self.reset_state()

    @property
    def dtype(self):
        return self._dtype

    def reset_state(self):
        pass

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    @property
    def variables(self):
        return []

    def get_config(self):
        return {"name": self.name, "dtype": self._dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class Mean(Metric):
    """The (weighted) mean of the values seen: ``total / count``."""

    def reset_state(self):
        self.total = _F32(0.0)
        self.count = _F32(0.0)

    def update_state(self, values, sample_weight=None):
        values = _numbers(self, "values", values)
        if sample_weight is not None:
            weight = _numbers(self, "sample_weight", sample_weight)
            try:
                values, weight = _same_rank(values, weight) if weight.ndim else (values, weight)
                if values.ndim > weight.ndim:
                    values = values.mean(axis=tuple(range(weight.ndim, values.ndim)), dtype=_F32)
                weight = np.broadcast_to(weight, values.shape)
            except ValueError:
                raise _weight_error(self, values, sample_weight) from None
            values = values * weight
            if weight.ndim > 1:
                weight = weight.mean(axis=tuple(range(1, weight.ndim)), dtype=_F32)
            count = weight.sum(dtype=_F32)
        else:
            if values.ndim > 1:
                values = values.mean(axis=tuple(range(1, values.ndim)), dtype=_F32)
            count = _F32(values.shape[0] if values.ndim >= 1 else 1)
        self.total = _F32(self.total + values.sum(dtype=_F32))
        self.count = _F32(self.count + count)

    def result(self):
        return _F32(self.total / self.count) if self.count != 0 else _F32(0.0)

    @property
    def variables(self):
        return [self.total, self.count]


class Sum(Metric):
    """The (weighted) sum of the values seen."""

    def reset_state(self):
        self.total = _F32(0.0)

    def update_state(self, values, sample_weight=None):
        values = _numbers(self, "values", values)
        if sample_weight is not None:
            weight = _numbers(self, "sample_weight", sample_weight)
            try:
                values = values * weight
            except ValueError:
                raise _weight_error(self, values, sample_weight) from None
        self.total = _F32(self.total + values.sum(dtype=_F32))

    def result(self):
        return self.total


class MeanMetricWrapper(Mean):
    """The running mean of ``fn(y_true, y_pred)`` (per-sample values)."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        self._fn = fn
        self._fn_kwargs = kwargs
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _numbers(self, "y_true", y_true), _numbers(self, "y_pred", y_pred)
        try:
            values = self._fn(y_true, y_pred, **self._fn_kwargs)
        except (ValueError, IndexError) as e:  # costs nothing unless raised: names the metric and both shapes
            raise input_error(describe(self), y_true.shape, y_pred.shape, e, _EXPECTS.get(self._fn, SAME_SHAPE)) from None
        super().update_state(_array(values), sample_weight)

    def get_config(self):
        config = super().get_config()
        config.update(self._fn_kwargs)
        return config


# -- per-sample functions (NumPy) -------------------------------------------------------------------

def accuracy(y_true, y_pred):
    y_true, y_pred = _same_rank(_array(y_true), _array(y_pred))
    return np.equal(y_true, y_pred).astype(_F32)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    y_true, y_pred = _same_rank(_array(y_true), _array(y_pred))
    y_pred = (y_pred > threshold).astype(y_true.dtype)
    return np.equal(y_true, y_pred).astype(_F32)


def categorical_accuracy(y_true, y_pred):
    y_true = np.argmax(_array(y_true), axis=-1)
    y_pred = np.argmax(_array(y_pred), axis=-1)
    return np.equal(y_true, y_pred).astype(_F32)


def sparse_categorical_accuracy(y_true, y_pred):
    y_true, y_pred = _array(y_true), _array(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    matches = np.equal(y_true, np.argmax(y_pred, axis=-1).astype(y_true.dtype)).astype(_F32)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = matches[..., 0]
    return matches


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    return sparse_top_k_categorical_accuracy(np.argmax(_array(y_true), axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    y_true, y_pred = _array(y_true), _array(y_pred)
    if y_true.ndim == y_pred.ndim:
        y_true = y_true[..., 0]
    top = np.argsort(-y_pred, axis=-1, kind="stable")[..., :k]
    return (top == y_true.astype(np.int64)[..., None]).any(axis=-1).astype(_F32)


def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _same_rank(_array(y_true), _array(y_pred))
    return np.mean(np.square(y_true - y_pred), axis=-1, dtype=_F32)


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _same_rank(_array(y_true), _array(y_pred))
    return np.mean(np.abs(y_true - y_pred), axis=-1, dtype=_F32)


def _metric_class(class_name, fn, default_name, params=None, direction=None):
    params = dict(params or {})

    def __init__(self, name=default_name, dtype=None, **kwargs):
        values = dict(params)
        values.update(kwargs)
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **values)

    return type(class_name, (MeanMetricWrapper,), {"__init__": __init__, "__module__": __name__, "_direction": direction,
                                                   "__doc__": f"Running mean of ``{fn.__name__}``."})


Accuracy = _metric_class("Accuracy", accuracy, "accuracy", direction="up")
BinaryAccuracy = _metric_class("BinaryAccuracy", binary_accuracy, "binary_accuracy", {"threshold": 0.5}, direction="up")
CategoricalAccuracy = _metric_class("CategoricalAccuracy", categorical_accuracy, "categorical_accuracy", direction="up")
SparseCategoricalAccuracy = _metric_class("SparseCategoricalAccuracy", sparse_categorical_accuracy,
                                          "sparse_categorical_accuracy", direction="up")
TopKCategoricalAccuracy = _metric_class("TopKCategoricalAccuracy", top_k_categorical_accuracy,
                                        "top_k_categorical_accuracy", {"k": 5}, direction="up")
SparseTopKCategoricalAccuracy = _metric_class("SparseTopKCategoricalAccuracy", sparse_top_k_categorical_accuracy,
                                              "sparse_top_k_categorical_accuracy", {"k": 5}, direction="up")
MeanSquaredError = _metric_class("MeanSquaredError", mean_squared_error, "mean_squared_error", direction="down")
MeanAbsoluteError = _metric_class("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error", direction="down")

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error

_EXPECTS = {sparse_categorical_accuracy: SPARSE, sparse_top_k_categorical_accuracy: SPARSE}

ALL_OBJECTS_DICT = {obj.__name__: obj for obj in (
    Metric, Mean, Sum, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, MeanSquaredError, MeanAbsoluteError, accuracy,
    binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, top_k_categorical_accuracy,
    sparse_top_k_categorical_accuracy, mean_squared_error, mean_absolute_error)}
ALL_OBJECTS_DICT.update({"mse": mean_squared_error, "MSE": mean_squared_error, "mae": mean_absolute_error,
                         "MAE": mean_absolute_error})


def serialize(metric):
    return serialize_keras_object(metric)


def deserialize(config, custom_objects=None):
    return deserialize_keras_object(config, ALL_OBJECTS_DICT, custom_objects, "metric function")


def get(identifier):
    """A metric (object or function) from a name, a config dict or a callable."""
    return get_by_identifier(identifier, ALL_OBJECTS_DICT, "metric")
