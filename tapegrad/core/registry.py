"""The op registry and the dispatch every op call goes through.

An op is defined once: a NumPy forward and a gradient rule (VJP) side by side, registered here
under its name, with the public names (``"exp"``, ``"math.exp"``) it is exported as. One VJP
signature everywhere::

    vjp(g, ans, needs, *inputs, **static) -> one gradient (or None) per input

``g`` is the gradient of the output, ``ans`` the output, ``needs[i]`` says whether input ``i``
needs a gradient (compute only those: a matmul whose left input needs none does one product),
``static`` the op's non-tensor arguments. Rules are written in tapegrad ops and operators, so an
outer tape records them (higher derivatives); when no tape records the backward pass they run on
raw ndarrays (``state.raw``), where each op is its bare NumPy forward.

The engine does the common work once: it sums a broadcast gradient back to its input's shape
(ops marked ``broadcasting``), accumulates fan-out, orders and prunes the graph.
"""
import numbers

import numpy as np

from . import dtypes
from .errors import InvalidArgumentError, NotFoundError, OpError, UnimplementedError
from . import numerics
from .graph import read_node, record
from .state import state
from .tensor import Tensor, TensorLike, new_tensor, to_array
from .variable import VARIABLE_TYPES, Variable

_ndarray = np.ndarray
_asarray = np.asarray

REGISTRY = {}   # op name -> Op
API = {}        # public name ("exp", "math.exp", "nn.relu") -> function


class Op:
    """A registered primitive: its forward, its VJP and what its backward pass must keep.

    ``kinds``: the dtypes TensorFlow's op accepts (a ``dtypes.select`` spec: "fc", "fiu",
    "fc int32 int64"), None for any; ``refusals``: ``{spec: exception class}`` for dtypes refused
    with another class than InvalidArgumentError (TF's NotFoundError where the op is defined
    for a dtype but has no CPU kernel for it, TypeError where TF's Python wrapper refuses it);
    those are refused even when ``kinds`` lists them. Setting either recomputes ``accept``, the
    frozenset of NumPy dtypes the dispatchers let through (None: any), one set lookup per call.
    """

    __slots__ = ("name", "forward", "vjp", "broadcasting", "save_inputs", "save_output", "notes", "api",
                 "_kinds", "_refusals", "accept", "refused")

    def __init__(self, name, forward, vjp, broadcasting, save_inputs, save_output, notes, api, kinds=None,
                 refusals=None):
        self.name = name
        self.forward = forward
        self.vjp = vjp
        self.broadcasting = broadcasting
        self.save_inputs = save_inputs
        self.save_output = save_output
        self.notes = notes
        self.api = api
        self._kinds = kinds
        self._refusals = refusals
        self._compile()

    @property
    def kinds(self):
        return self._kinds

    @kinds.setter
    def kinds(self, spec):
        self._kinds = spec
        self._compile()

    @property
    def refusals(self):
        return self._refusals

    @refusals.setter
    def refusals(self, mapping):
        self._refusals = mapping
        self._compile()

    def _compile(self):
        self.accept, self.refused = dtype_rule(self._kinds, self._refusals)

    def __repr__(self):
        return f"<Op {self.name}>"


def dtype_rule(kinds, refusals=None):
    """``(accept, refused)`` for a dtype rule: the frozenset of NumPy dtypes let through (None when
    the rule lets everything through) and ``{dtype: exception class}`` for the special refusals."""
    if kinds is None and not refusals:
        return None, {}
    allowed = dtypes.select(kinds) if kinds is not None else frozenset(dtypes.FROM_NUMPY)
    refused = {}
    for spec, cls in (refusals or {}).items():
        for d in dtypes.select(spec):
            refused[d] = cls
    return allowed.difference(refused), refused


