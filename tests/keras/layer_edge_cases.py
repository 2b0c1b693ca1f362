"""Bad layer arguments and bad layer calls, one table shared by the Keras probe
(``tools/probe_keras_layer_edges.py``, run under Keras 3) and ``test_layer_edges.py`` (run on
tapegrad). Neither side needs the other's library: each case is a function of ``keras`` (either
``keras`` or ``tapegrad.keras``) and ``np``.

A case returns the output shape of a call (a list) or None when it only constructs; the record
keeps Keras' outcome ("ok" or the exception class). ``MENTIONS`` lists, for error cases, the
words tapegrad's message must hold: the argument and what it got.
"""


def _shape(out):
    return [int(d) for d in out.shape]


def _x(np, *shape):
    return np.ones(shape, "float32")


def _call(layer_fn, *shape):
    return lambda keras, np: _shape(layer_fn(keras)(_x(np, *shape)))


def _make(layer_fn):
    def case(keras, np):
        layer_fn(keras)
    return case


MERGES = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate")

CASES = {}
MENTIONS = {}

# -- merge layers: a list of tensors, nothing else ---------------------------------------------------
for _m in MERGES:
    CASES[f"merge/{_m}/one_tensor"] = (lambda m: lambda keras, np: _shape(
        getattr(keras.layers, m)()(_x(np, 4, 3))))(_m)
    MENTIONS[f"merge/{_m}/one_tensor"] = ("list",)
    CASES[f"merge/{_m}/symbolic_one_tensor"] = (lambda m: lambda keras, np: list(
        getattr(keras.layers, m)()(keras.Input((3,))).shape[1:]))(_m)
    MENTIONS[f"merge/{_m}/symbolic_one_tensor"] = ("list",)
    CASES[f"merge/{_m}/list_of_one"] = (lambda m: lambda keras, np: _shape(
        getattr(keras.layers, m)()([_x(np, 4, 3)])))(_m)
    CASES[f"merge/{_m}/two"] = (lambda m: lambda keras, np: _shape(
        getattr(keras.layers, m)()([_x(np, 4, 3), _x(np, 4, 3)])))(_m)
    CASES[f"merge/{_m}/mismatched_shapes"] = (lambda m: lambda keras, np: _shape(
        getattr(keras.layers, m)()([_x(np, 4, 3), _x(np, 4, 5, 2)])))(_m)
    MENTIONS[f"merge/{_m}/mismatched_shapes"] = ("(4, 3)", "(4, 5, 2)")
    CASES[f"merge/{_m}/different_batch"] = (lambda m: lambda keras, np: _shape(
        getattr(keras.layers, m)()([_x(np, 4, 3), _x(np, 2, 3)])))(_m)
    MENTIONS[f"merge/{_m}/different_batch"] = ("batch",)
    CASES[f"merge/{_m}/symbolic_mismatched"] = (lambda m: lambda keras, np: list(
        getattr(keras.layers, m)()([keras.Input((3,)), keras.Input((5, 2))]).shape[1:]))(_m)
    MENTIONS[f"merge/{_m}/symbolic_mismatched"] = ("(None, 3)", "(None, 5, 2)")
CASES["merge/Subtract/three"] = lambda keras, np: _shape(keras.layers.Subtract()([_x(np, 4, 3)] * 3))
MENTIONS["merge/Subtract/three"] = ("2",)
CASES["merge/Add/broadcast_ones"] = lambda keras, np: _shape(keras.layers.Add()([_x(np, 4, 3), _x(np, 4, 1)]))
CASES["merge/Concatenate/axis_1_rank3"] = lambda keras, np: _shape(
    keras.layers.Concatenate(axis=1)([_x(np, 4, 2, 3), _x(np, 4, 5, 3)]))
CASES["merge/Concatenate/axis_out_of_range"] = lambda keras, np: _shape(
    keras.layers.Concatenate(axis=2)([_x(np, 4, 3), _x(np, 4, 3)]))
MENTIONS["merge/Concatenate/axis_out_of_range"] = ("axis", "2", "rank 2")

