"""``glassnet`` and real-world files (session 55's fixes): predictions that standard output's encoding cannot
write, the iconv advice for Excel's Windows files, cells longer than the csv module's limit, shell commands in
messages quoted, long lists of columns cut short, CSVLogger in UTF-8, a standard error that cannot be written,
and --plot that replaces only a picture."""

import csv
import errno
import io
import os
import shlex
import subprocess
import sys

import numpy as np
import pytest

from glassnet.models import load_model
from test_cli import call  # (main in this process, as `glassnet ARGS` in cwd)


def assert_one_line_error(result):
    assert result.returncode == 1 and result.stdout == "", result.stdout[:500]
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr, result.stderr[:500]


def write_labelled(path, labels, n=24, extra=None, encoding="utf-8"):
    """A CSV file of two features and text labels, drawn in turn from ``labels`` (``extra``: more columns)."""
    rng = np.random.default_rng(0)
    extra = extra or {}
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(["a", "b", *extra, "label"])
        for i in range(n):
            writer.writerow([f"{v:.3f}" for v in rng.normal(size=2)] + [c[i % len(c)] for c in extra.values()]
                            + [labels[i % len(labels)]])


def trained(tmp_path, monkeypatch, capsys, data, out="m.gn", *options):
    result = call("train", data, "--epochs", "1", "--seed", "0", "--quiet", "--out", out, *options, cwd=tmp_path,
                  monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 0, result.stderr
    return result


def narrow_stdout(monkeypatch, encoding):
    """Standard output in ``encoding``, as Python sets it for a redirected output on Windows (the code page)."""
    raw = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(raw, encoding=encoding, newline=""))
    return raw


# --- 1. predictions that standard output cannot encode are refused, not written as '?' ----------------------------

