"""``keras.utils``: the progress bar, ``to_categorical``, ``set_random_seed``, the model summary."""
import os
import random
import sys
import time

import numpy as np

import tapegrad as tg


def set_random_seed(seed):
    """Seed Python's, NumPy's and tapegrad's random streams (``keras.utils.set_random_seed``)."""
    if not isinstance(seed, int):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed} (of type {type(seed)})")
    random.seed(seed)
    np.random.seed(seed)
    tg.random.set_seed(seed)


def to_categorical(x, num_classes=None):
    """One-hot float32 rows for integer class ids (``keras.utils.to_categorical``).

    Class ids must be integers (or whole floats, or bools) in ``[0, num_classes)``. Keras 3 lets
    NumPy index with them, so a negative id silently picks a class counted from the end, a
    fractional one is truncated and one ``>= num_classes`` fails with NumPy's IndexError; here each
    of these is a ValueError naming the offending id.

    >>> to_categorical([0, 2], 3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    values = np.asarray(x._value if hasattr(x, "_value") else x)
    if values.dtype.kind not in "biuf":
        raise ValueError(f"to_categorical: 'x' must hold integer class ids, got {x!r} (dtype {values.dtype})")
    if values.dtype.kind == "f":
        fractional = ~np.isfinite(values) | (values != np.round(values))
        if fractional.any():
            raise ValueError(f"to_categorical: class ids must be whole numbers, got {values[fractional][0].item()!r} "
                             f"in 'x'; round or cast the labels first")
    labels = values.astype("int64")
    if num_classes is None:
        if labels.size == 0:
            raise ValueError("to_categorical: cannot infer 'num_classes' from an empty 'x'; pass num_classes")
        num_classes = int(labels.max()) + 1
    elif isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 0:
        raise ValueError(f"to_categorical: 'num_classes' must be a non-negative integer, got {num_classes!r}")
    num_classes = int(num_classes)
    if labels.size:
        low, high = int(labels.min()), int(labels.max())
        if low < 0 or high >= num_classes:
            bad = low if low < 0 else high
            raise ValueError(f"to_categorical: class id {bad} in 'x' is out of range; expected ids in "
                             f"[0, {num_classes}) for num_classes={num_classes}")
    shape = labels.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    labels = labels.reshape(-1)
    out = np.zeros((labels.shape[0], num_classes), dtype="float32")
    out[np.arange(labels.shape[0]), labels] = 1.0
    return out.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    x = np.asarray(x)
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / np.where(norm == 0, 1, norm)


# -- progress bar -------------------------------------------------------------------------------------

def _format_value(v):
    v = float(v)
    return f"{v:.4f}" if abs(v) > 1e-3 or v == 0 else f"{v:.4e}"


def _format_time(seconds):
    if seconds >= 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def _format_per_unit(seconds, unit):
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit}"
    return f"{seconds * 1e6:.0f}us/{unit}"


# Keras 3's terminal styling (keras/src/utils/progbar.py): bold counter and times, the done part of
# the bar green, the rest white (both drawn with the heavy line).
_BOLD, _GREEN, _WHITE, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"


class Progbar:
    """Keras 3's progress bar: ``12/32 ━━━━━━━━──────────── 0s 2ms/step - loss: 0.6931``.

    On a terminal (or in Jupyter) the line is redrawn in place and styled as Keras styles it: the
    step counter and the time in bold, the done part of the bar green and the rest white (ANSI
    escapes; set ``NO_COLOR`` to turn them off). Otherwise (a log file, a pipe) it is plain text
    and only the final line of each run is printed, as Keras does.
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None, unit_name="step",
                 file=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.file = file or sys.stdout
        self._dynamic = (hasattr(self.file, "isatty") and self.file.isatty()) or "ipykernel" in sys.modules \
            or os.environ.get("TAPEGRAD_PROGBAR_DYNAMIC") == "1"
        self._styled = self._dynamic and not os.environ.get("NO_COLOR")
        self._start = time.time()
        self._last_update = 0.0
        self._values = {}
        self._seen = 0
        self._last_len = 0

    def update(self, current, values=None, finalize=None):
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for k, v in (values or {}).items():
            self._values[k] = v
        self._seen = current
        now = time.time()
        if self.verbose == 1:
            if not finalize and (now - self._last_update < self.interval or not self._dynamic):
                return
            line, width = self._line(current, now)
            if self._dynamic:
                pad = max(0, self._last_len - width)
                self.file.write("\r" + line + " " * pad)
                self._last_len = width
                if finalize:
                    self.file.write("\n")
            else:
                self.file.write(line + "\n")
            self.file.flush()
        elif self.verbose == 2 and finalize:
            elapsed = now - self._start
            per_unit = elapsed / max(current, 1)
            info = f"{current}/{self.target} - {_format_time(elapsed)} - {_format_per_unit(per_unit, self.unit_name)}"
            self.file.write(info + self._metrics_text() + "\n")
            self.file.flush()
        self._last_update = now

    def add(self, n, values=None):
        self.update(self._seen + n, values)

    def _metrics_text(self):
        return "".join(f" - {k}: {_format_value(v)}" for k, v in self._values.items())

    def _style(self, text, code):
        return f"{code}{text}{_RESET}" if self._styled and text else text

    def _line(self, current, now):
        """The bar's text and its width on screen (the escapes take no columns)."""
        elapsed = now - self._start
        per_unit = elapsed / max(current, 1)
        if self.target is not None:
            digits = len(str(self.target))
            done = int(self.width * current / self.target) if self.target else self.width
            done = max(0, min(done, self.width))
            rest = ("\u2501" if self._styled else "\u2500") * (self.width - done)
            count = f"{current:>{digits}}/{self.target}"
            time_text = _format_time(per_unit * (self.target - current) if current < self.target else elapsed)
            parts = [(count, _BOLD), (" ", None), ("\u2501" * done, _GREEN), (rest, _WHITE), (" ", None),
                     (time_text, _BOLD), (" " + _format_per_unit(per_unit, self.unit_name), None)]
        else:
            parts = [(str(current), _BOLD), (" ", None), (_format_time(elapsed), _BOLD),
                     (" " + _format_per_unit(per_unit, self.unit_name), None)]
        parts.append((self._metrics_text(), None))
        text = "".join(self._style(t, c) if c else t for t, c in parts)
        return text, sum(len(t) for t, _ in parts)


