"""W6: a training step on an embedding model costs O(rows touched), not O(table size).

Keras ``Embedding(N, 64)``, 32 examples x 32 ids (1,024 ids per step), mean-pool over the ids,
``Dense(1)``, MSE; one full step (forward, gradient, optimizer) for N = 10,000 and N = 1,000,000
rows, timed in interleaved rounds. The embedding's gradient is an IndexedSlices; tapegrad applies it

- with SGD: row by row, the dense numbers exactly;
- with ``Adam(sparse="lazy")``: only the touched rows' moments move (PyTorch SparseAdam,
  TF-Addons LazyAdam);
- with Keras' default dense Adam: every row's moments decay at every step, so the step grows
  with the table (as in Keras).

Target (issue 6): step(1M) / step(10k) <= 1.3 for SGD and lazy Adam.

    python benchmarks/w6_sparse_embedding.py [--quick] [--json PATH]
"""
import _harness  # noqa: F401  (pins BLAS threads before NumPy loads)
from _harness import TAPEGRAD, TF_EAGER, cli, interleaved_medians, peers, print_table, result
import numpy as np

SMALL, BIG, DIM, BATCH, IDS = 10_000, 1_000_000, 64, 32, 32


def batches(n_rows, count=8):
    rng = np.random.default_rng(0)
    return [(rng.integers(0, n_rows, (BATCH, IDS)).astype(np.int32), rng.standard_normal((BATCH, 1)).astype(np.float32))
            for _ in range(count)]


def tape_step(tf, n_rows, make_optimizer, layers=None):
    """One step, written once for tapegrad and TensorFlow/Keras (``tf`` is either: the same API).
    ``layers``: a list that receives the model's (Embedding, Dense) (for the smoke test)."""
    emb, dense = tf.keras.layers.Embedding(n_rows, DIM), tf.keras.layers.Dense(1)
    opt = make_optimizer(tf.keras)
    if layers is not None:
        layers += [emb, dense]
    data = batches(n_rows)
    position = [0]

    def step():
        ids, y = data[position[0] % len(data)]
        position[0] += 1
        with tf.GradientTape() as tape:
            out = dense(tf.reduce_mean(emb(ids), axis=1))
            loss = tf.reduce_mean(tf.square(out - y))
        variables = emb.trainable_weights + dense.trainable_weights
        opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return step


def tapegrad_step(n_rows, make_optimizer, layers=None):
    import tapegrad as tf
    return tape_step(tf, n_rows, make_optimizer, layers)


OPTIMIZERS = {  # name -> (tapegrad optimizer, TensorFlow/Keras optimizer or None)
    "SGD": (lambda k: k.optimizers.SGD(0.1), lambda k: k.optimizers.SGD(0.1)),
    "lazy Adam": (lambda k: k.optimizers.Adam(1e-3, sparse="lazy"), None),
    "dense Adam (Keras default)": (lambda k: k.optimizers.Adam(1e-3), lambda k: k.optimizers.Adam(1e-3)),
}
KEYS = {"SGD": "W6sgd", "lazy Adam": "W6", "dense Adam (Keras default)": "W6dense"}


def measure(quick=False):
    notes = []
    tf = peers(["tensorflow"], notes).get("tensorflow")
    repeats = 3 if quick else 7
    rows, table = [], []
    for name, (make, make_tf) in OPTIMIZERS.items():
        times = interleaved_medians({"small": tapegrad_step(SMALL, make), "big": tapegrad_step(BIG, make)},
                                    repeats=repeats, min_time=0.2)
        values = {TAPEGRAD: times["big"] / times["small"]}
        line = [name, "tapegrad", f"{times['small'] * 1e3:.2f}", f"{times['big'] * 1e3:.2f}",
                f"{values[TAPEGRAD]:.2f}"]
        table.append(line)
        if tf is not None and make_tf is not None:
            t = interleaved_medians({"small": tape_step(tf, SMALL, make_tf),
                                     "big": tape_step(tf, BIG, make_tf)}, repeats=repeats, min_time=0.2)
            values[TF_EAGER] = t["big"] / t["small"]
            table.append([name, "TF 2.21 / Keras 3 eager", f"{t['small'] * 1e3:.2f}", f"{t['big'] * 1e3:.2f}",
                          f"{values[TF_EAGER]:.2f}"])
        rows.append(result(KEYS[name], f"W6 step 1M rows / 10k rows, {name}", "ratio", values))
    print_table(f"W6: Embedding(N, {DIM}), {BATCH}x{IDS} ids, mean-pool, Dense(1), MSE: one training step",
                ["optimizer", "library", f"N={SMALL:,} (ms)", f"N={BIG:,} (ms)", "ratio"], table)
    if tf is not None:
        notes.append("TensorFlow/Keras has no lazy Adam (TF-Addons' LazyAdam is not part of TF 2.21)")
    return rows, notes


def main(argv=None):
    cli(measure, f"W6: embedding step, {BIG:,} vs {SMALL:,} rows (target <= 1.3 for SGD and lazy Adam)", argv)


if __name__ == "__main__":
    main()
