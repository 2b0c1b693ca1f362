"""Models: ``Model`` (subclassed or functional) and ``Sequential``, as Keras 3.

- Subclassed: ``class M(keras.Model)`` with layers as attributes and a ``call``.
- Functional: ``keras.Model(inputs, outputs)`` on KerasTensors from ``keras.Input``; its type
  is ``Functional`` and its default name ``functional``.
- ``Sequential([...])``: built as soon as its input shape is known (an ``Input`` first, or
  ``input_shape=`` on the first layer), else on its first call. Building runs in the model's
  name scope, so weight paths are ``sequential/dense/kernel``.

A model is a Layer that also trains (``compile``/``fit``/``evaluate``/``predict``, see
``trainer.py``) and saves its weights (``save_weights``/``load_weights``, see ``saving.py``).
"""
from ..core.nest import flatten as _flatten, map_structure as _map
from .functional import KerasTensor, adjust_input_rank, map_graph, run_graph
from .layers.core import InputLayer
from .layers.layer import Layer
from .serialization import serialize_keras_object
from .trainer import Trainer


def _functional_args(args, kwargs):
    return (len(args) == 2 or (len(args) == 1 and "outputs" in kwargs)
            or ("inputs" in kwargs and "outputs" in kwargs))


class Model(Trainer, Layer):
    """A trainable group of layers: subclass it (layers as attributes, a ``call``), or give it
    ``inputs`` and ``outputs`` (the functional API).

    >>> import tapegrad as tf
    >>> inputs = tf.keras.Input((3,))
    >>> outputs = tf.keras.layers.Dense(2)(inputs)
    >>> model = tf.keras.Model(inputs, outputs)
    >>> type(model).__name__, model(tf.ones((4, 3))).shape
    ('Functional', TensorShape([4, 2]))
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and _functional_args(args, kwargs):
            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        Trainer.__init__(self)
        if _functional_args(args, kwargs):
            inputs = args[0] if args else kwargs.pop("inputs")
            outputs = args[1] if len(args) > 1 else kwargs.pop("outputs")
            Layer.__init__(self, trainable=kwargs.pop("trainable", True), name=kwargs.pop("name", None),
                           dtype=kwargs.pop("dtype", None), **kwargs)
            self._init_graph(inputs, outputs)
        else:
            if args:
                raise TypeError(f"Model() got unexpected positional arguments {args}; pass `inputs` and "
                                f"`outputs` for a functional model")
            Layer.__init__(self, trainable=kwargs.pop("trainable", True), name=kwargs.pop("name", None),
                           dtype=kwargs.pop("dtype", None), **kwargs)
            object.__setattr__(self, "_graph", None)

    # -- functional graph -----------------------------------------------------------------------
    def _init_graph(self, inputs, outputs):
        flat_in = [t for t in _flatten(inputs)]
        flat_out = [t for t in _flatten(outputs)]
        for t in flat_in + flat_out:
            if not isinstance(t, KerasTensor):
                raise ValueError(f"All `inputs` and `outputs` of a functional model must be KerasTensors (from "
                                 f"keras.Input and layer calls); received {t!r}")
        nodes_by_depth, layers = map_graph(flat_in, flat_out)
        object.__setattr__(self, "_graph", (nodes_by_depth, flat_in, flat_out))
        object.__setattr__(self, "_inputs_struct", inputs)
        object.__setattr__(self, "_outputs_struct", outputs)
        for layer in layers:
            self._track(layer)
        object.__setattr__(self, "built", True)
        object.__setattr__(self, "_build_input_shape", _map(lambda t: t.shape, inputs))

    @property
    def inputs(self):
        return None if self._graph is None else list(self._graph[1])

    @property
    def outputs(self):
        return None if self._graph is None else list(self._graph[2])

    @property
    def input(self):
        return self._inputs_struct if self._graph is not None else Layer.input.fget(self)

    @property
    def output(self):
        return self._outputs_struct if self._graph is not None else Layer.output.fget(self)

    @property
    def input_shape(self):
        return _map(lambda t: t.shape, self._inputs_struct)

    @property
    def output_shape(self):
        return _map(lambda t: t.shape, self._outputs_struct)

    def call(self, inputs, training=None, mask=None):
        if self._graph is None:
            raise NotImplementedError(f"Model {type(self).__name__} must implement `call()` (or be created with "
                                      f"`inputs` and `outputs`).")
        nodes_by_depth, flat_in, _ = self._graph
        values = _flatten(inputs) if isinstance(inputs, (list, tuple, dict)) else [inputs]
        if len(values) != len(flat_in):
            raise ValueError(f"Model '{self.name}' expects {len(flat_in)} input(s), but it received "
                             f"{len(values)} input tensors.")
        return run_graph(nodes_by_depth, flat_in, self._outputs_struct,
                         {id(t): v for t, v in zip(flat_in, values)})

    def build(self, input_shape=None):
        """Create the weights of a subclassed model by calling it on zeros of ``input_shape``."""
        if self._graph is not None or input_shape is None:
            return
        from .functional import compute_output_spec
        object.__setattr__(self, "built", True)  # the probing call below must not build again
        spec = _map(lambda s: s, input_shape)
        if isinstance(spec, tuple) and all(d is None or isinstance(d, int) for d in spec):
            spec = KerasTensor(spec, dtype=self._dtype)
        else:
            spec = _map_shapes(spec, self._dtype)
        compute_output_spec(self, (spec,), {})

    build._keras_default = True

    # -- structure -------------------------------------------------------------------------------
    @property
    def layers(self):
        return list(self._flatten_layers(include_self=False, recursive=False))

    def get_layer(self, name=None, index=None):
        """A layer of this model by ``name`` or by ``index``."""
        if index is not None and name is not None:
            raise ValueError(f"Provide only a layer name or a layer index. Received: index={index}, name={name}.")
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(self.layers)} layers.")
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: {[la.name for la in self.layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False,
                layer_range=None):
        """Print a table of the layers: output shapes and parameter counts (trainable and not)."""
        from .utils import summary_text
        text = summary_text(self, show_trainable=show_trainable)
        (print_fn or print)(text)

    # -- weights on disk ---------------------------------------------------------------------------
    def save_weights(self, filepath, overwrite=True):
        """Save the weights (and the optimizer's state) to ``filepath`` (``.weights.npz``), atomically."""
        from .saving import save_weights
        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False):
        """Load weights (and optimizer state, when saved) written by ``save_weights``."""
        from .saving import load_weights
        load_weights(self, filepath, skip_mismatch=skip_mismatch)

    # -- config ----------------------------------------------------------------------------------
    def get_config(self):
        if self._graph is None:
            return Layer.get_config(self)
        return _functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if "layers" in config and "input_layers" in config:
            return _functional_from_config(config, custom_objects)
        return cls(**config)


