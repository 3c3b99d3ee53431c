"""``scriptalign align`` end to end: formats, output files written whole, errors and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from scriptalign.cli import main
from scriptalign.subtitles import read_subtitles


@pytest.fixture
def pair(test_data):
    d = test_data / "align"
    return str(d / "episode.srt"), str(d / "episode.txt")


def test_json_to_stdout(pair, capsys):
    assert main(["align", *pair]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "scriptalign.alignment/1"
    speakers = [[ln["speaker"] for ln in cue["lines"]] for cue in doc["cues"]]
    assert speakers == [
        ["Leonard", "Leonard"],
        ["Sheldon", "Sheldon"],
        ["Leonard"],
        ["Penny", "Penny"],
        ["Leonard", "Sheldon"],
        ["Penny", "Penny"],
        ["Leonard"],
        ["Sheldon", "Sheldon"],
        ["Leonard"],
        ["Sheldon", "Sheldon"],
    ]
    dialogue = [e for e in doc["elements"] if e["kind"] == "dialogue"]
    assert len(dialogue) == 11 and not any(e["interpolated"] for e in dialogue)
    first = dialogue[0]
    assert (first["start"], first["end"], first["cues"], first["score"]) == (1.2, 3.9, [1], 1.0)
    # "The elevator has been broken ..." vs "The elevator's been broken ...": 8 of 9 tokens (the
    # possessive-looking 's stays a mark of its own, it does not become "has").
    assert dialogue[1]["score"] == round(8 / 9, 4)
    assert all(e["confidence"] >= doc["min_confidence"] for e in dialogue)
    assert doc["stats"]["coverage"] == 1.0


def test_output_file_format_from_extension(pair, tmp_path, capsys):
    out = tmp_path / "aligned.srt"
    assert main(["align", *pair, "-o", str(out)]) == 0
    assert capsys.readouterr().out == ""
    back = read_subtitles(out)
    raws = [" ".join(cl.raw for cl in c.lines) for c in back.cues]
    assert "LEONARD: I still think we should have taken the elevator." in raws
    assert raws[0].startswith("[The stairwell of an apartment building.")
    tsv = tmp_path / "aligned.tsv"
    assert main(["align", *pair, "-o", str(tsv)]) == 0
    assert tsv.read_text().splitlines()[0].split("\t")[:3] == ["id", "kind", "speaker"]
    vtt = tmp_path / "aligned.txt"
    assert main(["align", *pair, "-o", str(vtt), "--format", "vtt"]) == 0
    assert vtt.read_text().startswith("WEBVTT\n")


def test_min_score_option(pair, capsys):
    assert main(["align", *pair, "--min-score", "0.95"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["min_score"] == 0.95
    flagged = [e["id"] for e in doc["elements"] if e["kind"] == "dialogue" and e["interpolated"]]
    assert flagged == [4]  # score 8/9
    assert main(["align", *pair, "--min-score", "2"]) == 2
    assert "--min-score 2.0 is out of range" in capsys.readouterr().err


def test_other_film_fails_without_output(test_data, pair, tmp_path, capsys):
    out = tmp_path / "aligned.json"
    out.write_text("previous result\n")
    code = main(["align", str(test_data / "align" / "other_film.srt"), pair[1], "-o", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert "other_film.srt: no dialogue line of the script matched the subtitles" in err
    assert out.read_text() == "previous result\n"  # untouched
    assert [p.name for p in tmp_path.iterdir()] == ["aligned.json"]  # no temporary file left behind


def test_bad_subtitles_name_file_and_line(test_data, pair, capsys):
    bad = str(test_data / "subtitles" / "malformed.srt")
    assert main(["align", bad, pair[1]]) == 2
    assert f"{bad}:6: bad timing line" in capsys.readouterr().err


def test_lenient_skips_with_warning(test_data, pair, tmp_path, capsys):
    # The episode's subtitles with one broken timing line.
    lines = (test_data / "align" / "episode.srt").read_text().splitlines()
    lines[1] = "00:00:01,200 -> 00:00:03,900"
    broken = tmp_path / "broken.srt"
    broken.write_text("\n".join(lines) + "\n")
    assert main(["align", str(broken), pair[1]]) == 2
    assert "broken.srt:2: bad timing line" in capsys.readouterr().err
    assert main(["align", str(broken), pair[1], "--lenient"]) == 0
    captured = capsys.readouterr()
    assert "skipped 1 malformed cue(s)" in captured.err
    assert [c["index"] for c in json.loads(captured.out)["cues"]] == list(range(2, 11))


def test_missing_script(pair, tmp_path, capsys):
    assert main(["align", pair[0], str(tmp_path / "none.txt")]) == 2
    assert "none.txt" in capsys.readouterr().err


def test_process_does_not_import_heavy_modules(pair):
    code = (
        "import sys; from scriptalign.cli import main; import io, contextlib\n"
        f"with contextlib.redirect_stdout(io.StringIO()): rc = main(['align', {pair[0]!r}, {pair[1]!r}])\n"
        f"with contextlib.redirect_stdout(io.StringIO()): rc += main(['parse', {pair[1]!r}])\n"
        "heavy = ('torch', 'cv2', 'cvxpy', 'numpy', 'scipy', 'sklearn', 'yaml', 'sentence_transformers', "
        "'transformers', 'lemminflect')\n"
        "print(rc, sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0 []"


def test_console_entry_point(pair):
    out = subprocess.run(
        [sys.executable, "-m", "scriptalign", "align", *pair, "--format", "tsv"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("\n") == 26  # header + 25 elements


def test_script_format_option(pair, capsys):
    assert main(["align", *pair, "--script-format", "transcript", "--format", "tsv"]) == 0
    assert capsys.readouterr().out.count("\n") == 26
    assert main(["align", *pair, "--script-format", "nope"]) == 2
    assert "unknown script format 'nope'" in capsys.readouterr().err


def test_huge_subtitle_file_is_refused(pair, tmp_path, capsys):
    huge = tmp_path / "huge.srt"
    with open(huge, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: nothing is read
    out = tmp_path / "out.json"
    assert main(["align", str(huge), pair[1], "-o", str(out)]) == 2
    assert "above the 20 MB limit" in capsys.readouterr().err
    assert not out.exists()


def test_subtitles_with_only_notes(pair, tmp_path, capsys):
    notes = tmp_path / "notes.srt"
    notes.write_text(
        "1\n00:00:01,000 --> 00:00:02,000\n[MUSIC PLAYING]\n\n2\n00:00:03,000 --> 00:00:04,000\n(SIGHS)\n"
    )
    assert main(["align", str(notes), pair[1]]) == 2
    assert "notes.srt: the subtitles hold no words to align" in capsys.readouterr().err


def test_dev_zero_subtitles_are_refused_by_the_bounded_reader(pair, tmp_path, capsys):
    # issue 12, finding 3: stat() gives 0 bytes for a device, so only a bounded read stops it
    out = tmp_path / "out.json"
    assert main(["align", "/dev/zero", pair[1], "-o", str(out)]) == 2
    assert "/dev/zero: input is above the 20 MB limit" in capsys.readouterr().err
    assert not out.exists()
    assert main(["align", pair[0], "/dev/zero", "-o", str(out)]) == 2
    assert "/dev/zero: input is above the 20 MB limit" in capsys.readouterr().err


def test_parse_reads_a_script_without_dialogue(pair, tmp_path, capsys):
    script = tmp_path / "dry.fountain"
    script.write_text("EXT. BEACH - DAY\n\nWaves roll in.\n")
    assert main(["parse", str(script)]) == 0
    assert [e["kind"] for e in json.loads(capsys.readouterr().out)["elements"]] == ["scene_heading", "action"]
    assert main(["align", pair[0], str(script)]) == 2  # align still needs dialogue
    assert "dry.fountain: the script has no dialogue to align" in capsys.readouterr().err


def test_semantic_threshold_needs_semantic(pair, capsys):
    assert main(["align", *pair, "--semantic-threshold", "0.7"]) == 2
    assert "--semantic-threshold needs --semantic" in capsys.readouterr().err


def test_semantic_without_the_extra_says_what_to_install(pair, monkeypatch, capsys):
    from scriptalign.semantic import load_encoder

    load_encoder.cache_clear()
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    assert main(["align", *pair, "--semantic"]) == 2
    assert "pip install 'scriptalign[semantic]'" in capsys.readouterr().err
    load_encoder.cache_clear()
