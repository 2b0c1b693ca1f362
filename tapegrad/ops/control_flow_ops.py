"""Control flow, eagerly: cond, while_loop, map_fn, vectorized_map (as TensorFlow 2 runs them in eager mode).

TensorFlow runs these as plain Python in eager mode, and so does tapegrad: ``cond`` calls one
branch, ``while_loop`` is a Python loop, ``map_fn`` calls ``fn`` on each slice (recorded
unstacking) and stacks the results (a recorded ``stack``). Every step is a recorded op, so
gradients flow through all of them, to any order. ``vectorized_map`` is the same loop (TensorFlow
vectorizes ``fn`` with pfor; the numbers are the same).

The eager quirks are TensorFlow 2.21's: a predicate is the truth of its value (a size-1 tensor
of any rank counts, more elements raise ValueError), loop variables stay what the body returns
(Python numbers included) until the loop ends, ``back_prop=False`` changes nothing, structure
mismatches raise ValueError (TypeError when only the kind of sequence differs), and the error
classes for bad arguments are the ones TensorFlow raises.

Where the loop differs from pfor: ``vectorized_map`` refuses tensors whose first dimensions differ
(InvalidArgumentError; TF's pfor raises that only sometimes, else reads what it finds), and with
no element it runs ``fn`` once on a slice of zeros where TF traces it (same shapes and dtypes;
the gradient to the empty elems is None where TF's is an empty zeros tensor).
"""
import numpy as np

from .._function import TensorSpec
from ..core import dtypes, nest
from ..core.errors import InvalidArgumentError
from ..core.registry import convert_to_tensor, export
from ..core.tensor import TensorLike
from ..core.variable import Variable
from .shape_ops import stack, unstack


def _to_tensor(value):
    if value is None:  # TF: ValueError (tapegrad's convert_to_tensor raises TypeError)
        raise ValueError("Attempt to convert a value (None) with an unsupported type (<class 'NoneType'>) "
                         "to a Tensor.")
    return convert_to_tensor(value)


def _truth(pred):
    """``bool`` of a predicate's value, as TF's eager cond and while_loop take it."""
    return bool(_to_tensor(pred)._value)


@export("cond")
def cond(pred, true_fn=None, false_fn=None, name=None):
    """``true_fn()`` if ``pred`` is true, else ``false_fn()``, as ``tf.cond`` in eager mode: only
    the branch taken runs, and its result comes back as it is (any structure; a gradient flows
    through that branch). ``pred``: a Python bool or a tensor (its truth).

    >>> import tapegrad as tf
    >>> x = tf.constant(3.0)
    >>> float(tf.cond(x > 2.0, lambda: x * x, lambda: -x))
    9.0
    """
    for arg, fn in (("true_fn", true_fn), ("false_fn", false_fn)):
        if fn is None:
            raise TypeError(f"cond(): '{arg}' argument required")
    for arg, fn in (("true_fn", true_fn), ("false_fn", false_fn)):
        if not callable(fn):
            raise TypeError(f"'{arg}' must be callable.")
    return true_fn() if _truth(pred) else false_fn()


