"""Python operators on Tensor and Variable, installed here (the core does not know the ops)."""
from ..core.tensor import TensorLike
from ..core import dtypes
from . import math_ops
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
    "__add__": math_ops.add, "__radd__": _reflected(math_ops.add),
    "__sub__": math_ops.subtract, "__rsub__": _reflected(math_ops.subtract),
    "__mul__": math_ops.multiply, "__rmul__": _reflected(math_ops.multiply),
    "__truediv__": math_ops.divide, "__rtruediv__": _reflected(math_ops.divide),
    "__floordiv__": math_ops.floordiv, "__rfloordiv__": _reflected(math_ops.floordiv),
    "__mod__": math_ops.floormod, "__rmod__": _reflected(math_ops.floormod),
    "__pow__": math_ops.pow, "__rpow__": _reflected(math_ops.pow),
    "__matmul__": matmul_operator, "__rmatmul__": _reflected(matmul),
    "__neg__": math_ops.negative, "__abs__": math_ops.abs, "__pos__": lambda self: self,
    "__lt__": math_ops.less, "__le__": math_ops.less_equal,
    "__gt__": math_ops.greater, "__ge__": math_ops.greater_equal,
    "__eq__": _elementwise_eq(math_ops.equal, False), "__ne__": _elementwise_eq(math_ops.not_equal, True),
    "__and__": _logical_or_bitwise(math_ops.logical_and, "&"),
    "__rand__": _logical_or_bitwise(math_ops.logical_and, "&"),
    "__or__": _logical_or_bitwise(math_ops.logical_or, "|"),
    "__ror__": _logical_or_bitwise(math_ops.logical_or, "|"),
    "__xor__": _logical_or_bitwise(math_ops.logical_xor, "^"),
    "__rxor__": _logical_or_bitwise(math_ops.logical_xor, "^"),
    "__invert__": math_ops.logical_not,
    "__getitem__": getitem,
}

for _name, _fn in OPERATORS.items():
    setattr(TensorLike, _name, _fn)
# Defining __eq__ resets __hash__; tensors stay unhashable as in TF2 (use .ref()).
TensorLike.__hash__ = None
