"""``keras.layers.Layer``: Keras 3's build / add_weight / call protocol on tapegrad.

What a layer does, as Keras 3 (what it holds -- sub-layers, weights, metrics -- and the order
of ``weights`` are in ``tracking.py``; what an input must look like in ``input_spec.py``):

- **Lazy build.** The first call builds the layer from its input's shape
  (``build(input_shape)`` creates the weights with ``add_weight``), inside the layer's name
  scope, so weights get paths such as ``sequential/dense/kernel``.
- **training.** ``call(inputs, training=None)``: a value given explicitly wins, else the value of
  the outer layer call, else the signature's default.
"""
import functools
import inspect

import numpy as np

from ...core.variable import Variable as CoreVariable
from ...ops.shape_ops import cast
from ...ops.creation_ops import constant
from ...core.tensor import TensorLike

from .. import backend, initializers, regularizers
from ...core.nest import flatten as _flatten, map_structure as _map
from ..functional import KerasTensor, compute_output_spec, symbolic_call
from ..serialization import serialize_keras_object
from ..variables import Variable
from ..arguments import constraint as _constraint, dtype_arg, shape_arg
from .input_spec import shape_of
from .tracking import LayerTracking

# Attributes the tracker must not look at (set through object.__setattr__ in __init__).
_CONTEXT_ARGS = ("training",)


def _is_tensor(x):
    return isinstance(x, TensorLike) or hasattr(x, "__tapegrad_tensor__")


