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


class NumpyHVP:
    """The hand-written floor: the gradient and Pearlmutter's R-operator (forward and backward
    passes of d/dr grad(params + r * vecs) at r = 0) with every activation, mask, gradient,
    R-value and temporary preallocated and every operation writing with ``out=``, as W3's
    ``NumpyMLP`` does. ReLU's second derivative is zero, so the masks pass R-values through
    unchanged. Both methods return ``[dw0, db0, dw1, ...]`` in reused buffers."""

    def __init__(self, ws, bs, x, labels, vecs):
        self.ws, self.bs, self.x, self.labels = ws, bs, x, labels
        self.vws, self.vbs = vecs[0::2], vecs[1::2]
        n, f32 = x.shape[0], np.float32
        self.rows, self.inv_n = np.arange(n), f32(1.0 / n)

        def per_layer(dtype=f32):
            return [np.empty((n, w.shape[1]), dtype) for w in ws]
        self.zs, self.dzs, self.rzs, self.rdzs, self.tmps = (per_layer() for _ in range(5))
        self.masks = per_layer(bool)[:-1]
        self.gws, self.gbs = [np.empty_like(w) for w in ws], [np.empty_like(b) for b in bs]
        self.hws, self.hbs = [np.empty_like(w) for w in ws], [np.empty_like(b) for b in bs]
        self.wtmps = [np.empty_like(w) for w in ws]
        self.rowmax, self.rowsum = np.empty((n, 1), f32), np.empty((n, 1), f32)

    def inputs(self, i):
        """The activation that enters layer i."""
        return self.zs[i - 1] if i > 0 else self.x

    def _forward(self):
        """Activations and masks; the logits become the softmax probabilities (in place) and
        dzs[-1] the loss's gradient with respect to the logits."""
        last = len(self.ws) - 1
        for i, (w, b) in enumerate(zip(self.ws, self.bs)):
            z = self.zs[i]
            np.matmul(self.inputs(i), w, out=z)
            z += b
            if i < last:
                np.greater(z, 0, out=self.masks[i])
                np.maximum(z, 0, out=z)
        p = self.zs[-1]
        np.max(p, axis=1, keepdims=True, out=self.rowmax)
        p -= self.rowmax
        np.exp(p, out=p)
        np.sum(p, axis=1, keepdims=True, out=self.rowsum)
        p /= self.rowsum
        dz = self.dzs[-1]
        np.multiply(p, self.inv_n, out=dz)
        dz[self.rows, self.labels] -= self.inv_n
        return p

    def _backward(self, i):
        """dzs[i - 1] from dzs[i] (through layer i's weights and layer i - 1's ReLU)."""
        below = self.dzs[i - 1]
        np.matmul(self.dzs[i], self.ws[i].T, out=below)
        below *= self.masks[i - 1]

    def gradient(self):
        self._forward()
        for i in range(len(self.ws) - 1, -1, -1):
            np.matmul(self.inputs(i).T, self.dzs[i], out=self.gws[i])
            np.sum(self.dzs[i], axis=0, out=self.gbs[i])
            if i > 0:
                self._backward(i)
        return [g for pair in zip(self.gws, self.gbs) for g in pair]

    def hvp(self):
        p = self._forward()
        last = len(self.ws) - 1
        # R-forward: rzs[i] is the R-value of layer i's output (masked for hidden layers)
        for i in range(last + 1):
            rz = self.rzs[i]
            np.matmul(self.inputs(i), self.vws[i], out=rz)
            rz += self.vbs[i]
            if i > 0:
                np.matmul(self.rzs[i - 1], self.ws[i], out=self.tmps[i])
                rz += self.tmps[i]
            if i < last:
                rz *= self.masks[i]
        # R of the softmax cross-entropy's gradient: p * (R logits - sum(p * R logits)) / n
        rdz, tmp = self.rdzs[-1], self.tmps[-1]
        np.multiply(p, self.rzs[-1], out=tmp)
        np.sum(tmp, axis=1, keepdims=True, out=self.rowsum)
        np.subtract(self.rzs[-1], self.rowsum, out=rdz)
        rdz *= p
        rdz *= self.inv_n
        # R-backward, beside the ordinary backward pass it needs
        for i in range(last, -1, -1):
            hw = self.hws[i]
            np.matmul(self.inputs(i).T, self.rdzs[i], out=hw)
            if i > 0:
                np.matmul(self.rzs[i - 1].T, self.dzs[i], out=self.wtmps[i])
                hw += self.wtmps[i]
            np.sum(self.rdzs[i], axis=0, out=self.hbs[i])
            if i > 0:
                below = self.rdzs[i - 1]
                np.matmul(self.rdzs[i], self.ws[i].T, out=below)
                np.matmul(self.dzs[i], self.vws[i].T, out=self.tmps[i - 1])
                below += self.tmps[i - 1]
                below *= self.masks[i - 1]
                self._backward(i)
        return [h for pair in zip(self.hws, self.hbs) for h in pair]


def numpy_case(dims=DIMS, batch=BATCH):
    ws, bs, x, labels = problem(dims, batch)
    ref = NumpyHVP(ws, bs, x, labels, direction(ws, bs))
    return {"grad": ref.gradient, "hvp": ref.hvp}


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
