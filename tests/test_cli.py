"""The CLI shell: verbs, errors, exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from scriptalign.cli import build_parser, main


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert "scriptalign 0.1.0" in capsys.readouterr().out


def test_no_verb_is_an_error():
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2


def test_import_does_not_load_heavy_modules():
    code = (
        "import sys, scriptalign, scriptalign.cli; scriptalign.cli.build_parser();"
        "heavy = [m for m in ('torch', 'cv2', 'cvxpy') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_parser_builds():
    assert build_parser().prog == "scriptalign"
