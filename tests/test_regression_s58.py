"""Regression end to end (session 58): the playground's loss and penalty as the TensorFlow Playground's,
the CLI's Huber saved in the units it trained in, one --target, multi-output evaluate, count wording."""

import numpy as np
import pytest

from glassnet.playground import Session
from conftest import run_cli


def _tf_step(s, W, b, lr, r, der):
    """One full-batch update of a linear output as the TensorFlow Playground's nn.ts: error ½(ŷ − y)²
    (derivative ŷ − y), w −= lr/n·(Σ_batch ∂E/∂w + r·R'(w)), b −= lr·mean ∂E/∂b."""
    F, y = s.features(s.X_train), s.y_train[:, None]
    err = F @ W + b - y
    n = len(y)
    return W - lr / n * F.T @ err - lr * r * der(W), b - lr * err.mean(0)


@pytest.mark.parametrize("penalty, der", [(None, lambda W: 0 * W), ("l2", lambda W: W), ("l1", np.sign)])
def test_one_playground_step_is_the_tensorflow_playgrounds_update(penalty, der):
    # glassnet trained on the mean squared error (2× TF's data term); TF's nn.ts updateWeights: w -= lr·mean ∂E/∂w,
    # then w -= lr·r·R'(w) once per batch
    lr, r = 0.05, 0.3
    config = {"problem": "regression", "dataset": "plane", "features": ["x1", "x2"], "layers": [],
              "activation": "linear", "regularization": penalty, "regularization_rate": r if penalty else 0.0,
              "n_samples": 40, "batch_size": 20, "learning_rate": lr, "noise": 0.2}
    s = Session(config)
    assert len(s.y_train) == 20  # one full batch: the shuffle does not matter
    W0, b0 = (w.copy() for w in s.model.get_weights())
    s.step(1)
    W_tf, b_tf = _tf_step(s, W0, b0, lr, r, der)
    data_W, data_b = _tf_step(s, W0, b0, lr, 0.0, der)
    W1, b1 = s.model.get_weights()
    np.testing.assert_allclose(b1, data_b, rtol=1e-12)  # the data term (the bias has no penalty)
    if penalty is None:
        np.testing.assert_allclose(W1, data_W, rtol=1e-12)
    else:  # the penalty term by itself: −lr·r·R'(w)
        np.testing.assert_allclose(W1 - data_W, -lr * r * der(W0), rtol=1e-10)
    np.testing.assert_allclose(W1, W_tf, rtol=1e-12)


def test_the_playground_shows_half_the_mean_squared_error_and_keeps_tfs_rate():
    s = Session({"problem": "regression", "dataset": "gaussians", "layers": [3], "batch_size": 10,
                 "regularization": "l2", "regularization_rate": 0.03})
    state = s.step(2)
    P = s.model.predict(s.features(s.X_test))[:, 0]
    assert s.test_loss[-1] == pytest.approx(0.5 * np.mean((P - s.y_test) ** 2), rel=1e-12)
    assert state["test_loss"][-1] == round(0.5 * np.mean((P - s.y_test) ** 2), 6)
    # TF's penalty r·½w² beside the batch's mean error: glassnet's L2(r/2) on the batch's mean loss, whatever the batch
    assert [layer.kernel_regularizer.l2 for layer in s.model.layers] == pytest.approx([0.03 / 2] * 2)
    c = Session({"regularization": "l1", "regularization_rate": 0.1, "batch_size": 25})  # classification too
    assert c.model.layers[0].kernel_regularizer.l1 == pytest.approx(0.1)


