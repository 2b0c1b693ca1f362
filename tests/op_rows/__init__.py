"""The op test table: one ``Row`` per op and case, grouped by family (one module each).

Adding an op: add its rows to the family's module. ``tests/test_ops.py`` runs every row; a
meta-test fails when a registered op has no row.
"""
import dataclasses
from typing import Any, Callable, Optional, Sequence

import numpy as np


@dataclasses.dataclass
class Row:
    """One op case.

    op:        the registered op name (``tapegrad.core.REGISTRY``) this row covers.
    fn:        tapegrad function of the args (tensors in, tensor or nested tensors out).
    args:      sample inputs (NumPy arrays; float arrays are differentiated, in float64).
    reference: NumPy function of the same args giving the expected forward value (None: skip).
    order:     highest derivative order checked by finite differences (0: not differentiable).
    id:        a short case label (shapes, options) for the test name.
    rtol/atol: forward tolerances; grad_rtol/grad_atol/eps for the gradient check.
    float32:   also run the forward in float32 and check the output dtype stays float32.
    no_grad:   expected: the tape returns None for every float argument (non-differentiable op).
    """
    op: str
    fn: Callable
    args: Sequence[Any]
    reference: Optional[Callable] = None
    order: int = 2
    id: str = ""
    rtol: float = 1e-6
    atol: float = 1e-8
    grad_rtol: float = 1e-5
    grad_atol: float = 1e-6
    eps: float = 1e-6
    float32: bool = True
    no_grad: bool = False

    @property
    def test_id(self):
        return f"{self.op}[{self.id}]" if self.id else self.op


RNG = np.random.default_rng(1234)


def randn(*shape, low=None, high=None):
    """float64 samples: normal, or uniform in [low, high) (a domain, e.g. positive for log)."""
    if low is not None:
        return RNG.uniform(low, high, size=shape)
    return RNG.standard_normal(shape)


def away_from(values, points=(0.0,), margin=0.1):
    """Nudge samples at least ``margin`` away from kinks (finite differences straddle them)."""
    v = np.array(values, dtype=np.float64)
    for p in points:
        close = np.abs(v - p) < margin
        v[close] = p + np.where(v[close] >= p, margin, -margin) * 2
    return v
