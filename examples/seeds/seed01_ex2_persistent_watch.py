"""Seed 001, example 2: a persistent tape answers several gradient calls."""
import tapegrad as tf

x, y = tf.Variable(2.0), tf.Variable(3.0)
with tf.GradientTape(persistent=True) as tape:
    tape.watch(x)  # redundant: trainable variables are watched automatically
    tape.watch(y)
    z = x * y
dz_dx, dz_dy = tape.gradient(z, x), tape.gradient(z, y)
watched_count = len(tape.watched_variables())
print("dz/dx =", float(dz_dx), " dz/dy =", float(dz_dy), " watched:", watched_count)
del tape

# Intended: one call for both (no persistent tape, no watch).
with tf.GradientTape() as tape:
    z = x * y
print("both at once:", [float(g) for g in tape.gradient(z, [x, y])])
