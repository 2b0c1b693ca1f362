"""Every op row: forward against NumPy, gradients against float64 central differences.

The table is in ``tests/op_rows/`` (one module per op family).
"""
import importlib
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
