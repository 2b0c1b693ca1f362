"""W4: the cost of a gradient for a subset of variables (pruned backward pass).

16 x Dense(256) ReLU, batch 256, loss mean(square(out)); the forward pass is recorded once
under a persistent tape and only the gradient() call is timed: for all 32 variables, for the
last layer's two, for the first layer's two. Prints the ratios subset/all per library.

    python benchmarks/w4_pruning.py
"""
import _harness  # noqa: F401  (pins BLAS threads before NumPy loads)
from _harness import interleaved_medians, load_average, optional, print_table
import numpy as np

DEPTH, WIDTH, BATCH = 16, 256, 256


def weights():
    rng = np.random.default_rng(0)
    ws = [(rng.standard_normal((WIDTH, WIDTH)) * np.sqrt(2.0 / WIDTH)).astype(np.float32) for _ in range(DEPTH)]
    bs = [np.zeros(WIDTH, np.float32) for _ in range(DEPTH)]
    x = rng.standard_normal((BATCH, WIDTH)).astype(np.float32)
    return ws, bs, x


def numpy_case():
    """Hand-written forward/backward: the floor for a NumPy library."""
    ws, bs, x = weights()
    hs = [x]
    for w, b in zip(ws, bs):
        hs.append(np.maximum(hs[-1] @ w + b, 0))
    out = hs[-1]

    def grads(wanted):
        """Backpropagate only as far as the lowest wanted layer; weight gradients only where wanted."""
        g = 2.0 * out / out.size
        result = []
        for i in range(DEPTH - 1, min(wanted) - 1, -1):
            g = g * (hs[i + 1] > 0)
            if i in wanted:
                result.append((hs[i].T @ g, g.sum(axis=0)))
            if i > min(wanted):
                g = g @ ws[i].T
        return result
    every = set(range(DEPTH))
    return {"all": lambda: grads(every), "last": lambda: grads({DEPTH - 1}), "first": lambda: grads({0})}


def tapegrad_case():
    import tapegrad as tf
    ws, bs, x = weights()
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


def torch_case(torch):
    torch.set_num_threads(1)
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


def tensorflow_case(tf):
    ws, bs, x = weights()
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


def main():
    libraries = {"numpy (hand-written)": numpy_case, "tapegrad": tapegrad_case}
    torch = optional("torch")
    tf = optional("tensorflow")
    notes = []
    if torch:
        libraries["pytorch eager"] = lambda: torch_case(torch)
    else:
        notes.append("pytorch not installed: skipped")
    if tf:
        libraries["tensorflow eager"] = lambda: tensorflow_case(tf)
    else:
        notes.append("tensorflow not installed: skipped")
    rows = []
    for name, make in libraries.items():
        case = make()
        t = interleaved_medians(case, repeats=7)
        rows.append([name, f"{t['all'] * 1e3:.2f}", f"{t['last'] / t['all']:.3f}", f"{t['first'] / t['all']:.3f}"])
    print_table(f"W4: gradient for a subset of 32 variables (16 x Dense(256), batch 256; "
                f"load {load_average():.2f})",
                ["library", "all (ms)", "last layer / all", "first layer / all"], rows)
    for n in notes:
        print("note:", n)


if __name__ == "__main__":
    main()
