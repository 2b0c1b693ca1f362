"""Linear algebra: matmul, einsum/tensordot, inv, det, slogdet, solve, triangular_solve, cholesky,
band_part, diag/diag_part, trace, matvec.

Gradient rules follow TensorFlow's ``linalg_grad.py`` formulas (the same products in the same
order, so the numbers agree to rounding). Complex inputs: matmul and einsum are differentiable
with TensorFlow's convention (the gradient of a real loss is conjugate-linear); the other
factorisation-based ops compute complex forwards but their gradients are for real dtypes only.

One file of ~740 lines, above the ~600 the package keeps to: the factorisations' gradient rules
(inverse, solves, Cholesky) are written in the raw matmul primitive with its transpose/conjugate
flags and in the last-two-axes helpers defined with it; a second file would import those private
names across files, or make them part of ``primitives`` though only linear algebra uses them.
"""
import string

import numpy as np

from ..core.errors import InvalidArgumentError, NotFoundError
from ..core.registry import (_convert_like, defop, dtype_rule, export, convert_to_tensor, pair_dispatcher,
                             require_dtype)
from ..core.tensor import TensorLike, to_array
from . import math_ops
from ._util import dtype_name, static_int, static_value
from . import primitives as prim


# The dtypes TF 2.21's kernels take (tests/data/tf_dtype_acceptance.json). MatMul is defined for
# bool/int8/int16 nowhere (InvalidArgumentError) and for unsigned integers without a CPU kernel
# (NotFoundError); Einsum has CPU kernels for float, complex, int32 and int64 only; the
# factorisations (Cholesky, MatrixSolve, MatrixDeterminant ...) are defined for half but have no
# CPU kernel for it. MatrixInverse computes half (here in float32, rounded back).
_MATMUL_DTYPES = dtype_rule("fc int32 int64", {"u": NotFoundError})
_EINSUM_DTYPES = dtype_rule("fc int32 int64", {"bu int8 int16": NotFoundError})
_FACTOR_DTYPES = dtype_rule("fc", {"float16": NotFoundError})
_INV_DTYPES = dtype_rule("fc")
_NUMBERS = dtype_rule("fciu")


def _require_real(x, op_name):
    if np.asarray(x).dtype.kind == "c":
        raise NotImplementedError(f"{op_name}: gradients of complex inputs are not implemented "
                                  f"(the forward works); differentiate the real and imaginary parts instead")


def _swap_last_axes(x):
    # Not recorded (forwards only). The ndarray method: np.swapaxes' Python wrapper costs ~1 us
    # per call, twice per matmul gradient.
    return x.swapaxes(-1, -2) if x.__class__ is np.ndarray else np.swapaxes(x, -1, -2)


def _perm_last_two(ndim):
    return tuple(range(ndim - 2)) + (ndim - 1, ndim - 2)


def _transpose_last_axes(x):
    """``x`` with its last two axes swapped (a recorded transpose), for use in gradient rules."""
    return prim.transpose(x, perm=_perm_last_two(len(np.shape(x))))


# -- matmul ---------------------------------------------------------------------------------
# Each operand carries a flag pair (transpose, conjugate): op(X) is X, X^T, conj(X) or X^H.
# These four form a group (each its own inverse, T∘C = H), which gives one rule for all cases:
#   C = op_a(A) @ op_b(B)  =>  dA = op_a(G @ op_b(B)^H),  dB = op_b(op_a(A)^H @ G)
# (TensorFlow's convention for complex inputs; for real ones the conjugations vanish).

def _op_of(x, transpose, conjugate):
    if conjugate and x.dtype.kind == "c":
        x = np.conj(x)
    return _swap_last_axes(x) if transpose else x


def _matmul_forward(a, b, transpose_a=False, transpose_b=False, conjugate_a=False, conjugate_b=False):
    if not (transpose_a or transpose_b or conjugate_a or conjugate_b):
        return np.matmul(a, b)  # the hot path: a plain product
    a = np.asarray(a)
    b = np.asarray(b)
    return np.matmul(_op_of(a, transpose_a, conjugate_a), _op_of(b, transpose_b, conjugate_b))


def _product(f, p, q, fp, fq):
    """f(op_p(P) @ op_q(Q)) as one matmul: f = (transpose, conjugate) applied to the product."""
    if f[0]:  # (PQ)^T = Q^T P^T
        p, q, fp, fq = q, p, (not fq[0], fq[1]), (not fp[0], fp[1])
    if f[1]:  # conj(PQ) = conj(P) conj(Q)
        fp, fq = (fp[0], not fp[1]), (fq[0], not fq[1])
    flags = {}
    if fp[0]:
        flags["transpose_a"] = True
    if fq[0]:
        flags["transpose_b"] = True
    if np.asarray(p).dtype.kind == "c":  # conjugation flags matter for complex operands only
        if fp[1]:
            flags["conjugate_a"] = True
        if fq[1]:
            flags["conjugate_b"] = True
    return _matmul(p, q, **flags)


