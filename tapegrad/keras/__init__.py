"""``tapegrad.keras``: Keras 3's layers, models, losses and optimizers on the tapegrad engine.

Imported lazily (``tapegrad.keras`` is loaded on first access) so that ``import tapegrad``
stays light. The core never imports this package.
"""
import importlib

_SUBMODULES = ("activations", "backend", "callbacks", "initializers", "layers", "losses", "metrics",
               "models", "optimizers", "regularizers", "utils")


def __getattr__(name):
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    if name in ("Sequential", "Model", "Input"):
        return getattr(importlib.import_module(f"{__name__}.models"), name)
    raise AttributeError(f"module 'tapegrad.keras' has no attribute {name!r}")
