"""Models and the Layer protocol: names, paths, tracking, trainable, weights order, configs.

Expected names, paths and orders are what Keras 3.15 (TF 2.21) prints for the same code.
"""
import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

L = keras.layers
F = np.float32


@pytest.fixture(autouse=True)
def fresh_session():
    keras.backend.clear_session()
    yield
    keras.backend.clear_session()


def test_names_count_per_session_and_clear_session_resets():
    assert [L.Dense(3).name, L.Dense(3, name="foo").name, L.Dense(2).name] == ["dense", "foo", "dense_1"]
    keras.backend.clear_session()
    assert L.Dense(2).name == "dense"
    assert keras.Sequential().name == "sequential"


def test_variable_name_and_path():
    d = L.Dense(3)
    d(np.zeros((2, 4), F))
    assert [v.name for v in d.weights] == ["kernel", "bias"]
    assert [v.path for v in d.weights] == ["dense/kernel", "dense/bias"]
    assert d.path == "dense"


def test_sequential_paths_and_layers():
    with pytest.warns(UserWarning, match="input_shape"):
        m = keras.Sequential([L.Dense(4, input_shape=(3,)), L.Dense(2)])
    assert m.built
    assert [v.path for v in m.weights] == ["sequential/dense/kernel", "sequential/dense/bias",
                                           "sequential/dense_1/kernel", "sequential/dense_1/bias"]
    assert [la.name for la in m.layers] == ["dense", "dense_1"]
    m2 = keras.Sequential([L.Dense(4), L.Dense(2)])
    assert not m2.built
    m2(np.zeros((1, 3), F))
    assert m2.built and m2.name == "sequential_1"
    assert [v.path for v in m2.weights][0] == "sequential_1/dense_2/kernel"


def test_subclassed_model_tracks_layers_in_attributes_and_lists():
    class M(keras.Model):
        def __init__(self):
            super().__init__()
            self.a = L.Dense(3)
            self.b = L.Dense(1)
            self.blocks = [L.Dense(2), L.Dense(2)]

        def call(self, x):
            x = self.a(x)
            for block in self.blocks:
                x = block(x)
            return self.b(x)

    m = M()
    m(np.zeros((1, 3), F))
    assert m.name == "m"
    assert [la.name for la in m.layers] == ["dense", "dense_1", "dense_2", "dense_3"]
    assert [v.path for v in m.weights] == ["m/dense/kernel", "m/dense/bias", "m/dense_1/kernel", "m/dense_1/bias",
                                           "m/dense_2/kernel", "m/dense_2/bias", "m/dense_3/kernel", "m/dense_3/bias"]
    m.blocks.append(L.Dense(5))  # appended later: tracked too
    assert m.layers[-1].name == "dense_4"


def test_functional_model_names_order_and_call():
    keras.Sequential([keras.Input((2,)), L.Dense(1)])  # uses input_layer, functional, dense
    inp = keras.Input((3,))
    out = L.Dense(2)(L.Dense(5)(inp))  # Dense(2) is created first: dense_1; Dense(5) is dense_2
    f = keras.Model(inp, out)
    assert type(f).__name__ == "Functional" and f.name == "functional_1"
    assert [la.name for la in f.layers] == ["input_layer_1", "dense_2", "dense_1"]
    assert [v.path for v in f.weights] == ["dense_2/kernel", "dense_2/bias", "dense_1/kernel", "dense_1/bias"]
    y = f(np.ones((4, 3), F))
    assert tuple(y.shape) == (4, 2)
    expected = np.ones((4, 3), F) @ f.layers[1].kernel.numpy() @ f.layers[2].kernel.numpy()
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-5)


def test_functional_branches_follow_keras_layer_order():
    i1 = keras.Input((4,), name="a_in")
    i2 = keras.Input((2,), name="b_in")
    h1 = L.Dense(3, name="h1")(i1)
    h2 = L.Dense(3, name="h2")(i2)
    s = L.Add(name="add")([h1, h2])
    c = L.Concatenate(name="cat")([s, h1])
    o = L.Dense(1, name="o")(c)
    model = keras.Model([i1, i2], o)
    assert [la.name for la in model.layers] == ["a_in", "b_in", "h1", "h2", "add", "cat", "o"]
    assert [v.path for v in model.weights] == ["h1/kernel", "h1/bias", "h2/kernel", "h2/bias", "o/kernel", "o/bias"]
    a, b = np.ones((2, 4), F), np.ones((2, 2), F)
    got = model([a, b]).numpy()
    hh1 = a @ model.get_layer("h1").kernel.numpy()
    hh2 = b @ model.get_layer("h2").kernel.numpy()
    expected = np.concatenate([hh1 + hh2, hh1], axis=1) @ model.get_layer("o").kernel.numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_graph_disconnected_is_an_error():
    a = keras.Input((2,))
    b = keras.Input((2,))
    out = L.Add()([a, b])
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(a, out)


