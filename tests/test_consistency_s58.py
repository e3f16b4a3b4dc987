"""Session 58: the same conventions across glassnet's modules (NotFittedError, estimator contract, signatures,
messages, the CLI's names)."""

import inspect
import re
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet import classic
from glassnet._estimator import NotFittedError
from glassnet.preprocessing import MinMaxScaler, StandardScaler

DOCS = Path(__file__).resolve().parent.parent / "docs"
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 3, float)
y = np.array([0, 0, 0, 1] * 3)


@pytest.mark.parametrize("scaler", [StandardScaler, MinMaxScaler])
@pytest.mark.parametrize("method", ["transform", "inverse_transform", "get_feature_names_out"])
def test_scalers_before_fit_raise_not_fitted_error(scaler, method):
    # as the classic estimators and scikit-learn's scalers; still a ValueError for `except ValueError`
    args = () if method == "get_feature_names_out" else (X,)
    with pytest.raises(NotFittedError, match=f"This {scaler.__name__} is not fitted yet"):
        getattr(scaler(), method)(*args)
    assert issubclass(NotFittedError, ValueError)


def test_plot_weights_of_a_fitted_som_says_what_to_pass():
    pytest.importorskip("matplotlib")
    som = classic.SOM(grid=(2, 2), epochs=1, init="random", random_state=0).fit(X)
    with pytest.raises(ValueError, match=r"som\.weights_\.T") as info:
        glassnet.plots.plot_weights(som)
    assert "fit it first" not in str(info.value)  # it is fitted
    with pytest.raises(ValueError, match="fit it first"):  # an unfitted one is told so, as before
        glassnet.plots.plot_weights(classic.SOM(grid=(2, 2)))


def test_hopfield_is_a_scikit_learn_estimator():
    sklearn_base = pytest.importorskip("sklearn.base")
    net = classic.Hopfield(max_iter=7, order="sequential", random_state=3)
    assert net.get_params() == {"max_iter": 7, "order": "sequential", "random_state": 3}
    copy = sklearn_base.clone(net)
    assert copy is not net and copy.get_params() == net.get_params()
    assert net.set_params(max_iter=9) is net and net.max_iter == 9
    with pytest.raises(ValueError, match="Invalid parameter"):
        net.set_params(epochs=3)
    # the fitted results are those of a Hopfield made directly (a hand-checked Hebbian W, as fit's)
    P = np.where(np.random.default_rng(1).random((3, 64)) < 0.5, -1, 1)
    a = sklearn_base.clone(classic.Hopfield(random_state=0)).fit(P)
    b = classic.Hopfield(random_state=0).fit(P)
    W = (P.T @ P).astype(float)
    np.fill_diagonal(W, 0)
    np.testing.assert_array_equal(a.W_, W / 64)
    noisy = classic.flip_bits(P[0], 0.2, random_state=3)
    np.testing.assert_array_equal(a.recall(noisy), b.recall(noisy))


def test_set_global_seed_is_not_a_public_utility():
    # it seeded glassnet's generator only (not NumPy's or Python's): set_random_seed is the one to call
    assert not hasattr(glassnet.utils, "set_global_seed")
    assert "set_global_seed" not in dir(glassnet.utils)
    glassnet.utils.set_random_seed(0)  # still seeds glassnet's own generator
    a = glassnet.datasets.make_xor(n_samples=8)[0]
    glassnet.utils.set_random_seed(0)
    np.testing.assert_array_equal(a, glassnet.datasets.make_xor(n_samples=8)[0])


def test_model_diagnose_shows_its_parameters():
    from glassnet.diagnostics import diagnose
    from glassnet.models import Sequential

    method = inspect.signature(Sequential.diagnose).parameters
    function = inspect.signature(diagnose).parameters
    assert list(method)[3:] == list(function)[3:] == ["losses", "warn", "max_samples"]
    assert [p.default for p in list(method.values())[3:]] == [p.default for p in list(function.values())[3:]]
    model = Sequential([glassnet.layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy")
    model.fit(X, y, epochs=1, verbose=0)
    with pytest.raises(TypeError, match=r"diagnose\(\) got an unexpected keyword argument 'bogus'") as info:
        model.diagnose(X, y, bogus=1)
    assert "_diagnose" not in str(info.value)  # not the private function's name
    assert model.diagnose(X, y, None, False, 4).layers  # positional, as the function takes them


def _table_rows():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    section = text.split("### Options and their Python names", 1)[1].split("\n## ", 1)[0]
    return {row.split("|")[1].strip(): row for row in section.splitlines() if row.startswith("| `--")}


def test_cli_doc_table_states_the_defaults_that_differ():
    from glassnet.cli._parser import build_parser

    subparsers = next(a for a in build_parser()._actions if a.choices and "perceptron" in a.choices).choices

    def default(command, flag):
        return next(a.default for a in subparsers[command]._actions if flag in a.option_strings)

    rows = _table_rows()
    perceptron = rows["`--max-epochs` (`perceptron`)"]
    assert re.search(rf"\*\*{default('perceptron', '--max-epochs')}\*\* \| "
                     rf"{inspect.signature(classic.Perceptron).parameters['max_epochs'].default} \|", perceptron)
    assert default("som", "--seed") == default("hopfield", "--seed") == 0
    assert "`som`, `hopfield`: **0**" in rows["`--seed` (`perceptron`, `som`, `hopfield`)"]
    assert f"| {default('hopfield', '--max-iter')} | {classic.Hopfield().max_iter} |" in rows["`--max-iter` (`hopfield`)"]
    assert f"| {default('hopfield', '--noise')} |" in rows["`--noise` (`hopfield`)"]
    assert f"`descend` {default('descend', '--lr')}" in rows["`--lr`"]
    assert f"`perceptron` {default('perceptron', '--lr'):g}" in rows["`--lr`"]
