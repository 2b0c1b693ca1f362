"""Shared benchmark plumbing: thread pinning, optional peers, interleaved median timing, the
result format every workload returns and the command line every workload script shares.

Import this module before NumPy: it pins BLAS to one thread unless BENCH_THREADS is set,
because 2-thread OpenBLAS collapses when another process loads the CPU (ratios measured on a
shared machine would then be noise). The peers are pinned alike when ``optional`` imports them:
PyTorch's intra-op pool, TensorFlow's intra/inter-op pools (``tf.config.threading``, set right
after the import, before any op; a failure stops the benchmark instead of letting TensorFlow run
multi-threaded unnoticed) and XLA's CPU client (JAX, through ``XLA_FLAGS``).
"""
import argparse
import importlib
import json
import os
import time

_threads = os.environ.get("BENCH_THREADS", "1")
THREADS = int(_threads)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, _threads)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter
if THREADS == 1:
    # XLA's own flag only: TensorFlow's thread pools are set through tf.config.threading (_pin)
    os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")

import numpy as np  # noqa: E402

# Column names of the one table (run.py), in order. W1 puts `import torch/tensorflow/jax`
# under the PyTorch / TF eager / JAX columns.
NUMPY, TAPEGRAD, TORCH, TF_EAGER, TF_FUNCTION, JAX = (
    "NumPy (hand-written)", "tapegrad", "PyTorch eager", "TF eager", "tf.function", "JAX jit")
COLUMNS = (NUMPY, TAPEGRAD, TORCH, TF_EAGER, TF_FUNCTION, JAX)


class PinningError(RuntimeError):
    """A peer's thread pools could not be set to BENCH_THREADS: its numbers would not be comparable."""


def _pin(name, lib):
    if name == "torch":
        lib.set_num_threads(THREADS)
        got = (lib.get_num_threads(),)
    elif name == "tensorflow":
        threading = lib.config.threading
        try:  # only possible before TensorFlow's runtime starts (before its first op)
            threading.set_intra_op_parallelism_threads(THREADS)
            threading.set_inter_op_parallelism_threads(THREADS)
        except RuntimeError as e:
            raise PinningError(f"TensorFlow's thread pools cannot be set to BENCH_THREADS={THREADS} ({e}): "
                               f"import it through _harness.optional before anything runs a TensorFlow op") from e
        got = (threading.get_intra_op_parallelism_threads(), threading.get_inter_op_parallelism_threads())
    else:
        return
    if set(got) != {THREADS}:
        raise PinningError(f"{name} runs {got} threads, BENCH_THREADS={THREADS}")


def optional(name):
    """Import a peer library if installed (pinned to BENCH_THREADS), else None (the benchmark
    then skips it with a note)."""
    try:
        lib = importlib.import_module(name)
    except Exception:  # noqa: BLE001 - any failure to import means "not available"
        return None
    _pin(name, lib)
    return lib


def peers(wanted, notes):
    """{module name: module} of the installed peers among ``wanted``; a note for each missing."""
    found = {}
    for name in wanted:
        lib = optional(name)
        if lib is None:
            notes.append(f"{name} not installed: skipped")
        else:
            found[name] = lib
    return found


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


def max_rss_mb():
    """This process's peak resident set size so far, in MB.

    Linux: VmHWM from /proc/self/status, the high-water mark of this process's own address
    space. Not ``getrusage(RUSAGE_SELF).ru_maxrss``: Linux carries the parent's high-water mark
    into a child across fork/vfork + exec, so a child started by a large parent would report the
    parent's peak. Elsewhere: ru_maxrss (KiB on Linux, bytes on macOS).
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource
    import sys
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2.0 ** 20 if sys.platform == "darwin" else peak / 1024.0


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


def result(key, label, unit, values):
    """One row of the one table: ``values`` maps a COLUMNS name to a number in ``unit``."""
    return {"key": key, "label": label, "unit": unit, "values": dict(values)}


def print_result_rows(title, rows, notes=(), digits=3):
    """A workload's own table (its script run alone): one line per row, one column per library."""
    cols = [c for c in COLUMNS if any(c in r["values"] for r in rows)]
    body = [[f"{r['label']} ({r['unit']})"] + [_fmt(r["values"].get(c), digits) for c in cols] for r in rows]
    print_table(f"{title} (load {load_average():.2f})", ["workload"] + cols, body)
    for n in notes:
        print("note:", n)


def _fmt(x, digits=3):
    if x is None:
        return "—"
    return f"{x:.{digits}g}" if abs(x) < 10 ** digits else f"{x:.0f}"


def cli(measure, title, argv=None):
    """The command line of every workload script: ``[--quick] [--json PATH]``.

    ``measure(quick) -> (rows, notes)``. Prints the workload's table; ``--json`` also writes the
    rows and notes for run.py (which runs every workload in a fresh process).
    """
    parser = argparse.ArgumentParser(description=title)
    parser.add_argument("--quick", action="store_true", help="few repeats: a smoke run, not numbers to quote")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    args = parser.parse_args(argv)
    rows, notes = measure(quick=args.quick)
    print_result_rows(title, rows, notes)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows, "notes": list(notes), "load": load_average()}, f)
