"""The toy movie generator: determinism, files, truth consistent with script and subtitles, faces
that MTCNN finds where the truth says, and the bundled copy being seed 0."""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pytest

from features.overlap import box_iou
from scriptalign.cli import main
from scriptalign.toy import TRUTH_SCHEMA, build_story, default_toy_dir, generate_toy, render_frames
from scriptalign.toy.generate import make_script, make_srt, make_truth

TEXT_FILES = ("movie.srt", "script.txt", "truth.json")


def _texts(seed: int) -> tuple[str, str, dict]:
    story = build_story(seed)
    srt, numbers = make_srt(story)
    script, do_lines, say_lines = make_script(story)
    return srt, script, make_truth(story, do_lines, say_lines, numbers)


def _frames_digest(seed: int) -> str:
    h = hashlib.sha256()
    for frame in render_frames(build_story(seed)):
        h.update(frame.tobytes())
    return h.hexdigest()


def _srt_cues(text: str) -> list[tuple[int, float, float, str]]:
    cues = []
    for block in text.strip().split("\n\n"):
        rows = block.split("\n")
        t = re.findall(r"(\d+):(\d+):(\d+),(\d+)", rows[1])
        secs = [int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000 for h, m, s, ms in t]
        cues.append((int(rows[0]), secs[0], secs[1], " ".join(rows[2:])))
    return cues


def test_deterministic_for_a_seed():
    assert _texts(3) == _texts(3)
    assert _frames_digest(1) == _frames_digest(1)
    assert _texts(3)[0] != _texts(4)[0]