def dtype_error(op_name, value, accept, refused=None, what="input"):
    """The exception for ``value`` (an ndarray, or a NumPy dtype: a ``dtype=`` argument) of a dtype
    ``accept`` leaves out: TensorFlow's class (``refused`` names the dtypes TF refuses with another
    class than InvalidArgumentError), with a message naming the op, the dtype, the input's shape
    and the dtypes that work."""
    dt = value if isinstance(value, np.dtype) else value.dtype
    name = dtypes.FROM_NUMPY[dt].name if dt in dtypes.FROM_NUMPY else str(dt)
    cls = refused.get(dt, InvalidArgumentError) if refused else InvalidArgumentError
    allowed = dtypes.names(accept)
    seen = what if isinstance(value, np.dtype) else f"{what} of shape {list(np.shape(value))}"
    if cls is InvalidArgumentError:
        return cls(f"{op_name}: Value for attr 'T' of {name} is not in the list of allowed values: {allowed} "
                   f"({seen}); cast it first")
    if cls in (NotFoundError, UnimplementedError):
        return cls(f"{op_name}: no kernel for dtype {name} (TensorFlow registers none for this op on CPU: "
                   f"'Could not find device for node'); supported dtypes: {allowed} ({seen}); cast it first")
    return cls(f"{op_name}: dtype {name} is not supported ({seen}); expected one of: {allowed}")


def require_dtype(op_name, rule, *values, what="input"):
    """Refuse each of ``values`` (Tensors, Variables, ndarrays, or NumPy dtypes) whose dtype
    ``rule`` (a ``dtype_rule`` pair) leaves out: for public wrappers whose primitive is shared
    with inputs TensorFlow's public op refuses. Returns nothing."""
    accept, refused = rule
    for v in values:
        v = getattr(v, "_value", v)
        if (v if isinstance(v, np.dtype) else v.dtype) not in accept:
            raise dtype_error(op_name, v, accept, refused, what)


def export(*names):
    """Register ``fn`` under public names such as ``"reduce_sum"`` or ``"math.reduce_sum"``."""
    def register(fn):
        for n in names:
            if n in API and API[n] is not fn:
                raise ValueError(f"public name {n!r} is already taken by {API[n]!r}")
            API[n] = fn
        return fn
    return register


def namespace(prefix):
    """The public functions exported under ``prefix`` ("" for the top level, "math", "nn" ...)."""
    out = {}
    for full, fn in API.items():
        ns, _, short = full.rpartition(".")
        if ns == prefix:
            out[short] = fn
    return out


def defop(name, forward, vjp, *, arity="nary", api=(), broadcasting=False, save_inputs=True,
          save_output=True, notes="", doc=None, kinds=None, refusals=None):
    """Register a primitive and return the function that applies it.

    ``arity``: "unary" and "binary" get dispatchers specialised for speed (binary ones also
    apply TensorFlow's operand dtype rules); "nary" takes any tensors positionally and the
    op's non-tensor arguments as keywords. ``vjp=None`` marks the op not differentiable: its
    output is never recorded, so a gradient through it is None (as TF's floor, argmax).
    ``kinds``: the dtypes the op accepts, as TensorFlow's kernel lists them (a ``dtypes.select``
    spec: "fc" for exp, so an int32 input raises InvalidArgumentError as in TF); None accepts
    any. ``refusals``: ``{spec: exception class}`` for dtypes TF refuses with another class
    (NotFoundError: no CPU kernel). Every dispatcher checks them: unary and binary ops their
    operand, n-ary ops their first tensor input (the data; indices and shapes come after it).
    """
    if name in REGISTRY:
        raise ValueError(f"op {name!r} is registered twice")
    op = Op(name, forward, vjp, broadcasting, save_inputs, save_output, notes, tuple(api), kinds, refusals)
    REGISTRY[name] = op
    fn = {"unary": _unary, "binary": _binary, "nary": _nary}[arity](op)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc or _default_doc(op)
    fn.op = op
    export(*api)(fn)
    return fn


def _default_doc(op):
    public = next((n for n in op.api if "." not in n), op.api[0] if op.api else None)
    text = f"``{op.name}``, as ``tf.{public}``." if public else f"The ``{op.name}`` primitive."
    if op.broadcasting:
        text += " Inputs broadcast."
    if op.vjp is None:
        text += " Not differentiable (a gradient through it is None)."
    return text + (" " + op.notes if op.notes else "")


# -- operands -------------------------------------------------------------------------------

