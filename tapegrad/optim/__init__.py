"""``tapegrad.optim``: optimizers as composable, pure gradient transforms (optax-shaped)."""
