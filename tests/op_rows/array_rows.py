"""Rows for shape and indexing ops (tapegrad/ops/shape_ops.py, indexing_ops.py): concat, split, tile, pad, reverse, sort,
one_hot, gather (+ batch_dims), embedding_lookup, gather_nd (batch_dims), tensor_scatter_nd_*,
boolean_mask, strided_slice, slice.

A gather along axis 0 of a watched tensor returns an IndexedSlices gradient; the order-2 check
multiplies the gradient by a tensor, which an IndexedSlices (as TF's) does not support, so
those rows check order 1 and a twin row behind ``identity`` checks order 2 on the dense path.
"""
import numpy as np

import tapegrad as tf
from tapegrad.ops import primitives
from . import Row, randn

I = np.array  # noqa: E741  (index arrays, kept short)


def _split_ref(x):
    return np.split(x, [1, 3], axis=1)


def _mirror(x, pads, mode):
    return np.pad(x, pads, mode=mode)


def _tsn_update_ref(t, u):
    out = t.copy()
    out[[0, 2]] = u
    return out


def _tsn_add_ref(t, u, sign=1.0):
    out = t.copy()
    np.add.at(out, ([1, 1, 0], [2, 2, 0]), sign * u)
    return out


def _gather_bd_ref(p, idx):
    return np.stack([p[b][:, idx[b]] for b in range(p.shape[0])])


def _embed_ref(p, ids, max_norm):
    rows = p[ids]
    norm = np.sqrt((rows ** 2).sum(-1, keepdims=True))
    return rows * max_norm / np.maximum(norm, max_norm)


EMBED = randn(5, 3) * 2
GATHER_BD_IDX = I([[0, 2, 2], [1, 0, 1]])

