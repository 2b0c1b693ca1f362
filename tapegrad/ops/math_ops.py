"""Elementwise math: arithmetic, powers, exponentials, trigonometric and hyperbolic functions,
activations that TensorFlow keeps in ``tf.math`` (sigmoid, softplus, softsign), rounding,
comparisons and logic.

Binary ops broadcast; the engine sums their gradients back to each input's shape, so the rules
below return gradients of the output's shape. Each op's public names are TensorFlow 2.21's
(``tf.X`` only where TensorFlow has it at the top level).
"""
import math as _math

import numpy as np

from ..core.errors import InvalidArgumentError, NotFoundError
from ..core.registry import defop, dtype_rule, export, convert_to_tensor, require_dtype
from ..core.tensor import TensorLike, to_array
from . import primitives as prim
from ._util import describe, forward_error

_f64 = np.dtype(np.float64)

# The dtypes TensorFlow's kernels accept, given to each defop as ``kinds`` (a dtypes.select spec).
# TF refuses ``exp`` of an int32 tensor and ``add`` of two bools ("Value for attr 'T' ... is not in
# the list of allowed values"); NumPy would silently promote. The lists are TF 2.21's, as
# tools/probe_tf_dtypes.py records them (tests/data/tf_dtype_acceptance.json). ``refusals`` name
# the dtypes TF refuses with another class: NotFoundError where the op is defined for the dtype
# but TF registers no CPU kernel ("Could not find device"), TypeError where its Python wrapper
# refuses it (bool division: "Invalid dtype tf.bool in __truediv__").
_FLOAT_OR_COMPLEX = "fc"
_FLOAT = "f"
_NUMBERS = "fciu"
_SIGNED = "fci"    # no unsigned integers: TF has no negative/abs/sign of a uint
_ORDERED = "fiu"   # comparisons and max/min: no complex
_BOOL = "b"
_NO_BOOL_DIVISION = {"b": TypeError}


def _names(name, top=True):
    return ((name,) if top else ()) + ("math." + name,)


# -- arithmetic -----------------------------------------------------------------------------

add = defop("add", np.add, lambda g, ans, needs, x, y: (g, g),
            arity="binary", api=_names("add"), broadcasting=True, save_inputs=False, save_output=False,
            kinds=_NUMBERS)

subtract = defop("subtract", np.subtract,
                 lambda g, ans, needs, x, y: (g, -g if needs[1] else None),
                 arity="binary", api=_names("subtract"), broadcasting=True, save_inputs=False,
                 save_output=False, kinds=_NUMBERS)

multiply = defop("multiply", np.multiply,
                 lambda g, ans, needs, x, y: (g * y if needs[0] else None, g * x if needs[1] else None),
                 arity="binary", api=_names("multiply"), broadcasting=True, save_output=False, kinds=_NUMBERS)


def _small_int(v):
    dt = getattr(v, "dtype", None)
    return dt is None or (dt.kind in "iu" and dt.itemsize <= 2)


def _truediv_forward(x, y):
    try:
        out = np.true_divide(x, y)
    except (ValueError, TypeError) as e:  # free unless raised (Python 3.11 zero-cost try)
        raise forward_error("divide", e, x, y) from None
    # As TF: int32/int64 division gives float64, int8/int16/uint8/uint16 give float32 (NumPy
    # would widen those to float64 too).
    if out.dtype is _f64 and getattr(x, "dtype", _f64).kind in "iu" and _small_int(x) and _small_int(y):
        out = out.astype(np.float32)
    return out


def _div_vjp(g, ans, needs, x, y):
    return (g / y if needs[0] else None,
            -g * x / (y * y) if needs[1] else None)


divide = defop("divide", _truediv_forward, _div_vjp, arity="binary",
               api=_names("divide") + ("truediv", "math.truediv"), broadcasting=True, save_output=False,
               notes="Integer inputs give float64 (int8/int16/uint8/uint16: float32), as TF's truediv.",
               kinds=_NUMBERS, refusals=_NO_BOOL_DIVISION)

