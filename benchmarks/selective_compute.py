"""Selective compute: training only the head of a deep model costs only the head.

16 x Dense(256) ReLU (Keras layers), batch 256, loss mean(square(out)), Adam(1e-3). Two
training steps, each a forward pass under a GradientTape, ``tape.gradient`` and
``optimizer.apply_gradients``, timed in interleaved rounds:

- full: every layer trains (32 variables);
- head: the 15 body layers are frozen (``layer.trainable = False``), only the last layer trains;

and each step's time is split into the forward pass (what no training step can avoid) and the
rest.

Reported: head/full for the whole step, and for the part after the forward pass (gradient +
optimizer, timed inside each step; target <= 0.25). In tapegrad the frozen
body is not even recorded (its variables are not watched) and ``gradient`` runs only the ops on
a path from the head's variables; TensorFlow records everything and runs the whole backward pass.

    python benchmarks/selective_compute.py   # tapegrad, and TensorFlow when importable
                                             # (an interpreter with tensorflow-cpu==2.21.0)
"""
import time

import _harness  # noqa: F401  (pins BLAS threads before NumPy loads)
from _harness import TAPEGRAD, TF_EAGER, cli, interleaved_medians, peers, print_table, result
import numpy as np

DEPTH, WIDTH, BATCH = 16, 256, 256


def cases(tf, keras, splits, depth=DEPTH, width=WIDTH, batch=BATCH):
    """({"full", "head"}: zero-argument step functions, {"full", "head"}: each model's layers);
    each call of a step appends (forward seconds, gradient + optimizer seconds) to ``splits[name]``."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, width)).astype(np.float32)

    def model():
        layers = [keras.layers.Dense(width, activation="relu") for _ in range(depth)]
        h = x
        for layer in layers:
            h = layer(h)  # build
        return layers

    def run(layers):
        h = x
        for layer in layers:
            h = layer(h)
        return tf.reduce_mean(tf.square(h))

    full_layers, head_layers = model(), model()
    for layer in head_layers[:-1]:
        layer.trainable = False
    full_vars = [v for layer in full_layers for v in layer.trainable_weights]
    head_vars = [v for layer in head_layers for v in layer.trainable_weights]
    assert len(full_vars) == 2 * depth and len(head_vars) == 2
    full_opt, head_opt = keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3)

    def step(layers, variables, opt, split):
        t0 = time.perf_counter()
        with tf.GradientTape() as tape:
            loss = run(layers)
        t1 = time.perf_counter()
        opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
        split.append((t1 - t0, time.perf_counter() - t1))

    splits["full"], splits["head"] = [], []
    return {"full": lambda: step(full_layers, full_vars, full_opt, splits["full"]),
            "head": lambda: step(head_layers, head_vars, head_opt, splits["head"])}, \
        {"full": full_layers, "head": head_layers}


def medians(split):
    a = np.array(split)
    return float(np.median(a[:, 0])), float(np.median(a[:, 1]))


def measure(quick=False):
    import tapegrad
    notes = []
    libraries = {TAPEGRAD: (tapegrad, tapegrad.keras)}
    tf = peers(["tensorflow"], notes).get("tensorflow")
    if tf is not None:
        libraries[TF_EAGER] = (tf, tf.keras)
    table, whole_row, after_row, full_ms = [], {}, {}, {}
    for name, (lib, keras) in libraries.items():
        splits = {}
        t = interleaved_medians(cases(lib, keras, splits)[0], repeats=3 if quick else 15, min_time=0.1)
        (fwd_full, rest_full), (fwd_head, rest_head) = medians(splits["full"]), medians(splits["head"])
        whole, after = t["head"] / t["full"], rest_head / rest_full
        whole_row[name], after_row[name], full_ms[name] = whole, after, t["full"] * 1e3
        table.append([name, f"{t['full'] * 1e3:.1f}", f"{t['head'] * 1e3:.1f}", f"{fwd_full * 1e3:.1f}",
                      f"{fwd_head * 1e3:.1f}", f"{rest_full * 1e3:.2f}", f"{rest_head * 1e3:.2f}",
                      f"{whole:.2f}", f"{after:.3f}"])
    print_table(f"Selective compute: {DEPTH} x Dense({WIDTH}) ReLU, batch {BATCH}, Adam (ms per step; the "
                f"forward and gradient + optimizer parts are medians of each step's own split)",
                ["library", "full step", "head-only step", "forward (full)", "forward (head)",
                 "grad+opt (full)", "grad+opt (head)", "head/full step", "head/full grad+opt"], table)
    rows = [result("SCfull", "SC full training step", "ms", full_ms),
            result("SCwhole", "SC head-only step / full step", "ratio", whole_row),
            result("SChead", "SC head-only / full, gradient + optimizer (after the forward pass)", "ratio", after_row)]
    return rows, notes


def main(argv=None):
    cli(measure, f"Selective compute: head-only vs full training step ({DEPTH} x Dense({WIDTH}))", argv)


if __name__ == "__main__":
    main()
