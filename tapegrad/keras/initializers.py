"""Initializers (``keras.initializers``): Keras 3's formulas, tapegrad's random numbers.

Each is a callable ``init(shape, dtype=None)`` returning a NumPy array. The distributions and
limits are Keras 3's (``glorot_uniform``: uniform in ``[-l, l]``, ``l = sqrt(6 / (fan_in +
fan_out))``); the random numbers are NumPy's, not TensorFlow's, so a model initialised here has
different (equally distributed) weights than the same model in TensorFlow. To get identical
numbers, assign the weights (``set_weights`` / ``variable.assign``).

Seeding, as in Keras 3: an initializer object always gives the same values for the same
shape. With ``seed=None`` it takes its seed from tapegrad's global random stream when it is
created (``tapegrad.random.set_seed`` or ``keras.utils.set_random_seed`` make that
reproducible), so two layers get different weights.

>>> from tapegrad import keras
>>> init = keras.initializers.GlorotUniform(seed=1)
>>> a = init((3, 2)); b = init((3, 2))
>>> bool((a == b).all()), bool(abs(a).max() <= (6 / 5) ** 0.5)
(True, True)
"""
import math

import numpy as np

from ..core.dtypes import int64
from ..core.tensor import Tensor
from ..ops.random_ops import uniform

from . import backend
from .arguments import number
from .serialization import deserialize_keras_object, serialize_keras_object


def _np_dtype(dtype):
    return np.dtype(backend.standardize_dtype(dtype))


def _rng(seed):
    return np.random.default_rng(int(seed))


def make_default_seed():
    """A seed drawn from tapegrad's global random stream (Keras draws one from Python's)."""
    return int(uniform([], 1, 10**9, dtype=int64).numpy())


