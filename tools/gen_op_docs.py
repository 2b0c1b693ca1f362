"""Write docs/ops.md, the op reference, from the registry (so it cannot drift from the code).

    python tools/gen_op_docs.py          # rewrite docs/ops.md
    python tools/gen_op_docs.py --check  # exit 1 if docs/ops.md is stale (the test suite runs this)
"""
import inspect
import pathlib
import sys

import tapegrad  # noqa: F401  (registers every op)
from tapegrad.core.registry import API, REGISTRY

OUT = pathlib.Path(__file__).resolve().parent.parent / "docs" / "ops.md"


def _first_line(fn):
    doc = inspect.getdoc(fn) or ""
    return " ".join(doc.split("\n\n")[0].split())


def render():
    by_fn = {}
    for name, fn in sorted(API.items()):
        by_fn.setdefault(id(fn), (fn, []))[1].append(name)
    lines = [
        "# Op reference",
        "",
        "Generated from the op registry by `python tools/gen_op_docs.py`; do not edit by hand.",
        "",
        "## Public functions",
        "",
        "Each row is one function and every name it is exported under (`tapegrad.X`,",
        "`tapegrad.math.X`, ...). Gradient conventions are in the primitive table below.",
        "",
        "| names | what it does |",
        "|---|---|",
    ]
    rows = []
    for fn, names in by_fn.values():
        names = sorted(names, key=lambda n: (n.count("."), n))
        text = _first_line(fn) or (fn.op.notes if hasattr(fn, "op") else "")
        rows.append((names[0], "| " + ", ".join(f"`{n}`" for n in names) + f" | {text.replace('|', '/')} |"))
    lines += [r for _, r in sorted(rows)]
    lines += [
        "",
        "## Primitives",
        "",
        "The registered ops with their own gradient rule (a public function may combine several).",
        "\"none\" means not differentiable: a gradient through it is None, as in TensorFlow.",
        "",
        "| primitive | gradient | convention notes |",
        "|---|---|---|",
    ]
    for name, op in sorted(REGISTRY.items()):
        grad = "none" if op.vjp is None else ("broadcasting" if op.broadcasting else "yes")
        lines.append(f"| `{name}` | {grad} | {op.notes.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def main():
    text = render()
    if "--check" in sys.argv:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"{OUT} is stale: run python tools/gen_op_docs.py")
            return 1
        return 0
    OUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
