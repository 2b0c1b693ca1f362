"""Seed 003, example 1: train only some entries of a variable by masking the gradient."""
import tapegrad as tf

mask = tf.constant([[True, False, True], [False, True, False]])


def run(optimizer, steps=1):
    """The example's step (loss = reduce_sum(var), the gradient masked with tf.where), ``steps`` times;
    (var, the last gradient, the last masked gradient)."""
    var = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(var)
        gradients = tape.gradient(loss, var)
        masked_gradients = tf.where(mask, gradients, tf.zeros_like(gradients))
        optimizer.apply_gradients(zip([masked_gradients], [var]))
    return var, gradients, masked_gradients


# As written (plain SGD, one step): exact -- the masked-out entries keep their values.
var, gradients, masked_gradients = run(tf.keras.optimizers.SGD(learning_rate=0.1))
print("SGD:\n", var.numpy())
# Pitfall: with weight decay (or momentum after a mask change) the masked-out entries move anyway.
print("AdamW, 3 steps (weight decay moves the 'frozen' entries):\n",
      run(tf.keras.optimizers.AdamW(0.1, weight_decay=0.5), steps=3)[0].numpy())
