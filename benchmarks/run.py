"""Run every workload (W1-W7) and print one table: medians per library, ratios against the
hand-written NumPy reference measured in the same run, and issue 6's target next to tapegrad.

    python benchmarks/run.py            # the whole suite, a few minutes on 2 cores
    python benchmarks/run.py --quick    # a smoke run: few repeats, numbers not to quote
    python benchmarks/run.py --only W3,W5
    BENCH_THREADS=2 python benchmarks/run.py   # BLAS / peers' pools at 2 threads (default 1)

Each workload runs in a fresh process (``<script> --json``), so no library's threads, caches or
allocator state leak into another workload; inside a workload, the libraries are timed in
interleaved rounds after warm-up. Peers (PyTorch, TensorFlow, JAX) that are not installed are
skipped with a note. W6 is benchmarks/w6_sparse_embedding.py when present; SC is
benchmarks/selective_compute.py.

A full run (neither --quick nor --only) is recorded: benchmarks/results/latest.json (every row,
the per-process values, the load averages, the machine and the libraries' versions), and then
``tools/regen.py`` rewrites the generated parts of benchmarks/README.md and README.md from it,
so the published numbers are the measured ones. ``--no-record`` runs without recording.
"""
import _harness  # noqa: F401  (the children inherit the thread pinning)
from _harness import COLUMNS, NUMPY, TAPEGRAD, THREADS, load_average, print_table
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from importlib import metadata

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RECORD = os.path.join(HERE, "results", "latest.json")
WORKLOADS = {"W1": "w1_import.py", "W2": "w2_per_op.py", "W3": "w3_mlp_step.py", "W4": "w4_pruning.py",
             "W5": "w5_hvp.py", "W6": "w6_sparse_embedding.py", "W7": "w7_memory.py", "SC": "selective_compute.py"}
PEERS = {"torch": ("torch",), "tensorflow": ("tensorflow", "tensorflow-cpu"), "keras": ("keras",),
         "jax": ("jax",), "optax": ("optax",)}  # name -> its distributions
# W3 runs tapegrad and the peers in separate fresh processes, each against the NumPy reference
# timed in the same process: with TensorFlow, PyTorch and JAX loaded and interleaved, tapegrad's
# Python-heavy step loses ~2% to their caches and threads (measured: 1.06x instead of 1.044x),
# which says nothing about tapegrad. And the tapegrad process runs three times: a ~5% ratio
# moves by +-2-3% between processes (where the allocator puts the arrays), more than between the
# rounds of one process; the table shows the process whose ratio is the median, a note all three.
PROCESSES = {"W3": 3}
SPLIT_PEERS = {"W3"}
# Rows whose numbers are times or sizes: their cells also show the ratio to the NumPy reference.
# Rows in "ratio" units (W4, W5, W6) are already ratios within one library.
ABSOLUTE_UNITS = {"ms", "us", "MB"}


def _ratio(row):
    v = row["values"]
    return v[TAPEGRAD] / v[NUMPY] if TAPEGRAD in v and NUMPY in v else None


def _tapegrad(row):
    return row["values"].get(TAPEGRAD)


# row key -> (target text, what tapegrad shows, met?)  -- issue 6's targets
TARGETS = {
    "W1": ("<= numpy + 30 ms", lambda r: f"numpy + {_tapegrad(r) - r['values'][NUMPY]:.1f} ms",
           lambda r: _tapegrad(r) - r["values"][NUMPY] <= 30.0),
    "W2": ("<= 5 us and <= 4.5x", lambda r: f"{_tapegrad(r):.2f} us, {_ratio(r):.2f}x",
           lambda r: _tapegrad(r) <= 5.0 and _ratio(r) <= 4.5),
    "W3": ("<= 1.05x", lambda r: f"{_ratio(r):.2f}x", lambda r: _ratio(r) <= 1.05),
    "W4last": ("<= 0.07", lambda r: f"{_tapegrad(r):.3f}", lambda r: _tapegrad(r) <= 0.07),
    "W4first": ("<= 0.55", lambda r: f"{_tapegrad(r):.3f}", lambda r: _tapegrad(r) <= 0.55),
    "W5": ("<= 3x", lambda r: f"{_tapegrad(r):.2f}x", lambda r: _tapegrad(r) <= 3.0),
    "W6sgd": ("<= 1.3", lambda r: f"{_tapegrad(r):.2f}", lambda r: _tapegrad(r) <= 1.3),
    "W6": ("<= 1.3", lambda r: f"{_tapegrad(r):.2f}", lambda r: _tapegrad(r) <= 1.3),
    "W7": ("<= 1.2x", lambda r: f"{_ratio(r):.2f}x", lambda r: _ratio(r) <= 1.2),
    "SChead": ("<= 0.25", lambda r: f"{_tapegrad(r):.3f}", lambda r: _tapegrad(r) <= 0.25),
}


