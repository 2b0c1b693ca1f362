"""Row-sparse updates: IndexedSlices gradients applied in O(rows touched).

- exactly (the dense numbers, bit for bit): SGD without momentum, Adagrad, with clipvalue;
- lazily (``sparse="lazy"`` / ``lazy_sparse=True``): Adam, RMSprop, SGD momentum update only the
  touched rows' state and values -- equal, bit for bit, to the dense optimizer run on a variable
  made of the touched rows when the same rows are touched at every step;
- dense Adam stays the default and gives the dense numbers.
"""
import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras, optim
from tapegrad.optim import base as optim_base

F = np.float32
ROWS, DIM = 50, 4


def bits(a):
    return np.ascontiguousarray(a).view(np.uint32)


def table():
    return np.random.default_rng(0).standard_normal((ROWS, DIM)).astype(F)


def slices(rng, ids):
    """An IndexedSlices gradient as the tape gives it for gather(table, ids)."""
    ids = np.asarray(ids)
    values = rng.standard_normal((ids.size, DIM)).astype(F)
    return tf.IndexedSlices(tf.constant(values), tf.constant(ids.astype(np.int32)),
                            tf.constant(np.array([ROWS, DIM], np.int32)))


def state_arrays(opt):
    return {v.name: v.numpy() for v in opt.variables}


@pytest.fixture
def no_densify(monkeypatch):
    """Fail if a sparse update is densified anywhere in the optimizer."""
    def refuse(updates, frame):
        raise AssertionError("a row-sparse update was densified")
    monkeypatch.setattr(optim_base, "densify_all", refuse)


EXACT = {
    "sgd": lambda **kw: keras.optimizers.SGD(0.1, **kw),
    "adagrad": lambda **kw: keras.optimizers.Adagrad(0.1, **kw),
    "sgd_clipvalue": lambda **kw: keras.optimizers.SGD(0.1, clipvalue=0.5, **kw),
    "adagrad_loss_scale": lambda **kw: keras.optimizers.Adagrad(0.1, loss_scale_factor=4.0, **kw),
}


@pytest.mark.parametrize("name", list(EXACT))
def test_exact_optimizers_apply_rows_with_the_dense_numbers(name, no_densify):
    rng = np.random.default_rng(1)
    sparse_var, dense_var = tf.Variable(table(), name="t"), tf.Variable(table(), name="t")
    sparse_opt, dense_opt = EXACT[name](), EXACT[name]()
    for _ in range(6):
        g = slices(rng, rng.integers(0, ROWS, 12))             # duplicates included
        sparse_opt.apply_gradients([(g, sparse_var)])
        dense_opt.apply_gradients([(tf.convert_to_tensor(g), dense_var)])
    np.testing.assert_array_equal(bits(sparse_var.numpy()), bits(dense_var.numpy()))
    for (k1, a), (k2, b) in zip(state_arrays(sparse_opt).items(), state_arrays(dense_opt).items()):
        np.testing.assert_array_equal(a, b, err_msg=k1)


def test_transforms_keep_rows_sparse_and_apply_updates_adds_rows():
    rng = np.random.default_rng(2)
    g = slices(rng, [3, 1, 3])
    for tx in (optim.scale_by_learning_rate(0.1), optim.scale_by_adagrad(), optim.clip_by_global_norm(1.0),
               optim.adam(0.1, lazy_sparse=True), optim.scale_by_rms(lazy_sparse=True),
               optim.trace(0.9, lazy_sparse=True), optim.chain(optim.clip(0.1), optim.scale(2.0))):
        u, _ = tx.update([g], tx.init([table()]), [table()])
        assert type(u[0]) is optim.RowUpdate and u[0].indices.tolist() == [1, 3]
    u, _ = optim.scale_by_adam().update([g], optim.scale_by_adam().init([table()]))
    assert type(u[0]) is np.ndarray                           # dense Adam: dense numbers
    rows = optim.scale(1.0).update([g], optim.EmptyState())[0][0]
    np.testing.assert_array_equal(np.asarray(rows), np.asarray(tf.convert_to_tensor(g)))  # duplicates summed
    new = optim.apply_updates([table()], [rows])[0]
    np.testing.assert_array_equal(new, table() + np.asarray(tf.convert_to_tensor(g)))
    var = tf.Variable(table())
    optim.apply_updates([var], [rows])
    np.testing.assert_array_equal(var.numpy(), new)


LAZY = {
    "adam": (lambda: keras.optimizers.Adam(0.05, sparse="lazy"), lambda: keras.optimizers.Adam(0.05)),
    "amsgrad": (lambda: keras.optimizers.Adam(0.05, amsgrad=True, sparse="lazy"),
                lambda: keras.optimizers.Adam(0.05, amsgrad=True)),
    "rmsprop": (lambda: keras.optimizers.RMSprop(0.01, sparse="lazy"), lambda: keras.optimizers.RMSprop(0.01)),
    "rmsprop_centered_momentum": (
        lambda: keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True, sparse="lazy"),
        lambda: keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True)),
    "sgd_momentum": (lambda: keras.optimizers.SGD(0.1, momentum=0.9, sparse="lazy"),
                     lambda: keras.optimizers.SGD(0.1, momentum=0.9)),
    "sgd_nesterov": (lambda: keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True, sparse="lazy"),
                     lambda: keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True)),
    "adam_global_clipnorm": (lambda: keras.optimizers.Adam(0.05, global_clipnorm=0.5, sparse="lazy"),
                             lambda: keras.optimizers.Adam(0.05, global_clipnorm=0.5)),
}


