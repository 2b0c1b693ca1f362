"""Record what Keras 3 does with the edge-case arguments of compile/fit/evaluate/predict.

Run with a Python that has TensorFlow and Keras 3 (not the project's venv)::

    /work/tfvenv/bin/python tools/probe_keras_fit_edges.py [--compare]

Runs every call of ``tests/keras/fit_edge_calls.CALLS`` with ``tensorflow.keras`` and writes, per
call, "ok" and the summary of its result, or the class and first line of the exception Keras
raised, to ``tests/data/keras_fit_edges.json``; ``tests/keras/test_fit_edges.py`` replays the table
against tapegrad. ``--compare`` also runs tapegrad and prints where the two differ.
"""
import argparse
import json
import os
import pathlib
import sys
import warnings

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "keras_fit_edges.json"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
sys.path.insert(0, str(ROOT))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", action="store_true", help="print where tapegrad differs")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)

    import tensorflow as tf
    import keras
    from tests.keras import fit_edge_calls as calls

    warnings.simplefilter("ignore")
    tf.get_logger().setLevel("ERROR")
    tf.keras.utils.set_random_seed(0)
    cases = {}
    for name in calls.CALLS:
        got, detail = calls.outcome(tf.keras, name)
        cases[name] = {"outcome": got, "detail": detail}

    lines = ["{",
             f'  "about": {json.dumps("What Keras does with each call of tests/keras/fit_edge_calls.py: ok and a summary of the result, or the exception class and the first line of its message. Written by tools/probe_keras_fit_edges.py; read by tests/keras/test_fit_edges.py.")},',
             f'  "tensorflow": {json.dumps(tf.__version__)},',
             f'  "keras": {json.dumps(keras.__version__)},',
             '  "cases": {']
    for i, name in enumerate(cases):
        comma = "," if i < len(cases) - 1 else ""
        lines.append(f"    {json.dumps(name)}: {json.dumps(cases[name], sort_keys=True)}{comma}")
    lines += ["  }", "}"]
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print(f"{len(cases)} calls; Keras raised in {sum(c['outcome'] != 'ok' for c in cases.values())}; wrote {out}")

    if args.compare:
        from tapegrad import keras as tg_keras
        for name, case in cases.items():
            ours, detail = calls.outcome(tg_keras, name)
            if (ours, detail if ours == "ok" else None) != (case["outcome"], case["detail"] if ours == "ok" else None):
                print(f"{name}: Keras {case['outcome']}: {case['detail']}\n    tapegrad {ours}: {detail}")


if __name__ == "__main__":
    main()
