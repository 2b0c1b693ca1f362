"""Tensor: an immutable NumPy array plus the graph node that produced it.

Operators (``+``, ``*``, ``@``, ``[]`` ...) are installed by the op layer (``tapegrad/ops``),
as TensorFlow's math_ops installs them on its Tensor: the core does not know the ops.
"""
import numbers

import numpy as np

from . import dtypes
from .errors import InvalidArgumentError
from .state import note_escape, state


class TensorShape(tuple):
    """A tensor's shape: a tuple of ints that also answers TensorFlow's ``TensorShape`` API.

    ``TensorShape(None)`` is a shape of unknown rank (as in ``tf.TensorSpec(None)``): its rank
    is None and it is compatible with every shape.

    >>> import tapegrad as tf
    >>> tf.TensorShape([None, 3]).is_compatible_with([5, 3]), tf.TensorShape(None).rank
    (True, None)
    """

    __slots__ = ()

    def __new__(cls, dims=()):
        if dims is None or dims.__class__ is _UnknownRankShape:
            return _UNKNOWN_RANK
        return tuple.__new__(cls, dims)

    @property
    def rank(self):
        return len(self)

    ndims = rank

    def as_list(self):
        return list(self)

    def num_elements(self):
        """The number of elements (None when a dimension is unknown, as in a TensorSpec)."""
        if not self.is_fully_defined():
            return None
        return int(np.prod(self, dtype=np.int64))

    def is_fully_defined(self):
        return None not in self

    def is_compatible_with(self, other):
        """Same rank, and every dimension equal or unknown (None) on either side."""
        if other is None or other is _UNKNOWN_RANK:
            return True
        other = tuple(other)
        return len(other) == len(self) and all(s is None or o is None or o == s for s, o in zip(self, other))

    def assert_is_compatible_with(self, other):
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {TensorShape(other)} are incompatible")

    def merge_with(self, other):
        """The most specific shape compatible with both (TF: known dimensions win over None)."""
        self.assert_is_compatible_with(other)
        other = TensorShape(other)
        if other is _UNKNOWN_RANK:
            return self
        return TensorShape(o if s is None else s for s, o in zip(self, other))

    def __eq__(self, other):
        if isinstance(other, (list, tuple)):
            return other is not _UNKNOWN_RANK and tuple(self) == tuple(other)
        return NotImplemented

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = tuple.__hash__

    def __getitem__(self, key):
        item = tuple.__getitem__(self, key)
        return TensorShape(item) if isinstance(key, slice) else item

    def __repr__(self):
        return f"TensorShape({list(self)})"

    def __str__(self):
        if len(self) == 1:
            return f"({self[0]},)"
        return "(" + ", ".join(str(d) for d in self) + ")"


class _UnknownRankShape(TensorShape):
    """``TensorShape(None)``: no rank, no dimensions; compatible with any shape (one instance)."""

    __slots__ = ()

    rank = ndims = property(lambda self: None)

    def as_list(self):
        raise ValueError("as_list() is not defined on an unknown TensorShape.")

    def num_elements(self):
        return None

    def is_fully_defined(self):
        return False

    def is_compatible_with(self, other):
        return True

    def merge_with(self, other):
        return TensorShape(other)

    def __eq__(self, other):
        if isinstance(other, (list, tuple)):
            return other is self
        return NotImplemented

    __hash__ = tuple.__hash__

    def __len__(self):
        raise ValueError("Cannot take the length of shape with unknown rank.")

    def __iter__(self):
        raise ValueError("Cannot iterate over a shape with unknown rank.")

    def __bool__(self):
        return False

    def __getitem__(self, key):
        # TF: any dimension of an unknown shape is unknown, and so is any slice of it.
        return self if isinstance(key, slice) else None

    def __repr__(self):
        return "TensorShape(None)"

    def __str__(self):
        return "<unknown>"

    def __reduce__(self):
        return TensorShape, (None,)


_UNKNOWN_RANK = tuple.__new__(_UnknownRankShape, ())