def _matmul_vjp(g, ans, needs, a, b, transpose_a=False, transpose_b=False, conjugate_a=False,
                conjugate_b=False):
    if not (transpose_a or transpose_b or conjugate_a or conjugate_b) and np.asarray(a).dtype.kind != "c":
        # The hot path (a real product with no flags): dA = G B^T, dB = A^T G.
        if a.__class__ is np.ndarray and b.__class__ is np.ndarray:
            # Raw backward (no tape records it): the products themselves, without two dispatches.
            return (np.matmul(g, b.swapaxes(-1, -2)) if needs[0] else None,
                    np.matmul(a.swapaxes(-1, -2), g) if needs[1] else None)
        return (_matmul(g, b, transpose_b=True) if needs[0] else None,
                _matmul(a, g, transpose_a=True) if needs[1] else None)
    fa = (transpose_a, conjugate_a)
    fb = (transpose_b, conjugate_b)
    ga = _product(fa, g, b, (False, False), (not fb[0], not fb[1])) if needs[0] else None
    gb = _product(fb, a, g, (not fa[0], not fa[1]), (False, False)) if needs[1] else None
    return ga, gb


_matmul = defop("matmul", _matmul_forward, _matmul_vjp, broadcasting=True, save_output=False,
                notes="Batch dimensions broadcast; the engine sums them back for each input. Complex: "
                      "dA = G @ B^H (TensorFlow's conjugate convention).")


_matmul_pair = pair_dispatcher(_matmul.op)


def _check_matmul(av, bv, transpose_a, transpose_b):
    if av.ndim < 2 or bv.ndim < 2:
        raise InvalidArgumentError(f"matmul: both inputs must have rank >= 2, got shapes {list(av.shape)} "
                                   f"and {list(bv.shape)} (use tapegrad.linalg.matvec, tapegrad.tensordot or "
                                   f"expand_dims for vectors)")
    k1 = av.shape[-2] if transpose_a else av.shape[-1]
    k2 = bv.shape[-1] if transpose_b else bv.shape[-2]
    if k1 != k2:
        raise InvalidArgumentError(f"matmul: Matrix size-incompatible: In[0]: {list(av.shape)}, In[1]: "
                                   f"{list(bv.shape)} (transpose_a={transpose_a}, transpose_b={transpose_b}): "
                                   f"inner dimensions {k1} and {k2} differ")
    if av.dtype != bv.dtype:
        raise InvalidArgumentError(f"matmul: the inputs' dtypes differ: {dtype_name(av.dtype)} and "
                                   f"{dtype_name(bv.dtype)}; cast one of them")
    require_dtype("matmul", _MATMUL_DTYPES, av)
    if av.ndim == 2 and bv.ndim == 2:
        return
    try:
        np.broadcast_shapes(av.shape[:-2], bv.shape[:-2])
    except ValueError:
        raise InvalidArgumentError(f"matmul: batch dimensions {list(av.shape[:-2])} and {list(bv.shape[:-2])} "
                                   f"(of shapes {list(av.shape)}, {list(bv.shape)}) do not broadcast") from None


@export("matmul", "linalg.matmul")
def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, grad_a=False, grad_b=False, name=None):
    """Matrix product of the last two axes (batch axes broadcast), as ``tf.linalg.matmul``.

    ``adjoint_a``/``adjoint_b`` conjugate-transpose (the same as transposing for real inputs).

    >>> import tapegrad as tf
    >>> tf.matmul([[1.0, 2.0]], [[3.0], [4.0]]).numpy()
    array([[11.]], dtype=float32)
    """
    if transpose_a and adjoint_a or transpose_b and adjoint_b:
        raise ValueError("matmul: only one of transpose_a and adjoint_a (and of transpose_b and adjoint_b) "
                         "may be True")
    a, b = prim.same_dtype("matmul", a, b)
    av, bv = prim.value(a), prim.value(b)
    ta, tb = bool(transpose_a or adjoint_a), bool(transpose_b or adjoint_b)
    _check_matmul(av, bv, ta, tb)
    flags = {}
    if ta:
        flags["transpose_a"] = True
    if tb:
        flags["transpose_b"] = True
    if av.dtype.kind == "c":
        if adjoint_a:
            flags["conjugate_a"] = True
        if adjoint_b:
            flags["conjugate_b"] = True
    return _matmul(a, b, **flags)


