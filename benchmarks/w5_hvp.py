"""W5: a Hessian-vector product against a plain gradient, on W3's loss.

784-512-512-10 ReLU MLP, sparse softmax cross-entropy from logits, batch 128, float32. The
HVP is taken with respect to all six variables along a fixed random direction:
reverse-over-reverse by nested tapes in tapegrad, TensorFlow and PyTorch (``create_graph=True``),
forward-over-reverse in JAX (``jvp`` of ``grad``, jitted), and a hand-written NumPy R-operator
(Pearlmutter's forward and backward passes of the directional derivative) as the floor.
Reports both times and the ratio HVP / gradient per library.

    python benchmarks/w5_hvp.py [--quick]
"""
import _harness  # noqa: F401  (pins BLAS threads before NumPy loads)
from _harness import JAX, NUMPY, TAPEGRAD, TF_EAGER, TF_FUNCTION, TORCH, cli, interleaved_medians, peers, result
import numpy as np
from w3_mlp_step import BATCH, DIMS, jax_loss, problem, tape_loss


def direction(ws, bs, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(p.shape).astype(np.float32) for pair in zip(ws, bs) for p in pair]


def _numpy_forward(params, x):
    hs, masks = [x], []
    for i in range(0, len(params), 2):
        z = hs[-1] @ params[i] + params[i + 1]
        if i < len(params) - 2:
            masks.append(z > 0)
            z = np.maximum(z, 0)
        hs.append(z)
    return hs, masks


def _softmax_grad(logits, labels):
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    d = p.copy()
    d[np.arange(len(labels)), labels] -= 1.0
    return p, d / np.float32(len(labels))


