"""Memory (issue 7, item 4): long training keeps RSS flat; a deleted tape frees what it saved by
reference counting alone (no garbage collector needed).

The soak runs 10,000 steps of a small MLP in fresh subprocesses (so other tests' memory does not
blur the numbers), reading the resident set size from /proc/self/statm after a warm-up (10% of the
steps) and at the end: growth must stay under 5%. A control run that keeps every persistent tape
must grow far beyond that, which shows the measurement can see a leak.
"""
import gc
import json
import os
import subprocess
import sys
import weakref

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc (Linux)")

SOAK = r'''
import json, os, sys
import numpy as np
import tapegrad as tf
from tapegrad import keras

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

mode, steps = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(0)
x = rng.standard_normal((32, 8)).astype(np.float32)
y = rng.standard_normal((32, 1)).astype(np.float32)
if mode == "keras":
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="tanh"), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(1e-3), "mse")
else:
    params = [tf.Variable(rng.standard_normal((8, 16)).astype(np.float32) * 0.3),
              tf.Variable(np.zeros(16, np.float32)),
              tf.Variable(rng.standard_normal((16, 1)).astype(np.float32) * 0.3),
              tf.Variable(np.zeros(1, np.float32))]
    w1, b1, w2, b2 = params
    opt = keras.optimizers.Adam(1e-3)
kept = []
for step in range(steps):
    if step == steps // 10:
        base = rss()
    if mode == "keras":
        model.train_on_batch(x, y)
        continue
    with tf.GradientTape(persistent=mode != "tape") as tape:
        h = tf.tanh(x @ w1 + b1)
        loss = tf.reduce_mean((h @ w2 + b2 - y) ** 2)
    grads = tape.gradient(loss, params)
    if mode == "persistent-deleted":
        tape.gradient(loss, w1)  # a second use: it keeps what it saved until deleted
        del tape
    elif mode == "persistent-kept":
        kept.append(tape)        # the control: a leak of every step's saved arrays
    opt.apply_gradients(zip(grads, params))
print(json.dumps({"base": base, "end": rss()}))
'''


def _soak(modes_and_steps):
    """Run the soak for each (mode, steps) in parallel subprocesses; {mode: relative RSS growth}."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    procs = {mode: subprocess.Popen([sys.executable, "-c", SOAK, mode, str(steps)], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, env=env)
             for mode, steps in modes_and_steps}
    growth = {}
    for mode, p in procs.items():
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, f"{mode}: the soak failed:\n{err}"
        r = json.loads(out.strip().splitlines()[-1])
        growth[mode] = (r["end"] - r["base"]) / r["base"]
    return growth


def test_ten_thousand_steps_keep_rss_flat():
    growth = _soak([("tape", 10_000), ("persistent-deleted", 10_000), ("keras", 10_000),
                    ("persistent-kept", 2_000)])
    for mode in ("tape", "persistent-deleted", "keras"):
        assert growth[mode] < 0.05, f"{mode}: RSS grew {growth[mode]:.1%} over 10,000 steps after warm-up"
    # The measurement sees a real leak: keeping 1,800 tapes' saved arrays grows RSS by far more.
    assert growth["persistent-kept"] > 0.25, growth


# -- freed by reference counting: weakrefs to what a tape saved -----------------------------------

def _saved_arrays(tape):
    """Weak references to every array a tape's recorded ops saved for their backward pass."""
    refs = []
    for node in tape._nodes:
        for a in list(node.inputs or ()) + [node.out]:
            if isinstance(a, np.ndarray):
                refs.append(weakref.ref(a))
    return refs


def _model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.BatchNormalization(), keras.layers.Dense(3), keras.layers.Softmax()])
    model.compile(keras.optimizers.Adam(0.01), "categorical_crossentropy")
    return model


@pytest.mark.parametrize("persistent", [False, True])
def test_a_deleted_tape_frees_a_keras_models_saved_arrays_without_the_collector(persistent):
    model = _model()
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[[0, 1, 2, 0, 1]]
    loss_fn = keras.losses.CategoricalCrossentropy()
    gc.collect()
    gc.disable()
    try:
        with tf.GradientTape(persistent=persistent) as tape:
            loss = loss_fn(y, model(x, training=True))
        refs = _saved_arrays(tape)
        grads = tape.gradient(loss, model.trainable_weights)
        model.optimizer.apply_gradients(zip(grads, model.trainable_weights))
        assert len(refs) > 10
        # What the user's own objects still hold (weights, data) is not the tape's to free.
        held = {id(w._value) for w in model.weights} | {id(x), id(y)}
        del tape, loss, grads
        alive = [r() for r in refs if r() is not None and id(r()) not in held]
        assert not alive, f"{len(alive)} saved arrays outlive the tape, e.g. shapes {[a.shape for a in alive[:5]]}"
    finally:
        gc.enable()


def test_training_steps_create_no_reference_cycles():
    model = _model()
    x = np.random.default_rng(1).standard_normal((8, 4)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[np.arange(8) % 3]
    for _ in range(3):
        model.train_on_batch(x, y)  # warm-up: builds, metric state, optimizer slots
    gc.collect()
    gc.disable()
    try:
        for _ in range(20):
            model.train_on_batch(x, y)
            with tf.GradientTape(persistent=True) as tape:
                loss = tf.reduce_sum(model(x, training=True))
            tape.gradient(loss, model.trainable_weights)
            del tape, loss
        assert gc.collect() == 0, "training steps left reference cycles for the garbage collector"
    finally:
        gc.enable()