def operand(a, active):
    """(value, node) of one tensor argument: a Tensor, a Variable (a recorded read), or data."""
    if isinstance(a, Variable):
        return a._value, (read_node(a, active) if active else None)
    if isinstance(a, TensorLike):
        return a._value, a._node
    if hasattr(a, "__tapegrad_tensor__"):  # IndexedSlices and other tensor-like types
        t = a.__tapegrad_tensor__()
        return t._value, t._node
    if isinstance(a, _ndarray):
        # A tape may save it: copy, so a later in-place change by the caller cannot alter it.
        return (to_array(a, copy=True) if active else to_array(a)), None
    return to_array(a), None


def _scalar_operand(a, other_dtype, op_name):
    """A Python/NumPy scalar next to a tensor of ``other_dtype`` takes that dtype (TF's rule).

    It stays a Python scalar: NumPy treats those as "weak", so the result keeps the tensor's
    dtype. A value the dtype cannot hold exactly in kind is refused, as TensorFlow refuses it.
    """
    kind = other_dtype.kind
    if isinstance(a, np.generic):
        a = a.item()
    if isinstance(a, bool):
        if kind != "b":
            raise TypeError(f"{op_name}: cannot convert {a!r} to a tensor of dtype "
                            f"{dtypes.FROM_NUMPY[other_dtype].name}")
        return np.bool_(a)
    if isinstance(a, numbers.Integral):
        if kind == "b":
            raise TypeError(f"{op_name}: cannot convert {a!r} to a tensor of dtype bool")
        return a
    if isinstance(a, numbers.Real):
        if kind not in "fc" and not float(a).is_integer():
            raise TypeError(f"{op_name}: cannot convert {a!r} to a tensor of dtype "
                            f"{dtypes.FROM_NUMPY[other_dtype].name}")
        return a if kind in "fc" else int(a)
    if kind != "c":
        raise TypeError(f"{op_name}: cannot convert {a!r} to a tensor of dtype "
                        f"{dtypes.FROM_NUMPY[other_dtype].name}")
    return a


_SCALARS = (int, float, complex, bool, np.generic)
# Which dtype kinds a NumPy array may be converted from, for a tensor operand of a given kind.
_CONVERTIBLE = {"f": "fiu", "c": "fciu", "i": "iu", "u": "iu", "b": "b"}


def _convert_like(a, dtype, op_name):
    """A non-tensor operand converted to the other operand's dtype, as TensorFlow converts it."""
    if isinstance(a, _SCALARS):
        return _scalar_operand(a, dtype, op_name)
    if isinstance(a, _ndarray):
        if a.dtype.kind not in _CONVERTIBLE.get(dtype.kind, dtype.kind):
            raise TypeError(f"{op_name}: cannot convert a NumPy array of dtype {a.dtype} to "
                            f"{dtypes.FROM_NUMPY[dtype].name} to combine it with a tensor")
        return a.astype(dtype)  # a copy: a caller's later in-place change cannot reach a tape
    return to_array(a, dtype)


def _second_operand(y, dtype, op_name):
    """A binary op's second Python operand converted to the first's dtype (TF's rule)."""
    try:
        return to_array(y, dtype)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{op_name}: cannot convert y={_short_repr(y)} to {dtypes.FROM_NUMPY[dtype].name}, the "
                      f"dtype of x (TF converts x first, then y to x's dtype): {e}") from None


