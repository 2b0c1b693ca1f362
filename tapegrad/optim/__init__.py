"""``tapegrad.optim``: optimizers as composable, pure gradient transforms (optax-shaped).

A transform is a pair ``init(params) -> state`` and
``update(updates, state, params=None, *, inplace=False) -> (updates, state)``; ``chain`` composes
them and ``apply_updates`` adds the result to the parameters. The Keras-style classes
(``tapegrad.keras.optimizers.SGD``, ``Adam``, ...) are chains of these. See docs/optimizers.md.

>>> import numpy as np
>>> from tapegrad import optim
>>> tx = optim.chain(optim.clip_by_global_norm(1.0), optim.scale_by_adam(),
...                  optim.scale_by_learning_rate(0.1))
>>> params = {"w": np.array([1.0, 2.0], np.float32)}
>>> state = tx.init(params)
>>> updates, state = tx.update({"w": np.array([0.5, -0.5], np.float32)}, state, params)
>>> optim.apply_updates(params, updates)["w"].round(4)
array([0.9, 2.1], dtype=float32)
"""
from ._rows import RowUpdate
from ._workspace import Workspace
from .base import (EmptyState, GradientTransformation, add_to_variable, apply_updates, chain,
                   identity, per_param, set_to_zero)
from .clipping import clip, clip_by_global_norm, clip_by_norm, global_norm
from .adam import ScaleByAdamState, ScaleByNadamState, adam, scale_by_adam, scale_by_nadam
from .transforms import (EmaState, ScaleByAdadeltaState, ScaleByAdagradState, ScaleByRmsState,
                         ScaleByScheduleState, TraceState, add_decayed_weights, ema, scale,
                         scale_by_adadelta, scale_by_adagrad, scale_by_learning_rate, scale_by_rms,
                         trace)
from .wrappers import (AccumulateState, ApplyIfFiniteState, MaskedState, PartitionState, accumulate,
                       apply_if_finite, masked, partition)

__all__ = [
    "GradientTransformation", "EmptyState", "Workspace", "chain", "identity", "set_to_zero",
    "apply_updates", "add_to_variable", "RowUpdate", "per_param",
    "scale", "scale_by_learning_rate", "trace", "scale_by_adam", "scale_by_rms", "scale_by_adagrad",
    "scale_by_adadelta", "scale_by_nadam", "add_decayed_weights", "adam", "ema",
    "clip", "clip_by_norm", "clip_by_global_norm", "global_norm",
    "accumulate", "apply_if_finite", "masked", "partition",
    "ScaleByScheduleState", "TraceState", "ScaleByAdamState", "ScaleByRmsState", "ScaleByAdagradState",
    "ScaleByAdadeltaState", "ScaleByNadamState", "AccumulateState", "ApplyIfFiniteState", "MaskedState",
    "PartitionState", "EmaState",
]