class TensorLike:
    """What Tensor and Variable share: read-only views of the value. Operators come from ops/."""

    __slots__ = ()
    # NumPy defers ``ndarray * tensor`` to ``Tensor.__rmul__`` (a Tensor comes back, as in TF).
    __array_priority__ = 100

    @property
    def dtype(self):
        return dtypes.FROM_NUMPY[self._value.dtype]

    @property
    def shape(self):
        return TensorShape(self._value.shape)

    @property
    def ndim(self):
        return self._value.ndim

    @property
    def device(self):
        return "/job:localhost/replica:0/task:0/device:CPU:0"

    def get_shape(self):
        return self.shape

    def numpy(self):
        """A copy of the value as a NumPy array (or NumPy scalar for a 0-d tensor), as in TF."""
        if state.active:
            _escaping(self, "numpy()")
        value = self._value.copy()
        return value[()] if value.ndim == 0 else value

    def __array__(self, dtype=None, copy=None):
        value = self._value
        if dtype is not None and value.dtype != dtype:
            return value.astype(dtype)
        return value.copy() if copy else value

    def __len__(self):
        if self._value.ndim == 0:
            raise TypeError("len() of a scalar tensor is not defined")
        return self._value.shape[0]

    def __bool__(self):
        if state.active:
            _escaping(self, "bool()")
        return bool(self._value)

    def __float__(self):
        if state.active:
            _escaping(self, "float()")
        return float(self._value)

    def __int__(self):
        if state.active:
            _escaping(self, "int()")
        return int(self._value)

    def __index__(self):
        if self._value.dtype.kind not in "iu":
            raise TypeError(f"Only integer scalar tensors can be used as an index, "
                            f"got dtype {self.dtype.name}")
        return int(self._value)

    def __complex__(self):
        return complex(self._value)

    def __format__(self, format_spec):
        # As TF's EagerTensor: ``f"{t}"`` formats the NumPy value ("2.0", "[1. 2.]").
        return self._value.__format__(format_spec)

    __hash__ = None  # as TF2: tensors compare elementwise, so they are unhashable (use .ref())

    def ref(self):
        """A hashable reference to this object (``tensor.ref()`` in TensorFlow)."""
        return Reference(self)

    experimental_ref = ref


def _escaping(t, how):
    # Noted so that a None gradient can be explained ("the value left the library"). Variables
    # have no node: their reads are explained from the tape's own records.
    node = getattr(t, "_node", None)
    if node is not None:
        note_escape(node, how)


class Tensor(TensorLike):
    """An immutable multi-dimensional array, as ``tf.Tensor`` in eager mode.

    >>> import tapegrad as tf
    >>> t = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> t.shape, t.dtype.name, float(t[1, 0])
    (TensorShape([2, 2]), 'float32', 3.0)
    """

    __slots__ = ("_value", "_node")

    def __init__(self, value, dtype=None):
        # Public construction copies (as tf.constant); the engine uses ``new_tensor``.
        self._value = to_array(value, dtypes.numpy_dtype(dtype), copy=True)
        self._node = None

    def __iter__(self):
        value = self._value
        if value.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        return (self[i] for i in range(value.shape[0]))

    def __repr__(self):
        return (f"<tapegrad.Tensor: shape={self.shape}, dtype={self.dtype.name}, "
                f"numpy={_numpy_text(self._value)}>")

    def __str__(self):
        return f"tapegrad.Tensor({_numpy_text(self._value)}, shape={self.shape}, dtype={self.dtype.name})"

    def __reduce__(self):
        return Tensor, (self._value,)


_new = object.__new__


def new_tensor(value, node=None):
    """The engine's Tensor constructor: wraps ``value`` (an ndarray) without copying."""
    t = _new(Tensor)
    t._value = value
    t._node = node
    return t


def _numpy_text(value):
    return np.array2string(value, separator=" ") if value.ndim else repr(value[()].item())


class Reference:
    """Hashable wrapper of a Tensor or Variable (``t.ref()``); ``deref()`` gives it back."""

    __slots__ = ("_obj",)

    def __init__(self, obj):
        self._obj = obj

    def deref(self):
        return self._obj

    def __eq__(self, other):
        return isinstance(other, Reference) and other._obj is self._obj

    def __hash__(self):
        return id(self._obj)

    def __repr__(self):
        return f"<Reference at {id(self._obj):#x} of {self._obj!r}>"


def _infer_python_dtype(value, mixed_ok=False):
    """TensorFlow's dtype for a Python scalar or nested list: float32, int32/int64, bool, complex128.

    As TF, bools and numbers do not mix in one list unless a dtype is given (``mixed_ok``), and
    an int outside int64 is refused rather than wrapped or widened to an object array.
    """
    flat = np.asarray(value, dtype=object).ravel() if isinstance(value, (list, tuple)) else (value,)
    if len(flat) == 0:
        return np.dtype(np.float32)  # TF: an empty list is float32
    kind = "b"
    big = False
    bools = numbers_ = False
    for x in flat:
        if isinstance(x, (bool, np.bool_)):
            bools = True
            continue
        numbers_ = True
        if isinstance(x, numbers.Integral):
            kind = kind if kind in "fc" else "i"
            big = big or not (-2**31 <= int(x) < 2**31)
        elif isinstance(x, numbers.Real):
            kind = "c" if kind == "c" else "f"
        elif isinstance(x, numbers.Complex):
            kind = "c"
        elif isinstance(x, TensorLike):
            return x._value.dtype
        elif isinstance(x, (list, tuple, np.ndarray)):
            raise ValueError(f"Can't convert non-rectangular Python sequence to Tensor: {_short(value)}")
        else:
            raise TypeError(f"Cannot convert {value!r} to a tensor: element {x!r} of type "
                            f"{type(x).__name__} is not a number")
    if bools and numbers_ and not mixed_ok:
        raise ValueError(f"Can't convert Python sequence with mixed types (bools and numbers) to Tensor: "
                         f"{_short(value)}; give a dtype or cast")
    if big and kind == "i" and not mixed_ok:
        _refuse_out_of_range(flat, value, -2**63, 2**63, "int64")
    return {"b": np.dtype(np.bool_), "i": np.dtype(np.int64 if big else np.int32),
            "f": np.dtype(np.float32), "c": np.dtype(np.complex128)}[kind]


