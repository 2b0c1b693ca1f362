"""Seed 002, example 2: an MLP trained with Adam(clipnorm=1.0)."""
import numpy as np

import tapegrad as tf

x = (0.5 + 0.5 * np.sin(np.arange(6 * 784).reshape(6, 784) * 0.013)).astype(np.float32) / 28.0
y = tf.one_hot([0, 3, 7, 3, 9, 1], depth=10)


def make_model():
    tf.random.set_seed(0)
    return tf.keras.Sequential([tf.keras.Input((784,)), tf.keras.layers.Dense(64, activation="relu"),
                                tf.keras.layers.Dense(10)])


def train(from_logits):
    model = make_model()
    optimizer = tf.keras.optimizers.Adam(learning_rate=0.001, clipnorm=1.0)
    for i in range(200):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.keras.losses.categorical_crossentropy(y, model(x), from_logits=from_logits))
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    predicted = model(x).numpy().argmax(-1)
    return float(loss), float(np.mean(predicted == y.numpy().argmax(-1)))


# As written: the last layer outputs logits but the loss is told they are probabilities; Keras
# renormalises and clips them to [1e-7, 1 - 1e-7], so the loss is not the crossentropy.
print("as written (logits treated as probabilities): loss %.4f, train accuracy %.2f" % train(False))
# Intended: from_logits=True.
print("intended (from_logits=True):                  loss %.4f, train accuracy %.2f" % train(True))
