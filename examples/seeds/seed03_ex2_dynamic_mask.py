"""Seed 003, example 2: a dynamic mask -- update the 20% largest entries."""
import numpy as np

import tapegrad as tf

var = tf.Variable(np.random.RandomState(3).rand(10, 10))  # float64, as in the example
num_to_update = int(var.shape[0] * var.shape[1] * 0.2)


def top_mask(v):
    """(mask of the num_to_update largest |entries|, their flat indices), as the example builds it."""
    flat = tf.reshape(v, [-1])
    top_indices = tf.math.top_k(tf.abs(flat), k=num_to_update).indices
    mask = tf.scatter_nd(tf.expand_dims(top_indices, 1), tf.ones(num_to_update), flat.shape)
    return tf.cast(tf.reshape(mask, v.shape), tf.bool), top_indices


def step(optimizer, mask):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(var)
    g = tape.gradient(loss, var)
    optimizer.apply_gradients([(tf.where(mask, g, tf.zeros_like(g)), var)])


# As written (the example leaves its loop open; Example 1's step: SGD(0.1), loss = reduce_sum(var)).
mask, top_indices = top_mask(var)
before = var.numpy().copy()
step(tf.keras.optimizers.SGD(learning_rate=0.1), mask)
var_after = var.numpy().copy()
changed_count = int((var_after != before).sum())
print(f"one SGD step: {changed_count} entries changed (the mask holds {num_to_update})")

# Pitfall: with momentum, entries that left the mask keep moving on their old velocity, so more
# than num_to_update entries change although each step masks all but num_to_update gradients.
optimizer = tf.keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
for i in range(3):
    step(optimizer, top_mask(var)[0])  # the mask changes as the values change
    print(f"momentum step {i}: entries changed so far: {int((var.numpy() != var_after).sum())} "
          f"(the mask holds {num_to_update})")
