"""``keras.layers``: the Layer base class and Keras 3's layers on tapegrad."""
from .input_spec import InputSpec  # noqa: F401
from .layer import Layer  # noqa: F401
from .core import (Activation, Dense, Dropout, Embedding, Flatten, Input, InputLayer, Lambda, ReLU,  # noqa: F401
                   Reshape, Softmax)
from .merging import Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract  # noqa: F401
from .normalization import BatchNormalization, LayerNormalization  # noqa: F401
from .convolutional import (AveragePooling2D, AvgPool2D, Conv2D, GlobalAveragePooling2D, GlobalAvgPool2D,  # noqa: F401
                            GlobalMaxPooling2D, MaxPool2D, MaxPooling2D)
from ..serialization import deserialize_keras_object as _deserialize, serialize_keras_object as _serialize

ALL_OBJECTS_DICT = {name: obj for name, obj in dict(globals()).items()
                    if isinstance(obj, type) and issubclass(obj, Layer)}


def serialize(layer):
    """Keras 3's config dict of a layer (``{"module", "class_name", "config", ...}``)."""
    return _serialize(layer)


def deserialize(config, custom_objects=None):
    """A new layer from its config dict (classes looked up by name; no code is loaded)."""
    from .. import models
    table = dict(ALL_OBJECTS_DICT)
    table.update({"Sequential": models.Sequential, "Functional": models.Functional, "Model": models.Model})
    return _deserialize(config, table, custom_objects, "layer")
