"""Sorting and selection: sort, argsort, top_k (values differentiable, indices not).

TF's tie rule everywhere: equal values keep their index order (lower index first), in both
directions (TF sorts with top_k, which prefers the lower index among equals).
"""
import collections

import numpy as np

from ..core.errors import InvalidArgumentError
from ..core.registry import defop, dtype_rule, export, convert_to_tensor, require_dtype
from ..core.tensor import TensorLike, new_tensor
from ._util import np_dtype, static_int
from . import primitives as prim

TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])
# TF sorts with TopKV2 (and Neg): real numbers only; bool and complex raise InvalidArgumentError.
_ORDERED = dtype_rule("fiu")

_take_along_last = defop(
    "take_along_last_axis", lambda x, indices: np.take_along_axis(np.asarray(x), indices, axis=-1),
    lambda g, ans, needs, x, indices: (_put_along_last(g, indices, shape=np.shape(x)), None),
    save_output=False, notes="x[..., indices] per row: the selection behind sort and top_k.")


def _put_along_last_forward(g, indices, shape):
    out = np.zeros(shape, np.asarray(g).dtype)
    rows = np.indices(indices.shape)[:-1]
    np.add.at(out, tuple(rows) + (indices,), g)
    return out


_put_along_last = defop(
    "put_along_last_axis", _put_along_last_forward,
    lambda g, ans, needs, updates, indices, shape: (_take_along_last(g, indices), None),
    save_inputs=True, save_output=False, notes="Adjoint of take_along_last_axis (duplicates add up).")


def _order(x, descending):
    """Stable sort order along the last axis; ties keep the lower index first in both directions."""
    if not descending:
        return np.argsort(x, axis=-1, kind="stable")
    # Sorting the reversed row ascending puts equal values higher-index first; reading that order
    # backwards gives descending values with equal ones lower-index first. No negation, so ints
    # (INT_MIN) and unsigned values sort correctly.
    n = x.shape[-1]
    return (n - 1 - np.argsort(x[..., ::-1], axis=-1, kind="stable"))[..., ::-1]


def _direction(direction, op_name):
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"{op_name}: argument `direction` should be one of ASCENDING, DESCENDING. "
                         f"Received: direction={direction}")
    return direction == "DESCENDING"


def _last_axis_perm(ndim, axis, op_name):
    if ndim == 0:
        raise InvalidArgumentError(f"{op_name}: the input must have rank >= 1, got a scalar")
    a = static_int(axis, op_name)
    if not -ndim <= a < ndim:
        raise InvalidArgumentError(f"{op_name}: axis {a} is out of range for an input of rank {ndim}")
    a %= ndim
    if a == ndim - 1:
        return None
    perm = list(range(ndim))
    perm[a], perm[-1] = perm[-1], perm[a]  # a swap: its own inverse
    return tuple(perm)


@export("sort")
def sort(values, axis=-1, direction="ASCENDING", name=None):
    """``values`` sorted along ``axis``, as ``tf.sort``. The gradient goes back to each value's
    original position (ties: lower index first, as TF).

    >>> import tapegrad as tf
    >>> tf.sort([3.0, 1.0, 2.0], direction="DESCENDING").numpy().tolist()
    [3.0, 2.0, 1.0]
    """
    descending = _direction(direction, "sort")
    x = prim.as_tensor(values)
    require_dtype("sort", _ORDERED, x)
    perm = _last_axis_perm(x._value.ndim, axis, "sort")
    if perm is None:
        return _take_along_last(x, _order(x._value, descending))
    xt = prim.transpose(x, perm=perm)
    return prim.transpose(_take_along_last(xt, _order(xt._value, descending)), perm=perm)


@export("argsort")
def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """int32 indices that sort ``values`` along ``axis``, as ``tf.argsort`` (always stable: equal
    values keep index order, as TF's results are). Not differentiable."""
    descending = _direction(direction, "argsort")
    v = prim.value(values)
    require_dtype("argsort", _ORDERED, v)
    perm = _last_axis_perm(v.ndim, axis, "argsort")
    if perm is None:
        return new_tensor(_order(v, descending).astype(np.int32), None)
    return new_tensor(np.transpose(_order(np.transpose(v, perm), descending), perm).astype(np.int32), None)


@export("math.top_k", "nn.top_k")
def top_k(input, k=1, sorted=True, index_type=None, name=None):
    """The ``k`` largest entries of the last axis and their int32 indices, as ``tf.math.top_k``.

    Ties go to the lower index first, as in TensorFlow. The values are differentiable (the
    gradient flows to the selected entries); the indices are not.

    >>> import tapegrad as tf
    >>> tf.math.top_k([1.0, 3.0, 3.0, 2.0, 3.0], k=2).indices.numpy().tolist()
    [1, 2]
    """
    x = prim.as_tensor(input)
    require_dtype("top_k", _ORDERED, x)
    k = static_int(k, "top_k", "k")
    n = x._value.shape[-1] if x._value.ndim else 0
    if x._value.ndim == 0 or not 0 <= k <= n:
        raise InvalidArgumentError(f"top_k: k = {k} must be between 0 and the last dimension ({n}) of an "
                                   f"input of rank >= 1 (shape {list(x._value.shape)})")
    order = _order(x._value, descending=True)[..., :k]
    indices = order.astype(np_dtype(index_type, np.dtype(np.int32)))
    return TopKV2(_take_along_last(x, order), new_tensor(indices, None))
