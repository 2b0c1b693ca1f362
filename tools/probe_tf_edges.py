"""Record TensorFlow 2.21's behaviour at the edges of the core API (issue #16).

Run with a Python that has TensorFlow (not the project's venv)::

    CUDA_VISIBLE_DEVICES= TF_CPP_MIN_LOG_LEVEL=3 /work/tfvenv/bin/python tools/probe_tf_edges.py [--compare]

Each case is a snippet of Python run with ``tf`` bound to TensorFlow; it leaves its answer in
``out``. The record (``tests/data/tf_edges.json``) keeps, per case, the snippet and what it gave:
a tensor's dtype and values, a variable's, a plain Python value, or the class of the exception
raised with the first line of its message. ``tests/test_tf_edges.py`` runs the same snippets with
``tf`` bound to tapegrad and holds it to the record, so the cases live in one place: here.

``--compare`` also runs each snippet in tapegrad and prints where the two differ.
"""
import argparse
import json
import os
import pathlib
import sys
import warnings

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "tf_edges.json"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
sys.path.insert(0, str(ROOT))

X = "x = tf.constant([[1., 2., 3.], [4., 5., 6.]]); n = tf.constant(3); "
V = "v = tf.Variable([1., 2., 3., 4.], name='v'); "
M = "m = tf.Variable([[1., 2.], [3., 4.]], name='m'); "
S = "s = tf.Variable(2.0, name='s'); "
R = "r = tf.Variable([[1., 2.], [3., 4.]], name='r'); "  # a dense matrix for batch_scatter_update
ROWS = "rows = tf.IndexedSlices(tf.constant([10., 20.]), tf.constant([3, 1])); "
MROWS = "mrows = tf.IndexedSlices(tf.constant([[10., 20.]]), tf.constant([1])); "