def numpy_gradient(params, x, labels):
    hs, masks = _numpy_forward(params, x)
    _, dz = _softmax_grad(hs[-1], labels)
    grads = [None] * len(params)
    for i in range(len(params) // 2 - 1, -1, -1):
        grads[2 * i], grads[2 * i + 1] = hs[i].T @ dz, dz.sum(axis=0)
        if i > 0:
            dz = (dz @ params[2 * i].T) * masks[i - 1]
    return grads


def numpy_hvp(params, vecs, x, labels):
    """Pearlmutter's R-operator: forward and backward passes of d/dr grad(params + r*vecs) at 0.
    ReLU's second derivative is zero, so the masks pass R-values through unchanged."""
    n_layers = len(params) // 2
    hs, masks = _numpy_forward(params, x)
    rhs = [np.zeros_like(x)]
    for i in range(n_layers):
        rz = hs[i] @ vecs[2 * i] + vecs[2 * i + 1]
        if i > 0:
            rz += rhs[i] @ params[2 * i]
        rhs.append(rz * masks[i] if i < n_layers - 1 else rz)
    p, dz = _softmax_grad(hs[-1], labels)
    rlogits = rhs[-1]
    rdz = p * (rlogits - (p * rlogits).sum(axis=1, keepdims=True)) / np.float32(len(labels))
    out = [None] * len(params)
    for i in range(n_layers - 1, -1, -1):
        rgw = hs[i].T @ rdz
        if i > 0:
            rgw += rhs[i].T @ dz
        out[2 * i], out[2 * i + 1] = rgw, rdz.sum(axis=0)
        if i > 0:
            w, v = params[2 * i], vecs[2 * i]
            rdz = (rdz @ w.T + dz @ v.T) * masks[i - 1]
            dz = (dz @ w.T) * masks[i - 1]
    return out


def numpy_case(dims=DIMS, batch=BATCH):
    ws, bs, x, labels = problem(dims, batch)
    params, vecs = [p for pair in zip(ws, bs) for p in pair], direction(ws, bs)
    return {"grad": lambda: numpy_gradient(params, x, labels), "hvp": lambda: numpy_hvp(params, vecs, x, labels)}


def _tape_case(tf, ws, bs, x, labels, vecs):
    """The same code for tapegrad and TensorFlow: nested GradientTapes."""
    ws, bs = [tf.Variable(w) for w in ws], [tf.Variable(b) for b in bs]
    variables = [v for pair in zip(ws, bs) for v in pair]
    x, labels, vecs = tf.constant(x), tf.constant(labels), [tf.constant(v) for v in vecs]

    def loss_fn():
        return tape_loss(tf, ws, bs, x, labels)

    def grad():
        with tf.GradientTape() as tape:
            loss = loss_fn()
        return tape.gradient(loss, variables)

    def hvp():
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                loss = loss_fn()
            grads = inner.gradient(loss, variables)
            dot = tf.add_n([tf.reduce_sum(g * v) for g, v in zip(grads, vecs)])
        return outer.gradient(dot, variables)
    return {"grad": grad, "hvp": hvp}


def tapegrad_case(dims=DIMS, batch=BATCH):
    import tapegrad as tf
    ws, bs, x, labels = problem(dims, batch)
    return _tape_case(tf, ws, bs, x, labels, direction(ws, bs))


def tensorflow_cases(tf, dims=DIMS, batch=BATCH):
    ws, bs, x, labels = problem(dims, batch)
    eager = _tape_case(tf, ws, bs, x, labels, direction(ws, bs))
    return eager, {k: tf.function(f) for k, f in _tape_case(tf, ws, bs, x, labels, direction(ws, bs)).items()}


def torch_case(torch, dims=DIMS, batch=BATCH):
    ws, bs, x, labels = problem(dims, batch)
    vecs = [torch.tensor(v) for v in direction(ws, bs)]
    params = [torch.tensor(p, requires_grad=True) for pair in zip(ws, bs) for p in pair]
    x, labels = torch.tensor(x), torch.tensor(labels, dtype=torch.int64)

    def loss_fn():
        h = x
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i < len(params) - 2:
                h = torch.relu(h)
        return torch.nn.functional.cross_entropy(h, labels)

    def grad():
        return torch.autograd.grad(loss_fn(), params)

    def hvp():
        grads = torch.autograd.grad(loss_fn(), params, create_graph=True)
        dot = sum((g * v).sum() for g, v in zip(grads, vecs))
        return torch.autograd.grad(dot, params)
    return {"grad": grad, "hvp": hvp}


def jax_case(jax, dims=DIMS, batch=BATCH):
    jnp = jax.numpy
    ws, bs, x, labels = problem(dims, batch)
    vecs = [jnp.asarray(v) for v in direction(ws, bs)]
    params = [jnp.asarray(p) for pair in zip(ws, bs) for p in pair]
    loss_fn = jax_loss(jax, jnp.asarray(x), jnp.asarray(labels))
    grad_fn = jax.jit(jax.grad(loss_fn))
    hvp_fn = jax.jit(lambda p, v: jax.jvp(jax.grad(loss_fn), (p,), (v,))[1])
    return {"grad": lambda: jax.block_until_ready(grad_fn(params)),
            "hvp": lambda: jax.block_until_ready(hvp_fn(params, vecs))}


def measure(quick=False):
    notes = []
    cases = {NUMPY: numpy_case(), TAPEGRAD: tapegrad_case()}
    found = peers(["torch", "tensorflow", "jax"], notes)
    if "torch" in found:
        cases[TORCH] = torch_case(found["torch"])
    if "tensorflow" in found:
        cases[TF_EAGER], cases[TF_FUNCTION] = tensorflow_cases(found["tensorflow"])
    if "jax" in found:
        cases[JAX] = jax_case(found["jax"])
    flat = {(lib, kind): fn for lib, case in cases.items() for kind, fn in case.items()}
    t = interleaved_medians(flat, repeats=3 if quick else 15, min_time=0.03 if quick else 0.06)
    return [result("W5grad", "W5 gradient", "ms", {lib: t[lib, "grad"] * 1e3 for lib in cases}),
            result("W5hvp", "W5 Hessian-vector product", "ms", {lib: t[lib, "hvp"] * 1e3 for lib in cases}),
            result("W5", "W5 HVP / gradient", "ratio", {lib: t[lib, "hvp"] / t[lib, "grad"] for lib in cases})], notes


def main(argv=None):
    cli(measure, "W5: Hessian-vector product vs gradient (W3's loss)", argv)


if __name__ == "__main__":
    main()
