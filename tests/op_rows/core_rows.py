"""Rows for the engine's own primitives (sum_to_shape, broadcast_to), the first elementwise ops,
and the adjoint pairs behind stack and slicing (take_index/put_index, strided_slice_grad)."""
import numpy as np

import tapegrad as tf
from tapegrad.core.broadcast import sum_to_shape
from tapegrad.ops import primitives, shape_ops, sort_ops
from . import Row, randn, away_from

ROWS = [
    # engine primitives
    Row("sum_to_shape", lambda x: sum_to_shape(x, shape=(1, 3)), [randn(4, 2, 3)],
        lambda x: x.sum(axis=(0, 1)).reshape(1, 3), id="(4,2,3)->(1,3)"),
    Row("broadcast_to", lambda x: tf.broadcast_to(x, [2, 3]), [randn(3)],
        lambda x: np.broadcast_to(x, (2, 3)), id="(3,)->(2,3)"),
    # arithmetic, with broadcasting
    Row("add", tf.add, [randn(2, 3), randn(3)], np.add, id="(2,3)+(3,)"),
    Row("add", lambda x: x + 2.0, [randn(3)], lambda x: x + 2.0, id="python-scalar"),
    Row("subtract", tf.subtract, [randn(2, 1), randn(1, 3)], np.subtract, id="(2,1)-(1,3)"),
    Row("multiply", tf.multiply, [randn(4, 3), randn(4, 1)], np.multiply, id="(4,3)*(4,1)"),
    Row("multiply", lambda x, y: x * y, [randn(), randn(2, 2)], np.multiply, id="scalar*(2,2)"),
    Row("divide", tf.divide, [randn(3, 2), randn(2, low=0.5, high=2.0)], np.divide, id="(3,2)/(2,)"),
    Row("negative", tf.negative, [randn(3)], np.negative),
    Row("pow", tf.pow, [randn(2, 3, low=0.5, high=2.0), randn(3, low=-1.5, high=1.5)], np.power,
        id="both-args"),
    Row("pow", lambda x: x ** 3, [randn(4)], lambda x: x ** 3, id="x**3"),
    Row("square", tf.square, [randn(2, 3)], np.square),
    Row("sqrt", tf.sqrt, [randn(5, low=0.2, high=3.0)], np.sqrt),
    Row("exp", tf.exp, [randn(2, 3)], np.exp),
    Row("log", tf.math.log, [randn(4, low=0.2, high=3.0)], np.log),
    Row("tanh", tf.tanh, [randn(3, 2)], np.tanh),
    Row("abs", tf.abs, [away_from(randn(6))], np.abs),
    Row("sign", tf.sign, [away_from(randn(4))], np.sign, order=1),
    # non-differentiable
    Row("floordiv", tf.math.floordiv, [randn(4) * 5, randn(4, low=1.0, high=2.0)], np.floor_divide,
        order=0, no_grad=True),
    Row("floormod", tf.math.floormod, [np.array([5.5, -3.2, 7.3, 1.1]), np.array([2.0, 1.5, 2.5, 1.7])], np.mod,
        id="away-from-jumps"),
    Row("equal", tf.equal, [np.array([1.0, 2.0]), np.array([1.0, 3.0])], np.equal, order=0),
    Row("not_equal", tf.not_equal, [np.array([1.0, 2.0]), np.array([1.0, 3.0])], np.not_equal, order=0),
    Row("less", tf.less, [randn(3), randn(3)], np.less, order=0),
    Row("less_equal", tf.less_equal, [randn(3), randn(3)], np.less_equal, order=0),
    Row("greater", tf.greater, [randn(3), randn(3)], np.greater, order=0),
    Row("greater_equal", tf.greater_equal, [randn(3), randn(3)], np.greater_equal, order=0),
    Row("logical_and", tf.logical_and, [np.array([True, False, True]), np.array([True, True, False])],
        np.logical_and, order=0),
    Row("logical_or", tf.logical_or, [np.array([True, False]), np.array([False, False])], np.logical_or,
        order=0),
    Row("logical_xor", tf.math.logical_xor, [np.array([True, False]), np.array([True, True])],
        np.logical_xor, order=0),
    Row("logical_not", tf.logical_not, [np.array([True, False])], np.logical_not, order=0),
    # reductions
    Row("reduce_sum", lambda x: tf.reduce_sum(x, axis=1), [randn(3, 4)], lambda x: x.sum(axis=1), id="axis=1"),
    Row("reduce_sum", lambda x: tf.reduce_sum(x, axis=[0, -1], keepdims=True), [randn(2, 3, 4)],
        lambda x: x.sum(axis=(0, 2), keepdims=True), id="axis=[0,-1],keepdims"),
    Row("reduce_sum", tf.reduce_sum, [randn(2, 3)], np.sum, id="all"),
    Row("reduce_mean", lambda x: tf.reduce_mean(x, axis=0), [randn(3, 4)], lambda x: x.mean(axis=0), id="axis=0"),
    Row("reduce_mean", tf.reduce_mean, [randn(2, 3)], np.mean, id="all"),
    # linear algebra
    Row("matmul", tf.matmul, [randn(3, 4), randn(4, 2)], np.matmul, id="2d"),
    Row("matmul", lambda a, b: tf.matmul(a, b, transpose_a=True), [randn(4, 3), randn(4, 2)],
        lambda a, b: a.T @ b, id="transpose_a"),
    Row("matmul", lambda a, b: tf.matmul(a, b, transpose_b=True), [randn(3, 4), randn(2, 4)],
        lambda a, b: a @ b.T, id="transpose_b"),
    Row("matmul", lambda a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True), [randn(4, 3), randn(2, 4)],
        lambda a, b: a.T @ b.T, id="transpose_both"),
    Row("matmul", lambda a, b: a @ b, [randn(2, 3, 4), randn(4, 5)], np.matmul, id="batched-broadcast"),
    # shape and selection
    Row("reshape", lambda x: tf.reshape(x, [3, -1]), [randn(2, 3)], lambda x: x.reshape(3, -1)),
    Row("reshape", lambda x: tf.expand_dims(x, 1), [randn(2, 3)], lambda x: x[:, None], id="expand_dims"),
    Row("transpose", lambda x: tf.transpose(x, [1, 2, 0]), [randn(2, 3, 4)], lambda x: x.transpose(1, 2, 0)),
    Row("stack", lambda x, y: tf.stack([x, y], axis=1), [randn(2, 3), randn(2, 3)],
        lambda x, y: np.stack([x, y], axis=1)),
    Row("take_index", lambda x: tf.unstack(x, axis=1)[1], [randn(2, 3)], lambda x: x[:, 1], id="unstack"),
    Row("put_index", lambda g: shape_ops._put_index(g, axis=0, index=1, shape=(3, 2)), [randn(2)],
        lambda g: np.stack([np.zeros(2), g, np.zeros(2)])),
    Row("where", lambda x, y: tf.where(np.array([True, False, True]), x, y), [randn(3), randn(2, 3)],
        lambda x, y: np.where([True, False, True], x, y), id="broadcast"),
    Row("cast", lambda x: tf.cast(x, tf.float32), [randn(3)], lambda x: x.astype(np.float32), order=2,
        rtol=1e-6, float32=False, eps=1e-2, grad_rtol=1e-4, grad_atol=1e-4, id="f64->f32"),
    Row("cast", lambda x: tf.cast(x, tf.int32), [randn(3) * 3], lambda x: x.astype(np.int32), order=0,
        no_grad=True, id="->int"),
    Row("identity", tf.identity, [randn(2, 2)], lambda x: x),
    Row("zeros_like", tf.zeros_like, [randn(2, 2)], np.zeros_like, order=0, no_grad=True),
    Row("ones_like", tf.ones_like, [randn(2, 2)], np.ones_like, order=0, no_grad=True),
    Row("gather_nd", lambda p: tf.gather_nd(p, [[0, 1], [2, 0], [0, 1]]), [randn(3, 2)],
        lambda p: p[[0, 2, 0], [1, 0, 1]], id="repeated-index"),
    Row("scatter_nd", lambda u: tf.scatter_nd([[1], [3], [1]], u, [5, 2]), [randn(3, 2)],
        lambda u: _scatter_ref(u), id="duplicates-add"),
    Row("strided_slice", lambda x: x[1:, ::-2], [randn(3, 5)], lambda x: x[1:, ::-2], id="steps"),
    Row("strided_slice", lambda x: x[..., 1, None], [randn(2, 3, 4)], lambda x: x[..., 1, None],
        id="ellipsis-newaxis"),
    Row("strided_slice", lambda x: x[-1], [randn(3, 2)], lambda x: x[-1], id="negative-int"),
    Row("strided_slice", lambda x: x[np.array([0, 2, 0])], [randn(3, 2)], lambda x: x[[0, 2, 0]],
        id="int-array-repeats"),
    Row("strided_slice_grad", lambda g: primitives.strided_slice_grad(g, key=(slice(1, None),), shape=(3,)),
        [randn(2)], lambda g: np.concatenate([[0.0], g])),
    Row("take_along_last_axis", lambda x: tf.math.top_k(x, k=2).values, [randn(3, 5)],
        lambda x: -np.sort(-x, axis=-1)[:, :2], id="top_k"),
    Row("put_along_last_axis",
        lambda u: sort_ops._put_along_last(u, np.array([[2, 0]]), shape=(1, 3)), [randn(1, 2)],
        lambda u: np.array([[u[0, 1], 0.0, u[0, 0]]])),
]


def _scatter_ref(u):
    out = np.zeros((5, 2))
    out[1] += u[0] + u[2]
    out[3] += u[1]
    return out
