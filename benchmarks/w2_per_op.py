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


def numpy_step(steps=STEPS):
    """Hand-written forward and backward, the floor: every activation row and temporary
    preallocated, every ufunc writing into its output (positional ``out``: cheaper to parse than
    the keyword at this size, where the call overhead is the whole cost). Returns the step; it
    returns its (reused) gradient buffers."""
    x, a, b = data()
    rows = list(np.empty((steps + 1, x.size), np.float32))
    rows[0][...] = x
    g, t, ga, gb = (np.empty_like(x) for _ in range(4))
    mul, add, sub, tanh = np.multiply, np.add, np.subtract, np.tanh
    forward = list(zip(rows[:-1], rows[1:]))  # (input, output) of each tanh(y * a + b)
    backward = forward[::-1]

    def step():
        for y, out in forward:
            mul(y, a, out)
            add(out, b, out)
            tanh(out, out)
        g.fill(1)
        ga.fill(0)
        gb.fill(0)
        for below, y in backward:
            mul(y, y, t)
            sub(1, t, t)
            mul(g, t, g)      # g *= 1 - tanh^2
            mul(g, below, t)
            add(ga, t, ga)    # ga += g * y_below
            add(gb, g, gb)    # gb += g
            mul(g, a, g)      # g *= a: the gradient of the layer below
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
