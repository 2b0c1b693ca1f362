"""Every test docs/reliability.md names as a proof exists (a renamed test breaks this one)."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "reliability.md"


def _references():
    text = DOC.read_text()
    for path, name in re.findall(r"`((?:tests/[\w/]+/)?[\w/]*test_\w+\.py)::(\w+)`", text):
        yield (path if path.startswith("tests/") else "tests/reliability/" + path), name


def test_every_named_test_exists():
    refs = sorted(set(_references()))
    assert len(refs) > 40
    missing = []
    for path, name in refs:
        source = ROOT / path
        if not source.exists() or not re.search(rf"^def {name}\(", source.read_text(), re.M):
            missing.append(f"{path}::{name}")
    assert not missing, f"docs/reliability.md names tests that do not exist: {missing}"
