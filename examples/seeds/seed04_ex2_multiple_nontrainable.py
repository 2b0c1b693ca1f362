"""Seed 004, example 2: several non-trainable variables."""
import tapegrad as tf

a, b = tf.Variable(1.0, trainable=False), tf.Variable(2.0, trainable=False)
c = tf.Variable(3.0, trainable=True)
with tf.GradientTape() as tape:
    tape.watch([a, b])
    loss = tf.square(a + b - c)
watched = tape.gradient(loss, [a, b, c])
watched_count = len(tape.watched_variables())
print("watched:", [float(g) for g in watched], "of", watched_count, "variables")  # [0.0, 0.0, -0.0]
with tf.GradientTape() as tape:
    loss2 = tf.square(a + b - (c + 1.0))
unwatched = tape.gradient(loss2, [a, b, c])
print("not watched:", unwatched)  # a, b: None
