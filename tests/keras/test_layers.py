"""Every layer through one helper, ``run_layer_test``: build, call, shapes, weights, config,
symbolic call, freezing, a NumPy reference of the forward pass, and a float64 gradient check.

The NumPy references transcribe Keras 3's formulas (TensorFlow backend); the outputs of these
layers were also compared with real Keras 3.15 on the same weights (all within float32
rounding). A few numbers printed by Keras 3.15 are kept in ``KERAS_RECORDED`` below.
"""
import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

L = keras.layers
F = np.float32


# -- the helper ---------------------------------------------------------------------------------------

def _numeric_check(layer, x, call_kwargs, seed=0, eps=1e-6, rtol=1e-5, atol=1e-7):
    """Reverse mode vs central differences (float64) for the input and every trainable weight."""
    rng = np.random.default_rng(seed)
    out = layer(x, **call_kwargs)
    cot = rng.standard_normal(tuple(out.shape))

    def scalar(xv):
        return float(np.sum(np.asarray(layer(xv, **call_kwargs)) * cot))

    xt = tf.Variable(x) if x.dtype.kind == "f" else tf.constant(x)
    weights = layer.trainable_weights
    with tf.GradientTape() as tape:
        tape.watch(xt)
        s = tf.reduce_sum(layer(xt, **call_kwargs) * cot)
    sources = ([xt] if x.dtype.kind == "f" else []) + list(weights)
    grads = tape.gradient(s, sources)
    for src, g in zip(sources, grads):
        assert g is not None, f"{layer.name}: no gradient for {getattr(src, 'path', 'the input')}"
        g = np.asarray(tf.convert_to_tensor(g))
        assert g.shape == tuple(src.shape)
        v = rng.standard_normal(tuple(src.shape))
        base = src.numpy().copy()
        if src is xt:
            numeric = (scalar(x + eps * v) - scalar(x - eps * v)) / (2 * eps)
        else:
            src.assign(base + eps * v)
            plus = scalar(x)
            src.assign(base - eps * v)
            minus = scalar(x)
            src.assign(base)
            numeric = (plus - minus) / (2 * eps)
        analytic = float(np.sum(g * v))
        assert abs(numeric - analytic) <= atol + rtol * max(abs(numeric), abs(analytic)), (
            layer.name, getattr(src, "path", "input"), numeric, analytic)


def run_layer_test(layer_cls, init_kwargs, input_shape, expected_output_shape, *, expected_trainable=0,
                   expected_non_trainable=0, reference=None, input_dtype="float32", input_data=None,
                   randomize=True, training_kwargs=None, grad_kwargs=None, check_grad=True):
    """Build, call and check one layer (see the module docstring)."""
    rng = np.random.default_rng(42)
    if input_data is None:
        input_data = rng.standard_normal(input_shape).astype(input_dtype)
    x = np.asarray(input_data)

    layer = layer_cls(**init_kwargs)
    config = layer.get_config()
    assert layer_cls.from_config(config).get_config() == config

    out = layer(x)
    assert layer.built
    assert tuple(out.shape) == tuple(expected_output_shape)
    assert out.dtype == tf.float32
    assert len(layer.trainable_weights) == expected_trainable
    assert len(layer.non_trainable_weights) == expected_non_trainable
    assert len(layer.weights) == expected_trainable + expected_non_trainable
    for w in layer.weights:
        assert w.path == f"{layer.name}/{w.name}"
    assert layer.count_params() == sum(int(np.prod(w.shape)) for w in layer.weights)

    if randomize and layer.weights:
        layer.set_weights([np.abs(rng.standard_normal(w.shape)).astype(F) + 0.5 if "variance" in w.name
                           else rng.standard_normal(w.shape).astype(F) for w in layer.weights])
        out = layer(x)
    if reference is not None:
        expected = reference(x.astype(np.float64) if x.dtype.kind == "f" else x,
                             [w.astype(np.float64) for w in layer.get_weights()])
        np.testing.assert_allclose(np.asarray(out), expected, rtol=2e-5, atol=2e-5)

    if training_kwargs is not None:
        trained = layer(x, **training_kwargs)
        assert tuple(trained.shape) == tuple(expected_output_shape)

    # symbolic call on a fresh layer from the config: unknown batch size stays unknown
    fresh = layer_cls.from_config({**config, "name": config["name"] + "_sym"})
    sym = fresh(keras.Input(tuple(input_shape[1:]), dtype=input_dtype))
    assert sym.shape == (None,) + tuple(expected_output_shape[1:])
    assert len(fresh.weights) == len(layer.weights)

    # freezing
    layer.trainable = False
    assert layer.trainable_weights == []
    assert len(layer.non_trainable_weights) == len(layer.weights)
    layer.trainable = True
    assert len(layer.trainable_weights) == expected_trainable

    if check_grad:
        layer64 = layer_cls(**{**init_kwargs, "dtype": "float64"})
        x64 = x.astype(np.float64) if x.dtype.kind == "f" else x
        layer64(x64)
        if randomize and layer64.weights:
            layer64.set_weights([w.astype(np.float64) for w in layer.get_weights()])
        _numeric_check(layer64, x64, grad_kwargs or {})
    return layer


