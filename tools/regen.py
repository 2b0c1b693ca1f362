"""Regenerate every generated artifact, so that none can drift from what it is generated from:

- docs/ops.md, the op reference, from the op registry (tools/gen_op_docs.py);
- the speed numbers of README.md and the latest-run section of benchmarks/README.md, each
  between ``<!-- regen:NAME -->`` and ``<!-- /regen:NAME -->``, from the record of the latest
  full benchmark run (benchmarks/results/latest.json, written by ``benchmarks/run.py``, which
  runs this script at its end). Nothing between the markers is typed by hand.

    python tools/regen.py          # rewrite them
    python tools/regen.py --check  # exit 1 if any is stale (tests/test_docs.py runs this)
"""
import json
import pathlib
import re
import sys
import textwrap

ROOT = pathlib.Path(__file__).resolve().parent.parent
RECORD = ROOT / "benchmarks" / "results" / "latest.json"
sys.path.insert(0, str(ROOT / "benchmarks"))

import gen_op_docs  # noqa: E402  (tools/ is this script's folder)
import run as bench  # noqa: E402  (benchmarks/run.py: the table and its targets, one place)
from _harness import JAX, NUMPY, TAPEGRAD, TF_EAGER, TF_FUNCTION, TORCH  # noqa: E402


def _names(versions):
    """Column -> the library as the README names it (with the recorded version)."""
    def v(name):
        return f" {versions[name]}" if versions.get(name) else ""
    return {NUMPY: "hand-written NumPy (the floor)", TAPEGRAD: "**tapegrad**", TORCH: f"PyTorch{v('torch')} eager",
            TF_EAGER: f"TensorFlow{v('tensorflow')} eager", TF_FUNCTION: f"TensorFlow{v('tensorflow')} tf.function",
            JAX: f"JAX{v('jax')} jit"}


def _wrap(text):
    """A generated paragraph, wrapped as the hand-written ones are."""
    return textwrap.fill(text, 100, break_long_words=False, break_on_hyphens=False)


def _markdown(header, body):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in body])


def _ratios(row):
    """tapegrad / NumPy in each process that measured this row (one when it ran once)."""
    runs = row.get("processes") or [row["values"]]
    return sorted(p[TAPEGRAD] / p[NUMPY] for p in runs if p.get(TAPEGRAD) and p.get(NUMPY))


def _ratio_text(row):
    """"1.04x", or "1.02-1.06x (3 processes)" when several processes gave a range."""
    ratios = _ratios(row)
    low, high = f"{ratios[0]:.2f}", f"{ratios[-1]:.2f}"
    return f"{low}x" if low == high else f"{low}-{high}x ({len(ratios)} processes)"


def _peer_ratios(row, fmt):
    """"PyTorch eager 1.13x, TF eager 3.30x" for the peers the row has (fmt(value, NumPy value))."""
    ref = row["values"].get(NUMPY)
    return ", ".join(f"{column} {fmt(row['values'][column], ref)}" for column in (TORCH, TF_EAGER, TF_FUNCTION, JAX)
                     if column in row["values"])


def _caption(rec):
    m, load = rec["machine"], rec["load"]
    text = (f"{rec['date']} (the machine's clock), {m['cpu']}, {m['cores']} cores, load {load['min']:.2f}-"
            f"{load['max']:.2f} (`os.getloadavg()`), BENCH_THREADS={m['bench_threads']}, Python {m['python']}, "
            f"NumPy {m['numpy']}")
    if load["loaded"]:
        text += (". **The load exceeded half the cores during this run: other processes shared the CPU, so "
                 "these numbers are noisier than usual**")
    return text


def _targets(rec):
    """'Every target is met' or the targets missed, from run.py's own judgement."""
    header, body = bench.table(rec["rows"])
    judged = [(line[0], line[header.index("tapegrad measured")], line[header.index("target")],
               line[header.index("met")]) for line in body if line[header.index("met")]]
    missed = [f"{label}: {shown}, target {target}" for label, shown, target, met in judged if met != "yes"]
    if not missed:
        return f"Every target ({len(judged)}) is met"
    return f"{len(judged) - len(missed)} of {len(judged)} targets are met; missed: " + "; ".join(missed)