def _divide_no_nan_forward(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        try:
            q = np.true_divide(x, y)
        except (ValueError, TypeError) as e:
            raise forward_error("divide_no_nan", e, x, y) from None
    return np.where(np.equal(y, 0), 0, q)


def _divide_no_nan_vjp(g, ans, needs, x, y):
    # TF's _DivNoNanGrad: the same rule as divide, each quotient taken as 0 where y == 0.
    return (divide_no_nan(g, y) if needs[0] else None,
            g * divide_no_nan(divide_no_nan(-x, y), y) if needs[1] else None)


divide_no_nan = defop("divide_no_nan", _divide_no_nan_forward, _divide_no_nan_vjp, arity="binary",
                      api=("math.divide_no_nan",), broadcasting=True, save_output=False,
                      notes="x / y, and 0 where y == 0 (even for x = 0 or inf); gradients 0 there too.",
                      kinds=_NUMBERS, refusals=_NO_BOOL_DIVISION)

@export("math.reciprocal_no_nan")
def reciprocal_no_nan(x, name=None):
    """``1 / x``, and 0 where ``x`` is 0, as ``tf.math.reciprocal_no_nan`` (``divide_no_nan(1, x)``)."""
    x = prim.as_tensor(x)
    require_dtype("reciprocal_no_nan", _RECIPROCAL_NO_NAN, x)
    return divide_no_nan(1, x)


# TF: the 1 cannot become a bool (TypeError); DivNoNan has no integer kernel.
_RECIPROCAL_NO_NAN = dtype_rule("fc", {"b": TypeError})


def _nonzero(x):
    """1 where x != 0, else 0, in x's dtype (a Python scalar stays a Python scalar)."""
    if isinstance(x, (int, float)):
        return 1.0 if x != 0 else 0.0
    return prim.cast(not_equal(x, 0), dtype=np.asarray(x).dtype)


def _x_times(fn, op_name):
    """x * fn(y), and 0 where x == 0 (whatever fn(y) is: inf, nan)."""
    def forward(x, y):
        if isinstance(y, (int, float)) and getattr(x, "dtype", None) is not None and x.dtype.kind == "f":
            y = np.asarray(y, x.dtype)  # fn(python float) is a float64 NumPy scalar: keep x's dtype
        with np.errstate(divide="ignore", invalid="ignore"):
            try:
                v = np.multiply(x, fn(y))
            except (ValueError, TypeError) as e:
                raise forward_error(op_name, e, x, y) from None
        return np.where(np.equal(x, 0), 0, v)
    return forward


def _xlogy_vjp(g, ans, needs, x, y):
    # TF's _XLogyGrad: d/dx = xlogy(x != 0, y), d/dy = xdivy(x, y) (both 0 where x == 0).
    return (g * xlogy(_nonzero(x), y) if needs[0] else None,
            g * xdivy(x, y) if needs[1] else None)


def _xdivy_vjp(g, ans, needs, x, y):
    # TF's _XDivyGrad: d/dx = xdivy(x != 0, y), d/dy = xdivy(-x, y**2).
    return (g * xdivy(_nonzero(x), y) if needs[0] else None,
            g * xdivy(-x, y * y) if needs[1] else None)


xlogy = defop("xlogy", _x_times(np.log, "xlogy"), _xlogy_vjp, arity="binary", api=("math.xlogy",),
              broadcasting=True, save_output=False,
              notes="x*log(y), 0 where x == 0 (even for y = 0); gradients 0 there, as TF.", kinds=_FLOAT_OR_COMPLEX)
xdivy = defop("xdivy", _x_times(np.reciprocal, "xdivy"), _xdivy_vjp, arity="binary", api=("math.xdivy",),
              broadcasting=True, save_output=False,
              notes="x/y, 0 where x == 0 (even for y = 0); gradients 0 there, as TF.", kinds=_FLOAT_OR_COMPLEX)

negative = defop("negative", np.negative, lambda g, ans, needs, x: (-g,),
                 arity="unary", api=_names("negative"), save_inputs=False, save_output=False, kinds=_SIGNED)

reciprocal = defop("reciprocal", np.reciprocal, lambda g, ans, needs, x: (-g * ans * ans,),
                   arity="unary", api=("math.reciprocal",), save_inputs=False,
                   notes="Gradient -g/x**2, written as -g*ans**2 (TF's rule; -inf at 0).",
                   kinds=_SIGNED, refusals={"i": NotFoundError})  # integer Reciprocal: no CPU kernel


def _squared_difference_vjp(g, ans, needs, x, y):
    d = g * (2.0 * (x - y))
    return (d if needs[0] else None, -d if needs[1] else None)


def _squared_difference_forward(x, y):
    try:
        return np.square(np.subtract(x, y))
    except (ValueError, TypeError) as e:
        raise forward_error("squared_difference", e, x, y) from None


squared_difference = defop(
    "squared_difference", _squared_difference_forward, _squared_difference_vjp,
    arity="binary", api=("math.squared_difference",), broadcasting=True, save_output=False, kinds="fc int32 int64")


@export("math.scalar_mul", "scalar_mul")
def scalar_mul(scalar, x, name=None):
    """``scalar * x`` for a 0-d ``scalar``, as ``tf.math.scalar_mul``.

    >>> import tapegrad as tf
    >>> tf.math.scalar_mul(2.0, tf.constant([1.0, 3.0])).numpy()
    array([2., 6.], dtype=float32)
    """
    if np.ndim(scalar._value if isinstance(scalar, TensorLike) else scalar) != 0:
        raise InvalidArgumentError(f"scalar_mul: scalar must be 0-d, got shape {np.shape(scalar)}")
    if isinstance(x, TensorLike):
        require_dtype("scalar_mul", _NUMBERS_RULE, x)
    return multiply(scalar, x)


_NUMBERS_RULE = dtype_rule(_NUMBERS)


def _add_n_forward(*xs):
    out = xs[0]
    for x in xs[1:]:
        out = np.add(out, x)
    return np.array(out, copy=True) if len(xs) == 1 else out


_add_n = defop("add_n", _add_n_forward, lambda g, ans, needs, *xs: tuple(g if n else None for n in needs),
               save_inputs=False, save_output=False, kinds="fciu",
               notes="Every input receives the incoming gradient; no broadcasting (as TF's AddN).")


def _tensor_value(a):
    if isinstance(a, TensorLike):
        return a._value
    return a.__tapegrad_tensor__()._value


@export("add_n", "math.add_n")
def add_n(inputs, name=None):
    """Sum a list of tensors of one shape and dtype elementwise, as ``tf.add_n``.

    >>> import tapegrad as tf
    >>> tf.add_n([tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])]).numpy()
    array([4., 6.], dtype=float32)
    """
    inputs = [a if isinstance(a, TensorLike) or hasattr(a, "__tapegrad_tensor__") else convert_to_tensor(a)
              for a in (inputs if isinstance(inputs, (list, tuple)) else [inputs])]
    if not inputs:
        raise InvalidArgumentError("add_n: inputs must be a non-empty list of tensors of one shape and dtype")
    values = [_tensor_value(a) for a in inputs]
    first = values[0]
    for i, v in enumerate(values[1:], 1):
        if v.shape != first.shape or v.dtype != first.dtype:
            raise InvalidArgumentError(
                f"add_n: all inputs must have the same shape and dtype; input 0 is {first.dtype} with "
                f"shape {list(first.shape)}, input {i} is {v.dtype} with shape {list(v.shape)} "
                f"(add_n does not broadcast)")
    return _add_n(*inputs)


# -- powers, exponentials, logarithms -------------------------------------------------------

def _pow_vjp(g, ans, needs, x, y):
    # d/dy x**y = x**y * log(x), taken as 0 where x <= 0 (TensorFlow's convention).
    gx = g * y * x ** (y - 1) if needs[0] else None
    gy = None
    if needs[1]:
        if isinstance(x, (int, float)):  # a Python base stays a Python (weak) scalar
            log_x = _math.log(x) if x > 0 else 0.0
        else:
            positive = x > 0
            log_x = prim.select(positive, log(prim.select(positive, x, prim.ones_like(x))), prim.zeros_like(x))
        gy = g * ans * log_x
    return gx, gy


pow = defop("pow", np.power, _pow_vjp, arity="binary", api=_names("pow"), broadcasting=True,  # noqa: A001
            notes="The exponent's gradient x**y*log(x) is taken as 0 where x <= 0, as in TF.", kinds=_SIGNED)

square = defop("square", np.square, lambda g, ans, needs, x: (g * (2 * x),),
               arity="unary", api=_names("square"), save_output=False, kinds=_NUMBERS)

sqrt = defop("sqrt", np.sqrt, lambda g, ans, needs, x: (g * 0.5 / ans,),
             arity="unary", api=_names("sqrt"), save_inputs=False,
             notes="Gradient 0.5*g/ans: inf at 0, as TF.", kinds=_FLOAT_OR_COMPLEX)


def _rsqrt_forward(x):
    return 1 / np.sqrt(x)


rsqrt = defop("rsqrt", _rsqrt_forward, lambda g, ans, needs, x: (g * (-0.5) * ans * ans * ans,),
              arity="unary", api=("math.rsqrt",), save_inputs=False,
              notes="Gradient -0.5*g*ans**3 (TF's rule; -inf at 0).", kinds=_FLOAT_OR_COMPLEX)

exp = defop("exp", np.exp, lambda g, ans, needs, x: (g * ans,),
            arity="unary", api=_names("exp"), save_inputs=False, kinds=_FLOAT_OR_COMPLEX)

expm1 = defop("expm1", np.expm1, lambda g, ans, needs, x: (g * (ans + 1),),
              arity="unary", api=("math.expm1",), save_inputs=False, kinds=_FLOAT_OR_COMPLEX)

log = defop("log", np.log, lambda g, ans, needs, x: (g / x,),
            arity="unary", api=("math.log",), save_output=False, kinds=_FLOAT_OR_COMPLEX)

log1p = defop("log1p", np.log1p, lambda g, ans, needs, x: (g / (1 + x),),
              arity="unary", api=("math.log1p",), save_output=False, kinds=_FLOAT_OR_COMPLEX)


# -- activations that live in tf.math -------------------------------------------------------

def _sigmoid_forward(x):
    # Stable on both sides: exp of a non-positive number never overflows.
    x = np.asarray(x)
    if x.dtype.kind == "b":
        raise forward_error("sigmoid", TypeError("bool"), x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, e) / (1 + e)


sigmoid = defop("sigmoid", _sigmoid_forward, lambda g, ans, needs, x: (g * (ans * (1 - ans)),),
                arity="unary", api=("sigmoid", "math.sigmoid", "nn.sigmoid"), save_inputs=False,
                notes="Stable for large |x| (exp of -|x| only); gradient ans*(1-ans), as TF.", kinds=_FLOAT_OR_COMPLEX)


def _softplus_forward(x):
    # log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)): no overflow, and 3x faster than logaddexp.
    try:
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
    except TypeError as e:  # bool: NumPy has no negative for it
        raise forward_error("softplus", e, x) from None


softplus = defop("softplus", _softplus_forward, lambda g, ans, needs, x: (g * sigmoid(x),),
                 arity="unary", api=("math.softplus", "nn.softplus"), save_output=False,
                 notes="log(1+exp(x)) without overflow; gradient sigmoid(x).", kinds=_FLOAT)


def _softsign_forward(x):
    return x / (1 + np.abs(x))


softsign = defop("softsign", _softsign_forward, lambda g, ans, needs, x: (g / square(1 + abs(x)),),
                 arity="unary", api=("math.softsign", "nn.softsign"), save_output=False,
                 notes="Gradient 1/(1+|x|)**2, as TF.", kinds=_FLOAT)


@export("math.log_sigmoid")
def log_sigmoid(x, name=None):
    """``log(sigmoid(x))`` computed stably as ``-softplus(-x)``, as ``tf.math.log_sigmoid``."""
    x = prim.as_tensor(x)
    require_dtype("log_sigmoid", _FLOAT_RULE, x)
    return negative(softplus(negative(x)))


_FLOAT_RULE = dtype_rule(_FLOAT)


# erf has no NumPy function: W. J. Cody's rational approximations (Math. Comp. 1969, the
# CALERF routine), accurate to float64 rounding, in three ranges of |x|.
_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
          3.20937758913846947e03, 1.85777706184603153e-1)
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
          2.84423683343917062e03)
