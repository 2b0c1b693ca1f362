"""Seed 000, example 1: gradients with respect to a subset of variables."""
import tapegrad as tf

x, y, z = tf.Variable(1.0, name="x"), tf.Variable(2.0, name="y"), tf.Variable(3.0, name="z")

# As written: a persistent tape, then gradients for [x, y] only.
with tf.GradientTape(persistent=True) as tape:
    loss = x ** 2 + y ** 2
gradients = tape.gradient(loss, [x, y])
print(f"Gradient of x: {gradients[0]}")  # 2.0
print(f"Gradient of y: {gradients[1]}")  # 4.0
print("z is not used, so its gradient is", tape.gradient(loss, z))  # None
del tape

# Intended: one gradient call needs no persistent tape; tapegrad's backward pass visits only
# the ops between the requested sources and the loss.
with tf.GradientTape() as tape:
    loss = x ** 2 + y ** 2
dx, dy = tape.gradient(loss, [x, y])
print("non-persistent:", float(dx), float(dy))
