"""Seed 003, example 2: a dynamic mask -- update the 20% largest entries."""
import numpy as np

import tapegrad as tf

var = tf.Variable(np.random.RandomState(3).rand(10, 10))  # float64, as in the example
k = int(var.shape[0] * var.shape[1] * 0.2)


def top_mask(v):
    flat = tf.reshape(v, [-1])
    idx = tf.math.top_k(tf.abs(flat), k=k).indices
    mask = tf.scatter_nd(tf.expand_dims(idx, 1), tf.ones(k, dtype=v.dtype), flat.shape)
    return tf.cast(tf.reshape(mask, v.shape), tf.bool)


optimizer = tf.keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
before = var.numpy().copy()
for step in range(3):
    mask = top_mask(var)  # the mask changes as the values change
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(var)
    g = tape.gradient(loss, var)
    optimizer.apply_gradients([(tf.where(mask, g, tf.zeros_like(g)), var)])
    print(f"step {step}: entries changed so far: {int((var.numpy() != before).sum())} "
          f"(the mask holds {k})")
# Pitfall: with momentum, entries that left the mask keep moving on their old velocity, so more
# than k entries change although each step masks all but k gradients.
