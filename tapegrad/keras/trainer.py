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
import math
import warnings

import numpy as np

import tapegrad as tg

from . import callbacks as callbacks_module
from . import losses as losses_module
from . import metrics as metrics_module


# -- data ---------------------------------------------------------------------------------------------

def _to_numpy(x):
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return type(x)(_to_numpy(i) for i in x)
    if isinstance(x, dict):
        return {k: _to_numpy(v) for k, v in x.items()}
    if hasattr(x, "_value"):
        return np.asarray(x._value)
    if hasattr(x, "__tapegrad_tensor__"):
        return np.asarray(x.__tapegrad_tensor__()._value)
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


def _num_samples(*arrays):
    sizes = {int(a.shape[0]) for a in _flat(list(arrays)) if a is not None}
    if len(sizes) > 1:
        raise ValueError(f"Data cardinality is ambiguous: the inputs have different numbers of samples {sorted(sizes)}. "
                         f"Make sure all arrays contain the same number of samples.")
    if not sizes:
        raise ValueError("Expected `x` to be an array, a tensor, or a list/dict of them; received nothing.")
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


def _class_weight_to_sample_weight(y, class_weight):
    y = np.asarray(y)
    ids = np.argmax(y, axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(y.shape[0], -1)[:, 0]
    return np.array([class_weight.get(int(i), 1.0) for i in ids], dtype=np.float32)


def _batches(n, batch_size, shuffle, steps=None):
    """Index arrays of each batch of one epoch."""
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
    return out if steps is None else (out * (steps // max(len(out), 1) + 1))[:steps]


def _permutation(n):
    keys = tg.random.uniform([n], dtype=tg.float64).numpy() if n else np.zeros(0)
    return np.argsort(keys, kind="stable")


def _permutation_of(a):
    return a[_permutation(len(a))]


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
            losses_module.get(loss)  # an unknown loss is an error now, not at the first step (beyond Keras 3)
        object.__setattr__(self, "optimizer", optimizer)
        object.__setattr__(self, "loss", loss)
        object.__setattr__(self, "_compile_loss", None)
        object.__setattr__(self, "_compile_metrics", CompileMetrics(list(metrics or []) + list(weighted_metrics or [])))
        object.__setattr__(self, "_loss_tracker", metrics_module.Mean(name="loss"))
        object.__setattr__(self, "compiled", True)

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
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
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
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
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

    # -- fit -----------------------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` epochs; returns the ``History`` (``history.history["loss"]`` ...)."""
        self._assert_compiled()
        x, y, sample_weight = _to_numpy(x), _to_numpy(y), _to_numpy(sample_weight)
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = train_validation_split((x, y, sample_weight), validation_split)
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError("You cannot pass both `class_weight` and `sample_weight` at the same time.")
            sample_weight = _class_weight_to_sample_weight(y, class_weight)
        val = None
        if validation_data is not None:
            vx, vy, vsw = _unpack(validation_data)
            val = (_to_numpy(vx), _to_numpy(vy), _to_numpy(vsw))
        n = _num_samples(x, y, sample_weight)
        batch_size = batch_size or (None if steps_per_epoch else 32)
        if batch_size is None:
            batch_size = int(math.ceil(n / steps_per_epoch))
        steps = steps_per_epoch or int(math.ceil(n / batch_size))
        verbose = 1 if verbose == "auto" else verbose
        cbs = callbacks if isinstance(callbacks, callbacks_module.CallbackList) else callbacks_module.CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=epochs,
            steps=steps)
        object.__setattr__(self, "stop_training", False)
        object.__setattr__(self, "_in_fit", True)
        training_logs = None
        logs = {}
        try:
            cbs.on_train_begin()
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                cbs.on_epoch_begin(epoch)
                for step, index in enumerate(_batches(n, batch_size, shuffle, steps_per_epoch)):
                    cbs.on_train_batch_begin(step)
                    logs = self.train_step((_take(x, index), _take(y, index), _take(sample_weight, index)))
                    cbs.on_train_batch_end(step, logs)
                    if self.stop_training:
                        break
                epoch_logs = dict(logs)
                if val is not None and (epoch + 1) % validation_freq == 0:
                    val_logs = self.evaluate(val[0], val[1], sample_weight=val[2],
                                             batch_size=validation_batch_size or batch_size, steps=validation_steps,
                                             callbacks=cbs, return_dict=True, verbose=0)
                    epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
                cbs.on_epoch_end(epoch, epoch_logs)
                training_logs = epoch_logs
                if self.stop_training:
                    break
            cbs.on_train_end(logs=training_logs)
        finally:
            object.__setattr__(self, "_in_fit", False)
        return self.history

    # -- evaluate / predict ------------------------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False, **kwargs):
        """The loss (and metrics) on the data, in inference mode: a float, a list, or a dict."""
        self._assert_compiled()
        x, y, sample_weight = _to_numpy(x), _to_numpy(y), _to_numpy(sample_weight)
        n = _num_samples(x, y, sample_weight)
        batch_size = batch_size or 32
        verbose = 1 if verbose == "auto" else verbose
        index_batches = _batches(n, batch_size, False, steps)
        cbs = callbacks if isinstance(callbacks, callbacks_module.CallbackList) else callbacks_module.CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1, steps=len(index_batches))
        self.reset_metrics()
        cbs.on_test_begin()
        logs = {}
        for step, index in enumerate(index_batches):
            cbs.on_test_batch_begin(step)
            logs = self.test_step((_take(x, index), _take(y, index), _take(sample_weight, index)))
            cbs.on_test_batch_end(step, logs)
        logs = self.get_metrics_result()
        cbs.on_test_end(logs)
        if return_dict:
            return logs
        ordered = [logs["loss"]] + [v for k, v in logs.items() if k != "loss"]
        return ordered[0] if len(ordered) == 1 else ordered

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs on ``x`` (inference mode), batch by batch, as NumPy arrays."""
        x = _to_numpy(x)
        n = _num_samples(x)
        batch_size = batch_size or 32
        verbose = 1 if verbose == "auto" else verbose
        index_batches = _batches(n, batch_size, False, steps)
        cbs = callbacks if isinstance(callbacks, callbacks_module.CallbackList) else callbacks_module.CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1, steps=len(index_batches))
        cbs.on_predict_begin()
        outputs = []
        for step, index in enumerate(index_batches):
            cbs.on_predict_batch_begin(step)
            out = self.predict_step((_take(x, index),))
            outputs.append(out)
            cbs.on_predict_batch_end(step, {"outputs": out})
        cbs.on_predict_end()
        return _concat_outputs(outputs)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One training step on exactly this batch; the logs (running since the last reset)."""
        self._assert_compiled()
        x, y, sample_weight = _to_numpy(x), _to_numpy(y), _to_numpy(sample_weight)
        if class_weight is not None:
            sample_weight = _class_weight_to_sample_weight(y, class_weight)
        logs = self.train_step((x, y, sample_weight))
        return logs if return_dict else _ordered(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compiled()
        self.reset_metrics()
        logs = self.test_step((_to_numpy(x), _to_numpy(y), _to_numpy(sample_weight)))
        return logs if return_dict else _ordered(logs)

    def predict_on_batch(self, x):
        return _concat_outputs([self.predict_step((_to_numpy(x),))])


def _ordered(logs):
    values = [logs["loss"]] + [v for k, v in logs.items() if k != "loss"]
    return values[0] if len(values) == 1 else values


def _concat_outputs(outputs):
    first = outputs[0]
    if isinstance(first, (list, tuple)):
        return type(first)(_concat_outputs([o[i] for o in outputs]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: _concat_outputs([o[k] for o in outputs]) for k in first}
    return np.concatenate([np.asarray(o._value if hasattr(o, "_value") else o) for o in outputs], axis=0)


def _batch_size(x):
    first = _flat(x)[0]
    return float(np.shape(first)[0])


def _shape_source(y):
    return np.asarray(y._value) if hasattr(y, "_value") else np.asarray(y)
