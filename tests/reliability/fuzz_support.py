"""What the op fuzz test needs besides its table: drawing arguments of every kind, running one
call, and judging it (a result equal to the NumPy reference, or a tapegrad error that names the op).

A *case* is one call of a public function with drawn arguments, its NumPy reference and whether
the call is valid (True: must succeed, False: must raise, None: TensorFlow and NumPy disagree or
the rule is not worth encoding, so either outcome is accepted; a result must still match the
reference and an error must still be a tapegrad error).
"""
import collections
import dataclasses
import os
import traceback
import warnings
from typing import Any, Callable, Optional

import numpy as np
from hypothesis import strategies as st

import tapegrad as tf
from tapegrad.core.errors import OpError

PACKAGE_DIR = os.path.dirname(os.path.abspath(tf.__file__)) + os.sep

FLOATS = ("float32", "float64")
INTS = ("int32", "int64")
DTYPES = FLOATS + INTS + ("bool",)
KIND_OF = {d: np.dtype(d).kind for d in DTYPES}   # "f", "i", "b"

GOOD_KINDS = ("tensor", "tensor", "tensor", "numpy", "variable", "list")
BAD_KINDS = ("ragged", "str", "none", "object")
# Conversion errors come from tapegrad's to_array (as TensorFlow's, they name the value, not the op).
CONVERSION_PHRASES = ("Cannot convert", "Can't convert", "to a tensor", "to EagerTensor", "Tensor conversion")


@dataclasses.dataclass
class Arg:
    """One drawn tensor argument: what is passed, and the NumPy value it stands for."""
    value: Any                 # Tensor, ndarray, Variable, nested list, or a bad value
    array: Optional[np.ndarray]  # the data (None for a bad value)
    kind: str

    @property
    def good(self):
        return self.array is not None

    @property
    def weak(self):
        """A Python value: its dtype comes from the other operand (binary ops) or TF's defaults."""
        return self.kind == "list"

    @property
    def strong(self):
        """A tensor or array argument: it has a dtype of its own."""
        return self.kind in ("tensor", "numpy", "variable")

    @property
    def tensor(self):
        """A Tensor or Variable: other (Python, NumPy) arguments take its dtype."""
        return self.kind in ("tensor", "variable")

    def default_array(self):
        """The array TensorFlow converts this value to on its own (Python floats -> float32 ...)."""
        if not self.weak:
            return self.array
        kind = self.array.dtype.kind
        return self.array.astype({"f": np.float32, "i": np.int32, "b": np.bool_}[kind])

    def __repr__(self):
        if self.array is None:
            return f"{self.kind}:{self.value!r}"
        return f"{self.kind}:{self.array.dtype.name}{list(self.array.shape)}"


