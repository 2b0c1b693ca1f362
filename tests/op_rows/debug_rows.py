"""Rows for the debugging ops."""
import numpy as np

import tapegrad as tf
from tapegrad.ops import debug_ops
from . import Row, randn

ROWS = [
    Row("check_numerics", lambda x: tf.debugging.check_numerics(x, "x"), [randn(2, 3)], lambda x: x),
    Row("check_numerics_grad", lambda g: debug_ops._check_numerics_grad(g, message="g"), [randn(3)], lambda g: g),
]
