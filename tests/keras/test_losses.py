"""Losses against NumPy references of Keras 3's formulas, and against numbers Keras 3.15 printed.

The references are written independently in float64 NumPy from keras/src/losses/losses.py and
keras/src/backend/tensorflow/nn.py: renormalisation and clipping of probabilities with
epsilon = 1e-7, label smoothing, the reductions.
"""
import warnings

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

F = np.float32
EPS = 1e-7
rng = np.random.default_rng(0)
YT = rng.random((4, 3)).astype(F)
YP = rng.random((4, 3)).astype(F)
LOGITS = (rng.standard_normal((4, 3)) * 3).astype(F)
ONEHOT = np.eye(3, dtype=F)[[0, 2, 1, 2]]
SPARSE = np.array([0, 2, 1, 2])
SW = np.array([1.0, 0.5, 0.0, 2.0], F)
BIN = (YT > 0.5).astype(F)


# -- references (float64) ---------------------------------------------------------------------------

def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def ref_cce(y, p, from_logits=False, label_smoothing=0.0):
    y = y.astype(np.float64)
    if label_smoothing:
        y = y * (1 - label_smoothing) + label_smoothing / y.shape[-1]
    if from_logits:
        return -(y * np.log(softmax(p.astype(np.float64)))).sum(-1)
    p = p / p.sum(-1, keepdims=True)
    return -(y * np.log(np.clip(p, EPS, 1 - EPS))).sum(-1)


def ref_scce(ids, p, from_logits=False):
    logp = np.log(softmax(p)) if from_logits else np.log(softmax(np.log(np.clip(p, EPS, 1 - EPS))))
    return -logp[np.arange(len(ids)), ids]


def ref_bce(y, p, from_logits=False, label_smoothing=0.0):
    if label_smoothing:
        y = y * (1 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        p = 1 / (1 + np.exp(-p))
    else:
        p = np.clip(p, EPS, 1 - EPS)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(-1)


def ref_huber(y, p, delta=1.0):
    e = p - y
    a = np.abs(e)
    return np.where(a <= delta, 0.5 * e * e, delta * a - 0.5 * delta * delta).mean(-1)


def reduce(values, reduction, sample_weight=None):
    if sample_weight is not None:
        values = values * sample_weight
    if reduction in ("none", None):
        return values
    if reduction == "sum":
        return values.sum()
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return values.sum() / sample_weight.sum()
    return values.sum() / values.size


L = keras.losses
CASES = [
    ("mse", L.MeanSquaredError, {}, YT, YP, lambda y, p: ((y - p) ** 2).mean(-1)),
    ("mae", L.MeanAbsoluteError, {}, YT, YP, lambda y, p: np.abs(y - p).mean(-1)),
    ("huber", L.Huber, {"delta": 0.3}, 2 * YT, YP, lambda y, p: ref_huber(y, p, 0.3)),
    ("cce_probs", L.CategoricalCrossentropy, {}, ONEHOT, YP, ref_cce),
    ("cce_logits", L.CategoricalCrossentropy, {"from_logits": True}, ONEHOT, LOGITS,
     lambda y, p: ref_cce(y, p, True)),
    ("cce_smooth", L.CategoricalCrossentropy, {"label_smoothing": 0.1}, ONEHOT, YP,
     lambda y, p: ref_cce(y, p, label_smoothing=0.1)),
    ("cce_raw_logits_as_probs", L.CategoricalCrossentropy, {}, ONEHOT, LOGITS, ref_cce),
    ("scce_probs", L.SparseCategoricalCrossentropy, {}, SPARSE, YP, ref_scce),
    ("scce_logits", L.SparseCategoricalCrossentropy, {"from_logits": True}, SPARSE, LOGITS,
     lambda y, p: ref_scce(y, p, True)),
    ("scce_column_labels", L.SparseCategoricalCrossentropy, {}, SPARSE[:, None], YP,
     lambda y, p: ref_scce(y[:, 0], p)),
    ("bce_probs", L.BinaryCrossentropy, {}, BIN, YP, ref_bce),
    ("bce_logits", L.BinaryCrossentropy, {"from_logits": True}, BIN, LOGITS, lambda y, p: ref_bce(y, p, True)),
    ("bce_smooth_logits", L.BinaryCrossentropy, {"from_logits": True, "label_smoothing": 0.2}, BIN, LOGITS,
     lambda y, p: ref_bce(y, p, True, 0.2)),
]


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none", "mean_with_sample_weight"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_loss_matches_reference(case, reduction, weighted):
    _, cls, kwargs, y, p, ref = case
    sw = SW if weighted else None
    got = cls(reduction=reduction, **kwargs)(y, p, sample_weight=sw)
    expected = reduce(ref(np.asarray(y, np.float64) if y.dtype.kind == "f" else y, p.astype(np.float64)),
                      reduction, sw)
    assert got.dtype == tf.float32
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-5, atol=1e-6)


