"""W1: the time ``import <library>`` takes in a fresh Python process.

Each sample is a new interpreter that times only its import statement (``time.perf_counter``
around ``import X``; the interpreter's own start-up is not counted), so the file-system cache is
warm but nothing is loaded yet. Rounds are interleaved (numpy, tapegrad, torch, tensorflow, jax,
numpy, ...); the heavy peers take part in fewer rounds. ``import tapegrad`` includes NumPy's
import, so the target is a difference: tapegrad's median minus numpy's. The children may write
bytecode (PYTHONDONTWRITEBYTECODE is dropped for them) and a warm-up import of each library
comes first: an installed package has its .pyc files, so the timed imports should too.

    python benchmarks/w1_import.py [--quick]
"""
import _harness  # noqa: F401  (pins BLAS threads before NumPy loads; the children inherit it)
from _harness import JAX, NUMPY, TAPEGRAD, TF_EAGER, TORCH, cli, result
import importlib.util
import os
import subprocess
import sys

import numpy as np

MODULES = {NUMPY: "numpy", TAPEGRAD: "tapegrad", TORCH: "torch", TF_EAGER: "tensorflow", JAX: "jax"}
HEAVY = {TORCH, TF_EAGER, JAX}
_CHILD = "import time; t = time.perf_counter(); import {0}; print(time.perf_counter() - t)"
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def import_seconds(module):
    """Seconds ``import module`` takes in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", _CHILD.format(module)], capture_output=True, text=True,
                          check=True, env=_ENV)
    return float(done.stdout.strip().splitlines()[-1])


def measure(quick=False):
    notes = []
    columns = {}
    for column, module in MODULES.items():
        if column in (NUMPY, TAPEGRAD) or importlib.util.find_spec(module) is not None:
            columns[column] = module
        else:
            notes.append(f"{module} not installed: skipped")
    rounds, heavy_rounds = (3, 1) if quick else (21, 5)
    for module in columns.values():  # warm the file-system cache, write bytecode
        import_seconds(module)
    samples = {c: [] for c in columns}
    for r in range(rounds):
        for column, module in columns.items():
            if column in HEAVY and r >= heavy_rounds:
                continue
            samples[column].append(import_seconds(module))
    medians = {c: float(np.median(s)) * 1e3 for c, s in samples.items()}
    notes.append(f"W1: medians of {rounds} fresh processes"
                 + (f"; under PyTorch / TF eager / JAX: import torch / tensorflow / jax ({heavy_rounds} processes)"
                    if HEAVY & set(columns) else ""))
    return [result("W1", "W1 import", "ms", medians)], notes


def main(argv=None):
    cli(measure, "W1: import time in a fresh process", argv)


if __name__ == "__main__":
    main()
