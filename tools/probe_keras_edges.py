"""Record what Keras 3 does with bad and edge inputs on its surface.

Run with a Python that has TensorFlow and Keras 3 (not the project's venv)::

    CUDA_VISIBLE_DEVICES= TF_CPP_MIN_LOG_LEVEL=3 /work/tfvenv/bin/python tools/probe_keras_edges.py [--compare]

The cases (layer constructors with bad sizes/axes/names, layer calls with wrong ranks, None, empty
batches, ints, lists and dicts, merge layers on one tensor, losses and metrics on mismatched
shapes, ``compile``/``fit``/``evaluate``/``predict`` arguments, ``to_categorical``, the ``get``
functions) are data in tests/reliability/keras_cases.py, shared with
tests/reliability/test_fuzz_keras.py, which replays each on tapegrad. For every case this records
Keras's outcome: the result's shape/dtype (and value where it is deterministic), or the class of
the exception Keras raised with the first line of its message. The record is
``tests/data/keras_edges.json``.

``--compare`` also runs each case in tapegrad and prints a line per difference.
"""
import argparse
import json
import os
import pathlib
import sys
import warnings

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "keras_edges.json"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
if os.environ.get("PYTHONHASHSEED") != "0":
    # Keras prints sets in some messages: a fixed hash seed keeps the record the same run to run.
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)
sys.path.insert(0, str(ROOT))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", action="store_true", help="print where tapegrad differs")
    parser.add_argument("--only", default="", help="run only the cases whose name contains this text")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)

    import keras
    import tensorflow as tf
    from tests.reliability import keras_cases as kc

    warnings.simplefilter("ignore")
    tf.get_logger().setLevel("ERROR")
    record = {}
    for name, case in kc.CASES.items():
        if args.only not in name:
            continue
        keras.utils.set_random_seed(0)
        record[name] = kc.outcome(keras, case)
        if args.compare:
            from tapegrad import keras as tk
            tk.utils.set_random_seed(0)
            ours = kc.outcome(tk, case)
            if ("ok" in ours) != ("ok" in record[name]) or ours.get("error") != record[name].get("error"):
                print(f"{name}\n  keras:    {record[name]}\n  tapegrad: {ours}")
    if args.only:
        for name, rec in record.items():
            print(name, rec)
        return
    data = {
        "about": "Keras 3's outcome for each case of tests/reliability/keras_cases.py: {'ok': description "
                 "of the result} or {'error': class, 'builtin': whether a built-in class, 'mro': its built-in "
                 "bases, 'message': first line}. Written by tools/probe_keras_edges.py; read by "
                 "tests/reliability/test_fuzz_keras.py.",
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
    }
    # One line per case: small diffs when a case changes.
    lines = ["{"] + [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in data.items()] + ['  "cases": {']
    items = sorted(record.items())
    lines += [f"    {json.dumps(k)}: {json.dumps(v, sort_keys=True)}" + ("," if i < len(items) - 1 else "")
              for i, (k, v) in enumerate(items)]
    lines += ["  }", "}"]
    pathlib.Path(args.out).write_text("\n".join(lines) + "\n")
    counts = {}
    for rec in record.values():
        counts["ok" if "ok" in rec else rec["error"]] = counts.get("ok" if "ok" in rec else rec["error"], 0) + 1
    print(f"{len(record)} cases -> {args.out}: {dict(sorted(counts.items()))}")


if __name__ == "__main__":
    main()
