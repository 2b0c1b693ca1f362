"""Seed 002, example 3: freeze every layer but the last, then train."""
import numpy as np

import tapegrad as tf

tf.random.set_seed(0)
model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(5, activation="relu"),
                             tf.keras.layers.Dense(4, activation="relu"),
                             tf.keras.layers.Dense(3, activation="softmax")])
x = tf.constant([[1.0, 0.5, -0.5, 2.0], [0.0, 1.0, 1.0, -1.0], [2.0, -1.0, 0.5, 0.5], [-1.0, -0.5, 1.5, 1.0]])
y = tf.constant([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
for layer in model.layers[:-1]:
    layer.trainable = False
print("trainable:", len(model.trainable_variables), "non-trainable:", len(model.non_trainable_variables))
first = model.layers[0].kernel.numpy().copy()

# As written: a GradientTape loop over the last layer's variables.
optimizer = tf.keras.optimizers.Adam(learning_rate=0.01)
for i in range(300):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.keras.losses.categorical_crossentropy(y, model(x)))
    variables = model.layers[-1].trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
print("loop: loss %.4f, first layer unchanged: %s" % (float(loss), np.array_equal(first, model.layers[0].kernel.numpy())))

# The same with compile/fit: fit trains model.trainable_variables, i.e. only the last layer.
model.compile(tf.keras.optimizers.Adam(0.01), "categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x, y, epochs=50, verbose=0)
print("fit: loss %.4f, first layer unchanged: %s" % (history.history["loss"][-1],
                                                     np.array_equal(first, model.layers[0].kernel.numpy())))
