"""Seed 003, example 3: update chosen entries with scatter operations."""
import tapegrad as tf

indices = tf.constant([[0, 0], [1, 1]])
lr = 0.01

# As written: scatter_nd_update writes the *step* into the entries (it overwrites them).
var = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
for epoch in range(10):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(var)
    selected = tf.gather_nd(tape.gradient(loss, var), indices)
    var.scatter_nd_update(indices, -lr * selected)
as_written, as_written_loss = var.numpy(), loss
print("as written (entries replaced by -0.01):\n", as_written)

# Intended: subtract the step from the entries.
var = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
for epoch in range(10):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(var)
    selected = tf.gather_nd(tape.gradient(loss, var), indices)
    var.scatter_nd_sub(indices, lr * selected)
print("intended (scatter_nd_sub: entries decreased by 10 * 0.01):\n", var.numpy())
