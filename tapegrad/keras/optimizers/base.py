"""``keras.optimizers.Optimizer``: Keras 3's optimizer API around a ``tapegrad.optim`` chain.

An optimizer is one ``tapegrad.optim`` transform (its *pipeline*), built from Keras' options::

    chain(scale(1/loss_scale_factor), accumulate(k), clip..., <the optimizer's own chain>,
          add_decayed_weights(-lr * weight_decay))

Keras 3 semantics kept (TensorFlow backend, checked against Keras 3.15):

- built lazily by the first ``apply_gradients`` on the variables it is given; a later call may
  pass any subset of them, in any order; a variable it was not built with raises ValueError;
- None gradients are skipped with Keras' warning; all None raises ValueError;
- ``iterations`` is an int64 Variable counting ``apply`` calls (with
  ``gradient_accumulation_steps=k``: ``iterations`` reads calls // k, as Keras);
- the learning rate is a float32 Variable (settable), a ``LearningRateSchedule`` called with the
  raw call count, or a callable without arguments;
- ``weight_decay`` is decoupled: ``v -= v * weight_decay * lr`` (here added to the update),
  skipping variables excluded by ``exclude_from_weight_decay``;
- clipping (one of ``clipnorm``, ``clipvalue``, ``global_clipnorm``) acts on the accumulated mean.

The state lives in Variables (``optimizer.variables``) so it can be saved and restored; the
step updates them in place (copy-on-write: a Tensor read from them stays as it was read). The
mapping between the pipeline's state tree and those Variables is ``slots.StateSlots``; the
moving averages of ``use_ema`` are ``optim.ema``.
"""
import warnings

import numpy as np

from ...core.variable import Variable as TapegradVariable

from ... import optim
from ...core.indexed_slices import IndexedSlices
from ...core.tensor import Tensor, TensorLike
from .. import backend
from ..variables import Variable
from . import schedules
from .slots import StateSlots, label as _label

# Attributes that shape the pipeline: changing one after build rebuilds it (state kept).
_BASE_OPTIONS = ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "loss_scale_factor",
                 "gradient_accumulation_steps")


