"""Documentation that is generated must be current: docs/ops.md (from the op registry) and the
speed numbers of README.md and benchmarks/README.md (from benchmarks/results/latest.json, the
record of the latest full benchmark run) are what tools/regen.py writes."""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_generated_docs_match_what_regen_writes():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "regen.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
