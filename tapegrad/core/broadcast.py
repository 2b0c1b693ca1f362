"""The two primitives the engine itself needs: summing a broadcast gradient back to a shape,
and its adjoint, broadcasting. Each is the other's gradient, so higher derivatives of every
broadcasting op come for free.
"""
import numpy as np

from .errors import InvalidArgumentError
from .registry import convert_to_tensor, defop, export
from .shapes import normalize_shape
from .tensor import TensorLike


def reduced_axes(from_shape, to_shape):
    """Axes of ``from_shape`` that broadcasting ``to_shape`` up to it created or stretched."""
    lead = len(from_shape) - len(to_shape)
    return tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(to_shape) if n == 1 and from_shape[i + lead] != 1)


def _sum_to_shape_forward(x, shape):
    x = np.asarray(x)
    if x.shape == shape:
        return x
    # np.add.reduce is what np.sum and ndarray.sum call, without their Python wrappers (~2 us).
    out = np.add.reduce(x, axis=reduced_axes(x.shape, shape))
    # (a full reduction gives a NumPy scalar: reshape makes it a 0-d array again)
    return out if out.__class__ is np.ndarray and out.shape == shape else out.reshape(shape)


sum_to_shape = defop(
    "sum_to_shape", _sum_to_shape_forward,
    lambda g, ans, needs, x, shape: (broadcast_to(g, shape=np.shape(x)),),
    notes="The adjoint of broadcast_to; the engine applies it to every broadcasting op's gradient.")


def _broadcast_to_forward(x, shape):
    return np.broadcast_to(x, tuple(shape))


broadcast_to = defop(
    "broadcast_to", _broadcast_to_forward,
    lambda g, ans, needs, x, shape: (sum_to_shape(g, shape=np.shape(x)),),
    save_output=False)


@export("broadcast_to")
def broadcast_to_public(input, shape, name=None):
    """``input`` broadcast to ``shape``, as ``tf.broadcast_to`` (the gradient sums back).

    >>> import tapegrad as tf
    >>> tf.broadcast_to(tf.constant([1.0, 2.0]), [2, 2]).numpy().tolist()
    [[1.0, 2.0], [1.0, 2.0]]
    """
    if not isinstance(input, TensorLike):
        input = convert_to_tensor(input)
    value = input._value
    target = normalize_shape(shape, "broadcast_to")
    try:
        if np.broadcast_shapes(value.shape, target) != target:
            raise ValueError
    except ValueError:
        raise InvalidArgumentError(f"broadcast_to: a tensor of shape {list(value.shape)} cannot be broadcast "
                                   f"to shape {list(target)}") from None
    return broadcast_to(input, shape=target)
