"""GradientTape, as ``tf.GradientTape``: records ops on watched values, then differentiates."""
import contextlib
import enum
import logging
import warnings

import numpy as np

from . import nest
from .backward import backward
from .explain import explain
from .indexed_slices import IndexedSlices
from .registry import convert_to_tensor
from .graph import Node
from .state import refresh_active, state
from .tensor import Tensor, TensorLike, new_tensor
from .variable import Variable

logger = logging.getLogger("tapegrad")
_warn_on_none = [False]  # set by tapegrad.debugging.warn_on_none_gradients


def warn_on_none_gradients(enabled=True):
    """Make every ``gradient()`` that returns None for a source warn, saying why."""
    _warn_on_none[0] = bool(enabled)


def why_none(source):
    """Why the last ``gradient()`` in this thread returned None for ``source`` (or None)."""
    return state.none_reasons.get(id(source))


class UnconnectedGradients(enum.Enum):
    """What ``gradient`` returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


class GradientTape:
    """Record operations for automatic differentiation (``tf.GradientTape``).

    Trainable variables read inside the ``with`` block are watched automatically; tensors and
    non-trainable variables only when passed to ``watch``.

    >>> import tapegrad as tf
    >>> x = tf.Variable(3.0)
    >>> with tf.GradientTape() as tape:
    ...     y = x * x
    >>> float(tape.gradient(y, x))
    6.0
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = bool(persistent)
        self._watch_accessed = bool(watch_accessed_variables)
        self._recording = False
        self._used = False
        self._new_record()

    def _new_record(self):
        # A fresh token: nodes recorded before (reset) are no longer on this tape.
        self._token = object()
        self._tokens = (self._token,)
        self._nodes = []
        self._watched = {}  # id(variable) -> variable, in the order watched
        self._leaves = {}   # id(variable) -> its leaf node on this tape (see graph.read_node)
        self._dead_ends = []  # (what, parent nodes): non-differentiable steps (see explain.py)
        self._escapes = []    # (node, how): recorded values that left the library
        self._none_reasons = {}  # id(source) -> why its last gradient() result was None

    # -- context --------------------------------------------------------------------------
    def __enter__(self):
        if self in state.stack:
            raise ValueError("This GradientTape is already recording; a tape cannot be entered twice.")
        state.stack.append(self)
        self._recording = True
        refresh_active()
        return self

    def __exit__(self, exc_type, exc, tb):
        if self in state.stack:
            state.stack.remove(self)
        self._recording = False
        refresh_active()
        return False

    @contextlib.contextmanager
    def stop_recording(self):
        """Temporarily stop recording on this tape: ops inside are not differentiated."""
        if not self._recording:
            raise ValueError("Tape must be recording.")
        self._recording = False
        refresh_active()
        try:
            yield
        finally:
            self._recording = True
            refresh_active()

    def reset(self):
        """Forget everything recorded so far; inside the ``with`` block, keep recording afresh."""
        self._used = False
        self._new_record()
        refresh_active()

    # -- watching -------------------------------------------------------------------------
    def watch(self, tensor):
        """Watch a tensor, a variable, or a nested list/tuple/dict of them."""
        for x in nest.flatten(tensor):
            if isinstance(x, Variable):
                if id(x) not in self._watched:
                    self._watched[id(x)] = x
            elif isinstance(x, TensorLike):
                self._watch_tensor(x)
            else:
                raise ValueError(f"Passed in object {x!r} of type {type(x).__name__!r}, not "
                                 f"tapegrad.Tensor or tapegrad.Variable")

    def _watch_tensor(self, x):
        if x._value.dtype.kind not in "fc":
            logger.warning("The dtype of the watched tensor must be floating (e.g. tapegrad.float32), "
                           "got %s", x.dtype.name)
            return
        node = x._node
        if node is None:
            x._node = node = Node(None, None, None, None, None, self._tokens)
        elif self._token in node.tapes:
            return
        else:
            node.tapes = node.tapes + self._tokens
        self._nodes.append(node)

    def _watches_variable(self, variable):
        if id(variable) in self._watched:
            return True
        if self._watch_accessed and variable._trainable:
            self._watched[id(variable)] = variable
            return True
        return False

    def watched_variables(self):
        """The variables this tape watched, in the order they were created (as TF lists them)."""
        return tuple(sorted(self._watched.values(), key=_creation_uid))

    # -- differentiation ------------------------------------------------------------------
    def _check_usable(self):
        if self._used:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one set "
                               "of gradients (or jacobians)")

    def _seeds(self, targets, output_gradients, raw):
        seeds = []
        for k, t in enumerate(targets):
            if not isinstance(t, TensorLike):
                continue
            # A Variable target stands for itself (TF: d v / d v is ones, any other source None).
            node = self._variable_target_node(t) if isinstance(t, Variable) else t._node
            if node is None or self._token not in node.tapes:
                continue
            og = None if output_gradients is None else output_gradients[k]
            if og is None:
                g = np.ones(t._value.shape, t._value.dtype)
            else:
                g = og._value if isinstance(og, TensorLike) else np.asarray(og, t._value.dtype)
                if g.shape != t._value.shape:
                    raise ValueError(f"gradient(): output_gradients[{k}] has shape {g.shape}, but its "
                                     f"target has shape {t._value.shape}")
            seeds.append((node, g if raw else (og if isinstance(og, Tensor) else new_tensor(g, None))))
        return seeds

    def _variable_target_node(self, variable):
        node = Node(None, None, None, None, None, self._tokens, variable)
        self._nodes.append(node)
        return node

    def _gradient(self, targets, output_gradients, sources, release):
        for s in sources:
            if not isinstance(s, TensorLike):
                raise ValueError(f"gradient(): every source must be a Tensor or Variable, got "
                                 f"{type(s).__name__} {s!r}")
        seeds = self._seeds(targets, output_gradients, raw=not state.active)
        grads = backward(self, seeds, sources, release)
        for i, s in enumerate(sources):
            mask = getattr(s, "_mask", None)
            if mask is not None and grads[i] is not None:
                grads[i] = _apply_mask(grads[i], mask, s._value.shape)
        return grads

    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """d(sum of ``target``)/d``sources``, in the nesting of ``sources``.

        A source the target does not depend on (or an integer one) gets None, or zeros with
        ``unconnected_gradients="zero"``. A non-persistent tape answers once.
        """
        self._check_usable()
        unconnected = (unconnected_gradients if unconnected_gradients.__class__ is UnconnectedGradients
                       else UnconnectedGradients(unconnected_gradients))
        flat_targets = [target] if isinstance(target, TensorLike) else nest.flatten(target)
        flat = _is_flat_list(sources)
        flat_sources = list(sources) if flat else nest.flatten(sources)
        flat_out = None if output_gradients is None else nest.flatten(output_gradients)
        if flat_out is not None and len(flat_out) != len(flat_targets):
            raise ValueError(f"gradient(): {len(flat_out)} output_gradients for {len(flat_targets)} targets")
        release = not self._persistent
        try:
            grads = self._gradient(flat_targets, flat_out, flat_sources, release)
            if any(g is None for g in grads):
                self._note_none_reasons(flat_targets, flat_sources, grads)
        finally:
            if release:
                self._release()
        out = [_finish_gradient(g, s, unconnected) for g, s in zip(grads, flat_sources)]
        if flat:
            return out if type(sources) is list else type(sources)(out)
        return nest.pack_sequence_as(sources, out)

    def _note_none_reasons(self, targets, sources, grads):
        reasons = explain(self, targets, sources, grads)
        self._none_reasons = {id(s): r for s, r in zip(sources, reasons) if r is not None}
        state.none_reasons = dict(self._none_reasons)
        if _warn_on_none[0]:
            for s, r in zip(sources, reasons):
                if r is not None:
                    warnings.warn(f"GradientTape.gradient returned None: {r}", stacklevel=4)

    def why_none(self, source):
        """Why the last ``gradient()`` call returned None for ``source`` (None if it did not).

        >>> import tapegrad as tf
        >>> w = tf.Variable(1.0, trainable=False)
        >>> with tf.GradientTape() as tape:
        ...     y = w * 2.0
        >>> tape.gradient(y, w) is None
        True
        >>> print(tape.why_none(w))
        the variable 'Variable:0' is not trainable, so the tape does not watch it automatically: call tape.watch(variable) inside the `with` block
        """
        return self._none_reasons.get(id(source))

    def _release(self):
        # A used non-persistent tape frees what it recorded but keeps recording (inside its
        # ``with`` block ops still run through it, as in TF); only a second use is an error.
        self._used = True
        self._nodes = []
        self._leaves = {}

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        """Full Jacobian: for each source, a tensor of shape ``target.shape + source.shape``.

        One backward pass per element of ``target`` (TensorFlow vectorises them with pfor; the
        numbers are the same). Inside an outer tape the result is differentiable.
        """
        self._check_usable()
        unconnected = UnconnectedGradients(unconnected_gradients)
        flat_sources = nest.flatten(sources)
        tv = target._value
        per_source = [[] for _ in flat_sources]
        try:
            for i in range(tv.size):
                onehot = np.zeros(tv.size, tv.dtype)
                onehot[i] = 1
                grads = self._gradient([target], [onehot.reshape(tv.shape)], flat_sources, False)
                for k, g in enumerate(grads):
                    per_source[k].append(g)
        finally:
            if not self._persistent:
                self._release()
        out = [_stack_rows(rows, tv.shape, s, unconnected) for rows, s in zip(per_source, flat_sources)]
        return nest.pack_sequence_as(sources, out)

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Per-example Jacobian: ``target[b, ...]`` w.r.t. ``source[b, ...]``, shape [b, *t, *s].

        As in TensorFlow, it assumes example ``b`` of the target depends only on example ``b``
        of the source.
        """
        self._check_usable()
        tv = target._value
        sv = source._value
        if tv.ndim < 1 or sv.ndim < 1 or tv.shape[0] != sv.shape[0]:
            raise ValueError(f"batch_jacobian: target shape {tv.shape} and source shape {sv.shape} "
                             f"must share the first (batch) dimension")
        batch = tv.shape[0]
        inner = int(np.prod(tv.shape[1:], dtype=np.int64))
        cols = []
        try:
            for j in range(inner):
                seed = np.zeros((batch, inner), tv.dtype)
                seed[:, j] = 1
                cols.extend(self._gradient([target], [seed.reshape(tv.shape)], [source], False))
        finally:
            if not self._persistent:
                self._release()
        # cols[j] has the source's shape [b, *s]; the result puts j after the batch axis.
        stacked = _stack_rows(cols, (inner,), source, UnconnectedGradients(unconnected_gradients))
        if stacked is None:
            return None
        perm = [1, 0] + list(range(2, sv.ndim + 1))
        return _api("reshape")(_api("transpose")(stacked, perm), tv.shape + sv.shape[1:])


def _creation_uid(variable):
    return variable._uid


def _apply_mask(g, mask, shape):
    """The gradient of a variable with a trainable mask: zero outside the mask."""
    if isinstance(g, IndexedSlices):
        rows = np.broadcast_to(mask, shape)[g._indices()]   # O(rows touched)
        values = g.values
        if isinstance(values, Tensor):
            values = _api("where")(rows, values, _api("zeros_like")(values))
        else:
            values = np.where(rows, values, np.zeros((), np.asarray(values).dtype))
        return IndexedSlices(values, g.indices, g.dense_shape)
    if isinstance(g, Tensor):
        return _api("where")(mask, g, _api("zeros_like")(g))
    g = np.asarray(g)
    return np.where(mask, g, np.zeros((), g.dtype))


def _api(name):
    # The public ops register themselves in the core registry; the tape uses them at run time
    # (never at import) so that the core imports no higher layer.
    from .registry import API
    return API[name]


def _stack_rows(rows, lead_shape, source, unconnected):
    """Stack per-element gradients into shape ``lead_shape + source.shape`` (None if all None)."""
    if rows and all(r is None for r in rows) and unconnected is UnconnectedGradients.NONE:
        return None
    sv = source._value
    if not rows:
        return new_tensor(np.zeros(tuple(lead_shape) + sv.shape, sv.dtype), None)
    zero = np.zeros(sv.shape, sv.dtype)
    filled = [zero if r is None else convert_to_tensor(r) if isinstance(r, IndexedSlices) else r for r in rows]
    if any(isinstance(r, Tensor) and r._node is not None for r in filled):
        return _api("reshape")(_api("stack")(filled), tuple(lead_shape) + sv.shape)
    stacked = np.stack([np.asarray(r) for r in filled])
    return new_tensor(stacked.reshape(tuple(lead_shape) + sv.shape), None)


def _is_flat_list(x):
    """A plain list or tuple of tensors/variables (the common ``tape.gradient(loss, vars)``)."""
    return (type(x) is list or type(x) is tuple) and all(isinstance(s, TensorLike) for s in x)


def _finish_gradient(g, source, unconnected):
    if g is None:
        if unconnected is UnconnectedGradients.ZERO:
            return new_tensor(np.zeros(source._value.shape, source._value.dtype), None)
        return None
    if g.__class__ is np.ndarray:
        return new_tensor(g, None)
    if isinstance(g, IndexedSlices):
        return g.as_tensors()
    if isinstance(g, TensorLike):
        return g
    return new_tensor(np.asarray(g), None)
