"""Train, freeze, fine-tune: a small convolutional network on scikit-learn's handwritten digits.

Runs on a fresh machine with no download (the 1,797 8x8 digit images ship inside scikit-learn):

    pip install -e ".[examples]"      # tapegrad + scikit-learn
    python examples/finetune_digits.py

1. Pre-train the whole network on the digits 0-4 only.
2. Transfer: put a new 10-way head on it, freeze the body (``layer.trainable = False``) and train
   only the head on all ten digits with ``fit``.
3. Fine-tune only a masked part of one layer -- half of the units of the body's last Dense
   layer (``variable.trainable_mask``) -- and the head, with ``fit`` and Adam: the masked-out
   entries stay bit-identical, which the script checks.

Everything is seeded: the printed accuracies repeat from run to run.
"""
import numpy as np

import tapegrad as tf
from tapegrad import keras

try:
    from sklearn.datasets import load_digits
except ImportError:  # pragma: no cover - the message is the point
    raise SystemExit("This example needs scikit-learn: pip install -e '.[examples]' (or pip install scikit-learn)")

L = keras.layers


def load():
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[..., None]  # (1797, 8, 8, 1) in [0, 1]
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]
    split = int(0.8 * len(x))
    return (x[:split], y[:split]), (x[split:], y[split:])


def accuracy(model, x, y):
    return float(np.mean(model.predict(x, verbose=0).argmax(axis=-1) == y))


def main():
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = load()

    body = keras.Sequential([
        keras.Input((8, 8, 1)),
        L.Conv2D(16, 3, padding="same", activation="relu"),
        L.MaxPooling2D(2),
        L.Conv2D(32, 3, padding="same", activation="relu"),
        L.Flatten(),
        L.Dense(64, activation="relu", name="features"),
    ], name="body")

    # 1. pre-train body + a 5-way head on the digits 0-4
    first = y_train < 5
    pretrain = keras.Sequential([body, L.Dense(5, activation="softmax", name="head5")], name="pretrain")
    pretrain.compile(keras.optimizers.Adam(0.003), "sparse_categorical_crossentropy", metrics=["accuracy"])
    print("== 1. pre-train on digits 0-4 (whole network)")
    pretrain.fit(x_train[first], y_train[first], batch_size=32, epochs=4, validation_split=0.1)
    print(f"test accuracy on digits 0-4: {accuracy(pretrain, x_test[y_test < 5], y_test[y_test < 5]):.4f}")

    # 2. a new head for ten digits; the body is frozen
    body.trainable = False
    model = keras.Sequential([body, L.Dense(10, activation="softmax", name="head10")], name="transfer")
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.summary()
    frozen_before = [w.numpy().copy() for w in body.weights]
    print("== 2. train only the new head on all ten digits (body frozen)")
    model.fit(x_train, y_train, batch_size=32, epochs=5, validation_split=0.1)
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(frozen_before, body.weights))
    head_only = accuracy(model, x_test, y_test)
    print(f"test accuracy, head only: {head_only:.4f}  (body weights unchanged: yes)")

    # 3. fine-tune half of the units of the body's last Dense layer (and the head), with fit
    features = body.get_layer("features")
    features.trainable = True              # this layer trains again (the rest of the body stays frozen),
    features.bias.trainable = False        # but not its bias,
    mask = np.zeros(features.kernel.shape, bool)
    mask[:, :32] = True
    features.kernel.trainable_mask = mask  # and only units 0-31 of its kernel: the tape's gradient is zero elsewhere
    kernel_before = features.kernel.numpy().copy()
    rest_before = [w.numpy().copy() for w in body.weights if w is not features.kernel]
    print("== 3. fine-tune units 0-31 of 'features' (a masked part of one layer) and the head")
    model.compile(keras.optimizers.Adam(0.003), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=4, validation_split=0.1)
    after = features.kernel.numpy()
    assert np.array_equal(after[~mask], kernel_before[~mask])
    assert all(np.array_equal(a, w.numpy()) for a, w in zip(rest_before, [w for w in body.weights
                                                                          if w is not features.kernel]))
    changed = int((after != kernel_before).sum())
    print(f"'features' kernel: {changed} of {int(mask.sum())} masked-in entries changed, "
          f"{int((~mask).sum())} masked-out entries bit-identical; the rest of the body unchanged")
    print(f"test accuracy, head + masked part of one layer: {accuracy(model, x_test, y_test):.4f}")

if __name__ == "__main__":
    main()
