"""Documentation that is generated from code must be current."""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_op_reference_is_generated_from_the_registry():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_op_docs.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
