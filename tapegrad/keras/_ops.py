"""Small helpers Keras code shares: value conversion and Keras 3's logits cache.

Keras layers and losses call tapegrad's ops from their family modules (``ops/shape_ops.py``,
``ops/reduction_ops.py`` ...) directly; Keras defines no ops of its own.
"""
import numpy as np

from ..core.variable import Variable as CoreVariable
from ..ops import shape_ops
from ..ops.creation_ops import constant
from ..core.tensor import Tensor, TensorLike


def convert(x, dtype=None):
    """A Tensor for ``x``; converted to ``dtype`` when given (Keras' ``convert_to_tensor``, which casts)."""
    if isinstance(x, TensorLike):
        if dtype is not None and x.dtype != dtype:
            return shape_ops.cast(x, dtype)
        return x.read_value() if isinstance(x, CoreVariable) else x
    if hasattr(x, "__tapegrad_tensor__"):
        return cast(x.__tapegrad_tensor__(), dtype) if dtype is not None else x.__tapegrad_tensor__()
    arr = np.asarray(x)
    if dtype is not None:
        return constant(arr.astype(np.dtype(str(getattr(dtype, "name", dtype))), copy=False))
    if arr.dtype == np.float64 and not isinstance(x, (np.ndarray, np.generic)):
        arr = arr.astype(np.float32)  # Python floats: TF's float32 default
    return constant(arr)


def cast(x, dtype):
    x = convert(x)
    return x if x.dtype == dtype else shape_ops.cast(x, dtype)


class LogitsTensor(Tensor):
    """A softmax/sigmoid output that remembers its logits (Keras 3's ``_keras_logits``).

    Keras 3's crossentropies compute from the logits when given such an output, however
    ``from_logits`` is set: no clipping, no saturation. It is the same value and the same graph
    node as the activation's output, so gradients through it are unchanged.
    """

    __slots__ = ("_keras_logits",)


def with_logits(output, logits):
    out = object.__new__(LogitsTensor)
    out._value = output._value
    out._node = output._node
    out._keras_logits = logits
    return out