# -- NumPy references -------------------------------------------------------------------------------------

def _same_pads(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return out, total // 2, total - total // 2


def _windows(x, k, s, padding, fill):
    """(n, oh, ow, kh, kw, c) windows of an NHWC array, padded as TensorFlow (extra at the end)."""
    n, h, w, c = x.shape
    if padding == "same":
        oh, top, bottom = _same_pads(h, k[0], s[0])
        ow, left, right = _same_pads(w, k[1], s[1])
        x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=fill)
    else:
        oh, ow = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1
    out = np.empty((n, oh, ow, k[0], k[1], c), x.dtype)
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = x[:, i * s[0]:i * s[0] + k[0], j * s[1]:j * s[1] + k[1], :]
    return out


def conv_ref(strides, padding, activation=None):
    def ref(x, ws):
        kernel, bias = ws
        win = _windows(x, kernel.shape[:2], strides, padding, 0.0)
        y = np.einsum("nijhwc,hwcf->nijf", win, kernel) + bias
        return np.maximum(y, 0) if activation == "relu" else y
    return ref


def pool_ref(kind, k, s, padding):
    def ref(x, ws):
        if kind == "max":
            return _windows(x, k, s, padding, -np.inf).max(axis=(3, 4))
        win = _windows(x, k, s, padding, np.nan)
        return np.nanmean(win, axis=(3, 4))
    return ref


def dense_ref(activation=None):
    def ref(x, ws):
        y = x @ ws[0] + (ws[1] if len(ws) > 1 else 0)
        return {"relu": lambda v: np.maximum(v, 0), "tanh": np.tanh, None: lambda v: v}[activation](y)
    return ref


def bn_ref(eps=1e-3):
    def ref(x, ws):
        gamma, beta, mean, var = ws
        return (x - mean) / np.sqrt(var + eps) * gamma + beta
    return ref


def ln_ref(eps=1e-3):
    def ref(x, ws):
        gamma, beta = ws
        mean = x.mean(axis=-1, keepdims=True)
        var = x.var(axis=-1, keepdims=True)
        return (x - mean) / np.sqrt(var + eps) * gamma + beta
    return ref


# -- the table ------------------------------------------------------------------------------------------

IDS = np.array([[1, 2, 0], [6, 1, 1]])