_ERF_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
          2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
          2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_ERF_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
          1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
          3.43936767414372164e03, 1.23033935480374942e03)
_ERF_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
          1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_ERF_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
          6.05183413124413191e-2, 2.33520497626869185e-3)
_INV_SQRT_PI = 5.6418958354775628695e-1


def _horner(y, coefs):
    """(((c[-1]*y + c[-2])*y + ...)*y + c[0]), in place on one buffer."""
    out = coefs[-1] * y
    for c in coefs[-2:0:-1]:
        out += c
        out *= y
    out += coefs[0]
    return out


def _erf_small(y):
    """erf(y) for |y| <= 0.46875."""
    ysq = y * y
    return y * _horner(ysq, _ERF_A[3::-1] + (_ERF_A[4],)) / _horner(ysq, _ERF_B[3::-1] + (1.0,))


def _erfc_large(y, precise):
    """erfc(y) for y > 0.46875. ``precise``: keep erfc's relative accuracy deep in the tail
    (for erfc itself; erf = 1 - erfc only needs it to absolute accuracy)."""
    y = np.minimum(y, 30.0)  # erfc underflows to 0 well before 30; avoids inf - inf below
    mid = y <= 4.0
    r = np.empty_like(y)
    ym = y[mid]
    r[mid] = _horner(ym, _ERF_C[7::-1] + (_ERF_C[8],)) / _horner(ym, _ERF_D[7::-1] + (1.0,))
    if not mid.all():
        yt = y[~mid]
        isq = 1.0 / (yt * yt)
        frac = isq * _horner(isq, _ERF_P[4::-1] + (_ERF_P[5],)) / _horner(isq, _ERF_Q[4::-1] + (1.0,))
        r[~mid] = (_INV_SQRT_PI - frac) / yt
    if not precise:
        return np.exp(-(y * y)) * r
    # exp(-y*y) in two factors keeps its relative accuracy for large y (Cody's trick).
    ysq = np.trunc(y * 16.0) / 16.0
    return np.exp(-ysq * ysq) * np.exp(-(y - ysq) * (y + ysq)) * r