def _map_shapes(structure, dtype):
    if isinstance(structure, dict):
        return {k: _map_shapes(v, dtype) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)) and structure and isinstance(structure[0], (list, tuple)):
        return [_map_shapes(s, dtype) for s in structure]
    return KerasTensor(tuple(structure), dtype=dtype)


class Functional(Model):
    """A model defined by its inputs and outputs (``keras.Model(inputs, outputs)``)."""


# -- Sequential ------------------------------------------------------------------------------------

def _from_graph(name):
    """A Sequential property read from its functional graph (None until the graph is built)."""
    return property(lambda self: None if self._functional is None else getattr(self._functional, name),
                    doc=f"The ``{name}`` of the model's graph (None before the model knows its input).")


class Sequential(Model):
    """A stack of layers, each feeding the next.

    >>> import tapegrad as tf
    >>> tf.keras.backend.clear_session()
    >>> model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    >>> [w.path for w in model.weights]
    ['sequential/dense/kernel', 'sequential/dense/bias']
    """

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(trainable=trainable, name=name)
        object.__setattr__(self, "_functional", None)
        if layers:
            for layer in layers:
                self.add(layer, rebuild=False)
            self._maybe_rebuild()

    def add(self, layer, rebuild=True):
        """Append a layer (or an ``Input``) to the stack."""
        if isinstance(layer, KerasTensor) and layer._keras_history is not None:
            origin = layer._keras_history[0]
            if isinstance(origin, InputLayer):
                layer = origin
        if isinstance(layer, InputLayer) and self._layers and isinstance(self._layers[0], InputLayer):
            raise ValueError(f"Sequential model '{self.name}' has already been configured to use input shape "
                             f"{self._layers[0].batch_shape}. You cannot add a different Input layer to it.")
        if not isinstance(layer, Layer):
            raise ValueError(f"Only instances of `keras.Layer` can be added to a Sequential model. "
                             f"Received: {layer} (of type {type(layer)})")
        if any(la.name == layer.name for la in self._layers):
            raise ValueError(f"All layers added to a Sequential model should have unique names. Name "
                             f"'{layer.name}' is already the name of a layer in this model. Update the `name` "
                             f"argument to pass a unique name.")
        if (not self._layers and not isinstance(layer, InputLayer)
                and getattr(layer, "_input_shape_arg", None) is not None):
            self._layers.append(InputLayer(shape=layer._input_shape_arg, batch_size=layer._batch_size_arg))
        self._track(layer)
        self._forget_optimizer_state()
        if rebuild:
            self._maybe_rebuild()
        else:
            object.__setattr__(self, "built", False)
            object.__setattr__(self, "_functional", None)

    def pop(self, rebuild=True):
        """Remove and return the last layer."""
        layer = self._layers.pop()
        self._forget_optimizer_state()
        object.__setattr__(self, "built", False)
        object.__setattr__(self, "_functional", None)
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        object.__setattr__(self, "built", False)
        object.__setattr__(self, "_functional", None)
        if self._layers and isinstance(self._layers[0], InputLayer) and len(self._layers) > 1:
            self.build(self._layers[0].batch_shape)
        elif len(self._layers) > 1 and isinstance(getattr(self._layers[0], "input_shape", None), tuple):
            self.build(self._layers[0].input_shape)  # a built model as first layer (Keras 3)

    def build(self, input_shape=None):
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        input_shape = tuple(input_shape)
        if not self._layers:
            raise ValueError(f"Sequential model {self.name} cannot be built because it has no layers. Call "
                             f"`model.add(layer)`.")
        if isinstance(self._layers[0], InputLayer):
            if self._layers[0].batch_shape != input_shape:
                raise ValueError(f"Sequential model '{self.name}' has already been configured to use input "
                                 f"shape {self._layers[0].batch_shape}. You cannot build it with input_shape "
                                 f"{input_shape}")
        else:
            self._layers.insert(0, InputLayer(batch_shape=(None,) + input_shape[1:], dtype=self._layers[0]._dtype))
        inputs = self._layers[0].output
        x = inputs
        for layer in self._layers[1:]:
            x = layer(x)
        object.__setattr__(self, "_functional", Functional(inputs=inputs, outputs=x))
        object.__setattr__(self, "_build_input_shape", tuple(self._layers[0].batch_shape))

    def _unbuilt_input_dtype(self):
        # build() gives an unbuilt stack an input of its first layer's dtype
        return self._layers[0]._dtype if self._layers else None

    def call(self, inputs, training=None, mask=None):
        x = inputs
        if self._functional is not None:  # the rank rule of the functional graph (Keras 3)
            x = adjust_input_rank(self._layers[0].output, x)
        for layer in self.layers:
            x = layer(x)
        return x

    @property
    def layers(self):
        layers = self._layers
        if layers and isinstance(layers[0], InputLayer):
            return layers[1:]
        return list(layers)

    inputs = _from_graph("inputs")
    outputs = _from_graph("outputs")
    input = _from_graph("input")
    output = _from_graph("output")
    input_shape = _from_graph("input_shape")
    output_shape = _from_graph("output_shape")

    def get_config(self):
        layer_configs = []
        for layer in self._layers:
            config = serialize_keras_object(layer)
            build = layer.get_build_config() if not isinstance(layer, InputLayer) else None
            if build is not None:
                config["build_config"] = build
            layer_configs.append(config)
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype_policy, "layers": layer_configs}
        if self._build_input_shape is not None:
            config["build_input_shape"] = self._build_input_shape
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .layers import deserialize
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for layer_config in config["layers"]:
            layer = deserialize(layer_config, custom_objects)
            model.add(layer, rebuild=False)
        model._maybe_rebuild()
        if not model.built and config.get("build_input_shape") is not None:
            model.build(config["build_input_shape"])
        return model


