"""Clipping by norm, as TensorFlow's clip_ops: ``clip_by_norm``, ``clip_by_global_norm`` and
``linalg.global_norm``.

Composites of recorded ops (so they are differentiable inside a tape), with TF's formulas step
by step: the same numbers, the same None handling (a None entry of a list stays None), the same
IndexedSlices handling (the values are clipped, the indices kept), and TF's NaN signal when the
global norm is not finite. ``clip_by_value`` is an op of its own (``math_ops``).
"""
import collections.abc

import numpy as np

from ..core.errors import InvalidArgumentError
from ..core.indexed_slices import IndexedSlices
from ..core.registry import convert_to_tensor, dtype_rule, export, require_dtype
from . import math_ops
from .creation_ops import ones_like
from .indexing_ops import where
from .nn_ops import l2_loss
from .shape_ops import cast, stack
from .reduction_ops import reduce_sum


# TF 2.21: L2Loss (global_norm) and the clip_by_norm's Maximum take real floats only.
_FLOAT = dtype_rule("f")


def _dense_float_values(t, op_name):
    """The dense values of a Tensor or IndexedSlices, refusing dtypes TF's kernels refuse."""
    v = convert_to_tensor(t.values if isinstance(t, IndexedSlices) else t)
    require_dtype(op_name, _FLOAT, v)
    return v


def _like(t, values):
    """``values`` in the form of ``t``: an IndexedSlices keeps its indices and dense shape."""
    return IndexedSlices(values, t.indices, t.dense_shape) if isinstance(t, IndexedSlices) else values


@export("clip_by_norm")
def clip_by_norm(t, clip_norm, axes=None, name=None):
    """``t * clip_norm / max(l2norm(t), clip_norm)``, the norm over ``axes`` (all by default), as
    ``tf.clip_by_norm``; an IndexedSlices has its values clipped. A negative ``clip_norm`` counts
    as 0. The gradient is finite at ``t = 0`` (TF's two-``where`` form).

    >>> import tapegrad as tf
    >>> tf.clip_by_norm(tf.constant([3.0, 4.0]), 1.0).numpy()
    array([0.6, 0.8], dtype=float32)
    """
    values = _dense_float_values(t, "clip_by_norm")
    if np.isscalar(clip_norm):
        clip_norm = max(clip_norm, 0)
    else:
        clip_norm = cast(math_ops.maximum(clip_norm, 0), values.dtype)
    l2sum = reduce_sum(values * values, axes, keepdims=True)
    positive = l2sum > 0
    l2norm = where(positive, math_ops.sqrt(where(positive, l2sum, ones_like(l2sum))), l2sum)
    scaled = values * clip_norm
    if scaled.shape != values.shape:
        raise ValueError(f"clip_by_norm: clip_norm of shape {list(np.shape(clip_norm))} would broadcast "
                         f"the input of shape {values.shape.as_list()} to {scaled.shape.as_list()}")
    return _like(t, scaled / math_ops.maximum(l2norm, clip_norm))


def _as_list(t_list):
    if not isinstance(t_list, collections.abc.Sequence) or isinstance(t_list, str):
        raise TypeError(f"`t_list` should be a sequence of tensors. Received {type(t_list)}.")
    return list(t_list)


@export("linalg.global_norm")
def global_norm(t_list, name=None):
    """``sqrt(sum of the squares of every entry of every tensor)``, as ``tf.linalg.global_norm``:
    None entries are skipped, IndexedSlices count their values.

    >>> import tapegrad as tf
    >>> float(tf.linalg.global_norm([tf.constant([3.0]), None, tf.constant([[4.0]])]))
    5.0
    """
    values = [_dense_float_values(t, "global_norm") for t in _as_list(t_list) if t is not None]
    if not values:
        return convert_to_tensor(0.0)  # as TF: the sum over no tensor
    dtype = values[0].dtype
    for v in values[1:]:
        if v.dtype != dtype:
            raise InvalidArgumentError(f"global_norm: every tensor must have one dtype; got {dtype.name} and "
                                       f"{v.dtype.name} (cast them first)")
    half_squared = reduce_sum(stack([l2_loss(v) for v in values]))
    return math_ops.sqrt(half_squared * 2.0)


@export("clip_by_global_norm")
def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scale every tensor of ``t_list`` by ``clip_norm / max(global_norm, clip_norm)``; returns
    ``(list_clipped, global_norm)``, as ``tf.clip_by_global_norm``. None entries stay None;
    IndexedSlices keep their indices. A global norm that is inf or NaN makes every entry NaN (TF's
    signal that something overflowed).

    >>> import tapegrad as tf
    >>> grads = [tf.constant([3.0, 0.0]), None, tf.constant([4.0])]
    >>> clipped, norm = tf.clip_by_global_norm(grads, 1.0)
    >>> float(norm), clipped[0].numpy(), clipped[1]
    (5.0, array([0.6, 0. ], dtype=float32), None)
    """
    t_list = _as_list(t_list)
    if use_norm is None:
        use_norm = global_norm(t_list)
    use_norm = convert_to_tensor(use_norm)
    one = convert_to_tensor(1.0, dtype=use_norm.dtype)
    scale_for_finite = clip_norm * math_ops.minimum(1.0 / use_norm, one / clip_norm)
    scale = scale_for_finite + (use_norm - use_norm)  # NaN when the norm is inf or NaN
    clipped = []
    for t in t_list:
        if t is None:
            clipped.append(None)
            continue
        v = _dense_float_values(t, "clip_by_global_norm")
        clipped.append(_like(t, v * cast(scale, v.dtype)))
    return clipped, use_norm
