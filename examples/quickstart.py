"""tapegrad in one screen: GradientTape code written for TensorFlow, on NumPy.

    python examples/quickstart.py
"""
import tapegrad as tf

# Fit y = 2x + 1 with a hand-written training loop, exactly as with tf.GradientTape.
tf.random.set_seed(0)
x = tf.random.normal([64, 1])
y = 2.0 * x + 1.0
w = tf.Variable(tf.zeros([1, 1]), name="w")
b = tf.Variable(tf.zeros([1]), name="b")

for step in range(201):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(x @ w + b - y))
    dw, db = tape.gradient(loss, [w, b])
    w.assign_sub(0.02 * dw)
    b.assign_sub(0.02 * db)
    if step % 50 == 0:
        print(f"step {step:3d}  loss {float(loss):.6f}")
print(f"w = {float(w[0, 0]):.4f}, b = {float(b[0]):.4f}  (true: 2, 1)")

# Gradients for a chosen subset only: the backward pass runs just what that subset needs.
with tf.GradientTape(persistent=True) as tape:
    loss = tf.reduce_mean(tf.square(x @ w + b - y))
print("d loss / d b only:", tape.gradient(loss, b).numpy())

# Higher derivatives with nested tapes.
t = tf.Variable(3.0)
with tf.GradientTape() as outer:
    with tf.GradientTape() as inner:
        f = t * t * t
    df = inner.gradient(f, t)
d2f = outer.gradient(df, t)
print(f"f = t^3 at t = 3:  f' = {df},  f'' = {d2f}")