def _cases():
    cases = {}
    # -- 1. a non-persistent tape used inside its with block ---------------------------------
    tape_prefix = "x = tf.Variable(3.0)\nwith tf.GradientTape() as tape:\n    y = x * x\n    g = tape.gradient(y, x)\n"
    cases["tape/gradient_then_record"] = tape_prefix + "    z = y * 2.0\nout = [g, z]"
    cases["tape/gradient_then_record_then_gradient"] = tape_prefix + "    z = y * 2.0\nout = tape.gradient(z, x)"
    cases["tape/gradient_twice_inside"] = tape_prefix + "    out = tape.gradient(y, x)"
    cases["tape/jacobian_then_record"] = ("x = tf.Variable([3.0, 1.0])\nwith tf.GradientTape() as tape:\n"
                                          "    y = x * x\n    j = tape.jacobian(y, x)\n    z = y + 1.0\nout = [j, z]")
    # -- 2. type handling ---------------------------------------------------------------------
    cases["types/add_mixed_lists"] = "out = tf.add([1, 2.5], [True, 3])"
    cases["types/add_bool_int_lists"] = "out = tf.add([True, False], [1, 2])"
    cases["types/add_int_float_lists"] = "out = tf.add([1, 2], [0.5, 1.5])"
    cases["types/constant_mixed_bool_float"] = "out = tf.constant([True, 2.5])"
    for dt in ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64"):
        for v in ("-1", "256", "-129", "70000", "2**32", "1.5", "-1.0", "2.0", "[1, -1]"):
            value = v if v.startswith("[") else f"[{v}]"
            cases[f"constant_cast/{dt}/{v}"] = f"out = tf.constant({value}, tf.{dt})"
    for dt in ("float16", "float32", "bool", "complex64"):
        for v in ("-1", "70000", "2**70", "1e40", "True"):
            cases[f"constant_cast/{dt}/{v}"] = f"out = tf.constant([{v}], tf.{dt})"
    for v in ("2**70", "-2**70", "2**63", "2**63 - 1", "-2**63", "2**64", "[1, 2**70]", "[2**31]"):
        cases[f"big_int/{v}"] = f"out = tf.constant({v})"
    cases["big_int/uint64_2**64-1"] = "out = tf.constant(2**64 - 1, tf.uint64)"
    cases["big_int/add"] = "out = tf.add(tf.constant(1, tf.int64), 2**70)"
    cases["big_int/convert"] = "out = tf.convert_to_tensor(2**70)"
    cases["big_int/variable"] = "out = tf.Variable(2**70)"
    # negative dimensions in creation ops
    for name, call in (("random.normal", "tf.random.normal([2, -3])"),
                       ("random.uniform", "tf.random.uniform([2, -3])"),
                       ("random.truncated_normal", "tf.random.truncated_normal([2, -3])"),
                       ("zeros", "tf.zeros([2, -3])"), ("ones", "tf.ones([2, -3])"),
                       ("fill", "tf.fill([2, -3], 1.0)"), ("eye", "tf.eye(-2)"),
                       ("eye_batch", "tf.eye(2, batch_shape=[-1])"),
                       ("reshape", "tf.reshape(tf.zeros([6]), [2, -3])"),
                       ("broadcast_to", "tf.broadcast_to(1.0, [2, -3])"),
                       ("constant", "tf.constant(1.0, shape=[2, -3])"),
                       ("tile", "tf.tile(tf.zeros([2]), [-1])"),
                       ("zeros_none", "tf.zeros([2, None])"),
                       ("random.normal_float_dim", "tf.random.normal([2, 1.5])"),
                       ("random.normal_bool_dim", "tf.random.normal([2, True])"),
                       ("random.normal_none", "tf.random.normal(None)"),
                       ("zeros_str", "tf.zeros('ab')"),
                       ("ones_float", "tf.ones(2.0)"),
                       ("reshape_none", "tf.reshape(tf.zeros([6]), None)"),
                       ("reshape_float", "tf.reshape(tf.zeros([6]), [2.0, 3])")):
        cases[f"bad_shape/{name}"] = f"out = {call}"
    # -- 3. shapes given as lists that hold scalar tensors ----------------------------------------
    for name, call in (("reshape", "tf.reshape(tf.zeros([6]), [n, -1])"),
                       ("reshape_tuple", "tf.reshape(tf.zeros([6]), (2, n))"),
                       ("reshape_int64", "tf.reshape(tf.zeros([6]), [tf.constant(2, tf.int64), 3])"),
                       ("zeros", "tf.zeros([n, 2])"), ("ones", "tf.ones([2, n])"),
                       ("zeros_scalar", "tf.zeros(n)"),
                       ("fill", "tf.fill([n, 1], 7)"), ("broadcast_to", "tf.broadcast_to([1, 2], [n, 2])"),
                       ("tile", "tf.tile(tf.zeros([1, 2]), [n, 1])"),
                       ("random.normal", "tf.random.normal([n, 2])"),
                       ("random.uniform", "tf.random.uniform([n, 2])"),
                       ("random.truncated_normal", "tf.random.truncated_normal([n])"),
                       ("eye_batch", "tf.eye(2, batch_shape=[n])"),
                       ("eye_rows", "tf.eye(n)"),
                       ("constant", "tf.constant(1.0, shape=[n])"),
                       ("scatter_nd", "tf.scatter_nd([[0]], [5], [n])"),
                       ("float_tensor_dim", "tf.zeros([tf.constant(2.0), 1])"),
                       ("vector_tensor_dim", "tf.zeros([tf.constant([2]), 1])")):
        cases[f"shape_list/{name}"] = X + f"out = {call}"
    # -- 4. TensorShape(None), TensorSpec(None) ------------------------------------------------
    U = "u = tf.TensorShape(None); "
    for name, expr in (("rank", "u.rank"), ("ndims", "u.ndims"), ("as_list", "u.as_list()"),
                       ("num_elements", "u.num_elements()"), ("is_fully_defined", "u.is_fully_defined()"),
                       ("compatible_known", "u.is_compatible_with([1, 2])"),
                       ("compatible_scalar", "u.is_compatible_with([])"),
                       ("known_compatible_unknown", "tf.TensorShape([1, 2]).is_compatible_with(u)"),
                       ("merge", "u.merge_with([1, 2]).as_list()"),
                       ("merge_known", "tf.TensorShape([1, None]).merge_with(u).as_list()"),
                       ("eq_unknown", "u == tf.TensorShape(None)"), ("eq_list", "u == [1, 2]"),
                       ("repr", "repr(u)"), ("str", "str(u)"), ("len", "len(u)"), ("iter", "list(u)"),
                       ("getitem", "u[0]"), ("bool", "bool(u)"),
                       ("spec_shape_rank", "tf.TensorSpec(None).shape.rank"),
                       ("spec_dtype", "tf.TensorSpec(None).dtype"),
                       ("spec_compatible", "tf.TensorSpec(None).is_compatible_with(tf.constant([[1.]]))"),
                       ("spec_compatible_int", "tf.TensorSpec(None).is_compatible_with(tf.constant([1]))"),
                       ("spec_repr", "repr(tf.TensorSpec(None, tf.int32))"),
                       ("shape_list_rank", "tf.TensorShape([None, 3]).rank"),
                       ("shape_list_as_list", "tf.TensorShape([None, 3]).as_list()"),
                       ("shape_list_compatible", "tf.TensorShape([None, 3]).is_compatible_with([5, 3])"),
                       ("spec_list_compatible", "tf.TensorSpec([None, 2]).is_compatible_with(tf.zeros([4, 2]))")):
        cases[f"unknown_shape/{name}"] = U + f"out = {expr}"
    # -- 5. a Python scalar and a Python list in one binary op -----------------------------------
    for op in ("add", "maximum", "multiply", "subtract", "minimum", "pow", "divide", "truediv", "floordiv"):
        for a, b in (("0.", "[1, -1]"), ("[1, -1]", "0."), ("2", "[1.5, 2.5]"), ("[1.5]", "2"),
                     ("True", "[1, 2]"), ("[1., 2.]", "[1, 2]"), ("1", "2.5"), ("2.5", "1"),
                     ("True", "2"), ("[True]", "[1.5]"), ("1j", "[1, 2]")):
            fn = f"tf.math.{op}" if op in ("truediv", "floordiv") else f"tf.{op}"
            cases[f"promotion/{op}/{a},{b}"] = f"out = {fn}({a}, {b})"
    for args in ("0, 10.0, 5", "0.0, 10, 5", "0, 10, 5", "0., 10., 5", "[0, 1], 2.0, 3", "0., 1., 5.0"):
        cases[f"linspace/{args}"] = f"out = tf.linspace({args})"
    # -- 6. the Variable API -------------------------------------------------------------------
    var_cases = {
        "assign_wrong_shape": V + "out = v.assign([1., 2.])",
        "assign_wrong_dtype": V + "out = v.assign([1, 2, 3, 4])",
        "assign_tensor_wrong_dtype": V + "out = v.assign(tf.constant([1, 2, 3, 4]))",
        "assign_scalar_to_vector": V + "out = v.assign(1.0)",
        "assign_add_wrong_shape": V + "out = v.assign_add([1., 2.])",
        "assign_sub_broadcast": V + "out = v.assign_sub([[1., 2., 3., 4.]])",
        "assign_returns": V + "out = v.assign([5., 6., 7., 8.])",
        "assign_read_value_false": V + "out = v.assign([5., 6., 7., 8.], read_value=False)",
        "assign_add_read_value_false": V + "out = v.assign_add([1., 1., 1., 1.], read_value=False)",
        "assign_sub_read_value_false": V + "out = v.assign_sub([1., 1., 1., 1.], read_value=False)",
        "assign_add_returns": V + "out = v.assign_add([1., 1., 1., 1.])",
        "assign_returns_type": V + "out = type(v.assign([5., 6., 7., 8.])).__name__ in ('_UnreadVariable', 'Variable', 'ResourceVariable')",
        "assign_read_value_false_is_none": V + "out = v.assign([5., 6., 7., 8.], read_value=False) is None",
        "assign_chain": V + "out = v.assign([5., 6., 7., 8.]).assign_add([1., 1., 1., 1.])",
        "scatter_update": V + ROWS + "out = v.scatter_update(rows)",
        "scatter_add": V + ROWS + "out = v.scatter_add(rows)",
        "scatter_sub": V + ROWS + "out = v.scatter_sub(rows)",
        "scatter_max": V + ROWS + "out = v.scatter_max(rows)",
        "scatter_min": V + ROWS + "out = v.scatter_min(rows)",
        "scatter_mul": V + ROWS + "out = v.scatter_mul(rows)",
        "scatter_div": V + ROWS + "out = v.scatter_div(rows)",
        "scatter_update_matrix": M + MROWS + "out = m.scatter_update(mrows)",
        "scatter_add_repeated": V + "out = v.scatter_add(tf.IndexedSlices(tf.constant([1., 1.]), tf.constant([2, 2])))",
        "scatter_update_not_slices": V + "out = v.scatter_update([1., 2.])",
        "scatter_update_out_of_range": V + "out = v.scatter_update(tf.IndexedSlices(tf.constant([1.]), tf.constant([7])))",
        "scatter_nd_update": V + "out = v.scatter_nd_update([[0], [2]], [9., 8.])",
        "scatter_nd_add": V + "out = v.scatter_nd_add([[0], [0]], [1., 1.])",
        "scatter_nd_sub": V + "out = v.scatter_nd_sub([[3]], [1.])",
        "scatter_nd_max": V + "out = v.scatter_nd_max([[3], [0]], [10., -10.])",
        "scatter_nd_min": V + "out = v.scatter_nd_min([[3], [0]], [10., -10.])",
        "scatter_nd_update_matrix": M + "out = m.scatter_nd_update([[1, 0]], [7.])",
        "batch_scatter_update": R + "out = r.batch_scatter_update(tf.IndexedSlices(tf.constant([9., 8.]), tf.constant([1, 0])))",
        "sparse_read": M + "out = m.sparse_read([1, 0])",
        "sparse_read_axis": M + "out = m.sparse_read([1])",
        "gather_nd": M + "out = m.gather_nd([[1, 0], [0, 1]])",
        "count_up_to": "c = tf.Variable(0); out = hasattr(c, 'count_up_to')",
        "initialized_value": V + "out = v.initialized_value()",
        "initial_value": V + "v.assign([0., 0., 0., 0.]); out = v.initial_value",
        "value": V + "out = v.value()",
        "read_value": V + "out = v.read_value()",
        "numpy": V + "out = v.numpy()",
        "ref_deref": V + "out = v.ref().deref() is v",
        "ref_hash_eq": V + "out = v.ref() == v.ref() and hash(v.ref()) == hash(v.ref())",
        "experimental_ref": V + "out = v.experimental_ref().deref() is v",
        "set_shape_same": V + "v.set_shape([4]); out = v.shape.as_list()",
        "set_shape_other": V + "out = v.set_shape([2, 2])",
        "get_shape": V + "out = v.get_shape().as_list()",
        "shape": V + "out = v.shape.as_list()",
        "dtype": V + "out = v.dtype",
        "name": V + "out = v.name",
        "name_default": "out = tf.Variable(1.0).name",
        "trainable": V + "out = v.trainable",
        "trainable_false": "out = tf.Variable(1.0, trainable=False).trainable",
        "trainable_setter": V + "v.trainable = False; out = v.trainable",
        "synchronization": V + "out = str(v.synchronization)",
        "aggregation": V + "out = str(v.aggregation)",
        "synchronization_on_read_trainable": "out = tf.Variable(1.0, synchronization=tf.VariableSynchronization.ON_READ).trainable",
        "constraint_none": V + "out = v.constraint",
        "constraint_given": "w = tf.Variable([1., -1.], constraint=lambda t: tf.maximum(t, 0.)); w.assign([-2., 3.]); out = w",
        "constraint_applied_by_hand": "w = tf.Variable([1., -1.], constraint=lambda t: tf.maximum(t, 0.)); out = w.constraint(w)",
        "device": V + "out = v.device",
        "graph": V + "out = v.graph",
        "handle": V + "out = hasattr(v, 'handle')",
        "op": V + "out = v.op",
        "ndim": V + "out = v.ndim",
        "is_initialized": V + "out = v.is_initialized()",
        "eval": V + "out = v.eval()",
        "to_proto": V + "out = callable(getattr(v, 'to_proto', None))",
        "load": V + "out = v.load([1., 1., 1., 1.])",
        "convert": V + "out = tf.convert_to_tensor(v)",
        "identity": V + "out = tf.identity(v)",
        "isinstance_tensor": V + "out = isinstance(v, tf.Tensor)",
        "is_tensor": V + "out = tf.is_tensor(v)",
        "shape_param_none": "w = tf.Variable([1., 2.], shape=tf.TensorShape(None)); out = w.shape.rank",
        "shape_param_unknown_dim": "w = tf.Variable([1., 2.], shape=[None]); w.assign([1., 2., 3.]); out = w",
        "shape_param_mismatch": "out = tf.Variable([1., 2.], shape=[3])",
        "dtype_param_cast": "out = tf.Variable([1, 2], dtype=tf.float32)",
        "initial_value_none": "out = tf.Variable(None)",
        "initial_value_callable": "out = tf.Variable(lambda: tf.ones([2]))",
        "initial_value_str": "out = tf.Variable('a')",
        # Python protocols
        "hash": V + "out = hash(v)",
        "set_member": V + "out = {v}",
        "dict_key": V + "out = {v: 1}",
        "bool_vector": V + "out = bool(v)",
        "bool_scalar": S + "out = bool(s)",
        "bool_scalar_zero": "out = bool(tf.Variable(0.0))",
        "len_vector": V + "out = len(v)",
        "len_scalar": S + "out = len(s)",
        "iter_vector": V + "out = list(v)",
        "iter_scalar": S + "out = list(s)",
        "index_float": V + "out = [1, 2, 3][tf.Variable(1.0)]",
        "index_int": "out = [1, 2, 3][tf.Variable(1)]",
        "index_int_vector": "out = [1, 2, 3][tf.Variable([1])]",
        "range_int": "out = list(range(tf.Variable(3)))",
        "array": V + "import numpy as np; out = np.asarray(v)",
        "array_dtype": V + "import numpy as np; out = np.asarray(v, dtype=np.float64)",
        "in_vector": V + "out = 2.0 in v",
        "in_list": V + "out = v in [v]",
        "in_list_other": V + "w = tf.Variable([1., 2., 3., 4.]); out = w in [v]",
        "eq": V + "out = v == v",
        "eq_other": V + "w = tf.Variable([1., 2., 3., 4.]); out = v == w",
        "eq_list": V + "out = v == [1., 0., 3., 0.]",
        "ne": V + "out = v != [1., 0., 3., 0.]",
        "lt": V + "out = v < 2.5",
        "ge": V + "out = v >= [1., 5., 3., 0.]",
        "float_scalar": S + "out = float(s)",
        "float_vector": V + "out = float(v)",
        "int_scalar": S + "out = int(s)",
        "complex_scalar": S + "out = complex(s)",
        "format_scalar": S + "out = f'{s:.2f}'",
        "getitem": M + "out = m[1, 0]",
        "getitem_slice": V + "out = v[1:3]",
        "setitem": V + "v[0] = 5.0; out = v",
        "neg": V + "out = -v",
        "abs": V + "out = abs(v)",
        "matmul": M + "out = m @ m",
        "pow": V + "out = v ** 2",
        "rpow": V + "out = 2.0 ** v",
        "radd": V + "out = 1.0 + v",
        "rmatmul_list": M + "out = [[1., 0.]] @ m",
        "iadd": V + "w = v; w += 1.0; out = [type(w).__name__ in ('EagerTensor', 'Tensor'), w is v]",
        "copy": V + "import copy; w = copy.copy(v); v.assign_add([1., 1., 1., 1.]); out = w",
        "deepcopy": V + "import copy; w = copy.deepcopy(v); v.assign_add([1., 1., 1., 1.]); out = w",
        "pickle": V + "import pickle; out = pickle.loads(pickle.dumps(v))",
        "dir_has_scatter": V + "out = sorted(n for n in ('scatter_max', 'scatter_nd_max', 'sparse_read', 'batch_scatter_update') if hasattr(v, n))",
    }
    for k, code in var_cases.items():
        cases[f"variable/{k}"] = code
    # -- 7. watched_variables() order ------------------------------------------------------------
    W = "a = tf.Variable(1.0, name='a'); b = tf.Variable(2.0, name='b'); c = tf.Variable(3.0, name='c'); " \
        "k = tf.Variable(4.0, name='k', trainable=False)\n"
    order = {
        "reads": "with tf.GradientTape() as t:\n    y = c * b + a\n",
        "repeated_reads": "with tf.GradientTape() as t:\n    y = b * a + b * c + a\n",
        "explicit_then_read": "with tf.GradientTape() as t:\n    t.watch(c)\n    y = a * b * c\n",
        "read_then_explicit": "with tf.GradientTape() as t:\n    y = a * b\n    t.watch([c, a])\n",
        "watch_list": "with tf.GradientTape() as t:\n    t.watch([c, b, a])\n",
        "watch_dict": "with tf.GradientTape() as t:\n    t.watch({'z': a, 'y': b, 'x': c})\n",
        "watch_nontrainable": "with tf.GradientTape() as t:\n    y = a * k\n    t.watch(k)\n    y = y * c\n",
        "nontrainable_read": "with tf.GradientTape() as t:\n    y = k * a\n",
        "no_auto": "with tf.GradientTape(watch_accessed_variables=False) as t:\n    y = a * b\n    t.watch(c)\n",
        "stop_recording": "with tf.GradientTape() as t:\n    with t.stop_recording():\n        y = a * b\n    y = c * a\n",
        "nested_outer": "with tf.GradientTape() as t:\n    with tf.GradientTape() as t2:\n        y = b * a\n    z = c * y\n",
        "nested_inner": "with tf.GradientTape() as t0:\n    with tf.GradientTape() as t:\n        y = b * a\n    z = c * y\n",
        "read_value": "with tf.GradientTape() as t:\n    y = c.read_value() + a.value() + tf.convert_to_tensor(b)\n",
        "assign": "with tf.GradientTape() as t:\n    c.assign(5.0)\n    a.assign_add(1.0)\n    y = b * 1.0\n",
        "numpy_read": "with tf.GradientTape() as t:\n    y = c.numpy() + b\n",
        "identity": "with tf.GradientTape() as t:\n    y = tf.identity(c) + tf.reduce_sum(a)\n",
        "reset": "with tf.GradientTape() as t:\n    y = c * a\n    t.reset()\n    y = b * 1.0\n",
        "persistent_after_gradient": "with tf.GradientTape(persistent=True) as t:\n    y = a * 1.0\n    t.gradient(y, a)\n    y = c * b\n",
        "outside": "with tf.GradientTape() as t:\n    pass\ny = a * b\n",
    }
    for k, body in order.items():
        cases[f"watched/{k}"] = W + body + "out = [v.name for v in t.watched_variables()]"
    # -- 8. tf.device, tf.config -------------------------------------------------------------------
    for spec in ("'/CPU:0'", "'/GPU:0'", "None", "'/cpu:0'", "'CPU:0'", "'cpu'", "'/device:CPU:0'",
                 "'/job:localhost/replica:0/task:0/device:CPU:0'", "'/job:localhost'", "'/GPU:1'",
                 "'/TPU:0'", "'foo'", "'/CPU:x'", "''", "'/device:GPU:0'", "'GPU'", "3", "'/CPU:0/extra'",
                 "'/replica:0'"):
        cases[f"device/{spec}"] = f"with tf.device({spec}):\n    y = tf.constant(1.0) + 1.0\nout = y"
    cases["device/nested"] = "with tf.device('/CPU:0'):\n    with tf.device('/GPU:0'):\n        y = tf.constant([1.0]) * 2.0\nout = y"
    cases["device/tensor_device_inside"] = "with tf.device('/CPU:0'):\n    y = tf.constant(1.0) + 1.0\nout = y.device"
    cases["device/as_decorator_like"] = "out = type(tf.device('/CPU:0')).__name__ != ''"
    for expr in ("[d.name for d in tf.config.list_logical_devices()]",
                 "[d.device_type for d in tf.config.list_logical_devices('CPU')]",
                 "tf.config.list_logical_devices('GPU')",
                 "[d.name for d in tf.config.list_physical_devices()]",
                 "tf.config.list_physical_devices('GPU')",
                 "tf.config.experimental.set_memory_growth(tf.config.list_physical_devices('CPU')[0], True)",
                 "[tf.config.experimental.set_memory_growth(g, True) for g in tf.config.list_physical_devices('GPU')]",
                 "tf.config.experimental.list_physical_devices('GPU')",
                 "[d.name for d in tf.config.experimental.list_logical_devices('CPU')]",
                 "tf.config.experimental.get_memory_growth(tf.config.list_physical_devices('CPU')[0])",
                 "tf.config.get_visible_devices('GPU')",
                 "[d.name for d in tf.config.get_visible_devices('CPU')]",
                 "tf.config.set_visible_devices([], 'GPU')",
                 "tf.config.experimental.set_visible_devices([], 'GPU')",
                 "tf.config.set_soft_device_placement(True)",
                 "tf.config.get_soft_device_placement()",
                 "tf.config.experimental.enable_op_determinism()",
                 "tf.config.threading.get_inter_op_parallelism_threads()",
                 "tf.config.threading.set_intra_op_parallelism_threads(1)",
                 "tf.config.list_logical_devices('XPU')",
                 "tf.config.list_logical_devices(3)"):
        cases[f"config/{expr}"] = f"out = {expr}"
    return cases