def _erf_parts(x):
    # float32/float64 are computed in their own precision, float16 in float32 (and cast back),
    # integers in float64.
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else _f64
    if x.dtype.kind != "f" or x.dtype.itemsize < 4:
        x = x.astype(np.float64 if x.dtype.kind != "f" else np.float32)
    y = np.abs(x)
    return x, y, y <= 0.46875, dtype


def _erf_forward(x):
    x, y, small, dtype = _erf_parts(x)
    if small.all():
        return _erf_small(x).astype(dtype, copy=False)
    out = np.empty_like(x)
    out[small] = _erf_small(x[small])
    big = ~small
    out[big] = np.copysign(1.0 - _erfc_large(y[big], precise=False), x[big])
    return out.astype(dtype, copy=False)


def _erfc_forward(x):
    x, y, small, dtype = _erf_parts(x)
    out = np.empty_like(x)
    out[small] = 1.0 - _erf_small(x[small])
    big = ~small
    tail = _erfc_large(y[big], precise=True)
    out[big] = np.where(x[big] > 0, tail, 2.0 - tail)
    return out.astype(dtype, copy=False)


_TWO_OVER_SQRT_PI = 1.1283791670955126

erf = defop("erf", _erf_forward, lambda g, ans, needs, x: (g * (_TWO_OVER_SQRT_PI * exp(-(x * x))),),
            arity="unary", api=("math.erf",), save_output=False,
            notes="Forward: Cody's rational approximations (float64-accurate).", kinds=_FLOAT)
