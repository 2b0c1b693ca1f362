"""Each layer imports only the layers above it (DESIGN.md): core <- ops <- optim <- keras."""
import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "tapegrad"
ORDER = ["core", "ops", "optim", "keras"]


def _layer(module_parts):
    return module_parts[0] if module_parts and module_parts[0] in ORDER else None


def _imports(path):
    """Absolute tapegrad module paths imported by the file at ``path``."""
    rel = path.relative_to(PACKAGE).with_suffix("").parts
    tree = ast.parse(path.read_text(), str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(rel[:-1]) if rel[-1] != "__init__" else list(rel[:-1])
                base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
                target = base + (node.module.split(".") if node.module else [])
                names = [target + [a.name] for a in node.names] if not node.module else [target]
                out.extend(names)
            elif node.module and node.module.split(".")[0] == "tapegrad":
                out.append(node.module.split(".")[1:])
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "tapegrad":
                    out.append(a.name.split(".")[1:])
    return out


FILES = sorted(p for p in PACKAGE.rglob("*.py") if _layer(p.relative_to(PACKAGE).parts))


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(PACKAGE)) for p in FILES])
def test_no_lower_layer_imports_a_higher_one(path):
    own = _layer(path.relative_to(PACKAGE).parts)
    for target in _imports(path):
        layer = _layer(target)
        if layer is None:
            assert not target or target[0] not in ("__init__",), target
            continue
        assert ORDER.index(layer) <= ORDER.index(own), (
            f"{path.relative_to(PACKAGE)} (layer {own}) imports tapegrad.{'.'.join(target)} (layer {layer})")


def test_the_checker_sees_imports():
    assert ["core", "registry"] in _imports(PACKAGE / "ops" / "math_ops.py")
