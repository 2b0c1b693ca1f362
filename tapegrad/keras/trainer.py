"""The training loop: ``compile``, ``fit``, ``evaluate``, ``predict`` (Keras 3's ``Trainer``).

One training step is exactly the loop a user would write by hand::

    with tapegrad.GradientTape() as tape:
        y_pred = model(x, training=True)
        loss = loss_fn(y, y_pred) + sum(model.losses)
    grads = tape.gradient(loss, model.trainable_weights)
    optimizer.apply_gradients(zip(grads, model.trainable_weights))

so ``fit`` and such a loop, fed the same batches, give bit-identical weights.

Batches: ``fit`` cuts the data into ``batch_size`` slices (the last one may be smaller), in a
new random order each epoch when ``shuffle=True`` (the permutation comes from tapegrad's global
random stream: ``tapegrad.random.set_seed`` makes it reproducible; the order differs from
TensorFlow's). ``validation_split`` holds out the *last* fraction of the samples, before
shuffling, as Keras does. Logs hold the running mean of the loss (weighted by batch size) and
of each metric over the epoch, as Python floats, keys sorted as the TensorFlow backend sorts
them.
"""
import collections.abc
import math
import warnings

import numpy as np

import tapegrad as tg

from . import callbacks as callbacks_module
from . import losses as losses_module
from . import metrics as metrics_module


# -- data ---------------------------------------------------------------------------------------------

_NOT_DATA = (str, bytes, int, float, complex, bool)


def _to_numpy(x, arg="x", where="Model.fit"):
    """``x`` (an array, a tensor, or a list/tuple/dict of them) with NumPy arrays as leaves.

    Python numbers and nested lists of them are refused, as Keras refuses them: a list is a
    structure (one entry per model input), so a list of numbers would be read as many inputs."""
    if x is None or type(x) is np.ndarray:
        return x
    if isinstance(x, (list, tuple)):
        return type(x)(_to_numpy(i, arg, where) for i in x)
    if isinstance(x, dict):
        return {k: _to_numpy(v, arg, where) for k, v in x.items()}
    if hasattr(x, "_value"):
        return np.asarray(x._value)
    if hasattr(x, "__tapegrad_tensor__"):
        return np.asarray(x.__tapegrad_tensor__()._value)
    if isinstance(x, _NOT_DATA) or not (hasattr(x, "__array__") or isinstance(x, np.generic)):
        raise ValueError(f"{where}: unrecognized data type in `{arg}`: {x!r:.60} (of type {type(x).__name__}). "
                         f"Expected a NumPy array or a tensor, or a list/tuple/dict of them (one per model "
                         f"input); convert Python lists of numbers with np.asarray()")
    return np.asarray(x)


def _flat(x):
    if isinstance(x, (list, tuple)):
        return [a for i in x for a in _flat(i)]
    if isinstance(x, dict):
        return [a for v in x.values() for a in _flat(v)]
    return [] if x is None else [x]


def _take(x, index):
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return type(x)(_take(i, index) for i in x)
    if isinstance(x, dict):
        return {k: _take(v, index) for k, v in x.items()}
    return x[index]


def _num_samples(*arrays, where="Model.fit"):
    flat = [a for a in _flat(list(arrays)) if a is not None]
    for a in flat:
        if a.ndim == 0:
            raise ValueError(f"{where}: expected arrays with a batch axis (one row per sample); got a scalar "
                             f"{a!r:.40}")
    sizes = {int(a.shape[0]) for a in flat}
    if len(sizes) > 1:
        raise ValueError(f"Data cardinality is ambiguous: the inputs have different numbers of samples {sorted(sizes)}. "
                         f"Make sure all arrays contain the same number of samples.")
    if not sizes:
        raise ValueError(f"{where}: expected `x` to be an array, a tensor, or a list/dict of them; received nothing.")
    return sizes.pop()


def _unpack(data):
    """(x, y, sample_weight) from a tuple ``data``, as Keras' ``unpack_x_y_sample_weight``."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
                     f"found: {data}")


def train_validation_split(arrays, validation_split):
    """Keras' split: the last ``validation_split`` of the samples (unshuffled) are held out."""
    n = _num_samples(*arrays)
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(f"Training data contains {n} samples, which is not sufficient to split it into a "
                         f"validation and training set as specified by `validation_split={validation_split}`. "
                         f"Either provide more data, or a different value for the `validation_split` argument.")
    train = tuple(_take(a, slice(0, split_at)) for a in arrays)
    val = tuple(_take(a, slice(split_at, n)) for a in arrays)
    return train, val