# -- axis arguments out of range for the input ------------------------------------------------------
_AXES = {
    "LayerNormalization/axis_2": (lambda k: k.layers.LayerNormalization(axis=2), (4, 3)),
    "LayerNormalization/axis_-3": (lambda k: k.layers.LayerNormalization(axis=-3), (4, 3)),
    "LayerNormalization/axis_list_out": (lambda k: k.layers.LayerNormalization(axis=[1, 3]), (4, 3, 2)),
    "LayerNormalization/axis_1_ok": (lambda k: k.layers.LayerNormalization(axis=1), (4, 3)),
    "LayerNormalization/axis_-2_rank3": (lambda k: k.layers.LayerNormalization(axis=-2), (4, 3, 2)),
    "BatchNormalization/axis_3": (lambda k: k.layers.BatchNormalization(axis=3), (4, 3)),
    "BatchNormalization/axis_-3": (lambda k: k.layers.BatchNormalization(axis=-3), (4, 3)),
    "BatchNormalization/axis_1_rank3": (lambda k: k.layers.BatchNormalization(axis=1), (4, 3, 2)),
    "Softmax/axis_2": (lambda k: k.layers.Softmax(axis=2), (4, 3)),
    "Softmax/axis_-1_ok": (lambda k: k.layers.Softmax(axis=-1), (4, 3)),
}
for _name, (_fn, _shape_in) in _AXES.items():
    CASES[f"axis/{_name}"] = _call(_fn, *_shape_in)
    if "ok" not in _name and "rank3" not in _name:
        MENTIONS[f"axis/{_name}"] = ("axis", f"rank {len(_shape_in)}")

# -- size arguments of the constructors -------------------------------------------------------------
_SIZES = {
    "Dense/units_2.5": (lambda k: k.layers.Dense(2.5), ("units", "2.5")),
    "Dense/units_0": (lambda k: k.layers.Dense(0), ("units", "0")),
    "Dense/units_-1": (lambda k: k.layers.Dense(-1), ("units", "-1")),
    "Dense/units_str": (lambda k: k.layers.Dense("a"), ("units", "'a'")),
    "Dense/units_None": (lambda k: k.layers.Dense(None), ("units", "None")),
    "Dense/units_True": (lambda k: k.layers.Dense(True), ("units", "True")),
    "Dense/units_np_int": (lambda k: k.layers.Dense(__import__("numpy").int64(2)), ()),
    "Dense/units_float_2.0": (lambda k: k.layers.Dense(2.0), ("units", "2.0")),
    "Conv2D/filters_0": (lambda k: k.layers.Conv2D(0, 3), ("filters", "0")),
    "Conv2D/filters_2.5": (lambda k: k.layers.Conv2D(2.5, 3), ("filters", "2.5")),
    "Conv2D/kernel_size_0": (lambda k: k.layers.Conv2D(2, 0), ("kernel_size", "0")),
    "Conv2D/kernel_size_-1": (lambda k: k.layers.Conv2D(2, (3, -1)), ("kernel_size", "-1")),
    "Conv2D/kernel_size_len3": (lambda k: k.layers.Conv2D(2, (3, 3, 3)), ("kernel_size", "(3, 3, 3)")),
    "Conv2D/kernel_size_str": (lambda k: k.layers.Conv2D(2, "a"), ("kernel_size", "'a'")),
    "Conv2D/kernel_size_float": (lambda k: k.layers.Conv2D(2, 2.5), ("kernel_size", "2.5")),
    "Conv2D/strides_0": (lambda k: k.layers.Conv2D(2, 3, strides=0), ("strides", "0")),
    "Conv2D/dilation_0": (lambda k: k.layers.Conv2D(2, 3, dilation_rate=0), ("dilation_rate", "0")),
    "Conv2D/padding_bad": (lambda k: k.layers.Conv2D(2, 3, padding="full"), ("padding", "full")),
    "MaxPooling2D/pool_size_0": (lambda k: k.layers.MaxPooling2D(0), ("pool_size", "0")),
    "MaxPooling2D/strides_0": (lambda k: k.layers.MaxPooling2D(2, strides=0), ("strides", "0")),
    "AveragePooling2D/pool_size_-1": (lambda k: k.layers.AveragePooling2D(-1), ("pool_size", "-1")),
    "Embedding/input_dim_0": (lambda k: k.layers.Embedding(0, 2), ("input_dim", "0")),
    "Embedding/output_dim_-1": (lambda k: k.layers.Embedding(3, -1), ("output_dim", "-1")),
    "Embedding/input_dim_2.5": (lambda k: k.layers.Embedding(2.5, 2), ("input_dim", "2.5")),
    "Dropout/rate_1.5": (lambda k: k.layers.Dropout(1.5), ("rate", "1.5")),
    "Dropout/rate_-0.1": (lambda k: k.layers.Dropout(-0.1), ("rate", "-0.1")),
    "Dropout/rate_str": (lambda k: k.layers.Dropout("a"), ("rate", "'a'")),
    "Dropout/rate_None": (lambda k: k.layers.Dropout(None), ("rate", "None")),
    "Dropout/rate_1": (lambda k: k.layers.Dropout(1.0), ("rate", "1.0")),
    "Reshape/two_minus_ones": (lambda k: k.layers.Reshape((-1, -1)), ("target_shape", "(-1, -1)")),
    "Reshape/zero": (lambda k: k.layers.Reshape((0, 3)), ("target_shape", "(0, 3)")),
    "Reshape/minus_two": (lambda k: k.layers.Reshape((-2, 3)), ("target_shape", "(-2, 3)")),
    "Reshape/str": (lambda k: k.layers.Reshape("ab"), ("target_shape", "'ab'")),
    "Reshape/int": (lambda k: k.layers.Reshape(3), ("target_shape", "3")),
    "Reshape/float": (lambda k: k.layers.Reshape((1.5, 2)), ("target_shape", "1.5")),
    "BatchNormalization/axis_float": (lambda k: k.layers.BatchNormalization(axis=1.5), ("axis", "1.5")),
    "LayerNormalization/axis_str": (lambda k: k.layers.LayerNormalization(axis="a"), ("axis", "'a'")),
    "Softmax/axis_str": (lambda k: k.layers.Softmax(axis="a"), ("axis", "'a'")),
    "Concatenate/axis_float": (lambda k: k.layers.Concatenate(axis=1.5), ("axis", "1.5")),
}
for _name, (_fn, _mentions) in _SIZES.items():
    CASES[f"size/{_name}"] = _make(_fn)
    if _mentions:
        MENTIONS[f"size/{_name}"] = _mentions