def test_function_forms_give_per_sample_values():
    np.testing.assert_allclose(L.categorical_crossentropy(ONEHOT, YP).numpy(), ref_cce(ONEHOT, YP), rtol=1e-5)
    np.testing.assert_allclose(L.sparse_categorical_crossentropy(SPARSE, YP).numpy(), ref_scce(SPARSE, YP),
                               rtol=1e-5)
    np.testing.assert_allclose(L.binary_crossentropy(BIN, YP).numpy(), ref_bce(BIN, YP), rtol=1e-5)
    np.testing.assert_allclose(L.mean_squared_error(YT, YP).numpy(), ((YT - YP) ** 2).mean(-1), rtol=1e-6)
    np.testing.assert_allclose(L.huber(YT, YP).numpy(), ref_huber(YT, YP), rtol=1e-6)
    assert L.get("mse") is L.mean_squared_error
    assert isinstance(L.get("CategoricalCrossentropy"), L.CategoricalCrossentropy)


# Printed by Keras 3.15 / TF 2.21 for the inputs above.
KERAS_RECORDED = {
    "cce_fn_raw": [1.1920930376163597e-07, 16.11809539794922, 1.885228157043457, 1.1397382020950317],
    "cce_fn_zero": [16.11809539794922, 16.11809539794922, 1.1920930376163597e-07, 16.11809539794922],
    "cce_softmax_act": [0.0, 0.0, 1.7002010345458984, 5.568068504333496],
    "bce_sigmoid_act": [0.9594151377677917, 4.577709197998047, 13.783610343933105, 3.554266929626465],
    "scce_False": 0.7708448171615601,
    "scce_True": 0.5695245265960693,
    "bce_ls_True": 0.8767303228378296,
    "cce_ls_False": 0.7516607046127319,
    "huber_mean_with_sample_weight": 0.22309087216854095,
    "grad_cce_softmax": [[-0.02175791561603546, 0.02012641169130802, 0.001631497754715383],
                         [0.006989306304603815, 0.02811715006828308, -0.035106465220451355],
                         [0.010056296363472939, -0.13900035619735718, 0.1289440542459488],
                         [0.12826363742351532, 0.04820816218852997, -0.1764717996120453]],
    "kld": 1.2770109176635742, "poisson": 1.0585238933563232, "logcosh": 0.08971928805112839,
    "hinge": 0.8148679137229919, "cos": -0.789789080619812, "mape": 2219.792724609375, "msle": 0.09840337932109833,
}


