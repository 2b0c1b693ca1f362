"""Why is a gradient None? The cause, named, for every source that gets None.

A tape notes two things while it records (only on the slow paths where they happen): each
non-differentiable step that consumed a recorded value (argmax, a cast to int, an assignment:
``tape._dead_ends``), and each recorded value that left the library (``numpy()``, ``float()``:
``tape._escapes``). When ``gradient()`` returns None for a source, one forward scan of the tape
finds which recorded values the source reaches, and the first matching cause is reported.
"""
from .variable import Variable


def _label(source):
    if isinstance(source, Variable):
        return f"variable '{source.name}'"
    return f"tensor of shape {tuple(source.shape)}"


def _unwatched_reason(tape, source):
    if source._value.dtype.kind not in "fc":
        return (f"the {_label(source)} has dtype {source.dtype.name}: only float and complex "
                f"tensors have gradients (cast it to a float dtype before the computation)")
    if isinstance(source, Variable):
        if id(source) in tape._watched:
            return None
        if not tape._watch_accessed:
            return (f"the tape was created with watch_accessed_variables=False and never asked to "
                    f"watch the {_label(source)}: call tape.watch({source.name.split(':')[0]})")
        if not source.trainable:
            return (f"the {_label(source)} is not trainable, so the tape does not watch it "
                    f"automatically: call tape.watch(variable) inside the `with` block")
        return (f"the {_label(source)} was never read while the tape was recording (read before "
                f"the `with` block, under stop_recording(), in another thread, or not at all)")
    node = source._node
    if node is None or tape._token not in node.tapes:
        where = "on another tape" if node is not None else "outside any recording"
        return (f"the {_label(source)} is not watched by this tape: it is a constant or was computed "
                f"{where}; call tape.watch(x) before computing with it")
    return None


def _target_reason(tape, targets):
    for t in targets:
        node = getattr(t, "_node", None)
        if isinstance(t, Variable) or (node is not None and tape._token in node.tapes):
            return None
    return ("the target was not recorded by this tape: it was computed before the `with` block, "
            "under stop_recording(), on another tape, in another thread, or only from constants and "
            "unwatched values")


def explain(tape, targets, sources, grads):
    """Reasons for the None entries of ``grads`` (parallel to ``sources``); None where not None."""
    reasons = [None] * len(sources)
    pending = []
    for i, (s, g) in enumerate(zip(sources, grads)):
        if g is not None:
            continue
        reasons[i] = _unwatched_reason(tape, s)
        if reasons[i] is None:
            pending.append(i)
    if pending and tape._nodes is not None:
        _explain_paths(tape, targets, sources, pending, reasons)
    target_reason = _target_reason(tape, targets)
    for i in pending:
        reasons[i] = reasons[i] or target_reason or (
            f"the target does not depend on the {_label(sources[i])}: no recorded operation leads "
            f"from it to the target")
    return reasons


def _explain_paths(tape, targets, sources, pending, reasons):
    """One forward scan: bit i of ``reached[node]`` says that pending source i reaches node."""
    bit_of_var = {id(sources[i]): 1 << k for k, i in enumerate(pending) if isinstance(sources[i], Variable)}
    bit_of_node = {sources[i]._node: 1 << k for k, i in enumerate(pending) if not isinstance(sources[i], Variable)}
    reached = {}
    for node in tape._nodes:
        bits = bit_of_node.get(node, 0)
        if node.var is not None:
            bits |= bit_of_var.get(id(node.var), 0)
        for p in node.parents or ():
            bits |= reached.get(p, 0)
        if bits:
            reached[node] = bits
    target_bits = 0
    for t in targets:
        target_bits |= reached.get(getattr(t, "_node", None), 0)
    for k, i in enumerate(pending):
        bit = 1 << k
        if target_bits & bit:
            reasons[i] = (f"every path from the {_label(sources[i])} to the target goes through a "
                          f"gradient rule that returned None for it (for example a custom_gradient)")
            continue
        dead = [what for what, parents in tape._dead_ends if any(reached.get(p, 0) & bit for p in parents)]
        if dead:
            names = ", ".join(dict.fromkeys(dead))
            reasons[i] = (f"the path from the {_label(sources[i])} to the target goes through "
                          f"non-differentiable operations: {names} (their gradient is None, as in "
                          f"TensorFlow)")
            continue
        left = [(node, how) for node, how in tape._escapes if reached.get(node, 0) & bit]
        if left:
            node, how = left[0]
            made_by = node.op.name if node.op is not None else "a watched tensor"
            reasons[i] = (f"a value computed from the {_label(sources[i])} (the output of {made_by}) "
                          f"left the library through {how}; what was computed from that copy is a "
                          f"constant to the tape. Keep the computation in tapegrad ops")
