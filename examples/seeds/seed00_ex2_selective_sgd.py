"""Seed 000, example 2: update only W with SGD; b is never updated."""
import tapegrad as tf

W = tf.Variable([[0.5], [-0.3]], name="weights")
b = tf.Variable(tf.zeros([1]), name="bias")
optimizer = tf.keras.optimizers.SGD(learning_rate=0.1)
x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
y = tf.constant([[5.0], [6.0]])

losses = []
for epoch in range(10):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(tf.matmul(x, W) + b - y))
    gradients = tape.gradient(loss, [W])  # only W: the backward pass never computes b's gradient
    optimizer.apply_gradients(zip(gradients, [W]))
    losses.append(loss)
    print(f"Epoch {epoch + 1}, Loss: {float(loss):.4g}")
print("b is unchanged:", b.numpy())
print("Note: with learning_rate=0.1 this problem diverges (as in TensorFlow); 0.01 converges.")
