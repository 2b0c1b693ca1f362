"""Keras' global state (``keras.backend``): unique names, name scopes, floatx, epsilon.

Keras 3 names every layer, model, loss and unnamed variable from a per-session counter
(``dense``, ``dense_1``, ...) and gives each variable a *path* from the name scopes open when it
was created (``sequential/dense/kernel``). ``clear_session()`` resets the counters. As in Keras
the state is per thread.

>>> from tapegrad import keras
>>> keras.backend.clear_session()
>>> keras.layers.Dense(2).name, keras.layers.Dense(2).name
('dense', 'dense_1')
>>> keras.backend.clear_session()
>>> keras.layers.Dense(2).name
'dense'
"""
import collections
import gc
import re
import threading

_state = threading.local()

_config = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last"}


def _get(name, factory):
    value = getattr(_state, name, None)
    if value is None:
        value = factory()
        setattr(_state, name, value)
    return value


# -- names ------------------------------------------------------------------------------------

def to_snake_case(name):
    """``"CustomLayer"`` -> ``"custom_layer"``, as Keras names objects from their class."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def uniquify(name):
    """``name`` the first time, then ``name_1``, ``name_2`` ... (per session)."""
    uids = _get("name_uids", lambda: collections.defaultdict(int))
    unique = f"{name}_{uids[name]}" if name in uids else name
    uids[name] += 1
    return unique


def auto_name(prefix):
    return uniquify(to_snake_case(prefix))


def get_uid(prefix=""):
    """A counter per ``prefix``: 1, 2, 3 ... (``keras.backend.get_uid``)."""
    uids = _get("uids", lambda: collections.defaultdict(int))
    uids[prefix] += 1
    return uids[prefix]


def clear_session(free_memory=True):
    """Reset the name counters and name scopes (``keras.backend.clear_session``)."""
    for attr in ("name_uids", "uids", "name_scope_stack", "call_context"):
        if hasattr(_state, attr):
            delattr(_state, attr)
    if free_memory:
        gc.collect()


# -- name scopes (variable paths) -------------------------------------------------------------

class name_scope:
    """A scope that variable paths are built from, as Keras 3's ``name_scope``.

    ``caller``: the object opening it (a layer). Re-entering the scope its caller already has
    open adds nothing (``deduplicate``). A caller whose ``_parent_path`` is known (fixed the first
    time the layer opened its scope) always nests under that path, wherever it is called from.
    """

    def __init__(self, name, caller=None, deduplicate=True, override_parent=None):
        if not isinstance(name, str) or "/" in name:
            raise ValueError(f"Argument `name` must be a string and cannot contain character `/`. "
                             f"Received: name={name!r}")
        self.name = name
        self.caller = caller
        self.deduplicate = deduplicate
        self.override_parent = override_parent
        if override_parent is None and deduplicate and getattr(caller, "_parent_path", None) is not None:
            self.override_parent = caller._parent_path
        self._pop_on_exit = False

    def __enter__(self):
        stack = _get("name_scope_stack", list)
        if self.deduplicate and stack and self.caller is not None:
            top = stack[-1]
            if top.caller is self.caller and top.name == self.name:
                return self
        stack.append(self)
        self._pop_on_exit = True
        return self

    def __exit__(self, *exc):
        if self._pop_on_exit:
            stack = _get("name_scope_stack", list)
            if stack:
                stack.pop()
        return False


def current_path():
    """The path of the open name scopes, ``"sequential/dense"`` ('' at top level)."""
    parts = []
    for entry in getattr(_state, "name_scope_stack", None) or ():
        if entry.override_parent is not None:
            parts = [p for p in entry.override_parent.split("/") if p]
        if entry.name:  # a layer named '' opens a scope that adds nothing to the path (Keras)
            parts.append(entry.name)
    return "/".join(parts)


# -- call context (the ``training`` flag of the outermost layer call) ---------------------------

class CallContext:
    """Values (``training``) that an outer layer call hands down to the layers it calls."""

    def __init__(self, entry_layer):
        self.entry_layer = entry_layer
        self.values = {}


def get_call_context():
    return getattr(_state, "call_context", None)


def set_call_context(ctx):
    _state.call_context = ctx


# -- configuration ------------------------------------------------------------------------------

def floatx():
    """The default float dtype name (``"float32"``)."""
    return _config["floatx"]


def set_floatx(value):
    if value not in ("float16", "float32", "float64"):
        raise ValueError(f"Unknown `floatx` value: {value!r}. Expected one of float16, float32, float64")
    _config["floatx"] = str(value)


def epsilon():
    """The fuzz factor Keras clips probabilities with (``1e-7``)."""
    return _config["epsilon"]


def set_epsilon(value):
    _config["epsilon"] = float(value)


def image_data_format():
    return _config["image_data_format"]


def set_image_data_format(data_format):
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"Unknown data_format: {data_format!r}")
    _config["image_data_format"] = data_format


def backend():
    """The backend's name, as Keras reports it (``"tapegrad"``)."""
    return "tapegrad"


def is_keras_tensor(x):
    from .functional import KerasTensor
    return isinstance(x, KerasTensor)


def standardize_dtype(dtype):
    """A dtype name (``"float32"``) for a DType, NumPy dtype or name."""
    if dtype is None:
        return floatx()
    name = getattr(dtype, "name", None)
    if isinstance(name, str):
        return name
    if isinstance(dtype, str):
        return {"float": "float32", "int": "int64", "double": "float64"}.get(dtype, dtype)
    import numpy as np
    return np.dtype(dtype).name
