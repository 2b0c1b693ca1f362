"""Variable: mutable state that tapes watch, as ``tf.Variable``.

Copy-on-write keeps recorded gradients right: an assignment writes into the variable's buffer
in place only when nothing else holds that buffer (no Tensor, no view, no recorded node: the
buffer's reference count says so). Otherwise it swaps in a new buffer, and every value a tape
saved stays as it was read. Optimizer updates between steps are therefore in place and free;
an update while a persistent tape still holds the old value costs one copy, never a wrong
gradient.
"""
import enum
import itertools
import sys

import numpy as np

from . import dtypes
from .errors import InvalidArgumentError
from .graph import read_node
from .state import note_dead_end, state
from .naming import current_scope
from .tensor import TensorLike, TensorShape, new_tensor, to_array, _numpy_text

_getrefcount = sys.getrefcount
# References to an unshared buffer seen by ``_getrefcount(self._value)``: the slot, the argument.
_UNSHARED = 2
# Variable and its subclasses (Keras' variables): the op dispatch's fast path checks membership.
VARIABLE_TYPES = set()
# Each variable's place in creation order: TF lists a tape's watched variables in this order.
_creation_order = itertools.count()


class Variable(TensorLike):
    """A mutable tensor, as ``tf.Variable``.

    >>> import tapegrad as tf
    >>> v = tf.Variable([1.0, 2.0], name="w")
    >>> v.assign_add([0.5, 0.5]).numpy()
    array([1.5, 2.5], dtype=float32)
    >>> v.name, v.trainable
    ('w:0', True)
    """

    __slots__ = ("_value", "_name", "_trainable", "_mask", "_indices", "_uid", "_declared_shape", "_constraint",
                 "_synchronization", "_aggregation", "__weakref__")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        VARIABLE_TYPES.add(cls)

    def __init__(self, initial_value=None, trainable=None, validate_shape=True, caching_device=None,
                 name=None, variable_def=None, dtype=None, import_scope=None, constraint=None,
                 synchronization=None, aggregation=None, shape=None, experimental_enable_variable_lifting=True,
                 trainable_mask=None):
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        if callable(initial_value):
            initial_value = initial_value()
        np_dtype = dtypes.numpy_dtype(dtype)
        if isinstance(initial_value, TensorLike) and np_dtype is not None:
            self._value = initial_value._value.astype(np_dtype)
        else:
            self._value = to_array(initial_value, np_dtype, copy=True)
        # A declared shape with unknown dimensions (or rank) lets assign change the value's shape.
        self._declared_shape = None
        if shape is not None:
            declared = TensorShape(shape)
            if validate_shape and not declared.is_compatible_with(self._value.shape):
                raise ValueError(f"Variable initial value has shape {self._value.shape}, "
                                 f"which is not compatible with shape {declared}")
            if not declared.is_fully_defined():
                self._declared_shape = declared
        name = current_scope() + (name or "Variable")  # inside tf.name_scope("a"): "a/v:0", as TF
        self._name = name if name.endswith(":0") else name + ":0"
        self._synchronization = VariableSynchronization(synchronization or VariableSynchronization.AUTO)
        self._aggregation = VariableAggregation(aggregation or VariableAggregation.NONE)
        if trainable is None:  # TF: a variable synchronized on read does not train by default
            trainable = self._synchronization is not VariableSynchronization.ON_READ
        self._trainable = bool(trainable)
        self._constraint = constraint
        self._uid = next(_creation_order)
        self._mask = self._indices = None
        if trainable_mask is not None:
            self.trainable_mask = trainable_mask

    # -- identity -------------------------------------------------------------------------
    @property
    def name(self):
        return self._name

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        # A tape that already watches this variable keeps watching it (as in TF).
        self._trainable = bool(value)

    @property
    def trainable_mask(self):
        """Which entries train: None (all), or a boolean array broadcastable to the shape.

        Set it to a boolean array (e.g. a row mask of shape ``(rows, 1)``), to an ``IndexSet``
        (rows, or ``gather_nd``-style entries), or to None; it can change at any step. The
        tape's gradient is zero outside the mask, and tapegrad's optimizers leave the frozen
        entries and their optimizer state bit-identical (see docs/selective_training.md).

        >>> import tapegrad as tf
        >>> v = tf.Variable([[1.0, 2.0], [3.0, 4.0]], trainable_mask=[[True], [False]])
        >>> with tf.GradientTape() as tape:
        ...     y = tf.reduce_sum(v * v)
        >>> tape.gradient(y, v).numpy().tolist()
        [[2.0, 4.0], [0.0, 0.0]]
        """
        return self._mask

    @trainable_mask.setter
    def trainable_mask(self, mask):
        if mask is None:
            self._mask = self._indices = None
            return
        if isinstance(mask, IndexSet):
            self._mask, self._indices = mask.to_mask(self._value.shape), mask
            return
        m = np.asarray(mask._value if isinstance(mask, TensorLike) else mask)
        if m.dtype != np.bool_:
            raise TypeError(f"trainable_mask of variable '{self._name}' must be a boolean array (or an "
                            f"IndexSet), got dtype {m.dtype}")
        try:
            if m.ndim > self._value.ndim or np.broadcast_shapes(m.shape, self._value.shape) != self._value.shape:
                raise ValueError
        except ValueError:
            raise InvalidArgumentError(f"trainable_mask of shape {m.shape} does not broadcast to the shape "
                                       f"{self._value.shape} of variable '{self._name}'") from None
        self._mask, self._indices = m.copy(), None

    @property
    def trainable_indices(self):
        """The IndexSet the mask was given as (None when given as a boolean mask or unset)."""
        return self._indices

    @property
    def shape(self):
        if self._declared_shape is not None:
            return self._declared_shape
        return TensorShape(self._value.shape)

    def set_shape(self, shape):
        """Check that ``shape`` is compatible with the variable's (a variable's shape is fixed)."""
        if not self.shape.is_compatible_with(TensorShape(shape)):
            raise ValueError(f"Shapes {self.shape} and {TensorShape(shape)} are not compatible")

    @property
    def constraint(self):
        """The projection given as ``constraint=`` (None); optimizers apply it, assign does not."""
        return self._constraint

    @property
    def synchronization(self):
        return self._synchronization

    @property
    def aggregation(self):
        return self._aggregation

    # Graph-mode API: TF raises these same errors in eager mode, which is all tapegrad has.
    @property
    def initial_value(self):
        raise RuntimeError("This property is not supported when eager execution is enabled.")

    def initialized_value(self):
        raise NotImplementedError("initialized_value() is not supported in eager execution: use the "
                                  "variable itself (or read_value())")

    def eval(self, session=None):
        raise RuntimeError("This operation is not supported when eager execution is enabled.")

    @property
    def graph(self):
        raise AttributeError("Variable.graph is undefined when eager execution is enabled.")

    @property
    def op(self):
        raise AttributeError("Variable.op is undefined when eager execution is enabled.")

    # -- the Python protocols TF refuses on a variable ----------------------------------------
    def __hash__(self):
        raise TypeError(f"Variable is unhashable. Instead, use variable.ref() as the key. (Variable: {self!r})")

    def __len__(self):
        raise TypeError(f"object of type '{type(self).__name__}' has no len(); use v.shape[0]")

    def __index__(self):
        raise TypeError(f"'{type(self).__name__}' object cannot be interpreted as an integer; use int(v)")

    def _no_in_place(self, *_):
        raise RuntimeError("`variable += value` with `tf.Variable`s is not supported. Use "
                           "`variable.assign_add(value)` to modify the variable, or `out = variable + value` "
                           "if you need to get a new output Tensor.")

    __iadd__ = __isub__ = __imul__ = __itruediv__ = __ifloordiv__ = __ipow__ = __imatmul__ = _no_in_place

    def __repr__(self):
        return (f"<tapegrad.Variable '{self._name}' shape={self.shape} dtype={self.dtype.name}, "
                f"numpy={_numpy_text(self._value)}>")

    def __str__(self):
        return self.__repr__()

    def __array__(self, dtype=None, copy=None):
        # A copy: the buffer is the variable's to update in place.
        return np.array(self._value, dtype=dtype, copy=True)

    def __iter__(self):
        return iter(self.read_value())

    def __reduce__(self):
        raise TypeError("Variables are not picklable; save their values with .numpy()")

    # -- reading --------------------------------------------------------------------------
    def read_value(self):
        """The current value as a Tensor (recorded as a read by watching tapes)."""
        active = state.active
        return new_tensor(self._value, read_node(self, active) if active else None)

    value = read_value

    # -- assignment (not differentiable) ---------------------------------------------------
    def _accessed(self):
        """An access other than a recorded read (an assignment, ``numpy()``): as in TF, a tape
        that watches accessed variables lists it in ``watched_variables()``."""
        for tape in state.active:
            tape._watches_variable(self)

    def numpy(self):
        if state.active:
            self._accessed()
        return self._value.copy()[()] if self._value.ndim == 0 else self._value.copy()

    def _new_value(self, value, op_name):
        if state.active:
            self._accessed()
            if getattr(value, "_node", None) is not None:
                note_dead_end(f"{op_name} to variable '{self._name}'", (value._node,), state.active)
        arr = to_array(value, self._value.dtype if not isinstance(value, TensorLike) else None)
        if arr.dtype != self._value.dtype:
            # TF: ValueError from converting the value (InvalidArgumentError in the kernel of
            # assign_add/assign_sub); tapegrad's InvalidArgumentError is a ValueError too.
            raise InvalidArgumentError(
                f"{op_name}: cannot assign a value of dtype {dtypes.FROM_NUMPY[arr.dtype].name} to "
                f"variable '{self._name}' of dtype {self.dtype.name}; cast it first")
        if arr.shape != self._value.shape:
            if op_name == "assign" and self._declared_shape is not None \
                    and self._declared_shape.is_compatible_with(arr.shape):
                return arr
            # TF: assign checks the shape in Python (ValueError), the updates in the kernel.
            cls = ValueError if op_name == "assign" else InvalidArgumentError
            raise cls(f"{op_name}: cannot assign a value of shape {arr.shape} to variable '{self._name}' "
                      f"of shape {self.shape}")
        return arr

    def _owns_buffer(self):
        return _getrefcount(self._value) <= _UNSHARED

    def assign(self, value, use_locking=False, name=None, read_value=True):
        """Set the value; returns the variable (None with ``read_value=False``, as TF)."""
        arr = self._new_value(value, "assign")
        if arr.shape == self._value.shape and self._owns_buffer():
            np.copyto(self._value, arr)
        else:
            self._value = arr.copy()
        return self if read_value else None

    def _update(self, ufunc, value, op_name, read_value=True):
        arr = self._new_value(value, op_name)
        if self._owns_buffer():
            ufunc(self._value, arr, out=self._value)
        else:
            self._value = ufunc(self._value, arr)
        return self if read_value else None

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        return self._update(np.add, delta, "assign_add", read_value)

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        return self._update(np.subtract, delta, "assign_sub", read_value)

    def _scatter(self, indices, updates, mode, op_name):
        if state.active:
            self._accessed()
        idx = np.asarray(to_array(indices))
        if idx.dtype.kind not in "iu":
            raise TypeError(f"{op_name}: indices must be integers, got dtype {idx.dtype}")
        shape = self._value.shape
        depth = idx.shape[-1] if idx.ndim else 0
        if idx.ndim == 0 or depth > len(shape):
            raise InvalidArgumentError(
                f"{op_name}: indices of shape {idx.shape} do not index a variable of shape {shape}: "
                f"the last dimension must be at most its rank {len(shape)}")
        upd = to_array(updates, self._value.dtype if not isinstance(updates, TensorLike) else None)
        if upd.dtype != self._value.dtype:
            raise InvalidArgumentError(f"{op_name}: updates of dtype {upd.dtype} for variable '{self._name}' "
                                       f"of dtype {self._value.dtype}")
        want = idx.shape[:-1] + shape[depth:]
        if upd.shape != want:
            upd = np.broadcast_to(upd, want) if upd.ndim == 0 else upd
            if upd.shape != want:
                raise InvalidArgumentError(f"{op_name}: updates must have shape {want} for indices of shape "
                                           f"{idx.shape} into shape {shape}, got {upd.shape}")
        flat = idx.reshape(-1, depth)
        for d in range(depth):
            bad = (flat[:, d] < 0) | (flat[:, d] >= shape[d])
            if bad.any():
                raise InvalidArgumentError(f"{op_name}: index {flat[bad.argmax()].tolist()} is out of bounds "
                                           f"for variable '{self._name}' of shape {shape}")
        target = self._value if self._owns_buffer() else self._value.copy()
        where = tuple(flat[:, d] for d in range(depth))
        upd = upd.reshape((-1,) + shape[depth:])
        if mode is None:
            target[where] = upd
        else:  # (``ufunc.at``: repeated indices all apply, as TF's scatter kernels do)
            mode.at(target, where, upd)
        self._value = target
        return self

    def scatter_nd_update(self, indices, updates, name=None):
        return self._scatter(indices, updates, None, "scatter_nd_update")

    def scatter_nd_add(self, indices, updates, name=None):
        return self._scatter(indices, updates, np.add, "scatter_nd_add")

    def scatter_nd_sub(self, indices, updates, name=None):
        return self._scatter(indices, updates, np.subtract, "scatter_nd_sub")

    def scatter_nd_max(self, indices, updates, name=None):
        return self._scatter(indices, updates, np.maximum, "scatter_nd_max")

    def scatter_nd_min(self, indices, updates, name=None):
        return self._scatter(indices, updates, np.minimum, "scatter_nd_min")

    # -- row updates from IndexedSlices (``v.scatter_add(tf.IndexedSlices(values, rows))``) ------
    def _scatter_rows(self, sparse_delta, mode, op_name):
        if not hasattr(sparse_delta, "indices") or not hasattr(sparse_delta, "values") \
                or isinstance(sparse_delta, TensorLike):
            raise TypeError(f"{op_name}: Argument `sparse_delta` must be a `tf.IndexedSlices`. Received "
                            f"arg: {sparse_delta!r}")
        rows = np.asarray(to_array(sparse_delta.indices))
        return self._scatter(rows[..., None], sparse_delta.values, mode, op_name)

    def scatter_update(self, sparse_delta, use_locking=False, name=None):
        return self._scatter_rows(sparse_delta, None, "scatter_update")

    def scatter_add(self, sparse_delta, use_locking=False, name=None):
        return self._scatter_rows(sparse_delta, np.add, "scatter_add")

    def scatter_sub(self, sparse_delta, use_locking=False, name=None):
        return self._scatter_rows(sparse_delta, np.subtract, "scatter_sub")

    def scatter_max(self, sparse_delta, use_locking=False, name=None):
        return self._scatter_rows(sparse_delta, np.maximum, "scatter_max")

    def scatter_min(self, sparse_delta, use_locking=False, name=None):
        return self._scatter_rows(sparse_delta, np.minimum, "scatter_min")

    def scatter_mul(self, sparse_delta, use_locking=False, name=None):
        return self._scatter_rows(sparse_delta, np.multiply, "scatter_mul")

    def scatter_div(self, sparse_delta, use_locking=False, name=None):
        return self._scatter_rows(sparse_delta, np.true_divide, "scatter_div")

    def batch_scatter_update(self, sparse_delta, use_locking=False, name=None):
        """``scatter_update`` per batch: indices [B..., N] pick rows along the axis after the
        batch axes [B...] of the variable, as ``tf.Variable.batch_scatter_update``."""
        if not hasattr(sparse_delta, "indices") or isinstance(sparse_delta, TensorLike):
            raise TypeError(f"batch_scatter_update: Argument `sparse_delta` must be a `tf.IndexedSlices`. "
                            f"Received arg: {sparse_delta!r}")
        idx = np.asarray(to_array(sparse_delta.indices))
        if idx.ndim == 0 or idx.ndim > self._value.ndim:
            raise InvalidArgumentError(f"batch_scatter_update: indices of shape {idx.shape} do not fit variable "
                                       f"'{self._name}' of shape {self._value.shape}")
        batch = np.indices(idx.shape)[:-1]  # the batch coordinates of each index
        full = np.stack(list(batch) + [idx], axis=-1)
        return self._scatter(full, sparse_delta.values, None, "batch_scatter_update")

    # -- gathers (recorded reads: the gradient reaches the variable as IndexedSlices) -------
    def sparse_read(self, indices, name=None):
        """Rows ``indices`` of the variable (``tf.gather(v, indices)``)."""
        return _api("gather")(self, indices)

    def gather_nd(self, indices, name=None):
        """``tf.gather_nd(v, indices)``."""
        return _api("gather_nd")(self, indices)


