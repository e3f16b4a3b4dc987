"""``glassnet`` and real-world files, part 2 (session 55's fixes): column names and labels matched whatever
their Unicode form (NFC or NFD), standard input told what it is as a file is (UTF-16, gzip, closed), UTF-16
without a byte-order mark named by its NUL bytes, and the file names of suggested commands quoted for the shell."""

import gzip
import io
import shlex
import subprocess
import sys
import unicodedata

import numpy as np
import pytest
from test_cli_files_s55 import assert_one_line_error, call, trained, write_labelled

from glassnet.models import load_model


def nfd(text):
    return unicodedata.normalize("NFD", text)


def nfc(text):
    return unicodedata.normalize("NFC", text)


def piped(data, *args, tmp_path, monkeypatch, capsys):
    """The command run with the bytes ``data`` on standard input, as ``glassnet ARGS < file`` runs it."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    return call(*args, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)


# --- 1. names in NFD (macOS, some exports, text pasted from a PDF) match the same names typed in NFC -------------

def test_options_name_columns_of_a_header_written_in_nfd(tmp_path, monkeypatch, capsys):
    # "--target 'catégorie' is not a column of nfd.csv. Columns: a, b, catégorie": the header's é was e + U+0301
    category, key, number = nfc("catégorie"), nfc("clé"), nfc("numéro")
    assert nfd(category) != category  # (the two forms differ, though they look alike)
    write_labelled(tmp_path / "nfc.csv", ["x", "y"], extra={key: ["k1", "k2", "k3"], number: ["1", "2"]})
    text = (tmp_path / "nfc.csv").read_text(encoding="utf-8").replace("label", category)
    (tmp_path / "nfc.csv").write_text(text, encoding="utf-8")
    (tmp_path / "nfd.csv").write_text(nfd(text), encoding="utf-8")
    options = ("--target", category, "--ignore", key)
    from_nfc = trained(tmp_path, monkeypatch, capsys, "nfc.csv", "nfc.gn", *options)
    from_nfd = trained(tmp_path, monkeypatch, capsys, "nfd.csv", "nfd.gn", *options)
    assert from_nfd.stdout.replace("nfd", "nfc") == from_nfc.stdout
    saved = load_model(tmp_path / "nfd.gn").metadata  # the file's own spelling is kept
    assert (saved["features"], saved["target"]) == (["a", "b", nfd(number)], nfd(category))
    # predict --id and --target by the name typed in NFC; the id column's name is written as the file writes it
    result = call("predict", "nfd.gn", "nfd.csv", "--id", key, "--target", category, cwd=tmp_path,
                  monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"{nfd(key)},class,p(x),p(y)"
    # a name that is no column is still refused, and the list shows the file's names
    result = call("train", "nfd.csv", "--target", "nope", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert_one_line_error(result)
    assert f"Columns: a, b, {nfd(key)}, {nfd(number)}, {nfd(category)}." in result.stderr


def test_a_model_of_nfd_columns_reads_a_file_of_nfc_columns_and_back(tmp_path, monkeypatch, capsys):
    # evaluate said "nfc.csv has no column 'catégorie', the target the model was trained on"
    write_labelled(tmp_path / "nfc.csv", ["x", "y"], extra={nfc("été"): ["1", "2", "3"]})
    text = (tmp_path / "nfc.csv").read_text(encoding="utf-8").replace("label", nfc("catégorie"))
    (tmp_path / "nfc.csv").write_text(text, encoding="utf-8")
    (tmp_path / "nfd.csv").write_text(nfd(text), encoding="utf-8")
    # the same columns in another order: taken by name, with the note
    header, *rows = [line.split(",") for line in text.splitlines()]
    order = [2, 0, 3, 1]
    (tmp_path / "moved.csv").write_text("\n".join(",".join(row[k] for k in order) for row in [header, *rows]) + "\n",
                                        encoding="utf-8")
    for model, own, other in (("nfd.gn", "nfd.csv", "nfc.csv"), ("nfc.gn", "nfc.csv", "nfd.csv")):
        trained(tmp_path, monkeypatch, capsys, own, model)
        for command in ("evaluate", "predict"):
            expected = call(command, model, own, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
            result = call(command, model, other, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
            assert result.returncode == 0 and result.stderr == "", result.stderr
            assert result.stdout == expected.stdout.replace(own, other)
            moved = call(command, model, "moved.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
            assert moved.returncode == 0, moved.stderr
            assert moved.stderr == "note: moved.csv has the model's columns in another order; they are taken by name.\n"
            assert moved.stdout == expected.stdout.replace(own, "moved.csv")


def test_class_labels_in_nfd_are_the_models_classes_typed_in_nfc(tmp_path, monkeypatch, capsys):
    # "label(s) 'été', 'naïve' of nfd.csv are not among the classes the model was trained on (naïve, été)"
    write_labelled(tmp_path / "nfc.csv", [nfc("été"), nfc("naïve")])
    (tmp_path / "nfd.csv").write_text(nfd((tmp_path / "nfc.csv").read_text(encoding="utf-8")), encoding="utf-8")
    trained(tmp_path, monkeypatch, capsys, "nfc.csv")
    expected = call("evaluate", "m.gn", "nfc.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    result = call("evaluate", "m.gn", "nfd.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected.stdout.replace("nfc.csv", "nfd.csv") and "Accuracy: " in result.stdout
    # explain --y by a label in the other form
    traces = [call("explain", "--model", "m.gn", "--x", "0.5,0.2", "--y", label, cwd=tmp_path,
                   monkeypatch=monkeypatch, capsys=capsys) for label in (nfc("été"), nfd("été"))]
    assert traces[1].returncode == 0, traces[1].stderr
    assert traces[1].stdout == traces[0].stdout


# --- 2. standard input is told what it is, as a file is ------------------------------------------------------------

TEXT = "a,b,t\n" + "".join(f"{k},{k % 3},{k % 2}\n" for k in range(20))


@pytest.mark.parametrize("data, told", [
    (TEXT.encode("utf-16"), "(it is UTF-16 text; convert it first, e.g. with iconv -f utf-16 -t utf-8)."),
    (TEXT.replace("0\n", "é\n").encode("utf-16"), "(it is UTF-16 text; convert it first, e.g. with iconv -f utf-16"),
    (gzip.compress(TEXT.encode()), "is not CSV text but gzip-compressed: decompress it into the pipe (gzip -dc "
                                   "FILE.gz | glassnet ... -)"),
    (TEXT.encode("utf-16-le"), "(it holds a NUL byte beside each letter, as UTF-16LE text without a byte-order mark "
                               "does; convert it first, e.g. with iconv -f utf-16le -t utf-8)."),
], ids=["utf-16", "utf-16-not-ascii", "gzip", "utf-16le-without-bom"])
def test_standard_input_gets_the_advice_a_file_gets(data, told, tmp_path, monkeypatch, capsys):
    # UTF-16 and gzip input on standard input were told "convert it first, e.g. with iconv -f cp1252"
    for command in (["train", "-"], ["perceptron", "-"]):
        result = piped(data, *command, tmp_path=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
        assert_one_line_error(result)
        assert result.stderr.startswith(f"glassnet {command[0]}: error: standard input is not ")
        assert told in result.stderr and "cp1252" not in result.stderr and "\x00" not in result.stderr


def test_a_closed_standard_input_is_one_line(tmp_path, monkeypatch, capsys):
    # `glassnet train - <&-`: "AttributeError: 'NoneType' object has no attribute 'read' (run with --debug ...)"
    told = "error: standard input is closed: pipe the CSV text into the command"
    trained(tmp_path, monkeypatch, capsys, "xor")
    for stdin in (None, io.TextIOWrapper(io.BytesIO(TEXT.encode()))):
        if stdin is not None:
            stdin.close()  # (a file object closed: "I/O operation on closed file")
        monkeypatch.setattr(sys, "stdin", stdin)
        for command in (["train", "-"], ["predict", "m.gn", "-"], ["perceptron", "-"], ["som", "-"]):
            result = call(*command, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
            assert_one_line_error(result)
            assert told in result.stderr, result.stderr
    # as the shell closes it (Python then sets sys.stdin to None)
    result = subprocess.run(["sh", "-c", f"exec {shlex.quote(sys.executable)} -m glassnet.cli train - <&-"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == "", result.stdout
    assert result.stderr.splitlines() == [f"glassnet train: {told} (... | glassnet ... -), or give the file's name "
                                          "instead of -."]


# --- 3. UTF-16 without a byte-order mark is named by its NUL bytes, which no message holds -------------------------

@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("label", ["0", "é"])  # (é: UTF-8 refuses the file; else it reads it, NUL bytes and all)
def test_utf16_without_a_byte_order_mark_gets_advice_that_works(encoding, label, tmp_path, monkeypatch, capsys):
    # it was "u.csv line 2: expected 3 fields, found 1", or "column 'a\x00': ... --ignore a<NUL>"
    text = TEXT.replace("0\n", label + "\n")
    for name, data in (("u.csv", text.encode(encoding)), ("u.csv.gz", gzip.compress(text.encode(encoding)))):
        (tmp_path / name).write_bytes(data)
        result = call("train", name, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
        assert_one_line_error(result)
        assert "\x00" not in result.stderr
        order = encoding[-2:]
        assert f"{name} is not a UTF-8 text CSV file (it holds a NUL byte beside each letter, as UTF-16{order.upper()} " \
               "text without a byte-order mark does; save it as UTF-8, e.g. with " in result.stderr
        assert f"iconv -f utf-16{order} -t utf-8" in result.stderr
    # what iconv writes from it trains
    (tmp_path / "u8.csv").write_text((tmp_path / "u.csv").read_bytes().decode(encoding), encoding="utf-8")
    result = call("train", "u8.csv", "--epochs", "1", "--quiet", "--out", "u.gn", cwd=tmp_path,
                  monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 0, result.stderr


def test_other_nul_bytes_are_named_without_showing_them(tmp_path, monkeypatch, capsys):
    # a binary file that UTF-8 reads: "column 'b': '2\x00\x00\x00\x013' is not a number"
    (tmp_path / "bin.csv").write_bytes(b"a,b,t\n" + b"1,2\x00\x00\x00\x013,0\n" * 30)
    result = call("train", "bin.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert_one_line_error(result)
    assert result.stderr == ("glassnet train: error: bin.csv is not CSV text: it holds NUL bytes, which UTF-8 text "
                             "does not (a binary file, or text in another encoding such as UTF-32 without a "
                             "byte-order mark).\n")


def test_a_column_name_with_a_control_character_is_suggested_by_its_index(tmp_path, monkeypatch, capsys):
    # the suggested "--ignore 'a<TAB>b'" held the raw control character, which a message shows as its repr
    (tmp_path / "t.csv").write_text('"a\tb",c,t\n' + "".join(f"x{k},{k},{k % 2}\n" for k in range(20)))
    result = call("train", "t.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert_one_line_error(result)
    assert "\t" not in result.stderr
    assert "t.csv line 2, column 'a\\tb': 'x0' is not a number. If it is no feature (an id), leave it out with " \
           "--ignore 0; if it holds the labels, name it with --target 0;" in result.stderr
    result = call("train", "t.csv", "--ignore", "0", "--epochs", "1", "--quiet", "--out", "t.gn", cwd=tmp_path,
                  monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 0, result.stderr


# --- 4. the file names of suggested commands are quoted for the shell --------------------------------------------

def advised(stderr, lead):
    """The arguments of the glassnet command that ``stderr`` suggests after ``lead``, as the shell splits them."""
    return shlex.split(stderr.split(lead, 1)[1].split(";")[0].rstrip(").\n"))


def test_train_suggests_an_export_command_with_its_names_quoted(tmp_path, monkeypatch, capsys):
    result = call("train", "xor", "--out", "my model (1).keras", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert_one_line_error(result)
    assert "glassnet export 'my model (1).gn' --keras 'my model (1).keras'" in result.stderr
    assert advised(result.stderr, "convert it: glassnet ") == ["export", "my model (1).gn", "--keras",
                                                               "my model (1).keras"]
    result = call("train", "xor", "--out", "my model.h5", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert_one_line_error(result)
    assert advised(result.stderr, "for Keras: glassnet ") == ["export", "my model.gn", "--keras", "my model.keras"]


def test_export_suggests_onnx_with_the_models_name_quoted(tmp_path, monkeypatch, capsys):
    from glassnet.sklearn import MLPRegressor

    X = np.random.default_rng(0).normal(size=(30, 2))
    with pytest.warns(Warning):  # (not converged in 3 iterations)
        MLPRegressor(hidden_layer_sizes=(3,), max_iter=3, random_state=0).fit(X, X[:, 0]).save(tmp_path / "my est.gn")
    result = call("export", "my est.gn", "--keras", "e.keras", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert_one_line_error(result)
    assert result.stderr.endswith("Export it to ONNX instead: glassnet export 'my est.gn' --onnx 'my est.onnx'\n")
    again = call(*advised(result.stderr, "instead: glassnet "), cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert again.returncode == 0 and (tmp_path / "my est.onnx").is_file(), again.stderr


def test_perceptron_suggests_train_with_the_files_name_quoted(tmp_path, monkeypatch, capsys):
    (tmp_path / "my data.csv").write_text("a,t\n" + "".join(f"{k},{k / 7:.3f}\n" for k in range(20)))
    result = call("perceptron", "my data.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert_one_line_error(result)
    assert result.stderr.endswith("fit a regression with: glassnet train 'my data.csv' --task regression\n")
    again = call(*advised(result.stderr, "with: glassnet "), "--epochs", "1", "--quiet", "--out", "r.gn",
                 cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert again.returncode == 0, again.stderr
