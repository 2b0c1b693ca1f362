"""Saved arrays are freed by reference counting alone: after a non-persistent gradient, and when
a persistent tape is deleted (no reference cycles)."""
import gc
import weakref

import numpy as np

import tapegrad as tf


def _intermediate_value(tape_kwargs):
    w = tf.Variable(np.ones((64, 64), np.float32))
    x = tf.constant(np.ones((8, 64), np.float32))
    with tf.GradientTape(**tape_kwargs) as tape:
        h = tf.tanh(x @ w)             # tanh saves its output, matmul its inputs
        loss = tf.reduce_sum(h * h)
    ref = weakref.ref(h._value)
    del h
    return tape, loss, w, ref


def test_non_persistent_gradient_frees_saved_arrays_immediately():
    gc.disable()
    try:
        tape, loss, w, ref = _intermediate_value({})
        assert ref() is not None       # saved for the backward pass
        tape.gradient(loss, w)
        assert ref() is None           # used, then freed: the user still holds tape and loss
    finally:
        gc.enable()


def test_deleting_a_persistent_tape_frees_without_the_garbage_collector():
    gc.disable()
    try:
        tape, loss, w, ref = _intermediate_value({"persistent": True})
        tape.gradient(loss, w)
        assert ref() is not None       # persistent: kept for further gradients
        del tape, loss
        assert ref() is None
    finally:
        gc.enable()


def test_tape_and_nodes_form_no_reference_cycle():
    gc.collect()
    gc.disable()
    try:
        for persistent in (False, True):
            tape, loss, w, _ = _intermediate_value({"persistent": persistent})
            tape.gradient(loss, w)
            del tape, loss
        assert gc.collect() == 0
    finally:
        gc.enable()
