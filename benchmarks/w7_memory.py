"""W7: peak memory (resident set size) of 100 W3 training steps, each library in a fresh process.

A child process imports the library, builds W3's model, data and optimizer, runs 100 steps and
reports ``resource.getrusage(RUSAGE_SELF).ru_maxrss``: the whole process's high-water mark
(interpreter, libraries, parameters, optimizer state, the tape and its saved arrays, temporaries).
Rows: that peak, and the peak minus the peak right after the imports (what the workload itself
costs, without the libraries' code and import-time allocations). Children are run in interleaved
rounds; medians.

    python benchmarks/w7_memory.py [--quick]
    python benchmarks/w7_memory.py --child tapegrad --steps 100 --batch 128 --dims 784,512,512,10
"""
import _harness  # noqa: F401  (pins BLAS threads before NumPy loads; the children inherit it)
from _harness import JAX, NUMPY, TAPEGRAD, TF_EAGER, TF_FUNCTION, TORCH, cli, max_rss_mb, result
import argparse
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np

STEPS = 100
# column -> (module to import first, or None)
LIBRARIES = {NUMPY: None, TAPEGRAD: "tapegrad", TORCH: "torch", TF_EAGER: "tensorflow",
             TF_FUNCTION: "tensorflow", JAX: "jax"}


def _child(column, steps, dims, batch):
    module = LIBRARIES[column]
    lib = _harness.optional(module) if module else None
    import w3_mlp_step as w3
    after_import = max_rss_mb()
    if column == NUMPY:
        step = w3.numpy_step(dims, batch)[0]
    elif column == TAPEGRAD:
        step = w3.tapegrad_step(dims, batch)[0]
    elif column == TORCH:
        step = w3.torch_step(lib, dims, batch)
    elif column in (TF_EAGER, TF_FUNCTION):
        eager, graph, _ = w3.tensorflow_steps(lib, dims, batch)
        step = eager if column == TF_EAGER else graph
    else:
        step = w3.jax_step(lib, dims, batch)
    for _ in range(steps):
        loss = step()
    print(json.dumps({"after_import": after_import, "peak": max_rss_mb(), "loss": float(loss)}))


def peak_rss(column, steps=STEPS, dims=None, batch=None):
    """{"after_import", "peak"} in MB for ``steps`` W3 steps of ``column`` in a fresh process."""
    import w3_mlp_step as w3
    dims, batch = dims or w3.DIMS, batch or w3.BATCH
    here = os.path.dirname(os.path.abspath(__file__))
    cmd = [sys.executable, os.path.join(here, "w7_memory.py"), "--child", column, "--steps", str(steps),
           "--batch", str(batch), "--dims", ",".join(map(str, dims))]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"W7 child for {column} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(quick=False):
    notes = []
    columns = []
    for column, module in LIBRARIES.items():
        if module is None or importlib.util.find_spec(module) is not None:
            columns.append(column)
        elif f"{module} not installed: skipped" not in notes:
            notes.append(f"{module} not installed: skipped")
    samples = {c: [] for c in columns}
    steps = 10 if quick else STEPS
    for _ in range(1 if quick else 3):
        for column in columns:
            samples[column].append(peak_rss(column, steps=steps))
    peak = {c: float(np.median([s["peak"] for s in samples[c]])) for c in columns}
    used = {c: float(np.median([s["peak"] - s["after_import"] for s in samples[c]])) for c in columns}
    return [result("W7", f"W7 peak RSS, {steps} W3 steps", "MB", peak),
            result("W7used", "W7 peak RSS above the imports", "MB", used)], notes


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--child" in argv:
        parser = argparse.ArgumentParser()
        parser.add_argument("--child", choices=list(LIBRARIES))
        parser.add_argument("--steps", type=int, default=STEPS)
        parser.add_argument("--batch", type=int)
        parser.add_argument("--dims")
        args = parser.parse_args(argv)
        _child(args.child, args.steps, tuple(int(d) for d in args.dims.split(",")), args.batch)
    else:
        cli(measure, "W7: peak RSS of W3 training steps in a fresh process", argv)


if __name__ == "__main__":
    main()
