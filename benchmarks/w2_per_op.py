"""W2: per-op overhead of recording and differentiating (forward + backward per op).

``a, b`` variables of shape (8,); ``y = x``; 100 times ``y = tanh(y * a + b)``; loss sum(y);
gradient w.r.t. [a, b]. Time per step / 300 ops.

    python benchmarks/w2_per_op.py [--quick]
"""
import _harness  # noqa: F401  (pins BLAS threads before NumPy loads)
from _harness import JAX, NUMPY, TAPEGRAD, TF_EAGER, TORCH, cli, interleaved_medians, peers, result
import numpy as np

STEPS, OPS = 100, 300


def data():
    rng = np.random.default_rng(0)
    return (rng.standard_normal(8).astype(np.float32), (rng.standard_normal(8) * 0.5).astype(np.float32),
            (rng.standard_normal(8) * 0.5).astype(np.float32))


def numpy_step():
    x, a, b = data()

    def step():
        ys = [x]
        y = x
        for _ in range(STEPS):
            y = np.tanh(y * a + b)
            ys.append(y)
        g = np.ones_like(y)
        ga = np.zeros_like(a)
        gb = np.zeros_like(b)
        for i in range(STEPS, 0, -1):
            g = g * (1 - ys[i] * ys[i])
            ga += g * ys[i - 1]
            gb += g
            g = g * a
        return ga, gb
    return step


def tape_step(tf, steps=STEPS):
    """The step, written once for tapegrad and TensorFlow (``tf`` is either: the same API)."""
    x, a, b = data()
    x, a, b = tf.constant(x), tf.Variable(a), tf.Variable(b)

    def step():
        with tf.GradientTape() as tape:
            y = x
            for _ in range(steps):
                y = tf.tanh(y * a + b)
            loss = tf.reduce_sum(y)
        return tape.gradient(loss, [a, b])
    return step


def tapegrad_step(steps=STEPS):
    import tapegrad as tf
    return tape_step(tf, steps)


def torch_step(torch):
    x, a, b = (torch.tensor(v) for v in data())
    a.requires_grad_(True)
    b.requires_grad_(True)

    def step():
        y = x
        for _ in range(STEPS):
            y = torch.tanh(y * a + b)
        return torch.autograd.grad(y.sum(), [a, b])
    return step


def jax_step(jax):
    jnp = jax.numpy
    x, a, b = (jnp.asarray(v) for v in data())

    def loss(a, b):
        y = x
        for _ in range(STEPS):
            y = jnp.tanh(y * a + b)
        return y.sum()
    grad = jax.jit(jax.grad(loss, argnums=(0, 1)))

    def step():
        ga, gb = grad(a, b)
        return ga.block_until_ready(), gb.block_until_ready()
    return step


def measure(quick=False):
    notes = []
    candidates = {NUMPY: numpy_step(), TAPEGRAD: tapegrad_step()}
    makers = {"torch": (TORCH, torch_step), "tensorflow": (TF_EAGER, tape_step), "jax": (JAX, jax_step)}
    for module, lib in peers(makers, notes).items():
        column, make = makers[module]
        candidates[column] = make(lib)
    t = interleaved_medians(candidates, repeats=3 if quick else 9)
    return [result("W2", "W2 per recorded op, fwd+bwd", "us", {k: sec / OPS * 1e6 for k, sec in t.items()})], notes


def main(argv=None):
    cli(measure, "W2: per recorded op, forward + backward", argv)


if __name__ == "__main__":
    main()