class Optimizer:
    """Base class of the Keras optimizers; subclasses give ``_transform()`` (their own chain).

    Also usable directly with any ``tapegrad.optim`` transform: ``Optimizer.from_transform``.
    """

    _hyperparameters = ()  # the subclass's constructor arguments (config, rebuild on change)

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        object.__setattr__(self, "_pipeline", None)
        object.__setattr__(self, "built", False)
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.")
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if gradient_accumulation_steps and not gradient_accumulation_steps >= 2:
            raise ValueError(f"`gradient_accumulation_steps` must be an integer >= 2. Received: "
                             f"gradient_accumulation_steps={gradient_accumulation_steps}")
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError(f"`ema_momentum` must be in the range [0, 1]. Received: "
                                 f"ema_momentum={ema_momentum}")
            if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, int)
                                            or ema_overwrite_frequency < 1):
                raise ValueError(f"`ema_overwrite_frequency` must be an integer >= 1 or None. Received: "
                                 f"ema_overwrite_frequency={ema_overwrite_frequency}")
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(f"Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                             f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}")
        self.name = name if name is not None else backend.auto_name(type(self).__name__)
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm
        self.clipvalue = clipvalue
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._trainable_variables = []
        self._index = {}             # id(variable) -> position in _trainable_variables
        self._averages = []          # EMA of each variable (use_ema)
        self._slots = None           # the pipeline's state as Variables (slots.StateSlots)
        self._exclude_ids = set()
        self._exclude_pattern = None
        self._decay_mask = []
        self._workspace = optim.Workspace()
        self._fusable = False        # whether _fused_step may run (set when the pipeline is built)
        self._fused_buffers = None   # the fused step's output buffers (one per variable)
        with backend.name_scope(self.name, caller=self):
            self._iterations = Variable(0, name="iteration", dtype="int64", trainable=False)
            self._lr_now = Variable(np.float32(0), name="current_learning_rate", trainable=False)
            self._decay_now = Variable(np.float32(0), name="current_decay", trainable=False)
        self._learning_rate = None
        self._set_learning_rate(learning_rate, creating=True)

    # -- construction from a transform -------------------------------------------------------
    @classmethod
    def from_transform(cls, transform, learning_rate=0.001, name=None, **kwargs):
        """An optimizer that applies ``transform`` (a ``tapegrad.optim`` chain) with Keras' API.

        ``transform`` is a GradientTransformation whose updates are added to the variables (so it
        carries its own sign and rate), or a function ``f(learning_rate) -> transform`` that gets
        the optimizer's current learning rate (a float32 Variable set at each step from the
        float, schedule or callable ``learning_rate``). The other keyword arguments are Keras'
        (``clipnorm``, ``weight_decay``, ``gradient_accumulation_steps``...).

        >>> from tapegrad import keras, optim
        >>> opt = keras.optimizers.Optimizer.from_transform(
        ...     lambda lr: optim.chain(optim.scale_by_adam(), optim.scale_by_learning_rate(lr)),
        ...     learning_rate=0.01, global_clipnorm=1.0)
        """
        opt = TransformOptimizer(transform, learning_rate=learning_rate, name=name, **kwargs)
        return opt

    def _transform(self):
        """This optimizer's own chain; the rate to use is ``self._lr_now`` (a Variable)."""
        raise NotImplementedError(f"{type(self).__name__} must define _transform() (or use "
                                  f"Optimizer.from_transform)")

    def _make_pipeline(self):
        parts = []
        if self.loss_scale_factor is not None:
            parts.append(optim.scale(1.0 / self.loss_scale_factor))
        if self.gradient_accumulation_steps:
            parts.append(optim.accumulate(self.gradient_accumulation_steps))
        if self.clipnorm and self.clipnorm > 0:
            parts.append(optim.clip_by_norm(self.clipnorm))
        elif self.global_clipnorm and self.global_clipnorm > 0:
            parts.append(optim.clip_by_global_norm(self.global_clipnorm))
        elif self.clipvalue and self.clipvalue > 0:
            parts.append(optim.clip(self.clipvalue))
        parts.append(self._transform())
        if self.weight_decay is not None:
            # Keras: v -= v * wd * lr before the step; here -lr*wd*v joins the step's update.
            parts.append(optim.add_decayed_weights(self._decay_now, mask=lambda params: self._decay_mask))
        if len(parts) == 1 and parts[0].update_flat is not None:
            return parts[0]
        return optim.chain(*parts)  # a user's transform inside a chain: masks and sparse rows handled

    def __setattr__(self, name, value):
        # Keras reads hyperparameters at every step; here the pipeline is rebuilt when one changes.
        if name in _BASE_OPTIONS or name in self._hyperparameters:
            object.__setattr__(self, "_pipeline", None)
        object.__setattr__(self, name, value)

    # -- learning rate -----------------------------------------------------------------------
    def _set_learning_rate(self, learning_rate, creating=False):
        if isinstance(learning_rate, schedules.LearningRateSchedule) or (
                callable(learning_rate) and not isinstance(learning_rate, TensorLike)):
            self._learning_rate = learning_rate
            return
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object as its "
                            "`learning_rate` constructor argument, hence its learning rate is not "
                            "settable. If you need the learning rate to be settable, you should "
                            "instantiate the optimizer with a float `learning_rate` argument.")
        if creating and not isinstance(learning_rate, float):
            raise ValueError("Argument `learning_rate` should be float, or an instance of "
                             "LearningRateSchedule, or a callable (that takes in the current iteration "
                             "value and returns the corresponding learning rate value). Received "
                             f"instead: learning_rate={learning_rate}")
        if isinstance(self._learning_rate, Variable):
            self._learning_rate.assign(np.float32(_as_float(learning_rate)))
        else:
            with backend.name_scope(self.name, caller=self):
                self._learning_rate = Variable(np.float32(_as_float(learning_rate)),
                                               name="learning_rate", trainable=False)

    @property
    def learning_rate(self):
        """The float32 Variable; for a schedule its value now (a Tensor); for a callable, its result."""
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            return lr(self._iterations)
        if isinstance(lr, Variable):
            return lr
        return lr()

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        self._set_learning_rate(learning_rate)

    def _current_learning_rate(self):
        lr = self.learning_rate
        return np.float32(lr._value if isinstance(lr, TensorLike) else lr)

    @property
    def iterations(self):
        """Steps taken: an int64 Variable (with gradient accumulation, calls // steps)."""
        if self.gradient_accumulation_steps:
            return Tensor(self._iterations._value // np.int64(self.gradient_accumulation_steps))
        return self._iterations

    # -- variables -----------------------------------------------------------------------------
    @property
    def variables(self):
        """The optimizer's state, for checkpoints: iteration, learning_rate (a float rate), EMA
        averages, then each transform's state (per model variable, in Keras' names)."""
        out = [self._iterations]
        if isinstance(self._learning_rate, Variable):
            out.append(self._learning_rate)
        out.extend(self._averages)
        if self._slots is not None:
            out.extend(self._slots.ordered)
        return out

    def build(self, variables):
        """Create the state for ``variables`` (done by the first ``apply_gradients``)."""
        if self.built:
            return
        variables = list(variables)
        self._trainable_variables = variables
        self._index = {id(v): i for i, v in enumerate(variables)}
        labels = [_label(v) for v in variables]
        with backend.name_scope(self.name, caller=self):
            if self.use_ema:
                self._averages = [Variable(np.zeros_like(v._value), name=f"{lab}_average", trainable=False)
                                  for v, lab in zip(variables, labels)]
            self._pipeline = self._make_pipeline()
            self._refresh_decay_mask()
        self._slots = StateSlots(self._init_state(self._pipeline), labels, self.name, self)
        object.__setattr__(self, "built", True)
        self._fusable = self._can_fuse()

    def _init_state(self, pipeline):
        values = [v._value for v in self._trainable_variables]
        masks = [v._mask for v in self._trainable_variables]
        if any(m is not None for m in masks):
            return pipeline.init(values, trainable_masks=masks)
        return pipeline.init(values)

    # A fused step: the transform applies the plainest case (dense gradients, no masks, nothing
    # around it: no clipping, decay, accumulation or EMA) in one loop over the variables instead
    # of the transform machinery (~2,100 Python bytecodes less per step for Adam on 6
    # variables), with the same bits (tests/keras/test_fused_adam.py).
    def _can_fuse(self):
        """Whether the pipeline offers a fused step (asked when the pipeline is built). The
        moving averages (``use_ema``) are kept outside the pipeline: they keep the step unfused."""
        return self._pipeline.fused_apply is not None and not self.use_ema

    def _fused_step(self, updates):
        """Apply ``updates`` (one dense array or None per variable) in place with the pipeline's
        fused step, or return False to leave the step to the pipeline."""
        if self._fused_buffers is None:
            self._workspace.clear()  # the pipeline's buffers: the fused step keeps its own
            self._fused_buffers = [None] * len(updates)
        state = self._pipeline.fused_apply(updates, self._slots.pack(), self._trainable_variables,
                                           self._fused_buffers)
        if state is None:
            return False
        self._store_state(state)
        return True

    def _store_state(self, state):
        if self._slots.store(state):
            self._fusable = False  # per-entry state (a mask's step counts): the pipeline's from now on

    def _rebuild_pipeline(self):
        """A hyperparameter changed: build the pipeline again and carry the state over, leaf by
        leaf, matched by name (a stateless part such as clipping may come or go; new state may
        not)."""
        pipeline = self._make_pipeline()
        fresh = self._init_state(pipeline)
        if not self._slots.carry_over(fresh, [_label(v) for v in self._trainable_variables]):
            raise ValueError(f"Changing this setting of optimizer '{self.name}' after it was built changes "
                             f"the state it keeps; create a new optimizer instance instead")
        self._pipeline = pipeline
        self._fusable = self._can_fuse()

    # -- applying gradients ----------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        """Apply ``zip(grads, variables)``; returns ``iterations`` (as Keras)."""
        grads, variables = zip(*grads_and_vars)
        self.apply(grads, variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Update the variables with ``grads`` (a list matching ``trainable_variables``, or the
        variables the optimizer was built with)."""
        grads = list(grads)
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `variables`, the optimizer must already be "
                                 "built on a list of variables. Call `optimizer.build(trainable_variables)` "
                                 "first. ")
            if len(grads) != len(self._trainable_variables):
                raise ValueError(f"When passing `grads` as a list of gradient tensors, the gradients must "
                                 f"match `optimizer.variables` one-to-on. Received a list of {len(grads)} "
                                 f"gradients, but the optimizer is tracking "
                                 f"{len(self._trainable_variables)} trainable variables.")
            variables = self._trainable_variables
        else:
            variables = list(trainable_variables)
            for v in variables:
                if not isinstance(v, TapegradVariable):
                    raise TypeError(f"{type(self).__name__}.apply_gradients: expected (gradient, Variable) pairs, "
                                    f"got a {type(v).__name__} where a Variable should be: {v!r:.80}")
            if not self.built:
                self.build(variables)
        index = self._index
        full = [None] * len(self._trainable_variables)
        missing = []
        for g, v in zip(grads, variables):
            i = index.get(id(v))
            if i is None or self._trainable_variables[i] is not v:
                raise ValueError(f"Unknown variable: '{_label_for_warning(v)}' (shape {tuple(v.shape)}, "
                                 f"dtype {v.dtype.name}). This optimizer can only be called for the "
                                 f"variables it was originally built with ({len(self._trainable_variables)} "
                                 f"variables). When working with a new set of variables, you should "
                                 f"recreate a new optimizer instance.")
            if g is None:
                missing.append(_label_for_warning(v))
            else:
                full[i] = _gradient_array(g, v)
        if len(missing) == len(grads):
            raise ValueError("No gradients provided for any variable.")
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the loss. If "
                          f"using `model.compile()`, did you forget to provide a `loss` argument?"
                          + _why_none_text(g_v for g_v in zip(grads, variables) if g_v[0] is None))
        self._step(full)

    def _step(self, updates):
        if self._pipeline is None:
            self._rebuild_pipeline()
        lr = self._current_learning_rate()
        self._lr_now._value[...] = lr
        if self.weight_decay is not None:
            self._decay_now._value[...] = -(np.float32(self.weight_decay) * lr)
        variables = self._trainable_variables
        masks = [v._mask for v in variables]  # the one check per variable for trainable masks
        if not any(m is not None for m in masks):
            masks = None
        if not (masks is None and self._fusable and self._fused_step(updates)):  # (fused: done)
            params = [v._value for v in variables]
            updates, state = self._pipeline.update(updates, self._slots.pack(), params,
                                                   inplace=self._workspace, trainable_masks=masks)
            del params  # the variables' buffers must be unshared again to be updated in place
            self._store_state(state)
            for v, u in zip(variables, updates):
                if u is not None:
                    optim.add_to_variable(v, u)  # honours the variable's trainable mask
        if self.use_ema:
            self._update_moving_averages()
        for v, u in zip(variables, updates):
            constraint = getattr(v, "constraint", None)
            if u is not None and constraint is not None:
                if v._mask is None:
                    v.assign(constraint(v))
                else:  # a constraint moves only the trainable entries
                    value = np.array(v._value, copy=True)
                    np.copyto(value, np.asarray(constraint(v)), where=v._mask)
                    v.assign(value)
        if self._iterations._owns_buffer():
            self._iterations._value += 1
        else:
            self._iterations._value = self._iterations._value + 1

    def minimize(self, loss, var_list, tape=None):
        """Compute the gradients of ``loss`` (a callable, or a Tensor recorded by ``tape``) for
        ``var_list`` (or a callable returning it) and apply them (TF-Keras 2's ``minimize``)."""
        from ...core.tape import GradientTape
        if tape is None:
            if not callable(loss):
                raise ValueError("`tape` is required when a `Tensor` loss is passed. Received: "
                                 f"loss={loss}, tape={tape}.")
            with GradientTape() as tape:
                loss = loss()
        if callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        grads = tape.gradient(loss, var_list)
        self.apply_gradients(zip(grads, var_list))
        return self._iterations

    # -- moving averages (use_ema) -------------------------------------------------------------
    def _update_moving_averages(self):
        # optim.ema on the variables' new values, at every call (as Keras, also the calls that
        # only accumulate), counted by Keras' iterations: the first average is the value itself.
        it = int(self._iterations._value)
        if self.gradient_accumulation_steps:
            it //= self.gradient_accumulation_steps
        variables = self._trainable_variables
        masks = [v._mask for v in variables]
        state = optim.EmaState(np.int64(it), [avg._value for avg in self._averages])
        _, state = optim.ema(self.ema_momentum).update(
            [v._value for v in variables], state,
            trainable_masks=masks if any(m is not None for m in masks) else None)
        for avg, new in zip(self._averages, state.ema):
            avg._value = new
        if self.ema_overwrite_frequency and (it + 1) % self.ema_overwrite_frequency == 0:
            self._overwrite_with_averages(variables)

    def _overwrite_with_averages(self, variables):
        if len(variables) != len(self._averages):
            raise ValueError(f"The length of model variables ({len(variables)}) to override does not match "
                             f"the length of model variables stored in the optimizer "
                             f"({len(self._averages)}). Please check if the optimizer was called on your "
                             f"model.")
        for v, avg in zip(variables, self._averages):
            if v._mask is None:
                v.assign(avg._value)
            else:  # only the trainable entries take their average
                value = np.array(v._value, copy=True)
                np.copyto(value, avg._value, where=v._mask)
                v.assign(value)

    def finalize_variable_values(self, var_list):
        """With ``use_ema``, set the variables to their moving averages (``fit`` does at the end)."""
        if self.use_ema:
            self._overwrite_with_averages(list(var_list))

    # -- weight decay exclusions ---------------------------------------------------------------
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Skip weight decay for ``var_list`` and for variables whose name contains one of
        ``var_names`` (a regular expression search, as Keras)."""
        import re
        self._exclude_ids = {id(v) for v in var_list or ()}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None
        self._refresh_decay_mask()

    def _use_weight_decay(self, variable):
        if id(variable) in self._exclude_ids:
            return False
        pattern = self._exclude_pattern
        return pattern is None or pattern.search(variable.name) is None

    def _refresh_decay_mask(self):
        self._decay_mask = [self._use_weight_decay(v) for v in self._trainable_variables]

    # -- saving --------------------------------------------------------------------------------
    def set_weights(self, weights):
        """Assign ``weights`` (arrays, in ``variables`` order) to the optimizer's variables."""
        if not self.built:
            raise ValueError("You are calling `set_weights()` on an optimizer that has not yet been built. "
                             "Please call `optimizer.build(trainable_variables)` to create the optimizer "
                             "weights before calling `set_weights()`.")
        for variable, weight in zip(self.variables, weights):
            weight = np.asarray(weight)
            if tuple(variable.shape) != weight.shape:
                raise ValueError(f"Optimizer variable {variable.path} has shape {tuple(variable.shape)} not "
                                 f"compatible with provided weight shape {weight.shape}.")
            variable.assign(weight.astype(variable._value.dtype))

    def save_own_variables(self, store):
        """Write the state into ``store`` (a dict: "0", "1", ... -> arrays)."""
        for i, variable in enumerate(self.variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        """Read the state written by ``save_own_variables`` (build the optimizer first)."""
        variables = self.variables
        if len(store.keys()) != len(variables):
            msg = (f"Skipping variable loading for optimizer '{self.name}', because it has "
                   f"{len(variables)} variables whereas the saved optimizer has {len(store.keys())} "
                   f"variables. ")
            if len(variables) <= 2:
                msg += "This is likely because the optimizer has not been called/built yet."
            warnings.warn(msg, stacklevel=2)
            return
        for i, variable in enumerate(variables):
            variable.assign(np.asarray(store[str(i)]).astype(variable._value.dtype))

    # -- config ------------------------------------------------------------------------------
    def get_config(self):
        """The constructor arguments (a schedule as its config dict), as Keras."""
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            learning_rate = schedules.serialize(lr)
        elif isinstance(lr, Variable):
            learning_rate = float(lr._value)
        else:
            from .. import serialization
            learning_rate = serialization.serialize_keras_object(lr)
        config = {
            "name": self.name, "learning_rate": learning_rate, "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue, "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }
        config.update({k: getattr(self, k) for k in self._hyperparameters})
        if config.get("sparse", 0) is None:
            del config["sparse"]  # tapegrad's option: Keras' config keys unless it is set
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"], custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} iterations={int(self._iterations._value)}>"


class TransformOptimizer(Optimizer):
    """An optimizer made of a user's ``tapegrad.optim`` transform (see ``from_transform``)."""

    def __init__(self, transform, learning_rate=0.001, **kwargs):
        self._user_transform = transform
        super().__init__(learning_rate=learning_rate, **kwargs)

    def _transform(self):
        tx = self._user_transform
        if isinstance(tx, optim.GradientTransformation):
            return tx
        return tx(self._lr_now)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        raise NotImplementedError("An optimizer made with Optimizer.from_transform cannot be rebuilt from "
                                  "its config: its transform is code. Build it again with from_transform.")


# -- helpers ---------------------------------------------------------------------------------

def _as_float(x):
    return float(x._value if isinstance(x, TensorLike) else x)


def _label_for_warning(v):
    path = getattr(v, "path", None)
    return path if path is not None else v.name


def _rows(g):
    from ...optim._rows import to_rows
    return to_rows(g)


def _why_none_text(grads_and_vars):
    """The reason the tape gave for each None gradient (``tapegrad.debugging.why_none``)."""
    from ...core.tape import why_none
    reasons = []
    for _, v in grads_and_vars:
        r = why_none(v)
        if r is not None:
            reasons.append(f"'{_label_for_warning(v)}': {r}")
    return (" Why: " + "; ".join(reasons) + ".") if reasons else ""


def _gradient_array(g, v):
    """A gradient as an ndarray of the variable's dtype and shape; an IndexedSlices as a
    ``tapegrad.optim.RowUpdate`` (rows summed, kept sparse where the optimizer allows)."""
    if type(g) is Tensor:
        a = g._value
    elif isinstance(g, IndexedSlices):
        rows = _rows(g)
        target = v._value
        if rows.dense_shape != target.shape:
            raise ValueError(f"Gradient of shape {rows.dense_shape} given for variable "
                             f"'{_label_for_warning(v)}' of shape {target.shape}: a gradient must have "
                             f"its variable's shape")
        if rows.values.dtype != target.dtype:
            rows = rows.with_values(rows.values.astype(target.dtype))
        return rows
    elif isinstance(g, TensorLike):
        a = g._value
    else:
        a = np.asarray(g)
    target = v._value
    if a.dtype != target.dtype:
        a = a.astype(target.dtype)
    if a.shape != target.shape:
        raise ValueError(f"Gradient of shape {a.shape} given for variable '{_label_for_warning(v)}' of shape "
                         f"{target.shape}: a gradient must have its variable's shape")
    return a