@export("while_loop")
def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10, back_prop=True,
               swap_memory=False, maximum_iterations=None, name=None):
    """``while cond(*loop_vars): loop_vars = body(*loop_vars)``, as ``tf.while_loop`` (TF2) in eager
    mode: ``loop_vars`` is a list or tuple (nested structures inside), ``body`` returns the same
    structure, and the result has it, every leaf a tensor. At most ``maximum_iterations`` passes.
    ``shape_invariants``, ``parallel_iterations``, ``back_prop`` and ``swap_memory`` change nothing
    eagerly (as in TF); gradients flow through every pass.

    >>> import tapegrad as tf
    >>> i, total = tf.while_loop(lambda i, s: i < 4, lambda i, s: (i + 1, s + i), (0, 0))
    >>> int(i), int(total)
    (4, 6)
    """
    if not callable(cond):
        raise TypeError("'cond' must be callable.")
    if not callable(body):
        raise TypeError("'body' must be callable.")
    if parallel_iterations < 1:
        raise TypeError("'parallel_iterations' must be a positive integer.")
    loop_vars = nest.map_structure(lambda v: v.read_value() if isinstance(v, Variable) else v, loop_vars)
    if not loop_vars:
        raise ValueError("'loop_vars' must be provided.")
    expected = list(loop_vars)  # as TF eager takes len(loop_vars): a scalar tensor raises TypeError
    if maximum_iterations is not None:
        limit = convert_to_tensor(maximum_iterations)
        if limit.ndim != 0:
            raise ValueError(f"'maximum_iterations' must be a scalar. Received shape: {limit.shape}")
        limit = int(limit._value)
        user_cond, user_body = cond, body
        # As TF: the counter is a Python int, and cond is called at the limit too.
        cond = lambda i, lv: _truth(user_cond(*lv)) and i < limit  # noqa: E731
        body = lambda i, lv: (i + 1, user_body(*lv))  # noqa: E731
        loop_vars = (0, loop_vars)
        expected = list(loop_vars)
    while _truth(cond(*loop_vars)):
        loop_vars = body(*loop_vars)
        nest.assert_same_structure(expected, list(loop_vars), "while_loop")
    loop_vars = nest.map_structure(_to_tensor, loop_vars)
    return loop_vars[1] if maximum_iterations is not None else loop_vars


# What TF raises for bad elems: no tensor in them, a scalar, first dimensions that differ.
_ELEMS_ERRORS = {"map_fn": (ValueError, ValueError, ValueError),
                 "vectorized_map": (ValueError, IndexError, InvalidArgumentError)}


def _slices(elems, op_name):
    """The leaves of ``elems`` as tensors, each unstacked along its first axis (recorded), and the
    number of slices."""
    no_tensor, scalar, lengths = _ELEMS_ERRORS[op_name]
    flat = [_to_tensor(e) for e in nest.flatten(elems)]
    if not flat:
        raise no_tensor(f"{op_name}: elems must be a Tensor or (possibly nested) sequence of Tensors. Got "
                        f"{elems!r}, which does not contain any Tensors.")
    if any(t.ndim == 0 for t in flat):
        raise scalar(f"{op_name}: elements in elems must be 1+ dimensional Tensors, not scalars")
    n = flat[0].shape[0]
    for t in flat[1:]:
        if t.shape[0] != n:
            raise lengths(f"{op_name}: Dimensions {n} and {t.shape[0]} are not compatible (the first "
                          f"dimension of every tensor in elems must be the same)")
    return flat, [unstack(t) for t in flat], n


def _element(elems, rows, i):
    return nest.pack_sequence_as(elems, [r[i] for r in rows])


def _spec(leaf):
    """(dtype, shape or None) of one leaf of ``fn_output_signature``."""
    if isinstance(leaf, TensorSpec):
        return leaf.dtype, leaf.shape
    return dtypes.as_dtype(leaf), None


def _written(value, dtype):
    """An output of ``fn`` as TF's TensorArray takes it: converted (to ``dtype`` where it can be),
    then its dtype checked."""
    if value is not None and not isinstance(value, TensorLike):
        try:
            value = convert_to_tensor(value, dtype=dtype)
        except (TypeError, ValueError):
            pass
    value = _to_tensor(value)
    if value.dtype != dtype:
        raise InvalidArgumentError(f"TensorArray dtype is {dtype.name} but Op is trying to write dtype "
                                   f"{value.dtype.name}")
    return value


def _empty(dtype, shape):
    """A tensor of zero elements along a new first axis: shape ``[0] + shape``."""
    return convert_to_tensor(np.zeros((0,) + tuple(shape or ()), dtypes.numpy_dtype(dtype)))


def _stack_of_none(value):
    """What stacking no copy of ``value`` gives: None for None, else an empty tensor."""
    if value is None:
        return None
    value = _to_tensor(value)
    return _empty(value.dtype, value.shape)


