"""``keras.optimizers``: Keras 3's optimizers, made of ``tapegrad.optim`` transforms.

>>> import tapegrad as tf
>>> w = tf.Variable([[1.0, 2.0]])
>>> opt = tf.keras.optimizers.Adam(learning_rate=0.1, clipnorm=1.0)
>>> with tf.GradientTape() as tape:
...     loss = tf.reduce_sum(w * w)
>>> _ = opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
>>> w.numpy().round(4), int(opt.iterations)
(array([[0.9, 1.9]], dtype=float32), 1)
"""
from .. import serialization as _serialization
from . import schedules
from .base import Optimizer
from .builtin import SGD, Adadelta, Adagrad, Adam, AdamW, Nadam, RMSprop

ALL_OBJECTS = (Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Nadam)
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in ALL_OBJECTS}

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Nadam", "schedules",
           "get", "serialize", "deserialize"]


def serialize(optimizer):
    """The optimizer's config dict (``{"module", "class_name", "config", "registered_name"}``)."""
    return _serialization.serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None):
    """The optimizer a config dict describes (built-in class names are case-insensitive)."""
    config = dict(config)
    if config["class_name"].lower() in ALL_OBJECTS_DICT:
        config["class_name"] = config["class_name"].lower()
    return _serialization.deserialize_keras_object(config, module_objects=ALL_OBJECTS_DICT,
                                                   custom_objects=custom_objects,
                                                   printable_module_name="optimizer")


def get(identifier):
    """An optimizer from a name (``"adam"``), a config dict, or an instance (returned as is).

    >>> from tapegrad import keras
    >>> type(keras.optimizers.get("rmsprop")).__name__
    'RMSprop'
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = deserialize({"class_name": identifier, "config": {}})
    else:
        obj = identifier
    if isinstance(obj, Optimizer):
        return obj
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")
