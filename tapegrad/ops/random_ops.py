"""Random tensors from one seeded NumPy Generator (``tapegrad.random``).

``set_seed(s)`` makes every later draw reproducible; an op-level ``seed=`` gives that op its
own reproducible stream (derived from the global seed and the op seed), advancing on each call
as TensorFlow's seeded ops do in eager mode. The numbers differ from TensorFlow's: only the
distributions match.
"""
import numpy as np

from ..core import dtypes
from ..core.errors import InvalidArgumentError
from ..core.registry import export
from ..core.tensor import new_tensor
from ._util import normalize_shape, np_dtype, static_int, static_value

_global_seed = None
_generator = None  # made on first use: importing numpy.random costs ~8 ms of `import tapegrad`
_op_generators = {}


@export("random.set_seed")
def set_seed(seed):
    """Reset the global random state: later draws repeat for the same ``seed``."""
    global _global_seed, _generator
    _global_seed = None if seed is None else int(seed)
    _generator = None
    _op_generators.clear()


def generator(seed=None, op_name="random"):
    """The Generator an op with op-level ``seed`` (or None) draws from."""
    global _generator
    if seed is None:
        if _generator is None:
            _generator = np.random.default_rng(None if _global_seed is None else _global_seed % 2**64)
        return _generator
    key = static_int(seed, op_name, "seed")
    gen = _op_generators.get(key)
    if gen is None:
        # (TF seeds are any int64; NumPy's entropy must be non-negative: take them modulo 2**64)
        entropy = [key % 2**64, (_global_seed or 0) % 2**64]
        gen = _op_generators[key] = np.random.default_rng(entropy)
    return gen


def _float_dtype(dtype, op_name):
    d = np_dtype(dtype, np.dtype(np.float32))
    if d.kind != "f":
        # As TF: the float mean cannot become the dtype (TypeError), or the kernel's dtype list
        # leaves a complex dtype out (InvalidArgumentError).
        error = InvalidArgumentError if d.kind == "c" else TypeError
        raise error(f"{op_name}: dtype must be a float dtype (float16, float32, float64), got "
                    f"{dtypes.FROM_NUMPY[d].name}")
    return d


_UNIFORM_DTYPES = frozenset(map(np.dtype, (np.float16, np.float32, np.float64, np.int32, np.int64)))


@export("random.normal")
def normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Samples from a normal distribution."""
    d = _float_dtype(dtype, "random.normal")
    z = generator(seed, "random.normal").standard_normal(normalize_shape(shape, "random.normal"))
    return new_tensor((z * float(static_value(stddev)) + float(static_value(mean))).astype(d), None)


@export("random.truncated_normal")
def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal samples redrawn until within two standard deviations of the mean."""
    d = _float_dtype(dtype, "random.truncated_normal")
    gen = generator(seed, "random.truncated_normal")
    z = gen.standard_normal(normalize_shape(shape, "random.truncated_normal"))
    bad = np.abs(z) > 2
    while bad.any():
        z[bad] = gen.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2
    return new_tensor((z * float(static_value(stddev)) + float(static_value(mean))).astype(d), None)


@export("random.uniform")
def uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Uniform samples in [minval, maxval) (maxval defaults to 1 for floats; required for ints)."""
    d = np_dtype(dtype, np.dtype(np.float32))
    if d not in _UNIFORM_DTYPES:
        raise ValueError(f"random.uniform: Argument `dtype` got invalid value {dtypes.FROM_NUMPY[d].name}. "
                         f"Accepted dtypes are float16, float32, float64, int32, int64.")
    shape = normalize_shape(shape, "random.uniform")
    lo = static_value(minval)
    hi = static_value(maxval)
    gen = generator(seed, "random.uniform")
    if d.kind in "iu":
        if hi is None:
            raise ValueError("random.uniform: maxval must be specified for an integer dtype")
        return new_tensor(gen.integers(lo, hi, size=shape).astype(d), None)
    hi = 1.0 if hi is None else hi
    return new_tensor((gen.random(shape) * (float(hi) - float(lo)) + float(lo)).astype(d), None)