def _number(x, unit):
    if unit == "ratio":
        return f"{x:.3f}" if x < 0.1 else f"{x:.2f}"
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def _cell(row, column):
    x = row["values"].get(column)
    if x is None:
        return "—"
    text = _number(x, row["unit"])
    ref = row["values"].get(NUMPY)
    if row["unit"] in ABSOLUTE_UNITS and ref and column != NUMPY:
        text += f" ({x / ref:.2f}x)"
    return text


def run_script(path, quick, group=None):
    """(rows, notes, load) of one workload script run in a fresh process with --json (``group``:
    the script's BENCH_GROUP, "tapegrad" or "peers")."""
    env = dict(os.environ)
    if group is not None:
        env["BENCH_GROUP"] = group
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "result.json")
        cmd = [sys.executable, path, "--json", out] + (["--quick"] if quick else [])
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE, env=env)
        if done.returncode != 0 or not os.path.exists(out):
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
            return [], [f"{os.path.basename(path)} failed (exit {done.returncode}):\n{tail}"], None, done.stdout
        with open(out) as f:
            data = json.load(f)
    return data["rows"], data.get("notes", []), data.get("load"), done.stdout


def run_median_process(name, path, quick, group=None):
    """``run_script`` in PROCESSES[name] fresh processes; the rows of the one whose ratio (tapegrad
    over the NumPy reference, in the workload's first row) is the median, and a note with all.
    Each row keeps every process's values as ``processes`` (the record publishes their range)."""
    runs = [run_script(path, quick, group) for _ in range(1 if quick else PROCESSES.get(name, 1))]
    scored = [(_ratio(r[0][0]), i) for i, r in enumerate(runs) if r[0] and _ratio(r[0][0]) is not None]
    if len(scored) < 2:
        return runs[0]
    scored.sort()
    rows, notes, load, stdout = runs[scored[len(scored) // 2][1]]
    for row in rows:
        row["processes"] = [dict(r["values"]) for run in runs for r in run[0] if r["key"] == row["key"]]
    spread = ", ".join(f"{ratio:.3f}x" for ratio, _ in sorted(scored, key=lambda x: x[1]))
    notes = notes + [f"{name}: {len(scored)} fresh processes, tapegrad / NumPy = {spread}; the table shows the "
                     f"median one"]
    return rows, notes, load, stdout


def run_split(name, path, quick):
    """tapegrad's processes (median of PROCESSES[name]) and one process for the peers, merged: the
    peers' times are rescaled to the tapegrad process's NumPy time, so every ratio in a row is
    the one measured against the reference in that library's own process."""
    rows, notes, load, stdout = run_median_process(name, path, quick, "tapegrad")
    peer_rows, peer_notes, _, _ = run_script(path, quick, "peers")
    by_key = {r["key"]: r for r in peer_rows}
    for row in rows:
        peer = by_key.get(row["key"])
        if peer is None:
            continue
        base, own = row["values"].get(NUMPY), peer["values"].get(NUMPY)
        for column, value in peer["values"].items():
            if column == NUMPY:
                continue
            row["values"][column] = value * base / own if base and own else value
    peers_timed = sorted({c for r in peer_rows for c in r["values"] if c != NUMPY})
    for x in peer_notes:  # a note both processes give in two versions: keep the peers' (fuller) one
        notes = [n for n in notes if n.split(":")[0] != x.split(":")[0] or n == x] if ":" in x else notes
        if x not in notes:
            notes.append(x)
    if peers_timed:
        notes.append(f"{name}: tapegrad and the peers ({', '.join(peers_timed)}) ran in separate processes, each "
                     f"against the NumPy reference; peers' times are scaled to this row's NumPy time")
    return rows, notes, load, stdout


def _supports_json(path):
    """Whether a workload script speaks this suite's ``--json`` protocol (W6 comes from elsewhere)."""
    with open(path) as f:
        text = f.read()
    return "--json" in text or "cli(" in text


def run_w6(path, quick):
    """W6 is written separately: use its --json rows when it speaks the protocol, else its own output."""
    if _supports_json(path):
        rows, notes, load, stdout = run_script(path, quick)
        if rows:
            return rows, notes, load, None
    cmd = [sys.executable, path] + (["--quick"] if quick else [])
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE)
    if done.returncode != 0 and quick:  # the script may not know --quick
        done = subprocess.run([sys.executable, path], capture_output=True, text=True, cwd=HERE)
    text = done.stdout.strip() or done.stderr.strip()[-2000:]
    return [], [], None, text


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def load_range(loads):
    finite = [x for x in loads if x is not None and np.isfinite(x)]
    return (min(finite), max(finite)) if finite else None


def header_line(loads):
    low_high = load_range(loads)
    load = f"{low_high[0]:.2f}-{low_high[1]:.2f}" if low_high else "n/a"
    return (f"{datetime.datetime.now():%Y-%m-%d %H:%M}, {cpu_name()}, {os.cpu_count()} cores, load {load}, "
            f"BENCH_THREADS={THREADS}, Python {platform.python_version()}, NumPy {np.__version__}")


def versions():
    """Installed versions of the peers in this interpreter (the workloads' children run it too),
    read from the package metadata (importing TensorFlow here would cost seconds and threads)."""
    found = {}
    for name, dists in PEERS.items():
        for dist in dists:
            try:
                found[name] = metadata.version(dist)
                break
            except metadata.PackageNotFoundError:
                found[name] = None
    return found


def record(rows, notes, loads, per_workload, seconds):
    """The machine-readable record of a full run (benchmarks/results/latest.json)."""
    cores = os.cpu_count() or 1
    low_high = load_range(loads)
    return {
        "date": f"{datetime.datetime.now():%Y-%m-%d %H:%M}",
        "machine": {"cpu": cpu_name(), "cores": cores, "python": platform.python_version(),
                    "numpy": np.__version__, "bench_threads": THREADS},
        "versions": versions(),
        # os.getloadavg()'s 1-minute average at the start, after each workload (its own process's
        # reading at its end) and at the end; "loaded": above half the cores at any of them
        "load": {"start": loads[0], "end": loads[-1], "per_workload": per_workload,
                 "min": low_high and low_high[0], "max": low_high and low_high[1],
                 "loaded": bool(low_high and low_high[1] > 0.5 * cores)},
        "seconds": round(seconds),
        "rows": rows,
        "notes": notes,
    }


def table(rows):
    columns = [c for c in COLUMNS if any(c in r["values"] for r in rows)]
    header = ["workload"] + columns + ["tapegrad measured", "target", "met"]
    body = []
    for r in rows:
        target = TARGETS.get(r["key"])
        shown, met = "", ""
        if target and TAPEGRAD in r["values"] and (target[0].startswith("<= numpy") or NUMPY in r["values"]
                                                   or r["unit"] == "ratio"):
            try:
                shown, met = target[1](r), "yes" if target[2](r) else "NO"
            except (KeyError, TypeError, ZeroDivisionError):
                shown, met = "?", "?"
        body.append([f"{r['label']} ({r['unit']})"] + [_cell(r, c) for c in columns]
                    + [shown, target[0] if target else "", met])
    return header, body


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few repeats: a smoke run, numbers not to quote")
    parser.add_argument("--only", help="comma-separated workloads, e.g. W3,W5")
    parser.add_argument("--json", metavar="PATH", help="also write every row as JSON")
    parser.add_argument("--no-record", action="store_true",
                        help="do not write benchmarks/results/latest.json nor regenerate the READMEs")
    args = parser.parse_args(argv)
    wanted = args.only.upper().split(",") if args.only else list(WORKLOADS)
    rows, notes, loads, extra, per_workload = [], [], [load_average()], {}, {}
    started = time.perf_counter()
    if loads[0] > 0.5 * (os.cpu_count() or 1):
        print(f"note: load average {loads[0]:.2f} on {os.cpu_count()} cores: medians will be noisy", file=sys.stderr)
    for name in wanted:
        path = os.path.join(HERE, WORKLOADS[name])
        t0 = time.perf_counter()
        print(f"running {name} ({WORKLOADS[name]}) ...", end=" ", file=sys.stderr, flush=True)
        if name == "W6":
            if not os.path.exists(path):
                notes.append(f"W6: {WORKLOADS[name]} not present: skipped")
                print("not present", file=sys.stderr)
                continue
            r, n, load, text = run_w6(path, args.quick)
            if text:
                extra["W6"] = text
        elif name in SPLIT_PEERS:
            r, n, load, _ = run_split(name, path, args.quick)
        else:
            r, n, load, _ = run_median_process(name, path, args.quick)
        rows += r
        notes += [x for x in n if x not in notes]
        loads.append(load)
        per_workload[name] = load
        print(f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
    loads.append(load_average())
    header, body = table(rows)
    print_table(f"tapegrad benchmarks ({header_line(loads)}; medians; cells: value (x NumPy reference))",
                header, body)
    for title, text in extra.items():
        print(f"\n{title} (its own output):\n{text}")
    for n in notes:
        print("note:", n)
    print(f"\n{len(rows)} rows in {time.perf_counter() - started:.0f} s"
          + ("  (--quick: numbers not to quote)" if args.quick else ""))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"header": header_line(loads), "rows": rows, "notes": notes}, f, indent=1)
    if not (args.quick or args.only or args.no_record):
        data = record(rows, notes, loads, per_workload, time.perf_counter() - started)
        os.makedirs(os.path.dirname(RECORD), exist_ok=True)
        with open(RECORD, "w") as f:
            json.dump(data, f, indent=1)
            f.write("\n")
        if data["load"]["loaded"]:
            print(f"note: the load reached {data['load']['max']:.2f} on {data['machine']['cores']} "
                  f"cores: the record says so; rerun on a quieter machine before quoting it", file=sys.stderr)
        # the published numbers are generated from the record, never typed in
        subprocess.run([sys.executable, os.path.join(ROOT, "tools", "regen.py")], check=True)
    return rows


if __name__ == "__main__":
    main()
