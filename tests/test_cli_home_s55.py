"""The files a command writes take ``~`` as the shell does: ``--out=~/m.gn`` (where bash leaves the ``~``
after ``=``) wrote into a folder named ``~``, or said that folder did not exist."""

import os

from glassnet.models import load_model
from test_cli import call  # (main in this process, as `glassnet ARGS` in cwd)


def test_out_after_an_equals_sign_expands_the_home_folder(tmp_path, monkeypatch, capsys):
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    result = call("train", "xor", "--epochs", "1", "--quiet", "--out=~/m.gn", cwd=work, monkeypatch=monkeypatch,
                  capsys=capsys)
    assert result.returncode == 0, result.stderr
    assert (home / "m.gn").is_file() and not (work / "~").exists()
    load_model(home / "m.gn")
    (work / "x.csv").write_text("x1,x2\n0.5,-0.5\n-0.5,0.5\n")
    result = call("predict", str(home / "m.gn"), "x.csv", "--out=~/p.csv", cwd=work, monkeypatch=monkeypatch,
                  capsys=capsys)
    assert result.returncode == 0, result.stderr
    assert (home / "p.csv").read_text().splitlines()[0] and not os.path.lexists(work / "~")