def _custom_layer():
    class L2(L.Layer):
        def __init__(self):
            super().__init__()
            self.w = self.add_weight(shape=(2,), initializer="ones", name="w", trainable=False)
            self.d = L.Dense(2)
            self.u = self.add_weight(shape=(2,), initializer="ones")
            self.v = self.add_weight(shape=(2,), initializer="ones")
            self.raw = tf.Variable(1.0)  # a raw Variable: not tracked (Keras 3)

        def call(self, x):
            return self.d(x) * self.w * self.u * self.raw

    layer = L2()
    layer(np.ones((2, 4), F))
    return layer


def test_weights_order_own_trainable_then_non_trainable_then_sublayers():
    layer = _custom_layer()
    assert layer.name == "l2"
    assert [w.path for w in layer.weights] == ["l2/variable", "l2/variable_1", "l2/w", "l2/dense/kernel",
                                               "l2/dense/bias"]
    assert [w.path for w in layer.trainable_weights] == ["l2/variable", "l2/variable_1", "l2/dense/kernel",
                                                         "l2/dense/bias"]
    assert [w.path for w in layer.non_trainable_weights] == ["l2/w"]


def test_raw_variable_attribute_is_not_tracked_but_gets_gradients():
    layer = _custom_layer()
    assert all(w is not layer.raw for w in layer.weights)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(layer(np.ones((2, 4), F)))
    assert tape.gradient(y, layer.raw) is not None


def test_trainable_propagates_to_sublayers_and_weights():
    layer = _custom_layer()
    layer.trainable = False
    assert not layer.d.trainable
    assert [w.trainable for w in layer.weights] == [False] * 5
    assert (len(layer.trainable_weights), len(layer.non_trainable_weights)) == (0, 5)
    layer.trainable = True
    layer.d.trainable = False
    assert [w.path for w in layer.trainable_weights] == ["l2/variable", "l2/variable_1"]
    assert [w.path for w in layer.non_trainable_weights] == ["l2/w", "l2/dense/kernel", "l2/dense/bias"]


def test_frozen_layer_is_still_watched_by_a_tape_as_in_tensorflow():
    d = L.Dense(2)
    x = np.ones((1, 3), F)
    d(x)
    d.trainable = False
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(d(x))
    assert len(tape.watched_variables()) == 2
    np.testing.assert_allclose(tape.gradient(y, d.kernel).numpy(), np.ones((3, 2), F))


def test_seed_002_finetune_counts():
    model = keras.Sequential([keras.Input((4,)), L.Dense(5, activation="relu"), L.Dense(4, activation="relu"),
                              L.Dense(3, activation="softmax")])
    for layer in model.layers[:-1]:
        layer.trainable = False
    assert len(model.trainable_variables) == 2
    assert len(model.non_trainable_variables) == 4


def test_manual_build_and_count_params():
    d = L.Dense(3)
    with pytest.raises(ValueError, match="isn't built"):
        d.count_params()
    d.build((None, 5))
    assert d.built and [tuple(w.shape) for w in d.weights] == [(5, 3), (3,)]
    assert d.count_params() == 18


def test_built_at_init_as_keras():
    class NoBuild(L.Layer):
        def call(self, x):
            return x

    assert L.Dropout(0.5).built and L.Activation("relu").built and L.MaxPooling2D().built
    assert not NoBuild().built and not L.Flatten().built and not L.Dense(2).built


def test_get_set_weights_and_errors():
    model = keras.Sequential([keras.Input((2,)), L.Dense(3), L.BatchNormalization(), L.Dense(1)])
    assert [w.path for w in model.weights][2:6] == ["sequential/batch_normalization/gamma",
                                                    "sequential/batch_normalization/beta",
                                                    "sequential/batch_normalization/moving_mean",
                                                    "sequential/batch_normalization/moving_variance"]
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(2, 3), (3,), (3,), (3,), (3,), (3,), (3, 1), (1,)]
    new = [w + 1 for w in weights]
    model.set_weights(new)
    for got, want in zip(model.get_weights(), new):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="expecting 8 weights"):
        model.set_weights(weights[:-1])
    with pytest.raises(ValueError, match="not compatible"):
        model.set_weights(weights[:-1] + [np.zeros(2, F)])
    with pytest.raises(ValueError, match="incompatible"):
        model(np.ones((1, 5), F))


def test_constructor_errors():
    with pytest.raises(ValueError, match="Unrecognized keyword"):
        L.Dense(3, foo=1)
    with pytest.raises(ValueError, match="positional"):
        L.Dense(3)([1.0, 2.0])
    with pytest.raises(RuntimeError, match="super"):
        class Bad(L.Layer):
            def __init__(self):
                self.add_weight(shape=(1,))
        Bad()


def test_keras_variable():
    v = keras.Variable(np.ones(3), trainable=False, name="zz")
    assert (v.name, v.path, v.dtype.name, v.trainable, tuple(v.shape)) == ("zz", "zz", "float64", False, (3,))
    assert keras.Variable(1.0).dtype == "float32"
    assert repr(v).startswith("<Variable path=zz, shape=(3,), dtype=float64")


