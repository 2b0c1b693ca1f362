"""Seed 001, example 3: nested tapes for a second derivative."""
import tapegrad as tf

x = tf.Variable(1.0)
with tf.GradientTape() as outer:
    with tf.GradientTape() as inner:
        result = x * 2.0 ** 2          # 4x
    first = inner.gradient(result, x)  # 4.0
second = outer.gradient(first, x)
# Pitfall: the first derivative is the constant 4, which does not depend on x: TensorFlow (and
# tapegrad) return None, not 0.
print(f"First order gradient: {first}, Second order gradient: {second}")

# Intended: a function with a non-zero second derivative, or ask for zeros explicitly.
with tf.GradientTape() as outer:
    with tf.GradientTape() as inner:
        y = x ** 3
    dy = inner.gradient(y, x)
print("d/dx x^3 =", float(dy), " d2/dx2 x^3 =", float(outer.gradient(dy, x)))
with tf.GradientTape() as outer:
    with tf.GradientTape() as inner:
        result = x * 4.0
    first = inner.gradient(result, x)
print("with unconnected_gradients='zero':", float(outer.gradient(first, x, unconnected_gradients="zero")))