# -- functional configs ------------------------------------------------------------------------------

def _history_ref(t):
    layer, node_index, tensor_index = t._keras_history
    return [layer.name, node_index, tensor_index]


def _functional_config(model):
    nodes_by_depth, flat_in, flat_out = model._graph
    layer_configs = []
    for layer in model.layers:
        config = serialize_keras_object(layer)
        config["name"] = layer.name
        inbound = []
        for node in layer._inbound_nodes:
            if node.is_input or not _node_in_graph(node, nodes_by_depth):
                continue
            def ref(x):
                if isinstance(x, KerasTensor):
                    return {"class_name": "__keras_tensor__", "config": {"keras_history": _history_ref(x)}}
                return serialize_keras_object(x)
            inbound.append({"args": _map(ref, node.call_args), "kwargs": {k: _map(ref, v)
                                                                          for k, v in node.call_kwargs.items()}})
        config["inbound_nodes"] = inbound
        layer_configs.append(config)
    return {"name": model.name, "trainable": model.trainable, "layers": layer_configs,
            "input_layers": _map(_history_ref, model._inputs_struct),
            "output_layers": _map(_history_ref, model._outputs_struct)}


def _node_in_graph(node, nodes_by_depth):
    return any(n is node for nodes in nodes_by_depth.values() for n in nodes)


