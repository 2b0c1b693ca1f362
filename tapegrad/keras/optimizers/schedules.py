"""Learning-rate schedules (``keras.optimizers.schedules``), with Keras 3's formulas.

A schedule is called with the optimizer's step count (``optimizer.iterations``, 0 at the first
step) and returns the rate as a float32 Tensor, computed in the dtype of
``initial_learning_rate`` as Keras does (float32 for a Python float).

>>> from tapegrad import keras
>>> s = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
>>> s(5)
<tapegrad.Tensor: shape=(), dtype=float32, numpy=0.0707106813788414>
"""
import math

import numpy as np

from ...core.tensor import TensorLike, new_tensor, to_array
from .. import serialization


def _value(x, dtype=None):
    """A NumPy value of ``x`` (a number, array, Tensor or Variable), TensorFlow's dtype rules."""
    arr = x._value if isinstance(x, TensorLike) else to_array(x)
    return arr if dtype is None else arr.astype(dtype)


def _out(x, dtype):
    return new_tensor(np.asarray(x, dtype))


def _rate_and_step(initial_learning_rate, step):
    """``(lr, dt, step)``: the initial rate as a NumPy value, its scalar type ``dt`` (the dtype every
    formula computes in, as Keras casts to ``initial_learning_rate``'s dtype) and ``step`` as a
    ``dt`` scalar."""
    lr = _value(initial_learning_rate)
    dt = lr.dtype.type
    return lr, dt, dt(_value(step, lr.dtype))


class LearningRateSchedule:
    """The base class: ``__call__(step)`` returns the rate; ``get_config`` describes it."""

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{self.__class__.__name__}' must override "
                                  f"`__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(f"Learning rate schedule '{self.__class__.__name__}' must override "
                                  f"`get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _check_steps(name, value):
    if value <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


class _StaircaseDecay(LearningRateSchedule):
    """A decay of ``p = step / decay_steps`` (floored with ``staircase``): the subclass's
    ``_decayed(lr, decay_rate, p)`` gives the rate."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _check_steps("decay_steps", decay_steps)

    def __call__(self, step):
        lr, dt, s = _rate_and_step(self.initial_learning_rate, step)
        p = s / dt(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        return _out(self._decayed(lr, dt(self.decay_rate), p), lr.dtype)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_StaircaseDecay):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (floored with staircase)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    @staticmethod
    def _decayed(lr, decay_rate, p):
        return lr * np.power(decay_rate, p)


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` on ``(boundaries[i-1],
    boundaries[i]]``, ``values[-1]`` after the last boundary."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(f"The length of boundaries should be 1 less than the length of values. "
                             f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                             f"values={values} of length {len(values)}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = _value(step)
        # Keras casts the boundaries to the step's dtype (a float boundary truncates for int steps).
        bounds = [_value(b, step.dtype) for b in self.boundaries]
        values = [_value(v) for v in self.values]
        if step <= bounds[0]:
            chosen = values[0]
        elif step > bounds[-1]:
            chosen = values[-1]
        else:
            chosen = next(v for low, high, v in zip(bounds[:-1], bounds[1:], values[1:-1])
                          if low < step <= high)
        return _out(chosen, values[0].dtype)

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """``(initial - end) * (1 - step/decay_steps) ** power + end`` (cycling if ``cycle``)."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        _check_steps("decay_steps", decay_steps)

    def __call__(self, step):
        lr, dt, s = _rate_and_step(self.initial_learning_rate, step)
        end, power = dt(self.end_learning_rate), dt(self.power)
        steps = dt(self.decay_steps)
        if self.cycle:
            steps = steps * (dt(1.0) if s == 0 else np.ceil(s / dt(self.decay_steps)))
        else:
            s = np.minimum(s, steps)
        p = s / steps
        return _out((lr - end) * np.power(dt(1) - p, power) + end, lr.dtype)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class InverseTimeDecay(_StaircaseDecay):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (floored with staircase)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    @staticmethod
    def _decayed(lr, decay_rate, p):
        return lr / (lr.dtype.type(1) + decay_rate * p)


class CosineDecay(LearningRateSchedule):
    """Cosine decay from ``initial_learning_rate`` (or, after a linear warmup of ``warmup_steps``,
    from ``warmup_target``) to ``alpha`` times it over ``decay_steps``."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target
        _check_steps("decay_steps", decay_steps)

    def _decay(self, step, decay_steps, decay_from, dt):
        fraction = step / decay_steps
        cosine = dt(0.5) * (dt(1.0) + np.cos(dt(math.pi) * fraction))
        return decay_from * (dt(1 - self.alpha) * cosine + dt(self.alpha))

    def __call__(self, step):
        lr, dt, s = _rate_and_step(self.initial_learning_rate, step)
        steps = dt(self.decay_steps)
        if self.warmup_target is None:
            return _out(self._decay(np.minimum(s, steps), steps, lr, dt), lr.dtype)
        target, warmup = dt(self.warmup_target), dt(self.warmup_steps)
        s = np.minimum(s, steps + warmup)
        if s < warmup:
            return _out((target - lr) * (s / warmup) + lr, lr.dtype)
        return _out(self._decay(s - warmup, steps, target, dt), lr.dtype)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): periods grow by ``t_mul``, peaks by ``m_mul``."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name
        _check_steps("first_decay_steps", first_decay_steps)

    def __call__(self, step):
        lr, dt, s = _rate_and_step(self.initial_learning_rate, step)
        alpha, t_mul, m_mul = dt(self.alpha), dt(self._t_mul), dt(self._m_mul)
        fraction = s / dt(self.first_decay_steps)
        if t_mul == 1.0:
            restart = np.floor(fraction)
            fraction = fraction - restart
        else:
            restart = np.floor(np.log(dt(1.0) - fraction * (dt(1.0) - t_mul)) / np.log(t_mul))
            done = (dt(1.0) - np.power(t_mul, restart)) / (dt(1.0) - t_mul)
            fraction = (fraction - done) / np.power(t_mul, restart)
        cosine = dt(0.5) * np.power(m_mul, restart) * (dt(1.0) + np.cos(dt(math.pi) * fraction))
        return _out(lr * ((dt(1) - alpha) * cosine + alpha), lr.dtype)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul, "m_mul": self._m_mul,
                "alpha": self.alpha, "name": self.name}


_SCHEDULES = {c.__name__: c for c in (ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
                                      InverseTimeDecay, CosineDecay, CosineDecayRestarts)}


def serialize(learning_rate_schedule):
    """The schedule's config dict (``{"module", "class_name", "config", "registered_name"}``)."""
    return serialization.serialize_keras_object(learning_rate_schedule)


def deserialize(config, custom_objects=None):
    """The schedule a config dict describes."""
    return serialization.deserialize_keras_object(config, module_objects=_SCHEDULES,
                                                  custom_objects=custom_objects,
                                                  printable_module_name="decay")
