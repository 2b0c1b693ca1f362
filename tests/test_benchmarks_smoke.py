"""Smoke tests of benchmarks/: every workload module imports and runs its tapegrad case once at
a tiny size, the hand-written NumPy references agree with tapegrad (a reference that computed
something else would make every ratio meaningless), and run.py's target column judges
correctly. No timing is asserted."""
import importlib
import os
import sys

import numpy as np
import pytest

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")
TINY_DIMS, TINY_BATCH = (12, 8, 8, 3), 5


@pytest.fixture(scope="module")
def bench():
    """The benchmark modules by name; os.environ restored afterwards (_harness pins threads there)."""
    saved_env, saved_path = dict(os.environ), list(sys.path)
    sys.path.insert(0, BENCH)
    try:
        names = ["_harness", "w1_import", "w2_per_op", "w3_mlp_step", "w4_pruning", "w5_hvp",
                 "w6_sparse_embedding", "w7_memory", "selective_compute", "scaling", "run"]
        yield {name: importlib.import_module(name) for name in names}
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        sys.path[:] = saved_path


def test_w1_import_time_of_tapegrad(bench):
    assert 0 < bench["w1_import"].import_seconds("tapegrad") < 60


def test_w2_numpy_reference_matches_tapegrad(bench):
    w2 = bench["w2_per_op"]
    reference, tapegrad = w2.numpy_step(steps=3), w2.tapegrad_step(steps=3)
    for _ in range(2):  # the reference reuses its buffers: the second call must start afresh
        for a, b in zip(reference(), tapegrad()):
            np.testing.assert_allclose(a, b.numpy(), rtol=1e-5, atol=1e-7)


def test_w3_numpy_reference_matches_tapegrad(bench):
    w3 = bench["w3_mlp_step"]
    np_step, mlp = w3.numpy_step(TINY_DIMS, TINY_BATCH)
    tg_step, variables = w3.tapegrad_step(TINY_DIMS, TINY_BATCH)
    for _ in range(2):
        np.testing.assert_allclose(np_step(), float(tg_step()), rtol=1e-5)
    for p, v in zip(mlp.params(), variables):
        np.testing.assert_allclose(p, v.numpy(), rtol=1e-5, atol=1e-6)


def test_w3_tapegrad_keras_step(bench):
    w3 = bench["w3_mlp_step"]
    step, model = w3.tapegrad_keras_step(TINY_DIMS, TINY_BATCH)
    _, mlp = w3.numpy_step(TINY_DIMS, TINY_BATCH)
    np.testing.assert_allclose(step(), mlp.step(), rtol=1e-5)
    for p, q in zip(mlp.params(), model.get_weights()):
        np.testing.assert_allclose(p, q, rtol=1e-5, atol=1e-6)


def test_w4_numpy_reference_matches_tapegrad(bench):
    w4 = bench["w4_pruning"]
    size = dict(depth=3, width=4, batch=5)
    reference, case = w4.numpy_case(**size), w4.tapegrad_case(**size)
    for kind in ("all", "last", "first", "all"):
        # the reference lists (dW, db) from the top wanted layer down; tapegrad [W, b, W, b, ...] upwards
        expected = [g for pair in reversed(reference[kind]()) for g in pair]
        got = case[kind]()
        assert len(got) == len(expected) == {"all": 6, "last": 2, "first": 2}[kind]
        for a, b in zip(expected, got):
            np.testing.assert_allclose(a, b.numpy(), rtol=1e-5, atol=1e-7)


def test_w5_numpy_hvp_matches_tapegrad(bench):
    w5 = bench["w5_hvp"]
    ref, case = w5.numpy_case(TINY_DIMS, TINY_BATCH), w5.tapegrad_case(TINY_DIMS, TINY_BATCH)
    for kind in ("grad", "hvp"):
        for a, b in zip(ref[kind](), case[kind]()):
            np.testing.assert_allclose(a, b.numpy(), rtol=1e-4, atol=1e-6)


