"""Keras 3's named optimizers, each a ``tapegrad.optim`` chain with Keras' update formula.

Each class gives its own chain (``_transform``); the base class adds accumulation, clipping and
weight decay around it (see ``base``). ``self._lr_now`` is the rate of the current step.
"""
from ... import optim
from .base import Optimizer

_SPARSE_DOC = """
    ``sparse``: how an ``IndexedSlices`` gradient (``gather``, ``embedding_lookup``, ``Embedding``)
    is applied. None (default): row by row where that gives the dense numbers exactly (SGD
    without momentum, Adagrad), densified otherwise. ``"lazy"``: only the touched rows' state
    (momentum, moments) moves and only those rows are updated, in O(rows touched) -- PyTorch's
    SparseAdam, TF-Addons' LazyAdam; not the dense numbers. (A tapegrad option, not Keras'.)
"""


# The constructor arguments every optimizer hands to the base class (Keras 3's common options).
_BASE_ARGUMENTS = ("learning_rate", "weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "use_ema",
                   "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
                   "gradient_accumulation_steps", "name")


def _base_arguments(arguments):
    """The base class's options from a constructor's ``locals()`` (each subclass keeps Keras'
    full signature, with its own defaults)."""
    return {name: arguments[name] for name in _BASE_ARGUMENTS}


def _check_sparse(sparse):
    if sparse not in (None, "lazy"):
        raise ValueError(f"`sparse` must be None (row-sparse where exact, dense otherwise) or 'lazy'. "
                         f"Received: sparse={sparse!r}")
    return sparse


class SGD(Optimizer):
    """Gradient descent, with momentum (Keras: ``m = momentum*m - lr*g; v += m``) and Nesterov
    (``v += momentum*m - lr*g`` with the new ``m``).

    >>> import tapegrad as tf
    >>> v = tf.Variable([1.0, 2.0])
    >>> opt = tf.keras.optimizers.SGD(learning_rate=0.1)
    >>> _ = opt.apply_gradients([(tf.constant([1.0, -1.0]), v)])
    >>> v.numpy()
    array([0.9, 2.1], dtype=float32)
    """

    _hyperparameters = ("momentum", "nesterov", "sparse")

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, sparse=None, **kwargs):
        super().__init__(**_base_arguments(locals()), **kwargs)
        if not isinstance(momentum, float) or momentum < 0 or momentum > 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum = momentum
        self.nesterov = nesterov
        self.sparse = _check_sparse(sparse)

    def _transform(self):
        lr = optim.scale_by_learning_rate(self._lr_now)
        if self.momentum == 0:
            return lr
        # The rate enters the trace before the momentum (Keras' m = momentum*m - lr*g).
        return optim.chain(lr, optim.trace(self.momentum, nesterov=self.nesterov,
                                           lazy_sparse=self.sparse == "lazy"))


class Adam(Optimizer):
    """Adam (Keras 3: ``eps`` added to ``sqrt(v)``, bias correction in the step size), AMSGrad."""

    _hyperparameters = ("beta_1", "beta_2", "epsilon", "amsgrad", "sparse")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, sparse=None, **kwargs):
        super().__init__(**_base_arguments(locals()), **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self.sparse = _check_sparse(sparse)

    def _transform(self):
        # scale_by_adam and the rate fused (Keras' alpha): one pass less per variable.
        return optim.adam(self._lr_now, self.beta_1, self.beta_2, self.epsilon, self.amsgrad,
                          lazy_sparse=self.sparse == "lazy")


class AdamW(Adam):
    """Adam with decoupled weight decay (default 0.004): ``v -= v * weight_decay * lr`` each step."""

    _hyperparameters = ("beta_1", "beta_2", "epsilon", "amsgrad", "sparse")

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, sparse=None, **kwargs):
        super().__init__(beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad, sparse=sparse,
                         **_base_arguments(locals()), **kwargs)
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")


class RMSprop(Optimizer):
    """RMSprop (Keras 3: ``eps`` inside the root), with momentum and centered variants."""

    _hyperparameters = ("rho", "momentum", "epsilon", "centered", "sparse")

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, sparse=None, **kwargs):
        super().__init__(**_base_arguments(locals()), **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
        self.sparse = _check_sparse(sparse)

    def _transform(self):
        lazy = self.sparse == "lazy"
        parts = [optim.scale_by_rms(self.rho, self.epsilon, self.centered, lazy_sparse=lazy),
                 optim.scale_by_learning_rate(self._lr_now)]
        if self.momentum > 0:
            parts.append(optim.trace(self.momentum, lazy_sparse=lazy))  # Keras: mom = momentum*mom + lr*g/rms
        return optim.chain(*parts)


class Adagrad(Optimizer):
    """Adagrad: ``acc += g^2; v -= lr * g / sqrt(acc + eps)`` (accumulators start at 0.1)."""

    _hyperparameters = ("initial_accumulator_value", "epsilon")

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(**_base_arguments(locals()), **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def _transform(self):
        return optim.chain(optim.scale_by_adagrad(self.initial_accumulator_value, self.epsilon),
                           optim.scale_by_learning_rate(self._lr_now))


class Adadelta(Optimizer):
    """Adadelta (Keras 3's form, scaled by ``learning_rate``)."""

    _hyperparameters = ("rho", "epsilon")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(**_base_arguments(locals()), **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def _transform(self):
        return optim.chain(optim.scale_by_adadelta(self.rho, self.epsilon),
                           optim.scale_by_learning_rate(self._lr_now))


class Nadam(Optimizer):
    """Nadam (Keras 3: Dozat's momentum schedule with its running product)."""

    _hyperparameters = ("beta_1", "beta_2", "epsilon")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(**_base_arguments(locals()), **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _transform(self):
        return optim.chain(optim.scale_by_nadam(self.beta_1, self.beta_2, self.epsilon),
                           optim.scale_by_learning_rate(self._lr_now))


for _cls in (SGD, Adam, AdamW, RMSprop):
    _cls.__doc__ += _SPARSE_DOC