def _class_weight_to_sample_weight(y, class_weight, sample_weight=None, where="Model.fit"):
    if not isinstance(class_weight, dict):
        raise ValueError(f"{where}: `class_weight` must be a dict mapping class indices to weights, got "
                         f"{class_weight!r:.60} (of type {type(class_weight).__name__})")
    if sample_weight is not None:
        raise ValueError("You cannot pass both `class_weight` and `sample_weight` at the same time.")
    if y is None:
        raise ValueError(f"{where}: `class_weight` needs the targets `y`, which are None")
    y = np.asarray(y)
    ids = np.argmax(y, axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(y.shape[0], -1)[:, 0]
    return np.array([class_weight.get(int(i), 1.0) for i in ids], dtype=np.float32)


def _batches(n, batch_size, shuffle, steps=None, repeat=True):
    """Index arrays of each batch of one epoch: ``steps`` of them when given (cycling through the
    data again when ``repeat``, else stopping at its end)."""
    if shuffle == "batch":
        order = np.arange(n)
        starts = list(range(0, n, batch_size))
        perm = _permutation(len(starts))
        order = np.concatenate([_permutation_of(order[starts[i]:starts[i] + batch_size]) for i in perm])
    elif shuffle:
        order = _permutation(n)
    else:
        order = np.arange(n)
    out = [order[i:i + batch_size] for i in range(0, n, batch_size)]
    if steps is None:
        return out
    return (out * (steps // max(len(out), 1) + 1))[:steps] if repeat else out[:steps]


def _permutation(n):
    keys = tg.random.uniform([n], dtype=tg.float64).numpy() if n else np.zeros(0)
    return np.argsort(keys, kind="stable")


def _permutation_of(a):
    return a[_permutation(len(a))]


def _count(value, arg, where, default=None):
    """A count argument (``batch_size``, ``steps``...): an int >= 0; 0 and None mean ``default``, as in Keras."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{where}: `{arg}` must be a positive integer, got {value!r} (of type {type(value).__name__})")
    if value < 0:
        raise ValueError(f"{where}: `{arg}` must be a positive integer, got {value}")
    return int(value) or default


def _is_generator(x):
    return isinstance(x, collections.abc.Iterator) and not hasattr(x, "__array__")


class _DataHandler:
    """The batches of one ``fit``/``evaluate``/``predict`` run, from arrays or from a Python generator.

    Arrays are converted (and integer inputs cast) once; ``epoch()`` yields ``(step, (x, y,
    sample_weight))`` for one epoch. A generator yields ``(x,)``, ``(x, y)`` or ``(x, y,
    sample_weight)`` tuples; it runs ``steps`` batches per epoch, or until it is exhausted."""

    def __init__(self, model, where, x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False,
                 repeat=False, class_weight=None, names=("batch_size", "steps")):
        self.model, self.where, self.class_weight = model, where, class_weight
        self.exhausted = False
        batch_size = _count(batch_size, names[0], where)
        steps = _count(steps, names[1], where)
        if _is_generator(x):
            for arg, value in (("y", y), ("sample_weight", sample_weight)):
                if value is not None:
                    raise ValueError(f"{where}: when `x` is a generator, `{arg}` should not be passed; the "
                                     f"generator yields it as part of each (x, y, sample_weight) tuple.")
            self.generator, self.steps = x, steps
            return
        self.generator = None
        if x is None:
            raise ValueError(f"{where}: `x` is None; pass the model's inputs (an array, a tensor, a list/dict of "
                             f"them, or a generator of (x, y) tuples)")
        self.x = model._standardize_x(_to_numpy(x, "x", where), where)
        self.y = model._standardize_y(_to_numpy(y, "y", where), where)
        self.sample_weight = _to_numpy(sample_weight, "sample_weight", where)
        for arg, value in (("x", self.x), ("y", self.y), ("sample_weight", self.sample_weight)):
            for a in _flat(value):
                if a.dtype.kind not in "biufc":
                    raise ValueError(f"{where}: `{arg}` holds {a.dtype} values; expected numbers (a bool, integer "
                                     f"or float array)")
        self.n = _num_samples(self.x, self.y, self.sample_weight, where=where)
        if class_weight is not None:
            self.sample_weight = _class_weight_to_sample_weight(self.y, class_weight, self.sample_weight, where)
        if batch_size is None:
            batch_size = int(math.ceil(self.n / steps)) if steps and self.n else 32
        self.batch_size, self.shuffle, self.repeat, self._steps = batch_size, shuffle, repeat, steps
        batches = int(math.ceil(self.n / batch_size))
        self.steps = steps if steps is not None and (repeat or steps < batches) else batches

    def epoch(self):
        if self.generator is not None:
            yield from self._generator_epoch()
            return
        x, y, sw = self.x, self.y, self.sample_weight
        for step, index in enumerate(_batches(self.n, self.batch_size, self.shuffle, self._steps, self.repeat)):
            yield step, (_take(x, index), _take(y, index), _take(sw, index))

    def _generator_epoch(self):
        step = 0
        while self.steps is None or step < self.steps:
            try:
                data = next(self.generator)
            except StopIteration:
                self.exhausted = True
                return
            if not isinstance(data, tuple):
                raise ValueError(f"{self.where}: when `x` is a Python generator, it must yield tuples: (x,), "
                                 f"(x, y) or (x, y, sample_weight); it yielded a {type(data).__name__}.")
            x, y, sw = _unpack(data)
            x = self.model._standardize_x(_to_numpy(x, "x", self.where), self.where)
            y = self.model._standardize_y(_to_numpy(y, "y", self.where), self.where)
            sw = _to_numpy(sw, "sample_weight", self.where)
            if self.class_weight is not None:
                sw = _class_weight_to_sample_weight(y, self.class_weight, sw, self.where)
            yield step, (x, y, sw)
            step += 1


# -- compiled loss and metrics ---------------------------------------------------------------------------

def _is_binary_or_sparse(y_true, y_pred):
    t_rank, p_rank = len(y_true.shape), len(y_pred.shape)
    t_last = y_true.shape[-1] if t_rank else None
    p_last = y_pred.shape[-1] if p_rank else None
    is_binary = p_last == 1
    is_sparse = t_rank < p_rank or (t_last == 1 and p_last > 1)
    return is_binary, is_sparse


def _get_metric(identifier, y_true, y_pred):
    if str(identifier).lower() in ("accuracy", "acc"):
        is_binary, is_sparse = _is_binary_or_sparse(y_true, y_pred)
        if is_binary:
            metric = metrics_module.BinaryAccuracy(name=str(identifier))
        elif is_sparse:
            metric = metrics_module.SparseCategoricalAccuracy(name=str(identifier))
        else:
            metric = metrics_module.CategoricalAccuracy(name=str(identifier))
    else:
        metric = metrics_module.get(identifier)
    name = identifier if isinstance(identifier, str) else getattr(metric, "name", None) or metric.__name__
    if not isinstance(metric, metrics_module.Metric):
        metric = metrics_module.MeanMetricWrapper(metric)
    metric.name = name
    return metric


def _get_loss(identifier, y_true, y_pred):
    if str(identifier).lower() in ("crossentropy", "ce"):
        is_binary, is_sparse = _is_binary_or_sparse(y_true, y_pred)
        identifier = ("binary_crossentropy" if is_binary else
                      "sparse_categorical_crossentropy" if is_sparse else "categorical_crossentropy")
    loss = losses_module.get(identifier)
    if not isinstance(loss, losses_module.Loss):
        loss = losses_module.LossFunctionWrapper(loss, name=getattr(loss, "__name__", None))
    return loss


def _check_name(identifier, arg, module):
    """An unknown loss/metric name is a ValueError naming the argument and the known names."""
    if isinstance(identifier, str) and identifier not in module.ALL_OBJECTS_DICT:
        known = sorted(n for n in module.ALL_OBJECTS_DICT if n[0].islower())
        kind = "loss" if arg == "loss" else "metric"
        raise ValueError(f"Could not interpret {kind} identifier: {identifier} (compile's `{arg}` argument). Known "
                         f"names: {', '.join(known)}; or pass a {kind.capitalize()} object or a function.")
    module.get(identifier)


def _loss_name(loss):
    return repr(loss) if isinstance(loss, str) else getattr(loss, "name", None) or getattr(loss, "__name__", type(loss).__name__)


class CompileMetrics(metrics_module.Metric):
    """The metrics given to ``compile``, resolved on the first batch (``"accuracy"`` depends on shapes)."""

    def __init__(self, identifiers):
        self._identifiers = list(identifiers or [])
        self.metrics = []
        self.built = False
        super().__init__(name="compile_metrics")

    def build(self, y_true, y_pred):
        self.metrics = [_get_metric(m, y_true, y_pred) for m in self._identifiers]
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        for m in self.metrics:
            m.update_state(y_true, y_pred, sample_weight)

    def reset_state(self):
        for m in getattr(self, "metrics", []):
            m.reset_state()

    def result(self):
        return {m.name: m.result() for m in self.metrics}


class Trainer:
    """``compile``/``fit``/``evaluate``/``predict`` for ``Model`` (mixed in)."""

    def __init__(self):
        for k, v in {"compiled": False, "optimizer": None, "loss": None, "_compile_loss": None,
                     "_compile_metrics": None, "_loss_tracker": None, "stop_training": False, "history": None,
                     "_in_fit": False}.items():
            object.__setattr__(self, k, v)

    # -- compile -------------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
        """Set the optimizer, the loss and the metrics ``fit``/``evaluate`` use."""
        if loss_weights is not None:
            raise NotImplementedError("compile(loss_weights=...) is not supported by tapegrad.keras "
                                      "(single-output models only)")
        if not hasattr(optimizer, "apply_gradients"):
            from . import optimizers
            optimizer = optimizers.get(optimizer)
        if loss is not None and str(loss).lower() not in ("crossentropy", "ce"):
            _check_name(loss, "loss", losses_module)  # now, not at the first step (beyond Keras 3)
        for arg, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value is not None and not isinstance(value, (list, tuple)):
                kind = "dict (per-output metrics) is not supported" if isinstance(value, dict) else "list or tuple expected"
                raise ValueError(f"compile: expected `{arg}` to be a list or tuple, received {arg}={value!r:.60} "
                                 f"of type {type(value).__name__} ({kind}); e.g. {arg}=[{value!r:.40}]")
            for m in value or ():
                if isinstance(m, str) and m.lower() not in ("accuracy", "acc", "crossentropy", "ce"):
                    _check_name(m, arg, metrics_module)
        object.__setattr__(self, "optimizer", optimizer)
        object.__setattr__(self, "loss", loss)
        object.__setattr__(self, "_compile_loss", None)
        object.__setattr__(self, "_compile_metrics", CompileMetrics(list(metrics or []) + list(weighted_metrics or [])))
        object.__setattr__(self, "_loss_tracker", metrics_module.Mean(name="loss"))
        object.__setattr__(self, "compiled", True)

    def _forget_optimizer_state(self):
        """The layer stack changed (``Sequential.add``/``pop``): the compiled optimizer builds again for the
        new set of variables at its next step (Keras trains on; its optimizer would refuse the new
        variables otherwise). Its slots start afresh; ``iterations`` keeps counting."""
        optimizer = self.optimizer
        if optimizer is not None and getattr(optimizer, "built", False):
            object.__setattr__(optimizer, "built", False)

    def _assert_compiled(self):
        if not self.compiled:
            raise ValueError("You must call `compile()` before using the model.")

    @property
    def metrics(self):
        out = []
        if self._loss_tracker is not None:
            out.append(self._loss_tracker)
        if self._compile_metrics is not None:
            out.append(self._compile_metrics)
        for layer in self._flatten_layers(include_self=False):
            out.extend(layer._metrics)
        return out

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    @property
    def _compile_metric_objects(self):
        return [] if self._compile_metrics is None else list(self._compile_metrics.metrics)

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    # -- one step --------------------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss plus the model's added losses (regularization, ``add_loss``)."""
        losses = []
        if self.loss is not None:
            if y is None:  # Keras' "None values not supported": a loss of None targets is NaN, not an error
                raise ValueError(f"None values not supported: the compiled loss {_loss_name(self.loss)} needs the "
                                 f"targets `y`, which are None. Pass `y` (or yield (x, y) tuples), or compile "
                                 f"without a loss and use add_loss().")
            if self._compile_loss is None:
                object.__setattr__(self, "_compile_loss", _get_loss(self.loss, _shape_source(y), y_pred))
            losses.append(self._compile_loss(y, y_pred, sample_weight))
        for extra in self.losses:
            losses.append(tg.reduce_sum(tg.cast(extra, "float32")))
        if not losses:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        total = losses[0]
        for extra in losses[1:]:
            total = total + extra
        return total

    def _call_model(self, x, training):
        if self._call_has_training_arg:
            return self(x, training=training)
        return self(x)

    def train_step(self, data):
        """One optimization step on a batch; returns the running logs."""
        x, y, sample_weight = _unpack(data)
        with tg.GradientTape() as tape:
            y_pred = self._call_model(x, True)
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=True)
            scale = getattr(self.optimizer, "scale_loss", None)
            scaled = scale(loss) if scale is not None else loss
        self._loss_tracker.update_state(loss, sample_weight=_rows(x))
        trainable = self.trainable_weights
        if trainable:
            grads = tape.gradient(scaled, trainable)
            self.optimizer.apply_gradients(zip(grads, trainable))
        else:
            warnings.warn("The model does not have any trainable weights.", stacklevel=2)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        x, y, sample_weight = _unpack(data)
        y_pred = self._call_model(x, False)
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        self._loss_tracker.update_state(loss, sample_weight=_rows(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        x, _, _ = _unpack(data)
        return self._call_model(x, False)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        if self._compile_metrics is not None and y is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self):
        out = {}
        for m in self.metrics:
            result = m.result()
            if isinstance(result, dict):
                out.update(result)
            else:
                out[m.name] = result
        return {k: float(out[k]) for k in sorted(out)}

    # -- data ------------------------------------------------------------------------------------------
    def _standardize_x(self, x, where):
        """``x`` shaped as the model's inputs: a one-entry list/tuple, or a dict keyed by input names,
        unwrapped or ordered; integer and bool arrays cast to a floating input's dtype (Keras casts
        at the model's inputs). A model that does not know its inputs (subclassed) gets ``x`` as is."""
        if x is None or (type(x) is np.ndarray and x.dtype.kind == "f"):
            return x  # the common case, kept cheap: train_on_batch runs this every step
        inputs = self._known_inputs()
        if inputs is None:
            return x
        if isinstance(x, dict) and not isinstance(getattr(self, "_inputs_struct", None), dict):
            names = [getattr(t, "name", None) for t in inputs]
            if set(x) != set(names):
                raise ValueError(f"{where}: the structure of `x` doesn't match the model's inputs: expected "
                                 f"{names[0] if len(names) == 1 else names}, received a dict with keys "
                                 f"{sorted(map(str, x))}")
            x = [x[name] for name in names]
        if isinstance(x, (list, tuple)) and len(inputs) == 1 and len(x) == 1:
            x = x[0]
        if type(x) is np.ndarray:
            if x.dtype.kind in "biu" and len(inputs) == 1:
                return _cast_to(x, inputs[0])
            return x
        flat = _flat(x)
        if len(flat) == len(inputs) and any(a.dtype.kind in "biu" for a in flat if hasattr(a, "dtype")):
            casts = {id(a): _cast_to(a, t) for a, t in zip(flat, inputs)}
            return _map_leaves(lambda a: casts.get(id(a), a), x)
        return x

    def _known_inputs(self):
        """The model's input KerasTensors; None when the model does not know them (subclassed)."""
        inputs = self.inputs
        if inputs is None:
            dtype = self._unbuilt_input_dtype()
            return None if dtype is None else [_DtypeOnly(dtype)]
        return inputs

    def _unbuilt_input_dtype(self):
        """The input dtype a model that is not built yet will get (Sequential knows it); else None."""
        return None

    def _standardize_y(self, y, where):
        """A one-entry list/tuple of targets unwrapped for a single-output model (as Keras accepts)."""
        if y is None or type(y) is np.ndarray:
            return y
        outputs = self.outputs
        if outputs is not None and len(outputs) == 1:
            if isinstance(y, dict):
                raise TypeError(f"{where}: `y` is a dict (keys {sorted(map(str, y))}), but the model has a single "
                                f"output; pass its targets as an array")
            if isinstance(y, (list, tuple)) and len(y) == 1:
                return y[0]
        return y

    def _callback_list(self, callbacks, verbose, add_history=False, **params):
        """The ``CallbackList`` of a fit/evaluate/predict run: the user's callbacks (one, or a list),
        a progress bar unless ``verbose=0``, and for ``fit`` the History. ``CallbackList`` checks them."""
        if isinstance(callbacks, callbacks_module.CallbackList):
            return callbacks
        verbose = 1 if verbose == "auto" else verbose
        return callbacks_module.CallbackList(callbacks, add_history=add_history, add_progbar=verbose != 0,
                                             model=self, verbose=verbose, **params)

    # -- fit -----------------------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` epochs; returns the ``History`` (``history.history["loss"]`` ...)."""
        self._assert_compiled()
        where = "Model.fit"
        for arg, value in (("epochs", epochs), ("initial_epoch", initial_epoch)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{where}: `{arg}` must be an integer, got {value!r} (of type {type(value).__name__})")
        _check_validation_freq(validation_freq)
        if validation_split:
            if _is_generator(x):
                raise ValueError(f"{where}: `validation_split` is only supported for arrays and tensors, not for a "
                                 f"generator; pass `validation_data`")
            if not 0 < validation_split < 1:
                raise ValueError(f"{where}: `validation_split` must be a fraction between 0 and 1 (exclusive), "
                                 f"got {validation_split}")
            if validation_data is None:
                x, y, sample_weight = (_to_numpy(x, "x", where), _to_numpy(y, "y", where),
                                       _to_numpy(sample_weight, "sample_weight", where))
                (x, y, sample_weight), validation_data = train_validation_split((x, y, sample_weight),
                                                                                validation_split)
        data = _DataHandler(self, where, x, y, sample_weight, batch_size, steps_per_epoch, shuffle, repeat=True,
                            class_weight=class_weight, names=("batch_size", "steps_per_epoch"))
        val = None
        if validation_data is not None:
            vx, vy, vsw = (validation_data, None, None) if _is_generator(validation_data) else _unpack(validation_data)
            val = _DataHandler(self, where, vx, vy, vsw, validation_batch_size or batch_size, validation_steps,
                               names=("validation_batch_size" if validation_batch_size else "batch_size",
                                      "validation_steps"))
        cbs = self._callback_list(callbacks, verbose, add_history=True, epochs=epochs, steps=data.steps)
        object.__setattr__(self, "stop_training", False)
        object.__setattr__(self, "_in_fit", True)
        training_logs = None
        try:
            cbs.on_train_begin()
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                cbs.on_epoch_begin(epoch)
                logs = None
                for step, batch in data.epoch():
                    cbs.on_train_batch_begin(step)
                    logs = self.train_step(batch)
                    cbs.on_train_batch_end(step, logs)
                    if self.stop_training:
                        break
                if logs is None and data.exhausted:
                    warnings.warn(f"{where}: the generator ran out of data at epoch {epoch + 1}; training stops. "
                                  f"Give a generator that yields at least `steps_per_epoch * epochs` batches.",
                                  stacklevel=2)
                    break
                epoch_logs = dict(logs or {})
                if val is not None and _validate_now(epoch, validation_freq):
                    val_logs = self._test_loop(val, cbs)
                    epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
                cbs.on_epoch_end(epoch, epoch_logs)
                training_logs = epoch_logs
                if self.stop_training:
                    break
            cbs.on_train_end(logs=training_logs)
        finally:
            object.__setattr__(self, "_in_fit", False)
        history = next((c for c in cbs if isinstance(c, callbacks_module.History)), None)
        if history is not None:
            object.__setattr__(self, "history", history)
        return self.history

    # -- evaluate / predict ------------------------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False, **kwargs):
        """The loss (and metrics) on the data, in inference mode: a float, a list, or a dict."""
        self._assert_compiled()
        data = _DataHandler(self, "Model.evaluate", x, y, sample_weight, batch_size, steps)
        cbs = self._callback_list(callbacks, verbose, epochs=1, steps=data.steps)
        logs = self._test_loop(data, cbs)
        return logs if return_dict else _ordered(logs)

    def _test_loop(self, data, cbs):
        """One pass of ``test_step`` over ``data``: the logs ({} when there was no batch, as Keras)."""
        self.reset_metrics()
        cbs.on_test_begin()
        ran = False
        for step, batch in data.epoch():
            cbs.on_test_batch_begin(step)
            logs = self.test_step(batch)
            cbs.on_test_batch_end(step, logs)
            ran = True
        logs = self.get_metrics_result() if ran else {}
        cbs.on_test_end(logs)
        return logs

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs on ``x`` (inference mode), batch by batch, as NumPy arrays."""
        data = _DataHandler(self, "Model.predict", x, batch_size=batch_size, steps=steps)
        cbs = self._callback_list(callbacks, verbose, epochs=1, steps=data.steps)
        cbs.on_predict_begin()
        outputs = []
        for step, batch in data.epoch():
            cbs.on_predict_batch_begin(step)
            out = self.predict_step(batch)
            outputs.append(out)
            cbs.on_predict_batch_end(step, {"outputs": out})
        if not outputs:
            if data.generator is not None:
                raise ValueError("Model.predict: the generator yielded no batch; there is nothing to predict.")
            outputs.append(self.predict_step((data.x,)))  # no rows: the model's empty output, with its shape
        cbs.on_predict_end()
        return _concat_outputs(outputs)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One training step on exactly this batch; the logs (running since the last reset)."""
        self._assert_compiled()
        where = "Model.train_on_batch"
        x = self._standardize_x(_to_numpy(x, "x", where), where)
        y = self._standardize_y(_to_numpy(y, "y", where), where)
        sample_weight = _to_numpy(sample_weight, "sample_weight", where)
        if class_weight is not None:
            sample_weight = _class_weight_to_sample_weight(y, class_weight, sample_weight, where)
        logs = self.train_step((x, y, sample_weight))
        return logs if return_dict else _ordered(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compiled()
        where = "Model.test_on_batch"
        self.reset_metrics()
        logs = self.test_step((self._standardize_x(_to_numpy(x, "x", where), where),
                               self._standardize_y(_to_numpy(y, "y", where), where),
                               _to_numpy(sample_weight, "sample_weight", where)))
        return logs if return_dict else _ordered(logs)

    def predict_on_batch(self, x):
        where = "Model.predict_on_batch"
        return _concat_outputs([self.predict_step((self._standardize_x(_to_numpy(x, "x", where), where),))])


class _DtypeOnly:
    """Stands for an input of a model that knows only its input dtype (an unbuilt Sequential)."""

    name = None

    def __init__(self, dtype):
        self.dtype = dtype


def _cast_to(array, input_tensor):
    """An integer/bool ``array`` cast to a floating input's dtype; other arrays as they are."""
    dtype = np.dtype(str(input_tensor.dtype)) if input_tensor.dtype is not None else None
    if dtype is None or dtype.kind != "f" or array.dtype.kind not in "biu":
        return array
    return array.astype(dtype)


def _map_leaves(fn, x):
    if isinstance(x, (list, tuple)):
        return type(x)(_map_leaves(fn, i) for i in x)
    if isinstance(x, dict):
        return {k: _map_leaves(fn, v) for k, v in x.items()}
    return x if x is None else fn(x)


def _check_validation_freq(freq):
    if isinstance(freq, (list, tuple, set, range)):
        return
    if isinstance(freq, bool) or not isinstance(freq, (int, np.integer)) or freq < 1:
        raise ValueError(f"Model.fit: `validation_freq` must be a positive integer (validate every that many "
                         f"epochs) or a list of epochs (1-based), got {freq!r}")


def _validate_now(epoch, freq):
    if isinstance(freq, (list, tuple, set, range)):
        return epoch + 1 in freq
    return (epoch + 1) % freq == 0


def _ordered(logs):
    """Keras' return value of evaluate/train_on_batch: the loss first, a float when it is alone."""
    values = ([logs["loss"]] if "loss" in logs else []) + [v for k, v in logs.items() if k != "loss"]
    return values[0] if len(values) == 1 else values


def _concat_outputs(outputs):
    first = outputs[0]
    if isinstance(first, (list, tuple)):
        return type(first)(_concat_outputs([o[i] for o in outputs]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: _concat_outputs([o[k] for o in outputs]) for k in first}
    return np.concatenate([np.asarray(o._value if hasattr(o, "_value") else o) for o in outputs], axis=0)


def _rows(x):
    first = _flat(x)[0]
    return float(np.shape(first)[0])


def _shape_source(y):
    return np.asarray(y._value) if hasattr(y, "_value") else np.asarray(y)
