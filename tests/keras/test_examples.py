"""The examples run and print what their docstrings promise."""
import pathlib
import re
import runpy

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"
SEEDS = sorted((EXAMPLES / "seeds").glob("seed*.py"))

PROMISES = {
    "seed00_ex3_layer_subset_adam": "the name filter selects 0 variables",
    "seed01_ex3_nested_higher_order": "Second order gradient: None",
    "seed02_ex3_finetune_last_layer": "first layer unchanged: True",
    "seed03_ex3_scatter_update": "[[-0.01",
    "seed04_ex1_nontrainable_watch": "pitfall, second gradient call: RuntimeError",
    "seed04_ex3_custom_layer": "layer.weights as written: []",
}


@pytest.mark.parametrize("path", SEEDS, ids=[p.stem for p in SEEDS])
def test_seed_example_runs(path, capsys):
    runpy.run_path(str(path), run_name="__main__")
    out = capsys.readouterr().out
    assert out
    if path.stem in PROMISES:
        assert PROMISES[path.stem] in out


def test_every_seed_example_has_a_script():
    assert len(SEEDS) == 15


def test_finetune_digits(capsys):
    pytest.importorskip("sklearn", reason="the example's data ships with scikit-learn (pip install -e '.[examples]')")
    runpy.run_path(str(EXAMPLES / "finetune_digits.py"), run_name="__main__")
    out = capsys.readouterr().out
    accuracies = [float(re.search(r": (\d\.\d+)", line).group(1)) for line in out.splitlines()
                  if line.startswith("test accuracy")]
    assert len(accuracies) == 3
    assert accuracies[1] > 0.8 and accuracies[2] > accuracies[1]
    assert "masked-out entries bit-identical" in out
