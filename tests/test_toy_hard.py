"""The hard toy preset: determinism per seed, the structure the issue asks for (counts, extras'
share, action classes and overlaps, restyled faces, costumes, occlusions, script noise), and one
short pipeline run with floors set just below the measured scores."""

from __future__ import annotations

import collections
import hashlib
import json

import numpy as np
import pytest

from scriptalign.cli import main
from scriptalign.screenplay import read_script
from scriptalign.toy.hard import generate_hard_toy, hard_texts
from scriptalign.toy.hard_render import render_hard_frames
from scriptalign.toy.hard_story import ACTIONS, FPS, PALETTE, build_hard_story


@pytest.fixture(scope="module")
def hard() -> dict[int, tuple[str, str, dict]]:
    return {seed: hard_texts(build_hard_story(seed)) for seed in (0, 1)}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_deterministic_per_seed(hard):
    srt, script, truth = hard_texts(build_hard_story(0))
    assert (srt, script) == hard[0][:2]
    assert _digest(json.dumps(truth)) == _digest(json.dumps(hard[0][2]))
    assert _digest(script) != _digest(hard[1][1]) and hard[0][2] != hard[1][2]
    first = [f.copy() for _, f in zip(range(3), render_hard_frames(build_hard_story(1)))]
    again = [f for _, f in zip(range(3), render_hard_frames(build_hard_story(1)))]
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert first[0].shape == (360, 640, 3)


@pytest.mark.parametrize("seed", [0, 1])
def test_cast_tracks_and_extras(hard, seed):
    truth = hard[seed][2]
    assert (truth["width"], truth["height"], truth["fps"]) == (640, 360, FPS)
    assert 180 <= truth["duration"] <= 300
    assert len(truth["shots"]) >= 20
    assert len(truth["characters"]) == 6 and len(truth["extras"]) == 8
    faces = [c["face"] for c in truth["characters"]] + [e["face"] for e in truth["extras"]]
    assert len(set(faces)) == len(faces) == 14
    tracks = [a for a in truth["appearances"] if a["end_frame"] - a["start_frame"] >= 30]  # 3 detections at stride 10
    assert len(tracks) >= 100
    assert sum(not a["named"] for a in tracks) / len(tracks) >= 0.4
    split = collections.Counter((a["person"], a["shot"]) for a in truth["appearances"])
    assert max(split.values()) >= 2  # occlusion splits some tracks
    for a in truth["appearances"]:
        assert [b[0] for b in a["boxes"]] == list(range(a["start_frame"], a["end_frame"]))


@pytest.mark.parametrize("seed", [0, 1])
def test_actions(hard, seed):
    truth = hard[seed][2]
    acts = truth["actions"]
    assert {a["action"] for a in acts} == set(ACTIONS) == set(truth["actions_vocabulary"])
    per_track = collections.Counter((a["actor"], a["shot"]) for a in acts)
    assert max(per_track.values()) <= 3
    shot_len = {s["index"]: s["end_frame"] - s["start_frame"] for s in truth["shots"]}
    assert all(a["end_frame"] - a["start_frame"] < shot_len[a["shot"]] for a in acts)  # part of a track
    assert any(not a["named"] for a in acts) and any(a["description"] is None for a in acts)
    both = [(a, b) for a in acts for b in acts if a["actor"] < b["actor"] and a["shot"] == b["shot"]
            and a["start"] < b["end"] and b["start"] < a["end"]]
    assert both  # two people acting at once


def test_faces_and_costumes_change(hard):
    story = build_hard_story(0)
    by_person = collections.defaultdict(list)
    for sh in story.shots:
        for pl in sh.placed:
            by_person[pl.person].append((sh.scene, pl.look, pl.costume, sh.scale))
    for person, rows in by_person.items():
        assert len({r[1].angle for r in rows}) == len(rows)  # a new look in every shot
        assert {r[2] for r in rows} <= set(PALETTE)
    costumes = {(p, r[0]): r[2] for p, rows in by_person.items() for r in rows}
    assert any(len({c for (q, _), c in costumes.items() if q == p}) > 1 for p in by_person)
    cameras = {sh.camera for sh in story.shots}
    assert cameras == {"wide", "medium", "close"}
    assert any(sh.sweep for sh in story.shots) and any(sh.patches for sh in story.shots)


