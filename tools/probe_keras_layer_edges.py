"""Record how Keras 3 answers bad layer arguments and bad layer calls.

Run with a Python that has TensorFlow + Keras 3 (not the project's venv)::

    /work/tfvenv/bin/python tools/probe_keras_layer_edges.py

Every case of ``tests/keras/layer_edge_cases.CASES`` is run in Keras (``keras.layers``) and the
outcome recorded: "ok" (with the output shape of a call) or the class name of the exception and
the first line of its message. The record goes to ``tests/data/keras_layer_edges.json``, which
``tests/keras/test_layer_edges.py`` replays against tapegrad. The table is shared with that test,
so the two cannot drift.
"""
import json
import os
import pathlib
import sys
import warnings

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "keras_layer_edges.json"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
sys.path.insert(0, str(ROOT))


def main():
    import keras
    import numpy as np
    from tests.keras import layer_edge_cases as cases

    warnings.simplefilter("ignore")
    record = {"keras": keras.__version__, "cases": {}}
    for name in sorted(cases.CASES):
        try:
            out = cases.run(keras, np, name)
        except Exception as e:  # noqa: BLE001 - the class is the record
            text = str(e).strip()
            record["cases"][name] = {"outcome": type(e).__name__, "message": text.splitlines()[0][:300] if text else ""}
        else:
            record["cases"][name] = {"outcome": "ok", "result": out}
    record["summaries"] = {name: cases.summary_text(keras, np, name) for name in sorted(cases.SUMMARIES)}
    OUT.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    print(f"{len(record['cases'])} cases -> {OUT}")


if __name__ == "__main__":
    main()
