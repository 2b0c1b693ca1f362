"""``tapegrad.keras``: Keras 3's layers, models, losses and optimizers on the tapegrad engine.

Imported lazily (``tapegrad.keras`` is loaded on first access) so that ``import tapegrad``
stays light. The core never imports this package.

>>> import tapegrad as tf
>>> model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
>>> model(tf.ones((1, 3))).shape
TensorShape([1, 2])
"""
import importlib

_SUBMODULES = ("activations", "backend", "callbacks", "initializers", "layers", "losses", "metrics",
               "models", "optimizers", "regularizers", "utils", "saving", "config")

_TOP_LEVEL = {
    "Sequential": "models", "Model": "models", "Input": "models", "Variable": "variables",
    "Layer": "layers", "Loss": "losses", "Metric": "metrics", "Optimizer": "optimizers",
    "Initializer": "initializers", "Regularizer": "regularizers", "KerasTensor": "functional",
    "InputSpec": "layers",
}


def __getattr__(name):
    if name == "config":
        module = importlib.import_module(f"{__name__}.backend")
        globals()[name] = module
        return module
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    if name in _TOP_LEVEL:
        return getattr(importlib.import_module(f"{__name__}.{_TOP_LEVEL[name]}"), name)
    raise AttributeError(f"module 'tapegrad.keras' has no attribute {name!r}")


__version__ = "3.15.1"