def compute_fans(shape):
    """(fan_in, fan_out) of a weight shape, as Keras: conv kernels count the receptive field."""
    shape = tuple(shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: ``__call__(shape, dtype=None)``, ``get_config``, ``from_config``."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"Initializer {type(self).__name__} does not implement __call__()")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def clone(self):
        return type(self).from_config(self.get_config())

    def __repr__(self):
        return f"<{type(self).__name__}({self.get_config()})>"


class Zeros(Initializer):
    def __call__(self, shape, dtype=None):
        return np.zeros(shape, _np_dtype(dtype))


class Ones(Initializer):
    def __call__(self, shape, dtype=None):
        return np.ones(shape, _np_dtype(dtype))


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.full(shape, np.asarray(self.value), _np_dtype(dtype))

    def get_config(self):
        return {"value": serialize_keras_object(np.asarray(self.value).tolist())}


class Identity(Initializer):
    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity matrix initializer can only be used for 2D matrices. Received: shape={shape}")
        return (self.gain * np.eye(*shape)).astype(_np_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain}


class RandomInitializer(Initializer):
    def __init__(self, seed=None):
        if seed is not None and not isinstance(seed, int):
            raise ValueError(f"`seed` must be an int or None. Received: seed={seed!r}")
        self._init_seed = seed
        self.seed = make_default_seed() if seed is None else seed

    def get_config(self):
        return {"seed": self._init_seed}


class RandomNormal(RandomInitializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        # TypeError for a non-number, as Keras (TensorFlow cannot convert it to a float tensor).
        self.mean = number(self, "mean", mean, error=TypeError)
        self.stddev = number(self, "stddev", stddev, error=TypeError)
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        z = _rng(self.seed).standard_normal(shape)
        return (z * self.stddev + self.mean).astype(_np_dtype(dtype))

    def get_config(self):
        return {"seed": self._init_seed, "mean": self.mean, "stddev": self.stddev}


def _truncated(rng, shape):
    """Standard normal samples redrawn until within two standard deviations (as TF)."""
    z = rng.standard_normal(shape)
    bad = np.abs(z) > 2
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2
    return z


class TruncatedNormal(RandomNormal):
    def __call__(self, shape, dtype=None):
        return (_truncated(_rng(self.seed), shape) * self.stddev + self.mean).astype(_np_dtype(dtype))


class RandomUniform(RandomInitializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = number(self, "minval", minval, error=TypeError)
        self.maxval = number(self, "maxval", maxval, error=TypeError)
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        u = _rng(self.seed).random(shape)
        return (u * (self.maxval - self.minval) + self.minval).astype(_np_dtype(dtype))

    def get_config(self):
        return {"seed": self._init_seed, "minval": self.minval, "maxval": self.maxval}


class VarianceScaling(RandomInitializer):
    """Keras 3's VarianceScaling: the scale divided by a fan, then truncated/untruncated normal or uniform."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        scale = number(self, "scale", scale, positive=True)
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode!r}. Expected fan_in, fan_out or fan_avg")
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError(f"Invalid `distribution` argument: {distribution!r}")
        self.scale, self.mode, self.distribution = scale, mode, distribution
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape)
        scale = self.scale
        if self.mode == "fan_in":
            scale /= max(1.0, fan_in)
        elif self.mode == "fan_out":
            scale /= max(1.0, fan_out)
        else:
            scale /= max(1.0, (fan_in + fan_out) / 2.0)
        rng = _rng(self.seed)
        if self.distribution == "truncated_normal":
            # 0.879...: the stddev of a standard normal truncated to [-2, 2].
            z = _truncated(rng, shape) * (math.sqrt(scale) / 0.87962566103423978)
        elif self.distribution == "untruncated_normal":
            z = rng.standard_normal(shape) * math.sqrt(scale)
        else:
            limit = math.sqrt(3.0 * scale)
            z = rng.random(shape) * (2 * limit) - limit
        return np.asarray(z).astype(_np_dtype(dtype))

    def get_config(self):
        return {"seed": self._init_seed, "scale": self.scale, "mode": self.mode, "distribution": self.distribution}


def _variance_scaling(name, scale, mode, distribution):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale=scale, mode=mode, distribution=distribution, seed=seed)

    def get_config(self):
        return {"seed": self._init_seed}
    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                           "__doc__": f"VarianceScaling(scale={scale}, mode={mode!r}, "
                                                      f"distribution={distribution!r})."})


GlorotUniform = _variance_scaling("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _variance_scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeNormal = _variance_scaling("HeNormal", 2.0, "fan_in", "truncated_normal")
HeUniform = _variance_scaling("HeUniform", 2.0, "fan_in", "uniform")
LecunNormal = _variance_scaling("LecunNormal", 1.0, "fan_in", "truncated_normal")
LecunUniform = _variance_scaling("LecunUniform", 1.0, "fan_in", "uniform")
for _cls in (GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal, LecunUniform):
    _cls.__module__ = __name__


class Orthogonal(RandomInitializer):
    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        if len(shape) < 2:
            raise ValueError(f"The tensor to initialize must be at least two-dimensional. Received: shape={shape}")
        rows = int(np.prod(shape[:-1]))
        cols = shape[-1]
        flat = _rng(self.seed).standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(flat)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q[:rows, :cols].reshape(shape)).astype(_np_dtype(dtype))

    def get_config(self):
        return {"seed": self._init_seed, "gain": self.gain}


ALL_OBJECTS = (Initializer, Zeros, Ones, Constant, Identity, RandomNormal, TruncatedNormal, RandomUniform,
               VarianceScaling, GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal, LecunUniform,
               Orthogonal)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({backend.to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update({"normal": RandomNormal, "uniform": RandomUniform, "one": Ones, "zero": Zeros})

# Function-style aliases, as ``keras.initializers.glorot_uniform``.
zeros, ones, constant, identity = Zeros, Ones, Constant, Identity
random_normal, truncated_normal, random_uniform = RandomNormal, TruncatedNormal, RandomUniform
glorot_uniform, glorot_normal, he_normal, he_uniform = GlorotUniform, GlorotNormal, HeNormal, HeUniform
lecun_normal, lecun_uniform, orthogonal, variance_scaling = LecunNormal, LecunUniform, Orthogonal, VarianceScaling


def serialize(initializer):
    return serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    return deserialize_keras_object(config, ALL_OBJECTS_DICT, custom_objects, "initializer")


def get(identifier):
    """An initializer from a name (``"glorot_uniform"``), a config dict, a class, a callable or an array."""
    if identifier is None:
        return None
    if isinstance(identifier, (dict, str)):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if isinstance(identifier, (np.ndarray, np.generic, Tensor)):
        value = np.asarray(identifier)

        def initialize_fn(shape, dtype=None):
            if tuple(shape) != value.shape:
                raise ValueError(f"The initializer's value has shape {value.shape}, but shape {tuple(shape)} "
                                 f"was requested")
            return value.astype(_np_dtype(dtype) if dtype else value.dtype)
        return initialize_fn
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")