CASES = [
    ("dense", L.Dense, {"units": 4}, (3, 5), (3, 4), 2, 0, dense_ref(), {}),
    ("dense_relu_nobias", L.Dense, {"units": 3, "activation": "relu", "use_bias": False}, (4, 2), (4, 3), 1, 0,
     dense_ref("relu"), {}),
    ("dense_3d", L.Dense, {"units": 2, "activation": "tanh"}, (2, 3, 4), (2, 3, 2), 2, 0, dense_ref("tanh"), {}),
    ("embedding", L.Embedding, {"input_dim": 7, "output_dim": 3}, (2, 3), (2, 3, 3), 1, 0,
     lambda x, ws: ws[0][x], {"input_data": IDS, "input_dtype": "int32"}),
    ("activation", L.Activation, {"activation": "relu"}, (3, 4), (3, 4), 0, 0, lambda x, ws: np.maximum(x, 0), {}),
    ("softmax", L.Softmax, {}, (3, 4), (3, 4), 0, 0,
     lambda x, ws: np.exp(x) / np.exp(x).sum(-1, keepdims=True), {}),
    ("dropout", L.Dropout, {"rate": 0.5}, (3, 4), (3, 4), 0, 0, lambda x, ws: x,
     {"training_kwargs": {"training": True}}),
    ("flatten", L.Flatten, {}, (2, 3, 4), (2, 12), 0, 0, lambda x, ws: x.reshape(2, -1), {}),
    ("reshape", L.Reshape, {"target_shape": (2, -1)}, (2, 3, 4), (2, 2, 6), 0, 0, lambda x, ws: x.reshape(2, 2, 6), {}),
    ("batchnorm", L.BatchNormalization, {}, (6, 3), (6, 3), 2, 2, bn_ref(),
     {"training_kwargs": {"training": True}, "grad_kwargs": {"training": True}}),
    ("batchnorm_nhwc", L.BatchNormalization, {"momentum": 0.5}, (2, 3, 3, 2), (2, 3, 3, 2), 2, 2, bn_ref(),
     {"training_kwargs": {"training": True}, "grad_kwargs": {"training": True}}),
    ("layernorm", L.LayerNormalization, {}, (4, 5), (4, 5), 2, 0, ln_ref(), {}),
    ("conv2d_valid", L.Conv2D, {"filters": 3, "kernel_size": 3}, (2, 6, 5, 2), (2, 4, 3, 3), 2, 0,
     conv_ref((1, 1), "valid"), {}),
    ("conv2d_same_stride", L.Conv2D, {"filters": 2, "kernel_size": (2, 3), "strides": 2, "padding": "same",
                                      "activation": "relu"}, (2, 5, 6, 3), (2, 3, 3, 2), 2, 0,
     conv_ref((2, 2), "same", "relu"), {}),
    ("maxpool", L.MaxPooling2D, {}, (2, 4, 6, 3), (2, 2, 3, 3), 0, 0, pool_ref("max", (2, 2), (2, 2), "valid"), {}),
    ("maxpool_same", L.MaxPooling2D, {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 5, 5, 2),
     (2, 3, 3, 2), 0, 0, pool_ref("max", (3, 3), (2, 2), "same"), {}),
    ("avgpool", L.AveragePooling2D, {"pool_size": 2}, (2, 4, 4, 3), (2, 2, 2, 3), 0, 0,
     pool_ref("avg", (2, 2), (2, 2), "valid"), {}),
    ("avgpool_same", L.AveragePooling2D, {"pool_size": 3, "strides": 2, "padding": "same"}, (1, 5, 4, 2),
     (1, 3, 2, 2), 0, 0, pool_ref("avg", (3, 3), (2, 2), "same"), {}),
    ("global_avgpool", L.GlobalAveragePooling2D, {}, (2, 3, 4, 5), (2, 5), 0, 0, lambda x, ws: x.mean(axis=(1, 2)), {}),
    ("global_maxpool", L.GlobalMaxPooling2D, {}, (2, 3, 4, 5), (2, 5), 0, 0, lambda x, ws: x.max(axis=(1, 2)), {}),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_layer(case):
    _, cls, kwargs, in_shape, out_shape, n_train, n_non, ref, extra = case
    run_layer_test(cls, kwargs, in_shape, out_shape, expected_trainable=n_train, expected_non_trainable=n_non,
                   reference=ref, **extra)


def test_the_helper_catches_a_wrong_reference():
    with pytest.raises(AssertionError):
        run_layer_test(L.Dense, {"units": 2}, (3, 4), (3, 2), expected_trainable=2,
                       reference=lambda x, ws: x @ ws[0], check_grad=False)


def test_the_helper_catches_a_wrong_gradient():
    class Broken(L.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), name="w")

        def call(self, x):
            # forward x * w, but the gradient w.r.t. w is cut
            return x * tf.stop_gradient(self.w) + 0.0 * self.w

    with pytest.raises(AssertionError):
        run_layer_test(Broken, {}, (2, 3), (2, 3), expected_trainable=1)


