"""Shared benchmark plumbing: thread pinning, optional peers, interleaved median timing.

Import this module before NumPy: it pins BLAS to one thread unless BENCH_THREADS is set,
because 2-thread OpenBLAS collapses when another process loads the CPU (ratios measured on a
shared machine would then be noise).
"""
import importlib
import os
import time

_threads = os.environ.get("BENCH_THREADS", "1")
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, _threads)

import numpy as np  # noqa: E402


def optional(name):
    """Import a peer library if installed, else None (the benchmark then skips it with a note)."""
    try:
        return importlib.import_module(name)
    except Exception:  # noqa: BLE001 - any failure to import means "not available"
        return None


def interleaved_medians(candidates, repeats=9, min_time=0.05, warmup=2):
    """Median seconds per call of each candidate, timing them in turn (A B C A B C ...).

    Interleaving makes a load spike hit every candidate alike, so ratios from one run stay
    meaningful on a shared machine. ``candidates``: dict name -> zero-argument callable.
    """
    numbers = {}
    for name, fn in candidates.items():
        for _ in range(warmup):
            fn()
        t0 = time.perf_counter()
        fn()
        one = max(time.perf_counter() - t0, 1e-7)
        numbers[name] = max(1, int(min_time / one))
    samples = {name: [] for name in candidates}
    for _ in range(repeats):
        for name, fn in candidates.items():
            n = numbers[name]
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            samples[name].append((time.perf_counter() - t0) / n)
    return {name: float(np.median(s)) for name, s in samples.items()}


def load_average():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def print_table(title, header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    print(f"\n{title}")
    print("| " + " | ".join(str(h).ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(str(x).ljust(w) for x, w in zip(r, widths)) + " |")