# -- names, dtypes, identifiers, keyword arguments --------------------------------------------------
_OPTIONS = {
    "activation_unknown": (lambda k: k.layers.Dense(2, activation="nope"), ("nope",)),
    "Activation_unknown": (lambda k: k.layers.Activation("nope"), ("nope",)),
    "Activation_int": (lambda k: k.layers.Activation(3), ("3",)),
    "initializer_unknown": (lambda k: k.layers.Dense(2, kernel_initializer="nope"), ("nope",)),
    "regularizer_unknown": (lambda k: k.layers.Dense(2, kernel_regularizer="nope"), ("nope",)),
    "regularizer_int": (lambda k: k.layers.Dense(2, kernel_regularizer=3), ("3",)),
    "unknown_kwarg": (lambda k: k.layers.Dense(2, foo=1), ("foo",)),
    "dtype_unknown": (lambda k: k.layers.Dense(2, dtype="nope"), ("nope",)),
    "dtype_float64": (lambda k: k.layers.Dense(2, dtype="float64"), ()),
    "name_int": (lambda k: k.layers.Dense(2, name=3), ("name",)),
    "name_slash": (lambda k: k.layers.Dense(2, name="a/b"), ("name",)),
    "constraint_str": (lambda k: k.layers.Dense(2, kernel_constraint="nope"), ("nope",)),
    "Dropout_noise_shape_str": (lambda k: k.layers.Dropout(0.5, noise_shape="a"), ("noise_shape",)),
    "Input_negative": (lambda k: k.Input((-1,)), ("shape", "-1")),
    "Input_float": (lambda k: k.Input((2.5,)), ("shape", "2.5")),
    "Input_str": (lambda k: k.Input("a"), ("shape", "'a'")),
    "Input_dtype_unknown": (lambda k: k.Input((3,), dtype="nope"), ("nope",)),
    "Input_no_shape": (lambda k: k.Input(), ("shape",)),
    "Input_batch_size_0": (lambda k: k.Input((3,), batch_size=0), ("batch_size", "0")),
    "Flatten_data_format": (lambda k: k.layers.Flatten(data_format="bad"), ("data_format", "bad")),
    "GlobalAveragePooling2D_data_format": (lambda k: k.layers.GlobalAveragePooling2D(data_format="bad"),
                                           ("data_format", "bad")),
    "Conv2D_data_format": (lambda k: k.layers.Conv2D(2, 3, data_format="bad"), ("data_format", "bad")),
    "Lambda_not_callable": (lambda k: k.layers.Lambda(3), ("function", "3")),
    "BatchNormalization_momentum_str": (lambda k: k.layers.BatchNormalization(momentum="a"), ("momentum", "'a'")),
    "LayerNormalization_epsilon_str": (lambda k: k.layers.LayerNormalization(epsilon="a"), ("epsilon", "'a'")),
    "VarianceScaling_scale_negative": (lambda k: k.initializers.VarianceScaling(scale=-1.0), ("scale", "-1.0")),
    "VarianceScaling_mode": (lambda k: k.initializers.VarianceScaling(mode="bad"), ("mode", "bad")),
    "VarianceScaling_distribution": (lambda k: k.initializers.VarianceScaling(distribution="bad"),
                                     ("distribution", "bad")),
    "RandomNormal_stddev_str": (lambda k: k.initializers.RandomNormal(stddev="a")(shape=(2,)), ("stddev",)),
    "L2_str": (lambda k: k.regularizers.L2("a"), ("l2", "a")),
    "L2_negative": (lambda k: k.regularizers.L2(-1.0), ("l2", "-1.0")),
    "L1L2_negative": (lambda k: k.regularizers.L1L2(l1=-1.0), ("l1", "-1.0")),
    "Dense_trainable_str": (lambda k: k.layers.Dense(2, trainable="no"), ()),
}
for _name, (_fn, _mentions) in _OPTIONS.items():
    CASES[f"option/{_name}"] = _make(_fn)
    if _mentions:
        MENTIONS[f"option/{_name}"] = _mentions


