"""The one tree utility: flatten and rebuild nested lists, tuples, namedtuples and dicts, as
``tf.nest`` does.

``tree_flatten(tree) -> (leaves, treedef)`` and ``treedef.unflatten(leaves)`` are the walker;
``flatten``, ``pack_sequence_as``, ``map_structure`` and ``assert_same_structure`` (TF's nest API)
are built on it. TensorFlow 2.21's rules (tests/engine/test_nest.py replays a record of them):

- dicts (and OrderedDicts, dict subclasses) are flattened in sorted key order; a rebuilt dict
  keeps the key order of the structure it is rebuilt from;
- lists, tuples and namedtuples are sequences; everything else (None, strings, sets, arrays,
  Tensors) is a leaf: ``flatten(None) == [None]``.

A treedef is hashable and comparable (two trees of the same shape have equal treedefs), so it can
key a cache. A plain list whose elements are all leaves is one node, so flattening and rebuilding
the per-parameter lists of an optimizer's state costs a slice, not a Python step per leaf.
"""

_SEQUENCES = (list, tuple, dict)


def is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def is_nested(structure):
    return isinstance(structure, _SEQUENCES)


def _sorted_keys(d):
    try:
        return sorted(d)
    except TypeError:
        raise TypeError(f"nest only supports dicts with sortable keys; got the keys {list(d)!r}") from None


def _all_leaves(seq):
    # One C-level pass over the element types, then a check per distinct type (usually one or two).
    return not any(issubclass(t, _SEQUENCES) for t in set(map(type, seq)))


# A node is None (a leaf), an int n (a plain list of n leaves), or a tuple
# (kind, type, keys, children) with kind "seq" (list/tuple), "namedtuple" or "dict"; a dict's
# keys are sorted (the leaf order) and, when its own order differs, followed by that order
# (the order a rebuilt dict has), as ``keys = (sorted_keys, own_order)``.
def _node(x, leaves):
    if type(x) is list and _all_leaves(x):
        leaves.extend(x)
        return len(x)
    if isinstance(x, dict):
        keys = tuple(_sorted_keys(x))
        own = tuple(x)
        return "dict", type(x), (keys, None if own == keys else own), tuple(_node(x[k], leaves) for k in keys)
    if isinstance(x, (list, tuple)):
        return ("namedtuple" if is_namedtuple(x) else "seq"), type(x), None, tuple(_node(c, leaves) for c in x)
    leaves.append(x)
    return None


def _build(node, leaves, pos):
    """The subtree of ``node`` from ``leaves[pos:]``: (subtree, next position). A module-level
    function, not a closure: a recursive closure is a reference cycle that would keep the
    gradients it built alive until the garbage collector runs."""
    if node is None:
        return leaves[pos], pos + 1
    if type(node) is int:
        return list(leaves[pos:pos + node]), pos + node
    kind, cls, keys, children = node
    built = []
    for child in children:  # leaves and lists of leaves inline: this runs at every optimizer step
        if child is None:
            built.append(leaves[pos])
            pos += 1
        elif type(child) is int:
            built.append(list(leaves[pos:pos + child]))
            pos += child
        else:
            value, pos = _build(child, leaves, pos)
            built.append(value)
    if kind == "dict":
        ordered, own = keys
        if own is None:
            return cls(zip(ordered, built)), pos
        by_key = dict(zip(ordered, built))
        return cls((k, by_key[k]) for k in own), pos
    if kind == "namedtuple":
        return cls(*built), pos
    return cls(built), pos


def _flatten_as(node, tree, out):
    if node is None:
        out.append(tree)
    elif type(node) is int:
        out.extend(tree)
    else:
        children = zip(node[3], (tree[k] for k in node[2][0]) if node[0] == "dict" else tree)
        for child, x in children:  # leaves and lists of leaves inline, as in _build
            if child is None:
                out.append(x)
            elif type(child) is int:
                out.extend(x)
            else:
                _flatten_as(child, x, out)
    return out


def _count(node):
    if node is None:
        return 1
    if type(node) is int:
        return node
    return sum(_count(c) for c in node[3])


class TreeDef:
    """The structure of a tree without its leaves: ``unflatten(leaves)`` rebuilds a tree of it.

    >>> leaves, treedef = tree_flatten({"b": [1, 2], "a": (3, None)})
    >>> leaves
    [3, None, 1, 2]
    >>> treedef.unflatten([30, 0, 10, 20])
    {'b': [10, 20], 'a': (30, 0)}
    """

    __slots__ = ("_node", "num_leaves", "_hash")

    def __init__(self, node):
        self._node = node
        self.num_leaves = _count(node)
        self._hash = None

    def unflatten(self, leaves):
        """A tree of this structure with ``leaves`` (in flatten order) as its leaves."""
        if len(leaves) != self.num_leaves:
            raise ValueError(f"unflatten: this structure has {self.num_leaves} leaves, got {len(leaves)}")
        if type(self._node) is int:
            return list(leaves)
        return _build(self._node, leaves, 0)[0]

    def flatten_up_to(self, tree):
        """The leaves of ``tree``, which has this structure (not checked: the fast path for a tree
        known to have it, such as the state an optimizer's transform returns)."""
        return _flatten_as(self._node, tree, [])

    def paths(self):
        """The path of each leaf, in flatten order: a tuple of dict keys and sequence indices
        (a namedtuple's fields by index), ``()`` for a tree that is a leaf."""
        return _paths(self._node, (), [])

    def leaf_lists(self):
        """(start, length) of each plain list of leaves, in flatten order (an optimizer state's
        per-parameter lists)."""
        out = []
        _leaf_lists(self._node, 0, out)
        return out

    def __eq__(self, other):
        return isinstance(other, TreeDef) and self._node == other._node

    def __hash__(self):
        if self._hash is None:
            self._hash = hash(self._node)
        return self._hash

    def __repr__(self):
        return f"TreeDef({_describe(self._node)})"