@export("map_fn")
def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False,
           infer_shape=True, name=None, fn_output_signature=None):
    """Apply ``fn`` to each slice of ``elems`` along the first axis and stack the results, as
    ``tf.map_fn``. ``elems`` may be a nested structure of tensors (``fn`` gets slices in that
    structure). ``fn``'s outputs must have the structure and dtypes of ``fn_output_signature``
    (``dtype`` is its old name; dtypes or ``tf.TensorSpec``s), by default those of ``elems``. With
    no element, ``fn`` is not called: the result is empty, of shape ``[0]`` plus the signature's
    shape (``[0]`` where it has none). ``back_prop`` changes nothing eagerly (as in TF).

    >>> import tapegrad as tf
    >>> tf.map_fn(lambda row: tf.reduce_sum(row), tf.constant([[1.0, 2.0], [3.0, 4.0]])).numpy()
    array([3., 7.], dtype=float32)
    """
    if not callable(fn):  # TF 2.21 fails reading fn.__name__
        raise AttributeError(f"map_fn: fn must be callable; '{type(fn).__name__}' object has no attribute "
                             f"'__name__'")
    flat, rows, n = _slices(elems, "map_fn")
    signature = fn_output_signature if fn_output_signature is not None else dtype
    if signature is None:
        signature = nest.pack_sequence_as(elems, [t.dtype for t in flat])
    specs = [_spec(leaf) for leaf in nest.flatten(signature)]
    shapes = [shape for _, shape in specs]
    columns = [[] for _ in specs]
    for i in range(n):
        out = fn(_element(elems, rows, i))
        nest.assert_same_structure(signature, out, "map_fn")
        for k, (value, (dt, _)) in enumerate(zip(nest.flatten(out), specs)):
            value = _written(value, dt)
            if shapes[k] is not None and not shapes[k].is_compatible_with(value.shape):
                raise ValueError(f"Incompatible shape for value ({value.shape}), expected ({shapes[k]})")
            if infer_shape:
                shapes[k] = value.shape if shapes[k] is None else shapes[k].merge_with(value.shape)
            columns[k].append(value)
    if n:
        return nest.pack_sequence_as(signature, [stack(column) for column in columns])
    results = []
    for dt, shape in specs:
        if shape is not None and not shape.is_fully_defined():
            raise ValueError(f"Tensor's shape (0,) is not compatible with supplied shape "
                             f"{(0,) + tuple(shape)}.")
        results.append(_empty(dt, shape))
    return nest.pack_sequence_as(signature, results)


@export("vectorized_map")
def vectorized_map(fn, elems, fallback_to_while_loop=True, warn=True):
    """``fn`` applied to each slice of ``elems`` along the first axis, results stacked, as
    ``tf.vectorized_map``: the numbers of ``map_fn``, with ``fn``'s output structure and dtypes
    (a None output stays None). Run here as a loop over the slices (TensorFlow vectorizes ``fn``
    with pfor); ``fallback_to_while_loop`` and ``warn`` change nothing. With no element ``fn`` runs
    once on a slice of zeros, for the shapes and dtypes of the empty results (TF traces it).

    >>> import tapegrad as tf
    >>> tf.vectorized_map(lambda row: row * row, tf.constant([[1.0, 2.0], [3.0, 4.0]])).numpy()
    array([[ 1.,  4.],
           [ 9., 16.]], dtype=float32)
    """
    flat, rows, n = _slices(elems, "vectorized_map")
    if not n:
        zeros = [convert_to_tensor(np.zeros(t.shape[1:], t._value.dtype)) for t in flat]
        out = fn(nest.pack_sequence_as(elems, zeros))
        return nest.map_structure(_stack_of_none, out)
    outs = [fn(_element(elems, rows, i)) for i in range(n)]
    for out in outs[1:]:
        nest.assert_same_structure(outs[0], out, "vectorized_map")
    columns = zip(*[nest.flatten(out) for out in outs])
    results = [None if column[0] is None else stack([_to_tensor(v) for v in column]) for column in columns]
    return nest.pack_sequence_as(outs[0], results)