def describe(value, tf):
    """A JSON-able record of ``value`` (a tensor, a variable, a Python value) for the replay."""
    variable_types = tuple(t for t in (getattr(tf, "Variable", None),) if t is not None)
    if isinstance(value, variable_types):
        return {"kind": "variable", "dtype": value.dtype.name, "value": _plain(value.numpy())}
    if tf.is_tensor(value) or hasattr(value, "numpy") and hasattr(value, "dtype"):
        return {"kind": "tensor", "dtype": value.dtype.name, "value": _plain(value.numpy())}
    if isinstance(value, (list, tuple)):
        return {"kind": type(value).__name__, "items": [describe(v, tf) for v in value]}
    if isinstance(value, (set, dict)):
        return {"kind": type(value).__name__, "size": len(value)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"kind": "python", "value": value}
    if hasattr(value, "dtype") and hasattr(value, "tolist"):  # NumPy
        return {"kind": "numpy", "value": _plain(value)}
    if hasattr(value, "name") and hasattr(value, "is_floating"):  # a DType
        return {"kind": "dtype", "value": value.name}
    return {"kind": "object", "type": type(value).__name__}


def _plain(a):
    import numpy as np
    a = np.asarray(a)
    if a.dtype.kind == "c":
        return [_plain(a.real), _plain(a.imag)]
    if a.dtype.kind == "f":
        return np.where(np.isfinite(a), a, 0).tolist() if a.size else a.tolist()
    if a.dtype.kind in "SUO":
        return str(a.tolist())
    return a.tolist()


