"""Linear algebra: matmul (more in the op-library issue)."""
import numpy as np

from ..core.errors import InvalidArgumentError
from ..core.registry import defop, export
from ..core.tensor import TensorLike
from ._util import dtype_name


def _t(x):
    return np.swapaxes(x, -1, -2)


def _matmul_forward(a, b, transpose_a=False, transpose_b=False):
    return np.matmul(_t(a) if transpose_a else a, _t(b) if transpose_b else b)


def _matmul_vjp(g, ans, needs, a, b, transpose_a=False, transpose_b=False):
    # C = op(A) @ op(B); each case below is d/dA and d/dB written as one matmul with flags.
    ga = gb = None
    if not transpose_a and not transpose_b:
        if needs[0]:
            ga = _matmul(g, b, transpose_b=True)
        if needs[1]:
            gb = _matmul(a, g, transpose_a=True)
    elif not transpose_a:
        if needs[0]:
            ga = _matmul(g, b)
        if needs[1]:
            gb = _matmul(g, a, transpose_a=True)
    elif not transpose_b:
        if needs[0]:
            ga = _matmul(b, g, transpose_b=True)
        if needs[1]:
            gb = _matmul(a, g)
    else:
        if needs[0]:
            ga = _matmul(b, g, transpose_a=True, transpose_b=True)
        if needs[1]:
            gb = _matmul(g, a, transpose_a=True, transpose_b=True)
    return ga, gb


_matmul = defop("matmul", _matmul_forward, _matmul_vjp, broadcasting=True, save_output=False,
                notes="Batch dimensions broadcast; the engine sums them back for each input.")


def _check_matmul(a, b, transpose_a, transpose_b):
    av = a._value if isinstance(a, TensorLike) else np.asarray(a)
    bv = b._value if isinstance(b, TensorLike) else np.asarray(b)
    if av.ndim < 2 or bv.ndim < 2:
        raise InvalidArgumentError(f"matmul: both inputs must have rank >= 2, got shapes {list(av.shape)} "
                                   f"and {list(bv.shape)} (use tapegrad.tensordot or expand_dims for vectors)")
    k1 = av.shape[-2] if transpose_a else av.shape[-1]
    k2 = bv.shape[-1] if transpose_b else bv.shape[-2]
    if k1 != k2:
        raise InvalidArgumentError(f"matmul: Matrix size-incompatible: In[0]: {list(av.shape)}, In[1]: "
                                   f"{list(bv.shape)} (transpose_a={transpose_a}, transpose_b={transpose_b}): "
                                   f"inner dimensions {k1} and {k2} differ")
    if av.dtype != bv.dtype:
        raise InvalidArgumentError(f"matmul: the inputs' dtypes differ: {dtype_name(av.dtype)} and "
                                   f"{dtype_name(bv.dtype)}; cast one of them")


@export("matmul", "linalg.matmul")
def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, grad_a=False, grad_b=False, name=None):
    """Matrix product of the last two axes (batch axes broadcast), as ``tf.linalg.matmul``."""
    transpose_a = bool(transpose_a or adjoint_a)
    transpose_b = bool(transpose_b or adjoint_b)
    _check_matmul(a, b, transpose_a, transpose_b)
    if transpose_a or transpose_b:
        return _matmul(a, b, transpose_a=transpose_a, transpose_b=transpose_b)
    return _matmul(a, b)


def matmul_operator(a, b):
    """``a @ b``: the validated fast path (no flags)."""
    _check_matmul(a, b, False, False)
    return _matmul(a, b)
