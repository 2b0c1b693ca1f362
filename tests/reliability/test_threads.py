"""Threads (issue 7, item 5): tapes are thread-local.

Four threads training four models at once get bit-identical weights to training them one after
another; a tape opened in one thread records nothing that another thread computes, even from
the same tensors and variables. Models are built before the threads start (layer names and
initializers draw from process-wide counters and random streams, as in Keras).
"""
import sys
import threading

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

STEPS = 40


def _build(seed):
    tf.random.set_seed(seed)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, activation="tanh"),
                              keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2)])
    optimizer = keras.optimizers.Adam(0.01)
    optimizer.build(model.trainable_weights)
    rng = np.random.default_rng(seed)
    data = [(rng.standard_normal((16, 6)).astype(np.float32), rng.standard_normal((16, 2)).astype(np.float32))
            for _ in range(4)]
    return model, optimizer, data


def _train(model, optimizer, data, barrier=None, log=None):
    if barrier is not None:
        barrier.wait()  # all four threads start together
    for step in range(STEPS):
        if log is not None:
            log.append(threading.get_ident())
        x, y = data[step % len(data)]
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((model(x) - y) ** 2)
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))


def _fit(model, data, barrier=None):
    if barrier is not None:
        barrier.wait()
    x = np.concatenate([d[0] for d in data])
    y = np.concatenate([d[1] for d in data])
    for _ in range(STEPS // 4):
        model.train_on_batch(x, y)


def _run_threads(targets):
    errors = []
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often: steps interleave at every op, not every step

    def guarded(fn, *args):
        try:
            fn(*args)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
    threads = [threading.Thread(target=guarded, args=t) for t in targets]
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join(timeout=120)
    finally:
        sys.setswitchinterval(switch)
    assert not errors, errors


def test_four_threads_train_four_models_exactly_as_one_after_another():
    sequential = [_build(seed) for seed in range(4)]
    for model, optimizer, data in sequential:
        _train(model, optimizer, data)
    concurrent = [_build(seed) for seed in range(4)]
    barrier = threading.Barrier(4)
    log = []
    _run_threads([(_train, model, optimizer, data, barrier, log) for model, optimizer, data in concurrent])
    switches = sum(a != b for a, b in zip(log, log[1:]))
    assert switches >= 8, f"the threads hardly interleaved ({switches} switches): the test would prove nothing"
    for (a, _, _), (b, _, _) in zip(sequential, concurrent):
        for wa, wb in zip(a.get_weights(), b.get_weights()):
            np.testing.assert_array_equal(wa, wb)
    # The four models did train differently (the comparison is not between copies of one run).
    assert not np.array_equal(sequential[0][0].get_weights()[0], sequential[1][0].get_weights()[0])


def test_four_threads_with_compiled_models_and_train_on_batch():
    def build(seed):
        model, _, data = _build(seed)
        model.compile(keras.optimizers.SGD(0.05, momentum=0.9), "mse")
        return model, data
    sequential = [build(seed) for seed in range(4)]
    for model, data in sequential:
        _fit(model, data)
    concurrent = [build(seed) for seed in range(4)]
    for model, data in concurrent:
        model.optimizer.build(model.trainable_weights)  # (built before the threads, as the models)
    barrier = threading.Barrier(4)
    _run_threads([(_fit, model, data, barrier) for model, data in concurrent])
    for (a, _), (b, _) in zip(sequential, concurrent):
        for wa, wb in zip(a.get_weights(), b.get_weights()):
            np.testing.assert_array_equal(wa, wb)


def test_a_tape_records_nothing_from_another_thread():
    x = tf.constant([1.0, 2.0, 3.0])
    v = tf.Variable([0.5, -1.0, 2.0])
    opened, computed = threading.Event(), threading.Event()
    other = {}

    def worker():
        opened.wait(timeout=30)
        # Uses the same tensor and variable while the main thread's tape is open.
        other["y"] = tf.reduce_sum(tf.exp(x) * v)
        other["z"] = v * 3.0
        computed.set()

    t = threading.Thread(target=worker)
    t.start()
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        opened.set()
        assert computed.wait(timeout=30)
        mine = tf.reduce_sum(x * x)
    t.join()
    assert tape.gradient(other["y"], [x, v]) == [None, None]
    assert tape.gradient(other["z"], v) is None
    assert tape.watched_variables() == ()          # the other thread's read of v is not this tape's
    assert tape.gradient(mine, x).numpy().tolist() == [2.0, 4.0, 6.0]
    recorded = {n.op.name for n in tape._nodes if n.op is not None}
    assert recorded == {"multiply", "reduce_sum"}, recorded  # this thread's ops only (no exp)


@pytest.mark.parametrize("n_threads", [8])
def test_concurrent_tapes_each_get_their_own_gradients(n_threads):
    # Many threads each with its own tape over a shared variable: every gradient is its own.
    v = tf.Variable(np.linspace(-1.0, 1.0, 5).astype(np.float32))
    results = {}
    barrier = threading.Barrier(n_threads)

    def work(k):
        barrier.wait()
        for _ in range(50):
            with tf.GradientTape() as tape:
                y = tf.reduce_sum((v * float(k + 1)) ** 2)
            g = tape.gradient(y, v).numpy()
        results[k] = g

    _run_threads([(work, k) for k in range(n_threads)])
    for k in range(n_threads):
        np.testing.assert_array_equal(results[k], 2.0 * (k + 1) ** 2 * v.numpy())
