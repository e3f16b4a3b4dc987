"""Real-world CSV files through the command line (session 57's fixes of the CSV hunt): row numbers and ids
as features, one bad cell in a long file found without reading every row in Python, per-cell work done once
per distinct value, zipped CSV files, columns aligned by blanks (``--sep '\\s+'``), a title line above the
header, repeated column names, thousands separators and a stray ``#DIV/0!``, the Python recipe of
docs/cli.md, and ``glassnet export m.gn out.onnx``."""

import csv
import functools
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from glassnet.cli import _data, _labels
from glassnet.cli._data import read_csv
from glassnet.models import load_model
from conftest import run_cli as call

pd = pytest.importorskip("pandas")

DOCS = Path(__file__).resolve().parents[1] / "docs"


def error_of(result):
    """The one-line error of a failed command."""
    assert result.returncode != 0 and result.stdout == "", result.stdout[-500:]
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr, result.stderr[-800:]
    return result.stderr


def iris_like(n=150, seed=0):
    """A frame sorted by class, as iris is: three classes of ``n // 3`` rows, four features."""
    rng = np.random.default_rng(seed)
    y = np.repeat(["setosa", "versicolor", "virginica"], n // 3)
    X = rng.normal(size=(len(y), 4)).round(2) + np.repeat(np.arange(3), n // 3)[:, None]
    return pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"]).assign(species=y)


# --- 1. row numbers and ids --------------------------------------------------------------------------------------

def test_r_row_names_and_pandas_unnamed_index_are_left_out_with_a_note(tmp_path, capsys):
    frame = iris_like()
    r = frame.copy()
    r.index += 1  # R's write.csv(df): a nameless first column counting 1, 2, 3, ... (quoted, as R writes)
    r.to_csv(tmp_path / "r.csv", quoting=csv.QUOTE_ALL)
    frame.to_csv(tmp_path / "idx.csv")  # pandas's index, 0-based, nameless
    pd.read_csv(tmp_path / "idx.csv").to_csv(tmp_path / "twice.csv")  # read back and written: ",Unnamed: 0,..."
    pd.read_csv(tmp_path / "idx.csv").to_csv(tmp_path / "unnamed.csv", index=False)  # "Unnamed: 0,sl,..."
    expected = frame[["sl", "sw", "pl", "pw"]].to_numpy()
    notes = {"r.csv": ["the first column of {} has no name and numbers the rows 1, 2, 3, ... (R's row names, "
                       "written by write.csv without row.names=FALSE): it is left out."],
             "twice.csv": ["the first column of {} has no name and numbers the rows 0, 1, 2",
                           "column 1 of {}, 'Unnamed: 0', numbers the rows 0, 1, 2, ... (pandas's index, written by "
                           "to_csv without index=False and read back): it is left out."],
             "unnamed.csv": ["column 0 of {}, 'Unnamed: 0', numbers the rows 0, 1, 2"]}
    for name, said in notes.items():
        X, y, columns = read_csv(str(tmp_path / name))
        assert list(columns) == ["sl", "sw", "pl", "pw"] and np.array_equal(X, expected), name
        assert np.array_equal(y, frame["species"].to_numpy())
        err = capsys.readouterr().err
        for text in said:
            assert text.format(tmp_path / name) in err, err
    # named by --ignore or --target, it is the user's: no note, and a named index column is kept
    X, _, columns = read_csv(str(tmp_path / "unnamed.csv"), ignore=("Unnamed: 0",))
    assert list(columns) == ["sl", "sw", "pl", "pw"] and "note" not in capsys.readouterr().err
    # row numbers that do not count from 0 or 1 (rows of a subset) are a column like any other
    frame.set_axis(range(5, 155)).to_csv(tmp_path / "subset.csv")
    X, _, columns = read_csv(str(tmp_path / "subset.csv"))
    assert list(columns) == ["", "sl", "sw", "pl", "pw"] and "note" not in capsys.readouterr().err


def test_the_model_of_a_file_with_r_row_names_does_not_read_them(tmp_path, monkeypatch, capsys):
    # trained on the row number, iris sorted by class scored 0.98 on its own file and 0.74 with the rows renumbered
    frame = iris_like()
    r = frame.copy()
    r.index += 1
    r.to_csv(tmp_path / "r.csv")
    r.set_axis(np.random.default_rng(1).permutation(r.index)).to_csv(tmp_path / "shuffled.csv")
    result = call("train", "r.csv", "--epochs", "30", "--seed", "0", "--out", "r.gn", cwd=tmp_path,
                  monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 0 and "R's row names" in result.stderr, result.stderr
    assert load_model(tmp_path / "r.gn").metadata["features"] == ["sl", "sw", "pl", "pw"]
    scores = [call("evaluate", "r.gn", name, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys).stdout
              for name in ("r.csv", "shuffled.csv")]
    accuracy = [re.search(r"Accuracy: ([\d.]+)", text).group(1) for text in scores]
    assert accuracy[0] == accuracy[1], scores


def test_a_model_s_own_column_that_numbers_the_rows_is_read_in_predict_and_evaluate(tmp_path, monkeypatch, capsys):
    # a model trained on a column named "Unnamed: 0" (of other numbers, or before such columns were left out)
    # takes it from new rows that happen to count 0, 1, 2, ...: it was left out, and then missing
    frame = iris_like(30)
    frame.insert(0, "Unnamed: 0", np.arange(30) * 3 + 5)
    frame.to_csv(tmp_path / "train.csv", index=False)
    frame.assign(**{"Unnamed: 0": np.arange(30)}).to_csv(tmp_path / "new.csv", index=False)
    result = call("train", "train.csv", "--epochs", "1", "--quiet", "--out", "u.gn", cwd=tmp_path,
                  monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 0 and "note" not in result.stderr, result.stderr
    assert load_model(tmp_path / "u.gn").metadata["features"] == ["Unnamed: 0", "sl", "sw", "pl", "pw"]
    for command in ("predict", "evaluate"):
        result = call(command, "u.gn", "new.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
        assert result.returncode == 0 and "numbers the rows" not in result.stderr, result.stderr


def test_an_id_column_of_distinct_whole_numbers_gets_a_note_in_train_only(tmp_path, monkeypatch, capsys):
    frame = iris_like()
    rng = np.random.default_rng(0)
    frame.insert(0, "Id", range(1, 151))  # Kaggle's Iris.csv
    frame.to_csv(tmp_path / "kaggle.csv", index=False)
    frame.assign(Id=rng.permutation(10_000)[:150]).rename(columns={"Id": "PassengerId"}).to_csv(
        tmp_path / "random_ids.csv", index=False)
    frame.assign(Id=rng.integers(0, 5, 150)).rename(columns={"Id": "index"}).to_csv(tmp_path / "repeats.csv",
                                                                                  index=False)
    frame.assign(Id=rng.normal(size=150)).rename(columns={"Id": "user_id"}).to_csv(tmp_path / "fractions.csv",
                                                                                 index=False)
    for name, column in (("kaggle.csv", "Id"), ("random_ids.csv", "PassengerId")):
        result = call("train", name, "--epochs", "1", "--quiet", "--out", "m.gn", cwd=tmp_path,
                      monkeypatch=monkeypatch, capsys=capsys)
        assert result.returncode == 0, result.stderr
        assert (f"note: column {column!r} of {name} holds a different whole number in each row, as an id does, and "
                f"is a feature; --ignore {column} leaves it out.") in result.stderr
        assert load_model(tmp_path / "m.gn").metadata["features"][0] == column  # a note, not a drop
        result = call("evaluate", "m.gn", name, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
        assert result.returncode == 0 and "as an id does" not in result.stderr
    for args in (("repeats.csv",), ("fractions.csv",), ("kaggle.csv", "--ignore", "Id")):
        result = call("train", *args, "--epochs", "1", "--quiet", "--out", "m.gn", cwd=tmp_path,
                      monkeypatch=monkeypatch, capsys=capsys)
        assert result.returncode == 0 and "as an id does" not in result.stderr, (args, result.stderr)


# --- 2. one bad cell in a long file -----------------------------------------------------------------------------

def long_rows(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)).round(4)
    return [[*map(str, x), "cat" if x[0] > 0 else "dog"] for x in X]


def write_lines(path, rows, header=("a", "b", "c", "label"), end="\n"):
    path.write_text("".join(",".join(row) + end for row in [list(header), *rows]), newline="")


@pytest.fixture
def readings(monkeypatch):
    """The ``limit`` of each reading of the file by the csv module (None: every row); the pandas blocks of the
    search for a bad cell are 300 rows long, so that a 3000-row file has several."""
    limits, rows = [], _data._rows
    monkeypatch.setattr(_data, "_rows", lambda fh, path, limit=None, header=None, **fmt:
                        limits.append(limit) or rows(fh, path, limit, header, **fmt))
    monkeypatch.setattr(_data, "_suspect_lines", functools.partial(_data._suspect_lines, size=300))
    return limits


def careful_error(path, monkeypatch, **kwargs):
    """The error of the careful reading of every row (the reference: the head rows are the whole file)."""
    with monkeypatch.context() as patch:
        patch.setattr(_data, "HEAD_ROWS", 10**9)
        with pytest.raises(_data.CommandError) as caught:
            read_csv(str(path), **kwargs)
    return str(caught.value)


@pytest.mark.parametrize("kind", ["na", "text", "true-then-na", "label", "blank-lines", "crlf", "ignored-na"])
def test_the_first_bad_cell_of_a_long_file_is_named_without_reading_every_row(kind, tmp_path, monkeypatch, readings):
    # one NA in the last of 1M rows: 93 s and 2.2 GB, every row held as Python lists of text to name it
    rows, kwargs, end = long_rows(), {}, "\n"
    if kind == "na":
        rows[2500][1] = "NA"
    if kind == "text":  # a block of pandas's that fails as numbers, read again as text
        rows[2500][1] = "abc"
        rows[2700][0] = "NA"
    if kind == "true-then-na":  # pandas reads tRuE as 1.0: it is named before the later NA all the same
        rows[1700][2] = "tRuE"
        rows[2500][0] = "NA"
    if kind == "label":
        rows[2200][3] = ""
    if kind == "blank-lines":  # blank and comma-only lines count as lines, but are no rows
        rows[1200:1200] = [[""], ["", "", "", ""], ["   "]]
        rows[2600][2] = "?"
    if kind == "crlf":
        end = "\r\n"
        rows[2900][2] = "NULL"
    if kind == "ignored-na":  # an NA in a column left out is no error
        rows[1500][0] = "NA"
        rows[2500][1] = "-"
        kwargs = {"ignore": ("a",)}
    write_lines(tmp_path / "long.csv", rows, end=end)
    with pytest.raises(_data.CommandError) as caught:
        read_csv(str(tmp_path / "long.csv"), **kwargs)
    assert readings == [_data.HEAD_ROWS + 1]  # the head rows only: no reading of every row
    expected = careful_error(tmp_path / "long.csv", monkeypatch, **kwargs)
    assert str(caught.value) == expected
    line = {"na": 2502, "text": 2502, "true-then-na": 1702, "label": 2202, "blank-lines": 2602, "crlf": 2902,
            "ignored-na": 2502}[kind]
    assert f"long.csv line {line}, column " in expected


def test_a_trailing_comma_on_every_row_keeps_a_long_file_in_c(tmp_path, monkeypatch, readings):
    # a spreadsheet's export: it sent the file to the careful reader (200k rows: 10.4 s, 547 MB; now as fast as without)
    rows = long_rows()
    write_lines(tmp_path / "comma.csv", [[*row, ""] for row in rows], header=("a", "b", "c", "label", ""))
    write_lines(tmp_path / "plain.csv", rows)
    X, y, columns = read_csv(str(tmp_path / "comma.csv"))
    assert readings == [_data.HEAD_ROWS + 1]
    X0, y0, columns0 = read_csv(str(tmp_path / "plain.csv"))
    assert np.array_equal(X, X0) and np.array_equal(y, y0) and list(columns) == list(columns0) == ["a", "b", "c"]
    frame = pd.read_csv(tmp_path / "comma.csv").iloc[:, :4]
    assert np.array_equal(X, frame[["a", "b", "c"]].to_numpy()) and list(y) == list(frame["label"])
    # a row whose last cell is not empty: the column is then read (and refused) as the careful reader reads it
    rows[2800] = [*rows[2800], "7"]
    write_lines(tmp_path / "late.csv", [row if len(row) == 5 else [*row, ""] for row in rows],
                header=("a", "b", "c", "label", ""))
    with pytest.raises(_data.CommandError) as caught:  # (the last column, '', is the target: 'label' a feature)
        read_csv(str(tmp_path / "late.csv"))
    assert str(caught.value) == careful_error(tmp_path / "late.csv", monkeypatch)
    assert "late.csv line 2, column 'label': 'cat' is not a number" in str(caught.value)


# --- 3. each distinct cell read once ----------------------------------------------------------------------------

def test_targets_and_missing_cells_are_read_once_per_distinct_value(monkeypatch):
    # 1M text labels: label_text and _non_finite called per cell, 5 s of a 15 s read; the same results from each
    # distinct cell (the reference: the per-cell rules, written out here)
    cells = ["007", "7", "1.0", "1e0", "0.50", "cat", "2", "18446744073709551616", "-0", " x"] * 300
    calls = []
    label_text = _labels.label_text
    monkeypatch.setattr(_labels, "label_text", lambda cell: calls.append(cell) or label_text(cell))
    y = _labels._target_values(cells)
    assert len(calls) == len(set(cells))
    assert y.tolist() == [label_text(c) for c in cells] and y.dtype.kind == "U"
    assert _labels._target_values(["3", "1", "3", "2"] * 5).tolist() == [3, 1, 3, 2] * 5
    assert _labels._target_values(["3", "1.5", "3"] * 5).dtype == np.float64
    from glassnet.cli import _columns

    checked = []
    non_finite = _columns._non_finite
    monkeypatch.setattr(_columns, "_non_finite", lambda cell: checked.append(cell) or non_finite(cell))
    labels = ["cat", "dog"] * 500 + ["NA"] + ["cat"] * 10 + ["inf"]
    assert _columns._first_missing(labels) == 1000 and len(checked) == 3  # cat, dog, inf: NA is one of MISSING
    assert _columns._first_missing(["cat", "dog"] * 10) is None
    assert _columns._first_missing(["1", "2", "nan"]) == 2 and _columns._first_missing(["a", ""]) == 1


# --- 4. zipped CSV files ----------------------------------------------------------------------------------------

def test_a_zip_of_one_csv_file_is_read_as_pandas_reads_it(tmp_path, monkeypatch, capsys):
    frame = iris_like()
    frame.to_csv(tmp_path / "iris.csv", index=False)
    with zipfile.ZipFile(tmp_path / "iris.csv.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(tmp_path / "iris.csv", "iris.csv")
    with zipfile.ZipFile(tmp_path / "data.zip", "w", zipfile.ZIP_DEFLATED) as archive:  # a folder beside the file
        archive.writestr("export/", "")
        archive.write(tmp_path / "iris.csv", "export/iris.csv")
    expected = pd.read_csv(tmp_path / "iris.csv.zip")
    for name in ("iris.csv.zip", "data.zip"):
        X, y, columns = read_csv(str(tmp_path / name))
        assert np.array_equal(X, expected[["sl", "sw", "pl", "pw"]].to_numpy()) and list(y) == list(expected.species)
    results = [call("train", name, "--epochs", "2", "--seed", "0", "--quiet", "--out", "m.gn", cwd=tmp_path,
                    monkeypatch=monkeypatch, capsys=capsys) for name in ("iris.csv", "iris.csv.zip")]
    assert results[0].returncode == 0 and results[0].stdout.splitlines()[0] == results[1].stdout.splitlines()[0]
    result = call("predict", "m.gn", "iris.csv.zip", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 151, result.stderr
    # a long file in a zip is read in C all the same
    long = pd.concat([frame] * 10, ignore_index=True)
    with zipfile.ZipFile(tmp_path / "long.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("long.csv", long.to_csv(index=False))
    X, y, _ = read_csv(str(tmp_path / "long.zip"))
    assert np.array_equal(X, long[["sl", "sw", "pl", "pw"]].to_numpy()) and len(y) == 1500


def test_a_zip_of_several_files_or_a_workbook_is_named_as_such(tmp_path, monkeypatch, capsys):
    iris_like().to_csv(tmp_path / "iris.csv", index=False)
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as archive:
        archive.write(tmp_path / "iris.csv", "train.csv")
        archive.write(tmp_path / "iris.csv", "test.csv")
    with zipfile.ZipFile(tmp_path / "book.zip", "w", zipfile.ZIP_DEFLATED) as archive:  # an .xlsx's layout
        archive.writestr("[Content_Types].xml", "<Types/>" * 50)
        archive.writestr("xl/worksheets/sheet1.xml", bytes(range(256)) * 20)
    with zipfile.ZipFile(tmp_path / "latin.csv.zip", "w") as archive:
        archive.writestr("latin.csv", "a,b,label\n1,2,caf\xe9\n".encode("cp1252"))
    error = error_of(call("train", "two.zip", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys))
    assert error == ("glassnet train: error: two.zip is not CSV text but a zip archive of 2 files (train.csv, "
                     "test.csv), and only a zip of one file is read, as by pandas: unzip it (unzip two.zip) and give "
                     "one of them.\n")
    error = error_of(call("train", "book.zip", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys))
    assert "a zip archive (an Excel .xlsx or LibreOffice .ods workbook?)" in error and "read_excel" in error
    error = error_of(call("train", "latin.csv.zip", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys))
    assert "unzip -p latin.csv.zip | iconv -f cp1252 -t utf-8 > utf8.csv" in error


# --- 5. columns aligned by blanks -------------------------------------------------------------------------------

def aligned(path, rows=60, seed=0):
    """A file of right-aligned numbers between runs of spaces, without a header (UCI's housing.data)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 4)) * [1, 10, 100, 1]
    y = X @ [1.0, 0.1, 0.01, 2.0]
    path.write_text("".join("".join(f"{v:9.3f}" for v in [*x, t]) + "\n" for x, t in zip(X, y)))


def test_sep_blanks_reads_columns_aligned_by_spaces_as_pandas_does(tmp_path, monkeypatch, capsys):
    aligned(tmp_path / "housing.data")
    X, y, columns = read_csv(str(tmp_path / "housing.data"), sep=r"\s+")
    expected = pd.read_csv(tmp_path / "housing.data", sep=r"\s+", header=None).to_numpy()
    assert np.array_equal(X, expected[:, :-1]) and np.array_equal(y, expected[:, -1]) and not columns.header
    (tmp_path / "tabs.txt").write_text("x  y\tlabel\n 1.5\t 2  a\n\t3 4 b\n5 6 a\n7 8\t\tb\n")  # tabs count as blanks
    X, y, columns = read_csv(str(tmp_path / "tabs.txt"), sep=r"\s+")
    assert list(columns) == ["x", "y"] and X.tolist() == [[1.5, 2], [3, 4], [5, 6], [7, 8]] and list(y) == list("abab")
    result = call("train", "housing.data", "--sep", r"\s+", "--epochs", "2", "--quiet", "--out", "h.gn", cwd=tmp_path,
                  monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 0, result.stderr
    result = call("predict", "h.gn", "tabs.txt", "--sep", r"\s+", "--target", "label", cwd=tmp_path,
                  monkeypatch=monkeypatch, capsys=capsys)  # (another number of features: refused, by its count)
    assert "the model expects 4 features; tabs.txt has 2" in result.stderr
    (tmp_path / "new.data").write_text("".join(line[:36] + "\n" for line in
                                               (tmp_path / "housing.data").read_text().splitlines()[:3]))
    result = call("predict", "h.gn", "new.data", "--sep", r"\s+", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 0 and result.stdout.splitlines()[0] == "y" and len(result.stdout.splitlines()) == 4


def test_a_file_of_aligned_columns_is_told_to_give_sep_blanks(tmp_path, monkeypatch, capsys):
    aligned(tmp_path / "housing.data")
    error = error_of(call("train", "housing.data", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys))
    assert error.endswith("housing.data has a single column: there is no feature besides the target (columns are "
                          "read as separated by ','; this file seems to use runs of blanks: give --sep '\\s+').\n")
    (tmp_path / "mpg.txt").write_text("mpg cylinders weight\n18.0 8 3504\n15.0 8 3693\n")
    assert "give --sep '\\s+'" in error_of(call("train", "mpg.txt", cwd=tmp_path, monkeypatch=monkeypatch,
                                                capsys=capsys))
    (tmp_path / "price.csv").write_text("house price\n250000\n180000\n")  # one column whose name has a space
    assert "--sep" not in error_of(call("train", "price.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys))
    for sep, hint in (("|", "(--sep '|': row 1 holds no '|')"), (r"\s+", "(--sep '\\s+': row 1 holds no blanks)")):
        (tmp_path / "y.csv").write_text("y\n1\n2\n")
        assert error_of(call("train", "y.csv", "--sep", sep, cwd=tmp_path, monkeypatch=monkeypatch,
                             capsys=capsys)).endswith(f"no feature besides the target {hint}.\n")
    result = call("train", "price.csv", "--sep", "s+", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert "or '\\s+' (runs of blanks). Received: 's+'" in result.stderr


# --- 6. a title line above the header ---------------------------------------------------------------------------

def test_a_title_line_above_the_header_is_named_with_the_command_that_drops_it(tmp_path, monkeypatch, capsys):
    body = iris_like().to_csv(index=False)
    (tmp_path / "report.csv").write_text("Iris measurements exported 2024-05-01\n\n" + body)
    (tmp_path / "padded.csv").write_text("Iris measurements,,,,\n,,,,\n" + body)  # Excel's padding
    error = error_of(call("train", "report.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys))
    assert error.endswith("report.csv line 3: expected 1 field, found 5 (line 1, 'Iris measurements exported "
                          "2024-05-01', looks like a title above the header: remove the lines above line 3, e.g. with "
                          "tail -n +3 report.csv > table.csv).\n"), error
    error = error_of(call("train", "padded.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys))
    assert error.endswith("padded.csv line 3, column 'Iris measurements': 'sl' is not a number (line 1, 'Iris "
                          "measurements', looks like a title above the header: remove the lines above line 3, e.g. "
                          "with tail -n +3 padded.csv > table.csv).\n"), error
    assert "--ignore" not in error
    for name in ("report.csv", "padded.csv"):  # the advice, followed, reads the file
        table = "".join((tmp_path / name).read_text().splitlines(keepends=True)[2:])
        (tmp_path / "table.csv").write_text(table)
        X, y, columns = read_csv(str(tmp_path / "table.csv"))
        assert X.shape == (150, 4) and list(columns) == ["sl", "sw", "pl", "pw"]


# --- 7. repeated column names -----------------------------------------------------------------------------------

def test_repeated_column_names_get_a_note_and_the_error_names_only_those(tmp_path, monkeypatch, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3)).round(3)
    rows = [[*map(str, x), str(int(x[0] + x[1] > 0))] for x in X]
    (tmp_path / "dup.csv").write_text("x,x,y,label\n" + "".join(",".join(r) + "\n" for r in rows))
    result = call("train", "dup.csv", "--epochs", "1", "--quiet", "--out", "d.gn", cwd=tmp_path,
                  monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 0
    assert ("note: the column name x repeats in dup.csv: evaluate and predict take such columns by place, so new "
            "rows need them in this order (pandas reads a second x back as x.1).") in result.stderr
    pd.read_csv(tmp_path / "dup.csv").head(3).to_csv(tmp_path / "pandas.csv", index=False)  # x, x.1, y, label
    result = call("predict", "d.gn", "pandas.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert "column x.1 is not the model's; left out" in result.stderr  # (a note first)
    error = _last_line(result)
    assert error.endswith("pandas.csv's columns are not the model's (x, x, y) in its order, and the names x repeat, "
                          "so they cannot be matched by name; write the columns in the model's order.\n"), error
    result = call("predict", "d.gn", "dup.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 101


def _last_line(result):
    """The error line of a failed command whose notes come first."""
    assert result.returncode != 0 and result.stdout == ""
    return result.stderr.splitlines(keepends=True)[-1]


# --- 8. thousands separators and a stray text cell --------------------------------------------------------------

def test_thousands_separators_and_a_stray_text_cell_are_named_as_such(tmp_path, monkeypatch, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2)).round(3)
    (tmp_path / "price.csv").write_text("a,b,price\n" + "".join(f'{a},{b},"{k * 100 + 5:,}"\n'
                                                               for k, (a, b) in enumerate(X, 1)))
    error = error_of(call("train", "price.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys))
    assert "its values are numbers written with a thousands separator or a decimal comma ('105')" not in error
    assert "its values are numbers written with a thousands separator or a decimal comma ('1,005')" in error
    (tmp_path / "de.csv").write_text("a;b;label\n1.234,50;2;x\n2,5;3;y\n")
    error = _last_line(call("train", "de.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys))  # (after a note)
    assert error.endswith("de.csv line 2, column 'a': '1.234,50' is not a number: it is written with a thousands "
                          "separator, which is not read; write the numbers without one.\n"), error
    lines = ["a,b,label"] + [f"{a},{b},{int(a > 0)}" for a, b in X]
    lines[6] = lines[6].replace(lines[6].split(",")[1], "#DIV/0!")
    (tmp_path / "excel.csv").write_text("\n".join(lines) + "\n")
    error = error_of(call("train", "excel.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys))
    assert error.endswith("excel.csv line 7, column 'b': '#DIV/0!' is not a number: the cells above it in this "
                          "column are numbers; fix or remove this row.\n"), error
    # a text column (an id) keeps the advice to leave it out
    (tmp_path / "ids.csv").write_text("id,a,label\n" + "".join(f"A{k},{a},{int(a > 0)}\n" for k, (a, _) in enumerate(X)))
    assert "leave it out with --ignore id" in error_of(call("train", "ids.csv", cwd=tmp_path, monkeypatch=monkeypatch,
                                                            capsys=capsys))


# --- 9. docs/cli.md's Python recipe -----------------------------------------------------------------------------

def test_the_python_recipe_of_the_cli_page_gives_predicts_classes(tmp_path, monkeypatch, capsys):
    text = (DOCS / "cli.md").read_text()
    setup, recipe = re.findall(r"```python\n(.*?)```", text.split("In Python, the model file holds", 1)[1], re.S)[:2]
    assert "model.metadata[\"features\"]" in recipe and "model.metadata[\"classes\"]" in recipe
    assert len([line for line in recipe.splitlines() if line and not line.startswith("from ")]) == 3
    monkeypatch.chdir(tmp_path)
    scope = {}
    exec(setup + recipe, scope)  # noqa: S102 -- the page's code, as test_docs runs it
    capsys.readouterr()
    result = call("predict", "m.gn", "ids.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    classes = [row[0] for row in csv.reader(io.StringIO(result.stdout))][1:]
    assert result.returncode == 0 and list(scope["labels"]) == classes and set(classes) == {"no", "yes"}


# --- side note: export's output given without its option --------------------------------------------------------

def test_export_tells_to_name_a_positional_output_by_its_option(tmp_path, monkeypatch, capsys):
    # "glassnet export m.gn out.onnx": every command names its output by an option, and export's says the format
    for name, option in (("out.onnx", "--onnx out.onnx"), ("my model.keras", "--keras 'my model.keras'")):
        result = call("export", "m.gn", name, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
        assert result.returncode == 2
        assert f"unrecognized arguments: {name}: give the output with {option} (see 'glassnet export --help')" \
            in result.stderr
    result = call("export", "m.gn", "a", "b", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert "unrecognized arguments: a b (see" in result.stderr


# --- review of the above (session 57) ------------------------------------------------------------------------------

def test_review_a_short_first_row_after_two_index_columns_names_its_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "ragged.csv").write_text(",Unnamed: 0,a,b,y\n0\n1,1,2,3,x\n2,2,3,4,y\n3,3,1,1,x\n")
    result = call("train", "ragged.csv", "--target", "y", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].endswith("ragged.csv line 2: expected 5 fields, found 1.")  # (IndexError)


def test_review_r_text_row_names_are_given_to_ignore_by_index(tmp_path, monkeypatch, capsys):
    (tmp_path / "cars.csv").write_text('"","mpg","am"\n"Mazda RX4",21,1\n"Datsun 710",22.8,1\n"Valiant",18.1,0\n')
    message = error_of(call("train", "cars.csv", "--target", "am", cwd=tmp_path, monkeypatch=monkeypatch,
                            capsys=capsys))
    assert "--ignore 0" in message and "--ignore ''" not in message  # (argparse refuses --ignore '')


def test_review_zips_that_cannot_be_read_say_what_to_do(tmp_path, monkeypatch, capsys):
    with zipfile.ZipFile(tmp_path / "small.csv.zip", "w") as archive:
        archive.writestr("small.csv", "a,y\n1,x\n2,y\n")
    (tmp_path / "named.csv").write_bytes((tmp_path / "small.csv.zip").read_bytes())
    zipfile.ZipFile(tmp_path / "empty.zip", "w").close()
    said = {name: error_of(call("train", name, "--target", "y", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys))
            for name in ("named.csv", "empty.zip")}
    assert "a zip archive of small.csv, read only where its name ends in .zip" in said["named.csv"]
    assert "mv named.csv named.csv.zip" in said["named.csv"]
    assert "an empty zip archive" in said["empty.zip"] and "NUL" not in said["empty.zip"]

    def refused(*args, **kwargs):
        raise NotImplementedError("That compression method is not supported")  # (Deflate64, Windows Explorer's)

    monkeypatch.setattr(zipfile.ZipFile, "open", refused)
    message = error_of(call("train", "small.csv.zip", "--target", "y", cwd=tmp_path, monkeypatch=monkeypatch,
                            capsys=capsys))
    assert "its file small.csv cannot be read by Python's zipfile" in message and "unzip it" in message
