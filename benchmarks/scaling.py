"""How W3's step time and peak memory grow with batch size and width, tapegrad against the
hand-written NumPy reference: where the library's fixed per-op overhead stops mattering.

Two sweeps of W3's training step (ReLU MLP, sparse softmax cross-entropy, Adam 1e-3, float32):
batch 32 ... 4096 at 784-512-512-10, and width 128 ... 4096 (784-W-W-10) at batch 128. Step
times: interleaved medians in this process. Memory: peak RSS of a few steps in a fresh process
per library and size (benchmarks/w7_memory.py's child). The largest sizes are capped to stay
within a few minutes and a few hundred MB on a 2-core machine.

    python benchmarks/scaling.py [--quick]
"""
import _harness  # noqa: F401  (pins BLAS threads before NumPy loads)
from _harness import NUMPY, TAPEGRAD, THREADS, interleaved_medians, load_average, print_table
import argparse
import gc

import w3_mlp_step as w3
from w7_memory import peak_rss

BATCHES = (32, 128, 512, 1024, 2048, 4096)
WIDTHS = (128, 256, 512, 1024, 2048, 4096)
MEMORY_STEPS = 5  # the peak is reached in the first steps; more only add time


def sizes(quick=False):
    """(sweep, batch, dims) of every configuration."""
    batches, widths = ((32, 512), (128, 1024)) if quick else (BATCHES, WIDTHS)
    out = [("batch", b, w3.DIMS) for b in batches]
    out += [("width", w3.BATCH, (w3.DIMS[0], w, w, w3.DIMS[-1])) for w in widths]
    return out


def step_times(dims, batch, quick=False):
    """Median seconds per step of the NumPy reference and tapegrad, interleaved."""
    candidates = {NUMPY: w3.numpy_step(dims, batch)[0], TAPEGRAD: w3.tapegrad_step(dims, batch)[0]}
    t = interleaved_medians(candidates, repeats=3 if quick else 9, min_time=0.02 if quick else 0.2, warmup=1)
    del candidates
    gc.collect()
    return t


def measure(quick=False):
    rows = []
    for sweep, batch, dims in sizes(quick):
        t = step_times(dims, batch, quick)
        steps = 2 if quick else MEMORY_STEPS
        mem = {c: peak_rss(c, steps=steps, dims=dims, batch=batch)["peak"] for c in (NUMPY, TAPEGRAD)}
        rows.append({"sweep": sweep, "batch": batch, "dims": dims, "time_ms": {c: s * 1e3 for c, s in t.items()},
                     "peak_mb": mem})
    return rows


def render(rows):
    body = []
    for r in rows:
        t, m = r["time_ms"], r["peak_mb"]
        body.append([r["sweep"], r["batch"], "-".join(map(str, r["dims"])),
                     f"{t[NUMPY]:.3g}", f"{t[TAPEGRAD]:.3g}", f"{t[TAPEGRAD] - t[NUMPY]:+.2f}",
                     f"{t[TAPEGRAD] / t[NUMPY]:.2f}x", f"{m[NUMPY]:.0f}", f"{m[TAPEGRAD]:.0f}",
                     f"{m[TAPEGRAD] / m[NUMPY]:.2f}x"])
    print_table(f"W3 scaling: step time and peak RSS, tapegrad vs hand-written NumPy "
                f"(BENCH_THREADS={THREADS}, load {load_average():.2f})",
                ["sweep", "batch", "layers", "NumPy ms", "tapegrad ms", "overhead ms", "time ratio",
                 "NumPy MB", "tapegrad MB", "memory ratio"], body)


def main(argv=None):
    parser = argparse.ArgumentParser(description="W3 scaling with batch size and width")
    parser.add_argument("--quick", action="store_true", help="two small sizes per sweep, few repeats")
    args = parser.parse_args(argv)
    render(measure(args.quick))


if __name__ == "__main__":
    main()
