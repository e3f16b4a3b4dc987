"""Dice and Tversky on models whose outputs have several axes per sample (a tagger's (n, m, k), images
(n, h, w, c)): trained as Keras 3 trains them, with per-sample and per-position weights; Circle, whose
embeddings are rows (n, d), refused on them by name (Keras's matmul fails there too)."""

import numpy as np
import pytest

import glassnet
from glassnet import layers, losses
from glassnet.models import Sequential


def _models(keras, kind, rng):
    """``(ours, theirs, x, y)``: the same float64 model in glassnet and Keras (weights copied), with
    outputs ``(n, 5, 3)`` (an Embedding's sequence) or images ``(n, 2, 3, 2)``, and 0/1 masks."""
    if kind == "sequence":
        ours = Sequential([layers.Input((5,), dtype="int32"), layers.Embedding(20, 8),
                           layers.Dense(3, activation="sigmoid")], dtype="float64")
        theirs = keras.Sequential([keras.Input((5,), dtype="int32"), keras.layers.Embedding(20, 8),
                                   keras.layers.Dense(3, activation="sigmoid")])
        x, y = rng.integers(0, 20, size=(8, 5)), (rng.random((8, 5, 3)) > 0.5).astype(float)
    else:
        ours = Sequential([layers.Input((6,)), layers.Dense(12, activation="sigmoid"), layers.Reshape((2, 3, 2))],
                          dtype="float64")
        theirs = keras.Sequential([keras.Input((6,)), keras.layers.Dense(12, activation="sigmoid"),
                                   keras.layers.Reshape((2, 3, 2))])
        x, y = rng.normal(size=(8, 6)), (rng.random((8, 2, 3, 2)) > 0.5).astype(float)
    ours.set_weights([rng.normal(0, 0.5, w.shape) for w in ours.get_weights()])
    theirs.set_weights(ours.get_weights())
    return ours, theirs, x, y


# (name, keyword arguments, weights, outputs): per-sample axes as "all" (every axis but the batch's); Keras refuses weights
# (n,) of losses (n, m) and per-position weights along the axes a loss sums, so those pairs are not compared
CASES = [
    ("Dice", {}, None, "sequence"),
    ("Dice", {}, "sample", "images"),
    ("Dice", {}, "position", "sequence"),
    ("Dice", {"axis": "all"}, None, "images"),
    ("Dice", {"axis": "all"}, "sample", "sequence"),
    ("Dice", {"axis": -1}, "position", "images"),
    ("Dice", {"reduction": "sum"}, "position", "images"),
    ("Dice", {"reduction": "mean_with_sample_weight"}, "sample", "sequence"),
    ("Tversky", {"alpha": 0.3, "beta": 0.7}, "sample", "images"),
    ("Tversky", {"alpha": 0.7, "beta": 0.2, "axis": "all", "reduction": "mean_with_sample_weight"}, "sample", "images"),
    ("Tversky", {"alpha": 0.6, "beta": 0.3, "axis": -1, "reduction": "mean_with_sample_weight"}, "position",
     "sequence"),
]


@pytest.mark.parametrize("name, kwargs, weights, kind", CASES, ids=["-".join(map(str, case)) for case in CASES])
def test_overlap_losses_train_models_of_several_axes_as_keras(keras64, name, kwargs, weights, kind):
    # fit's logged and validation losses, evaluate's, train_on_batch's and the weights after four SGD steps
    keras = keras64
    rng = np.random.default_rng(0)
    ours, theirs, x, y = _models(keras, kind, rng)
    if kwargs.get("axis") == "all":
        kwargs = {**kwargs, "axis": tuple(range(1, y.ndim))}
    w = {None: None, "sample": rng.uniform(0.2, 2, size=8), "position": rng.uniform(0.2, 2, size=y.shape[:-1])}[weights]
    results = []
    for model, optimizer, module in ((ours, glassnet.optimizers.SGD(0.5), losses), (theirs, keras.optimizers.SGD(0.5),
                                                                                    keras.losses)):
        model.compile(optimizer=optimizer, loss=getattr(module, name)(**kwargs))
        validation = (x[:6], y[:6]) if w is None else (x[:6], y[:6], w[:6])
        history = model.fit(x, y, sample_weight=w, batch_size=4, epochs=2, shuffle=False, verbose=0,
                            validation_data=validation).history
        evaluated = model.evaluate(x, y, sample_weight=w, batch_size=3, verbose=0)
        step = model.train_on_batch(x[:5], y[:5], sample_weight=None if w is None else w[:5])
        results.append([history["loss"], history["val_loss"], evaluated, np.ravel(step)[0]])
    for got, want in zip(*results):
        np.testing.assert_allclose(got, np.asarray(want, dtype=float), rtol=1e-12, atol=1e-14)
    for got, want in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(got, np.asarray(want), rtol=0, atol=1e-12)