erfc = defop("erfc", _erfc_forward, lambda g, ans, needs, x: (g * (-_TWO_OVER_SQRT_PI * exp(-(x * x))),),
             arity="unary", api=("math.erfc",), save_output=False,
             notes="Computed directly in the tails (no 1 - erf cancellation).", kinds=_FLOAT)


# -- trigonometric and hyperbolic ------------------------------------------------------------

sin = defop("sin", np.sin, lambda g, ans, needs, x: (g * cos(x),),
            arity="unary", api=_names("sin"), save_output=False, kinds=_FLOAT_OR_COMPLEX)
cos = defop("cos", np.cos, lambda g, ans, needs, x: (-g * sin(x),),
            arity="unary", api=_names("cos"), save_output=False, kinds=_FLOAT_OR_COMPLEX)
tan = defop("tan", np.tan, lambda g, ans, needs, x: (g * (1 + ans * ans),),
            arity="unary", api=_names("tan"), save_inputs=False, kinds=_FLOAT_OR_COMPLEX)
asin = defop("asin", np.arcsin, lambda g, ans, needs, x: (g / sqrt(1 - x * x),),
             arity="unary", api=_names("asin"), save_output=False, kinds=_FLOAT_OR_COMPLEX)
acos = defop("acos", np.arccos, lambda g, ans, needs, x: (-g / sqrt(1 - x * x),),
             arity="unary", api=_names("acos"), save_output=False, kinds=_FLOAT_OR_COMPLEX)
