"""Seed 002, example 1: Keras SGD on two variables (y = 2x + 1)."""
import tapegrad as tf

x_train = tf.constant([1.0, 2.0, 3.0, 4.0])
y_train = tf.constant([3.0, 5.0, 7.0, 9.0])
W, b = tf.Variable([0.5], name="weight"), tf.Variable([0.0], name="bias")
optimizer = tf.keras.optimizers.SGD(learning_rate=0.01)
losses = {}
for i in range(1000):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(W * x_train + b - y_train))
    optimizer.apply_gradients(zip(tape.gradient(loss, [W, b]), [W, b]))
    if i % 100 == 0:
        losses[i] = loss
        print(f"Iteration {i}, Loss: {float(loss):.5f}")
print("W =", W.numpy(), "b =", b.numpy(), "steps:", int(optimizer.iterations))
