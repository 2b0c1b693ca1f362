"""Every op row: forward against NumPy, gradients against float64 central differences.

The table is in ``tests/op_rows/`` (one module per op family).
"""
import ast
import collections
import importlib
import pathlib
import pkgutil

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.core import REGISTRY
from tapegrad.testing import check_gradients

from . import op_rows

ROWS = []
for _info in sorted(pkgutil.iter_modules(op_rows.__path__), key=lambda m: m.name):
    ROWS.extend(importlib.import_module(f"{op_rows.__name__}.{_info.name}").ROWS)

# Ops that are exercised through other rows only, with the reason (kept short on purpose).
NO_ROW_NEEDED = {}


def _as_numpy(out):
    if isinstance(out, (list, tuple)):
        return [_as_numpy(o) for o in out]
    return np.asarray(out)


def _assert_close(got, want, rtol, atol):
    if isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            _assert_close(g, w, rtol, atol)
        return
    want = np.asarray(want)
    assert got.shape == want.shape, f"shape {got.shape} != reference {want.shape}"
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


@pytest.mark.parametrize("row", ROWS, ids=[r.test_id for r in ROWS])
def test_forward_matches_numpy(row):
    if row.reference is None:
        pytest.skip("no NumPy reference for this row")
    got = _as_numpy(row.fn(*[tf.constant(a) for a in row.args]))
    _assert_close(got, row.reference(*row.args), row.rtol, row.atol)


@pytest.mark.parametrize("row", [r for r in ROWS if r.float32], ids=[r.test_id for r in ROWS if r.float32])
def test_float32_stays_float32(row):
    args = [a.astype(np.float32) if np.asarray(a).dtype == np.float64 else a for a in row.args]
    out = row.fn(*[tf.constant(a) for a in args])
    for o in out if isinstance(out, (list, tuple)) else [out]:
        if np.asarray(o).dtype.kind == "f":
            assert o.dtype == tf.float32, f"{row.test_id}: float32 inputs gave {o.dtype.name}"


@pytest.mark.parametrize("row", [r for r in ROWS if r.order > 0], ids=[r.test_id for r in ROWS if r.order > 0])
def test_gradient_matches_finite_differences(row):
    check_gradients(row.fn, row.args, order=row.order, eps=row.eps, rtol=row.grad_rtol, atol=row.grad_atol)


@pytest.mark.parametrize("row", [r for r in ROWS if r.no_grad], ids=[r.test_id for r in ROWS if r.no_grad])
def test_non_differentiable_gives_none(row):
    xs = [tf.constant(a) for a in row.args]
    floats = [x for x in xs if x.dtype.is_floating]
    with tf.GradientTape() as tape:
        tape.watch(floats)
        out = row.fn(*xs)
    assert all(g is None for g in tape.gradient(out, floats))


def test_every_registered_op_has_a_row():
    covered = {r.op for r in ROWS}
    unknown = covered - set(REGISTRY)
    assert not unknown, f"rows name ops that are not registered: {sorted(unknown)}"
    missing = set(REGISTRY) - covered - set(NO_ROW_NEEDED) - {"custom_gradient"}
    assert not missing, f"registered ops without a test row: {sorted(missing)}"


# -- how the op families are put together (docs/adding_an_op.md) -------------------------------

OPS_DIR = pathlib.Path(tf.__file__).parent / "ops"
OPS_FILES = sorted(OPS_DIR.glob("*.py"))


def _tree(path):
    return ast.parse(path.read_text(), str(path))


@pytest.mark.parametrize("path", OPS_FILES, ids=[p.name for p in OPS_FILES])
def test_families_share_only_documented_names(path):
    # What families share lives in ops/primitives.py under public names; a private name imported
    # from a sibling family is a helper the two files both depend on without saying so.
    private = [f"from .{node.module} import {a.name}" for node in ast.walk(_tree(path))
               if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
               for a in node.names if a.name.startswith("_")]
    assert not private, f"{path.name} imports private names of sibling modules: {private}"


@pytest.mark.parametrize("path", OPS_FILES, ids=[p.name for p in OPS_FILES])
def test_dtype_kinds_are_given_to_defop(path):
    # ``defop(..., kinds=, refusals=)`` makes the Op complete when it is made; a later
    # ``fn.op.kinds = ...`` recompiles it and hides the op's dtypes far from its definition.
    late = [node.lineno for node in ast.walk(_tree(path)) if isinstance(node, ast.Assign)
            for t in node.targets if isinstance(t, ast.Attribute) and t.attr in ("kinds", "refusals")]
    assert not late, f"{path.name} sets an op's kinds/refusals after defop at lines {late}"


def test_argument_helpers_are_defined_once():
    # How a wrapper reads its arguments (the array behind a tensor, a tensor for a value) is one
    # idea: ops/primitives.py's ``value`` and ``as_tensor``.
    names = collections.Counter(
        node.name.lstrip("_") for path in OPS_FILES for node in _tree(path).body
        if isinstance(node, ast.FunctionDef) and node.name.lstrip("_") in ("value", "as_tensor", "same_dtype"))
    assert names == {"value": 1, "as_tensor": 1, "same_dtype": 1}, names