# -- calls: wrong rank, None, wrong dtype -----------------------------------------------------------
def _add_weight(shape):
    def case(keras, np):
        layer = keras.layers.Layer()
        layer.add_weight(shape=shape, initializer="zeros")
    return case


CASES["add_weight/negative"] = _add_weight((-1, 2))
MENTIONS["add_weight/negative"] = ("shape", "(-1, 2)")
CASES["add_weight/float"] = _add_weight((2.5, 2))
MENTIONS["add_weight/float"] = ("shape", "2.5")
CASES["add_weight/str"] = _add_weight("ab")
MENTIONS["add_weight/str"] = ("shape", "'ab'")
CASES["add_weight/zero"] = _add_weight((0, 2))
CASES["add_weight/int"] = _add_weight(3)

_CALLS = {
    "Dense/rank1": (lambda k: k.layers.Dense(2), (3,)),
    "Dense/rank3": (lambda k: k.layers.Dense(2), (4, 5, 3)),
    "Conv2D/rank2": (lambda k: k.layers.Conv2D(2, 3), (4, 3)),
    "Conv2D/kernel_bigger_than_input": (lambda k: k.layers.Conv2D(2, 5), (1, 3, 3, 1)),
    "MaxPooling2D/rank3": (lambda k: k.layers.MaxPooling2D(), (4, 3, 3)),
    "GlobalAveragePooling2D/rank2": (lambda k: k.layers.GlobalAveragePooling2D(), (4, 3)),
    "Flatten/rank1": (lambda k: k.layers.Flatten(), (4,)),
    "Reshape/wrong_size": (lambda k: k.layers.Reshape((2, 2)), (4, 3)),
    "Reshape/minus_one": (lambda k: k.layers.Reshape((-1, 1)), (4, 3)),
    "BatchNormalization/rank1": (lambda k: k.layers.BatchNormalization(), (4,)),
    "LayerNormalization/rank1": (lambda k: k.layers.LayerNormalization(), (4,)),
}
for _name, (_fn, _shape_in) in _CALLS.items():
    CASES[f"call/{_name}"] = _call(_fn, *_shape_in)


def _dense_on(value):
    return lambda keras, np: _shape(keras.layers.Dense(2)(value(np)))


CASES["call/Dense/None"] = _dense_on(lambda np: None)
CASES["call/Dense/str"] = _dense_on(lambda np: "abc")
CASES["call/Dense/int_input"] = _dense_on(lambda np: np.ones((4, 3), "int32"))
CASES["call/Dense/list_input"] = _dense_on(lambda np: [[1.0, 2.0, 3.0]])
CASES["call/Dense/changed_last_dim"] = lambda keras, np: (lambda d: (d(_x(np, 4, 3)), _shape(d(_x(np, 4, 5))))[1])(
    keras.layers.Dense(2))
CASES["call/Dense/empty_batch"] = _call(lambda k: k.layers.Dense(2), 0, 3)
CASES["call/Conv2D/empty_batch"] = _call(lambda k: k.layers.Conv2D(2, 3), 0, 5, 5, 1)
CASES["call/Dropout/noise_shape_rank"] = lambda keras, np: _shape(
    keras.layers.Dropout(0.5, noise_shape=(1,))(_x(np, 4, 3), training=True))
