"""Seed 001, example 1: one gradient step of a linear model, by hand."""
import tapegrad as tf

W, b = tf.Variable([0.3], name="weight"), tf.Variable([-0.2], name="bias")
x = tf.constant([[1.0], [2.0], [3.0]])
y_true = tf.constant([[2.0], [4.0], [6.0]])
with tf.GradientTape() as tape:
    loss = tf.reduce_mean(tf.square(y_true - (W * x + b)))
dW, db = tape.gradient(loss, [W, b])
print("loss:", float(loss), "gradients:", dW.numpy(), db.numpy())
W.assign_sub(0.01 * dW)
b.assign_sub(0.01 * db)
print("after one step: W =", W.numpy(), "b =", b.numpy())