def values(rng, shape, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        out = rng.standard_normal(shape) * 2
    elif dtype.kind == "b":
        out = rng.random(shape) < 0.5
    else:
        out = rng.integers(-3, 5, size=shape)
    return np.asarray(out, dtype)  # (a 0-d draw is a NumPy scalar: keep it an array)


def make(kind, array):
    """An argument of ``kind`` holding ``array`` (ignored for the bad kinds)."""
    if kind == "tensor":
        return Arg(tf.constant(array), array, kind)
    if kind == "numpy":
        return Arg(array.copy(), array, kind)
    if kind == "variable":
        return Arg(tf.Variable(array), array, kind)
    if kind == "list":
        if array.size == 0:
            # An empty Python list has no dtype of its own (TF and tapegrad make it float32): the
            # fuzz passes empty data as a tensor instead, keeping the drawn dtype.
            return make("tensor", array)
        return Arg(array.tolist(), array, kind)
    if kind == "ragged":
        return Arg([[1.0, 2.0], [3.0]], None, kind)
    if kind == "str":
        return Arg("abc", None, kind)
    if kind == "none":
        return Arg(None, None, kind)
    if kind == "object":
        return Arg(np.array([object(), object()], dtype=object), None, kind)
    raise ValueError(kind)


def shapes(max_rank=3, max_dim=3, min_rank=0):
    return st.lists(st.integers(0, max_dim), min_size=min_rank, max_size=max_rank).map(tuple)


def nonempty_shapes(max_rank=3, max_dim=3, min_rank=0):
    return st.lists(st.integers(1, max_dim), min_size=min_rank, max_size=max_rank).map(tuple)


def kinds(bad=True):
    return st.sampled_from(GOOD_KINDS + (BAD_KINDS if bad else ()))


def draw_arg(data, rng, shape, dtypes=DTYPES, bad=True, kind=None):
    kind = kind or data.draw(kinds(bad))
    dtype = data.draw(st.sampled_from(dtypes))
    return make(kind, values(rng, shape, dtype))


def draw_axis(data, ndim, allow_none=True, allow_list=True):
    """An axis argument: in range, out of range, a list (maybe repeating), or a wrong type."""
    options = [st.integers(-ndim - 2, ndim + 1)]
    if allow_none:
        options.append(st.none())
    if allow_list:
        options.append(st.lists(st.integers(-ndim - 1, ndim), max_size=3))
    options.append(st.sampled_from(["a", 1.5, [0.5]]))
    return data.draw(st.one_of(*options))


def axis_valid(axis, ndim, allow_none=True, allow_list=True):
    """(valid, normalised tuple) for a reduction-style axis."""
    if axis is None:
        return allow_none, None
    axes = axis if isinstance(axis, list) else [axis]
    if isinstance(axis, list) and not allow_list:
        return False, None
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
        return False, None
    n = max(ndim, 1)
    if not all(-n <= a < n for a in axes):
        return False, None
    if ndim == 0:
        # TensorFlow: "Invalid reduction dimension (0 for input with 0 dimension(s))"; [] is fine.
        return (not axes), ()
    norm = [a % n for a in axes]
    if len(set(norm)) != len(norm):
        return False, None
    return True, tuple(sorted(norm))


def resolve(args, binary=False, first_wins=False):
    """The NumPy arrays the arguments stand for: Python values and NumPy arrays next to a Tensor
    take that tensor's dtype (TensorFlow converts them with it); otherwise Python values get
    TF's defaults (float32, int32) and arrays keep theirs. ``first_wins``: with no tensor, every
    argument takes the first one's dtype (the linalg/nn ops convert their inputs that way)."""
    target = next((a.array.dtype for a in args if a.good and a.tensor), None)
    if target is None and first_wins and args and args[0].good:
        target = args[0].default_array().dtype
    if target is None and binary and len(args) == 2:
        a, b = args
        if a.kind == "numpy" and b.weak and b.array.ndim == 0:
            target = a.array.dtype  # a Python scalar next to an array takes the array's dtype
        elif b.kind == "numpy" and a.weak and a.array.ndim == 0:
            target = b.array.dtype
        elif a.weak and b.weak:
            # A Python scalar takes the other value's dtype; else the first value's dtype wins
            # (TF converts the second with the first's dtype).
            target = (b if a.array.ndim == 0 and b.array.ndim else a).default_array().dtype
    out = []
    for a in args:
        if target is not None and not a.tensor:
            out.append(a.array.astype(target))
        else:
            out.append(a.default_array())
    return out


def converts(arg, target):
    """Whether tapegrad converts the Python or NumPy ``arg`` to dtype ``target`` (TF's kinds:
    numbers into floats, integers into ints, bools into bools)."""
    src, dst = arg.array.dtype.kind, np.dtype(target).kind
    return src in {"f": "fiu", "i": "iu", "b": "b"}[dst] and not (arg.weak and src == "b" and dst != "b")


def same_dtype(args):
    """Whether a call whose tensor inputs must share one dtype is valid: True (it must succeed),
    False (two tensors of different dtypes: it must raise) or None (TensorFlow and tapegrad may
    differ in how they convert Python and NumPy values: either outcome)."""
    tensors = [a for a in args if a.tensor]
    if len({a.array.dtype for a in tensors}) > 1:
        return False
    others = [a for a in args if not a.tensor]
    if not others:
        return True
    if tensors:
        return True if all(converts(a, tensors[0].array.dtype) for a in others) else None
    if all(a.kind == "numpy" for a in others):
        return True if len({a.array.dtype for a in others}) == 1 else None
    return None


@dataclasses.dataclass
class Case:
    call: Callable[[], Any]
    reference: Callable[[], Any]
    valid: Optional[bool]
    names: tuple                    # op names an error message may name
    desc: str
    watch: tuple = ()               # float Tensors passed in: their gradients must have their shape
    rtol: Optional[float] = None
    check_dtype: bool = True
    values: bool = True             # False: compare shapes only (dtypes TF refuses, NumPy semantics)
    gap: str = ""                   # a known engine gap (see ENGINE_GAPS): a result is not judged


def _same_dtype_family(got, want):
    if want.dtype.kind == "f" and want.dtype.itemsize == 4:
        return got.dtype == want.dtype
    return True


def compare(out, want, case, where="output"):
    if isinstance(want, (list, tuple)):
        assert isinstance(out, (list, tuple)) and len(out) == len(want), \
            f"{case.desc}: {where}: expected {len(want)} results, got {type(out).__name__} {out!r}"
        for i, (o, w) in enumerate(zip(out, want)):
            compare(o, w, case, f"{where}[{i}]")
        return
    got = np.asarray(out)
    want = np.asarray(want)
    assert got.shape == want.shape, f"{case.desc}: {where} shape {got.shape} != NumPy reference {want.shape}"
    if not case.values:
        return
    if case.check_dtype:
        assert _same_dtype_family(got, want), f"{case.desc}: {where} dtype {got.dtype} != reference {want.dtype}"
    if want.dtype.kind in "fc" or got.dtype.kind in "fc":
        g64, w64 = got.astype(np.float64), want.astype(np.float64)
        single = got.dtype == np.float32 or want.dtype == np.float32
        rtol = case.rtol or (2e-4 if single else 1e-9)
        finite = np.isfinite(w64)
        scale = np.max(np.abs(w64[finite]), initial=1.0)
        np.testing.assert_allclose(g64, w64, rtol=rtol, atol=rtol * scale, equal_nan=True,
                                   err_msg=f"{case.desc}: {where} differs from the NumPy reference")
    else:
        np.testing.assert_array_equal(got, want.astype(got.dtype) if want.dtype.kind == "b" else want,
                                      err_msg=f"{case.desc}: {where} differs from the NumPy reference")


# Results the fuzz does not judge, counted while it runs (the engine changes that the other gaps
# needed landed: forward errors name the op, None/strings are refused, an empty list is float32,
# broadcast_to checks its shape; test_engine_gaps.py pins each):
#   "dtype": a dtype TF's kernel may refuse; tapegrad refuses the ones tagged with ``kinds`` (exp of
#            int32, arithmetic on bool ...), and this file's kernel table is not precise enough to
#            judge the rest (TF's floordiv/floormod take ints, for instance).
ENGINE_GAPS = collections.Counter()


def check_error(e, case):
    """A tapegrad error: raised in tapegrad (not by NumPy or Python inside it), of TensorFlow's
    class or a built-in TypeError/ValueError, with a message that names the op (or, for a value
    that is not a tensor at all, the value)."""
    frames = traceback.extract_tb(e.__traceback__)
    last = frames[-1].filename if frames else "?"
    assert os.path.abspath(last).startswith(PACKAGE_DIR), (
        f"{case.desc}: {type(e).__name__} raised outside tapegrad ({last}:{frames[-1].lineno}): {e}")
    assert isinstance(e, OpError) or type(e) in (TypeError, ValueError), (
        f"{case.desc}: {type(e).__module__}.{type(e).__name__} is neither a tapegrad error nor a plain "
        f"TypeError/ValueError: {e}")
    text = str(e)
    named = any(n in text for n in case.names)
    conversion = any(p in text for p in CONVERSION_PHRASES)
    assert named or conversion, (
        f"{case.desc}: the message does not name the op ({' / '.join(case.names)}): "
        f"{type(e).__name__}: {text}")


def run(case):
    """Run one case and judge it; returns 'ok' or 'error' (for statistics)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NaN/Inf from the data, as in TF
        try:
            out = case.call()
        except (AssertionError, KeyboardInterrupt):
            raise
        except Exception as e:  # noqa: BLE001 - judging every exception is the point
            check_error(e, case)
            assert case.valid is not True, f"{case.desc}: a valid call was refused: {type(e).__name__}: {e}"
            return "error"
        if case.gap:
            ENGINE_GAPS[case.gap] += 1
            return "gap"
        assert case.valid is not False, f"{case.desc}: an invalid call returned {out!r} instead of raising"
        try:
            want = case.reference()
        except Exception as e:  # noqa: BLE001
            raise AssertionError(f"{case.desc}: tapegrad returned a result where the NumPy reference "
                                 f"raises {type(e).__name__}: {e}") from None
        compare(out, want, case)
        if case.valid and case.watch:
            check_gradient_shapes(case)
    return "ok"


def check_gradient_shapes(case):
    """Every gradient is None or has exactly its input's shape and dtype (never wrong-shaped)."""
    with tf.GradientTape() as tape:
        tape.watch(list(case.watch))
        out = case.call()
    outs = out if isinstance(out, (list, tuple)) else [out]
    outs = [o for o in outs if hasattr(o, "dtype") and o.dtype.is_floating]
    if not outs:
        return
    grads = tape.gradient(outs, list(case.watch))
    for x, g in zip(case.watch, grads):
        if g is None:
            continue
        g = tf.convert_to_tensor(g)
        assert g.shape == x.shape and g.dtype == x.dtype, (
            f"{case.desc}: gradient of shape {g.shape} {g.dtype.name} for an input of shape {x.shape} "
            f"{x.dtype.name}")


def float_tensors(args):
    return tuple(a.value for a in args if a.kind == "tensor" and a.array.dtype.kind == "f")