def matmul_operator(a, b):
    """``a @ b``: the validated fast path (no flags)."""
    av = getattr(a, "_value", None)
    bv = getattr(b, "_value", None)
    if (av.__class__ is np.ndarray and bv.__class__ is np.ndarray and av.ndim == 2 and bv.ndim == 2
            and av.shape[1] == bv.shape[0] and av.dtype is bv.dtype and av.dtype.kind in "fc"):
        return _matmul_pair(a, b)  # two float matrices that fit: nothing else to check (a layer's product)
    if not (isinstance(a, TensorLike) and isinstance(b, TensorLike)):
        a, b = prim.same_dtype("matmul", a, b)
    _check_matmul(prim.value(a), prim.value(b), False, False)
    return _matmul(a, b)


@export("linalg.matvec")
def matvec(a, b, transpose_a=False, adjoint_a=False, a_is_sparse=False, b_is_sparse=False, name=None):
    """Matrix-vector product ``a @ b`` over the last axes (batch axes broadcast), as ``tf.linalg.matvec``.

    >>> import tapegrad as tf
    >>> tf.linalg.matvec([[1.0, 2.0], [3.0, 4.0]], [1.0, 1.0]).numpy()
    array([3., 7.], dtype=float32)
    """
    a, b = prim.same_dtype("linalg.matvec", a, b)
    bv = prim.value(b)
    if bv.ndim < 1:
        raise InvalidArgumentError("linalg.matvec: b must have rank >= 1, got a scalar")
    col = prim.reshape(b, shape=bv.shape + (1,))
    out = matmul(a, col, transpose_a=transpose_a, adjoint_a=adjoint_a)
    return prim.reshape(out, shape=tuple(np.shape(out))[:-1])


# -- einsum and tensordot -------------------------------------------------------------------
# One primitive for every contraction. Its equation is normalised by the public wrapper: the
# output is explicit, "..." is spelled out as letters, and no label is broadcast (a size-1 axis
# against a larger one gets a label of its own, summed over its one element). The gradient of
# operand i is again one einsum: the output gradient and the other operands, contracted to
# operand i's labels. Two cases need a constant extra operand:
# - a label repeated in operand i ("ii->i"): its second occurrence becomes a new label tied to
#   the first by an identity matrix (the gradient lives on the diagonal);
# - a label only in operand i ("ij->i"): a vector of ones (the gradient is broadcast along it).

_LETTERS = string.ascii_lowercase + string.ascii_uppercase


def _parse_equation(equation):
    inputs, arrow, output = equation.partition("->")
    return [t for t in inputs.split(",")], (output if arrow else None)


def _einsum_forward(*operands, equation):
    big = len(operands) > 1 and max(np.size(o) for o in operands) > 1024
    # optimize=True finds a pairwise order and uses BLAS (tensordot); not worth its ~10us for tiny inputs
    return np.einsum(equation, *operands, optimize=big)


def _einsum_vjp(g, ans, needs, *operands, equation):
    terms, out = _parse_equation(equation)
    sizes = {}
    for term, x in zip(terms, operands):
        sizes.update(zip(term, np.shape(x)))
    dtype = np.asarray(g).dtype
    _require_real(g, "einsum")
    grads = []
    for i, need in enumerate(needs):
        if not need:
            grads.append(None)
            continue
        others = [t for j, t in enumerate(terms) if j != i]
        available = set(out).union(*others)
        free = [c for c in _LETTERS if c not in sizes]
        in_terms = [out] + others
        in_ops = [g] + [x for j, x in enumerate(operands) if j != i]
        target = ""
        for c in terms[i]:
            if c in target:  # a repeat: a new label on the diagonal with the first occurrence
                new = free.pop(0)
                in_terms.append(c + new)
                in_ops.append(np.eye(sizes[c], dtype=dtype))
                target += new
                continue
            if c not in available:
                in_terms.append(c)
                in_ops.append(np.ones(sizes[c], dtype=dtype))
                available.add(c)
            target += c
        grads.append(_einsum(*in_ops, equation=",".join(in_terms) + "->" + target))
    return tuple(grads)


_einsum = defop("einsum", _einsum_forward, _einsum_vjp, save_output=False,
                notes="The gradient of each operand is another einsum (identity operands for repeated "
                      "labels, ones for labels summed in that operand only). Real dtypes only for gradients.")


