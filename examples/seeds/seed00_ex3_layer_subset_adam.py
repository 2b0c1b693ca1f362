"""Seed 000, example 3: gradients for one layer of a Keras model."""
import numpy as np

import tapegrad as tf

model = tf.keras.Sequential([tf.keras.Input((10,)), tf.keras.layers.Dense(64, activation="relu"),
                             tf.keras.layers.Dense(10, activation="softmax")])
print("variable names:", [v.name for v in model.trainable_variables])
print("variable paths:", [v.path for v in model.trainable_variables])

x = np.sin(np.arange(1000, dtype=np.float32).reshape(100, 10) * 0.37)
y = tf.one_hot(np.arange(100) % 10, 10)
loss_fn = tf.keras.losses.CategoricalCrossentropy()
optimizer = tf.keras.optimizers.Adam()

# As written: filter on the name -- Keras 3 names are "kernel"/"bias", so this selects nothing,
# the gradient list is empty and apply_gradients raises ValueError (as in TensorFlow).
selected = [v for v in model.trainable_variables if "dense" in v.name and "dense_1" in v.name]
print("pitfall: the name filter selects", len(selected), "variables")
with tf.GradientTape() as tape:
    loss = loss_fn(y, model(x))
selected_gradients = tape.gradient(loss, selected)
try:
    optimizer.apply_gradients(zip(selected_gradients, selected))
except ValueError as e:
    pitfall = e
    print("pitfall: apply_gradients:", type(e).__name__, "-", e)
iterations_after_pitfall = optimizer.iterations.numpy()

# Intended: ask the layer for its variables (or filter on v.path).
layer1_vars = model.layers[1].trainable_variables
for epoch in range(10):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x))
    gradients = tape.gradient(loss, layer1_vars)
    optimizer.apply_gradients(zip(gradients, layer1_vars))
    print(f"Epoch {epoch + 1}, Loss: {float(loss):.4f}")
