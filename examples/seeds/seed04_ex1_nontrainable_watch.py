"""Seed 004, example 1: the gradient with respect to a non-trainable variable."""
import tapegrad as tf

x = tf.Variable(3.0, trainable=False)
y = tf.Variable(2.0, trainable=True)
with tf.GradientTape() as tape:
    tape.watch(x)  # needed: non-trainable variables are not watched automatically
    z = x * y
dz_dx = tape.gradient(z, x)
print(f"dz/dx: {dz_dx}")
try:
    tape.gradient(z, y)  # as written: a second call on a non-persistent tape
except RuntimeError as e:
    pitfall = e
    print("pitfall, second gradient call:", type(e).__name__, "-", e)

# Intended: ask for both at once (or use persistent=True).
with tf.GradientTape() as tape:
    tape.watch(x)
    z = x * y
dx, dy = tape.gradient(z, [x, y])
print(f"dz/dx: {dx}, dz/dy: {dy}")