def test_training_flag_flows_from_the_outer_call():
    seen = []

    class Probe(L.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    model = keras.Sequential([keras.Input((2,)), Probe(), L.Dense(1)])
    seen.clear()
    model(np.ones((1, 2), F), training=True)
    model(np.ones((1, 2), F))
    assert seen == [True, None]


def test_add_loss_and_regularizers_reach_model_losses():
    model = keras.Sequential([keras.Input((2,)), L.Dense(2, kernel_regularizer=keras.regularizers.L2(0.1))])
    model.layers[0].kernel.assign(np.ones((2, 2), F))
    model(np.ones((1, 2), F))
    assert len(model.losses) == 1
    np.testing.assert_allclose(float(model.losses[0]), 0.4, rtol=1e-6)


def test_summary_table():
    model = keras.Sequential([keras.Input((4,)), L.Dense(3, activation="relu"), L.BatchNormalization(),
                              L.Dense(2)])
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert 'Model: "sequential"' in text
    assert "dense (Dense)" in text and "(None, 3)" in text and "(None, 2)" in text
    assert " Total params: 35 (140.00 B)" in text
    assert " Trainable params: 29 (116.00 B)" in text
    assert " Non-trainable params: 6 (24.00 B)" in text


def test_configs_round_trip():
    dense = L.Dense(4, activation="tanh", use_bias=False, name="x5")
    clone = L.Dense.from_config(dense.get_config())
    assert (clone.name, clone.units, clone.use_bias, clone.activation.__name__) == ("x5", 4, False, "tanh")
    assert sorted(dense.get_config()) == ["activation", "bias_constraint", "bias_initializer", "bias_regularizer",
                                          "dtype", "kernel_constraint", "kernel_initializer", "kernel_regularizer",
                                          "name", "quantization_config", "trainable", "units", "use_bias"]
    seq = keras.Sequential([keras.Input((3,)), L.Dense(4, activation="relu"), L.Dropout(0.1), L.Dense(2)])
    seq2 = keras.Sequential.from_config(seq.get_config())
    assert [type(la).__name__ for la in seq2.layers] == ["Dense", "Dropout", "Dense"]
    assert [w.shape for w in seq2.get_weights()] == [w.shape for w in seq.get_weights()]
    inp = keras.Input((3,))
    out = L.Dense(2, name="head")(L.Dense(4, name="body")(inp))
    func = keras.Model(inp, out)
    func2 = keras.Model.from_config(func.get_config())
    func2.set_weights(func.get_weights())
    x = np.ones((2, 3), F)
    np.testing.assert_allclose(func2(x).numpy(), func(x).numpy())


def test_auto_config_of_a_subclass_with_plain_arguments():
    class Scale(L.Layer):
        def __init__(self, factor, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

    layer = Scale(3.0, name="s")
    assert layer.get_config()["factor"] == 3.0
    assert Scale.from_config(layer.get_config()).factor == 3.0


def test_initializers_keras_limits_and_seeding():
    init = keras.initializers.GlorotUniform(seed=3)
    a = init((30, 20))
    np.testing.assert_array_equal(a, init((30, 20)))  # an initializer object repeats itself (Keras 3)
    assert np.abs(a).max() <= np.sqrt(6 / 50) and a.dtype == F
    he = keras.initializers.HeNormal(seed=1)((400, 300))
    assert abs(he.std() - np.sqrt(2 / 400)) < 0.1 * np.sqrt(2 / 400)
    assert np.abs(he).max() <= 2 * np.sqrt(2 / 400) / 0.87962566103423978 + 1e-6
    tf.random.set_seed(5)
    w1 = L.Dense(3, name="a")
    w1.build((None, 4))
    tf.random.set_seed(5)
    w2 = L.Dense(3, name="b")
    w2.build((None, 4))
    np.testing.assert_array_equal(w1.kernel.numpy(), w2.kernel.numpy())
    assert not np.array_equal(L.Dense(3).kernel_initializer((4, 3)), L.Dense(3).kernel_initializer((4, 3)))
    np.testing.assert_array_equal(keras.initializers.get("zeros")((2,)), np.zeros(2, F))
    np.testing.assert_array_equal(keras.initializers.Constant(2.5)((2,)), np.full(2, 2.5, F))
    assert keras.initializers.get("random_normal").stddev == 0.05


def test_layer_docstring_example_style_custom_build():
    class Linear(L.Layer):
        def __init__(self, units):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="ones", name="w")

        def call(self, x):
            return x @ self.w

    layer = Linear(2)
    assert not layer.built
    y = layer(tf.ones((1, 3)))
    assert layer.built and layer.weights[0].path == "linear/w"
    np.testing.assert_array_equal(y.numpy(), [[3.0, 3.0]])