def _short_repr(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def binary_operands(x, y, active, op_name):
    """Values and nodes of a binary op's operands, after TensorFlow's dtype rules: a Python or
    NumPy value next to a tensor takes the tensor's dtype; two tensors must agree."""
    x_tensor = isinstance(x, TensorLike) or hasattr(x, "__tapegrad_tensor__")
    y_tensor = isinstance(y, TensorLike) or hasattr(y, "__tapegrad_tensor__")
    if x_tensor and not y_tensor:
        xv, xn = operand(x, active)
        return xv, xn, _convert_like(y, xv.dtype, op_name), None
    if y_tensor and not x_tensor:
        yv, yn = operand(y, active)
        return _convert_like(x, yv.dtype, op_name), None, yv, yn
    if not x_tensor and isinstance(x, _SCALARS) and isinstance(y, _ndarray):
        yv, yn = operand(y, active)
        return _scalar_operand(x, yv.dtype, op_name), None, yv, yn
    xv, xn = operand(x, active)
    if not x_tensor:
        if isinstance(x, _ndarray) and isinstance(y, _SCALARS):
            return xv, xn, _scalar_operand(y, xv.dtype, op_name), None
        if not isinstance(y, _ndarray):
            # Python values: as TF, x converts by itself and y to x's dtype (0. and [1, -1] are
            # float32; [1, -1] and 0. are refused, as a Python float never becomes an int).
            return xv, xn, _second_operand(y, xv.dtype, op_name), None
    yv, yn = operand(y, active)
    if xv.dtype is not yv.dtype and xv.dtype != yv.dtype:
        raise InvalidArgumentError(
            f"{op_name}: the operands' dtypes differ: x is {dtypes.FROM_NUMPY[xv.dtype].name} with "
            f"shape {xv.shape}, y is {dtypes.FROM_NUMPY[yv.dtype].name} with shape {yv.shape}; "
            f"cast one of them (tapegrad.cast) so both have the same dtype")
    return xv, xn, yv, yn


def _refused_dtype(op, value):
    return dtype_error(op.name, value, op.accept, op.refused)


def _forward_error(op, error, inputs):
    """NumPy's error inside a forward, re-raised as TensorFlow's class naming the op and inputs."""
    seen = ", ".join(f"{dtypes.FROM_NUMPY[v.dtype].name if v.dtype in dtypes.FROM_NUMPY else v.dtype} "
                     f"{list(v.shape)}" for v in map(np.asarray, inputs))
    text = str(error)
    if isinstance(error, OverflowError):
        what = f"a Python int does not fit the other operand's dtype ({text})"
    else:
        what = "the input shapes do not broadcast together" if "broadcast" in text else text
    return InvalidArgumentError(f"{op.name}: {what}; got inputs {seen}")


# -- dispatchers ----------------------------------------------------------------------------

def _finish(op, parents, inputs, out, static, active):
    """Wrap the forward's result; record it when a tape watches one of the inputs."""
    if out.__class__ is not _ndarray:
        out = _asarray(out)
    if not active:
        return new_tensor(out, None)
    for p in parents:
        if p is not None:
            break
    else:
        return new_tensor(out, None)
    shapes = None
    if op.broadcasting:
        shape = out.shape
        shapes = tuple(getattr(v, "shape", ()) for v in inputs)
        if all(s == shape for s in shapes):
            shapes = None
    if not op.save_inputs:
        inputs = (None,) * len(inputs)
    return record(op, parents, inputs, out, static, active, shapes)


def _unary(op):
    forward = op.forward
    name_ = op.name
    save_inputs = op.save_inputs

    def unary(x, name=None):
        st = state
        if st.raw:
            return forward(x)
        active = st.active
        if x.__class__ is Tensor:
            xv = x._value
            xn = x._node
        else:
            xv, xn = operand(x, active)
        accept = op.accept  # (read per call: an op family may set kinds after defining the op)
        if accept is not None and xv.dtype not in accept:
            raise _refused_dtype(op, xv)
        try:  # (free in CPython 3.11+ when nothing is raised)
            out = forward(xv)
        except OpError:
            raise
        except (ValueError, TypeError, IndexError, OverflowError) as e:
            raise _forward_error(op, e, (xv,)) from e
        if numerics.enabled:
            numerics.check_output(name_, out)
        if out.__class__ is not _ndarray:
            out = _asarray(out)
        if xn is None or not active:
            return new_tensor(out, None)
        return record(op, (xn,), (xv,) if save_inputs else (None,), out, None, active)
    return unary


def _binary(op):
    forward = op.forward
    name_ = op.name
    broadcasting = op.broadcasting

    def binary(x, y, name=None):
        st = state
        if st.raw:
            return forward(x, y)
        active = st.active
        # Fast path: Tensors and Variables of one dtype (the hot loop of every model).
        cx = x.__class__
        cy = y.__class__
        if (cx is Tensor or cx in VARIABLE_TYPES) and (cy is Tensor or cy in VARIABLE_TYPES):
            xv = x._value
            yv = y._value
            if cx is Tensor:
                xn = x._node
            else:
                xn = read_node(x, active) if active else None
            if cy is Tensor:
                yn = y._node
            else:
                yn = read_node(y, active) if active else None
            if xv.dtype is not yv.dtype and xv.dtype != yv.dtype:
                binary_operands(x, y, active, name_)  # raises the dtype error
        else:
            xv, xn, yv, yn = binary_operands(x, y, active, name_)
        accept = op.accept
        if accept is not None:
            v = xv if xv.__class__ is _ndarray else yv
            if v.__class__ is _ndarray and v.dtype not in accept:
                raise _refused_dtype(op, v)
        try:
            out = forward(xv, yv)
        except OpError:
            raise
        except (ValueError, TypeError, IndexError, OverflowError) as e:
            raise _forward_error(op, e, (xv, yv)) from e
        if out.__class__ is not _ndarray:
            out = _asarray(out)
        if numerics.enabled:
            numerics.check_output(name_, out)
        if (xn is None and yn is None) or not active:
            return new_tensor(out, None)
        shapes = None
        if broadcasting:
            shape = out.shape
            xs = xv.shape if xv.__class__ is _ndarray else ()
            ys = yv.shape if yv.__class__ is _ndarray else ()
            if xs != shape or ys != shape:
                shapes = (xs, ys)
        if not op.save_inputs:
            return record(op, (xn, yn), (None, None), out, None, active, shapes)
        return record(op, (xn, yn), (xv, yv), out, None, active, shapes)
    return binary


def pair_dispatcher(op):
    """A second, faster entry to a registered op for call sites that have already checked two
    tensor operands (``a @ b`` of two matrices): the binary dispatcher, without the n-ary one's
    argument lists and keyword handling. The op's forward is called as ``forward(x, y)``."""
    return _binary(op)


def _nary(op):
    forward = op.forward

    def nary(*args, **static):
        if static:
            static.pop("name", None)
        st = state
        if st.raw:
            return forward(*args, **static)
        active = st.active
        values = []
        parents = []
        for a in args:
            c = a.__class__
            if c is Tensor:
                values.append(a._value)
                parents.append(a._node)
            elif c in VARIABLE_TYPES:
                values.append(a._value)
                parents.append(read_node(a, active) if active else None)
            else:
                v, n = operand(a, active)
                values.append(v)
                parents.append(n)
        accept = op.accept
        if accept is not None and values and values[0].dtype not in accept:
            raise _refused_dtype(op, values[0])
        try:
            out = forward(*values, **static)
        except OpError:
            raise
        except (ValueError, TypeError, IndexError, OverflowError) as e:
            raise _forward_error(op, e, values) from e
        if numerics.enabled:
            numerics.check_output(op.name, out)
        return _finish(op, tuple(parents), tuple(values), out, static or None, active)
    return nary


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """``tf.convert_to_tensor``: a Tensor for a Tensor, Variable (read), array or Python value.

    >>> import tapegrad as tf
    >>> tf.convert_to_tensor([1, 2]).dtype.name
    'int32'
    """
    if isinstance(value, TensorLike):
        if dtype is not None and dtypes.as_dtype(dtype)._np != value._value.dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtypes.as_dtype(dtype).name} for Tensor "
                             f"with dtype {value.dtype.name}: {value!r}")
        if isinstance(value, Variable):
            return value.read_value()
        return value
    if hasattr(value, "__tapegrad_tensor__"):
        return value.__tapegrad_tensor__(dtype)
    np_dtype = dtypes.numpy_dtype(dtype)
    if np_dtype is None and dtype_hint is not None and not isinstance(value, (np.ndarray, np.generic)):
        hint = dtypes.numpy_dtype(dtype_hint)
        inferred = to_array(value)
        # A hint applies only where it keeps the value's kind (TF: 1.0 with an int hint stays float).
        if inferred.dtype.kind == hint.kind or (inferred.dtype.kind in "iu" and hint.kind in "fc"):
            return new_tensor(inferred.astype(hint), None)
        return new_tensor(inferred, None)
    return new_tensor(to_array(value, np_dtype, copy=True), None)