class Layer(LayerTracking):
    """Base class of every layer: subclass it, create weights in ``build``, compute in ``call``.

    >>> import tapegrad as tf
    >>> class Scale(tf.keras.layers.Layer):
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")
    ...     def call(self, x):
    ...         return x * self.w
    >>> layer = Scale(name="scale")
    >>> layer(tf.constant([[1.0, 2.0]])).numpy()
    array([[1., 2.]], dtype=float32)
    >>> [w.path for w in layer.weights]
    ['scale/w']
    """

    # What a built-in layer's ``call`` takes as its input: None (any structure: user layers,
    # Dropout, Lambda), "tensor" (one tensor: a list or dict is refused before it reaches an op)
    # or "stackable" (one tensor, or a list of tensors stacked into one, as Keras' Activation).
    _input_kind = None

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        object.__setattr__(obj, "_init_args", (args, dict(kwargs)))
        return obj

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "_keras_build", False):
            cls.build = _wrap_build(build)

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None, autocast=True, name=None,
                 **kwargs):
        self._init_tracking()
        input_dim = kwargs.pop("input_dim", None)
        input_shape = kwargs.pop("input_shape", None)
        batch_input_shape = kwargs.pop("batch_input_shape", None)
        batch_size = kwargs.pop("batch_size", None)
        if input_dim is not None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            batch_size, input_shape = batch_input_shape[0], tuple(batch_input_shape[1:])
        object.__setattr__(self, "_input_shape_arg", None if input_shape is None else tuple(input_shape))
        object.__setattr__(self, "_batch_size_arg", batch_size)
        if name is None:  # '' is a name, as in Keras (its scope adds nothing to weight paths)
            name = backend.auto_name(type(self).__name__)
        if not isinstance(name, str) or "/" in name:
            raise ValueError(f"Argument `name` must be a string and cannot contain character `/`. "
                             f"Received: name={name!r} (of type {type(name).__name__})")
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}")
        if not isinstance(trainable, (bool, np.bool_)):  # bool("no") would be True
            raise ValueError(f"{type(self).__name__} '{name}': `trainable` must be a boolean; received "
                             f"trainable={trainable!r} (of type {type(trainable).__name__})")
        internal = {
            "name": name, "built": False, "_trainable": bool(trainable), "_dtype": dtype_arg(type(self), name, dtype),
            "autocast": bool(autocast), "_parent_path": None, "_path": None, "_losses": [],
            "_inbound_nodes": [], "_build_input_shape": None, "_called": False, "supports_masking": False,
            "input_spec": None, "_lock": False,
            "activity_regularizer": regularizers.get(activity_regularizer),
        }
        for k, v in internal.items():
            object.__setattr__(self, k, v)
        params = inspect.signature(self.call).parameters
        object.__setattr__(self, "_call_context_args", {a: a in params for a in _CONTEXT_ARGS})
        object.__setattr__(self, "_call_has_training_arg", "training" in params)
        object.__setattr__(self, "_call_context_defaults", {
            a: (None if a not in params or params[a].default is inspect.Parameter.empty else params[a].default)
            for a in _CONTEXT_ARGS})

    def _check_super_called(self):
        if "name" not in self.__dict__:
            raise RuntimeError(f"In layer '{type(self).__name__}', you forgot to call `super().__init__()` "
                               f"as the first statement in the `__init__()` method. Go add it!")

    # -- weights ------------------------------------------------------------------------------
    def add_weight(self, *args, shape=None, initializer=None, dtype=None, trainable=True, autocast=True,
                   regularizer=None, constraint=None, aggregation="none", overwrite_with_gradient=False,
                   name=None):
        """Create a weight (a ``keras.Variable``) of this layer, tracked in ``weights``.

        ``initializer`` defaults to ``"glorot_uniform"`` for floats and ``"zeros"`` otherwise.
        """
        self._check_super_called()
        if args:
            if isinstance(args[0], str):
                raise ValueError(f"`name` must be passed as a keyword argument. Received: "
                                 f"add_weight('{args[0]}', ...). Use: add_weight(shape=..., name='{args[0]}').")
            if len(args) > 3:
                raise TypeError(f"add_weight() takes at most 3 positional arguments but {len(args)} were given.")
            shape = args[0]
            initializer = args[1] if len(args) > 1 else initializer
            dtype = args[2] if len(args) > 2 else dtype
        shape = () if shape is None else shape_arg(self, "shape", shape)
        dtype = backend.standardize_dtype(dtype if dtype is not None else self._dtype)
        if initializer is None:
            initializer = "glorot_uniform" if "float" in dtype else "zeros"
        initializer = initializers.get(initializer)
        with backend.name_scope(self.name, caller=self):
            variable = Variable(initializer, shape=shape, dtype=dtype, trainable=trainable, autocast=autocast,
                                aggregation=aggregation, name=name)
        variable.regularizer = regularizers.get(regularizer)
        variable.constraint = _constraint(constraint)
        variable.overwrite_with_gradient = overwrite_with_gradient
        self._track_variable(variable)
        return variable

    # -- losses -------------------------------------------------------------------------------
    def add_loss(self, loss):
        """Add a loss term (a scalar tensor) to ``layer.losses``; ``fit`` adds them to the loss."""
        for x in _flatten(loss):
            self._losses.append(x)

    def _clear_losses(self):
        for layer in self._flatten_layers():
            layer._losses.clear()

    @property
    def losses(self):
        """Losses added during the last call, then the weight regularization penalties."""
        out = []
        for layer in self._flatten_layers():
            out.extend(layer._losses)
        for w in self.trainable_weights:
            if w.regularizer is not None:
                out.append(w.regularizer(w))
        return out

    # -- dtypes -------------------------------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype

    variable_dtype = compute_dtype = input_dtype = dtype

    @property
    def dtype_policy(self):
        return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": self._dtype},
                "registered_name": None}

    @property
    def path(self):
        """``"sequential/dense"``, set when the layer is built (None before)."""
        return self._path

    # -- calling ------------------------------------------------------------------------------
    def build(self, input_shape=None):
        """Create the weights for inputs of ``input_shape``. Override it; the base does nothing."""
        object.__setattr__(self, "built", True)

    def call(self, *args, **kwargs):
        raise NotImplementedError(f"Layer {type(self).__name__} does not have a `call()` method implemented.")

    def _open_name_scope(self):
        if self._parent_path is None:
            object.__setattr__(self, "_parent_path", backend.current_path())
        return backend.name_scope(self.name, caller=self)

    def _convert_arg(self, x):
        if isinstance(x, CoreVariable) or type(x).__name__ == "KerasTensor":
            return x
        if isinstance(x, TensorLike):
            if self.autocast and x._value.dtype.kind == "f" and x._value.dtype != np.dtype(self._dtype):
                return cast(x, self._dtype)
            return x
        if isinstance(x, (np.ndarray, np.generic)):
            arr = np.asarray(x)
            if arr.dtype.kind == "f" and self.autocast:
                arr = arr.astype(self._dtype)
            return constant(arr)
        return x

    def __call__(self, *args, **kwargs):
        self._check_super_called()
        object.__setattr__(self, "_called", True)
        if len(args) == 1 and isinstance(args[0], TensorLike) and not isinstance(args[0], CoreVariable) \
                and all(not isinstance(v, (list, tuple, dict, TensorLike)) for v in kwargs.values()):
            x = args[0]  # the common case: one tensor in, flags as keywords
            if not self.autocast or x._value.dtype.kind != "f" or x._value.dtype == np.dtype(self._dtype):
                return self._eager_call(args, kwargs)
        if args and args[0] is None and self._first_input_required():
            raise ValueError(f"Inputs to a layer should be tensors. Got 'None' (of type NoneType) as input for "
                             f"layer '{self.name}'.")
        if self._input_kind is not None and args:
            self._check_one_input(args[0])
        args = _map(self._convert_arg, args)
        kwargs = {k: _map(self._convert_arg, v) for k, v in kwargs.items()}
        if any(isinstance(x, KerasTensor) for x in _flatten(list(args) + list(kwargs.values()))):
            return symbolic_call(self, args, kwargs)
        for arg in _flatten(args):
            if arg is not None and not _is_tensor(arg):
                raise ValueError(f"Only input tensors may be passed as positional arguments. The following "
                                 f"argument value should be passed as a keyword argument: {arg!r} "
                                 f"(of type {type(arg)})")
        return self._eager_call(args, kwargs)

    def _check_one_input(self, x):
        """A dict, or a list of tensors, given to a layer that computes on one tensor: Keras' error
        (a list would otherwise be stacked into one tensor, a dict fail inside an op)."""
        if isinstance(x, dict):
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) expects 1 input tensor, but it received '
                             f'a dict with keys {sorted(map(str, x))}')
        if (self._input_kind == "tensor" and isinstance(x, (list, tuple)) and x
                and all(_is_tensor(v) or isinstance(v, (KerasTensor, np.ndarray)) for v in x)):
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) expects 1 input(s), but it received '
                             f'{len(x)} input tensors of shapes {[shape_of(v) for v in x]}')

    def _first_input_required(self):
        """Whether ``call``'s first argument has no default: None there is a mistake, not "absent"."""
        first = next(iter(inspect.signature(self.call).parameters.values()), None)
        return first is not None and first.default is inspect.Parameter.empty and first.kind in (
            first.POSITIONAL_ONLY, first.POSITIONAL_OR_KEYWORD)

    def _eager_call(self, args, kwargs):
        self._check_input_spec(args)
        with self._open_name_scope():
            self._maybe_build(args, kwargs)
        ctx = backend.get_call_context()
        entry = ctx is None
        if entry:
            ctx = backend.CallContext(self)
            backend.set_call_context(ctx)
            self._clear_losses()
        try:
            self._resolve_context_args(ctx, kwargs)
            with self._open_name_scope():
                outputs = self.call(*args, **kwargs)
            object.__setattr__(self, "built", True)
            if self.activity_regularizer is not None:
                for out in _flatten(outputs):
                    if _is_tensor(out):
                        loss = self.activity_regularizer(out)
                        if out.ndim > 0:
                            loss = loss / float(out.shape[0])
                        self.add_loss(loss)
        finally:
            if entry:
                backend.set_call_context(None)
        return outputs

    def _resolve_context_args(self, ctx, kwargs):
        for arg in _CONTEXT_ARGS:
            if arg in kwargs:
                value = kwargs[arg]
            elif ctx.values.get(arg) is not None:
                value = ctx.values[arg]
            else:
                value = self._call_context_defaults[arg]
            ctx.values[arg] = value
            if self._call_context_args.get(arg):
                if value is not None:
                    kwargs[arg] = value
            else:
                kwargs.pop(arg, None)

    def _check_input_spec(self, args):
        if self.input_spec is not None and args and not isinstance(args[0], (list, tuple, dict)):
            spec = self.input_spec[0] if isinstance(self.input_spec, (list, tuple)) else self.input_spec
            spec.check(self.name, shape_of(args[0]))

    def _maybe_build(self, args, kwargs):
        if self.built:
            return
        if type(self).build is Layer.build or getattr(type(self).build, "_keras_default", False):
            return  # state (if any) is created by the call itself
        first = args[0] if args else next(iter(kwargs.values()), None)
        shapes = _map(shape_of, first) if first is not None else None
        params = [p for p in inspect.signature(self.build).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(params) <= 1 or not args:
            self.build(shapes) if params else self.build()
        else:
            call_params = [p for p in inspect.signature(self.call).parameters]
            values = dict(zip(call_params, args))
            values.update(kwargs)
            build_args = {}
            for p in params:
                key = p.name[:-len("_shape")] if p.name.endswith("_shape") else p.name
                if key in values and values[key] is not None:
                    build_args[p.name] = _map(shape_of, values[key])
            self.build(**build_args)
        self._check_input_spec(args)

    def compute_output_shape(self, *args, **kwargs):
        """The output shape for an input shape, found by calling the layer symbolically."""
        inputs = _map(lambda s: KerasTensor(s, dtype=self._dtype), args[0]) if args else None
        out = compute_output_spec(self, (inputs,), {})
        return _map(lambda t: t.shape, out)

    def compute_output_spec(self, *args, **kwargs):
        return compute_output_spec(self, args, kwargs)

    # -- functional graph ---------------------------------------------------------------------
    @property
    def input(self):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name} has never been called and thus has no defined input.")
        return self._inbound_nodes[0].input_structure

    @property
    def output(self):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name} has never been called and thus has no defined output.")
        return self._inbound_nodes[0].outputs

    # -- config -------------------------------------------------------------------------------
    def get_config(self):
        """The constructor arguments that recreate this layer (``from_config``)."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype_policy}
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = serialize_keras_object(self.activity_regularizer)
        if type(self).get_config is Layer.get_config and type(self).__init__ is not Layer.__init__:
            config.update(self._auto_config())
        return config

    def _auto_config(self):
        # As Keras 3: a subclass that does not write get_config gets its constructor arguments,
        # when they are plain values; otherwise it must write get_config.
        args, kwargs = self._init_args
        try:
            bound = inspect.signature(type(self).__init__).bind(self, *args, **kwargs)
        except TypeError:
            bound = None
        values = dict(bound.arguments) if bound is not None else dict(kwargs)
        values.pop("self", None)
        extra = values.pop("kwargs", {})
        values.update(extra if isinstance(extra, dict) else {})
        for k, v in values.items():
            if not _is_plain(v):
                raise NotImplementedError(
                    f"Layer {type(self).__name__} was created with argument {k}={v!r}, which is not a plain "
                    f"value; it must override `get_config()` to be serialized.")
        return values

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(**config)

    def get_build_config(self):
        if self._build_input_shape is not None:
            return {"input_shape": self._build_input_shape}
        return None

    def build_from_config(self, config):
        if config and "input_shape" in config and not self.built:
            self.build(config["input_shape"])

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    __str__ = __repr__


def _is_plain(v):
    if v is None or isinstance(v, (bool, int, float, str)):
        return True
    if isinstance(v, (list, tuple)):
        return all(_is_plain(x) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and _is_plain(x) for k, x in v.items())
    return False


def _wrap_build(build):
    """Every ``build`` runs in the layer's name scope and marks it built (as Keras wraps it)."""
    @functools.wraps(build)
    def build_wrapper(self, *args, **kwargs):
        with self._open_name_scope():
            if self._path is None:
                object.__setattr__(self, "_path", backend.current_path())
            out = build(self, *args, **kwargs)
        if self._build_input_shape is None:
            shape = args[0] if args else (next(iter(kwargs.values())) if kwargs else None)
            object.__setattr__(self, "_build_input_shape", _map(lambda d: d, shape) if shape is not None else None)
        object.__setattr__(self, "built", True)
        return out
    build_wrapper._keras_build = True
    return build_wrapper

