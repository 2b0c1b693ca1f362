"""W2: per-op overhead of recording and differentiating (forward + backward per op).

``a, b`` variables of shape (8,); ``y = x``; 100 times ``y = tanh(y * a + b)``; loss sum(y);
gradient w.r.t. [a, b]. Time per step / 300 ops.

    python benchmarks/w2_per_op.py
"""
import _harness  # noqa: F401  (pins BLAS threads before NumPy loads)
from _harness import interleaved_medians, load_average, optional, print_table
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


def tapegrad_step():
    import tapegrad as tf
    x, a, b = data()
    x, a, b = tf.constant(x), tf.Variable(a), tf.Variable(b)

    def step():
        with tf.GradientTape() as tape:
            y = x
            for _ in range(STEPS):
                y = tf.tanh(y * a + b)
            loss = tf.reduce_sum(y)
        return tape.gradient(loss, [a, b])
    return step


def torch_step(torch):
    torch.set_num_threads(1)
    x, a, b = (torch.tensor(v) for v in data())
    a.requires_grad_(True)
    b.requires_grad_(True)

    def step():
        y = x
        for _ in range(STEPS):
            y = torch.tanh(y * a + b)
        return torch.autograd.grad(y.sum(), [a, b])
    return step


def tensorflow_step(tf):
    x, a, b = data()
    x, a, b = tf.constant(x), tf.Variable(a), tf.Variable(b)

    def step():
        with tf.GradientTape() as tape:
            y = x
            for _ in range(STEPS):
                y = tf.tanh(y * a + b)
            loss = tf.reduce_sum(y)
        return tape.gradient(loss, [a, b])
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


def main():
    candidates = {"numpy (hand-written)": numpy_step(), "tapegrad": tapegrad_step()}
    notes = []
    for name, module, make in (("pytorch eager", "torch", torch_step), ("tensorflow eager", "tensorflow", tensorflow_step),
                               ("jax jit", "jax", jax_step)):
        lib = optional(module)
        if lib is None:
            notes.append(f"{module} not installed: skipped")
        else:
            candidates[name] = make(lib)
    t = interleaved_medians(candidates)
    ref = t["numpy (hand-written)"]
    rows = [[name, f"{sec / OPS * 1e6:.2f}", f"{sec / ref:.2f}"] for name, sec in t.items()]
    print_table(f"W2: per recorded op, forward + backward (load {load_average():.2f})",
                ["library", "us per op", "x numpy"], rows)
    for n in notes:
        print("note:", n)


if __name__ == "__main__":
    main()