def _functional_from_config(config, custom_objects=None):
    from .layers import deserialize
    layers = {}
    tensors = {}
    pending = []
    for layer_config in config["layers"]:
        layer = deserialize(layer_config, custom_objects)
        layers[layer_config["name"]] = layer
        if isinstance(layer, InputLayer):
            tensors[(layer.name, 0, 0)] = layer.output
        for k, node in enumerate(layer_config.get("inbound_nodes", [])):
            pending.append((layer, node))
    node_counts = {}
    while pending:
        progressed = False
        for item in list(pending):
            layer, node = item

            def resolve(x):
                if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
                    key = tuple(x["config"]["keras_history"])
                    if key not in tensors:
                        raise KeyError(key)
                    return tensors[key]
                if isinstance(x, (list, tuple)):
                    return type(x)(resolve(i) for i in x)
                if isinstance(x, dict):
                    return {k: resolve(v) for k, v in x.items()}
                return x
            try:
                args = resolve(tuple(node["args"]))
                kwargs = resolve(dict(node.get("kwargs", {})))
            except KeyError:
                continue
            out = layer(*args, **kwargs)
            index = node_counts.get(layer.name, 0)
            node_counts[layer.name] = index + 1
            for i, t in enumerate(_flatten(out)):
                tensors[(layer.name, index, i)] = t
            pending.remove(item)
            progressed = True
        if not progressed:
            raise ValueError("Could not rebuild the functional model from its config: some layers' inputs are "
                             "never produced.")

    def find(ref):
        return tensors[tuple(ref)]
    inputs = _map_refs(find, config["input_layers"])
    outputs = _map_refs(find, config["output_layers"])
    return Functional(inputs=inputs, outputs=outputs, name=config.get("name"), trainable=config.get("trainable", True))


def _map_refs(fn, refs):
    if isinstance(refs, (list, tuple)) and len(refs) == 3 and isinstance(refs[0], str):
        return fn(refs)
    if isinstance(refs, dict):
        return {k: _map_refs(fn, v) for k, v in refs.items()}
    return [_map_refs(fn, r) for r in refs]


def clone_model(model):
    """A new model of the same architecture (fresh weights), from its config."""
    return type(model).from_config(model.get_config())


def Input(*args, **kwargs):
    from .layers.core import Input as _Input
    return _Input(*args, **kwargs)