atan = defop("atan", np.arctan, lambda g, ans, needs, x: (g / (1 + x * x),),
             arity="unary", api=_names("atan"), save_output=False, kinds=_FLOAT_OR_COMPLEX)


def _atan2_vjp(g, ans, needs, y, x):
    scale = g / (x * x + y * y)
    return (scale * x if needs[0] else None, -scale * y if needs[1] else None)


atan2 = defop("atan2", np.arctan2, _atan2_vjp, arity="binary", api=_names("atan2"), broadcasting=True,
              save_output=False, notes="atan2(y, x); the gradient at (0, 0) is nan, as in TF.", kinds=_FLOAT)

sinh = defop("sinh", np.sinh, lambda g, ans, needs, x: (g * cosh(x),),
             arity="unary", api=_names("sinh"), save_output=False, kinds=_FLOAT_OR_COMPLEX)
cosh = defop("cosh", np.cosh, lambda g, ans, needs, x: (g * sinh(x),),
             arity="unary", api=_names("cosh"), save_output=False, kinds=_FLOAT_OR_COMPLEX)
tanh = defop("tanh", np.tanh, lambda g, ans, needs, x: (g * (1 - ans * ans),),
             arity="unary", api=_names("tanh") + ("nn.tanh",), save_inputs=False, kinds=_FLOAT_OR_COMPLEX)
asinh = defop("asinh", np.arcsinh, lambda g, ans, needs, x: (g / sqrt(x * x + 1),),
              arity="unary", api=_names("asinh"), save_output=False, kinds=_FLOAT_OR_COMPLEX)
acosh = defop("acosh", np.arccosh, lambda g, ans, needs, x: (g / sqrt(x * x - 1),),
              arity="unary", api=_names("acosh"), save_output=False, kinds=_FLOAT_OR_COMPLEX)
