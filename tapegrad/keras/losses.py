"""Losses (``keras.losses``): Keras 3's formulas, reductions and probability handling.

A loss object (``CategoricalCrossentropy()``) converts both arguments to float32, computes the
per-sample losses with its function (``categorical_crossentropy``), then reduces them:
``"sum_over_batch_size"`` (the default: sum / number of loss values), ``"sum"``, ``"mean"``,
``"mean_with_sample_weight"`` or ``None``/``"none"``.

Crossentropies on probabilities follow Keras 3 (TensorFlow backend) exactly:

- ``categorical_crossentropy`` renormalises ``y_pred`` to sum to 1 along ``axis``, clips it to
  ``[eps, 1 - eps]`` (``eps = keras.backend.epsilon() = 1e-7``), then ``-sum(y_true * log)``;
- ``sparse_categorical_crossentropy`` clips, takes the log and applies the sparse softmax
  crossentropy to it (no renormalisation);
- ``binary_crossentropy`` clips, then ``-(y log p + (1 - y) log(1 - p))``, averaged over ``axis``.

When ``y_pred`` is the output of a ``softmax``/``sigmoid`` activation, the logits it remembers
are used instead (whatever ``from_logits`` says), as Keras 3 does.

>>> import tapegrad as tf
>>> y_true = [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
>>> y_pred = [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]]
>>> [round(float(v), 4) for v in tf.keras.losses.categorical_crossentropy(y_true, y_pred)]
[0.0513, 2.3026]
"""
import math
import warnings

import numpy as np

import tapegrad as tg

from . import _ops, backend
from .serialization import deserialize_keras_object, get_by_identifier, serialize_keras_object

_REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


