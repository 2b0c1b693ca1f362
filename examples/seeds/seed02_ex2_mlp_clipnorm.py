"""Seed 002, example 2: an MLP trained with Adam(clipnorm=1.0)."""
import numpy as np

import tapegrad as tf

# The seed leaves the data and the initial weights open: six explicit examples and deterministic
# weights (the same as the conformance case that recorded TensorFlow's answers).
x = (0.5 + 0.5 * np.sin(np.arange(6 * 784).reshape(6, 784) * 0.013)).astype(np.float32) / 28.0
y = tf.one_hot([0, 3, 7, 3, 9, 1], depth=10)
KERNELS = ((np.cos(np.arange(784 * 64).reshape(784, 64) * 0.011) * 0.05 + 0.02).astype(np.float32),
           (np.cos(np.arange(640).reshape(64, 10) * 0.05) * 0.05 + 0.06).astype(np.float32))


def make_model():
    model = tf.keras.Sequential([tf.keras.Input((784,)), tf.keras.layers.Dense(64, activation="relu"),
                                 tf.keras.layers.Dense(10)])
    for layer, kernel in zip(model.layers, KERNELS):
        layer.set_weights([kernel, np.zeros(kernel.shape[1], np.float32)])
    return model


def train(from_logits, steps):
    model = make_model()
    optimizer = tf.keras.optimizers.Adam(learning_rate=0.001, clipnorm=1.0)
    losses = {}
    for i in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.keras.losses.categorical_crossentropy(y, model(x), from_logits=from_logits))
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        if i % 100 == 0:
            losses[i] = loss
    accuracy = float(np.mean(model(x).numpy().argmax(-1) == y.numpy().argmax(-1)))
    return model, optimizer, losses, loss, accuracy


# As written: the last layer outputs logits but the loss is told they are probabilities; Keras
# clips them to [1e-7, 1 - 1e-7] and renormalises, so the loss is not the crossentropy: it
# saturates at 16.118 and stops learning.
model, optimizer, losses, loss, accuracy = train(False, 1000)
print("as written (logits treated as probabilities): loss %.4f, train accuracy %.2f" % (float(loss), accuracy))
# Intended: from_logits=True.
intended = train(True, 200)
print("intended (from_logits=True):                  loss %.4f, train accuracy %.2f" % (float(intended[3]),
                                                                                         intended[4]))