def _expand_term(term, ndim, ellipsis_labels, op_name, index):
    """Labels of one operand, with "..." replaced by the last ellipsis labels."""
    if term.count("...") > 1:
        raise InvalidArgumentError(f"{op_name}: operand {index}'s subscripts {term!r} have more than one ellipsis")
    head, dots, tail = term.partition("...")
    for c in head + tail:
        if c not in _LETTERS:
            raise InvalidArgumentError(f"{op_name}: invalid subscript {c!r} in {term!r} (use letters a-z, A-Z)")
    if not dots:
        if len(term) != ndim:
            raise InvalidArgumentError(f"{op_name}: operand {index} has rank {ndim} but its subscripts "
                                       f"{term!r} name {len(term)} axes")
        return list(term)
    n = ndim - len(head) - len(tail)
    if n < 0:
        raise InvalidArgumentError(f"{op_name}: operand {index} has rank {ndim}, fewer than the {len(head + tail)} "
                                   f"labels in {term!r}")
    return list(head) + (ellipsis_labels[len(ellipsis_labels) - n:] if n else []) + list(tail)


def _normalize_equation(equation, shapes, op_name="einsum"):
    """An explicit, broadcast-free equation for ``shapes`` (see the comment above ``_einsum``)."""
    equation = equation.replace(" ", "")
    terms, out = _parse_equation(equation)
    if len(terms) != len(shapes):
        raise InvalidArgumentError(f"{op_name}: the equation {equation!r} names {len(terms)} operands but "
                                   f"{len(shapes)} were given")
    used = set("".join(terms) + (out or ""))
    free = [c for c in _LETTERS if c not in used]
    ell_rank = max([len(s) - len(t.replace("...", "")) for t, s in zip(terms, shapes) if "..." in t] or [0])
    if len(free) < ell_rank:
        raise InvalidArgumentError(f"{op_name}: too many axes for the 52 available labels")
    ell = [free.pop(0) for _ in range(ell_rank)]
    labels = [_expand_term(t, len(s), ell, op_name, i) for i, (t, s) in enumerate(zip(terms, shapes))]
    if out is None:
        counts = {}
        for lab in labels:
            for c in lab:
                counts[c] = counts.get(c, 0) + 1
        out_labels = ell + sorted(c for c, k in counts.items() if k == 1 and c not in ell)
    else:
        if "..." not in out and any(len(lab) > len(t.replace("...", "")) for lab, t in zip(labels, terms)):
            raise InvalidArgumentError(f"{op_name}: the inputs of {equation!r} have broadcasting dimension(s) but "
                                       f"no ellipsis (...) was found in the output subscripts")
        out_labels = _expand_term(out, len(out.replace("...", "")) + ell_rank if "..." in out else len(out),
                                  ell, op_name, "output")
        if len(set(out_labels)) != len(out_labels):
            raise InvalidArgumentError(f"{op_name}: the output subscripts {out!r} repeat a label")
        missing = [c for c in out_labels if not any(c in lab for lab in labels)]
        if missing:
            raise InvalidArgumentError(f"{op_name}: output label(s) {missing} of {equation!r} appear in no input")
    sizes = {}
    for i, (lab, shape) in enumerate(zip(labels, shapes)):
        for c, d in zip(lab, shape):
            if c in sizes and sizes[c] != d and not (c in ell and 1 in (sizes[c], d)):
                raise InvalidArgumentError(f"{op_name}: label {c!r} of {equation!r} has size {sizes[c]} in one "
                                           f"operand and {d} in operand {i} (shape {list(shape)})")
            sizes[c] = max(sizes.get(c, d), d)
    for lab, shape in zip(labels, shapes):  # size-1 broadcast axes get their own label
        for k, (c, d) in enumerate(zip(lab, shape)):
            if d == 1 and sizes[c] > 1:
                lab[k] = free.pop(0)
    return ",".join("".join(lab) for lab in labels) + "->" + "".join(out_labels)


@export("einsum", "linalg.einsum")
def einsum(equation, *inputs, **kwargs):
    """Einstein summation, as ``tf.einsum``: ``"ij,jk->ik"``, implicit output (``"ij,jk"``),
    repeated labels (``"ii->i"``, ``"ii"``), and ``...`` for broadcast batch axes.

    >>> import tapegrad as tf
    >>> tf.einsum("ij,j->i", [[1.0, 2.0], [3.0, 4.0]], [1.0, 1.0]).numpy()
    array([3., 7.], dtype=float32)
    """
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"einsum: unexpected keyword arguments {sorted(kwargs)}")
    if not isinstance(equation, str):
        raise TypeError(f"einsum: equation must be a string, got {equation!r}")
    if not inputs:
        raise InvalidArgumentError("einsum: at least one input is required")
    inputs = prim.same_dtype("einsum", *inputs)
    require_dtype("einsum", _EINSUM_DTYPES, prim.value(inputs[0]))
    eq = _normalize_equation(equation, [prim.value(x).shape for x in inputs])
    return _einsum(*inputs, equation=eq)