atanh = defop("atanh", np.arctanh, lambda g, ans, needs, x: (g / (1 - x * x),),
              arity="unary", api=_names("atanh"), save_output=False, kinds=_FLOAT_OR_COMPLEX)


# -- kinks: abs, sign, maximum, minimum, clipping ---------------------------------------------

abs = defop("abs", np.abs, lambda g, ans, needs, x: (g * sign(x),),  # noqa: A001
            arity="unary", api=_names("abs"), save_output=False,
            notes="Gradient at 0 is 0 (sign(0) = 0), as in TensorFlow.", kinds=_SIGNED)

sign = defop("sign", np.sign, lambda g, ans, needs, x: (prim.zeros_like(g),),  # zeros even where g is inf
             arity="unary", api=_names("sign"), save_inputs=False, save_output=False,
             notes="Gradient is zeros (not None), as in TensorFlow.", kinds=_SIGNED)


def _selector_vjp(select):
    # TF's _MaximumMinimumGrad: the mask x >= y (maximum) or x <= y (minimum) includes ties, so
    # a tie sends the whole gradient to the first argument and none to the second.
    def vjp(g, ans, needs, x, y):
        mask = select(x, y)
        zero = prim.zeros_like(g)
        return (prim.select(mask, g, zero) if needs[0] else None,
                prim.select(mask, zero, g) if needs[1] else None)
    return vjp


maximum = defop("maximum", np.maximum, _selector_vjp(lambda x, y: greater_equal(x, y)), arity="binary",
                api=_names("maximum"), broadcasting=True, save_output=False,
                notes="A tie (x == y) sends the whole gradient to x, as TF (mask x >= y).", kinds=_ORDERED)
minimum = defop("minimum", np.minimum, _selector_vjp(lambda x, y: less_equal(x, y)), arity="binary",
                api=_names("minimum"), broadcasting=True, save_output=False,
                notes="A tie (x == y) sends the whole gradient to x, as TF (mask x <= y).", kinds=_ORDERED)


_ORDERED_RULE = dtype_rule(_ORDERED)


def _shape_of(a):
    if isinstance(a, TensorLike):
        return a._value.shape
    if hasattr(a, "__tapegrad_tensor__"):
        return a.__tapegrad_tensor__()._value.shape
    return np.shape(a)


