"""Moving trained weights into glassnet (session 60): a PyTorch state_dict (docs/pytorch.md's recipe, checked
against a NumPy forward pass of torch's formulas, without torch), scikit-learn's MLPClassifier (docs/sklearn.md),
and the messages of set_weights, save_weights and load_weights a porter meets."""

import re
import warnings

import numpy as np
import pytest

from glassnet.layers import BatchNormalization, Dense, Input, LayerNormalization, LeakyReLU, PReLU
from glassnet.models import Sequential


def _state_dict(rng):
    """What {k: v.numpy() for k, v in torch_model.state_dict().items()} gives for nn.Sequential(Linear(4, 8),
    BatchNorm1d(8), LeakyReLU(), Linear(8, 8), LayerNorm(8), PReLU(), Linear(8, 3)) after training: Linear weights
    (out, in), the batch norm's running statistics and its step count, one shared PReLU parameter."""
    return {"0.weight": rng.normal(size=(8, 4)), "0.bias": rng.normal(size=8),
            "1.weight": rng.normal(size=8), "1.bias": rng.normal(size=8), "1.running_mean": rng.normal(size=8),
            "1.running_var": rng.uniform(0.01, 0.1, size=8), "1.num_batches_tracked": np.array(20),
            "3.weight": rng.normal(size=(8, 8)), "3.bias": rng.normal(size=8),
            "4.weight": rng.normal(size=8), "4.bias": rng.normal(size=8), "5.weight": np.array([0.25]),
            "6.weight": rng.normal(size=(3, 8)), "6.bias": rng.normal(size=3)}


def _torch_forward(sd, x):
    """torch's formulas in inference mode (model.eval()): eps 1e-5, LeakyReLU's slope 0.01, biased LayerNorm variance."""
    h = x @ sd["0.weight"].T + sd["0.bias"]
    h = (h - sd["1.running_mean"]) / np.sqrt(sd["1.running_var"] + 1e-5) * sd["1.weight"] + sd["1.bias"]
    h = np.where(h > 0, h, 0.01 * h)
    h = h @ sd["3.weight"].T + sd["3.bias"]
    h = (h - h.mean(1, keepdims=True)) / np.sqrt(h.var(1, keepdims=True) + 1e-5) * sd["4.weight"] + sd["4.bias"]
    h = np.where(h > 0, h, sd["5.weight"] * h)
    return h @ sd["6.weight"].T + sd["6.bias"]


def _ported(epsilon=1e-5, negative_slope=0.01):
    return Sequential([Input((4,)), Dense(8), BatchNormalization(epsilon=epsilon, momentum=0.9),
                       LeakyReLU(negative_slope=negative_slope), Dense(8), LayerNormalization(epsilon=epsilon),
                       PReLU(shared_axes=[1]), Dense(3)], dtype="float64")


def test_the_pytorch_recipe_of_the_docs_gives_torchs_predictions_and_back(rng):
    sd = _state_dict(rng)
    x = rng.normal(size=(16, 4))
    model = _ported()
    # docs/pytorch.md, "Porting a trained PyTorch model"
    weights = {k: v for k, v in sd.items() if not k.endswith("num_batches_tracked")}
    model.set_weights([w.T if w.ndim == 2 else w for w in weights.values()])
    np.testing.assert_allclose(model.predict(x, verbose=0), _torch_forward(sd, x), rtol=0, atol=1e-12)
    # and back: a state_dict load_state_dict takes (torch.from_numpy of each)
    back = {k: w.T if w.ndim == 2 else w for k, w in zip(weights, model.get_weights())}
    for k in back:
        np.testing.assert_array_equal(back[k], sd[k])
    # each setting of the recipe matters: glassnet's (Keras's) defaults give other numbers
    for defaults in ({"epsilon": 1e-3}, {"negative_slope": 0.3}):
        other = _ported(**defaults)
        other.set_weights(model.get_weights())
        assert np.abs(other.predict(x, verbose=0) - _torch_forward(sd, x)).max() > 1e-4