VARIABLE_TYPES.add(Variable)


def _api(name):
    # The op layer registers gather and gather_nd; used at run time only (the core imports no ops).
    from .registry import API
    return API[name]


class VariableSynchronization(enum.Enum):
    """When a distributed variable is synchronized (``tf.VariableSynchronization``); recorded only."""

    AUTO = 0
    NONE = 1
    ON_WRITE = 2
    ON_READ = 3


class VariableAggregation(enum.Enum):
    """How distributed updates combine (``tf.VariableAggregation``); recorded only."""

    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3


class IndexSet:
    """The trainable entries of a variable given by index: rows, or ``gather_nd``-style entries.

    ``IndexSet([0, 3])``: rows 0 and 3 (of axis 0). ``IndexSet([[0, 1], [2, 2]])``: the entries
    (or sub-arrays) at those leading indices, as ``gather_nd`` indexes. Assign one to
    ``Variable.trainable_mask``.

    >>> import tapegrad as tf
    >>> v = tf.Variable([[1.0, 2.0], [3.0, 4.0]], trainable_mask=tf.IndexSet([[1, 0]]))
    >>> v.trainable_mask.tolist()
    [[False, False], [True, False]]
    """

    def __init__(self, indices):
        idx = np.asarray(indices._value if isinstance(indices, TensorLike) else indices)
        if idx.size == 0 and idx.ndim == 1:
            idx = idx.astype(np.int64)  # IndexSet([]): no row trains (everything frozen)
        if idx.dtype.kind not in "iu" or idx.ndim not in (1, 2):
            raise TypeError(f"IndexSet takes a 1-D list of rows or a 2-D [n, k] list of gather_nd-style "
                            f"indices, got {idx.dtype} of shape {idx.shape}")
        self.indices = idx.astype(np.int64)

    @property
    def rows(self):
        """Row indices when this is a row set (1-D), else None."""
        return self.indices if self.indices.ndim == 1 else None

    def to_mask(self, shape):
        idx = self.indices if self.indices.ndim == 2 else self.indices[:, None]
        depth = idx.shape[1]
        if depth > len(shape) or ((idx < 0) | (idx >= np.array(shape[:depth]))).any():
            raise InvalidArgumentError(f"IndexSet indices {self.indices.tolist()} do not index a variable of "
                                       f"shape {shape}")
        mask = np.zeros(shape[:depth] + (1,) * (len(shape) - depth), bool)
        mask[tuple(idx.T)] = True
        return mask

    def __repr__(self):
        return f"IndexSet({self.indices.tolist()})"