@export("clip_by_value")
def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clip ``t`` elementwise to ``[clip_value_min, clip_value_max]``, as ``tf.clip_by_value``.

    Built as TensorFlow builds it, ``maximum(minimum(t, max), min)``, so the gradient conventions
    are TF's: ``t`` receives the gradient where it lies inside the bounds *including* at the
    bounds; a bound receives it where it clips.

    >>> import tapegrad as tf
    >>> tf.clip_by_value(tf.constant([-2.0, 0.5, 3.0]), 0.0, 1.0).numpy()
    array([0. , 0.5, 1. ], dtype=float32)
    """
    if not isinstance(t, TensorLike):
        t = convert_to_tensor(t)
    require_dtype("clip_by_value", _ORDERED_RULE, t)
    for bound in (clip_value_min, clip_value_max):
        if not isinstance(bound, TensorLike):
            to_array(bound)  # refuses None and strings (next to a tensor NumPy would turn them into nan)
    shape = tuple(_shape_of(t))
    try:
        out_shape = np.broadcast_shapes(shape, _shape_of(clip_value_min), _shape_of(clip_value_max))
    except ValueError:
        out_shape = None
    if out_shape != shape:
        raise InvalidArgumentError(
            f"clip_by_value: the bounds (shapes {list(_shape_of(clip_value_min))} and "
            f"{list(_shape_of(clip_value_max))}) must broadcast to t's shape {list(shape)} without "
            f"changing it")
    return maximum(minimum(t, clip_value_max), clip_value_min)


# -- rounding: no gradient (None, as TF) ------------------------------------------------------

round = defop("round", np.round, None, arity="unary", api=_names("round"),  # noqa: A001
              notes="Half to even (banker's rounding), as TF. No gradient (None).",
              kinds="fiuc", refusals={"c": NotFoundError})  # complex Round: no CPU kernel
floor = defop("floor", np.floor, None, arity="unary", api=_names("floor"), notes="No gradient (None).", kinds=_FLOAT)
ceil = defop("ceil", np.ceil, None, arity="unary", api=("math.ceil",), notes="No gradient (None).", kinds=_FLOAT)
rint = defop("rint", np.rint, None, arity="unary", api=("math.rint",),
             notes="Half to even. No gradient (None).", kinds=_FLOAT, refusals={"float16": NotFoundError})



# -- no gradient: integer division, comparisons, logic, predicates ------------------------------
# These outputs are never recorded, so a gradient through them is None, as in TensorFlow.

def _integer_division(op_name, numpy_fn):
    """floordiv/floormod: NumPy's, except that an integer division by zero raises, as TF's
    (NumPy would return 0 with a warning)."""
    def forward(x, y):
        try:
            with np.errstate(divide="ignore", invalid="ignore"):
                out = numpy_fn(x, y)
        except (ValueError, TypeError) as e:
            raise forward_error(op_name, e, x, y) from None
        if out.dtype.kind in "iu" and not np.all(y):
            raise InvalidArgumentError(f"{op_name}: integer division by zero (y has a zero; got {describe(x, y)})")
        return out
    return forward


_floordiv_forward = _integer_division("floordiv", np.floor_divide)


floordiv = defop("floordiv", _floordiv_forward, None, arity="binary",
                 api=("math.floordiv",), notes="No gradient (None).", kinds="fiuc", refusals={"c": NotFoundError})
# Differentiable, as TF 2.21's floormod (unlike floordiv): x - floor(x / y) * y, with floor(x / y)
# held constant.
floormod = defop("floormod", _integer_division("floormod", np.mod),
                 lambda g, ans, needs, x, y: (g if needs[0] else None, -g * floordiv(x, y) if needs[1] else None),
                 arity="binary", api=("math.floormod", "math.mod"), broadcasting=True, save_output=False,
                 notes="The sign follows the divisor, as Python's %. Gradient as TF 2.21: x gets g, "
                       "y gets -g * floor(x / y).", kinds=_ORDERED)

equal = defop("equal", np.equal, None, arity="binary", api=_names("equal"))
not_equal = defop("not_equal", np.not_equal, None, arity="binary", api=_names("not_equal"))
less = defop("less", np.less, None, arity="binary", api=_names("less"), kinds=_ORDERED)
less_equal = defop("less_equal", np.less_equal, None, arity="binary", api=_names("less_equal"), kinds=_ORDERED)
greater = defop("greater", np.greater, None, arity="binary", api=_names("greater"), kinds=_ORDERED)
greater_equal = defop("greater_equal", np.greater_equal, None, arity="binary", api=_names("greater_equal"),
                      kinds=_ORDERED)
logical_and = defop("logical_and", np.logical_and, None, arity="binary", api=_names("logical_and"), kinds=_BOOL)
logical_or = defop("logical_or", np.logical_or, None, arity="binary", api=_names("logical_or"), kinds=_BOOL)
logical_xor = defop("logical_xor", np.logical_xor, None, arity="binary", api=("math.logical_xor",), kinds=_BOOL)
logical_not = defop("logical_not", np.logical_not, None, arity="unary", api=_names("logical_not"), kinds=_BOOL)
is_nan = defop("is_nan", np.isnan, None, arity="unary", api=("math.is_nan",), notes="bool; no gradient.", kinds=_FLOAT)
is_inf = defop("is_inf", np.isinf, None, arity="unary", api=("math.is_inf",), notes="bool; no gradient.", kinds=_FLOAT)
is_finite = defop("is_finite", np.isfinite, None, arity="unary", api=("math.is_finite",),
                  notes="bool; no gradient.", kinds=_FLOAT)