# -- summary ----------------------------------------------------------------------------------------

def readable_memory_size(size):
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _count(weights):
    return int(sum(int(np.prod(w.shape)) for w in weights))


def _bytes(weights):
    return int(sum(int(np.prod(w.shape)) * w._value.dtype.itemsize for w in weights))


def _output_shape(layer, model):
    """The layer's output shape in ``model``: from its node in the model's graph, else (a
    subclassed model's layer, called eagerly) computed from the shape it was built for, as Keras."""
    nodes = getattr(layer, "_inbound_nodes", [])
    graph = getattr(model, "_graph", None) or getattr(getattr(model, "_functional", None) or model, "_graph", None)
    for node in nodes:
        if graph is None or any(n is node for ns in graph[0].values() for n in ns):
            outs = node.flat_outputs
            if len(outs) == 1:
                return str(outs[0].shape)
            return str([o.shape for o in outs])
    build_shape = getattr(layer, "_build_input_shape", None)
    if build_shape is None or not layer.built:
        return "?"
    try:
        shape = layer.compute_output_shape(build_shape)
    except Exception:  # noqa: BLE001 - a summary never fails on a layer whose shape rule is partial
        return "?"
    return str(tuple(shape)) if isinstance(shape, (tuple, list)) and all(
        d is None or isinstance(d, int) for d in shape) else str(shape)


def summary_text(model, show_trainable=False):
    """The text ``model.summary()`` prints: one row per layer, then parameter totals."""
    headers = ["Layer (type)", "Output Shape", "Param #"] + (["Trainable"] if show_trainable else [])
    # Keras' column widths (a 76-character table); its "Trainable" column squeezes the others.
    widths = [27, 21, 10, 5] if show_trainable else [31, 22, 13]
    rows = []
    layers = model.layers
    from .layers.core import InputLayer
    if type(model).__name__ != "Sequential":
        layers = [la for la in layers]
    for layer in layers:
        if isinstance(layer, InputLayer) and type(model).__name__ == "Sequential":
            continue
        params = f"{_count(layer.weights):,}" if layer.built else "0 (unbuilt)"
        row = [f"{layer.name} ({type(layer).__name__})", _output_shape(layer, model), params]
        if show_trainable:
            row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        rows.append(row)

    def line(left, mid, right, fill):
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def wrap(text, width):
        lines, line = [], None  # None: no word yet ('' is a word: a layer named '' prints " (Dense)")
        for word in text.split(" "):
            candidate = word if line is None else line + " " + word
            if len(candidate) <= width or line is None:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
        return [piece[i:i + width] for piece in lines for i in range(0, max(len(piece), 1), width)]

    def cells(values, bar="\u2502"):
        columns = [wrap(v, w) for v, w in zip(values, widths)]
        if bar == "\u2503":  # a header too long for its column ends in an ellipsis, as Rich draws it
            columns = [[v if len(v) <= w else v[:w - 1] + "\u2026"] for v, w in zip(values, widths)]
        height = max(len(c) for c in columns)
        out_lines = []
        for r in range(height):
            parts = []
            for i, (col, w) in enumerate(zip(columns, widths)):
                v = col[r] if r < len(col) else ""
                parts.append(f" {v:>{w}} " if i == 2 else f" {v:^{w}} " if i == 3 else f" {v:<{w}} ")
            out_lines.append(bar + bar.join(parts) + bar)
        return "\n".join(out_lines)

    out = [f'Model: "{model.name}"']
    out.append(line("\u250f", "\u2533", "\u2513", "\u2501"))
    out.append(cells(headers, "\u2503"))
    out.append(line("\u2521", "\u2547", "\u2529", "\u2501"))
    for k, row in enumerate(rows):
        out.append(cells(row))
        if k < len(rows) - 1:
            out.append(line("\u251c", "\u253c", "\u2524", "\u2500"))
    out.append(line("\u2514", "\u2534", "\u2518", "\u2500"))
    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    # Keras 3 counts the optimizer's variables (slots, step count) in the total once it is built.
    optimizer = getattr(model, "optimizer", None) if getattr(model, "compiled", False) else None
    built = optimizer is not None and getattr(optimizer, "built", False)
    opt_vars = list(optimizer.variables) if built else []
    total = trainable + non_trainable + opt_vars
    out.append(f" Total params: {_count(total):,} ({readable_memory_size(_bytes(total))})")
    out.append(f" Trainable params: {_count(trainable):,} ({readable_memory_size(_bytes(trainable))})")
    out.append(f" Non-trainable params: {_count(non_trainable):,} ({readable_memory_size(_bytes(non_trainable))})")
    if built:
        out.append(f" Optimizer params: {_count(opt_vars):,} ({readable_memory_size(_bytes(opt_vars))})")
    return "\n".join(out)
