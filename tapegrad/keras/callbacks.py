"""Callbacks (``keras.callbacks``): hooks into ``fit``/``evaluate``/``predict``, as Keras 3.

``fit`` always adds a ``History`` (returned, and kept as ``model.history``) and, when
``verbose`` is set, a ``ProgbarLogger``. ``EarlyStopping`` and ``ModelCheckpoint`` follow Keras
3's rules (monitor, mode, min_delta, patience, baseline, restore_best_weights; save_best_only,
save_freq). ``ModelCheckpoint`` writes weights in tapegrad's ``.weights.npz`` format.
"""
import math
import os
import warnings

import numpy as np

from .utils import Progbar


class Callback:
    """Base class: override the ``on_*`` methods you need. ``self.model`` is the model trained."""

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass


def _as_callback_list(callbacks):
    """``callbacks=`` as a list: None, one Callback (Keras 3 accepts it alone) or a list/tuple of them."""
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback) and not isinstance(callbacks, CallbackList):
        return [callbacks]
    if isinstance(callbacks, (list, tuple, CallbackList)):
        callbacks = list(callbacks)
        for i, c in enumerate(callbacks):
            if not isinstance(c, Callback):
                raise TypeError(f"`callbacks[{i}]`: item {i} is {c!r} of type {type(c).__name__}; expected a "
                                f"keras.callbacks.Callback instance")
        return callbacks
    raise TypeError(f"`callbacks`: expected a keras.callbacks.Callback or a list of them, got {callbacks!r} "
                    f"of type {type(callbacks).__name__}")


class CallbackList(Callback):
    """Calls each callback's hook in order; adds History and ProgbarLogger when asked."""

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        self.callbacks = _as_callback_list(callbacks)
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        if add_history and not any(isinstance(c, History) for c in self.callbacks):
            self.callbacks.append(History())
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)

    def set_params(self, params):
        self.params = params
        for c in self.callbacks:
            c.set_params(params)

    def set_model(self, model):
        self._model = model
        for c in self.callbacks:
            c.set_model(model)

    def __iter__(self):
        return iter(self.callbacks)


def _dispatch(name):
    def hook(self, *args, **kwargs):
        for c in self.callbacks:
            getattr(c, name)(*args, **kwargs)
    hook.__name__ = name
    return hook


for _name in [n for n in dir(Callback) if n.startswith("on_")]:
    setattr(CallbackList, _name, _dispatch(_name))


class History(Callback):
    """Records each epoch's logs: ``history.history["loss"]`` is the list of epoch losses."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        self.model.history = self


class ProgbarLogger(Callback):
    """Prints ``Epoch 1/3`` and a progress bar with the running loss and metrics."""

    def __init__(self, count_mode=None):
        super().__init__()
        self.verbose = 1
        self.epochs = 1
        self.target = None
        self.progbar = None
        self._seen = 0

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def _reset(self):
        self._seen = 0
        self.progbar = None

    def _bar(self):
        if self.progbar is None:
            self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step")
        return self.progbar

    def on_train_begin(self, logs=None):
        self._train_step = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._reset()
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_test_begin(self, logs=None):
        if not self._called_in_fit():
            self._reset()

    def on_predict_begin(self, logs=None):
        self._reset()

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit():
            self._update(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit():
            self._finalize(logs)

    def on_predict_end(self, logs=None):
        self._finalize(None)

    def _called_in_fit(self):
        return getattr(self.model, "_in_fit", False)

    def _update(self, batch, logs):
        if not self.verbose:
            return
        self._seen = batch + 1
        self._bar().update(self._seen, dict(logs or {}), finalize=False)

    def _finalize(self, logs):
        if not self.verbose:
            return
        bar = self._bar()
        if self.target is None:
            self.target = self._seen
            bar.target = self._seen
        bar.update(self.target, dict(logs or {}), finalize=True)


class LambdaCallback(Callback):
    """A callback from functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        for name, fn in (("on_epoch_begin", on_epoch_begin), ("on_epoch_end", on_epoch_end),
                         ("on_train_begin", on_train_begin), ("on_train_end", on_train_end),
                         ("on_train_batch_begin", on_train_batch_begin), ("on_train_batch_end", on_train_batch_end)):
            if fn is not None:
                setattr(self, name, fn)


