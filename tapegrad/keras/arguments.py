"""Checks of layer arguments: sizes, rates, axes and shapes, one place for every layer (and for
the initializers and regularizers they are given).

Each check names the layer (its class and name), the argument, what it got and what was
expected, and raises the class Keras 3 raises for it (ValueError), so that no bad value reaches
NumPy (``Dense(-1)`` would fail with "negative dimensions are not allowed", ``Dense(2.5)``
would build 2 units).

>>> from tapegrad import keras
>>> keras.layers.Dense(0, name="head")
Traceback (most recent call last):
...
ValueError: Dense 'head': `units` must be a positive integer; received units=0
"""
import numbers

import numpy as np


def _owner(layer):
    """``Dense 'dense_1'``: how a message names the layer (an initializer: its class)."""
    name = getattr(layer, "name", None)
    return f"{type(layer).__name__} '{name}'" if isinstance(name, str) and name else type(layer).__name__


def is_int(value):
    """A Python or NumPy integer, not a bool (``True`` is an int to Python, never a size here)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def positive_int(layer, arg, value):
    """``value`` as an int > 0 (``units``, ``filters``, ``input_dim`` ...)."""
    if not is_int(value) or value <= 0:
        raise ValueError(f"{_owner(layer)}: `{arg}` must be a positive integer; received {arg}={value!r}")
    return int(value)


def int_tuple(layer, arg, value, n):
    """``value`` (an int, or ``n`` ints) as a tuple of ``n`` positive ints (``kernel_size``,
    ``strides``, ``pool_size``, ``dilation_rate``)."""
    values = (value,) * n if is_int(value) else value
    if (not isinstance(values, (tuple, list)) or len(values) != n
            or not all(is_int(v) and v > 0 for v in values)):
        raise ValueError(f"{_owner(layer)}: `{arg}` must be a positive integer or a tuple of {n} positive "
                         f"integers; received {arg}={value!r}")
    return tuple(int(v) for v in values)


def rate(layer, arg, value):
    """``value`` as a float in [0, 1] (``Dropout(rate)``). A non-number is a TypeError, as Keras'."""
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{_owner(layer)}: `{arg}` must be a float between 0 and 1; received {arg}={value!r} "
                        f"(of type {type(value).__name__})")
    if not 0 <= value <= 1:
        raise ValueError(f"{_owner(layer)}: `{arg}` must be a float between 0 and 1; received {arg}={value!r}")
    return float(value)


def number(owner, arg, value, minimum=None, positive=False, error=ValueError):
    """``value`` as a float (``epsilon``, ``momentum``, ``l2``, ``stddev`` ...), ``>= minimum`` or
    ``> 0`` with ``positive``; ``float("a")``'s own message would name neither owner nor argument."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
    if not ok:
        raise error(f"{_owner(owner)}: `{arg}` must be a number; received {arg}={value!r} "
                    f"(of type {type(value).__name__})")
    if (positive and not value > 0) or (minimum is not None and not value >= minimum):
        expected = "a positive number" if positive else f"a number >= {minimum}"
        raise ValueError(f"{_owner(owner)}: `{arg}` must be {expected}; received {arg}={value!r}")
    return float(value)


def data_format(layer, value):
    """``'channels_last'`` or ``'channels_first'`` (None: ``keras.backend.image_data_format()``)."""
    from . import backend
    value = backend.image_data_format() if value is None else value
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"{_owner(layer)}: `data_format` must be 'channels_last' or 'channels_first'; "
                         f"received data_format={value!r}")
    return value


def axis_arg(layer, arg, value, allow_list=False):
    """A constructor's axis argument: an int (or, with ``allow_list``, a list of ints); its range
    is checked against the input's rank when the layer is built (``check_axis``)."""
    values = list(value) if allow_list and isinstance(value, (list, tuple)) else [value]
    if not values or not all(is_int(v) for v in values):
        expected = "an int or a list of ints" if allow_list else "an int"
        raise TypeError(f"{_owner(layer)}: `{arg}` must be {expected}; received {arg}={value!r}")
    return [int(v) for v in values] if isinstance(value, (list, tuple)) else int(value)


def check_axis(layer, arg, axis, rank):
    """``axis`` (an int or a list of ints) as non-negative ints for an input of ``rank``; an axis
    outside ``[-rank, rank)`` is a ValueError (it would wrap onto another axis, or crash)."""
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    for a in axes:
        if not -rank <= a < rank:
            expected = f"expected -{rank} <= {arg} < {rank}" if rank else "a scalar has no axis"
            raise ValueError(f"{_owner(layer)}: `{arg}` {axis} is out of range for an input of rank {rank} "
                             f"({expected})")
    out = [a % rank for a in axes]
    if len(set(out)) != len(out):
        raise ValueError(f"{_owner(layer)}: `{arg}` {axis} names an axis twice for an input of rank {rank}")
    return out if isinstance(axis, (list, tuple)) else out[0]


def constraint(value):
    """A weight constraint: None or a callable (tapegrad.keras has no constraint names to look up)."""
    if value is None or callable(value):
        return value
    raise ValueError(f"Could not interpret constraint identifier: {value!r}; expected None or a callable "
                     f"that takes and returns a weight")


def dtype_arg(layer_class, name, dtype):
    """A layer's ``dtype`` argument as a dtype name; an unknown name is a ValueError naming the layer
    (it would otherwise surface at the first weight, as NumPy's "data type not understood")."""
    from ..core import dtypes
    from . import backend
    if isinstance(dtype, dict):  # a serialised DTypePolicy
        dtype = dtype.get("config", {}).get("name")
    value = backend.standardize_dtype(dtype)
    try:
        dtypes.as_dtype(value)
    except TypeError:
        raise ValueError(f"{layer_class.__name__} '{name}': `dtype` must be a dtype name such as 'float32'; "
                         f"received dtype={dtype!r}") from None
    return value


def shape_arg(layer, arg, value, allow_unknown=False, allow_none=False):
    """``value`` (a tuple or list of ints) as a tuple of non-negative ints; with ``allow_unknown``
    one entry may be -1 (``Reshape``'s "infer this dimension"). A bare int is refused, as Keras'
    ``add_weight(shape=3)``: ``(3,)`` says what was meant."""
    ok = isinstance(value, (tuple, list)) and all(is_int(d) or (d is None and allow_none) for d in value)
    if ok:
        unknown = sum(1 for d in value if d == -1)
        ok = all(d is None or d >= 0 or (d == -1 and allow_unknown) for d in value) and unknown <= 1
    if not ok:
        expected = ("non-negative integers, with at most one -1 for a dimension to infer" if allow_unknown
                    else "non-negative integers or None" if allow_none else "non-negative integers")
        raise ValueError(f"{_owner(layer)}: `{arg}` must be a tuple of {expected}; received {arg}={value!r}")
    return tuple(None if d is None else int(d) for d in value)