def readme_blocks(rec):
    """README.md's speed numbers; none when the run was made on a loaded machine (its numbers
    measure the neighbours as much as tapegrad: benchmarks/README.md shows them, flagged)."""
    if rec["load"]["loaded"]:
        notice = _wrap(f"(The latest full run, {rec['date']}, was made on a loaded machine: load "
                       f"{rec['load']['min']:.2f}-{rec['load']['max']:.2f} on {rec['machine']['cores']} cores. Its "
                       f"numbers are not quoted here; its table is in [benchmarks/README.md](benchmarks/README.md), "
                       f"flagged. Rerun `python benchmarks/run.py` on a quiet machine to regenerate them.)")
        blocks = dict.fromkeys(("pruning", "sparse", "selective"),
                               "(Not quoted: the latest full run was made on a loaded machine; see Speed below.)")
        blocks["speed"] = notice
        return blocks
    rows = {r["key"]: r for r in rec["rows"]}
    names = _names(rec["versions"])
    tf_name = f"TensorFlow {rec['versions'].get('tensorflow') or ''} / Keras {rec['versions'].get('keras') or ''}"
    blocks = {}

    every, last, first = rows["W4all"]["values"], rows["W4last"]["values"], rows["W4first"]["values"]
    body = []
    for column in every:
        bold = "**{}**" if column == TAPEGRAD else "{}"
        body.append([names[column], f"{every[column]:.3g} ms", bold.format(bench._number(last[column], "ratio")),
                     bold.format(bench._number(first[column], "ratio"))])
    blocks["pruning"] = (_markdown(["library", "full gradient", "last layer / all", "first layer / all"], body)
                         + "\n\n" + _wrap(f"(`benchmarks/run.py`, {_caption(rec)}.)"))

    body = []
    for key, label in (("W6sgd", "SGD"), ("W6", 'Adam, `sparse="lazy"`'), ("W6dense", "Adam, dense (default, exact)")):
        values = rows[key]["values"]
        tf_cell = (bench._number(values[TF_EAGER], "ratio") if TF_EAGER in values
                   else "(none)" if rec["versions"].get("tensorflow") else "(not installed)")
        bold = "**{}**" if key != "W6dense" else "{}"
        body.append([label, bold.format(bench._number(values[TAPEGRAD], "ratio")), tf_cell])
    blocks["sparse"] = _markdown(["optimizer", "tapegrad", tf_name], body)

    whole, head = rows["SCwhole"]["values"], rows["SChead"]["values"]
    tf_whole = f" (TensorFlow: {whole[TF_EAGER]:.2f})" if TF_EAGER in whole else ""
    tf_head = f", {head[TF_EAGER]:.2f} in TensorFlow" if TF_EAGER in head else ""
    blocks["selective"] = _wrap(f"training only the head costs {whole[TAPEGRAD]:.2f} of a full step in tapegrad{tf_whole}; "
                           f"the gradient and update part costs **{head[TAPEGRAD]:.3f}** of the full one in "
                           f"tapegrad{tf_head}.")

    w1, w2, w3, w7 = (rows[k] for k in ("W1", "W2", "W3", "W7"))
    w2_peers = _peer_ratios(w2, lambda x, ref: f"{x:.3g} us")
    w3_peers = _peer_ratios(w3, lambda x, ref: f"{x / ref:.2f}x")
    blocks["speed"] = _wrap(
        f"In short (the latest full run, {rec['date']}, load {rec['load']['min']:.2f}-{rec['load']['max']:.2f} on "
        f"{rec['machine']['cores']} cores): `import tapegrad` adds "
        f"{w1['values'][TAPEGRAD] - w1['values'][NUMPY]:.0f} ms to NumPy's import; a recorded op costs "
        f"{w2['values'][TAPEGRAD]:.3g} us forward and backward" + (f" ({w2_peers})" if w2_peers else "")
        + f"; a 784-512-512-10 MLP training step runs at {_ratio_text(w3)} the hand-written NumPy step"
        + (f" ({w3_peers})" if w3_peers else "")
        + f"; peak memory {_ratio_text(w7)} NumPy's; a training step on a million-row embedding costs "
        f"{rows['W6sgd']['values'][TAPEGRAD]:.2f}x (SGD) and {rows['W6']['values'][TAPEGRAD]:.2f}x (lazy Adam) "
        f"the step on a 10,000-row one. {_targets(rec)}.")
    return blocks


def bench_readme_blocks(rec):
    installed = ", ".join(f"{k} {v}" for k, v in rec["versions"].items() if v) or "no peer"
    header, body = bench.table(rec["rows"])
    notes = "\n".join(f"- {n}" for n in rec["notes"])
    per = ", ".join(f"{k} {v:.2f}" for k, v in rec["load"]["per_workload"].items() if v is not None)
    return {"latest": _wrap(
        f"`python benchmarks/run.py` ({installed} installed), {rec['seconds']} s, {_caption(rec)}. "
        f"Load after each workload: {per}. Cells: median (x the NumPy reference in the same process). "
        f"{_targets(rec)}.") + f"\n\n{_markdown(header, body)}\n\nNotes of that run:\n\n{notes}"}


def replace_blocks(text, blocks, where):
    for name, body in blocks.items():
        start, end = f"<!-- regen:{name} -->\n", f"<!-- /regen:{name} -->"
        pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
        if len(pattern.findall(text)) != 1:
            raise SystemExit(f"{where}: expected one {start.strip()} ... {end} pair")
        text = pattern.sub(lambda m: f"{start}{body}\n{end}", text)
    return text


def artifacts():
    """{path: the text regen would write}."""
    if not RECORD.exists():
        raise SystemExit(f"{RECORD} is missing: run benchmarks/run.py (a full run records it)")
    rec = json.loads(RECORD.read_text())
    out = {gen_op_docs.OUT: gen_op_docs.render()}
    for path, blocks in ((ROOT / "README.md", readme_blocks(rec)),
                         (ROOT / "benchmarks" / "README.md", bench_readme_blocks(rec))):
        out[path] = replace_blocks(path.read_text(), blocks, path)
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    stale = []
    for path, text in artifacts().items():
        if path.read_text() != text:
            stale.append(path)
            if "--check" not in argv:
                path.write_text(text)
    if "--check" in argv and stale:
        print("stale (run python tools/regen.py):", ", ".join(str(p.relative_to(ROOT)) for p in stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