class TerminateOnNaN(Callback):
    """Stops training when the loss becomes NaN or infinite."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (math.isnan(loss) or math.isinf(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


def _direction(model, metric_name):
    """'up' or 'down' for a metric the model computes (accuracy goes up, losses down)."""
    if metric_name == "loss":
        return "down"
    for m in getattr(model, "_compile_metric_objects", []) or []:
        if m.name == metric_name:
            return getattr(m, "_direction", None)
    return None


class MonitorCallback(Callback):
    """Shared by EarlyStopping and ModelCheckpoint (Keras 3's ``MonitorCallback``): ``monitor``,
    ``mode`` ("auto", "min", "max"; anything else warns and falls back to "auto") and the improvement
    test. In "auto" mode the direction comes from the monitored metric ('loss' and losses go down,
    accuracies up); a name the model does not compute raises ValueError at the first epoch end, as
    Keras 3.15 does, naming the keys the logs do hold."""

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if not isinstance(monitor, str):
            raise TypeError(f"{type(self).__name__}: 'monitor' must be the name of a logged quantity "
                            f"(a str such as 'val_loss'), got {monitor!r}")
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.", stacklevel=3)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None
        self._warned_missing = False

    def _set_monitor_op(self, logs=None):
        if self.mode == "min":
            self.monitor_op = np.less
        elif self.mode == "max":
            self.monitor_op = np.greater
        else:
            name = self.monitor[4:] if self.monitor.startswith("val_") else self.monitor
            direction = _direction(self.model, name)
            if direction == "up":
                self.monitor_op = np.greater
            elif direction == "down":
                self.monitor_op = np.less
        if self.monitor_op is None:
            raise ValueError(f"{type(self).__name__} callback received monitor={self.monitor}, but Keras isn't able "
                             f"to automatically determine whether that metric should be maximized or minimized "
                             f"(the logs hold: {', '.join(logs or {}) or 'nothing'}). Pass `mode='max'` in order "
                             f"to monitor based on the highest metric value, or pass `mode='min'` in order to use "
                             f"the lowest value.")
        if self.monitor_op is np.less:
            self.min_delta *= -1

    def _monitored(self, logs, consequence):
        """The monitored value in ``logs``; when absent, warn once per training run (naming the keys
        the logs do hold and what happens instead) and return None."""
        value = (logs or {}).get(self.monitor)
        if value is None and not self._warned_missing:
            self._warned_missing = True
            warnings.warn(f"{type(self).__name__}: the monitored metric `{self.monitor}` is not available; "
                          f"available metrics are: {', '.join(logs or {}) or 'none'}. {consequence}", stacklevel=3)
        return value

    def on_train_begin(self, logs=None):
        self._warned_missing = False

    def _is_improvement(self, value, reference):
        if reference is None:
            return True
        return bool(self.monitor_op(value - self.min_delta, reference))


class EarlyStopping(MonitorCallback):
    """Stop training when ``monitor`` has stopped improving for ``patience`` epochs."""

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, None, min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op(logs)
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        return self._monitored(logs, "Early stopping is not applied.")


class ModelCheckpoint(MonitorCallback):
    """Save the weights during training (``filepath`` may use ``{epoch}``, ``{batch}`` and log keys).

    Only weights are saved (``save_weights_only=True`` and a ``.weights.npz`` path): saving a
    whole model (``.keras``) would mean storing code, which tapegrad never loads. As Keras 3.15:
    the folder of the path is created when missing; with ``save_best_only`` the first value always
    counts as an improvement (unless ``initial_value_threshold`` is given), and when ``monitor`` is
    not in the logs the weights are saved anyway (a warning, once per run, names the keys there are).
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        if not isinstance(filepath, (str, os.PathLike)):
            raise TypeError(f"ModelCheckpoint: 'filepath' must be a str or os.PathLike ending in `.weights.npz`, "
                            f"got {filepath!r} of type {type(filepath).__name__}")
        self.filepath = os.fspath(filepath)
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen = 0
        self._current_epoch = 0
        if not self.filepath.endswith(".weights.npz"):
            raise ValueError(f"ModelCheckpoint: tapegrad saves weights only, to a path ending in `.weights.npz`. "
                             f"Received: filepath={self.filepath}")
        if not save_weights_only:
            warnings.warn("ModelCheckpoint: tapegrad saves weights (and optimizer state) only; "
                          "save_weights_only=False is treated as True.", stacklevel=2)
        if save_freq != "epoch" and (not isinstance(save_freq, int) or isinstance(save_freq, bool) or save_freq < 1):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq are 'epoch' or integer values "
                             f"(a positive number of batches)")

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if isinstance(self.save_freq, int):
            self._batches_seen += 1
            if self._batches_seen % self.save_freq == 0:
                self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:  # as Keras: decided once the metrics are known, even when not saving best only
            self._set_monitor_op(logs)
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _file_path(self, epoch, batch, logs):
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}; the '
                           f'placeholders available are epoch, batch and {", ".join(logs) or "no logged values"}') \
                from None

    def _should_save(self, epoch, filepath, logs):
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = self._monitored(logs, "Saving at every epoch instead of only the best (as Keras does).")
        if current is None:
            return True
        if np.ndim(current) > 0:
            warnings.warn(f"Can save best model only when `monitor` is a scalar value. Received: {current}. "
                          f"Falling back to `save_best_only=False`.", stacklevel=3)
            return True
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to {current:.5f}, "
                      f"saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save(self, epoch, batch, logs):
        logs = dict(logs or {})
        filepath = self._file_path(epoch, batch, logs)
        if self.monitor_op is None and self.save_best_only:  # a save within the first epoch (save_freq=N)
            self._set_monitor_op(logs)
        if not self._should_save(epoch, filepath, logs):
            return
        folder = os.path.dirname(filepath)
        if folder:  # Keras creates the checkpoint's folder
            os.makedirs(folder, exist_ok=True)
        self.model.save_weights(filepath, overwrite=True)