CASES["call/Dropout/noise_shape_mismatch"] = lambda keras, np: _shape(
    keras.layers.Dropout(0.5, noise_shape=(None, 5))(_x(np, 4, 3), training=True))
CASES["call/Dropout/noise_shape_broadcast"] = lambda keras, np: _shape(
    keras.layers.Dropout(0.5, noise_shape=(None, 1))(_x(np, 4, 3), training=True))
CASES["call/Model/None"] = lambda keras, np: _shape(
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])(None))
CASES["call/Model/wrong_rank"] = lambda keras, np: _shape(
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])(_x(np, 4, 3, 1)))
CASES["call/Functional/two_inputs_one_given"] = lambda keras, np: _shape((lambda a, b: keras.Model(
    [a, b], keras.layers.Add()([a, b])))(keras.Input((3,)), keras.Input((3,)))(_x(np, 4, 3)))
CASES["call/Embedding/float_input"] = lambda keras, np: _shape(keras.layers.Embedding(5, 2)(np.ones((4, 3), "float32")))
CASES["call/Embedding/index_out_of_range"] = lambda keras, np: _shape(
    keras.layers.Embedding(5, 2)(np.full((4, 3), 7, "int32")))
CASES["call/Embedding/negative_index"] = lambda keras, np: _shape(
    keras.layers.Embedding(5, 2)(np.full((4, 3), -1, "int32")))


def run(keras, np, name):
    """Run case ``name`` with ``keras`` (Keras 3 or tapegrad.keras); its result, or its exception."""
    return CASES[name](keras, np)


# -- summaries: the text of model.summary() ---------------------------------------------------------
def _sequential(keras, np, fit):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dropout(0.5),
                              keras.layers.BatchNormalization(), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(momentum=0.9), loss="mse")
    if fit:
        model.fit(np.ones((8, 3), "float32"), np.ones((8, 1), "float32"), epochs=1, verbose=0)
    return model


def _subclassed(keras, np):
    class TwoDense(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hidden = keras.layers.Dense(4)
            self.out = keras.layers.Dense(2)

        def call(self, x):
            return self.out(self.hidden(x))
    model = TwoDense()
    model(np.ones((5, 3), "float32"))
    return model


def _frozen(keras, np):
    model = keras.Sequential([keras.Input((2, 3)), keras.layers.Flatten(), keras.layers.Dense(2)])
    model.layers[-1].trainable = False
    return model


SUMMARIES = {
    "compiled_not_fitted": (lambda keras, np: _sequential(keras, np, fit=False), {}),
    "fitted": (lambda keras, np: _sequential(keras, np, fit=True), {}),
    "subclassed_after_call": (_subclassed, {}),
    "empty_names": (lambda keras, np: keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="")], name=""),
                    {}),
    "show_trainable": (_frozen, {"show_trainable": True}),
}


def summary_text(keras, np, name):
    """The text ``model.summary()`` prints for summary case ``name`` (names counted from a fresh session)."""
    keras.backend.clear_session()
    make, options = SUMMARIES[name]
    lines = []
    make(keras, np).summary(print_fn=lambda text, *args, **kwargs: lines.append(text), **options)
    return "\n".join(lines)


CASES["call/Add/None_in_list"] = lambda keras, np: _shape(keras.layers.Add()([_x(np, 4, 3), None]))
CASES["call/Add/dict"] = lambda keras, np: _shape(keras.layers.Add()({"a": _x(np, 4, 3), "b": _x(np, 4, 3)}))
CASES["call/Dropout/None"] = lambda keras, np: _shape(keras.layers.Dropout(0.5)(None, training=True))
CASES["call/Activation/None"] = lambda keras, np: _shape(keras.layers.Activation("relu")(None))
CASES["call/Embedding/very_negative_index"] = lambda keras, np: _shape(
    keras.layers.Embedding(5, 2)(np.full((2,), -7, "int32")))
CASES["call/BatchNormalization/scalar"] = lambda keras, np: _shape(keras.layers.BatchNormalization()(np.float32(1.0)))
MENTIONS.update({"call/Add/None_in_list": ("None",), "call/Add/dict": ("list", "dict"), "call/Dropout/None": ("None",),
                 "call/Activation/None": ("None",), "call/BatchNormalization/scalar": ("axis", "rank 0")})
