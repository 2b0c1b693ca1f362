"""Structures on which tapegrad's nest is checked against TensorFlow's ``tf.nest``.

Shared by the probe (tools/probe_tf_nest.py, run under TensorFlow, writes
tests/data/tf_nest.json) and the test (tests/engine/test_nest.py), so the two cannot drift.
Leaves are ints, strings and None, so that the record is plain JSON.
"""
import collections

Point = collections.namedtuple("Point", "x y")
Other = collections.namedtuple("Other", "x y")  # same fields, another name

STRUCTURES = {
    "int": lambda: 1,
    "none": lambda: None,
    "string": lambda: "ab",
    "set": lambda: {3},  # a leaf for tf.nest
    "empty_list": lambda: [],
    "empty_tuple": lambda: (),
    "empty_dict": lambda: {},
    "flat_list": lambda: [1, 2, 3],
    "list_with_none": lambda: [1, None, 2],
    "tuple": lambda: (1, (2, 3)),
    "nested_lists": lambda: [[1, [2]], [], [[3]]],
    "dict_unsorted": lambda: {"b": 1, "a": 2, "c": [3, 4]},
    "dict_int_keys": lambda: {2: "x", 10: "y", 1: "z"},
    "ordered_dict": lambda: collections.OrderedDict([("b", 1), ("a", 2)]),
    "namedtuple": lambda: Point(1, [2, None]),
    "namedtuple_other": lambda: Other(1, [2, None]),
    "dict_of_namedtuples": lambda: {"p": Point(1, 2), "q": (Point(3, 4),)},
    "none_in_dict": lambda: {"a": None, "b": [None]},
    "mixed": lambda: [{"y": (1, 2), "x": [3]}, Point((4,), {"k": 5}), None],
    "list_of_tuple": lambda: [(1, 2)],
    "tuple_of_list": lambda: ([1, 2],),
    "three_dict": lambda: {"b": 1, "a": 2, "d": 4},
}

# Pairs whose ``assert_same_structure`` outcome is recorded ("ok" or the exception class).
PAIRS = [
    ("flat_list", "flat_list"), ("flat_list", "tuple"), ("tuple", "tuple"), ("int", "none"),
    ("int", "flat_list"), ("list_of_tuple", "tuple_of_list"), ("namedtuple", "namedtuple_other"),
    ("namedtuple", "namedtuple"), ("dict_unsorted", "ordered_dict"), ("dict_unsorted", "three_dict"),
    ("empty_list", "empty_tuple"), ("none", "empty_list"), ("mixed", "mixed"),
    ("none_in_dict", "none_in_dict"), ("dict_int_keys", "dict_unsorted"),
]


def replace_leaves(flat):
    """The leaves ``pack_sequence_as`` puts back: each leaf's position as a string."""
    return [f"#{i}" for i in range(len(flat))]


def describe(tree):
    """A JSON-able picture of a tree: containers by type name, dict keys in their own order."""
    if isinstance(tree, dict):
        return {"type": type(tree).__name__, "items": [[repr(k), describe(v)] for k, v in tree.items()]}
    if isinstance(tree, (list, tuple)):
        return {"type": type(tree).__name__, "items": [describe(x) for x in tree]}
    return tree if tree is None or isinstance(tree, (int, str)) else repr(tree)
