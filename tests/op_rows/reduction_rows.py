"""Rows for reductions and scans (tapegrad/ops/reduction_ops.py).

Composite functions (norm, moments, l2_normalize, reduce_std ...) are listed under the
primitive they mostly exercise. Rows whose id ends in "(TF)" hold TensorFlow 2.21's numbers for
a gradient convention that finite differences cannot check (ties, zeros, stop_gradient).
"""
import numpy as np

import tapegrad as tf
from . import Row, randn, away_from
from .math_rows import grads, hessian_times


def _logsumexp(x, axis=None, keepdims=False):
    top = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - top), axis=axis, keepdims=True)) + top
    return out if keepdims else np.squeeze(out, axis=axis)


def _exclusive(scan, x, axis, reverse):
    if reverse:
        x = np.flip(x, axis)
    out = scan(x, axis=axis)
    ident = 0.0 if scan is np.cumsum else 1.0
    out = np.concatenate([np.full_like(np.take(out, [0], axis=axis), ident),
                          np.delete(out, -1, axis=axis)], axis=axis)
    return np.flip(out, axis) if reverse else out


ROWS = [
    # max / min: random data has no ties; the tie convention is checked against TF's numbers
    Row("reduce_max", lambda x: tf.reduce_max(x, axis=1), [randn(3, 4)], lambda x: x.max(axis=1), id="axis=1"),
    Row("reduce_max", lambda x: tf.reduce_max(x, axis=[0, -1], keepdims=True), [randn(2, 3, 4)],
        lambda x: x.max(axis=(0, 2), keepdims=True), id="axis=[0,-1],keepdims"),
    Row("reduce_max", tf.reduce_max, [randn(2, 3)], np.max, id="all"),
    Row("reduce_max", grads(lambda x: tf.reduce_max(x, axis=1)), [np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])],
        lambda x: [np.array([[0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])], order=0, rtol=1e-6,
        id="ties-split(TF)"),
    Row("reduce_max", lambda x: tf.reduce_max(x, axis=0), [np.zeros((0, 3))], lambda x: np.full(3, -np.inf),
        order=0, id="empty->-inf"),
    Row("reduce_min", lambda x: tf.math.reduce_min(x, axis=-2), [randn(3, 4)], lambda x: x.min(axis=-2),
        id="axis=-2"),
    Row("reduce_min", lambda x: tf.reduce_min(x, keepdims=True), [randn(2, 3)],
        lambda x: x.min(keepdims=True), id="all,keepdims"),
    Row("reduce_min", grads(tf.reduce_min), [np.array([[1.0, 3.0, 1.0], [2.0, 2.0, 2.0]])],
        lambda x: [np.array([[0.5, 0.0, 0.5], [0.0, 0.0, 0.0]])], order=0, id="ties-split(TF)"),
    # logsumexp
    Row("reduce_logsumexp", lambda x: tf.reduce_logsumexp(x, axis=1), [randn(3, 4)],
        lambda x: _logsumexp(x, axis=1), id="axis=1"),
    Row("reduce_logsumexp", lambda x: tf.math.reduce_logsumexp(x, axis=[0, 2], keepdims=True), [randn(2, 3, 2)],
        lambda x: _logsumexp(x, axis=(0, 2), keepdims=True), id="axis=[0,2],keepdims"),
    Row("reduce_logsumexp", tf.reduce_logsumexp, [randn(5) * 3], _logsumexp, id="all"),
    Row("reduce_logsumexp", lambda x: tf.reduce_logsumexp(x, axis=1), [randn(2, 3) * 3 + 1000.0],
        lambda x: _logsumexp(x, axis=1), order=1, id="large-no-overflow"),
    Row("reduce_logsumexp", lambda x: tf.reduce_logsumexp(x, axis=1),
        [np.array([[-np.inf, -np.inf], [1.0, np.inf]])], lambda x: np.array([-np.inf, np.inf]), order=0,
        id="non-finite"),
    # prod: the gradient is right with zeros (TF's two-sided exclusive cumprods)
    Row("reduce_prod", lambda x: tf.reduce_prod(x, axis=[0, 2]), [randn(2, 3, 2, low=0.5, high=1.5)],
        lambda x: x.prod(axis=(0, 2)), id="axis=[0,2]"),
    Row("reduce_prod", lambda x: tf.reduce_prod(x, axis=-1, keepdims=True), [randn(3, 4, low=-1.5, high=1.5)],
        lambda x: x.prod(axis=-1, keepdims=True), id="axis=-1,keepdims"),
    Row("reduce_prod", lambda x: tf.reduce_prod(x, axis=1),
        [np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 3.0], [1.0, 2.0, 3.0]])], lambda x: x.prod(axis=1), order=1,
        id="zeros"),
    Row("reduce_prod", grads(lambda x: tf.reduce_prod(x, axis=1)),
        [np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 3.0], [1.0, 2.0, 3.0]])],
        lambda x: [np.array([[6.0, 0, 0], [0, 0, 0], [6, 3, 2]])], order=0, id="zeros(TF)"),
    Row("reduce_prod", hessian_times(tf.reduce_prod, [1.0, 1.0, 1.0]), [np.array([0.0, 2.0, 3.0])],
        lambda x: np.array([0.0, 3.0, 2.0]), order=0, id="zeros-2nd-order(TF)"),
    # scans
    Row("cumsum", lambda x: tf.cumsum(x, axis=1), [randn(2, 4)], lambda x: np.cumsum(x, axis=1), id="axis=1"),
    Row("cumsum", lambda x: tf.math.cumsum(x, axis=-1, exclusive=True, reverse=True), [randn(2, 4)],
        lambda x: _exclusive(np.cumsum, x, 1, True), id="exclusive,reverse"),
    Row("cumsum", lambda x: tf.cumsum(x, exclusive=True), [randn(3, 2)],
        lambda x: _exclusive(np.cumsum, x, 0, False), id="exclusive"),
    Row("cumsum", lambda x: tf.cumsum(x, reverse=True), [randn(4)], lambda x: np.cumsum(x[::-1])[::-1],
        id="reverse"),
    Row("cumprod", lambda x: tf.math.cumprod(x, axis=1), [randn(2, 4, low=0.5, high=1.5) * [1, -1, 1, 1]],
        lambda x: np.cumprod(x, axis=1), id="axis=1"),
    Row("cumprod", lambda x: tf.math.cumprod(x, axis=0, exclusive=True, reverse=True), [randn(4, 2, low=0.5, high=1.5)],
        lambda x: _exclusive(np.cumprod, x, 0, True), id="exclusive,reverse"),
    Row("cumprod", grads(tf.math.cumprod), [np.array([2.0, 0.0, 3.0])], lambda x: [np.array([1.0, 0.0, 0.0])],
        order=0, id="zero-gets-0(TF)"),
    Row("cumulative_logsumexp", lambda x: tf.math.cumulative_logsumexp(x, axis=1), [randn(2, 4) * 2],
        lambda x: np.log(np.cumsum(np.exp(x), axis=1)), id="axis=1"),
    # (the last row of an exclusive reverse scan is -inf: sliced off for the finite differences)
    Row("cumulative_logsumexp", lambda x: tf.math.cumulative_logsumexp(x, exclusive=True, reverse=True)[:-1],
        [randn(4, 2) * 2], lambda x: np.log(_exclusive(np.cumsum, np.exp(x), 0, True))[:-1],
        id="exclusive,reverse"),
    Row("cumulative_logsumexp", lambda x: tf.math.cumulative_logsumexp(x, exclusive=True),
        [np.array([0.0, 1.0])], lambda x: np.array([-np.inf, 0.0]), order=0, id="exclusive-first=-inf"),
    Row("cumulative_logsumexp", tf.math.cumulative_logsumexp, [np.array([1000.0, 1001.0, -1000.0])],
        lambda x: 1000.0 + np.log(np.cumsum(np.exp(x - 1000.0))), order=0, id="no-overflow"),
    # variance, std, moments (composites of reduce_mean)
    Row("reduce_mean", lambda x: tf.math.reduce_variance(x, axis=1), [randn(3, 4)], lambda x: x.var(axis=1),
        id="reduce_variance"),
    Row("reduce_mean", lambda x: tf.math.reduce_std(x, axis=[0, -1], keepdims=True), [randn(2, 3, 2)],
        lambda x: x.std(axis=(0, 2), keepdims=True), id="reduce_std"),
    Row("reduce_mean", lambda x: tf.nn.moments(x, axes=[0, 2]), [randn(2, 3, 2)],
        lambda x: [x.mean(axis=(0, 2)), x.var(axis=(0, 2))], order=1, id="moments"),
    Row("reduce_mean", lambda x: tf.nn.moments(x, axes=[1], keepdims=True), [randn(2, 3)],
        lambda x: [x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)], order=1, id="moments-keepdims"),
    Row("reduce_mean", hessian_times(lambda x: tf.nn.moments(x, axes=[0])[1], [1.0, 0.0, 0.0]),
        [np.array([1.0, 2.0, 4.0])], lambda x: np.array([2 / 3, 0.0, 0.0]), order=0,
        id="moments-2nd-order-stop_gradient(TF)"),
    # norms (composites)
    Row("reduce_sum", tf.norm, [randn(2, 3)], lambda x: np.sqrt((x * x).sum()), id="norm-euclidean-all"),
    Row("reduce_sum", lambda x: tf.linalg.norm(x, axis=-1, keepdims=True), [randn(2, 3)],
        lambda x: np.linalg.norm(x, axis=-1, keepdims=True), id="norm-axis=-1,keepdims"),
    Row("reduce_sum", lambda x: tf.norm(x, ord=1, axis=0), [away_from(randn(3, 2))],
        lambda x: np.abs(x).sum(axis=0), id="norm-ord=1"),
    Row("reduce_max", lambda x: tf.norm(x, ord=np.inf, axis=1), [randn(2, 4)],
        lambda x: np.abs(x).max(axis=1), order=1, id="norm-ord=inf"),
    Row("pow", lambda x: tf.norm(x, ord=3), [away_from(randn(4))], lambda x: np.sum(np.abs(x) ** 3) ** (1 / 3),
        id="norm-ord=3"),
    Row("reduce_sum", lambda x: tf.norm(x, ord="fro", axis=[1, 2]), [randn(2, 3, 2)],
        lambda x: np.linalg.norm(x, ord="fro", axis=(1, 2)), id="norm-fro"),
    Row("reduce_max", lambda x: tf.norm(x, ord=1, axis=[-2, -1]), [away_from(randn(2, 3, 3))],
        lambda x: np.linalg.norm(x, ord=1, axis=(-2, -1)), order=1, id="norm-matrix-1"),
    Row("reduce_max", lambda x: tf.norm(x, ord=np.inf, axis=[0, 1], keepdims=True), [away_from(randn(3, 3))],
        lambda x: np.linalg.norm(x, ord=np.inf, axis=(0, 1), keepdims=True), order=1, id="norm-matrix-inf"),
    Row("reduce_max", grads(lambda x: tf.norm(x, ord=np.inf, axis=[0, 1])), [np.array([[1.0, -2.0], [-3.0, 0.0]])],
        lambda x: [np.array([[0.5, -0.5], [-0.5, 0.0]])], order=0, id="norm-matrix-inf-tie(TF)"),
    Row("sqrt", lambda x: tf.math.reduce_euclidean_norm(x, axis=1), [randn(3, 2)],
        lambda x: np.sqrt((x * x).sum(axis=1)), id="reduce_euclidean_norm"),
    Row("rsqrt", lambda x: tf.math.l2_normalize(x, axis=-1), [randn(3, 4)],
        lambda x: x / np.linalg.norm(x, axis=-1, keepdims=True), id="l2_normalize"),
    Row("rsqrt", lambda x: tf.nn.l2_normalize(x), [randn(2, 2)], lambda x: x / np.linalg.norm(x),
        id="l2_normalize-all"),
    Row("rsqrt", grads(lambda x: tf.linalg.l2_normalize(x, epsilon=1e-4)), [np.array([1e-3, 0.0])],
        lambda x: [np.array([100.0, 100.0])], order=0, rtol=1e-5, id="l2_normalize-epsilon(TF)"),
    # no gradient
    Row("reduce_any", lambda x: tf.reduce_any(x, axis=1), [np.array([[True, False], [False, False]])],
        lambda x: x.any(axis=1), order=0),
    Row("reduce_all", lambda x: tf.math.reduce_all(x, axis=[0, 1], keepdims=True),
        [np.array([[True, True], [False, True]])], lambda x: x.all(keepdims=True), order=0),
    Row("argmax", tf.argmax, [np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0]])], lambda x: np.array([1, 0, 0]),
        order=0, no_grad=True, id="axis=None->0"),
    Row("argmax", lambda x: tf.math.argmax(x, axis=-1, output_type=tf.int32), [randn(3, 4)],
        lambda x: x.argmax(axis=-1), order=0, no_grad=True, id="axis=-1,int32"),
    Row("argmin", lambda x: tf.argmin(x, axis=1), [np.array([[3.0, 1.0, 1.0], [0.0, 2.0, -1.0]])],
        lambda x: np.array([1, 2]), order=0, no_grad=True, id="ties-lowest-index"),
    Row("count_nonzero", lambda x: tf.math.count_nonzero(x, axis=0), [np.array([[0.0, 1.0], [2.0, 0.0]])],
        lambda x: np.array([1, 1]), order=0, no_grad=True),
]
