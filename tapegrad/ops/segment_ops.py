"""Segment reductions, as ``tf.math``: segment_sum/mean (sorted ids) and unsorted_segment_sum/mean.

One primitive, ``unsorted_segment_sum`` (sums in input order, as TF's CPU kernel); the others are
composites of it and recorded ops. Its gradient is TF's: the upstream gradient gathered at the ids,
zeros where an id is negative (dropped), so second derivatives come from gather's own rule.
"""
import numpy as np

from ..core.errors import InvalidArgumentError
from ..core.registry import convert_to_tensor, defop, export
from ..core.tensor import TensorLike, new_tensor, to_array
from . import math_ops
from . import primitives as prim
from ._util import dtype_name


def _sum_forward(data, ids, num_segments):
    data = np.asarray(data)
    rest = data.shape[ids.ndim:]
    flat, rows = ids.reshape(-1), data.reshape((ids.size,) + rest)
    if flat.size and flat.min() < 0:
        keep = flat >= 0
        flat, rows = flat[keep], rows[keep]
    out = np.zeros((num_segments,) + rest, data.dtype)
    np.add.at(out, flat, rows)  # in input order: TF's float32 sums to the bit
    return out


def _sum_vjp(g, ans, needs, data, ids, num_segments):
    rows = prim.gather(g, indices=np.maximum(ids, 0), axis=0, batch_dims=0, shape=np.shape(g))
    if ids.size and ids.min() < 0:
        keep = (ids >= 0).reshape(ids.shape + (1,) * (np.ndim(g) - 1))
        rows = prim.select(keep, rows, rows * 0)
    return (rows,)


_unsorted_segment_sum = defop(
    "unsorted_segment_sum", _sum_forward, _sum_vjp, save_inputs=False, save_output=False,
    notes="Rows with a negative id are dropped; the gradient gathers g at the ids (zeros for dropped "
          "rows), as TF.")


def _data(data, op_name):
    data = prim.as_tensor(data)
    if data._value.dtype.kind not in "fciu":
        raise InvalidArgumentError(f"{op_name}: Value for attr 'T' of {data.dtype.name} is not in the list of "
                                   f"allowed values (numbers only)")
    return data


def _ids(segment_ids, op_name, allowed):
    ids = prim.value(segment_ids)
    name = dtype_name(ids.dtype)
    if name not in allowed:
        raise InvalidArgumentError(f"{op_name}: Value for attr 'Tindices' of {name} is not in the list of "
                                   f"allowed values: {', '.join(allowed)}")
    return ids.copy()  # kept for the gradient: a caller's later change must not reach it


def _sorted(data, segment_ids, op_name):
    """(data, ids, number of segments) for the sorted-id reductions, checked as TF's kernel."""
    data = _data(data, op_name)
    ids = _ids(segment_ids, op_name, ("int32", "int64"))
    if data._value.ndim == 0:
        raise InvalidArgumentError(f"{op_name}: input must be at least rank 1")
    if ids.ndim != 1:
        raise InvalidArgumentError(f"{op_name}: segment_ids should be a vector, got shape {list(ids.shape)}")
    if ids.size != data._value.shape[0]:
        raise InvalidArgumentError(f"{op_name}: segment_ids should be the same size as dimension 0 of input: "
                                   f"{ids.size} != {data._value.shape[0]}")
    if (np.diff(ids) < 0).any():
        raise InvalidArgumentError(f"{op_name}: segment ids are not increasing")
    if ids.size and ids[0] < 0:
        raise InvalidArgumentError(f"{op_name}: segment ids must be >= 0, got {ids[0]}")
    return data, ids, int(ids[-1]) + 1 if ids.size else 0


@export("math.segment_sum")
def segment_sum(data, segment_ids, name=None):
    """Sums of the rows of ``data`` in each segment, as ``tf.math.segment_sum``.

    ``segment_ids`` (int32/int64, one per row) must be sorted and non-negative; the output has
    ``segment_ids[-1] + 1`` rows, zeros for ids that do not occur. Otherwise InvalidArgumentError.

    >>> import tapegrad as tf
    >>> tf.math.segment_sum([[1, 2], [3, 4], [5, 6]], [0, 0, 2]).numpy().tolist()
    [[4, 6], [0, 0], [5, 6]]
    """
    data, ids, n = _sorted(data, segment_ids, "segment_sum")
    return _unsorted_segment_sum(data, ids=ids, num_segments=n)


