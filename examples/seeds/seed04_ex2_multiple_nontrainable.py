"""Seed 004, example 2: several non-trainable variables."""
import tapegrad as tf

a, b = tf.Variable(1.0, trainable=False), tf.Variable(2.0, trainable=False)
c = tf.Variable(3.0, trainable=True)
with tf.GradientTape() as tape:
    tape.watch([a, b])
    loss = tf.square(a + b - c)
print("watched:", [float(g) for g in tape.gradient(loss, [a, b, c])])  # [0.0, 0.0, -0.0]
with tf.GradientTape() as tape:
    loss = tf.square(a + b - (c + 1.0))
print("not watched:", tape.gradient(loss, [a, b, c]))  # a, b: None