# -- behaviour beyond the table -----------------------------------------------------------------------------

def test_batchnorm_moving_statistics_update_only_in_training_and_when_trainable():
    x = np.random.default_rng(0).standard_normal((8, 3)).astype(F) * 2 + 1
    bn = L.BatchNormalization(momentum=0.9)
    bn(x)  # inference: no update
    np.testing.assert_array_equal(bn.moving_mean.numpy(), np.zeros(3, F))
    out = bn(x, training=True)
    mean, var = x.mean(0), x.var(0)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.1 * mean, rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.9 + 0.1 * var, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(out), (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    before = bn.moving_mean.numpy().copy()
    bn.trainable = False  # frozen: inference mode even with training=True (Keras 3)
    frozen = bn(x, training=True)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), before)
    expected = (x - before) / np.sqrt(bn.moving_variance.numpy() + 1e-3)
    np.testing.assert_allclose(np.asarray(frozen), expected, rtol=1e-5, atol=1e-6)


def test_batchnorm_moving_stats_are_never_watched():
    bn = L.BatchNormalization()
    x = np.ones((2, 3), F)
    bn(x)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(bn(x))
    watched = {v.path for v in tape.watched_variables()}
    assert watched == {bn.gamma.path, bn.beta.path}
    assert tape.gradient(y, bn.moving_mean) is None


def test_dropout_scales_kept_units_and_is_reproducible_with_a_seed():
    x = np.ones((200, 50), F)
    a = L.Dropout(0.3, seed=7)(x, training=True).numpy()
    b = L.Dropout(0.3, seed=7)(x, training=True).numpy()
    np.testing.assert_array_equal(a, b)
    assert set(np.unique(a)) <= {0.0, F(1 / 0.7)}
    assert abs((a == 0).mean() - 0.3) < 0.02
    np.testing.assert_array_equal(L.Dropout(0.3)(x).numpy(), x)  # inference: identity


def test_embedding_gradient_is_sparse_rows():
    emb = L.Embedding(10, 4)
    ids = np.array([[1, 3], [3, 9]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(emb(ids))
    g = tape.gradient(y, emb.embeddings)
    assert isinstance(g, tf.IndexedSlices)
    dense = tf.convert_to_tensor(g).numpy()
    np.testing.assert_array_equal(dense.sum(axis=1), [0, 4, 0, 8, 0, 0, 0, 0, 0, 4])


def test_embedding_casts_float_ids():
    emb = L.Embedding(5, 2)
    np.testing.assert_array_equal(emb(np.array([1.0, 4.0])).numpy(), emb.embeddings.numpy()[[1, 4]])


# Numbers printed by Keras 3.15 (TF 2.21) for the same weights: TF's SAME padding and conventions.
KERAS_RECORDED = {
    "conv_same": [0.21785219013690948, 0.45537135004997253, 0.36616379022598267, 0.9292922616004944, 0.0, 0.0],
    "maxpool_same": [0.6404226422309875, 1.3664634227752686, 1.3040000200271606, 1.3664634227752686],
    "avgpool_same": [-0.4091911017894745, 0.10935330390930176, -0.5993900895118713, 0.345931738615036],
}


def test_numbers_recorded_from_keras():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 4, 4, 2)).astype(F)
    conv = L.Conv2D(3, 3, padding="same", activation="relu")
    conv(x)
    conv.set_weights([(np.cos(np.arange(54)).reshape(3, 3, 2, 3) * 0.5).astype(F), np.full(3, 0.1, F)])
    np.testing.assert_allclose(conv(x).numpy().ravel()[:6], KERAS_RECORDED["conv_same"], rtol=1e-5, atol=1e-6)
    mp = L.MaxPooling2D(3, 2, padding="same")(x).numpy().ravel()[:4]
    np.testing.assert_allclose(mp, KERAS_RECORDED["maxpool_same"], rtol=1e-6)
    ap = L.AveragePooling2D(3, 2, padding="same")(x).numpy().ravel()[:4]
    np.testing.assert_allclose(ap, KERAS_RECORDED["avgpool_same"], rtol=1e-5)