def run_case(code, tf):
    scope = {"tf": tf}
    try:
        exec(code, scope)  # noqa: S102 - the snippets are this file's own
        return describe(scope.get("out"), tf)
    except Exception as e:  # noqa: BLE001 - the class is the record
        text = str(e).strip()
        # The built-in classes it is also an instance of: ``except ValueError`` catches TF's
        # InvalidArgumentError and tapegrad's alike.
        builtin = [c.__name__ for c in type(e).__mro__ if c.__module__ == "builtins" and c is not object]
        return {"kind": "error", "error": type(e).__name__, "catches": builtin,
                "message": text.splitlines()[0][:300] if text else ""}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", action="store_true", help="print where tapegrad differs")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)

    import tensorflow as tf
    warnings.simplefilter("ignore")
    tf.get_logger().setLevel("ERROR")
    cases = _cases()
    record = {}
    for name, code in cases.items():
        record[name] = {"code": code, "tf": run_case(code, tf)}
    meta = {"tensorflow": tf.__version__, "cases": len(record)}
    pathlib.Path(args.out).write_text(json.dumps({"meta": meta, "cases": record}, indent=1, sort_keys=True) + "\n")
    print(f"{len(record)} cases recorded in {args.out}")
    if args.compare:
        import tapegrad
        for name, entry in record.items():
            mine = run_case(entry["code"], tapegrad)
            if mine != entry["tf"]:
                print(f"{name}\n  tf:       {entry['tf']}\n  tapegrad: {mine}")


if __name__ == "__main__":
    main()
