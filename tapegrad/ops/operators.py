"""Python operators on Tensor and Variable, installed here (the core does not know the ops)."""
from ..core.tensor import TensorLike
from ..core import dtypes
from . import math_ops as m
from .indexing_ops import getitem
from .linalg_ops import matmul, matmul_operator


def _reflected(op):
    def reflected(self, other):
        return op(other, self)
    return reflected


def _elementwise_eq(op, default):
    # As TF2: elementwise; None or a value that does not broadcast compares as plain False/True.
    def compare(self, other):
        if other is None:
            return default
        try:
            return op(self, other)
        except (ValueError, TypeError):
            return default
    return compare


def _logical_or_bitwise(logical, name):
    def apply(self, other):
        if self._value.dtype.kind != "b":
            raise TypeError(f"operator {name} is defined for bool tensors (logical); got dtype "
                            f"{dtypes.FROM_NUMPY[self._value.dtype].name}")
        return logical(self, other)
    return apply


OPERATORS = {
    "__add__": m.add, "__radd__": _reflected(m.add),
    "__sub__": m.subtract, "__rsub__": _reflected(m.subtract),
    "__mul__": m.multiply, "__rmul__": _reflected(m.multiply),
    "__truediv__": m.divide, "__rtruediv__": _reflected(m.divide),
    "__floordiv__": m.floordiv, "__rfloordiv__": _reflected(m.floordiv),
    "__mod__": m.floormod, "__rmod__": _reflected(m.floormod),
    "__pow__": m.pow, "__rpow__": _reflected(m.pow),
    "__matmul__": matmul_operator, "__rmatmul__": _reflected(matmul),
    "__neg__": m.negative, "__abs__": m.abs, "__pos__": lambda self: self,
    "__lt__": m.less, "__le__": m.less_equal, "__gt__": m.greater, "__ge__": m.greater_equal,
    "__eq__": _elementwise_eq(m.equal, False), "__ne__": _elementwise_eq(m.not_equal, True),
    "__and__": _logical_or_bitwise(m.logical_and, "&"), "__rand__": _logical_or_bitwise(m.logical_and, "&"),
    "__or__": _logical_or_bitwise(m.logical_or, "|"), "__ror__": _logical_or_bitwise(m.logical_or, "|"),
    "__xor__": _logical_or_bitwise(m.logical_xor, "^"), "__rxor__": _logical_or_bitwise(m.logical_xor, "^"),
    "__invert__": m.logical_not,
    "__getitem__": getitem,
}

for _name, _fn in OPERATORS.items():
    setattr(TensorLike, _name, _fn)
# Defining __eq__ resets __hash__; tensors stay unhashable as in TF2 (use .ref()).
TensorLike.__hash__ = None
