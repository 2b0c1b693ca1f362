"""tapegrad.core.nest against TensorFlow 2.21's tf.nest (a record: tools/probe_tf_nest.py), and
the treedef's own contract (inverse of flatten, hashable, equal for equal structures)."""
import json
import pathlib

import pytest

from tapegrad.core import nest
from tests import nest_cases as cases

RECORD = json.loads((pathlib.Path(__file__).resolve().parent.parent / "data" / "tf_nest.json").read_text())


@pytest.mark.parametrize("name", sorted(cases.STRUCTURES))
def test_flatten_and_pack_as_tf_nest(name):
    tree = cases.STRUCTURES[name]()
    want = RECORD["structures"][name]
    flat = nest.flatten(tree)
    assert nest.is_nested(tree) == want["is_nested"]
    assert [cases.describe(x) for x in flat] == want["flatten"]
    packed = nest.pack_sequence_as(tree, cases.replace_leaves(flat))
    assert cases.describe(packed) == want["packed"]


@pytest.mark.parametrize("a, b, outcome", RECORD["pairs"])
def test_assert_same_structure_as_tf_nest(a, b, outcome):
    x, y = cases.STRUCTURES[a](), cases.STRUCTURES[b]()
    if outcome == "ok":
        nest.assert_same_structure(x, y)
    else:
        with pytest.raises({"ValueError": ValueError, "TypeError": TypeError}[outcome]):
            nest.assert_same_structure(x, y)


@pytest.mark.parametrize("name", sorted(cases.STRUCTURES))
def test_treedef_unflatten_inverts_tree_flatten(name):
    tree = cases.STRUCTURES[name]()
    leaves, treedef = nest.tree_flatten(tree)
    assert leaves == nest.flatten(tree)
    assert treedef.num_leaves == len(leaves)
    rebuilt = treedef.unflatten(leaves)
    assert cases.describe(rebuilt) == cases.describe(tree)
    assert treedef.flatten_up_to(rebuilt) == leaves


def test_treedefs_are_hashable_and_equal_for_equal_structures():
    _, a = nest.tree_flatten({"w": [1, 2], "b": cases.Point(3, None)})
    _, b = nest.tree_flatten({"w": [5, 6], "b": cases.Point("x", 7)})
    _, c = nest.tree_flatten({"w": [5, 6, 7], "b": cases.Point("x", 7)})
    _, d = nest.tree_flatten({"w": (5, 6), "b": cases.Point("x", 7)})
    assert a == b and hash(a) == hash(b)
    assert a != c and a != d
    assert {a: 1}[b] == 1  # keys a cache


def test_unflatten_checks_the_number_of_leaves():
    _, treedef = nest.tree_flatten([1, (2, 3)])
    with pytest.raises(ValueError, match="3 leaves, got 2"):
        treedef.unflatten([1, 2])
    with pytest.raises(ValueError, match="3 leaves, but the flat sequence has 4"):
        nest.pack_sequence_as([1, (2, 3)], [1, 2, 3, 4])


def test_unsortable_dict_keys_are_refused_as_tf_nest():
    with pytest.raises(TypeError, match="sortable keys"):
        nest.flatten({1: "a", "b": 2})


def test_leaf_lists_are_the_plain_lists_of_leaves():
    state = (3, [10, 11], {"m": [12, None], "n": 13}, ([14], [[15]]))
    leaves, treedef = nest.tree_flatten(state)
    assert leaves == [3, 10, 11, 12, None, 13, 14, 15]
    assert [leaves[s:s + n] for s, n in treedef.leaf_lists()] == [[10, 11], [12, None], [14], [15]]


def test_paths_index_the_leaves():
    tree = {"b": [1, 2], "a": cases.Point(3, {"k": (4,)})}
    leaves, treedef = nest.tree_flatten(tree)
    paths = treedef.paths()
    assert paths == [("a", 0), ("a", 1, "k", 0), ("b", 0), ("b", 1)]
    for path, leaf in zip(paths, leaves):
        node = tree
        for k in path:
            node = node[k]
        assert node == leaf