ROWS = [
    # concat / split
    Row("concat", lambda x, y: tf.concat([x, y], 0), [randn(2, 3), randn(1, 3)],
        lambda x, y: np.concatenate([x, y]), id="axis0"),
    Row("concat", lambda x, y, z: tf.concat([x, y, z], -1), [randn(2, 1), randn(2, 3), randn(2, 2)],
        lambda x, y, z: np.concatenate([x, y, z], -1), id="three,axis-1"),
    Row("strided_slice", lambda x: tf.split(x, [1, -1, 2], axis=1), [randn(2, 5)], _split_ref,
        id="split-sizes"),
    Row("strided_slice", lambda x: tf.split(x, 2), [randn(4, 2)], lambda x: np.split(x, 2), id="split-num"),
    # tile / pad / reverse
    Row("tile", lambda x: tf.tile(x, [2, 3]), [randn(2, 3)], lambda x: np.tile(x, (2, 3)), id="(2,3)x[2,3]"),
    Row("tile", lambda x: tf.tile(x, [1, 2, 1]), [randn(1, 2, 2)], lambda x: np.tile(x, (1, 2, 1)), id="3d"),
    Row("pad", lambda x: tf.pad(x, [[1, 0], [0, 2]], constant_values=0.5), [randn(2, 3)],
        lambda x: np.pad(x, [[1, 0], [0, 2]], constant_values=0.5), id="constant"),
    Row("strided_slice", lambda x: tf.pad(x, [[1, 1], [2, 1]], "REFLECT"), [randn(3, 4)],
        lambda x: _mirror(x, [[1, 1], [2, 1]], "reflect"), id="pad-reflect"),
    Row("strided_slice", lambda x: tf.pad(x, [[0, 2], [3, 3]], "SYMMETRIC"), [randn(2, 3)],
        lambda x: _mirror(x, [[0, 2], [3, 3]], "symmetric"), id="pad-symmetric"),
    Row("reverse", lambda x: tf.reverse(x, [0, -1]), [randn(2, 3, 2)], lambda x: x[::-1, :, ::-1]),
    # sort: values differentiable (the permutation), sort along a non-last axis transposes
    Row("take_along_last_axis", lambda x: tf.sort(x), [randn(3, 4)], lambda x: np.sort(x, -1), id="sort"),
    Row("take_along_last_axis", lambda x: tf.sort(x, axis=0, direction="DESCENDING"), [randn(4, 3)],
        lambda x: -np.sort(-x, 0), id="sort-axis0-descending"),
    # one_hot: not differentiable (on_value gets None)
    Row("one_hot", lambda on: tf.one_hot(I([0, 2, -1, 1]), 3, on_value=on), [np.array(2.5)],
        lambda on: np.array([[on, 0, 0], [0, 0, on], [0, 0, 0], [0, on, 0]]), order=0, no_grad=True),
    # gather: axis 0 -> IndexedSlices gradient (order 1), the same behind identity (order 2)
    Row("gather", lambda p: tf.gather(p, I([[2, 0], [2, 2]])), [randn(3, 2)], lambda p: p[[[2, 0], [2, 2]]],
        order=1, id="axis0-indexed-slices"),
    Row("gather", lambda p: tf.gather(tf.identity(p), I([2, 0, 2])) ** 2, [randn(3, 2)],
        lambda p: p[[2, 0, 2]] ** 2, id="axis0-dense-order2"),
    Row("gather", lambda p: tf.gather(p, I([1, 1, 0]), axis=1), [randn(2, 3, 2)], lambda p: p[:, [1, 1, 0]],
        id="axis1-repeats"),
    Row("gather", lambda p: tf.gather(p, I(2), axis=-1), [randn(2, 3)], lambda p: p[:, 2], id="scalar-index"),
    Row("gather", lambda p: tf.gather(p, GATHER_BD_IDX, axis=2, batch_dims=1), [randn(2, 2, 3)],
        lambda p: _gather_bd_ref(p, GATHER_BD_IDX), id="batch_dims1-axis2"),
    Row("gather", lambda p: tf.gather(p, I([[1], [0]]), batch_dims=1), [randn(2, 3, 2)],
        lambda p: np.stack([p[0][[1]], p[1][[0]]]), id="batch_dims1"),
    Row("gather_grad",
        lambda g: primitives.gather_grad(g, I([1, 1, 0]), axis=1, batch_dims=0, shape=(2, 3)), [randn(2, 3)],
        lambda g: np.stack([g[:, 2], g[:, 0] + g[:, 1], np.zeros(2)], axis=1)),
    Row("gather", lambda p: tf.nn.embedding_lookup(tf.identity(p), I([[4, 1], [1, 0]]), max_norm=1.5), [EMBED],
        lambda p: _embed_ref(p, [[4, 1], [1, 0]], 1.5), id="embedding_lookup-max_norm"),
    Row("gather", lambda p: tf.boolean_mask(p, I([True, False, True]), axis=1), [randn(2, 3)],
        lambda p: p[:, [0, 2]], id="boolean_mask-axis1"),
    Row("gather", lambda p: tf.boolean_mask(p, I([[True, False], [True, True]])), [randn(2, 2, 3)],
        lambda p: p[I([[True, False], [True, True]])], id="boolean_mask-2d"),
    # gather_nd with batch_dims, tensor_scatter_nd_*
    Row("gather_nd", lambda p: tf.gather_nd(p, I([[[1], [1]], [[0], [2]]]), batch_dims=1), [randn(2, 3, 2)],
        lambda p: np.stack([p[0][[1, 1]], p[1][[0, 2]]]), id="batch_dims1"),
    Row("tensor_scatter_nd_update", lambda t, u: tf.tensor_scatter_nd_update(t, I([[0], [2]]), u),
        [randn(3, 2), randn(2, 2)], _tsn_update_ref),
    Row("tensor_scatter_nd_add", lambda t, u: tf.tensor_scatter_nd_add(t, I([[1, 2], [1, 2], [0, 0]]), u),
        [randn(2, 3), randn(3)], _tsn_add_ref, id="duplicates"),
    Row("tensor_scatter_nd_sub", lambda t, u: tf.tensor_scatter_nd_sub(t, I([[1, 2], [1, 2], [0, 0]]), u),
        [randn(2, 3), randn(3)], lambda t, u: _tsn_add_ref(t, u, -1.0), id="duplicates"),
    # strided_slice as a function, slice
    Row("strided_slice", lambda x: tf.strided_slice(x, [1, 0, 3], [0, 0, 0], [1, 1, -2], begin_mask=2,
                                                    end_mask=2, shrink_axis_mask=1),
        [randn(2, 3, 5)], lambda x: x[1, :, 3:0:-2], id="masks"),
    Row("strided_slice", lambda x: tf.strided_slice(x, [0, 0, 1], [0, 0, 2], ellipsis_mask=1, new_axis_mask=2),
        [randn(2, 3, 4)], lambda x: x[..., None, 1:2], id="ellipsis+new_axis"),
    Row("strided_slice", lambda x: tf.slice(x, [1, 0], [-1, 2]), [randn(3, 4)], lambda x: x[1:, 0:2],
        id="tf.slice"),
]