def test_sklearn_mlpclassifier_into_glassnet_as_the_docs_say():
    pytest.importorskip("sklearn")
    from sklearn.datasets import make_classification
    from sklearn.neural_network import MLPClassifier as SkMLP

    from glassnet.sklearn import MLPClassifier

    for n_classes in (2, 3):
        X, y = make_classification(200, 6, n_informative=4, n_classes=n_classes, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (ConvergenceWarning)
            sk = SkMLP((7, 5), max_iter=300, random_state=0).fit(X, y)
        # docs/sklearn.md, "A network trained by scikit-learn": a Sequential of the same layers
        out = "sigmoid" if sk.out_activation_ == "logistic" else "softmax"  # logistic: one unit, P(classes_[1])
        model = Sequential([Input((X.shape[1],)), *[Dense(n, activation="relu") for n in sk.hidden_layer_sizes],
                            Dense(sk.n_outputs_, activation=out)], dtype="float64")
        model.set_weights([w for pair in zip(sk.coefs_, sk.intercepts_) for w in pair])
        proba = model.predict(X, verbose=0)
        if out == "sigmoid":
            proba = np.hstack([1 - proba, proba])
        np.testing.assert_allclose(proba, sk.predict_proba(X), rtol=0, atol=1e-7)
        # or glassnet's estimator: fitted once to fix its architecture, then given the weights
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf = MLPClassifier((7, 5), max_iter=1, random_state=0).fit(X, y)
        clf.coefs_, clf.intercepts_ = sk.coefs_, sk.intercepts_
        np.testing.assert_allclose(clf.predict_proba(X), sk.predict_proba(X), rtol=0, atol=1e-7)
        np.testing.assert_array_equal(clf.predict(X), sk.predict(X))


def _small():
    return Sequential([Input((4,)), Dense(8, activation="relu"), Dense(3)])


def test_set_weights_names_the_weight_and_hints_the_transpose(rng):
    model = _small()
    torch_layout = [rng.normal(size=(8, 4)), np.zeros(8), rng.normal(size=(3, 8)), np.zeros(3)]  # Linear: (out, in)
    # "set_weights: weights[0] has shape (8, 4); expected (4, 8)." named neither the layer nor the transpose
    with pytest.raises(ValueError, match=r"weights\[0\] \(sequential\w*/dense/kernel\) has shape \(8, 4\); expected "
                                         r"\(4, 8\): the transpose \(a PyTorch nn.Linear.weight is \(out, in\).*weight\.T"):
        model.set_weights(torch_layout)
    # a layer's said 'W', glassnet's params key, where w.path and Keras say kernel
    with pytest.raises(ValueError, match=r"Layer 'dense' \(Dense\): weight 'kernel' has shape \(8, 4\); expected \(4, 8\): "
                                         "the transpose"):
        model.layers[0].set_weights(torch_layout[:2])
    with pytest.raises(ValueError, match=r"weights\[1\] \(\S+/dense/bias\) has shape \(3,\); expected \(8,\)\.$"):
        model.set_weights([np.zeros((4, 8)), np.zeros(3), *torch_layout[2:]])  # no transpose hint for a 1-D array


def test_set_weights_on_an_unbuilt_layer_names_it_and_how_to_build():
    layer = Dense(3)
    # "Layer None is not built yet"
    with pytest.raises(ValueError, match=r"Layer Dense is not built yet: call it on data or layer\.build\(input_shape\)"):
        layer.set_weights([np.zeros((4, 3)), np.zeros(3)])
    layer.build((4,))
    layer.set_weights([np.ones((4, 3)), np.zeros(3)])
    np.testing.assert_array_equal(layer.get_weights()[0], np.ones((4, 3)))


class _TorchBFloat16:
    """A torch.bfloat16 tensor as NumPy meets it (no torch needed): np.asarray raises torch's TypeError."""
    dtype = "torch.bfloat16"

    def __array__(self, dtype=None, copy=None):
        raise TypeError("Got unsupported ScalarType BFloat16")


def test_a_bfloat16_tensor_is_told_to_convert():
    model = _small()
    rest = model.get_weights()[1:]
    # "must be an array of real numbers", NumPy's reason lost
    with pytest.raises(TypeError, match=r"weights\[0\] \(\S+/dense/kernel\) is a bfloat16 array, and NumPy has no "
                                        r"bfloat16: convert it first, tensor\.float\(\)"):
        model.set_weights([_TorchBFloat16(), *rest])
    ml_dtypes = pytest.importorskip("ml_dtypes")  # JAX's bfloat16 arrays: a NumPy dtype of kind 'V'
    with pytest.raises(TypeError, match="is a bfloat16 array"):
        model.set_weights([np.ones((4, 8), dtype=ml_dtypes.bfloat16), *rest])


@pytest.mark.parametrize("suffix", [".npz", ".npy", ".pt", ".pth"])
def test_save_weights_under_a_numpy_or_torch_name_warns(suffix, tmp_path):
    model = _small()
    model.build()
    path = tmp_path / f"w{suffix}"
    with pytest.warns(UserWarning, match=r"glassnet's own format .* np\.load does not read as arrays, nor torch\.load: "
                                         r"for a NumPy file of the weights use np\.savez\(path, \*model\.get_weights\(\)\)"):
        model.save_weights(path)
    fresh = _small()
    fresh.load_weights(path)  # glassnet's own file all the same
    for a, b in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    # the advice works: np.savez and back
    np.savez(tmp_path / "plain.npz", *model.get_weights())
    with np.load(tmp_path / "plain.npz") as z:
        fresh.set_weights([z[k] for k in z.files])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.save_weights(tmp_path / "w.gnw")  # other names: no warning


def test_load_weights_into_another_architecture_names_the_first_difference(tmp_path):
    saved = Sequential([Input((3,))] + [Dense(4) for _ in range(30)])
    saved.save_weights(tmp_path / "w.gnw")
    other = Sequential([Input((3,))] + [Dense(4) for _ in range(14)] + [Dense(5)] + [Dense(4) for _ in range(15)])
    with pytest.raises(ValueError) as caught:  # two lists of 60 shapes, 912 characters
        other.load_weights(tmp_path / "w.gnw")
    message = str(caught.value)
    assert len(message) - len(str(tmp_path)) < 400, message
    assert re.search(r"\(60 arrays in the file, 60 in the model\): the first that differs is weights\[28\], the file's "
                     r"\S+/dense_14/kernel of shape \(4, 4\), where this model's \S+/dense_14/kernel is \(4, 5\)", message)
    shorter = Sequential([Input((3,))] + [Dense(4) for _ in range(29)])
    with pytest.raises(ValueError, match=r"\(60 arrays in the file, 58 in the model\): the first 58 agree\."):
        shorter.load_weights(tmp_path / "w.gnw")


def test_a_weights_h5_mismatch_says_kernel_not_w(tmp_path):
    pytest.importorskip("h5py", reason="Keras's files need h5py (the keras-files extra)")
    Sequential([Input((3,)), Dense(4), Dense(2)]).save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match=r"layers/dense/vars/0 \(layer 'dense' \(Dense\)'s kernel\) has shape \(3, 4\)"):
        Sequential([Input((3,)), Dense(5), Dense(2)]).load_weights(tmp_path / "w.weights.h5")
