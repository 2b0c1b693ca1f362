"""Seed 003, example 1: train only some entries of a variable by masking the gradient."""
import tapegrad as tf

mask = tf.constant([[True, False, True], [False, True, False]])


def run(optimizer, steps=3):
    var = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(var * var)
        g = tape.gradient(loss, var)
        optimizer.apply_gradients([(tf.where(mask, g, tf.zeros_like(g)), var)])
    return var.numpy()


# As written (plain SGD): exact -- the masked-out entries keep their values.
print("SGD:\n", run(tf.keras.optimizers.SGD(learning_rate=0.1)))
# Pitfall: with weight decay (or momentum after a mask change) the masked-out entries move anyway.
print("AdamW (weight decay moves the 'frozen' entries):\n", run(tf.keras.optimizers.AdamW(0.1, weight_decay=0.5)))
