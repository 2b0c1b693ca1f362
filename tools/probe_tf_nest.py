"""Record what TensorFlow's ``tf.nest`` does on the structures of tests/nest_cases.py.

Run with a Python that has TensorFlow (not the project's venv)::

    /work/tfvenv/bin/python tools/probe_tf_nest.py

For each structure: ``is_nested``, ``flatten``, and ``pack_sequence_as`` with the leaves replaced
by their positions; for each pair of tests/nest_cases.PAIRS, ``assert_same_structure``'s outcome
("ok" or the exception class). Written to tests/data/tf_nest.json, which
tests/engine/test_nest.py replays against ``tapegrad.core.nest``.
"""
import json
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "tf_nest.json"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
sys.path.insert(0, str(ROOT))


def main():
    import tensorflow as tf
    from tests import nest_cases as cases

    structures = {}
    for name, make in cases.STRUCTURES.items():
        tree = make()
        flat = tf.nest.flatten(tree)
        packed = tf.nest.pack_sequence_as(tree, cases.replace_leaves(flat))
        structures[name] = {"is_nested": tf.nest.is_nested(tree),
                            "flatten": [cases.describe(x) for x in flat],
                            "packed": cases.describe(packed)}
    pairs = []
    for a, b in cases.PAIRS:
        try:
            tf.nest.assert_same_structure(cases.STRUCTURES[a](), cases.STRUCTURES[b]())
            outcome = "ok"
        except Exception as e:  # noqa: BLE001 - the class is the record
            outcome = type(e).__name__
        pairs.append([a, b, outcome])
    record = {"tensorflow": tf.__version__, "structures": structures, "pairs": pairs}
    OUT.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(structures)} structures, {len(pairs)} pairs")


if __name__ == "__main__":
    main()