def test_predict_refuses_labels_that_standard_output_cannot_encode(tmp_path, monkeypatch, capsys):
    # PYTHONIOENCODING=ascii (or Windows's cp1252 on a redirected output) wrote "??,0.50,0.49" with status 0:
    # errors="replace", set for the tables' η and ←, applied to the data too
    write_labelled(tmp_path / "cjk.csv", ["中文", "日本"])
    trained(tmp_path, monkeypatch, capsys, "cjk.csv")
    raw = narrow_stdout(monkeypatch, "ascii")
    result = call("predict", "m.gn", "cjk.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    sys.stdout.flush()
    assert_one_line_error(result)
    assert "standard output's encoding, ascii, cannot write 'p(中文)' of the predictions" in result.stderr
    assert "--out FILE" in result.stderr and "PYTHONIOENCODING=utf-8" in result.stderr
    assert b"?" not in raw.getvalue()  # nothing corrupted was written
    errors = io.BytesIO()  # a standard error as narrow is shown the label's escapes, not "p(??)"
    monkeypatch.setattr(sys, "stderr", io.TextIOWrapper(errors, encoding="ascii", write_through=True))
    assert call("predict", "m.gn", "cjk.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys).returncode == 1
    assert b"cannot write 'p(\\u4e2d\\u6587)' of the predictions" in errors.getvalue()
    monkeypatch.undo()
    # --out writes them as UTF-8 whatever standard output's encoding
    result = call("predict", "m.gn", "cjk.csv", "--out", "p.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "p.csv").read_text(encoding="utf-8").splitlines()[0] == "class,p(中文),p(日本)"


def test_predict_writes_what_standard_outputs_encoding_can_write_in_it(tmp_path, monkeypatch, capsys):
    # labels cp1252 has (été) are written in it, as any text on standard output is; the same rows as in UTF-8
    write_labelled(tmp_path / "fr.csv", ["été", "naïve"])
    trained(tmp_path, monkeypatch, capsys, "fr.csv")
    wide = call("predict", "m.gn", "fr.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert wide.returncode == 0 and "p(été)" in wide.stdout
    raw = narrow_stdout(monkeypatch, "cp1252")
    result = call("predict", "m.gn", "fr.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    sys.stdout.flush()
    assert result.returncode == 0, result.stderr
    assert raw.getvalue() == wide.stdout.encode("cp1252")


# --- 2. the iconv advice for a file that is not UTF-8 names cp1252, Excel's Windows encoding ---------------------

def test_the_iconv_advice_reads_excels_windows_files_right(tmp_path, monkeypatch, capsys):
    # "iconv -f latin1" turned € and the curly quotes of a cp1252 file into C1 control characters, without an error
    write_labelled(tmp_path / "w.csv", ["cheap €", "“quoted”"], encoding="cp1252")
    result = call("train", "w.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert_one_line_error(result)
    assert "save it as UTF-8, e.g. with iconv -f cp1252 -t utf-8 w.csv > utf8.csv" in result.stderr
    assert "latin1" not in result.stderr
    # what iconv -f cp1252 writes trains on the labels as they were typed
    (tmp_path / "utf8.csv").write_text((tmp_path / "w.csv").read_bytes().decode("cp1252"), encoding="utf-8")
    trained(tmp_path, monkeypatch, capsys, "utf8.csv")
    assert sorted(load_model(tmp_path / "m.gn").metadata["classes"]) == ["cheap €", "“quoted”"]
    # standard input gets the same advice
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((tmp_path / "w.csv").read_bytes())))
    result = call("train", "-", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert_one_line_error(result)
    assert "iconv -f cp1252 -t utf-8" in result.stderr and "latin1" not in result.stderr


# --- 3. a cell longer than the csv module's 131,072 characters is read -----------------------------------------

@pytest.mark.parametrize("n", [40, 1200])  # (a file longer than 1000 rows: the C parser's path first)
def test_a_text_cell_longer_than_the_csv_modules_limit_is_read(n, tmp_path, monkeypatch, capsys):
    # "bigcell.csv line 5 is not valid CSV: field larger than field limit (131072)", with --ignore text too;
    # pandas.read_csv reads the file
    review = "a long review, " * 20_000  # 300,000 characters, with commas: quoted
    write_labelled(tmp_path / "big.csv", ["no", "yes"], n=n, extra={"text": ["short", review, "x"]})
    limit = csv.field_size_limit()
    trained(tmp_path, monkeypatch, capsys, "big.csv", "m.gn", "--ignore", "text")
    assert load_model(tmp_path / "m.gn").metadata["features"] == ["a", "b"]
    result = call("predict", "m.gn", "big.csv", "--out", "p.csv", cwd=tmp_path, monkeypatch=monkeypatch,
                  capsys=capsys)
    assert result.returncode == 0, result.stderr
    assert len((tmp_path / "p.csv").read_text().splitlines()) == n + 1
    assert csv.field_size_limit() == limit  # the process's limit is put back


def test_a_long_cell_that_is_no_number_is_named_briefly(tmp_path, monkeypatch, capsys):
    # read now, the whole cell went into the one-line error
    write_labelled(tmp_path / "big.csv", ["no", "yes"], extra={"text": ["word " * 40_000]})
    result = call("train", "big.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert_one_line_error(result)
    assert "big.csv line 2, column 'text': 'word word " in result.stderr
    assert "... (199,999 characters) is not a number" in result.stderr and len(result.stderr) < 600


# --- 4. the shell commands that messages suggest are quoted ------------------------------------------------------

def test_suggested_options_quote_a_column_name_for_the_shell(tmp_path, monkeypatch, capsys):
    # "--ignore my col" read "col" as the data argument when pasted
    write_labelled(tmp_path / "s.csv", ["no", "yes"], extra={"my col": ["x", "y"]})
    result = call("train", "s.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert_one_line_error(result)
    assert "leave it out with --ignore 'my col'; if it holds the labels, name it with --target 'my col';" \
        in result.stderr
    suggested = result.stderr.split("leave it out with ")[1].split(";")[0]
    trained(tmp_path, monkeypatch, capsys, "s.csv", "m.gn", *shlex.split(suggested))  # as the shell reads it


def test_the_iconv_command_quotes_the_file_name(tmp_path, monkeypatch, capsys):
    # "iconv -f latin1 -t utf-8 my data (1).csv > utf8.csv" was a syntax error in the shell
    write_labelled(tmp_path / "my data (1).csv", ["cheap €", "dear"], encoding="cp1252")
    result = call("train", "my data (1).csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert_one_line_error(result)
    command = result.stderr.split("e.g. with ")[1].split(" > utf8.csv")[0]
    assert shlex.split(command) == ["iconv", "-f", "cp1252", "-t", "utf-8", "my data (1).csv"]


# --- 5. messages list at most 20 column names ---------------------------------------------------------------------

def test_messages_that_list_columns_cut_the_list_short(tmp_path, monkeypatch, capsys):
    # a file of 10,000 columns made error lines and notes of 60-70 KB
    rng = np.random.default_rng(0)
    names = [f"f{k}" for k in range(100)]
    X = rng.normal(size=(30, 100)).round(3)
    np.savetxt(tmp_path / "wide.csv", np.column_stack([X, np.arange(30) % 2]), delimiter=",", fmt="%g",
               header=",".join([*names, "label"]), comments="")
    trained(tmp_path, monkeypatch, capsys, "wide.csv", "m.gn", "--layers", "4")
    listed = ", ".join(names[:20]) + ", ... (80 more)"
    result = call("train", "wide.csv", "--target", "nope", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert_one_line_error(result)
    assert f"Columns: {listed}, ... " not in result.stderr and f"Columns: {', '.join(names[:20])}, ... (81 more)." \
        in result.stderr
    np.savetxt(tmp_path / "miss.csv", X[:, 1:], delimiter=",", fmt="%g", header=",".join(names[1:]), comments="")
    result = call("predict", "m.gn", "miss.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert_one_line_error(result)
    assert f"has no column f0, which the model was trained on; the model takes {listed}." in result.stderr
    others = [f"x{k}" for k in range(30)]
    np.savetxt(tmp_path / "extra.csv", np.column_stack([X, X[:, :30]]), delimiter=",", fmt="%g",
               header=",".join(names + others), comments="")
    result = call("predict", "m.gn", "extra.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"note: extra.csv's columns {', '.join(others[:20])}, ... (10 more) are not the model's; " \
                            "left out.\n"


# --- 6. CSVLogger writes UTF-8 whatever the locale ----------------------------------------------------------------

def test_csv_logger_writes_utf8_under_an_ascii_locale(tmp_path):
    # a metric named précision: "UnicodeEncodeError: 'ascii' codec" after the first epoch under LC_ALL=C
    script = """if True:
        import sys, numpy as np
        from glassnet import callbacks, layers
        from glassnet.models import Sequential
        def précision(y_true, y_pred):
            return y_pred.mean()
        model = Sequential([layers.Input((3,)), layers.Dense(2)])
        model.compile("sgd", "mse", metrics=[précision])
        model.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), epochs=2, verbose=0,
                  callbacks=[callbacks.CSVLogger(sys.argv[1])])
        print(sys.getfilesystemencoding(), open(sys.argv[1], "rb").readline())
    """
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0",
           "PYTHONIOENCODING": "utf-8"}
    (tmp_path / "fit.py").write_text(script, encoding="utf-8")  # (a source file is UTF-8 whatever the locale)
    done = subprocess.run([sys.executable, str(tmp_path / "fit.py"), str(tmp_path / "log.csv")], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    if not done.stdout.startswith("ascii"):
        pytest.skip("this platform's C locale is not ASCII")
    header = (tmp_path / "log.csv").read_bytes().splitlines()[0].decode("utf-8")
    assert header.split(",") == ["epoch", "loss", "précision"]


# --- 7. a standard error that cannot be written loses the notes, not the work ---------------------------------------

class FullStream(io.TextIOBase):
    """Standard error on a full disk (``2>/dev/full``)."""

    encoding = "utf-8"

    def write(self, text):
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_note_on_a_full_standard_error_does_not_stop_training(tmp_path, monkeypatch, capsys):
    # the note on a ';' file's separator ended train with status 1, no model and no word
    (tmp_path / "semi.csv").write_text("a;b;label\n" + "".join(f"{k / 7:.3f};{k % 3};{k % 2}\n" for k in range(20)))
    for stream in (FullStream(), io.StringIO()):
        if isinstance(stream, io.StringIO):
            stream.close()  # (2>&-: "I/O operation on closed file" where the file object was closed)
        monkeypatch.setattr(sys, "stderr", stream)
        result = call("train", "semi.csv", "--epochs", "1", "--out", "m.gn", cwd=tmp_path, monkeypatch=monkeypatch,
                      capsys=capsys)
        assert result.returncode == 0
        assert "Saved the model to m.gn" in result.stdout
        (tmp_path / "m.gn").unlink()
        result = call("train", "nosuch.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
        assert result.returncode == 1  # an error that cannot be shown still fails the command
    assert sys.stderr is stream  # put back


def test_predict_with_standard_error_full_or_missing_writes_its_predictions(tmp_path, monkeypatch, capsys):
    write_labelled(tmp_path / "d.csv", ["no", "yes"])
    trained(tmp_path, monkeypatch, capsys, "d.csv")
    write_labelled(tmp_path / "extra.csv", ["no", "yes"], extra={"x": ["1"]})  # a note: x is not the model's
    expected = call("predict", "m.gn", "extra.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert "not the model's" in expected.stderr
    # None: Python had no standard error (pythonw), and print(file=None) wrote the note into the predictions
    for stream in (FullStream(), None):
        monkeypatch.setattr(sys, "stderr", stream)
        result = call("predict", "m.gn", "extra.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
        assert result.returncode == 0 and result.stdout == expected.stdout


def test_glassnet_with_standard_error_on_a_full_device(tmp_path, monkeypatch, capsys):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    write_labelled(tmp_path / "d.csv", ["no", "yes"])
    trained(tmp_path, monkeypatch, capsys, "d.csv")
    write_labelled(tmp_path / "extra.csv", ["no", "yes"], extra={"x": ["1"]})
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "glassnet.cli", "predict", "m.gn", "extra.csv"], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=full, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.splitlines()[0] == "class,p(no),p(yes)"
    assert len(done.stdout.splitlines()) == 25


# --- 8. --plot replaces only a picture ------------------------------------------------------------------------------

def test_plot_replaces_only_an_empty_file_or_a_picture(tmp_path, monkeypatch, capsys):
    # "--plot thesis.pdf" replaced the document without a word, where --out replaces only a model file
    pytest.importorskip("matplotlib")
    thesis = b"%PDF-1.4\n% my thesis\n"
    (tmp_path / "thesis.pdf").write_bytes(thesis)
    (tmp_path / "notes.png").write_bytes(b"\x89PNG\r\n\x1a\n a photo")
    common = ["--epochs", "1", "--samples", "40", "--quiet", "--out", "m.gn"]
    for command in (["train", "xor", *common, "--plot", "thesis.pdf"],
                    ["descend", "x**2", "--x0", "1", "--steps", "2", "--plot", "thesis.pdf"],
                    ["hopfield", "--store", "AB", "--recall", "A", "--out", "notes.png"]):
        result = call(*command, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
        assert_one_line_error(result)
        option = command[-2]
        assert f"{option}: {command[-1]} exists and is not a picture drawn by matplotlib; writing there would " \
               "destroy it." in result.stderr
    assert (tmp_path / "thesis.pdf").read_bytes() == thesis and not (tmp_path / "m.gn").exists()
    for name in ("loss.pdf", "loss.png", "loss.svg"):  # its own picture of an earlier run is replaced
        for _ in range(2):
            result = call("train", "xor", *common, "--plot", name, cwd=tmp_path, monkeypatch=monkeypatch,
                          capsys=capsys)
            assert result.returncode == 0, result.stderr
    (tmp_path / "empty.png").write_bytes(b"")
    result = call("descend", "x**2", "--x0", "1", "--steps", "2", "--plot", "empty.png", cwd=tmp_path,
                  monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 0, result.stderr


# --- 9. predictions of an Excel "CSV UTF-8" file keep its byte-order mark; Excel's "sep=;" line is read -------------

@pytest.mark.parametrize("stdin", [False, True])
def test_predictions_of_a_file_with_a_byte_order_mark_have_one(stdin, tmp_path, monkeypatch, capsys):
    # Excel opens a UTF-8 file without the mark in the ANSI code page: the predictions' "été" read "Ã©tÃ©"
    write_labelled(tmp_path / "fr.csv", ["été", "naïve"], encoding="utf-8-sig")
    trained(tmp_path, monkeypatch, capsys, "fr.csv")
    data = "fr.csv"
    if stdin:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((tmp_path / "fr.csv").read_bytes())))
        data = "-"
    for _ in range(2):  # the second replaces the first, a predictions file (its mark is no part of its header)
        result = call("predict", "m.gn", data, "--out", "p.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
        assert result.returncode == 0, result.stderr
        assert (tmp_path / "p.csv").read_bytes().startswith("\ufeffclass,p(naïve),p(été)\n".encode())
        if stdin:
            break
    plain = call("predict", "m.gn", "fr.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert plain.stdout.startswith("class,")  # standard output, which programs read, gets none
    write_labelled(tmp_path / "plain.csv", ["été", "naïve"])
    call("predict", "m.gn", "plain.csv", "--out", "q.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert (tmp_path / "q.csv").read_bytes().startswith(b"class,")


@pytest.mark.parametrize("n", [30, 1200])  # (a file longer than 1000 rows: the C parser's path first)
def test_excels_sep_line_names_the_separator_and_is_no_row(n, tmp_path, monkeypatch, capsys):
    # "sep=;" (Excel's hint, written by exporters for Excel) gave "line 3: expected 1 field, found 3", and with
    # the advised --sep ';' "line 2: expected 2 fields, found 3"
    rng = np.random.default_rng(0)
    rows = "".join(f"{a:.3f};{b:.3f};{'yes' if a + b > 0 else 'no'}\n".replace(".", ",")
                   for a, b in rng.normal(size=(n, 2)))
    (tmp_path / "plain.csv").write_text("a;b;label\n" + rows)
    (tmp_path / "excel.csv").write_text("sep=;\r\na;b;label\n" + rows)
    expected = trained(tmp_path, monkeypatch, capsys, "plain.csv", "p.gn")
    result = trained(tmp_path, monkeypatch, capsys, "excel.csv", "e.gn")
    assert result.stdout.replace("e.gn", "p.gn") == expected.stdout
    assert "note: excel.csv is read with sep=';' (its first line, 'sep=;', says so) and decimal=','" in result.stderr
    a, b = load_model(tmp_path / "p.gn"), load_model(tmp_path / "e.gn")
    assert b.metadata["features"] == ["a", "b"]
    for u, v in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(u, v)
    result = trained(tmp_path, monkeypatch, capsys, "excel.csv", "g.gn", "--sep", ";", "--decimal", ",")
    predicted = call("predict", "p.gn", "excel.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert predicted.returncode == 0, predicted.stderr
    assert predicted.stdout == call("predict", "p.gn", "plain.csv", cwd=tmp_path, monkeypatch=monkeypatch,
                                    capsys=capsys).stdout
