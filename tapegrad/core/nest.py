"""Flatten and rebuild nested lists, tuples, namedtuples and dicts, as ``tf.nest`` does.

Dicts are flattened in sorted key order, as TensorFlow does, so gradients come back in the
structure the sources were given in.
"""


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def is_nested(structure):
    return isinstance(structure, (list, tuple, dict))


def flatten(structure):
    """Leaves of ``structure`` in TensorFlow's order; a non-nested value is a list of itself.

    >>> flatten({"b": 1, "a": [2, (3,)]})
    [2, 3, 1]
    """
    out = []
    stack = [structure]
    while stack:  # iterative: deep structures do not hit the recursion limit
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item[k] for k in reversed(sorted(item)))
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        else:
            out.append(item)
    return out


def pack_sequence_as(structure, flat):
    """Rebuild ``structure`` with the leaves taken in order from ``flat``."""
    return _build(structure, iter(flat))


def _build(s, leaves):
    # A module-level function, not a closure: a recursive closure is a reference cycle that
    # would keep the gradients it built alive until the garbage collector runs.
    if isinstance(s, dict):
        built = {k: _build(s[k], leaves) for k in sorted(s)}
        return type(s)((k, built[k]) for k in s)
    if _is_namedtuple(s):
        return type(s)(*[_build(x, leaves) for x in s])
    if isinstance(s, (list, tuple)):
        return type(s)(_build(x, leaves) for x in s)
    return next(leaves)


def map_structure(fn, structure):
    return pack_sequence_as(structure, [fn(x) for x in flatten(structure)])
