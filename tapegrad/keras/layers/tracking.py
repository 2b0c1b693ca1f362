"""What a layer holds, as Keras 3: its sub-layers, weights and metrics, found by attribute assignment.

- **Tracking.** Assigning a layer, a ``keras.Variable`` (what ``add_weight`` returns) or a
  list/dict of them to an attribute tracks it. A raw ``tapegrad.Variable`` attribute is *not*
  tracked: Keras 3 tracks only its own Variable class, so such a layer's ``weights`` is empty
  (its gradients are still right, since the tape watches the variable). Use ``add_weight`` to
  make a weight part of the layer.
- **Order.** ``weights`` is the layer's own trainable weights, then its own non-trainable ones,
  then each sub-layer's weights, in tracking order, without duplicates.
- **trainable.** ``layer.trainable = False`` sets the flag on the layer, its sub-layers and their
  weights; ``trainable_weights`` is then empty. (A tape still auto-watches those weights, as in
  TensorFlow: see ``keras.Variable``.)
"""
import numpy as np

from ..variables import Variable


class TrackedList(list):
    """A list attribute of a layer: layers and variables appended later are tracked too."""

    def __init__(self, values, owner):
        super().__init__(values)
        self._owner = owner

    def append(self, value):
        self._owner._track(value)
        super().append(value)

    def extend(self, values):
        values = list(values)
        for v in values:
            self._owner._track(v)
        super().extend(values)

    def insert(self, index, value):
        self._owner._track(value)
        super().insert(index, value)

    def __setitem__(self, key, value):
        for v in (value if isinstance(key, slice) else [value]):
            self._owner._track(v)
        super().__setitem__(key, value)

    def __iadd__(self, values):
        self.extend(values)
        return self


class LayerTracking:
    """The tracking half of ``Layer``: ``__setattr__`` records sub-layers, variables and metrics;
    ``weights`` and its variants read them back in Keras' order."""

    def _init_tracking(self):
        if "_layers" in self.__dict__:
            return
        for attr in ("_trainable_variables", "_non_trainable_variables", "_layers", "_metrics"):
            object.__setattr__(self, attr, [])

    # -- tracking -----------------------------------------------------------------------------
    def __setattr__(self, name, value):
        if "_layers" not in self.__dict__:
            self._init_tracking()
        object.__setattr__(self, name, self._track(value))

    def __delattr__(self, name):
        obj = getattr(self, name, None)
        if isinstance(obj, Variable):
            for store in (self._trainable_variables, self._non_trainable_variables):
                if any(v is obj for v in store):
                    store[:] = [v for v in store if v is not obj]
        elif isinstance(obj, LayerTracking):
            self._layers[:] = [la for la in self._layers if la is not obj]
        object.__delattr__(self, name)

    def _track(self, value):
        from ..metrics import Metric
        if isinstance(value, Variable):
            if not any(v is value for v in self._trainable_variables + self._non_trainable_variables):
                self._track_variable(value)
        elif isinstance(value, Metric):
            if not any(m is value for m in self._metrics):
                self._metrics.append(value)
        elif isinstance(value, LayerTracking):
            if value is not self and not any(la is value for la in self._layers):
                self._layers.append(value)
        elif isinstance(value, TrackedList):
            for v in value:
                self._track(v)
        elif isinstance(value, list):
            value = TrackedList([self._track(v) for v in value], self)
        elif isinstance(value, tuple) and not hasattr(value, "_fields"):
            value = tuple(self._track(v) for v in value)
        elif isinstance(value, dict) and type(value) is dict:
            value = {k: self._track(v) for k, v in value.items()}
        return value

    def _track_variable(self, variable):
        if variable.trainable:
            self._trainable_variables.append(variable)
        else:
            self._non_trainable_variables.append(variable)
        if not self.trainable:
            variable.trainable = False

    @property
    def trainable(self):
        """Settable: ``False`` freezes this layer, its sub-layers and all their weights."""
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        object.__setattr__(self, "_trainable", value)
        for v in self._trainable_variables:
            v.trainable = value
        for layer in self._layers:
            layer.trainable = value

    @property
    def weights(self):
        """Own trainable, own non-trainable, then each sub-layer's weights (no duplicates)."""
        out, seen = [], set()
        for w in self._trainable_variables + self._non_trainable_variables:
            if id(w) not in seen:
                seen.add(id(w))
                out.append(w)
        for layer in self._layers:
            for w in layer.weights:
                if id(w) not in seen:
                    seen.add(id(w))
                    out.append(w)
        return out

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [v for v in self.weights if v.trainable]

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        return [v for v in self.weights if not v.trainable]

    @property
    def variables(self):
        return self.weights

    @property
    def trainable_variables(self):
        return self.trainable_weights

    @property
    def non_trainable_variables(self):
        return self.non_trainable_weights

    def get_weights(self):
        """The values of ``weights`` as NumPy arrays."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        """Set ``weights`` from NumPy arrays (same number, same shapes)."""
        layer_weights = self.weights
        if len(layer_weights) != len(weights):
            raise ValueError(f"You called `set_weights(weights)` on layer '{self.name}' with a weight list of "
                             f"length {len(weights)}, but the layer was expecting {len(layer_weights)} weights.")
        for variable, value in zip(layer_weights, weights):
            value = np.asarray(value)
            if tuple(variable.shape) != value.shape:
                raise ValueError(f"Layer {self.name} weight shape {tuple(variable.shape)} is not compatible "
                                 f"with provided weight shape {value.shape}.")
            variable.assign(value.astype(variable._value.dtype, copy=False))

    def count_params(self):
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but the layer isn't "
                             f"built. You can build it manually via: `layer.build(input_shape)`.")
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    def _flatten_layers(self, include_self=True, recursive=True):
        out, seen = ([self] if include_self else []), {id(self)}
        queue = list(self._layers)
        while queue:
            layer = queue.pop(0)
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            if recursive:
                queue = list(layer._layers) + queue
        return out

    @property
    def submodules(self):
        """Every layer this layer holds, at any depth, each once, depth first (``tf.Module``'s
        ``submodules``, which Keras 2 layers had and TensorFlow's guides use)."""
        return tuple(self._flatten_layers(include_self=False))

    @property
    def metrics(self):
        out = list(self._metrics)
        for layer in self._layers:
            out.extend(layer.metrics)
        return out
