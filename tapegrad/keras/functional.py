"""The functional API's symbolic side: ``KerasTensor``, graph ``Node`` and the graph map.

``keras.Input((3,))`` returns a ``KerasTensor``: a shape and dtype, no value. Calling a layer on
one builds the layer for that shape and returns new KerasTensors, recording a ``Node`` (layer,
inputs, outputs). ``Model(inputs, outputs)`` walks those nodes back from the outputs and runs
them in order when called.

Output shapes are found by running the layer's ``call`` on zeros of the input shape (unknown
dimensions set to two different sizes; a dimension of the output that changes with them is
unknown, ``None``). This costs two small forward passes per layer at model construction.
"""
import numpy as np

import tapegrad as tg

from ..core import nest
from . import backend


class KerasTensor:
    """A symbolic tensor: ``shape`` (None for unknown), ``dtype``; the output of ``keras.Input``."""

    def __init__(self, shape, dtype="float32", sparse=False, name=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = backend.standardize_dtype(dtype)
        self.sparse = bool(sparse)
        self.name = name or backend.auto_name("KerasTensor")
        self._keras_history = None  # (layer, node_index, tensor_index)

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return (f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse={self.sparse}, "
                f"ragged=False, name={self.name}>")

    def _unsupported(self, *args, **kwargs):
        raise TypeError("A KerasTensor (a symbolic input of the functional API) has no value: math on it "
                        "is not supported in tapegrad.keras. Wrap the computation in a layer (e.g. "
                        "keras.layers.Lambda or a Layer subclass) and call that layer on the KerasTensor.")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _unsupported
    __matmul__ = __rmatmul__ = __pow__ = __neg__ = __getitem__ = __array__ = __bool__ = _unsupported


class Node:
    """One call of a layer in a functional graph: its inputs (KerasTensors) and outputs."""

    def __init__(self, operation, call_args=(), call_kwargs=None, outputs=None):
        self.operation = operation
        self.call_args = tuple(call_args)
        self.call_kwargs = dict(call_kwargs or {})
        self.outputs = outputs
        self.flat_outputs = [t for t in nest.flatten(outputs) if isinstance(t, KerasTensor)]
        self.input_tensors = [t for t in nest.flatten([self.call_args, self.call_kwargs]) if isinstance(t, KerasTensor)]
        self.is_input = not self.input_tensors
        node_index = len(operation._inbound_nodes)
        operation._inbound_nodes.append(self)
        for i, t in enumerate(self.flat_outputs):
            t._keras_history = (operation, node_index, i)

    @property
    def input_structure(self):
        if len(self.call_args) == 1 and not self.call_kwargs:
            return self.call_args[0]
        return self.call_args

    @property
    def parent_nodes(self):
        out = []
        for t in self.input_tensors:
            layer, node_index, _ = t._keras_history
            out.append(layer._inbound_nodes[node_index])
        return out

    def fill(self, values):
        """The call's args and kwargs with each KerasTensor replaced by its computed value."""
        def sub(x):
            return values[id(x)] if isinstance(x, KerasTensor) else x
        return nest.map_structure(sub, self.call_args), {k: nest.map_structure(sub, v) for k, v in self.call_kwargs.items()}


# -- symbolic calls -----------------------------------------------------------------------------

_FILL = ((1, 16), (2, 17))  # (batch, other unknown dims) for the two probing runs


def compute_output_spec(layer, args, kwargs):
    """KerasTensors for the outputs of ``layer(*args, **kwargs)`` on symbolic inputs."""
    symbolic = [t for t in nest.flatten([args, kwargs]) if isinstance(t, KerasTensor)]
    has_unknown = any(d is None for t in symbolic for d in t.shape)
    runs = []
    for batch, other in (_FILL if has_unknown else _FILL[:1]):
        def concrete(x, batch=batch, other=other):
            if not isinstance(x, KerasTensor):
                return x
            shape = tuple((batch if i == 0 else other) if d is None else d for i, d in enumerate(x.shape))
            return tg.constant(np.zeros(shape, np.dtype(x.dtype)))
        cargs = nest.map_structure(concrete, args)
        ckwargs = {k: nest.map_structure(concrete, v) for k, v in kwargs.items()}
        runs.append(layer._eager_call(cargs, ckwargs))
    layer._clear_losses()
    first = runs[0]
    flat = [nest.flatten(r) for r in runs]

    def spec(i, t):
        shape = tuple(t.shape)
        for other in flat[1:]:
            shape = tuple(d if d == e else None for d, e in zip(shape, tuple(other[i].shape)))
        return KerasTensor(shape, dtype=t.dtype.name if hasattr(t.dtype, "name") else t.dtype)
    specs = [spec(i, t) for i, t in enumerate(flat[0])]
    return nest.pack_sequence_as(first, specs)


def symbolic_call(layer, args, kwargs):
    """``layer(KerasTensor)``: build the layer for the symbolic shape, record a Node, return KerasTensors."""
    layer._check_input_spec(args)
    with layer._open_name_scope():
        layer._maybe_build(args, kwargs)
    outputs = compute_output_spec(layer, args, kwargs)
    Node(layer, args, kwargs, outputs)
    return outputs


# -- the graph of a functional model ------------------------------------------------------------

def map_graph(inputs, outputs):
    """Nodes by depth and layers in Keras 3's order, from the outputs back to the inputs.

    Returns ``(nodes_by_depth, layers)``: depth 0 holds the output nodes; ``layers`` runs from
    the inputs to the outputs (deepest first), ties broken by traversal order.
    """
    input_ids = {id(t) for t in inputs}
    finished, in_progress = set(), set()
    nodes_in_decreasing_depth, layer_indices = [], {}

    def build_map(tensor):
        if tensor._keras_history is None:
            raise ValueError(f"Output tensors of a Functional model must be the output of a Keras layer; "
                             f"received {tensor!r}")
        layer, node_index, _ = tensor._keras_history
        node = layer._inbound_nodes[node_index]
        if id(node) in finished:
            return
        if id(node) in in_progress:
            raise ValueError(f"Tensor {tensor!r} from layer '{layer.name}' is part of a cycle.")
        if id(layer) not in layer_indices:
            layer_indices[id(layer)] = len(layer_indices)
        in_progress.add(id(node))
        if id(tensor) not in input_ids:
            for t in node.input_tensors:
                build_map(t)
        finished.add(id(node))
        in_progress.discard(id(node))
        nodes_in_decreasing_depth.append(node)

    for t in outputs:
        build_map(t)

    node_depth, layer_depth, layers_by_id = {}, {}, {}
    for node in reversed(nodes_in_decreasing_depth):
        depth = node_depth.setdefault(id(node), 0)
        depth = max(depth, layer_depth.get(id(node.operation), 0))
        layer_depth[id(node.operation)] = depth
        layers_by_id[id(node.operation)] = node.operation
        node_depth[id(node)] = depth
        if not node.is_input:
            for parent in node.parent_nodes:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for t in inputs:
        layer = t._keras_history[0]
        if id(layer) not in layer_depth:
            layer_depth[id(layer)] = 0
            layers_by_id[id(layer)] = layer
            layer_indices[id(layer)] = -1
            node = layer._inbound_nodes[0]
            node_depth[id(node)] = 0
            nodes_in_decreasing_depth.append(node)

    nodes_by_depth = {}
    for node in nodes_in_decreasing_depth:
        nodes_by_depth.setdefault(node_depth[id(node)], [])
        if not any(n is node for n in nodes_by_depth[node_depth[id(node)]]):
            nodes_by_depth[node_depth[id(node)]].append(node)
    layers_by_depth = {}
    for lid, depth in layer_depth.items():
        layers_by_depth.setdefault(depth, []).append(layers_by_id[lid])
    layers = []
    for depth in sorted(layers_by_depth, reverse=True):
        layers.extend(sorted(layers_by_depth[depth], key=lambda la: layer_indices[id(la)]))

    # Every tensor the graph needs must be computable from the inputs.
    computable = set(input_ids)
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            if all(id(t) in input_ids for t in node.flat_outputs):
                continue
            if node.is_input:
                if not any(id(t) in input_ids for t in node.flat_outputs):
                    raise ValueError(f"Graph disconnected: cannot find parent for tensor "
                                     f"{node.flat_outputs[0]!r} of layer '{node.operation.name}'. "
                                     f"Pass it in the model's `inputs`.")
                continue
            for t in node.input_tensors:
                if id(t) not in computable:
                    raise ValueError(f"Graph disconnected: cannot obtain value for tensor {t!r} at layer "
                                     f"'{node.operation.name}'. The following previous layers were accessed "
                                     f"without issue: {[la.name for la in layers]}")
            computable.update(id(t) for t in node.flat_outputs)
    return nodes_by_depth, layers


def adjust_input_rank(spec, value):
    """``value`` for the model input ``spec``, as Keras 3: one extra trailing axis of size 1 is
    squeezed, one missing trailing axis of size 1 is added; any other rank is a ValueError."""
    shape = getattr(value, "shape", None)
    if shape is None or len(shape) == len(spec.shape):
        return value
    if len(shape) == len(spec.shape) + 1 and shape[-1] == 1:
        return tg.squeeze(value, -1)
    if len(shape) == len(spec.shape) - 1 and spec.shape[-1] == 1:
        return tg.expand_dims(value, -1)
    raise ValueError(f"Invalid input shape for input '{spec.name}': expected shape {spec.shape}, but the "
                     f"input has incompatible shape {tuple(shape)}")


def run_graph(nodes_by_depth, inputs, outputs_structure, values):
    """Evaluate the graph: ``values`` maps ids of the input KerasTensors to their values."""
    values = dict(values)
    for t in inputs:
        values[id(t)] = adjust_input_rank(t, values[id(t)])
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            if node.is_input or not all(id(t) in values for t in node.input_tensors):
                continue
            if all(id(t) in values for t in node.flat_outputs):
                continue
            args, kwargs = node.fill(values)
            out = node.operation(*args, **kwargs)
            for t, v in zip(node.flat_outputs, nest.flatten(out)):
                values[id(t)] = v
    return nest.map_structure(lambda t: values[id(t)], outputs_structure)