def test_w6_sgd_step_matches_numpy(bench):
    """One SGD step of W6's model (Embedding, mean-pool, Dense(1), MSE) against the same step
    written in NumPy: only the touched rows move, by the scattered gradient."""
    w6 = bench["w6_sparse_embedding"]
    layers = []
    rows = 5000  # 1,024 ids per step leave most rows untouched
    step = w6.tapegrad_step(rows, w6.OPTIMIZERS["SGD"][0], layers)
    step()  # builds the layers (on data[0])
    emb, dense = layers
    table, kernel, bias = emb.embeddings.numpy(), dense.kernel.numpy(), dense.bias.numpy()
    ids, y = w6.batches(rows)[1]
    pooled = table[ids].mean(axis=1)
    d_out = 2.0 * (pooled @ kernel + bias - y) / len(y)
    d_table = np.zeros_like(table)
    np.add.at(d_table, ids.reshape(-1), np.repeat(d_out @ kernel.T / ids.shape[1], ids.shape[1], axis=0))
    step()
    np.testing.assert_allclose(emb.embeddings.numpy(), table - 0.1 * d_table, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(dense.kernel.numpy(), kernel - 0.1 * pooled.T @ d_out, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(dense.bias.numpy(), bias - 0.1 * d_out.sum(axis=0), rtol=1e-5, atol=1e-7)
    untouched = np.setdiff1d(np.arange(rows), ids)
    assert untouched.size and np.array_equal(emb.embeddings.numpy()[untouched], table[untouched])


def test_selective_compute_head_step_matches_full_step(bench):
    """Training only the head (the body frozen, not even recorded) gives the head the same update
    as training everything; the frozen body stays bit-identical."""
    import tapegrad
    sc = bench["selective_compute"]
    splits = {}
    steps, models = sc.cases(tapegrad, tapegrad.keras, splits, depth=3, width=4, batch=5)
    for full, head in zip(models["full"], models["head"]):  # same starting weights
        head.set_weights(full.get_weights())
    body = [w.copy() for layer in models["head"][:-1] for w in layer.get_weights()]
    for _ in range(2):
        steps["full"](), steps["head"]()
    for a, b in zip(models["full"][-1].get_weights(), models["head"][-1].get_weights()):
        # Adam divides by sqrt(v): rounding differences of the gradients grow; a step is lr = 1e-3
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert all(np.array_equal(a, b) for a, b in zip(body, [w for layer in models["head"][:-1]
                                                          for w in layer.get_weights()]))
    assert not np.array_equal(body[0], models["full"][0].get_weights()[0])  # the full step trains the body
    assert len(splits["full"]) == len(splits["head"]) == 2


def test_w7_child_reports_its_own_peak(bench):
    out = bench["w7_memory"].peak_rss("tapegrad", steps=2, dims=TINY_DIMS, batch=TINY_BATCH)
    assert 0 < out["after_import"] <= out["peak"] < 2000


def test_scaling_step_times(bench):
    t = bench["scaling"].step_times(TINY_DIMS, TINY_BATCH, quick=True)
    assert set(t) == {bench["_harness"].NUMPY, bench["_harness"].TAPEGRAD}


def test_run_table_judges_targets(bench):
    h, run = bench["_harness"], bench["run"]
    rows = [h.result("W3", "W3 step", "ms", {h.NUMPY: 4.0, h.TAPEGRAD: 4.1, h.TORCH: 3.0}),
            h.result("W7", "W7 peak", "MB", {h.NUMPY: 50.0, h.TAPEGRAD: 70.0}),
            h.result("W1", "W1 import", "ms", {h.NUMPY: 80.0, h.TAPEGRAD: 100.0}),
            h.result("W4last", "W4 last", "ratio", {h.NUMPY: 0.03, h.TAPEGRAD: 0.2})]
    header, body = run.table(rows)
    met = [line[header.index("met")] for line in body]
    assert met == ["yes", "NO", "yes", "NO"]
    assert body[0][header.index(h.TORCH)] == "3 (0.75x)"


def test_xla_flags_carry_only_xla_flags(bench):
    """TensorFlow's options do not belong in XLA_FLAGS (its pools are set by tf.config.threading)."""
    flags = os.environ.get("XLA_FLAGS", "").split()
    assert flags and all(f.startswith("--xla_") for f in flags), flags


class _FakeThreading:
    """tf.config.threading of a TensorFlow whose runtime has started (or not)."""

    def __init__(self, started, pool=1):
        self.started, self.pool = started, pool

    def set_intra_op_parallelism_threads(self, n):
        if self.started:
            raise RuntimeError("Intra op parallelism cannot be modified after initialization.")

    set_inter_op_parallelism_threads = set_intra_op_parallelism_threads

    def get_intra_op_parallelism_threads(self):
        return self.pool

    get_inter_op_parallelism_threads = get_intra_op_parallelism_threads


@pytest.mark.parametrize("threading, fails", [(_FakeThreading(started=False), False),
                                              (_FakeThreading(started=True), True),
                                              (_FakeThreading(started=False, pool=4), True)])
def test_tensorflow_thread_pinning_fails_loudly(bench, threading, fails):
    h = bench["_harness"]
    fake = type("tf", (), {"config": type("config", (), {"threading": threading})})
    if fails:
        with pytest.raises(h.PinningError, match="TensorFlow|tensorflow"):
            h._pin("tensorflow", fake)
    else:
        h._pin("tensorflow", fake)


def test_run_records_every_process_and_the_load(bench, monkeypatch):
    """run.py keeps each process's values (the README prints their range) and the load readings."""
    h, run = bench["_harness"], bench["run"]
    ratios = iter([1.06, 1.02, 1.04])

    def fake_run_script(path, quick, group=None):
        r = next(ratios)
        return [h.result("W3", "W3 step", "ms", {h.NUMPY: 5.0, h.TAPEGRAD: 5.0 * r})], [], 0.5, ""
    monkeypatch.setattr(run, "run_script", fake_run_script)
    rows, notes, _, _ = run.run_median_process("W3", "w3_mlp_step.py", quick=False)
    assert rows[0]["values"][h.TAPEGRAD] == pytest.approx(5.2)  # the median process
    assert [p[h.TAPEGRAD] / p[h.NUMPY] for p in rows[0]["processes"]] == pytest.approx([1.06, 1.02, 1.04])
    record = run.record(rows, notes, [0.4, 0.5, 1.3], {"W3": 0.5}, 12.0)
    assert record["load"] == {"start": 0.4, "end": 1.3, "per_workload": {"W3": 0.5}, "min": 0.4, "max": 1.3,
                              "loaded": 1.3 > 0.5 * (os.cpu_count() or 1)}
    sys.path.insert(0, os.path.join(os.path.dirname(BENCH), "tools"))
    try:
        regen = importlib.import_module("regen")
    finally:
        sys.path.pop(0)
    assert regen._ratio_text(rows[0]) == "1.02-1.06x (3 processes)"
    record["load"]["loaded"] = True  # a run on a loaded machine: README.md quotes none of its numbers
    assert all("loaded machine" in text and "1.0" not in text for text in regen.readme_blocks(record).values())


def test_run_script_protocol(bench):
    """run.py runs a workload script in a fresh process and reads its rows back (--json)."""
    rows, notes, load, _ = bench["run"].run_script(os.path.join(BENCH, "w2_per_op.py"), quick=True)
    assert [r["key"] for r in rows] == ["W2"], notes
    assert rows[0]["values"][bench["_harness"].TAPEGRAD] > 0
