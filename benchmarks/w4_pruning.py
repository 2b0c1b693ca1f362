"""W4: the cost of a gradient for a subset of variables (pruned backward pass).

16 x Dense(256) ReLU, batch 256, loss mean(square(out)); the forward pass is recorded once
under a persistent tape and only the gradient() call is timed: for all 32 variables, for the
last layer's two, for the first layer's two. Prints the ratios subset/all per library.

    python benchmarks/w4_pruning.py [--quick]

JAX is not run: it has no recorded forward pass to differentiate again (a jitted
``grad`` with respect to a subset measures XLA's dead-code elimination, forward included).
"""
import _harness  # noqa: F401  (pins BLAS threads before NumPy loads)
from _harness import NUMPY, TAPEGRAD, TF_EAGER, TORCH, cli, interleaved_medians, peers, result
import numpy as np

DEPTH, WIDTH, BATCH = 16, 256, 256


def weights(depth=DEPTH, width=WIDTH, batch=BATCH):
    rng = np.random.default_rng(0)
    ws = [(rng.standard_normal((width, width)) * np.sqrt(2.0 / width)).astype(np.float32) for _ in range(depth)]
    bs = [np.zeros(width, np.float32) for _ in range(depth)]
    x = rng.standard_normal((batch, width)).astype(np.float32)
    return ws, bs, x


def numpy_case(depth=DEPTH, width=WIDTH, batch=BATCH):
    """Hand-written forward/backward: the floor for a NumPy library. The forward pass (not timed)
    keeps the activations, as a tape does; the backward pass writes into preallocated buffers
    (two ping-pong input-gradient buffers, one ReLU mask, every weight and bias gradient) with
    ``out=``, recomputes the ReLU masks from the saved outputs as the libraries' ReLU gradients
    do, and stops at the lowest wanted layer. Each call returns ``[(dW, db), ...]`` from the top
    wanted layer down, in the reused buffers."""
    ws, bs, x = weights(depth, width, batch)
    hs = [x]
    for w, b in zip(ws, bs):
        hs.append(np.maximum(hs[-1] @ w + b, 0))
    out = hs[-1]
    scale = np.float32(2.0 / out.size)  # d mean(square(out)) / d out = 2 out / size
    gws, gbs = [np.empty_like(w) for w in ws], [np.empty_like(b) for b in bs]
    buffers = [np.empty_like(out), np.empty_like(out)]
    mask = np.empty(out.shape, bool)

    def grads(wanted):
        """Backpropagate only as far as the lowest wanted layer; weight gradients only where wanted."""
        lowest = min(wanted)
        g, spare = buffers
        np.multiply(out, scale, out=g)
        result = []
        for i in range(depth - 1, lowest - 1, -1):
            np.greater(hs[i + 1], 0, out=mask)
            np.multiply(g, mask, out=g)
            if i in wanted:
                np.matmul(hs[i].T, g, out=gws[i])
                np.sum(g, axis=0, out=gbs[i])
                result.append((gws[i], gbs[i]))
            if i > lowest:
                np.matmul(g, ws[i].T, out=spare)
                g, spare = spare, g
        return result
    every, last, first = set(range(depth)), {depth - 1}, {0}
    return {"all": lambda: grads(every), "last": lambda: grads(last), "first": lambda: grads(first)}


def tape_case(tf, **size):
    """The recorded forward and the three gradient calls, written once for tapegrad and
    TensorFlow (``tf`` is either: the same API)."""
    ws, bs, x = weights(**size)
    ws = [tf.Variable(w) for w in ws]
    bs = [tf.Variable(b) for b in bs]
    with tf.GradientTape(persistent=True) as tape:
        h = tf.constant(x)
        for w, b in zip(ws, bs):
            h = tf.nn.relu(h @ w + b)
        loss = tf.reduce_mean(tf.square(h))
    every = [v for pair in zip(ws, bs) for v in pair]
    return {"all": lambda: tape.gradient(loss, every), "last": lambda: tape.gradient(loss, [ws[-1], bs[-1]]),
            "first": lambda: tape.gradient(loss, [ws[0], bs[0]])}


def tapegrad_case(**size):
    import tapegrad as tf
    return tape_case(tf, **size)


def torch_case(torch):
    ws, bs, x = weights()
    ws = [torch.tensor(w, requires_grad=True) for w in ws]
    bs = [torch.tensor(b, requires_grad=True) for b in bs]
    h = torch.tensor(x)
    for w, b in zip(ws, bs):
        h = torch.relu(h @ w + b)
    loss = (h * h).mean()
    every = [v for pair in zip(ws, bs) for v in pair]

    def grad(vs):
        return torch.autograd.grad(loss, vs, retain_graph=True)
    return {"all": lambda: grad(every), "last": lambda: grad([ws[-1], bs[-1]]), "first": lambda: grad([ws[0], bs[0]])}


def measure(quick=False):
    notes = ["JAX: no recorded forward pass to differentiate again (see the module docstring): not run"]
    libraries = {NUMPY: numpy_case, TAPEGRAD: tapegrad_case}
    makers = {"torch": (TORCH, torch_case), "tensorflow": (TF_EAGER, tape_case)}
    for module, lib in peers(makers, notes).items():
        column, make = makers[module]
        libraries[column] = lambda make=make, lib=lib: make(lib)
    # one interleaved run over every library's three gradient calls: the ratios within a library
    # and the times across libraries come from the same minutes
    cases = {name: make() for name, make in libraries.items()}
    flat = {(name, kind): fn for name, case in cases.items() for kind, fn in case.items()}
    t = interleaved_medians(flat, repeats=5 if quick else 15, min_time=0.03 if quick else 0.05)
    every = {name: t[name, "all"] * 1e3 for name in cases}
    last = {name: t[name, "last"] / t[name, "all"] for name in cases}
    first = {name: t[name, "first"] / t[name, "all"] for name in cases}
    return [result("W4all", "W4 gradient of all 32 variables", "ms", every),
            result("W4last", "W4 last layer / all", "ratio", last),
            result("W4first", "W4 first layer / all", "ratio", first)], notes


def main(argv=None):
    cli(measure, f"W4: gradient for a subset of {2 * DEPTH} variables ({DEPTH} x Dense({WIDTH}), batch {BATCH})", argv)


if __name__ == "__main__":
    main()