def _tensordot_axes(axes, a_ndim, b_ndim):
    axes = static_value(axes)
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if not 0 <= n <= min(a_ndim, b_ndim):
            raise InvalidArgumentError(f"tensordot: axes={n} must be in [0, {min(a_ndim, b_ndim)}] for inputs of "
                                       f"rank {a_ndim} and {b_ndim}")
        return list(range(a_ndim - n, a_ndim)), list(range(n))
    axes = list(axes)
    if len(axes) != 2:
        raise InvalidArgumentError(f"tensordot: axes must be an int or a pair of axis lists, got {axes!r}")
    pair = []
    for ax, nd in zip(axes, (a_ndim, b_ndim)):
        ax = [int(ax)] if isinstance(ax, (int, np.integer)) else [int(i) for i in ax]
        for i in ax:
            if not -nd <= i < nd:
                raise InvalidArgumentError(f"tensordot: axis {i} is out of range for an input of rank {nd}")
        pair.append([i % nd for i in ax])
    if len(pair[0]) != len(pair[1]):
        raise InvalidArgumentError(f"tensordot: the axis lists {axes[0]!r} and {axes[1]!r} differ in length")
    return pair


@export("tensordot", "linalg.tensordot")
def tensordot(a, b, axes, name=None):
    """Contract ``a``'s ``axes[0]`` with ``b``'s ``axes[1]`` (``axes=N``: a's last N with b's first N;
    ``axes=0``: the outer product), as ``tf.tensordot``.

    >>> import tapegrad as tf
    >>> tf.tensordot([1.0, 2.0], [3.0, 4.0], axes=0).numpy()
    array([[3., 4.],
           [6., 8.]], dtype=float32)
    """
    a, b = prim.same_dtype("tensordot", a, b)
    require_dtype("tensordot", _MATMUL_DTYPES, prim.value(a))  # (TF's tensordot is a MatMul)
    sa, sb = prim.value(a).shape, prim.value(b).shape
    ax_a, ax_b = _tensordot_axes(axes, len(sa), len(sb))
    for i, j in zip(ax_a, ax_b):
        if sa[i] != sb[j]:
            raise InvalidArgumentError(f"tensordot: axis {i} of a (shape {list(sa)}) has size {sa[i]} but axis {j} "
                                       f"of b (shape {list(sb)}) has size {sb[j]}")
    la = list(_LETTERS[:len(sa)])
    lb = list(_LETTERS[len(sa):len(sa) + len(sb)])
    for i, j in zip(ax_a, ax_b):
        lb[j] = la[i]
    out = [c for k, c in enumerate(la) if k not in ax_a] + [c for k, c in enumerate(lb) if k not in ax_b]
    return _einsum(a, b, equation="".join(la) + "," + "".join(lb) + "->" + "".join(out))


# -- inverse, determinant, solves -----------------------------------------------------------

def _square(x, op_name, arg="input", rule=_FACTOR_DTYPES):
    v = prim.value(x)
    if v.ndim < 2 or v.shape[-1] != v.shape[-2]:
        raise InvalidArgumentError(f"{op_name}: {arg} must be a (batch of) square matrices [..., M, M], "
                                   f"got shape {list(v.shape)}")
    require_dtype(op_name, rule, v, what=arg)
    return v


def _inv_forward(x, adjoint=False):
    x = np.asarray(x)
    if x.dtype == np.float16:  # NumPy's LAPACK has no half: float32, rounded back (TF's numbers)
        return _inv_forward(x.astype(np.float32), adjoint).astype(np.float16)
    try:
        out = np.linalg.inv(x)
    except np.linalg.LinAlgError:
        raise InvalidArgumentError("linalg.inv: Input is not invertible.") from None
    return np.conj(_swap_last_axes(out)) if adjoint else out


def _inv_vjp(g, ans, needs, x, adjoint=False):
    # TF: d inv(A) = -inv(A)^H G inv(A)^H.
    _require_real(ans, "linalg.inv")
    if adjoint:  # ans = inv(A)^T, so dL/d inv(A) = g^T: dA = -ans g^T ans
        return (-_matmul(_matmul(ans, g, transpose_b=True), ans),)
    return (-_matmul(ans, _matmul(g, ans, transpose_b=True), transpose_a=True),)


_inv = defop("matrix_inverse", _inv_forward, _inv_vjp, save_inputs=False,
             notes="dA = -inv(A)^T G inv(A)^T (TensorFlow's MatrixInverse gradient).")


@export("linalg.inv")
def inv(input, adjoint=False, name=None):
    """The inverse of each square matrix in ``input`` [..., M, M], as ``tf.linalg.inv``.

    >>> import tapegrad as tf
    >>> tf.linalg.inv([[2.0, 0.0], [0.0, 4.0]]).numpy()
    array([[0.5 , 0.  ],
           [0.  , 0.25]], dtype=float32)
    """
    _square(input, "linalg.inv", rule=_INV_DTYPES)
    return _inv(input, adjoint=True) if adjoint else _inv(input)


