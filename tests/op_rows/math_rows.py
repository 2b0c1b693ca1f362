"""Rows for the elementwise math family (tapegrad/ops/math_ops.py).

Rows whose id ends in "(TF)" check a gradient convention at a kink, tie or boundary: their
``fn`` returns the tape's gradients and their reference holds TensorFlow 2.21's numbers for the
same inputs (finite differences cannot see those conventions).
"""
import math

import numpy as np

import tapegrad as tf
from . import Row, randn, away_from


def grads(f):
    """A row function returning the tape's gradients of ``f`` at its arguments."""
    def fn(*xs):
        with tf.GradientTape() as tape:
            tape.watch(list(xs))
            y = f(*xs)
        return tape.gradient(y, list(xs))
    return fn


def hessian_times(f, v):
    """A row function returning d/dx <grad f(x), v> (nested tapes)."""
    def fn(x):
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = f(x)
            g = inner.gradient(y, x)
            s = tf.reduce_sum(g * tf.constant(np.asarray(v, dtype=np.asarray(x).dtype)))
        return outer.gradient(s, x)
    return fn


_erf = np.vectorize(math.erf)
_erfc = np.vectorize(math.erfc)
_signs = np.array([1.0, -1.0, 1.0])


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


ROWS = [
    # arithmetic
    Row("reciprocal", tf.math.reciprocal, [randn(2, 3, low=0.5, high=2.0) * _signs], np.reciprocal),
    Row("squared_difference", tf.math.squared_difference, [randn(2, 3), randn(3)],
        lambda x, y: (x - y) ** 2, id="(2,3),(3,)"),
    Row("multiply", lambda x: tf.math.scalar_mul(3.0, x), [randn(2, 2)], lambda x: 3 * x, id="scalar_mul"),
    Row("add_n", lambda a, b, c: tf.add_n([a, b, c]), [randn(2, 3), randn(2, 3), randn(2, 3)],
        lambda a, b, c: a + b + c, id="3-inputs"),
    Row("add_n", lambda a: tf.math.add_n([a, a]), [randn(4)], lambda a: 2 * a, id="same-input-twice"),
    Row("divide_no_nan", tf.math.divide_no_nan, [randn(2, 3), randn(3, low=0.5, high=2.0)], np.divide,
        id="y!=0"),
    Row("divide_no_nan", grads(tf.math.divide_no_nan),
        [np.array([1.0, 0.0, 2.0]), np.array([0.0, 0.0, 4.0])],
        lambda x, y: [np.array([0.0, 0.0, 0.25]), np.array([0.0, 0.0, -0.125])], order=0,
        id="y=0-gradient(TF)"),
    Row("divide_no_nan", tf.math.divide_no_nan, [np.array([1.0, 0.0, np.inf]), np.zeros(3)],
        lambda x, y: np.zeros(3), order=0, id="y=0-forward"),
    Row("divide_no_nan", tf.math.reciprocal_no_nan, [np.array([0.0, 2.0, -0.5])],
        lambda x: np.array([0.0, 0.5, -2.0]), order=0, id="reciprocal_no_nan"),
    Row("divide_no_nan", tf.math.reciprocal_no_nan, [randn(4, low=0.5, high=2.0)], np.reciprocal,
        id="reciprocal_no_nan-grad"),
    Row("xlogy", tf.math.xlogy, [randn(2, 3), randn(3, low=0.5, high=2.0)], lambda x, y: x * np.log(y),
        id="(2,3),(3,)"),
    Row("xlogy", grads(tf.math.xlogy), [np.array([0.0, 0.0, 2.0]), np.array([0.0, 1.0, 4.0])],
        lambda x, y: [np.array([0.0, 0.0, np.log(4.0)]), np.array([0.0, 0.0, 0.5])], order=0,
        id="x=0(TF)"),
    Row("xdivy", tf.math.xdivy, [randn(3, 1), randn(1, 2, low=0.5, high=2.0)], np.divide, id="(3,1),(1,2)"),
    Row("xdivy", grads(tf.math.xdivy), [np.array([0.0, 0.0, 2.0]), np.array([0.0, 1.0, 4.0])],
        lambda x, y: [np.array([0.0, 0.0, 0.25]), np.array([0.0, 0.0, -0.125])], order=0, id="x=0(TF)"),
    # powers, exponentials, logarithms
    Row("rsqrt", tf.math.rsqrt, [randn(2, 3, low=0.3, high=3.0)], lambda x: 1 / np.sqrt(x)),
    Row("expm1", tf.math.expm1, [randn(3, 2)], np.expm1),
    Row("expm1", tf.math.expm1, [np.array([1e-10, -1e-12])], np.expm1, order=0, rtol=1e-12, id="tiny"),
    Row("log1p", tf.math.log1p, [randn(5, low=-0.5, high=3.0)], np.log1p),
    # activations kept in tf.math
    Row("sigmoid", tf.sigmoid, [randn(2, 4) * 3], _sigmoid),
    Row("sigmoid", tf.nn.sigmoid, [np.array([-700.0, -30.0, 30.0, 700.0])],
        lambda x: np.array([np.exp(-700.0), _sigmoid(-30.0), _sigmoid(30.0), 1.0]), order=0,
        rtol=1e-12, id="saturated"),
    Row("softplus", tf.math.softplus, [randn(3, 3) * 3], lambda x: np.log1p(np.exp(x))),
    Row("softplus", tf.nn.softplus, [np.array([-800.0, 800.0])], lambda x: np.array([0.0, 800.0]),
        order=0, id="no-overflow"),
    Row("softplus", tf.math.log_sigmoid, [randn(4) * 3], lambda x: np.log(_sigmoid(x)), id="log_sigmoid"),
    Row("softsign", tf.nn.softsign, [away_from(randn(2, 3) * 2)], lambda x: x / (1 + np.abs(x))),
    Row("erf", tf.math.erf, [randn(3, 4) * 2], _erf),
    Row("erf", tf.math.erf, [np.array([0.0, 0.3, -0.47, 0.48, 3.9, -4.1, 6.0, 27.0, np.inf, -np.inf])],
        _erf, order=0, rtol=1e-14, atol=0, float32=False, id="all-ranges"),
    Row("erfc", tf.math.erfc, [randn(3, 4) * 2], _erfc),
    Row("erfc", tf.math.erfc, [np.array([-5.0, -0.2, 0.2, 0.5, 3.0, 5.0, 10.0, 26.0])], _erfc,
        order=0, rtol=1e-13, atol=0, float32=False, id="tails"),
    # trigonometric and hyperbolic
    Row("sin", tf.sin, [randn(2, 3)], np.sin),
    Row("cos", tf.math.cos, [randn(2, 3)], np.cos),
    Row("tan", tf.tan, [randn(5, low=-1.2, high=1.2)], np.tan),
    Row("asin", tf.asin, [randn(5, low=-0.9, high=0.9)], np.arcsin),
    Row("acos", tf.math.acos, [randn(5, low=-0.9, high=0.9)], np.arccos),
    Row("atan", tf.atan, [randn(2, 3) * 2], np.arctan),
    Row("atan2", tf.atan2, [randn(2, 3), randn(3)], np.arctan2, id="(2,3),(3,)"),
    Row("sinh", tf.sinh, [randn(4)], np.sinh),
    Row("cosh", tf.math.cosh, [randn(4)], np.cosh),
    Row("asinh", tf.asinh, [randn(4) * 2], np.arcsinh),
    Row("acosh", tf.math.acosh, [randn(4, low=1.2, high=4.0)], np.arccosh),
    Row("atanh", tf.atanh, [randn(4, low=-0.9, high=0.9)], np.arctanh),
    # kinks, ties, bounds
    Row("maximum", tf.maximum, [randn(2, 3), randn(3)], np.maximum, order=1, id="(2,3),(3,)"),
    Row("maximum", grads(tf.maximum), [np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 3.0])],
        lambda x, y: [np.ones(3), np.zeros(3)], order=0, id="tie-to-first(TF)"),
    Row("maximum", grads(tf.maximum), [np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([2.0])],
        lambda x, y: [np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([1.0])], order=0,
        id="broadcast-tie(TF)"),
    Row("minimum", tf.minimum, [randn(3, 1), randn(1, 4)], np.minimum, order=1, id="(3,1),(1,4)"),
    Row("minimum", grads(tf.minimum), [np.array([1.0, 2.0, 3.0]), np.array([1.0, 3.0, 3.0])],
        lambda x, y: [np.ones(3), np.zeros(3)], order=0, id="tie-to-first(TF)"),
    Row("minimum", lambda x: tf.clip_by_value(x, -0.5, 0.5), [away_from(randn(3, 3), (-0.5, 0.5))],
        lambda x: np.clip(x, -0.5, 0.5), order=1, id="clip_by_value"),
    Row("maximum", lambda x, lo, hi: tf.clip_by_value(x, lo, hi),
        [np.array([-1.0, 0.25, 2.0]), np.array([0.0, 0.0, 0.0]), np.array([1.0, 1.0, 1.0])],
        lambda x, lo, hi: np.clip(x, lo, hi), order=1, id="clip_by_value-tensor-bounds"),
    Row("maximum", grads(lambda x, lo, hi: tf.clip_by_value(x, lo, hi)),
        [np.array([-1.0, 0.0, 0.5, 1.0, 2.0]), np.zeros(5), np.ones(5)],
        lambda x, lo, hi: [np.array([0.0, 1, 1, 1, 0]), np.array([1.0, 0, 0, 0, 0]), np.array([0.0, 0, 0, 0, 1])],
        order=0, id="clip_by_value-at-bounds(TF)"),
    Row("abs", grads(tf.abs), [np.array([0.0, -2.0])], lambda x: [np.array([0.0, -1.0])], order=0,
        id="zero-at-0(TF)"),
    Row("sign", grads(tf.sign), [np.array([0.0, 1.5])], lambda x: [np.zeros(2)], order=0, id="zeros(TF)"),
    Row("softsign", grads(tf.nn.softsign), [np.array([0.0, 0.5, -2.0])],
        lambda x: [np.array([1.0, 1 / 2.25, 1 / 9.0])], order=0, id="gradient(TF)"),
    Row("pow", grads(tf.pow), [np.array([0.0, -1.0]), np.array([2.0, 2.0])],
        lambda x, y: [np.array([0.0, -2.0]), np.array([0.0, 0.0])], order=0, id="base<=0(TF)"),
    Row("pow", lambda y: tf.pow(2.0, y), [randn(3)], lambda y: 2.0 ** y, id="python-base"),
    # rounding: no gradient
    Row("round", tf.round, [np.array([0.5, 1.5, 2.5, -0.5, -1.7])], np.round, order=0, no_grad=True,
        id="half-to-even"),
    Row("floor", tf.floor, [randn(5) * 3], np.floor, order=0, no_grad=True),
    Row("ceil", tf.math.ceil, [randn(5) * 3], np.ceil, order=0, no_grad=True),
    Row("rint", tf.math.rint, [np.array([0.5, 1.5, -2.5, 0.7])], np.rint, order=0, no_grad=True),
    # predicates: no gradient
    Row("is_nan", tf.math.is_nan, [np.array([1.0, np.nan, np.inf])], np.isnan, order=0, no_grad=True),
    Row("is_inf", tf.math.is_inf, [np.array([1.0, np.nan, -np.inf])], np.isinf, order=0, no_grad=True),
    Row("is_finite", tf.math.is_finite, [np.array([1.0, np.nan, np.inf])], np.isfinite, order=0, no_grad=True),
    # truediv of integers: float64 (float32 for 8/16-bit), as TF
    Row("divide", lambda x, y: [tf.math.truediv(x, y), tf.math.truediv(x, y).dtype == tf.float64],
        [np.array([1, 2], np.int32), np.array([2, 4], np.int32)], lambda x, y: [np.array([0.5, 0.5]), True],
        order=0, float32=False, id="int32->float64"),
    Row("divide", lambda x, y: [x / y, (x / y).dtype == tf.float32],
        [np.array([1, 2], np.int16), np.array([2, 4], np.int16)], lambda x, y: [np.array([0.5, 0.5]), True],
        order=0, float32=False, id="int16->float32"),
]
