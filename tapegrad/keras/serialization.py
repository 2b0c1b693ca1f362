"""Keras 3's config dicts: ``{"module", "class_name", "config", "registered_name"}``.

Used by ``get_config``/``from_config`` of layers, models, initializers, losses and
activations. Deserialising only looks classes up in the tables passed in (and the custom
objects given): a config never names code to import.
"""

_custom_objects = {}


def register_keras_serializable(package="Custom", name=None):
    """Decorator: make a custom class known to ``from_config`` by ``"package>Name"`` and name."""
    def decorate(obj):
        key = f"{package}>{name or obj.__name__}"
        _custom_objects[key] = obj
        _custom_objects.setdefault(obj.__name__, obj)
        obj._registered_name = key
        return obj
    return decorate


def _module_of(obj):
    module = type(obj).__module__
    if module.startswith("tapegrad.keras"):
        parts = module.split(".")
        return "keras." + parts[2] if len(parts) > 2 else "keras"
    return module


def serialize_keras_object(obj):
    """A JSON-friendly description of ``obj`` (None, a value, a name or a config dict)."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if hasattr(obj, "get_config"):
        return {"module": _module_of(obj), "class_name": type(obj).__name__,
                "config": obj.get_config(),
                "registered_name": getattr(type(obj), "_registered_name", None)}
    name = getattr(obj, "__name__", None)
    if callable(obj) and name:
        return name
    raise TypeError(f"Cannot serialize {obj!r} of type {type(obj).__name__}")


def deserialize_keras_object(config, module_objects=None, custom_objects=None, printable_module_name="object"):
    """The object ``config`` describes, looked up in ``module_objects`` / ``custom_objects``."""
    if config is None or isinstance(config, (bool, int, float)):
        return config
    table = dict(module_objects or {})
    table.update(_custom_objects)
    table.update(custom_objects or {})
    if isinstance(config, str):
        if config not in table:
            raise ValueError(f"Could not interpret {printable_module_name} identifier: {config!r}")
        obj = table[config]
        return obj() if isinstance(obj, type) else obj
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret {printable_module_name} config: {config!r}")
    key = config.get("registered_name") or config["class_name"]
    cls = table.get(key) or table.get(config["class_name"])
    if cls is None:
        raise ValueError(f"Unknown {printable_module_name}: {config['class_name']!r}. Pass custom classes "
                         f"with custom_objects= or decorate them with register_keras_serializable().")
    inner = config.get("config") or {}
    if hasattr(cls, "from_config"):
        return cls.from_config(inner)
    return cls(**inner)


def get_by_identifier(identifier, table, kind):
    """Keras' ``losses.get`` / ``metrics.get``: None; a name in ``table`` (a class there is made
    with its defaults); a config dict; a callable as it is. ``kind`` ("loss") names it in errors."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        if identifier not in table:
            raise ValueError(f"Could not interpret {kind} identifier: {identifier}")
        obj = table[identifier]
        return obj() if isinstance(obj, type) else obj
    if isinstance(identifier, dict):
        return deserialize_keras_object(identifier, table, None, f"{kind} function")
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret {kind} identifier: {identifier}")