def _det_vjp(g, ans, needs, x):
    # TF: dA = (g * det(A)) inv(A)^T.
    _require_real(ans, "linalg.det")
    w = prim.reshape(g * ans, shape=tuple(np.shape(ans)) + (1, 1))
    return (w * _inv(x, adjoint=True),)


_det = defop("matrix_determinant", lambda x: np.linalg.det(x), _det_vjp,
             notes="dA = g det(A) inv(A)^T (TensorFlow's formula; needs A invertible).")


@export("linalg.det")
def det(input, name=None):
    """The determinant of each square matrix in ``input`` [..., M, M], as ``tf.linalg.det``."""
    _square(input, "linalg.det")
    return _det(input)


def _logabsdet_vjp(g, ans, needs, x):
    _require_real(x, "linalg.slogdet")
    return (prim.reshape(g, shape=tuple(np.shape(ans)) + (1, 1)) * _inv(x, adjoint=True),)


_logabsdet = defop("log_matrix_determinant", lambda x: np.linalg.slogdet(x)[1].astype(np.asarray(x).dtype),
                   _logabsdet_vjp, save_output=False,
                   notes="log|det A|: dA = g inv(A)^T. The sign output has no gradient.")


@export("linalg.slogdet")
def slogdet(input, name=None):
    """``(sign, log_abs_determinant)`` of each square matrix, as ``tf.linalg.slogdet``."""
    v = _square(input, "linalg.slogdet")
    sign = convert_to_tensor(np.linalg.slogdet(v)[0].astype(v.dtype))
    return sign, _logabsdet(input)


@export("linalg.logdet")
def logdet(matrix, name=None):
    """log det of each Hermitian positive-definite matrix (via its Cholesky factor), as
    ``tf.linalg.logdet``."""
    chol = cholesky(matrix)
    return 2.0 * prim.reduce_sum(math_ops.log(diag_part(chol)), axis=(len(np.shape(chol)) - 2,), keepdims=False)


def _solve_forward(a, b, adjoint=False):
    a = np.asarray(a)
    try:
        return np.linalg.solve(np.conj(_swap_last_axes(a)) if adjoint else a, b)
    except np.linalg.LinAlgError:
        raise InvalidArgumentError("linalg.solve: Input matrix is not invertible.") from None


def _solve_vjp(g, ans, needs, a, b, adjoint=False):
    # TF's MatrixSolve gradient: gb = solve(A, g, adjoint=not adjoint); gA = -gb x^T (or -x gb^T).
    _require_real(ans, "linalg.solve")
    gb = _solve(a, g) if adjoint else _solve(a, g, adjoint=True)
    ga = None
    if needs[0]:
        ga = -_matmul(ans, gb, transpose_b=True) if adjoint else -_matmul(gb, ans, transpose_b=True)
    return ga, gb if needs[1] else None


_solve = defop("matrix_solve", _solve_forward, _solve_vjp, broadcasting=True,
               notes="gB = solve(A^T, G), gA = -gB X^T (TensorFlow's MatrixSolve gradient).")


def _check_rhs(matrix, rhs, op_name):
    a = _square(matrix, op_name, "matrix")
    b = prim.value(rhs)
    if b.ndim < 2 or b.shape[-2] != a.shape[-1]:
        raise InvalidArgumentError(f"{op_name}: rhs must have shape [..., {a.shape[-1]}, K] for a matrix of shape "
                                   f"{list(a.shape)}, got {list(b.shape)}")
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise InvalidArgumentError(f"{op_name}: batch dimensions of matrix {list(a.shape)} and rhs {list(b.shape)} "
                                   f"do not broadcast") from None


@export("linalg.solve")
def solve(matrix, rhs, adjoint=False, name=None):
    """``X`` with ``matrix @ X = rhs`` (``matrix^H @ X = rhs`` if ``adjoint``), as ``tf.linalg.solve``.

    >>> import tapegrad as tf
    >>> tf.linalg.solve([[2.0, 0.0], [0.0, 4.0]], [[1.0], [1.0]]).numpy()
    array([[0.5 ],
           [0.25]], dtype=float32)
    """
    matrix, rhs = prim.same_dtype("linalg.solve", matrix, rhs)
    _check_rhs(matrix, rhs, "linalg.solve")
    return _solve(matrix, rhs, adjoint=True) if adjoint else _solve(matrix, rhs)


def _band_mask(shape, num_lower, num_upper):
    m, n = shape[-2:]
    i = np.arange(m)[:, None]
    j = np.arange(n)[None, :]
    keep = np.ones((m, n), bool)
    if num_lower >= 0:
        keep &= (i - j) <= num_lower
    if num_upper >= 0:
        keep &= (j - i) <= num_upper
    return keep