def _cli(tmp_path, monkeypatch, capsys, *args):
    result = run_cli(*args, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    return result.returncode, result.stdout, result.stderr


def test_a_huber_model_is_saved_with_the_delta_it_trained_with(tmp_path, monkeypatch, capsys):
    # trained with δ = 1 on the standardized target (δ = one σ), the file kept Huber(δ = 1) in raw units:
    # evaluate printed an almost-MAE loss, not the one trained on
    from glassnet.models import load_model

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = 5000 + 3000 * X[:, 0] - 800 * X[:, 1] + 400 * rng.normal(size=200)
    (tmp_path / "big.csv").write_text("a,b,y\n" + "".join(f"{a:.17g},{b:.17g},{t:.17g}\n" for (a, b), t in zip(X, y)))
    status, out, err = _cli(tmp_path, monkeypatch, capsys, "train", "big.csv", "--target", "y", "--loss", "huber",
                            "--test-split", "0", "--validation-split", "0", "--epochs", "3", "--seed", "0",
                            "--dtype", "float64", "--quiet", "--out", "h.gn")
    assert status == 0, err
    status, out, err = _cli(tmp_path, monkeypatch, capsys, "evaluate", "h.gn", "big.csv", "--target", "y")
    assert status == 0, err
    sigma = np.std(y)  # the training targets' σ (every row trains here), as the CLI's StandardScaler
    e = np.abs(load_model(tmp_path / "h.gn").predict(X)[:, 0] - y)
    huber = np.mean(np.where(e <= sigma, 0.5 * e**2, sigma * (e - 0.5 * sigma)))
    printed = float(out.split("Loss (huber_loss): ")[1].split()[0])
    assert printed == pytest.approx(huber, rel=1e-5)  # (6 significant digits)
    assert load_model(tmp_path / "h.gn").loss.get_config()["delta"] == pytest.approx(sigma, rel=1e-12)


def test_a_second_target_is_refused_not_read_as_a_feature(tmp_path, monkeypatch, capsys):
    # --target t1 --target t2 trained on t2 with t1 among the features (leakage), without a word
    (tmp_path / "m.csv").write_text("a,t1,t2\n" + "".join(f"{k},{k % 3},{k % 5}\n" for k in range(30)))
    status, out, err = _cli(tmp_path, monkeypatch, capsys, "train", "m.csv", "--target", "t1", "--target", "t2",
                            "--epochs", "1", "--out", "m.gn")
    assert status == 2 and len(err.splitlines()) == 1 and not (tmp_path / "m.gn").exists()
    assert "argument --target: given twice ('t1', 't2'); the command line takes one target column" in err


def test_evaluate_of_a_several_output_regressor_says_how_to_evaluate_it(tmp_path, monkeypatch, capsys):
    from glassnet.layers import Dense
    from glassnet.models import Sequential

    model = Sequential([Dense(3, input_dim=2)])
    model.compile(loss="mse")
    model.save(tmp_path / "m3.gn")
    (tmp_path / "d.csv").write_text("a,b,t1\n" + "".join(f"{k},{k % 3},{k % 5}\n" for k in range(10)))
    status, out, err = _cli(tmp_path, monkeypatch, capsys, "evaluate", "m3.gn", "d.csv", "--target", "t1")
    assert status == 1 and "the model has 3 outputs but the data has 1 target column: evaluate takes one" in err
    assert "model.evaluate(X, Y)" in err


def test_a_count_target_says_its_distinct_values_and_its_classes(tmp_path, monkeypatch, capsys):
    # 34 distinct counts of 0..58 read as 59 classes were said to be "59 distinct integer targets"
    counts = np.r_[np.arange(0, 60, 2)[:30], 1, 3, 5, 59]  # 34 distinct values, 0 to 59
    rows = [f"{k / 7:.4f},{c}\n" for k, c in enumerate(np.tile(counts, 3))]
    (tmp_path / "c.csv").write_text("x,count\n" + "".join(rows))
    status, out, err = _cli(tmp_path, monkeypatch, capsys, "train", "c.csv", "--target", "count", "--epochs", "1",
                            "--layers", "none", "--validation-split", "0", "--out", "c.gn")
    assert status == 0, err
    assert "34 distinct integer targets (from 0 to 59) are read as 60 classes" in out + err
