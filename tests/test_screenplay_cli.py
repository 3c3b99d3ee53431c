"""``scriptalign parse``: JSON on stdout or into a file written whole, errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys

from scriptalign.cli import main
from scriptalign.screenplay.export import SCHEMA


def test_parse_prints_json(test_data, capsys):
    assert main(["parse", str(test_data / "scripts" / "imsdb_small.txt")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["schema"] == SCHEMA == "scriptalign.script/1"
    assert out["format"] == "imsdb"
    assert out["characters"] == ["GITTES", "CURLY", "WALSH"]
    assert out["counts"] == {
        "transition": 3,
        "scene_heading": 3,
        "action": 8,
        "character": 4,
        "dialogue": 5,
        "parenthetical": 2,
    }
    assert out["elements"][10] == {
        "id": 10,
        "kind": "character",
        "text": "CURLY (V.O.)",
        "line_start": 20,
        "line_end": 20,
        "speaker": "CURLY",
        "extension": "V.O.",
        "scene": 0,
        "dual": False,
    }
    assert len(out["elements"]) == 25


def test_parse_override_and_output_file(test_data, tmp_path, capsys):
    out_path = tmp_path / "out.json"
    code = main(
        [
            "parse",
            str(test_data / "scripts" / "transcript_small.txt"),
            "--script-format",
            "transcript",
            "-o",
            str(out_path),
            "--compact",
        ]
    )
    assert code == 0
    assert capsys.readouterr().out == ""
    data = json.loads(out_path.read_text(encoding="utf-8"))
    assert data["format"] == "transcript"
    assert [e["speaker"] for e in data["elements"] if e["kind"] == "dialogue"] == [
        "Sheldon",
        "Leonard",
        "Penny",
        "Penny",
        "Howard",
        "All@",
        "Raj",
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary file left behind


def test_parse_bad_input_exit_2_and_no_output(tmp_path, capsys):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    out_path = tmp_path / "out.json"
    assert main(["parse", str(bad), "-o", str(out_path)]) == 2
    assert (
        capsys.readouterr().err == f"scriptalign parse: error: {bad}: file is empty (expected a screenplay)\n"
    )
    assert not out_path.exists()


def test_parse_warnings_go_to_stderr(tmp_path, capsys):
    path = tmp_path / "lost.txt"
    path.write_text(
        "     INT. A - DAY\n\n          X\n\n               ANNA\n          Hi.\n\n"
        "               BEN\n          Yo.\n\n               ANNA\n     lost page\n"
    )
    assert main(["parse", str(path), "--compact"]) == 0
    captured = capsys.readouterr()
    assert captured.err == f"scriptalign parse: warning: {path}:11: character cue 'ANNA' has no dialogue\n"
    assert json.loads(captured.out)["warnings"] == [f"{path}:11: character cue 'ANNA' has no dialogue"]


def test_parse_as_a_process(test_data):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scriptalign",
            "parse",
            str(test_data / "scripts" / "fdx_small.fdx"),
            "--compact",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["format"] == "fdx"
    proc = subprocess.run(
        [sys.executable, "-m", "scriptalign", "parse", "--script-format", "docx", "x"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "invalid choice: 'docx'" in proc.stderr


def test_parse_unwritable_output_is_a_clean_error(test_data, tmp_path, capsys):
    out_path = tmp_path / "missing" / "out.json"
    assert main(["parse", str(test_data / "scripts" / "fdx_small.fdx"), "-o", str(out_path)]) == 2
    assert capsys.readouterr().err == (
        f"scriptalign parse: error: {out_path}: cannot write the output (No such file or directory)"
        " (expected a path in an existing, writable folder)\n"
    )