def _band_part_forward(x, num_lower, num_upper):
    x = np.asarray(x)
    return np.where(_band_mask(x.shape, num_lower, num_upper), x, np.zeros((), x.dtype))


_band_part = defop("matrix_band_part", _band_part_forward,
                   lambda g, ans, needs, x, num_lower, num_upper: (_band_part(g, num_lower=num_lower,
                                                                              num_upper=num_upper),),
                   save_inputs=False, save_output=False, notes="Linear: the gradient is the band of G.")


@export("linalg.band_part")
def band_part(input, num_lower, num_upper, name=None):
    """Keep the band of ``num_lower`` sub- and ``num_upper`` super-diagonals (-1: all) of each
    matrix, zero the rest, as ``tf.linalg.band_part``."""
    v = prim.value(input)
    if v.ndim < 2:
        raise InvalidArgumentError(f"linalg.band_part: input must have rank >= 2, got shape {list(v.shape)}")
    return _band_part(input, num_lower=static_int(num_lower, "linalg.band_part", "num_lower"),
                      num_upper=static_int(num_upper, "linalg.band_part", "num_upper"))


def _triangular_solve_forward(a, b, lower=True, adjoint=False):
    a = np.asarray(a)
    tri = np.tril(a) if lower else np.triu(a)  # as TF: the other triangle is never read
    if adjoint:
        tri = np.conj(_swap_last_axes(tri))
    try:
        return np.linalg.solve(tri, b)
    except np.linalg.LinAlgError:
        raise InvalidArgumentError("linalg.triangular_solve: the matrix is singular (a zero on its diagonal)") \
            from None


def _triangular_solve_vjp(g, ans, needs, a, b, lower=True, adjoint=False):
    # TF's MatrixTriangularSolve gradient; gA is restricted to the triangle that was read.
    _require_real(ans, "linalg.triangular_solve")
    gb = _triangular_solve(a, g, lower=lower, adjoint=not adjoint)
    ga = None
    if needs[0]:
        ga = -_matmul(ans, gb, transpose_b=True) if adjoint else -_matmul(gb, ans, transpose_b=True)
        ga = _band_part(ga, num_lower=-1, num_upper=0) if lower else _band_part(ga, num_lower=0, num_upper=-1)
    return ga, gb if needs[1] else None


_triangular_solve = defop("matrix_triangular_solve", _triangular_solve_forward, _triangular_solve_vjp,
                          broadcasting=True,
                          notes="Only the lower (upper) triangle is read, and only it gets a gradient.")


@export("linalg.triangular_solve")
def triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    """``X`` with ``tri(matrix) @ X = rhs`` for the lower (or upper) triangle of ``matrix``, as
    ``tf.linalg.triangular_solve``."""
    matrix, rhs = prim.same_dtype("linalg.triangular_solve", matrix, rhs)
    _check_rhs(matrix, rhs, "linalg.triangular_solve")
    return _triangular_solve(matrix, rhs, lower=bool(lower), adjoint=bool(adjoint))


def _cholesky_forward(x):
    try:
        return np.linalg.cholesky(x)
    except np.linalg.LinAlgError:
        raise InvalidArgumentError("linalg.cholesky: Cholesky decomposition was not successful. The input might "
                                   "not be valid (it must be symmetric positive definite).") from None


def _cholesky_vjp(g, ans, needs, x):
    # TF's CholeskyGrad (Murray 2016, eq. 10): with L the factor,
    #   P = Phi(L^T G), Phi = lower triangle with the diagonal halved,
    #   S = L^-T P L^-1,  dA = (S + S^T) / 2   (symmetric: A is taken as symmetric).
    _require_real(ans, "linalg.cholesky")
    n = np.shape(ans)[-1]
    dtype = np.asarray(ans).dtype
    l_inverse = _triangular_solve(ans, np.eye(n, dtype=dtype), lower=True)
    middle = _matmul(ans, g, transpose_a=True)
    middle = middle * (np.tril(np.ones((n, n), dtype)) - 0.5 * np.eye(n, dtype=dtype))
    s = _matmul(_matmul(l_inverse, middle, transpose_a=True), l_inverse)
    return ((s + _transpose_last_axes(s)) * 0.5,)


_cholesky = defop("cholesky", _cholesky_forward, _cholesky_vjp, save_inputs=False,
                  notes="Reads the lower triangle; the gradient is symmetrised, as TensorFlow's "
                        "(differentiate a symmetric input, e.g. (A + A^T) / 2).")