@pytest.mark.parametrize("name", list(LAZY))
def test_lazy_optimizers_update_only_touched_rows(name, no_densify):
    """Touching the same rows at every step, the lazy optimizer's rows equal the dense optimizer
    run on a variable of those rows alone (bit for bit); the other rows and their state never move."""
    make_lazy, make_dense = LAZY[name]
    rng = np.random.default_rng(3)
    touched = np.array([2, 7, 8, 30])
    big = tf.Variable(table(), name="t")
    small = tf.Variable(table()[touched], name="t")
    lazy, dense = make_lazy(), make_dense()
    for _ in range(6):
        ids = rng.permutation(np.repeat(touched, 2))            # each row twice, in any order
        g = slices(rng, ids)
        lazy.apply_gradients([(g, big)])
        dense.apply_gradients([(tf.constant(np.asarray(tf.convert_to_tensor(g))[touched]), small)])
    np.testing.assert_array_equal(big.numpy()[touched], small.numpy())
    others = np.setdiff1d(np.arange(ROWS), touched)
    np.testing.assert_array_equal(bits(big.numpy()[others]), bits(table()[others]))
    for v in lazy.variables:
        if v.shape == (ROWS, DIM):
            np.testing.assert_array_equal(v.numpy()[others], 0.0, err_msg=v.name)


def test_lazy_adam_differs_from_dense_adam_as_documented():
    """Dense Adam keeps moving a row on its momentum after the row stops being looked up; lazy
    Adam does not (PyTorch SparseAdam / LazyAdam semantics)."""
    rng = np.random.default_rng(4)
    dense_var, lazy_var = tf.Variable(table()), tf.Variable(table())
    dense, lazy = keras.optimizers.Adam(0.05), keras.optimizers.Adam(0.05, sparse="lazy")
    history = []
    for ids in ([1, 2], [2, 3], [3, 4]):
        g = slices(rng, ids)
        dense.apply_gradients([(g, dense_var)])
        lazy.apply_gradients([(g, lazy_var)])
        history.append((dense_var.numpy()[1].copy(), lazy_var.numpy()[1].copy()))
    assert (history[2][0] != history[0][0]).all()     # dense: row 1 moves on after step 1
    np.testing.assert_array_equal(history[2][1], history[0][1])   # lazy: row 1 untouched since
    np.testing.assert_array_equal(dense_var.numpy()[10], table()[10])  # never looked up: no moment


def test_dense_adam_default_gives_the_dense_numbers_for_indexed_slices():
    rng = np.random.default_rng(5)
    a, b = tf.Variable(table()), tf.Variable(table())
    oa, ob = keras.optimizers.Adam(0.05), keras.optimizers.Adam(0.05)
    for _ in range(4):
        g = slices(rng, rng.integers(0, ROWS, 10))
        oa.apply_gradients([(g, a)])
        ob.apply_gradients([(tf.convert_to_tensor(g), b)])
    np.testing.assert_array_equal(bits(a.numpy()), bits(b.numpy()))


def test_sparse_norm_clipping_matches_dense_to_rounding():
    rng = np.random.default_rng(6)
    a, b = tf.Variable(table()), tf.Variable(table())
    oa, ob = keras.optimizers.SGD(0.1, global_clipnorm=0.3), keras.optimizers.SGD(0.1, global_clipnorm=0.3)
    for _ in range(4):
        g = slices(rng, rng.integers(0, ROWS, 10))
        oa.apply_gradients([(g, a)])
        ob.apply_gradients([(tf.convert_to_tensor(g), b)])
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)


def test_weight_decay_still_decays_every_row():
    """Decoupled weight decay is dense by nature: with it, the update is densified (Keras' numbers)."""
    rng = np.random.default_rng(7)
    a, b = tf.Variable(table()), tf.Variable(table())
    oa, ob = keras.optimizers.SGD(0.1, weight_decay=0.1), keras.optimizers.SGD(0.1, weight_decay=0.1)
    g = slices(rng, [1, 2])
    oa.apply_gradients([(g, a)])
    ob.apply_gradients([(tf.convert_to_tensor(g), b)])
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert (a.numpy()[10] != table()[10]).all()


def test_embedding_training_with_lazy_adam_and_a_row_mask():
    """The Keras Embedding's gradient is an IndexedSlices; with an IndexSet of trainable rows the
    frozen rows (touched or not) and their moments stay bit-identical."""
    emb = keras.layers.Embedding(ROWS, DIM)
    dense = keras.layers.Dense(1)
    ids = np.array([[1, 2, 3], [3, 4, 40]])
    emb(ids)
    table0 = emb.embeddings.numpy().copy()
    emb.embeddings.trainable_mask = tf.IndexSet([2, 3, 40])
    opt = keras.optimizers.Adam(0.05, sparse="lazy")
    for _ in range(3):
        with tf.GradientTape() as tape:
            out = dense(tf.reduce_mean(emb(ids), axis=1))
            loss = tf.reduce_mean(tf.square(out - 1.0))
        variables = emb.trainable_weights + dense.trainable_weights
        grads = tape.gradient(loss, variables)
        assert isinstance(grads[0], tf.IndexedSlices)
        opt.apply_gradients(zip(grads, variables))
    after = emb.embeddings.numpy()
    trained = [2, 3, 40]
    frozen = np.setdiff1d(np.arange(ROWS), trained)
    np.testing.assert_array_equal(bits(after[frozen]), bits(table0[frozen]))
    assert (after[trained] != table0[trained]).all()


def test_sparse_option_is_validated_and_kept_in_config():
    with pytest.raises(ValueError, match="sparse"):
        keras.optimizers.Adam(sparse="fast")
    assert "sparse" not in keras.optimizers.Adam().get_config()
    config = keras.optimizers.Adam(sparse="lazy").get_config()
    assert config["sparse"] == "lazy"
    assert keras.optimizers.Adam.from_config(config).sparse == "lazy"
