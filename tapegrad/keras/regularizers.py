"""Weight regularizers (``keras.regularizers``): penalties added to ``model.losses``.

>>> import tapegrad as tf
>>> float(tf.keras.regularizers.L2(0.5)(tf.constant([1.0, 2.0])))
2.5
"""
from ..ops.reduction_ops import reduce_sum
from .. import math as tmath

from .arguments import number
from .serialization import deserialize_keras_object, serialize_keras_object


class Regularizer:
    def __call__(self, x):
        return 0.0

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1(Regularizer):
    def __init__(self, l1=0.01):
        self.l1 = number(self, "l1", l1, minimum=0)

    def __call__(self, x):
        return self.l1 * reduce_sum(tmath.abs(x))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    def __init__(self, l2=0.01):
        self.l2 = number(self, "l2", l2, minimum=0)

    def __call__(self, x):
        return self.l2 * reduce_sum(tmath.square(x))

    def get_config(self):
        return {"l2": self.l2}


class L1L2(Regularizer):
    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = number(self, "l1", l1, minimum=0), number(self, "l2", l2, minimum=0)

    def __call__(self, x):
        out = 0.0
        if self.l1:
            out = out + self.l1 * reduce_sum(tmath.abs(x))
        if self.l2:
            out = out + self.l2 * reduce_sum(tmath.square(x))
        return out

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2
ALL_OBJECTS_DICT = {"L1": L1, "L2": L2, "L1L2": L1L2, "l1": L1, "l2": L2, "l1_l2": L1L2, "Regularizer": Regularizer}


def serialize(regularizer):
    return serialize_keras_object(regularizer)


def deserialize(config, custom_objects=None):
    return deserialize_keras_object(config, ALL_OBJECTS_DICT, custom_objects, "regularizer")


def get(identifier):
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}")
