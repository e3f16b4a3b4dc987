"""Writes that keep what the user protected: a write-protected model file is not replaced by root either (its
mode bits say "keep me"; os.access is always True for root, as in Docker and Colab), and the command line names
a file standing where a folder should be (it said the folder did not exist)."""

import os
import stat

import numpy as np
import pytest

from glassnet.layers import Dense, Input
from glassnet.models import Sequential
from test_cli import call  # (main in this process, as `glassnet ARGS` in cwd)


def test_a_write_protected_model_file_is_kept_whoever_saves(tmp_path):
    model = Sequential([Input((2,)), Dense(1)], seed=0)
    path = tmp_path / "m.gn"
    model.save(path)
    before = path.read_bytes()
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)  # chmod 444
    try:
        model.set_weights([np.ones((2, 1)), np.ones(1)])
        with pytest.raises(PermissionError, match="write-protected"):
            model.save(path)
        assert path.read_bytes() == before
    finally:
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


def test_the_command_line_names_a_file_where_the_out_folder_should_be(tmp_path, monkeypatch, capsys):
    (tmp_path / "base.csv").write_text("a\n")
    result = call("train", "xor", "--epochs", "1", "--quiet", "--out", "base.csv/m.gn", cwd=tmp_path,
                  monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip().endswith("base.csv' is a file, not a folder."), result.stderr
    assert "does not exist" not in result.stderr