def _mean(summed, counts):
    """``summed / counts`` row by row (empty segments: 0); integers truncate toward zero, as TF."""
    s = summed._value
    counts = np.maximum(counts, 1).reshape(counts.shape + (1,) * (s.ndim - 1)).astype(s.dtype)
    if s.dtype.kind in "fc":
        return math_ops.divide(summed, counts)
    return new_tensor(np.sign(s) * (np.abs(s) // counts), None)


@export("math.segment_mean")
def segment_mean(data, segment_ids, name=None):
    """Means of the rows of ``data`` in each segment, as ``tf.math.segment_mean``.

    Sorted ids as :func:`segment_sum`; empty segments give 0; integer means truncate toward zero
    (the dtype is kept).

    >>> import tapegrad as tf
    >>> tf.math.segment_mean([1.0, 2.0, 6.0], [0, 0, 2]).numpy().tolist()
    [1.5, 0.0, 6.0]
    """
    data, ids, n = _sorted(data, segment_ids, "segment_mean")
    return _mean(_unsorted_segment_sum(data, ids=ids, num_segments=n), np.bincount(ids, minlength=n))


def _unsorted(data, segment_ids, num_segments, op_name):
    data = _data(data, op_name)
    ids = _ids(segment_ids, op_name, ("int16", "int32", "int64"))
    num = prim.value(num_segments)
    if num.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{op_name}: Value for attr 'Tnumsegments' of {dtype_name(num.dtype)} is not "
                                   f"in the list of allowed values: int32, int64")
    if num.ndim:
        raise InvalidArgumentError(f"{op_name}: num_segments should be a scalar, not shape {list(num.shape)}")
    n = int(num)
    if n < 0:
        raise InvalidArgumentError(f"{op_name}: Input num_segments == {n} must not be negative.")
    shape = data._value.shape
    if shape[:ids.ndim] != ids.shape:
        raise InvalidArgumentError(f"{op_name}: data.shape = {list(shape)} does not start with segment_ids.shape "
                                   f"= {list(ids.shape)}")
    bad = np.flatnonzero(ids >= n)
    if bad.size:
        raise InvalidArgumentError(f"{op_name}: segment_ids[{bad[0]}] = {ids.flat[bad[0]]} is out of range "
                                   f"[0, {n})")
    return data, ids, n


@export("math.unsorted_segment_sum")
def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Sums of the entries of ``data`` by segment id, in any order, as ``tf.math.unsorted_segment_sum``.

    ``segment_ids`` (int16/32/64) has the shape of a prefix of ``data``'s; the output has shape
    ``[num_segments] + data.shape[segment_ids.ndim:]``. Negative ids are dropped; an id >=
    ``num_segments`` raises InvalidArgumentError (as TF on CPU).

    >>> import tapegrad as tf
    >>> tf.math.unsorted_segment_sum([1.0, 2.0, 3.0, 4.0], [1, -1, 0, 1], 3).numpy().tolist()
    [3.0, 5.0, 0.0]
    """
    data, ids, n = _unsorted(data, segment_ids, num_segments, "unsorted_segment_sum")
    return _unsorted_segment_sum(data, ids=ids, num_segments=n)


@export("math.unsorted_segment_mean")
def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """Means of the entries of ``data`` by segment id, as ``tf.math.unsorted_segment_mean``.

    Ids as :func:`unsorted_segment_sum`; empty segments give 0. TF's formula: the sum divided by
    the count summed in the data's dtype, so integers give floats (truediv) and complex is refused.

    >>> import tapegrad as tf
    >>> tf.math.unsorted_segment_mean([1.0, 2.0, 6.0], [1, 1, 0], 3).numpy().tolist()
    [6.0, 1.5, 0.0]
    """
    data, ids, n = _unsorted(data, segment_ids, num_segments, "unsorted_segment_mean")
    dt = data._value.dtype
    if dt.kind == "c":
        raise InvalidArgumentError(f"unsorted_segment_mean: Value for attr 'T' of {data.dtype.name} is not in "
                                   f"the list of allowed values (real numbers only)")
    counts = _sum_forward(np.ones(ids.shape, dt), ids, n)  # (in dtype, as TF: float16 saturates at 2048)
    counts = np.maximum(counts, 1).reshape((n,) + (1,) * (data._value.ndim - ids.ndim))
    return math_ops.divide(_unsorted_segment_sum(data, ids=ids, num_segments=n), counts)