def test_cli_writes_the_files(tmp_path, capsys):
    out = tmp_path / "toy"
    assert main(["toy", "--seed", "2", "-o", str(out), "--no-video"]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(TEXT_FILES)
    srt, script, truth = _texts(2)
    assert (out / "movie.srt").read_text() == srt
    assert (out / "script.txt").read_text() == script
    assert json.loads((out / "truth.json").read_text()) == truth
    assert "seed 2" in capsys.readouterr().out
    assert main(["toy", "--seed", "-3", "-o", str(out)]) == 2


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_truth_consistent_with_script_and_subtitles(seed):
    srt, script, truth = _texts(seed)
    assert truth["schema"] == TRUTH_SCHEMA
    assert 60 <= truth["duration"] <= 120
    rows = script.split("\n")
    for d in truth["descriptions"]:
        text = " ".join(r.strip() for r in rows[d["line_start"] - 1 : d["line_end"]])
        assert text == d["text"]
        assert rows[d["line_start"] - 1].startswith(" " * 15 + d["text"][:5])
    cues = {c[0]: c for c in _srt_cues(srt)}
    subtitled = [ln for ln in truth["lines"] if not ln["cut"]]
    assert sorted(cues) == sorted(ln["cue"] for ln in subtitled)
    for ln in truth["lines"]:
        assert rows[ln["cue_line"] - 1] == " " * 37 + ln["speaker"]
        said = " ".join(r.strip() for r in rows[ln["line_start"] - 1 : ln["line_end"]])
        assert said == ln["text"]
        if ln["cut"]:
            assert ln["cue"] is None and all(ln["text"] != c[3] for c in cues.values())
        else:
            _number, start, end, text = cues[ln["cue"]]
            assert (start, end) == pytest.approx((ln["start"], ln["end"]), abs=1e-3)
            assert text == ln["subtitle"] and (text != ln["text"]) == ln["paraphrased"]
    shots = truth["shots"]
    assert [s["start_frame"] for s in shots[1:]] == [s["end_frame"] for s in shots[:-1]]
    assert shots[-1]["end_frame"] == truth["n_frames"]
    on_screen = {(a["person"], a["shot"]) for a in truth["appearances"]}
    for act in truth["actions"]:
        shot = shots[act["shot"]]
        assert shot["start_frame"] <= act["start_frame"] < act["end_frame"] <= shot["end_frame"]
        assert (act["actor"], act["shot"]) in on_screen
    for app in truth["appearances"]:
        assert [b[0] for b in app["boxes"]] == list(range(app["start_frame"], app["end_frame"]))
        for _, x1, y1, x2, y2 in app["boxes"]:
            assert 0 <= x1 < x2 <= truth["width"] and 0 <= y1 < y2 <= truth["height"]
            assert 40 <= y2 - y1 <= 100


@pytest.mark.parametrize("seed", [0, 5])
def test_noise_is_present(seed):
    _srt, script, truth = _texts(seed)
    lines = truth["lines"]
    assert sum(ln["cut"] for ln in lines) >= 2
    assert sum(ln["paraphrased"] for ln in lines) >= 3
    texts = {d["text"]: d for d in truth["descriptions"]}
    assert texts["She waves at the screen."]["actors"] == ["GRACE"]  # a pronoun
    assert texts["Eileen and Miles walk to the gate."]["actors"] == ["EILEEN", "MILES"]  # two people
    assert texts["Someone waves from the crowd."]["actors"] == ["EXTRA1"]  # nobody named
    assert texts["Grace does not sit."]["negated"] and texts["Grace does not sit."]["action"] is None
    assert not any("EXTRA" in row for row in script.split("\n"))  # extras are never named
    assert {a["person"] for a in truth["appearances"]} == {"EILEEN", "GRACE", "MILES", "EXTRA1", "EXTRA2"}
    assert {a["action"] for a in truth["actions"]} == {"walk", "sit_down", "stand_up", "wave"}


def _decode(path, frames: set[int]) -> dict[int, np.ndarray]:
    import av

    out = {}
    with av.open(str(path)) as container:
        for k, frame in enumerate(container.decode(video=0)):
            if k in frames:
                out[k] = frame.to_ndarray(format="rgb24")
    return out


@pytest.mark.slow
def test_mtcnn_finds_every_face_where_the_truth_says(tmp_path):
    """Decode the written MP4 and run MTCNN on sampled frames: every person found, nothing else."""
    from facenet_pytorch import MTCNN
    from PIL import Image

    movie = generate_toy(tmp_path, seed=11)
    truth = json.loads(movie.truth.read_text())
    assert movie.movie.stat().st_size > 10_000
    want: dict[int, list] = {}
    for app in truth["appearances"]:
        for f, *box in app["boxes"]:
            if f % 47 == 0:
                want.setdefault(f, []).append((app["person"], box))
    frames = _decode(movie.movie, set(want))
    assert len(frames) == len(want) > 20
    mtcnn = MTCNN(keep_all=True, device="cpu")
    found, extra = 0, 0
    for f, img in frames.items():
        boxes, probs = mtcnn.detect(Image.fromarray(img))
        dets = [] if boxes is None else [b for b, p in zip(boxes, probs) if p > 0.9]
        for _, tb in want[f]:
            ious = [float(box_iou(tb, d)) for d in dets]
            found += bool(ious) and max(ious) > 0.5
        extra += max(0, len(dets) - len(want[f]))
    total = sum(len(v) for v in want.values())
    assert found == total and extra == 0


def test_bundled_toy_is_seed_0():
    src = default_toy_dir()
    srt, script, truth = _texts(0)
    assert (src / "movie.srt").read_text() == srt
    assert (src / "script.txt").read_text() == script
    assert json.loads((src / "truth.json").read_text()) == truth
    sample = {0, 300, 777, truth["n_frames"] - 1}
    decoded = _decode(src / "movie.mp4", sample)
    rendered = {k: f for k, f in enumerate(render_frames(build_story(0))) if k in sample}
    assert sorted(decoded) == sorted(rendered) == sorted(sample)
    for k in sample:
        mse = np.mean((decoded[k].astype(float) - rendered[k].astype(float)) ** 2)
        assert 10 * np.log10(255**2 / mse) > 30  # PSNR in dB: the same pictures, up to compression
