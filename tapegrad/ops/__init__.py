"""The op families. Importing this package registers every op and installs the operators."""
from . import (primitives, math_ops, shape_ops, indexing_ops, reduction_ops, linalg_ops, creation_ops,  # noqa: F401
               random_ops, sort_ops, operators, debug_ops, nn_ops, conv_ops, clip_ops, control_flow_ops,
               segment_ops)
