"""``tapegrad.function``, ``TensorSpec`` and ``executing_eagerly``: TensorFlow code decorated
with ``@tf.function`` runs, eagerly.

tapegrad has no graph mode: a decorated function runs its Python body at every call, as
TensorFlow does under ``tf.config.run_functions_eagerly(True)``. The numbers are the same; what
differs from a traced ``tf.function`` is what tracing changes (docs/engine.md): Python side
effects (``print``, appending to a list) happen at every call instead of once per trace, and
``executing_eagerly()`` is True inside. An ``input_signature`` is checked as TensorFlow checks
it: a call whose tensors do not match the specs' dtypes and shapes raises.
"""
import functools

from .core import dtypes, nest
from .core.registry import convert_to_tensor
from .core.tensor import TensorLike, TensorShape


class TensorSpec:
    """The dtype and shape (None for an unknown dimension) a tensor argument must have, as
    ``tf.TensorSpec``.

    >>> import tapegrad as tf
    >>> spec = tf.TensorSpec([None, 3], tf.float32)
    >>> spec.is_compatible_with(tf.zeros([5, 3])), spec.is_compatible_with(tf.zeros([5, 2]))
    (True, False)
    """

    __slots__ = ("shape", "dtype", "name")

    def __init__(self, shape, dtype=dtypes.float32, name=None):
        self.shape = shape if isinstance(shape, TensorShape) else TensorShape(shape)
        self.dtype = dtypes.as_dtype(dtype)
        self.name = name

    @classmethod
    def from_tensor(cls, tensor, name=None):
        return cls(tensor.shape, tensor.dtype, name)

    def is_compatible_with(self, spec_or_tensor):
        other = spec_or_tensor
        return other.dtype == self.dtype and self.shape.is_compatible_with(other.shape)

    def __eq__(self, other):
        return (isinstance(other, TensorSpec) and self.dtype == other.dtype
                and self.shape == other.shape and self.name == other.name)

    def __hash__(self):
        return hash((self.dtype, self.shape, self.name))

    def __repr__(self):
        return f"TensorSpec(shape={self.shape}, dtype=tf.{self.dtype.name}, name={self.name!r})"


class Function:
    """A function decorated with ``tapegrad.function``: calling it runs the Python function.

    Keeps the decorated function's name and docstring, binds as a method, and checks calls
    against ``input_signature`` when one was given.
    """

    def __init__(self, python_function, input_signature=None, **options):
        self._python_function = python_function
        self._input_signature = None if input_signature is None else list(nest.flatten(input_signature))
        self._options = options
        functools.update_wrapper(self, python_function)

    @property
    def python_function(self):
        """The decorated Python function."""
        return self._python_function

    @property
    def input_signature(self):
        return None if self._input_signature is None else tuple(self._input_signature)

    def __call__(self, *args, **kwargs):
        if self._input_signature is not None:
            self._check_signature(args, kwargs)
        return self._python_function(*args, **kwargs)

    def __get__(self, instance, owner):
        if instance is None:
            return self
        # A method: the instance is bound first (and not checked against the signature).
        bound = Function(functools.partial(self._python_function, instance), None, **self._options)
        bound._input_signature = self._input_signature
        functools.update_wrapper(bound, self._python_function)
        return bound

    def _check_signature(self, args, kwargs):
        given = nest.flatten(list(args) + [kwargs[k] for k in sorted(kwargs)])
        name = getattr(self._python_function, "__name__", "function")
        if len(given) != len(self._input_signature):
            raise TypeError(f"{name}: the input_signature has {len(self._input_signature)} tensor(s), but the "
                            f"call passed {len(given)}")
        for i, (value, spec) in enumerate(zip(given, self._input_signature)):
            if not isinstance(value, TensorLike):
                value = convert_to_tensor(value, dtype=spec.dtype)
            if not spec.is_compatible_with(value):
                raise TypeError(f"{name}: argument {i} is a {value.dtype.name} tensor of shape {value.shape}, "
                                f"which does not match the input_signature's {spec!r}")

    def get_concrete_function(self, *args, **kwargs):
        raise NotImplementedError("tapegrad has no graph mode: a tapegrad.function runs eagerly and has no "
                                  "concrete (traced) function; call it directly")

    def experimental_get_tracing_count(self):
        """0: nothing is ever traced (the body runs eagerly at each call)."""
        return 0

    def __repr__(self):
        return f"<tapegrad.function {getattr(self._python_function, '__name__', '?')} (runs eagerly)>"


def function(func=None, input_signature=None, autograph=True, jit_compile=None, reduce_retracing=False,
             experimental_implements=None, experimental_autograph_options=None, experimental_attributes=None,
             experimental_relax_shapes=None, experimental_compile=None, experimental_follow_type_hints=None):
    """``tf.function``, run eagerly: ``@tapegrad.function`` and ``tapegrad.function(f, ...)`` return a
    callable that runs ``f`` (see the module docstring for what differs from a traced function).

    >>> import tapegrad as tf
    >>> @tf.function
    ... def square_sum(x):
    ...     return tf.reduce_sum(x * x)
    >>> float(square_sum(tf.constant([1.0, 2.0])))
    5.0
    """
    options = dict(autograph=autograph, jit_compile=jit_compile, reduce_retracing=reduce_retracing)
    if func is None:
        return lambda f: Function(f, input_signature, **options)
    return Function(func, input_signature, **options)


def executing_eagerly():
    """True: tapegrad always executes eagerly (``tf.executing_eagerly``; inside a
    ``tapegrad.function`` too, unlike a traced ``tf.function``)."""
    return True