def _central_differences(loss, Y, A, w, h=1e-6):
    dA = np.zeros_like(A)
    for index in np.ndindex(A.shape):
        step = np.zeros_like(A)
        step[index] = h
        dA[index] = (loss(Y, A + step, sample_weight=w) - loss(Y, A - step, sample_weight=w)) / (2 * h)
    return dA


@pytest.mark.parametrize("loss", [losses.Dice(), losses.Dice(axis=(1, 2)), losses.Dice(axis=-1, reduction="sum"),
                                  losses.Tversky(0.3, 0.6, axis=2, reduction="mean_with_sample_weight"),
                                  losses.Tversky(0.7, 0.1, reduction="mean_with_sample_weight")], ids=repr)
@pytest.mark.parametrize("weights", [None, "sample", "position"])
def test_overlap_gradients_of_outputs_of_several_axes_are_the_central_differences(loss, weights, rng):
    A = rng.uniform(0.05, 0.95, size=(4, 5, 3))
    Y = (rng.random(A.shape) > 0.5).astype(float)
    w = {None: None, "sample": rng.uniform(0.2, 2, size=4), "position": rng.uniform(0.2, 2, size=(4, 5))}[weights]
    if weights == "position" and loss.axis == (1, 2):  # per-position weights of a loss that sums the positions
        with pytest.raises(ValueError, match=r"Dice: sample_weight must hold one weight per sample \(4,\) "
                                             r"\(axis=\(1, 2\) sums over the outputs' axes \(1, 2\), "
                                             r"shape \(4, 5, 3\)\). Received shape \(4, 5\)"):
            loss(Y, A, sample_weight=w)
        with pytest.raises(ValueError, match=r"Dice: sample_weight must hold one weight per sample \(4,\) or one "
                                             r"per position, of the outputs' leading axes \(4, 5\) \(axis=None"):
            losses.Dice()(Y, A, sample_weight=w[:, :3])
        with pytest.raises(ValueError, match=r"Tversky: sample_weight must hold one weight per sample \(4,\) or one "
                                             r"per loss \(4, 5\) \(axis=-1 sums over the outputs' axes \(2,\)"):
            losses.Tversky(axis=-1)(Y, A, sample_weight=rng.random((4, 5, 3)))
        return
    np.testing.assert_allclose(loss.gradient(Y, A, w), _central_differences(loss, Y, A, w), rtol=1e-6, atol=1e-9)


def test_overlap_losses_with_per_position_weights_equal_keras_called_directly(keras64, rng):
    keras = keras64
    A = rng.uniform(0.05, 0.95, size=(4, 5, 3))
    Y = (rng.random(A.shape) > 0.5).astype(float)
    w = rng.uniform(0.2, 2, size=(4, 5))
    for ours, theirs in ((losses.Dice(), keras.losses.Dice()),
                         (losses.Dice(axis=-1, reduction=None), keras.losses.Dice(axis=-1, reduction=None)),
                         (losses.Tversky(0.2, 0.7, axis=2, reduction="mean_with_sample_weight"),
                          keras.losses.Tversky(0.2, 0.7, axis=2, reduction="mean_with_sample_weight")),
                         (losses.Tversky(0.4, 0.5, reduction="sum"), keras.losses.Tversky(0.4, 0.5, reduction="sum"))):
        for weights in (w, w[..., None]):  # (a trailing 1, as Keras squeezes it)
            got, want = ours(Y, A, sample_weight=weights), np.asarray(theirs(Y, A, sample_weight=weights))
            assert np.shape(got) == want.shape
            np.testing.assert_allclose(got, want, rtol=1e-12)


