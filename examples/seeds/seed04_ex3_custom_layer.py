"""Seed 004, example 3: a custom Keras layer holding raw Variables."""
import tapegrad as tf


class CustomLayer(tf.keras.layers.Layer):  # as written
    def __init__(self, non_trainable_weight):
        super().__init__()
        self.non_trainable_weight = tf.Variable(non_trainable_weight, trainable=False)
        self.trainable_weight = tf.Variable(1.0, trainable=True)

    def call(self, inputs):
        return inputs * self.non_trainable_weight + self.trainable_weight


layer = CustomLayer(non_trainable_weight=2.0)
inputs = tf.constant([1.0, 2.0, 3.0])
with tf.GradientTape() as tape:
    tape.watch(layer.non_trainable_weight)
    outputs = layer(inputs)
g = tape.gradient(outputs, [layer.non_trainable_weight, layer.trainable_weight])
print(f"Gradient w.r.t. non-trainable weight: {g[0]}")  # 6.0
print(f"Gradient w.r.t. trainable weight: {g[1]}")      # 3.0
# Pitfall: Keras 3 does not track raw Variables -- the layer reports no weights, so fit(),
# save_weights() and model.trainable_variables miss them.
print("layer.weights as written:", layer.weights)


class IntendedLayer(tf.keras.layers.Layer):  # intended: add_weight
    def __init__(self, non_trainable_weight):
        super().__init__()
        self.scale = self.add_weight(shape=(), initializer=tf.keras.initializers.Constant(non_trainable_weight),
                                     trainable=False, name="scale")
        self.offset = self.add_weight(shape=(), initializer="ones", name="offset")

    def call(self, inputs):
        return inputs * self.scale + self.offset


intended = IntendedLayer(2.0)
print("intended:", intended(inputs).numpy(), [w.path for w in intended.weights],
      "trainable:", [w.name for w in intended.trainable_weights])