def standardize_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"Invalid value for argument `reduction`. Expected one of {set(_REDUCTIONS)}. "
                         f"Received: reduction={reduction!r}")
    return reduction


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Make ranks equal when they differ by a trailing axis of size 1 (Keras' rule)."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = tg.expand_dims(x2, -1)
        else:
            x1 = tg.squeeze(x1, -1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = tg.expand_dims(x1, -1)
        else:
            x2 = tg.squeeze(x2, -1)
    return x1, x2


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    if reduction in (None, "none") or tuple(values.shape) in ((), (0,)):
        return values
    loss = tg.reduce_sum(values)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            divisor = float(tg.reduce_sum(sample_weight))
        else:
            divisor = float(values.shape.num_elements())
        loss = loss / divisor if divisor != 0 else loss * 0.0  # divide_no_nan
    return loss


def reduce_weighted_values(values, sample_weight=None, reduction="sum_over_batch_size", dtype=None):
    reduction = standardize_reduction(reduction)
    values = _ops.convert(values, dtype)
    if sample_weight is not None:
        sample_weight = _ops.cast(_ops.convert(sample_weight), values.dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)


def describe(obj):
    """How errors name a loss or metric object (``MeanSquaredError 'mean_squared_error'``) or a
    function (given by its name, a str)."""
    return obj if isinstance(obj, str) else f"{type(obj).__name__} '{getattr(obj, 'name', '?')}'"


def reject_none(who, arg, value):
    """Keras refuses None as a loss/metric input (it would otherwise become NaN, silently). ``who``
    is described only when raising: this runs on every training step."""
    if value is None:
        raise ValueError(f"{describe(who)}: '{arg}' is None; expected an array or tensor of numbers (Keras: None "
                         f"values not supported)")


def input_error(who, y_true_shape, y_pred_shape, error, expected):
    """The error for inputs ``who`` cannot combine: its name, both shapes, what it expects, and the
    underlying reason. The class stays the one raised (InvalidArgumentError where TF raises it)."""
    y_true_shape, y_pred_shape = tuple(y_true_shape), tuple(y_pred_shape)
    try:
        np.broadcast_shapes(y_true_shape, y_pred_shape)
        problem = f"cannot be computed for y_true of shape {y_true_shape} and y_pred of shape {y_pred_shape}"
    except ValueError:
        problem = f"y_true of shape {y_true_shape} and y_pred of shape {y_pred_shape} do not match"
    cls = type(error) if isinstance(error, tg.errors.InvalidArgumentError) else (
        tg.errors.InvalidArgumentError if "broadcast" in str(error) else ValueError)
    return cls(f"{who}: {problem}; expected {expected} ({error})")


# What each loss/metric expects of its inputs, for its error messages.
SAME_SHAPE = "y_true and y_pred of the same shape, e.g. both (batch, units) (or shapes that broadcast together)"
SPARSE = "y_true of integer class ids shaped (batch,) or (batch, 1) and y_pred of scores shaped (batch, classes)"


class Loss:
    """Base class: ``call(y_true, y_pred)`` gives per-sample losses; ``__call__`` reduces them."""

    _expects = SAME_SHAPE

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or backend.auto_name(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = backend.standardize_dtype(dtype)

    @property
    def dtype(self):
        return self._dtype

    def _input(self, arg, value):
        reject_none(self, arg, value)
        try:
            return _ops.convert(value, self._dtype)
        except (ValueError, TypeError) as e:
            raise ValueError(f"{describe(self)}: '{arg}' must hold numbers, got {type(value).__name__} "
                             f"{_short(value)} ({e})") from None

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = self._input("y_pred", y_pred)
        y_true = self._input("y_true", y_true)
        try:
            losses = self.call(y_true, y_pred)
        except ValueError as e:  # costs nothing unless raised: names the loss and both shapes
            raise input_error(describe(self), y_true.shape, y_pred.shape, e, self._expects) from None
        try:
            return reduce_weighted_values(losses, sample_weight, self.reduction, self._dtype)
        except ValueError as e:
            if sample_weight is None:
                raise
            raise type(e)(f"{describe(self)}: sample_weight of shape {tuple(np.shape(sample_weight))} does not fit "
                          f"the per-sample losses of shape {tuple(losses.shape)} (y_pred {tuple(y_pred.shape)}); "
                          f"expected one weight per sample, e.g. shape ({losses.shape[0] if losses.ndim else ''},) "
                          f"({e})") from None

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A Loss from a function ``fn(y_true, y_pred, **kwargs)`` of per-sample losses."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        config.update(self._fn_kwargs)
        return config

    def __repr__(self):
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


# -- per-sample loss functions ----------------------------------------------------------------------

def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _pred_true(y_true, y_pred, fn_name):
    reject_none(fn_name, "y_true", y_true)
    reject_none(fn_name, "y_pred", y_pred)
    y_pred = _ops.convert(y_pred)
    y_true = _ops.cast(_ops.convert(y_true), y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def mean_squared_error(y_true, y_pred):
    """``mean(square(y_true - y_pred), axis=-1)``."""
    y_true, y_pred = _pred_true(y_true, y_pred, "mean_squared_error")
    return tg.reduce_mean(tg.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """``mean(abs(y_true - y_pred), axis=-1)``."""
    y_true, y_pred = _pred_true(y_true, y_pred, "mean_absolute_error")
    return tg.reduce_mean(tg.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    y_true, y_pred = _pred_true(y_true, y_pred, "mean_absolute_percentage_error")
    diff = tg.abs((y_true - y_pred) / tg.maximum(tg.abs(y_true), backend.epsilon()))
    return 100.0 * tg.reduce_mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    y_true, y_pred = _pred_true(y_true, y_pred, "mean_squared_logarithmic_error")
    first = tg.math.log(tg.maximum(y_pred, backend.epsilon()) + 1.0)
    second = tg.math.log(tg.maximum(y_true, backend.epsilon()) + 1.0)
    return tg.reduce_mean(tg.square(first - second), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """Per element ``0.5 x^2`` if ``|x| <= delta`` else ``delta |x| - 0.5 delta^2``; mean over the last axis."""
    y_true, y_pred = _pred_true(y_true, y_pred, "huber")
    delta = float(delta)
    error = y_pred - y_true
    abs_error = tg.abs(error)
    return tg.reduce_mean(tg.where(abs_error <= delta, 0.5 * tg.square(error),
                                   delta * abs_error - 0.5 * delta * delta), axis=-1)


def log_cosh(y_true, y_pred):
    y_true, y_pred = _pred_true(y_true, y_pred, "log_cosh")
    x = y_pred - y_true
    return tg.reduce_mean(x + tg.nn.softplus(-2.0 * x) - math.log(2.0), axis=-1)


def _l2_normalize(x, axis):
    return x * tg.math.rsqrt(tg.maximum(tg.reduce_sum(tg.square(x), axis=axis, keepdims=True), 1e-12))


def cosine_similarity(y_true, y_pred, axis=-1):
    y_true, y_pred = _pred_true(y_true, y_pred, "cosine_similarity")
    return -tg.reduce_sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


def _hinge_labels(y_true):
    v = y_true._value
    if ((v == 0) | (v == 1)).all():
        return 2.0 * y_true - 1.0
    return y_true


def hinge(y_true, y_pred):
    y_true, y_pred = _pred_true(y_true, y_pred, "hinge")
    return tg.reduce_mean(tg.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    y_true, y_pred = _pred_true(y_true, y_pred, "squared_hinge")
    return tg.reduce_mean(tg.square(tg.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0)), axis=-1)


def kl_divergence(y_true, y_pred):
    y_true, y_pred = _pred_true(y_true, y_pred, "kl_divergence")
    eps = backend.epsilon()
    y_true = tg.clip_by_value(y_true, eps, 1.0)
    y_pred = tg.clip_by_value(y_pred, eps, 1.0)
    return tg.reduce_sum(y_true * tg.math.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    y_true, y_pred = _pred_true(y_true, y_pred, "poisson")
    return tg.reduce_mean(y_pred - y_true * tg.math.log(y_pred + backend.epsilon()), axis=-1)


def _logits_of(output, from_logits, fn_name, activation):
    """Keras 3's ``_get_logits``: an activation output that remembers its logits gives them."""
    logits = getattr(output, "_keras_logits", None)
    if logits is None:
        return output, from_logits
    if from_logits:
        warnings.warn(f'"`{fn_name}` received `from_logits=True`, but the `output` argument was produced by a '
                      f'{activation} activation and thus does not represent logits. Was this intended?',
                      stacklevel=3)
    return logits, True


def _check_same_shape(target, output):
    if target.ndim != output.ndim:
        raise ValueError(f"Arguments `target` and `output` must have the same rank (ndim). Received: "
                         f"target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}")
    for a, b in zip(target.shape, output.shape):
        if a is not None and b is not None and a != b:
            raise ValueError(f"Arguments `target` and `output` must have the same shape. Received: "
                             f"target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}")


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Crossentropy against one-hot (or soft) targets; one value per sample."""
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")
    reject_none("categorical_crossentropy", "y_true", y_true)
    reject_none("categorical_crossentropy", "y_pred", y_pred)
    y_pred = _ops.convert(y_pred)
    y_true = _ops.cast(_ops.convert(y_true), y_pred.dtype)
    if y_true.ndim < 1 or y_pred.ndim < 1:
        raise ValueError(f"Arguments `target` and `output` must be at least rank 1. Received: "
                         f"target.shape={tuple(y_true.shape)}, output.shape={tuple(y_pred.shape)}")
    if y_pred.shape[-1] == 1:
        warnings.warn(f"In loss categorical_crossentropy, expected y_pred.shape to be (batch_size, num_classes) "
                      f"with num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. Consider using "
                      f"'binary_crossentropy' if you only have 2 classes.", SyntaxWarning, stacklevel=2)
    if label_smoothing:
        num_classes = float(y_true.shape[-1])
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    _check_same_shape(y_true, y_pred)
    output, from_logits = _logits_of(y_pred, from_logits, "categorical_crossentropy", "Softmax")
    if from_logits:
        return tg.nn.softmax_cross_entropy_with_logits(labels=y_true, logits=output, axis=axis)
    output = output / tg.reduce_sum(output, axis=axis, keepdims=True)
    eps = backend.epsilon()
    output = tg.clip_by_value(output, eps, 1.0 - eps)
    return -tg.reduce_sum(y_true * tg.math.log(output), axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Crossentropy against integer class ids; one value per sample."""
    reject_none("sparse_categorical_crossentropy", "y_true", y_true)
    reject_none("sparse_categorical_crossentropy", "y_pred", y_pred)
    y_pred = _ops.convert(y_pred)
    y_true = _ops.convert(y_true)
    if y_pred.ndim < 1:
        raise ValueError(f"Argument `output` must be at least rank 1. Received: output.shape={tuple(y_pred.shape)}")
    if y_true.ndim == y_pred.ndim and y_true.shape[axis] == 1:
        y_true = tg.squeeze(y_true, axis)
    if axis not in (-1, y_pred.ndim - 1):
        raise ValueError(f"Only axis=-1 is currently supported. Received: axis={axis}")
    valid = None
    if ignore_class is not None:
        valid = tg.not_equal(y_true, _ops.cast(ignore_class, y_true.dtype))
        y_true = tg.where(valid, y_true, tg.zeros_like(y_true))
        y_pred = tg.where(tg.expand_dims(valid, -1), y_pred, tg.zeros_like(y_pred))
    output, from_logits = _logits_of(y_pred, from_logits, "sparse_categorical_crossentropy", "Softmax")
    target = tg.cast(y_true, "int64")
    if target.ndim != y_pred.ndim - 1:
        raise ValueError(f"Argument `output` must have rank (ndim) `target.ndim - 1`. Received: "
                         f"target.shape={tuple(target.shape)}, output.shape={tuple(y_pred.shape)}")
    for a, b in zip(target.shape, y_pred.shape[:-1]):
        if a != b:
            raise ValueError(f"Arguments `target` and `output` must have the same shape up until the last "
                             f"dimension: target.shape={tuple(target.shape)}, output.shape={tuple(y_pred.shape)}")
    if not from_logits:
        eps = backend.epsilon()
        output = tg.math.log(tg.clip_by_value(output, eps, 1.0 - eps))
    result = tg.nn.sparse_softmax_cross_entropy_with_logits(labels=target, logits=output)
    if valid is not None:
        result = tg.where(valid, result, tg.zeros_like(result))
    return result


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy per element, averaged over ``axis``."""
    reject_none("binary_crossentropy", "y_true", y_true)
    reject_none("binary_crossentropy", "y_pred", y_pred)
    y_pred = _ops.convert(y_pred)
    y_true = _ops.cast(_ops.convert(y_true), y_pred.dtype)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    _check_same_shape(y_true, y_pred)
    output, from_logits = _logits_of(y_pred, from_logits, "binary_crossentropy", "Sigmoid")
    if from_logits:
        bce = tg.nn.sigmoid_cross_entropy_with_logits(labels=y_true, logits=output)
    else:
        eps = backend.epsilon()
        output = tg.clip_by_value(output, eps, 1.0 - eps)
        bce = -(y_true * tg.math.log(output) + (1.0 - y_true) * tg.math.log(1.0 - output))
    return tg.reduce_mean(bce, axis=axis)


# -- loss classes ---------------------------------------------------------------------------------

def _wrapper(class_name, fn, default_name, params, doc, expects=SAME_SHAPE):
    """A LossFunctionWrapper subclass with keyword ``params`` (name -> default) passed to ``fn``."""
    def __init__(self, *args, reduction="sum_over_batch_size", name=default_name, dtype=None, **kwargs):
        values = dict(params)
        for key, value in zip(params, args):
            values[key] = value
        unknown = set(kwargs) - set(params)
        if unknown:
            raise TypeError(f"{class_name}() got unexpected keyword arguments {sorted(unknown)}")
        values.update(kwargs)
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, dtype=dtype, **values)

    return type(class_name, (LossFunctionWrapper,), {
        "__init__": __init__, "__doc__": doc, "__module__": __name__, "_expects": expects,
        "from_config": classmethod(lambda cls, config: cls(**config))})


MeanSquaredError = _wrapper("MeanSquaredError", mean_squared_error, "mean_squared_error", {},
                            "Mean of squared errors (``mean_squared_error``), reduced over the batch.")
MeanAbsoluteError = _wrapper("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error", {},
                             "Mean of absolute errors (``mean_absolute_error``), reduced over the batch.")
MeanAbsolutePercentageError = _wrapper("MeanAbsolutePercentageError", mean_absolute_percentage_error,
                                       "mean_absolute_percentage_error", {}, "100 * mean(|err| / |y_true|).")
MeanSquaredLogarithmicError = _wrapper("MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
                                       "mean_squared_logarithmic_error", {}, "Mean squared log(1 + y) error.")
Huber = _wrapper("Huber", huber, "huber_loss", {"delta": 1.0}, "Huber loss (quadratic below ``delta``, then linear).")
LogCosh = _wrapper("LogCosh", log_cosh, "log_cosh", {}, "log(cosh(y_pred - y_true)), averaged.")
CosineSimilarity = _wrapper("CosineSimilarity", cosine_similarity, "cosine_similarity", {"axis": -1},
                            "Negative cosine similarity.")
Hinge = _wrapper("Hinge", hinge, "hinge", {}, "mean(max(1 - y_true * y_pred, 0)); 0/1 labels become -1/1.")
SquaredHinge = _wrapper("SquaredHinge", squared_hinge, "squared_hinge", {}, "Squared hinge loss.")
KLDivergence = _wrapper("KLDivergence", kl_divergence, "kl_divergence", {}, "Kullback-Leibler divergence.")
Poisson = _wrapper("Poisson", poisson, "poisson", {}, "mean(y_pred - y_true * log(y_pred + eps)).")
BinaryCrossentropy = _wrapper("BinaryCrossentropy", binary_crossentropy, "binary_crossentropy",
                              {"from_logits": False, "label_smoothing": 0.0, "axis": -1},
                              "Binary crossentropy (``from_logits`` for raw scores).")
CategoricalCrossentropy = _wrapper("CategoricalCrossentropy", categorical_crossentropy, "categorical_crossentropy",
                                   {"from_logits": False, "label_smoothing": 0.0, "axis": -1},
                                   "Crossentropy for one-hot targets (``from_logits`` for raw scores).")
SparseCategoricalCrossentropy = _wrapper("SparseCategoricalCrossentropy", sparse_categorical_crossentropy,
                                         "sparse_categorical_crossentropy", {"from_logits": False, "ignore_class": None},
                                         "Crossentropy for integer targets (``from_logits`` for raw scores).",
                                         SPARSE)

# Aliases, as Keras 3.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh

ALL_OBJECTS_DICT = {obj.__name__: obj for obj in (
    Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, Huber, LogCosh, CosineSimilarity, Hinge, SquaredHinge, KLDivergence, Poisson,
    BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, mean_squared_error,
    mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error, huber, log_cosh,
    cosine_similarity, hinge, squared_hinge, kl_divergence, poisson, binary_crossentropy,
    categorical_crossentropy, sparse_categorical_crossentropy)}
ALL_OBJECTS_DICT.update({"mse": mean_squared_error, "MSE": mean_squared_error, "mae": mean_absolute_error,
                         "MAE": mean_absolute_error, "mape": mean_absolute_percentage_error,
                         "msle": mean_squared_logarithmic_error, "kld": kl_divergence, "logcosh": log_cosh})


def serialize(loss):
    return serialize_keras_object(loss)


def deserialize(name, custom_objects=None):
    return deserialize_keras_object(name, ALL_OBJECTS_DICT, custom_objects, "loss function")


def get(identifier):
    """A loss from a name (``"mse"``, ``"categorical_crossentropy"``), a config dict or a callable."""
    return get_by_identifier(identifier, ALL_OBJECTS_DICT, "loss")