def test_numbers_recorded_from_keras():
    r = KERAS_RECORDED
    close = np.testing.assert_allclose
    close(L.categorical_crossentropy(ONEHOT, LOGITS).numpy(), r["cce_fn_raw"], rtol=1e-5, atol=1e-7)
    close(L.categorical_crossentropy(ONEHOT, np.array([[0., 1., 0.]] * 4, F)).numpy(), r["cce_fn_zero"], rtol=1e-5)
    # a softmax / sigmoid output carries its logits: no saturation at 1e-7 although far from 0.5
    close(L.categorical_crossentropy(ONEHOT, keras.activations.softmax(tf.constant(LOGITS * 10))).numpy(),
          r["cce_softmax_act"], rtol=1e-5, atol=1e-6)
    close(L.binary_crossentropy(BIN, keras.activations.sigmoid(tf.constant(LOGITS * 10))).numpy(),
          r["bce_sigmoid_act"], rtol=1e-5)
    close(float(L.SparseCategoricalCrossentropy()(SPARSE, YP)), r["scce_False"], rtol=1e-6)
    close(float(L.SparseCategoricalCrossentropy(from_logits=True)(SPARSE, LOGITS)), r["scce_True"], rtol=1e-6)
    close(float(L.BinaryCrossentropy(from_logits=True, label_smoothing=0.2)(BIN, LOGITS)), r["bce_ls_True"], rtol=1e-6)
    close(float(L.CategoricalCrossentropy(label_smoothing=0.1)(ONEHOT, YP, sample_weight=SW)), r["cce_ls_False"],
          rtol=1e-6)
    close(float(L.Huber(delta=0.3, reduction="mean_with_sample_weight")(YT * 2, YP, sample_weight=SW)),
          r["huber_mean_with_sample_weight"], rtol=1e-6)
    x = tf.Variable(LOGITS)
    with tf.GradientTape() as tape:
        loss = L.CategoricalCrossentropy()(ONEHOT, keras.activations.softmax(x))
    close(tape.gradient(loss, x).numpy(), r["grad_cce_softmax"], rtol=1e-5, atol=1e-7)
    for name, cls, y in [("kld", L.KLDivergence, YT), ("poisson", L.Poisson, YT), ("logcosh", L.LogCosh, YT),
                         ("hinge", L.Hinge, BIN), ("cos", L.CosineSimilarity, YT),
                         ("mape", L.MeanAbsolutePercentageError, YT), ("msle", L.MeanSquaredLogarithmicError, YT)]:
        close(float(cls()(y, YP)), r[name], rtol=1e-5, err_msg=name)


def test_from_logits_true_on_a_softmax_output_warns_and_uses_the_logits():
    probs = keras.activations.softmax(tf.constant(LOGITS))
    with pytest.warns(UserWarning, match="from_logits=True"):
        got = L.categorical_crossentropy(ONEHOT, probs, from_logits=True)
    np.testing.assert_allclose(got.numpy(), ref_cce(ONEHOT, LOGITS, True), rtol=1e-5)


def test_plain_probabilities_are_clipped():
    probs = tf.nn.softmax(tf.constant(LOGITS * 10))  # an ordinary op: no logits attached
    got = L.categorical_crossentropy(ONEHOT, probs).numpy()
    assert got.max() <= -np.log(EPS) + 1e-3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        L.categorical_crossentropy(ONEHOT, probs)


def test_integer_labels_are_cast():
    y = tf.constant(SPARSE.astype(np.int32))
    assert float(L.SparseCategoricalCrossentropy()(y, YP)) == pytest.approx(ref_scce(SPARSE, YP).mean(), rel=1e-5)
    zeros = tf.zeros((4, 3), dtype=tf.int32)
    assert float(L.CategoricalCrossentropy()(zeros, YP)) == 0.0


def test_invalid_reduction_and_shape_errors():
    with pytest.raises(ValueError, match="reduction"):
        L.MeanSquaredError(reduction="avg")
    with pytest.raises(ValueError, match="same shape"):
        L.categorical_crossentropy(ONEHOT, YP[:, :2])


def test_loss_config_round_trip():
    loss = L.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1, reduction="sum", name="cce")
    clone = L.CategoricalCrossentropy.from_config(loss.get_config())
    assert clone.get_config() == loss.get_config()
    np.testing.assert_allclose(float(clone(ONEHOT, LOGITS)), float(loss(ONEHOT, LOGITS)))