def _paths(node, prefix, out):
    if node is None:
        out.append(prefix)
    elif type(node) is int:
        out.extend(prefix + (i,) for i in range(node))
    else:
        keys = node[2][0] if node[0] == "dict" else range(len(node[3]))
        for k, child in zip(keys, node[3]):
            _paths(child, prefix + (k,), out)
    return out


def _leaf_lists(node, pos, out):
    if node is None:
        return pos + 1
    if type(node) is int:
        out.append((pos, node))
        return pos + node
    for child in node[3]:
        pos = _leaf_lists(child, pos, out)
    return pos


def _describe(node):
    if node is None:
        return "*"
    if type(node) is int:
        return "[" + ", ".join(["*"] * node) + "]"
    kind, cls, keys, children = node
    inner = [_describe(c) for c in children]
    if kind == "dict":
        return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(keys[0], inner)) + "}"
    if cls is list:
        return "[" + ", ".join(inner) + "]"
    name = "" if cls is tuple else cls.__name__
    return name + "(" + ", ".join(inner) + ("," if cls is tuple and len(inner) == 1 else "") + ")"


_LIST_TREEDEFS = {}


def list_treedef(n):
    """The treedef of a plain list of ``n`` leaves (shared: the common case of a flat list)."""
    treedef = _LIST_TREEDEFS.get(n)
    if treedef is None:
        treedef = _LIST_TREEDEFS[n] = TreeDef(n)
    return treedef


def tree_flatten(tree):
    """``(leaves, treedef)``: the leaves in TensorFlow's order and the structure to rebuild from.

    >>> leaves, treedef = tree_flatten([1.0, (2.0, 3.0)])
    >>> treedef.unflatten([x * 10 for x in leaves])
    [10.0, (20.0, 30.0)]
    """
    if type(tree) is list and _all_leaves(tree):
        return list(tree), list_treedef(len(tree))
    leaves = []
    return leaves, TreeDef(_node(tree, leaves))


def flatten(structure):
    """Leaves of ``structure`` in TensorFlow's order; a non-nested value is a list of itself.

    >>> flatten({"b": 1, "a": [2, (3,)]})
    [2, 3, 1]
    """
    if type(structure) is list and _all_leaves(structure):
        return list(structure)
    leaves = []
    _node(structure, leaves)
    return leaves


def pack_sequence_as(structure, flat):
    """Rebuild ``structure`` with the leaves taken in order from ``flat`` (``tf.nest``'s name)."""
    flat = list(flat)
    _, treedef = tree_flatten(structure)
    if treedef.num_leaves != len(flat):
        raise ValueError(f"pack_sequence_as: the structure has {treedef.num_leaves} leaves, but the flat "
                         f"sequence has {len(flat)}")
    return treedef.unflatten(flat)


def map_structure(fn, structure):
    leaves, treedef = tree_flatten(structure)
    return treedef.unflatten([fn(x) for x in leaves])


def _sequence_type(s):
    """What TF's structure check compares: all dicts alike, namedtuples by name and fields."""
    if isinstance(s, dict):
        return dict
    if is_namedtuple(s):
        return "namedtuple", type(s).__name__, s._fields
    return type(s)


def _mismatch(a, b):
    """None where ``a`` and ``b`` nest alike (``tf.nest.assert_same_structure``), else the
    exception class TF raises and why."""
    if is_nested(a) != is_nested(b):
        seq, leaf = (a, b) if is_nested(a) else (b, a)
        return ValueError, f"{seq!r} is a sequence while {leaf!r} is not"
    if not is_nested(a):
        return None
    if _sequence_type(a) != _sequence_type(b):
        return TypeError, f"they are a {type(a).__name__} and a {type(b).__name__}"
    if isinstance(a, dict):
        if set(a) != set(b):
            return ValueError, f"the dictionaries have the keys {_sorted_keys(a)} and {_sorted_keys(b)}"
        keys = _sorted_keys(a)
        a, b = [a[k] for k in keys], [b[k] for k in keys]
    if len(a) != len(b):
        return ValueError, f"they have {len(a)} and {len(b)} elements"
    return next((m for m in map(_mismatch, a, b) if m is not None), None)


def assert_same_structure(expected, got, op_name="assert_same_structure"):
    """Raise unless ``expected`` and ``got`` nest alike, with ``tf.nest.assert_same_structure``'s
    classes: ValueError (a leaf against a sequence, other lengths or keys), TypeError (other
    kinds of sequence). ``op_name`` starts the message."""
    mismatch = _mismatch(expected, got)
    if mismatch is not None:
        cls, why = mismatch
        raise cls(f"{op_name}: the two structures don't have the same nested structure ({why}).\n"
                  f"First structure: {expected!r}\nSecond structure: {got!r}")
