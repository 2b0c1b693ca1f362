"""Elementwise math: arithmetic, powers, exponentials, trigonometric and hyperbolic functions.

Binary ops broadcast; the engine sums their gradients back to each input's shape, so the rules
below return gradients of the output's shape.
"""
import numpy as np

from ..core.registry import defop



def _names(name, top=True):
    return ((name,) if top else ()) + ("math." + name,)


# -- arithmetic -----------------------------------------------------------------------------

add = defop("add", np.add, lambda g, ans, needs, x, y: (g, g),
            arity="binary", api=_names("add"), broadcasting=True, save_inputs=False, save_output=False)

subtract = defop("subtract", np.subtract,
                 lambda g, ans, needs, x, y: (g, -g if needs[1] else None),
                 arity="binary", api=_names("subtract"), broadcasting=True, save_inputs=False,
                 save_output=False)

multiply = defop("multiply", np.multiply,
                 lambda g, ans, needs, x, y: (g * y if needs[0] else None, g * x if needs[1] else None),
                 arity="binary", api=_names("multiply"), broadcasting=True, save_output=False)


def _truediv_forward(x, y):
    # As TF: integer division gives float64 (int8/int16: float32 in TF; NumPy widens those to
    # float64 as well).
    return np.true_divide(x, y)


def _div_vjp(g, ans, needs, x, y):
    return (g / y if needs[0] else None,
            -g * x / (y * y) if needs[1] else None)


divide = defop("divide", _truediv_forward, _div_vjp, arity="binary",
               api=_names("divide") + ("truediv", "math.truediv"), broadcasting=True, save_output=False)

negative = defop("negative", np.negative, lambda g, ans, needs, x: (-g,),
                 arity="unary", api=_names("negative"), save_inputs=False, save_output=False)


def _pow_vjp(g, ans, needs, x, y):
    # d/dy x**y = x**y * log(x), taken as 0 where x <= 0 (TensorFlow's convention).
    gx = g * y * x ** (y - 1) if needs[0] else None
    gy = None
    if needs[1]:
        gy = g * ans * where(x > 0, log(where(x > 0, x, 1)), 0)
    return gx, gy


pow = defop("pow", np.power, _pow_vjp, arity="binary", api=_names("pow"), broadcasting=True)  # noqa: A001

square = defop("square", np.square, lambda g, ans, needs, x: (g * (2 * x),),
               arity="unary", api=_names("square"), save_output=False)

sqrt = defop("sqrt", np.sqrt, lambda g, ans, needs, x: (g * 0.5 / ans,),
             arity="unary", api=_names("sqrt"), save_inputs=False)

exp = defop("exp", np.exp, lambda g, ans, needs, x: (g * ans,),
            arity="unary", api=_names("exp"), save_inputs=False)

log = defop("log", np.log, lambda g, ans, needs, x: (g / x,),
            arity="unary", api=_names("log"), save_output=False)

tanh = defop("tanh", np.tanh, lambda g, ans, needs, x: (g * (1 - ans * ans),),
             arity="unary", api=_names("tanh") + ("nn.tanh",), save_inputs=False)

abs = defop("abs", np.abs, lambda g, ans, needs, x: (g * sign(x),),  # noqa: A001
            arity="unary", api=_names("abs"), save_output=False,
            notes="Gradient at 0 is 0 (sign(0) = 0), as in TensorFlow.")

sign = defop("sign", np.sign, lambda g, ans, needs, x: (g * 0,),
             arity="unary", api=_names("sign"), save_inputs=False, save_output=False,
             notes="Gradient is zeros (not None), as in TensorFlow.")

from .array_ops import where  # noqa: E402  (where is used inside gradient rules only)


# -- no gradient: integer division, comparisons, logic ------------------------------------
# These outputs are never recorded, so a gradient through them is None, as in TensorFlow.

def _floordiv_forward(x, y):
    return np.floor_divide(x, y)


floordiv = defop("floordiv", _floordiv_forward, None, arity="binary",
                 api=("floordiv", "math.floordiv"), notes="No gradient (None).")
floormod = defop("floormod", np.mod, None, arity="binary", api=("math.floormod", "math.mod"),
                 notes="No gradient (None). The sign follows the divisor, as Python's %.")

equal = defop("equal", np.equal, None, arity="binary", api=_names("equal"))
not_equal = defop("not_equal", np.not_equal, None, arity="binary", api=_names("not_equal"))
less = defop("less", np.less, None, arity="binary", api=_names("less"))
less_equal = defop("less_equal", np.less_equal, None, arity="binary", api=_names("less_equal"))
greater = defop("greater", np.greater, None, arity="binary", api=_names("greater"))
greater_equal = defop("greater_equal", np.greater_equal, None, arity="binary", api=_names("greater_equal"))
logical_and = defop("logical_and", np.logical_and, None, arity="binary", api=_names("logical_and"))
logical_or = defop("logical_or", np.logical_or, None, arity="binary", api=_names("logical_or"))
logical_xor = defop("logical_xor", np.logical_xor, None, arity="binary", api=("math.logical_xor",))
logical_not = defop("logical_not", np.logical_not, None, arity="unary", api=_names("logical_not"))