def test_a_model_of_several_axes_passes_the_gradient_check_and_trains_with_dice_in_float32(rng):
    model = Sequential([layers.Input((6,)), layers.Dense(12, activation="sigmoid"), layers.Reshape((2, 3, 2))],
                       dtype="float64", seed=0)
    x, y = rng.normal(size=(6, 6)), (rng.random((6, 2, 3, 2)) > 0.5).astype(float)
    for loss in (losses.Dice(), losses.Tversky(0.3, 0.7, axis=(1, 2, 3))):
        model.compile(optimizer="sgd", loss=loss)
        result = glassnet.check_gradients(model, x, y)
        assert result.passed(1e-6), str(result)
    # the tagger of the question, float32 by default: it learns each position's 3 marks
    x = rng.integers(0, 20, size=(64, 5))
    y = np.stack([x % 2, x % 3 == 0, x > 9], axis=-1).astype(float)
    tagger = Sequential([layers.Input((5,), dtype="int32"), layers.Embedding(20, 8),
                         layers.Dense(3, activation="sigmoid")], seed=0)
    tagger.compile(optimizer=glassnet.optimizers.Adam(0.05), loss="dice")
    history = tagger.fit(x, y, epochs=30, batch_size=16, verbose=0).history
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert tagger.predict(x[:2], verbose=0).dtype == np.float32


def test_circle_on_outputs_of_several_axes_is_refused_naming_what_it_takes(rng):
    # Keras 3.15 fails there too ("Incompatible types for matmul arguments: float64[8,3,4] and float64[4,3,8]");
    # glassnet's error said "takes targets of shape (n, 3, 4)" of the labels (n,)
    model = Sequential([layers.Input((6,)), layers.Dense(12), layers.Reshape((3, 4)), layers.UnitNormalization()])
    model.compile(optimizer="sgd", loss=losses.Circle())
    for labels in (rng.integers(0, 3, size=8), rng.integers(0, 3, size=(8, 3))):
        with pytest.raises(ValueError, match=r"Loss 'circle' takes one embedding per sample, outputs of shape "
                                             r"\(n, n_dims\), and one integer label per sample, y of shape \(n,\), "
                                             r"as Keras's Circle; the model's outputs have shape \(n, 3, 4\). Add a "
                                             r"Flatten"):
            model.fit(rng.normal(size=(8, 6)), labels, verbose=0)
    with pytest.raises(ValueError, match=r"Loss 'circle': y_pred must be embeddings of shape \(n_samples, n_dims\)"):
        losses.Circle()(rng.integers(0, 3, size=8), rng.normal(size=(8, 3, 4)))


@pytest.mark.parametrize("kwargs", [{}, {"gamma": 4.0, "margin": 0.25},
                                    {"gamma": 2.0, "remove_diagonal": False, "reduction": "mean_with_sample_weight"}])
@pytest.mark.parametrize("weighted", [False, True])
def test_circle_trains_embeddings_as_keras(keras64, kwargs, weighted):
    # the gradient's path of embeddings (n, d) through the whole batch: four SGD steps as Keras's
    keras = keras64
    rng = np.random.default_rng(0)
    ours = Sequential([layers.Input((3,)), layers.Dense(5, activation="tanh"), layers.Dense(4),
                       layers.UnitNormalization()], dtype="float64")
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5, activation="tanh"), keras.layers.Dense(4),
                               keras.layers.UnitNormalization()])
    ours.set_weights([rng.normal(0, 0.5, w.shape) for w in ours.get_weights()])
    theirs.set_weights(ours.get_weights())
    x, labels = rng.normal(size=(12, 3)), rng.integers(0, 3, size=12)
    w = rng.uniform(0.2, 2, size=12) if weighted else None
    logged = []
    for model, optimizer, module in ((ours, glassnet.optimizers.SGD(0.1), losses),
                                     (theirs, keras.optimizers.SGD(0.1), keras.losses)):
        model.compile(optimizer=optimizer, loss=module.Circle(**kwargs))
        logged.append(model.fit(x, labels, sample_weight=w, batch_size=6, epochs=2, shuffle=False,
                                verbose=0).history["loss"])
    np.testing.assert_allclose(logged[0], logged[1], rtol=1e-11)
    for got, want in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(got, np.asarray(want), rtol=0, atol=1e-11)
