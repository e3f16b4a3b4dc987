"""Every script in examples/ runs from a clean folder."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MNIST_DIR

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(p for p in EXAMPLES.glob("*.py") if p.name not in ("mnist_mlp.py", "mnist_augmented.py",
                                                                           "mnist_autoencoder.py"))
NEEDS_MNIST = {"classic_compression.py"}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_example_runs(script, tmp_path):
    if script.name in NEEDS_MNIST and not MNIST_DIR.exists():
        pytest.skip(f"{script.name} needs the MNIST files in {MNIST_DIR}")
    env = dict(os.environ, MPLBACKEND="Agg", GLASSNET_DATA=str(MNIST_DIR))
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=180, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip()


@pytest.mark.parametrize("script", ["classic_compression.py", "mnist_mlp.py", "mnist_augmented.py",
                                    "mnist_autoencoder.py"])
def test_mnist_example_without_mnist_says_where_to_put_the_files(script, tmp_path):
    # a new user without the files (no GLASSNET_DATA, an empty cache, no network: the download is sent to a
    # closed port) got a traceback ending in MNISTNotFoundError; the message alone says what to do
    env = {k: v for k, v in os.environ.items() if k not in ("GLASSNET_DATA", "no_proxy", "NO_PROXY")}
    env.update(HOME=str(tmp_path), http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9")
    result = subprocess.run([sys.executable, str(EXAMPLES / script)], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120, env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.stderr.startswith("MNIST files not found") and "GLASSNET_DATA" in result.stderr
    assert not list(tmp_path.glob("*.gn"))


@pytest.mark.parametrize("script", ["classic_compression.py", "mnist_mlp.py", "mnist_augmented.py"])
def test_an_example_taking_an_argument_answers_help_and_refuses_a_typo_without_writing(script, tmp_path):
    # `mnist_mlp.py --help` was int('--help'): a traceback; classic_compression.py took '--help' (or a mistyped
    # folder) as MNIST's folder and, online, downloaded the files into a new ./--help/
    env = {k: v for k, v in os.environ.items() if k != "GLASSNET_DATA"}
    env.update(HOME=str(tmp_path / "home"), http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9")
    run = [sys.executable, str(EXAMPLES / script)]
    shown = subprocess.run([*run, "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env)
    assert shown.returncode == 0 and shown.stdout.startswith(f"usage: {script}"), shown.stderr[-2000:]
    typo = "no_such_folder" if script == "classic_compression.py" else "five"
    refused = subprocess.run([*run, typo], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr, refused.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written (no folder made, no download)


def test_mnist_example_one_epoch(tmp_path, mnist_dir):
    env = dict(os.environ, GLASSNET_DATA=str(MNIST_DIR))
    result = subprocess.run([sys.executable, str(EXAMPLES / "mnist_mlp.py"), "1"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    accuracy = float(result.stdout.strip().splitlines()[-1].split()[-1])
    assert accuracy > 0.95
    assert (tmp_path / "mnist_mlp.gn").exists()


def test_augmenting_mnist_with_a_pydataset_makes_the_mlp_robust_to_shifts(tmp_path, mnist_dir):
    env = dict(os.environ, GLASSNET_DATA=str(MNIST_DIR))
    result = subprocess.run([sys.executable, str(EXAMPLES / "mnist_augmented.py"), "1"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    # each training prints its epochs as it goes (it was silent for minutes), then the table
    assert lines[0] == "Training on the images as they are:" and lines[1].startswith("469/469 - ")
    assert "Training on images shifted anew in every batch:" in lines
    table = lines.index("test accuracy after 1 epochs     as they are   shifted by up to 2 px")
    rows = {line[:32].strip(): [float(v) for v in line[32:].split()] for line in lines[table + 1:]}
    (plain, plain_shifted), (augmented, augmented_shifted) = rows["trained on the images"], rows[
        "trained on shifted ones"]
    assert plain > 0.93 and augmented > 0.93  # one epoch: both learn the digits as they are
    assert augmented_shifted > plain_shifted + 0.1  # measured 0.92 against 0.70


def test_the_autoencoder_beats_pca_and_its_encoder_classifies_from_1000_labels(tmp_path, mnist_dir):
    # about 12 s on 2 idle cores
    env = dict(os.environ, GLASSNET_DATA=str(MNIST_DIR))
    result = subprocess.run([sys.executable, str(EXAMPLES / "mnist_autoencoder.py")], cwd=tmp_path,
                            capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[0] == "Training the autoencoder (the images are their own targets):"
    values = {line.rsplit(maxsplit=1)[0].strip(): float(line.split()[-1]) for line in lines if line.startswith("  ")}
    # measured (one BLAS thread): 0.0100 against PCA's 0.0168, and accuracies 0.861, 0.889, 0.849, 0.877
    assert values["autoencoder"] < 0.7 * values["PCA"]
    raw, scratch = values["softmax on the raw pixels"], values["the same network from scratch"]
    frozen, tuned = values["softmax on the frozen encoder"], values["the encoder fine-tuned"]
    assert raw > 0.84 and scratch > 0.86
    # what it prints: the 32 codes nearly as good as the pixels (with a Normalization in front of the softmax;
    # 0.836 without, its softmax unconverged), fine-tuning a few points better, and no better than from scratch
    assert "this small autoencoder does not show the gain of" in result.stdout
    assert frozen > raw - 0.02
    assert tuned > frozen + 0.015
    assert tuned < scratch + 0.005

# Rows of seed 000's gradient-descent tables for f(x) = x², x0 = 2, as the slides print them
# (decimal commas made points): the last two of η = 0.4 and of η = 1.05.
SLIDE_ROWS = [
    "0.0000002048\t0.00000000000004194304\t0.0000004096\t0.00000016384\t0.00000004096\t0.4",
    "0.00000004096\t0.0000000000000016777216\t0.00000008192\t0.000000032768\t0.000000008192\t0.4",
    "5.1874849202\t26.9099997973024\t10.3749698404\t10.89371833242\t-5.70623341222\t1.05",
    "-5.70623341222\t32.5610997547359\t-11.41246682444\t-11.983090165662\t6.276856753442\t1.05",
]


def test_descent_example_prints_the_slides_tables_digit_for_digit(tmp_path):
    # it printed float64 rounded to 13 digits (32.56109975474 and -11.98309016566 for the slide's
    # 32.5610997547359 and -11.983090165662) and 12 rows for η = 1.0, whose slide has 14
    result = subprocess.run([sys.executable, str(EXAMPLES / "classic_descent.py")], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    for row in SLIDE_ROWS:
        assert row in lines, row
    assert sum(line.endswith("\t1") for line in lines) == 14


# The seeds' code samples as the slides print them (line numbers and cell marks dropped), and the
# import lines that each may change: the rest of the example must be the slide's code, line for line.
SEED_CODE = Path(__file__).parent / "data" / "seed_code"
GLASSNET_IMPORTS = {
    "from sklearn.neural_network import MLPClassifier": "from glassnet.sklearn import MLPClassifier",
    "from keras.models import Sequential": "from glassnet.models import Sequential",
    "from keras.layers.core import Dense, Dropout, Activation": "from glassnet.layers.core import Dense, Dropout, Activation",
    "from tensorflow.keras.optimizers import SGD": "from glassnet.optimizers import SGD",
}


def _code_lines(text):
    return [line.rstrip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@pytest.mark.parametrize("name", ["seed000_softmax", "seed001_sklearn_xor", "seed001_keras_xor"])
def test_seed_examples_are_the_slides_code_with_only_the_imports_changed(name):
    # a seed sample "must run after changing only its import lines": an example edited to make it run
    # (metrics=['accuracy'] for the slide's metrics='accuracy', say) would no longer show that it does
    slide = [GLASSNET_IMPORTS.get(line, line) for line in _code_lines((SEED_CODE / f"{name}.txt").read_text())]
    example = _code_lines((EXAMPLES / "seeds" / f"{name}.py").read_text())
    # seed 000's example goes on to print glassnet's softmax of the same inputs
    assert example[:len(slide)] == slide
    assert len(example) == len(slide) or name == "seed000_softmax"
