"""custom_gradient and stop_gradient."""
import functools

import numpy as np

from . import nest
from .state import refresh_active, state
from .registry import Op, operand, _finish, convert_to_tensor
from .tape import GradientTape
from .tensor import TensorLike, new_tensor


def stop_gradient(input, name=None):
    """The value of ``input`` with no gradient flowing back through it (``tf.stop_gradient``)."""
    value = input._value if isinstance(input, TensorLike) else convert_to_tensor(input)._value
    return new_tensor(value, None)


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _custom_vjp(g, ans, needs, *inputs, grad_fn, num_args, variables):
    """Run the user's gradient function on Tensors (never raw arrays: it is user code)."""
    raw = state.raw
    state.raw = False
    try:
        upstream = g if isinstance(g, TensorLike) else new_tensor(np.asarray(g), None)
        if variables:
            arg_grads, var_grads = grad_fn(upstream, variables=list(variables))
            grads = _as_list(arg_grads) + _as_list(var_grads)
        else:
            grads = _as_list(grad_fn(upstream))
    finally:
        state.raw = raw
    if len(grads) != len(needs):
        raise ValueError(f"custom_gradient: the gradient function returned {len(grads)} gradients for "
                         f"{num_args} inputs and {len(variables)} variables")
    out = []
    for gr in grads:
        if gr is None:
            out.append(None)
        elif raw:
            out.append(gr._value if isinstance(gr, TensorLike) else np.asarray(gr))
        else:
            out.append(gr if isinstance(gr, TensorLike) else convert_to_tensor(gr))
    return tuple(out)


_CUSTOM = Op("custom_gradient", None, _custom_vjp, broadcasting=False, save_inputs=False,
             save_output=False, notes="A user-defined gradient (tapegrad.custom_gradient).", api=())


def custom_gradient(f=None):
    """Decorate ``f(*x) -> (y, grad_fn)`` so that gradients of ``y`` are ``grad_fn(dy)``.

    As ``tf.custom_gradient``: ``grad_fn(upstream)`` returns one gradient per tensor argument;
    if ``f`` reads variables, ``grad_fn(upstream, variables=...)`` returns
    ``(argument_grads, variable_grads)``. ``y`` must be a single tensor.

    >>> import tapegrad as tf
    >>> @tf.custom_gradient
    ... def clip_grad(x):
    ...     return tf.identity(x), lambda dy: tf.clip_by_value(dy, -1.0, 1.0)
    """
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        active = state.active
        if not active:
            y, _ = f(*args, **kwargs)
            return y
        # Run f with no outer tape recording, under a private tape that notes the variables it reads.
        saved_stack = state.stack
        state.stack = []
        try:
            with GradientTape() as inner:
                y, grad_fn = f(*args, **kwargs)
        finally:
            state.stack = saved_stack
            refresh_active()
        if nest.is_nested(y):
            raise NotImplementedError("custom_gradient: f must return a single tensor (structured "
                                      "outputs are not supported yet)")
        y = convert_to_tensor(y)
        tensor_args = [a for a in args if isinstance(a, TensorLike)]
        variables = [v for v in inner.watched_variables() if not any(v is a for a in tensor_args)]
        parents = [operand(a, active)[1] for a in tensor_args]
        parents += [operand(v, active)[1] for v in variables]
        static = {"grad_fn": grad_fn, "num_args": len(tensor_args), "variables": tuple(variables)}
        return _finish(_CUSTOM, tuple(parents), (None,) * len(parents), y._value, static, active)

    return wrapped


__all__ = ["custom_gradient", "stop_gradient"]
