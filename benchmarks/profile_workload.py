"""Profile tapegrad's case of one workload: where its time goes, as shares of the total.

    python benchmarks/profile_workload.py W3            # cProfile: top functions by own time
    python benchmarks/profile_workload.py W3 --sampling # pyinstrument's call tree (if installed)
    python benchmarks/profile_workload.py W3 --phases   # forward / backward / update, unprofiled

cProfile counts every Python call, so it inflates the share of Python overhead relative to the
NumPy kernels (compare with ``--phases``, which times the phases without a profiler, next to
the hand-written NumPy reference's phases). Kernels called from a tapegrad function (np.matmul
inside ``_matmul_forward``) count as that function's own time.
"""
import _harness  # noqa: F401  (pins BLAS threads before NumPy loads)
from _harness import interleaved_medians
import argparse
import cProfile
import pstats
import time


def tapegrad_callable(workload):
    """A zero-argument callable: one repetition of tapegrad's case of ``workload``."""
    if workload == "W2":
        import w2_per_op
        return w2_per_op.tapegrad_step()
    if workload == "W3":
        import w3_mlp_step
        return w3_mlp_step.tapegrad_step()[0]
    if workload == "W4":
        import w4_pruning
        return w4_pruning.tapegrad_case()["all"]
    if workload == "W5":
        import w5_hvp
        return w5_hvp.tapegrad_case()["hvp"]
    raise SystemExit(f"no tapegrad case to profile for {workload} (W2, W3, W4, W5)")


def run_for(fn, seconds):
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        fn()
        n += 1
    return n


def cprofile(fn, seconds, top):
    prof = cProfile.Profile()
    prof.enable()
    n = run_for(fn, seconds)
    prof.disable()
    stats = pstats.Stats(prof)
    total = sum(v[2] for v in stats.stats.values())  # own time of every function
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:top]
    print(f"cProfile, {n} repetitions, {stats.total_calls / n:.0f} calls per repetition; own time per function:")
    for (path, line, name), (_, ncalls, own, cum, _) in rows:
        short = path.split("/tapegrad/")[-1] if "/tapegrad/" in path else path.rsplit("/", 1)[-1]
        print(f"  {own / total:6.1%}  {own / n * 1e6:8.1f} us  {ncalls / n:5.1f} calls  {short}:{line}({name})")


def sampling(fn, seconds):
    try:
        from pyinstrument import Profiler
    except ImportError:
        raise SystemExit("pyinstrument is not installed: pip install pyinstrument") from None
    profiler = Profiler(interval=0.0002)
    profiler.start()
    run_for(fn, seconds)
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False, show_all=False))


def phases():
    """W3's forward, backward and optimizer update timed apart, tapegrad against the NumPy reference."""
    import w3_mlp_step as w3
    import tapegrad as tf
    ws, bs, x, labels = w3.problem()
    mlp = w3.NumpyMLP(ws, bs, x, labels)
    variables = [tf.Variable(p) for pair in zip(ws, bs) for p in pair]
    x, labels = tf.constant(x), tf.constant(labels)
    opt = tf.keras.optimizers.Adam(w3.LR)

    def forward():
        tape = tf.GradientTape()
        with tape:
            h = x
            for i in range(0, len(variables), 2):
                h = h @ variables[i] + variables[i + 1]
                if i < len(variables) - 2:
                    h = tf.nn.relu(h)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=h))
        return tape, loss

    def forward_backward():
        tape, loss = forward()
        return tape.gradient(loss, variables)
    grads = forward_backward()
    t = interleaved_medians({"tapegrad forward": forward, "tapegrad forward+backward": forward_backward,
                             "tapegrad Adam": lambda: opt.apply_gradients(zip(grads, variables)),
                             "numpy forward+backward": mlp.forward_backward, "numpy Adam": mlp.adam},
                            repeats=11, min_time=0.1)
    for name, sec in t.items():
        print(f"  {name:28s} {sec * 1e3:7.3f} ms")
    print(f"  backward: tapegrad {(t['tapegrad forward+backward'] - t['tapegrad forward']) * 1e3:.3f} ms")


def main(argv=None):
    parser = argparse.ArgumentParser(description="profile tapegrad's case of a workload")
    parser.add_argument("workload", choices=["W2", "W3", "W4", "W5"])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--sampling", action="store_true", help="pyinstrument instead of cProfile")
    parser.add_argument("--phases", action="store_true", help="W3 only: time forward/backward/update apart")
    args = parser.parse_args(argv)
    if args.phases:
        return phases()
    fn = tapegrad_callable(args.workload)
    for _ in range(5):
        fn()
    if args.sampling:
        sampling(fn, args.seconds)
    else:
        cprofile(fn, args.seconds, args.top)


if __name__ == "__main__":
    main()