@pytest.mark.parametrize("seed", [0, 1])
def test_script_noise(hard, seed):
    srt, script, truth = hard[seed]
    kinds = collections.Counter(d["kind"] for d in truth["descriptions"])
    for kind in ("named", "two_names", "group", "unnamed", "negated", "intro"):
        assert kinds[kind] >= 1, kind
    texts = [d["text"] for d in truth["descriptions"]]
    assert any(t.startswith("They ") for t in texts) and any(t.startswith("A ") for t in texts)
    assert any(" and " in t and "shake hands" in t for t in texts)
    assert any(d["negated"] and d["action"] and not d["actors"] for d in truth["descriptions"])
    lines = truth["lines"]
    changed = sum(ln["cut"] or ln["paraphrased"] for ln in lines) / len(lines)
    assert 0.1 <= changed <= 0.2
    assert any(ln["off_screen"] for ln in lines) and "(O.S.)" in script
    order = truth["script_scene_order"]
    assert order != sorted(order)
    rest = [s for s in order if s != truth["moved_scene"]]
    assert rest == sorted(rest)  # exactly one scene is out of place
    parsed = read_script(text=script)
    assert len(parsed.dialogue) == len(lines)
    assert srt.count(" --> ") == sum(not ln["cut"] for ln in lines)


def test_cli_hard_preset(tmp_path, capsys):
    out = tmp_path / "hard"
    assert main(["toy", "--preset", "hard", "--seed", "2", "--scenes", "2", "-o", str(out), "--no-video"]) == 0
    srt, script, truth = hard_texts(build_hard_story(2, 2))
    assert (out / "script.txt").read_text() == script and (out / "movie.srt").read_text() == srt
    assert json.loads((out / "truth.json").read_text()) == truth
    assert "hard preset" in capsys.readouterr().out
    assert main(["toy", "--seed", "2", "--scenes", "2", "-o", str(out)]) == 2
    assert main(["toy", "--preset", "hard", "--scenes", "1", "-o", str(out)]) == 2


@pytest.mark.slow
def test_short_hard_run_floors(tmp_path):
    """Two scenes (75 s), the pipeline's defaults but MTCNN on every 20th frame (to keep the test
    short): floors just below the scores measured on seed 0 (README, "Hard toy preset")."""
    from scriptalign.pipeline import run_movie

    toy = generate_hard_toy(tmp_path / "toy", 0, scenes=2)
    result = run_movie(toy.movie, toy.subtitles, toy.script, tmp_path / "out", truth=toy.truth, stride=20,
                       cache_dir=tmp_path / "cache", report=False)
    ev = result.evaluation
    print({k: ev[k] for k in FLOORS}, {k: round(v, 1) for k, v in result.timings.items()})
    for key, floor in FLOORS.items():
        assert ev[key] >= floor, (key, ev[key])
    assert ev["naming_accuracy"] > ev["baseline_only_track_accuracy"]  # measured 0.364 against 0.091


# Measured on this run (2026-12-03, tracks on screen together never one name; the same with the pairs in the
# relaxation too, 87af921): 23 tracks, naming accuracy
# 0.364 (named only) / 0.391 (all tracks), naming AP 0.505 / 0.479 (2026-12-04, the name score with the
# held-out classifier's margin; 0.518 / 0.478 with the relaxed margin alone), per-track action mAP 0.470,
# temporal action mAP 0.276 at tIoU 0.3.  Before that rounding (same tracks and relaxation): 0.182 / 0.174, AP
# 0.458 / 0.294, action mAP 0.565, temporal 0.289: the names' rounding costs the actions' pair bags
# here (README, "Hard toy preset"), so the action floor moved down with it.
FLOORS = {"n_tracks": 21, "naming_accuracy": 0.30, "naming_ap": 0.45, "naming_accuracy_all_tracks": 0.35,
          "naming_ap_all_tracks": 0.40, "action_map": 0.42, "temporal_action_map": 0.25}
