"""Seed 002, example 3: freeze every layer but the last, then train."""
import numpy as np

import tapegrad as tf

model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(5, activation="relu"),
                             tf.keras.layers.Dense(4, activation="relu"),
                             tf.keras.layers.Dense(3, activation="softmax")])
# A small "pre-trained" stand-in with deterministic weights (the same as the conformance case
# that recorded TensorFlow's answers).
for i, layer in enumerate(model.layers):
    shape = tuple(layer.kernel.shape)
    kernel = np.cos(np.arange(np.prod(shape), dtype=np.float64) * (0.9 + i)) * 0.5 + 0.1
    layer.set_weights([kernel.reshape(shape).astype(np.float32), np.full(shape[1], 0.05, np.float32)])
x = tf.constant([[1.0, 0.5, -0.5, 2.0], [0.0, 1.0, 1.0, -1.0], [2.0, -1.0, 0.5, 0.5], [-1.0, -0.5, 1.5, 1.0]])
y = tf.constant([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
for layer in model.layers[:-1]:
    layer.trainable = False
print("trainable:", len(model.trainable_variables), "non-trainable:", len(model.non_trainable_variables))
first = model.layers[0].kernel.numpy().copy()

# As written: a GradientTape loop over the last layer's variables.
optimizer = tf.keras.optimizers.Adam(learning_rate=0.0001)
losses = {}
for i in range(1000):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.keras.losses.categorical_crossentropy(y, model(x)))
    variables = model.layers[-1].trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    if i % 100 == 0:
        losses[i] = loss
last_kernel, last_bias = model.layers[-1].get_weights()
loop_first_unchanged = np.array_equal(first, model.layers[0].kernel.numpy())
print("loop: loss %.4f, first layer unchanged: %s" % (float(loss), loop_first_unchanged))

# The same with compile/fit: fit trains model.trainable_variables, i.e. only the last layer.
model.compile(tf.keras.optimizers.Adam(0.01), "categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x, y, epochs=50, verbose=0)
print("fit: loss %.4f, first layer unchanged: %s" % (history.history["loss"][-1],
                                                     np.array_equal(first, model.layers[0].kernel.numpy())))
