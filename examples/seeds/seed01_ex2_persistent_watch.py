"""Seed 001, example 2: a persistent tape answers several gradient calls."""
import tapegrad as tf

x, y = tf.Variable(2.0), tf.Variable(3.0)
with tf.GradientTape(persistent=True) as tape:
    tape.watch(x)  # redundant: trainable variables are watched automatically
    tape.watch(y)
    z = x * y
print("dz/dx =", float(tape.gradient(z, x)), " dz/dy =", float(tape.gradient(z, y)))
del tape

# Intended: one call for both (no persistent tape, no watch).
with tf.GradientTape() as tape:
    z = x * y
print("both at once:", [float(g) for g in tape.gradient(z, [x, y])])