@export("linalg.cholesky")
def cholesky(input, name=None):
    """The lower-triangular Cholesky factor ``L`` (``L @ L^H = input``) of each Hermitian
    positive-definite matrix, as ``tf.linalg.cholesky``."""
    _square(input, "linalg.cholesky")
    return _cholesky(input)


@export("linalg.cholesky_solve")
def cholesky_solve(chol, rhs, name=None):
    """``X`` with ``A X = rhs`` given ``chol``, A's Cholesky factor, as ``tf.linalg.cholesky_solve``."""
    y = triangular_solve(chol, rhs, lower=True, adjoint=False)
    return triangular_solve(chol, y, lower=True, adjoint=True)


# -- diagonals, trace, transposes -----------------------------------------------------------

def _diag_part_forward(x):
    return np.diagonal(x, axis1=-2, axis2=-1).copy()


def _set_diag_forward(d, shape):
    d = np.asarray(d)
    out = np.zeros(shape, d.dtype)
    k = min(shape[-2:])
    out[..., np.arange(k), np.arange(k)] = d
    return out


_diag_part = defop("matrix_diag_part", _diag_part_forward,
                   lambda g, ans, needs, x: (_diag(g, shape=tuple(np.shape(x))),),
                   save_output=False)
_diag = defop("matrix_diag", _set_diag_forward,
              lambda g, ans, needs, d, shape: (_diag_part(g),),
              save_inputs=False, save_output=False,
              notes="The adjoint of matrix_diag_part: a zero matrix with the diagonal set.")


@export("linalg.diag_part")
def diag_part(input, name=None, k=0, padding_value=0, align="RIGHT_LEFT"):
    """The main diagonal of each matrix [..., M, N] -> [..., min(M, N)], as ``tf.linalg.diag_part``."""
    v = prim.value(input)
    if v.ndim < 2:
        raise InvalidArgumentError(f"linalg.diag_part: input must have rank >= 2, got shape {list(v.shape)}")
    if static_value(k) != 0:
        raise NotImplementedError("linalg.diag_part: only k=0 (the main diagonal) is supported")
    return _diag_part(input)


@export("linalg.diag")
def diag(diagonal, name=None, k=0, num_rows=-1, num_cols=-1, padding_value=0, align="RIGHT_LEFT"):
    """Square matrices with ``diagonal`` [..., N] on the main diagonal, as ``tf.linalg.diag``."""
    v = prim.value(diagonal)
    if v.ndim < 1:
        raise InvalidArgumentError("linalg.diag: diagonal must have rank >= 1, got a scalar")
    if static_value(k) != 0 or static_value(padding_value) != 0:
        raise NotImplementedError("linalg.diag: only k=0 with zero padding is supported")
    n = v.shape[-1]
    rows = n if static_value(num_rows) in (-1, None) else static_int(num_rows, "linalg.diag", "num_rows")
    cols = n if static_value(num_cols) in (-1, None) else static_int(num_cols, "linalg.diag", "num_cols")
    if min(rows, cols) != n:
        raise InvalidArgumentError(f"linalg.diag: a diagonal of length {n} does not fit a {rows}x{cols} matrix")
    return _diag(diagonal, shape=v.shape[:-1] + (rows, cols))


@export("linalg.trace")
def trace(x, name=None):
    """The sum of each matrix's main diagonal [..., M, N] -> [...], as ``tf.linalg.trace``.

    >>> import tapegrad as tf
    >>> print(tf.linalg.trace([[1.0, 2.0], [3.0, 4.0]]).numpy())
    5.0
    """
    require_dtype("linalg.trace", _NUMBERS, prim.value(x))
    d = diag_part(x)
    return prim.reduce_sum(d, axis=(len(np.shape(d)) - 1,), keepdims=False)


_conj = defop("conj", np.conj, lambda g, ans, needs, x: (_conj(g),), arity="unary", save_inputs=False,
              save_output=False, notes="Complex conjugate; the gradient is conj(g), as TF's.")


@export("linalg.matrix_transpose")
def matrix_transpose(a, name=None, conjugate=False):
    """Swap the last two axes, as ``tf.linalg.matrix_transpose``; ``conjugate=True`` also
    conjugates a complex input (``tf.linalg.adjoint``)."""
    v = prim.value(a)
    if v.ndim < 2:
        raise InvalidArgumentError(f"linalg.matrix_transpose: input must have rank >= 2, got shape {list(v.shape)}")
    out = _transpose_last_axes(a)
    return _conj(out) if conjugate and v.dtype.kind == "c" else out


@export("linalg.adjoint")
def adjoint(matrix, name=None):
    """The conjugate transpose of the last two axes, as ``tf.linalg.adjoint`` (for real inputs:
    ``matrix_transpose``)."""
    return matrix_transpose(matrix, conjugate=True)