def _refuse_out_of_range(flat, value, low, high, what):
    for x in flat:
        if isinstance(x, numbers.Integral) and not isinstance(x, (bool, np.bool_)) and not low <= int(x) < high:
            raise ValueError(f"Can't convert Python sequence with out-of-range integer to Tensor: {x} does not "
                             f"fit in {what} (in {_short(value)})")


def to_array(value, dtype=None, copy=False):
    """An ndarray for ``value`` with TensorFlow's dtype rules.

    ``dtype``: a NumPy dtype or None. Python values get TF's defaults (float32, int32); NumPy
    arrays and scalars keep their dtype unless ``dtype`` is given. As TensorFlow: a Python float
    never converts to an integer dtype, and a Python int outside an integer dtype's range wraps
    around (``-1`` as uint8 is 255).
    """
    if isinstance(value, TensorLike):
        arr = value._value
        if dtype is not None and arr.dtype != dtype:
            raise InvalidArgumentError(
                f"Tensor conversion requested dtype {dtypes.FROM_NUMPY[np.dtype(dtype)].name} for a "
                f"tensor of dtype {dtypes.FROM_NUMPY[arr.dtype].name}; use tapegrad.cast to convert")
        return arr.copy() if copy else arr
    if isinstance(value, (np.ndarray, np.generic)):
        _check_supported(np.asarray(value), value)  # before a cast could hide an object/str array
        return np.array(value, dtype=dtype, copy=True) if (copy or dtype is not None) else np.asarray(value)
    if dtype is None:
        dtype = _infer_python_dtype(value)
    else:
        _infer_python_dtype(value, mixed_ok=True)  # refuses None, strings and ragged lists whatever the dtype
        if np.dtype(dtype).kind in "iubc":
            _refuse_lossy(value, np.dtype(dtype))
    try:
        arr = np.array(value, dtype=dtype)
    except OverflowError:
        arr = _wrapped_ints(value, np.dtype(dtype))
    except (ValueError, TypeError) as e:
        raise ValueError(f"Cannot convert {_short(value)} to a tensor of dtype {np.dtype(dtype).name}: {e}") from None
    _check_supported(arr, value)
    return arr


def _wrapped_ints(value, dtype):
    """Python ints that overflow an integer ``dtype``, wrapped modulo 2**bits as TensorFlow does
    (NumPy refuses them); ints beyond 64 bits are refused as TF refuses them."""
    flat = np.asarray(value, dtype=object).ravel() if isinstance(value, (list, tuple)) else (value,)
    if dtype.kind not in "iu":
        _refuse_out_of_range(flat, value, -2**63, 2**64, dtype.name)
        return np.array(np.asarray(value, dtype=object).astype(np.float64), dtype=dtype)
    _refuse_out_of_range(flat, value, -2**63, 2**64, "int64 or uint64")
    bits = dtype.itemsize * 8
    unsigned = np.asarray(value, dtype=object) % (1 << bits)
    return unsigned.astype(f"u{dtype.itemsize}").view(dtype)


def _refuse_lossy(value, dtype):
    flat = np.asarray(value, dtype=object).ravel() if isinstance(value, (list, tuple)) else (value,)
    for x in flat:
        if isinstance(x, TensorLike):
            continue
        if isinstance(x, (float, np.floating)) and dtype.kind in "iu":
            # TF refuses every Python float here, 2.0 too (cast a tensor to truncate).
            raise TypeError(f"Cannot convert {_short(value)} to EagerTensor of dtype "
                            f"{dtypes.FROM_NUMPY[dtype].name}")
        if dtype.kind == "b" and not isinstance(x, (bool, np.bool_)) and isinstance(x, (int, float, complex, np.number)):
            # As TF: a number is not a bool (tf.constant(1, dtype=tf.bool) raises; cast it instead).
            raise TypeError(f"Cannot convert {_short(value)} to EagerTensor of dtype bool")
        if dtype.kind == "c" and isinstance(x, (bool, np.bool_)):
            raise TypeError(f"Cannot convert {_short(value)} to EagerTensor of dtype {dtypes.FROM_NUMPY[dtype].name}")


def _check_supported(arr, value):
    if arr.dtype not in dtypes.FROM_NUMPY:
        raise TypeError(f"Cannot convert {_short(value)} to a tensor: dtype {arr.dtype} is not supported")


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
