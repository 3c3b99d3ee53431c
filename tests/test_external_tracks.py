"""`scriptalign run SUBS SCRIPT --tracks ...`: tracks and descriptors from elsewhere, no video."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scriptalign.cli import main
from scriptalign.pipeline import read_tracks
from scriptalign.speakers import speaker_bags
from scriptalign.toy import default_toy_dir


def _external(tmp_path, noise: float = 0.3):
    """The bundled toy's true face tracks (one per appearance) written as a tracks.json without video,
    with proxy descriptors: a random mean per person plus Gaussian noise per track."""
    toy = default_toy_dir()
    truth = json.loads((toy / "truth.json").read_text())
    fps = truth["fps"]
    tracks, people = [], []
    for k, app in enumerate(truth["appearances"]):
        frames = [b[0] for b in app["boxes"]]
        tracks.append({"id": 100 + k, "shot": app["shot"], "start_time": frames[0] / fps, "end_time": frames[-1] / fps,
                       "start_frame": frames[0], "end_frame": frames[-1], "frames": frames,
                       "times": [f / fps for f in frames], "boxes": [b[1:] for b in app["boxes"]]})
        people.append(app["person"])
    doc = {"schema": "scriptalign.tracks/1", "video": None, "shots": [], "tracks": tracks}
    (tmp_path / "tracks.json").write_text(json.dumps(doc))
    rng = np.random.default_rng(0)
    means = {p: rng.normal(size=16) for p in sorted(set(people))}
    np.save(tmp_path / "face.npy", np.stack([means[p] + noise * rng.normal(size=16) for p in people]))
    return toy, people


@pytest.mark.slow
def test_names_external_tracks_without_video(tmp_path, capsys):
    toy, people = _external(tmp_path)
    out = tmp_path / "out"
    rc = main(["run", str(toy / "movie.srt"), str(toy / "script.txt"), "--tracks", str(tmp_path / "tracks.json"),
               "--face-descriptors", str(tmp_path / "face.npy"), "-o", str(out), "--truth", str(toy / "truth.json")])
    assert rc == 0
    ev = json.loads((out / "evaluation.json").read_text())
    assert ev["naming_accuracy"] >= 0.9
    doc = json.loads((out / "assignments.json").read_text())
    assert doc["actions"] == [] and doc["video"] is None  # no motion descriptors: names only
    assert [r["track"] for r in doc["tracks"]] == [100 + k for k in range(len(people))]
    assert all(r["action"] is None and r["action_score"] == 0.0 for r in doc["tracks"])
    assert not (out / "actions.json").exists()
    html = (out / "report.html").read_text()
    assert 'alt="face gallery"' not in html and "No thumbnails: this run has no video" in html
    # with motion descriptors the actions are solved too, one detection per track and class
    np.save(tmp_path / "motion.npy", np.random.default_rng(1).normal(size=(len(people), 8)))
    rc = main(["run", str(toy / "movie.srt"), str(toy / "script.txt"), "--tracks", str(tmp_path / "tracks.json"),
               "--face-descriptors", str(tmp_path / "face.npy"), "--motion-descriptors", str(tmp_path / "motion.npy"),
               "-o", str(out), "--no-report"])
    assert rc == 0
    actions = json.loads((out / "actions.json").read_text())
    assert actions["source"] == "tracks" and actions["actions"]
    assert len(actions["detections"]) == len(people) * len(actions["actions"])


def test_speaker_bags_one_per_aligned_subtitle_line(tmp_path):
    from scriptalign.pipeline import prepare_external

    toy, _ = _external(tmp_path)
    prepared = prepare_external(toy / "movie.srt", toy / "script.txt", tmp_path / "tracks.json", tmp_path / "face.npy",
                                tmp_path / "out", speaker_bags=True)
    bags = json.loads((tmp_path / "out" / "bags.json").read_text())
    aligned = json.loads((tmp_path / "out" / "aligned.json").read_text())
    lines = [(c["start"], c["end"], ln["speaker"]) for c in aligned["cues"] for ln in c["lines"] if ln["speaker"]]
    assert bags["counts"]["speaker"] == len(lines) > 0
    assert [(b.start, b.end, b.names[0]) for b in prepared.bags if b.kind == "speaker"] == lines


def test_descriptor_rows_must_match_tracks(tmp_path, capsys):
    toy, people = _external(tmp_path)
    np.save(tmp_path / "short.npy", np.zeros((len(people) - 1, 16)))
    rc = main(["run", str(toy / "movie.srt"), str(toy / "script.txt"), "--tracks", str(tmp_path / "tracks.json"),
               "--face-descriptors", str(tmp_path / "short.npy"), "-o", str(tmp_path / "out")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "short.npy" in err and f"{len(people) - 1} rows for {len(people)} tracks" in err
    assert not (tmp_path / "out" / "assignments.json").exists()


def test_positional_count_depends_on_tracks(tmp_path, capsys):
    toy, _ = _external(tmp_path)
    rc = main(["run", str(toy / "movie.mp4"), str(toy / "movie.srt"), str(toy / "script.txt"),
               "--tracks", str(tmp_path / "tracks.json"), "--face-descriptors", str(tmp_path / "face.npy"),
               "-o", str(tmp_path / "out")])
    assert rc == 2 and "with --tracks give SUBS SCRIPT" in capsys.readouterr().err


def test_i3d_actions_need_the_video(tmp_path, capsys):
    toy, _ = _external(tmp_path)
    rc = main(["run", str(toy / "movie.srt"), str(toy / "script.txt"), "--tracks", str(tmp_path / "tracks.json"),
               "--face-descriptors", str(tmp_path / "face.npy"), "--actions", "i3d", "-o", str(tmp_path / "out")])
    assert rc == 2 and "--actions i3d needs the video" in capsys.readouterr().err
    assert not (tmp_path / "out" / "assignments.json").exists()


def test_bad_tracks_documents_are_refused_by_name(tmp_path):
    from scriptalign.errors import InputError

    path = tmp_path / "t.json"
    path.write_text(json.dumps({"schema": "scriptalign.tracks/1", "video": None, "shots": [],
                                "tracks": [{"id": 1, "start_time": 2.0, "end_time": 1.0}]}))
    with pytest.raises(InputError, match=r"t\.json: track 0 \(0-based\): start_time 2.0 end_time 1.0"):
        read_tracks(path)
    path.write_text(json.dumps({"schema": "other/1", "tracks": []}))
    with pytest.raises(InputError, match="schema is 'other/1'"):
        read_tracks(path)


def test_speaker_bags_span_their_cue_or_their_turn():
    alignment = {
        "schema": "scriptalign.alignment/1",
        "elements": [{"id": 0, "kind": "scene_heading", "text": "INT. ROOM", "line_start": 1, "line_end": 1,
                      "start": None, "end": None},
                     {"id": 1, "kind": "dialogue", "speaker": "ANN", "text": "Hi.", "line_start": 3, "line_end": 4,
                      "start": 1.2, "end": 2.0, "interpolated": False},
                     {"id": 2, "kind": "dialogue", "speaker": "BOB", "text": "Yo.", "line_start": 6, "line_end": 7,
                      "start": 3.0, "end": 4.0, "interpolated": True}],
        "cues": [{"index": 1, "start": 1.0, "end": 2.5,
                  "lines": [{"text": "Hi.", "element": 1, "speaker": "ANN"},
                            {"text": "Hey.", "element": None, "speaker": None}]}],
    }
    (bag,) = speaker_bags(alignment, first_id=5)
    assert (bag.id, bag.kind, bag.start, bag.end, bag.names, bag.scene, bag.line_start) == \
        (5, "speaker", 1.0, 2.5, ("ANN",), 0, 3)
    (turn,) = speaker_bags(alignment, unit="turn", margin=1.5)  # BOB's turn is interpolated: no bag
    assert (turn.id, turn.start, turn.end, turn.names, turn.text, turn.line_end) == (0, 0.0, 3.5, ("ANN",), "Hi.", 4)
    with pytest.raises(ValueError, match="unit must be one of"):
        speaker_bags(alignment, unit="cue")


def test_a_face_left_in_two_overlapping_tracks_takes_one_name_only_when_asked(tmp_path):
    toy, people = _external(tmp_path, noise=0.1)
    doc = json.loads((tmp_path / "tracks.json").read_text())
    k = people.index("GRACE")
    dup = dict(doc["tracks"][k], id=999)  # a tracker's second track over the same face, same frames
    doc["tracks"].append(dup)
    (tmp_path / "tracks.json").write_text(json.dumps(doc))
    face = np.load(tmp_path / "face.npy")
    np.save(tmp_path / "face.npy", np.vstack([face, face[k] + 1e-3]))
    names = {}
    for flag in ([], ["--same-name-on-screen"]):
        out = tmp_path / f"out{len(flag)}"
        assert main(["run", str(toy / "movie.srt"), str(toy / "script.txt"), "--tracks", str(tmp_path / "tracks.json"),
                     "--face-descriptors", str(tmp_path / "face.npy"), "-o", str(out), "--no-report"] + flag) == 0
        rows = {r["track"]: r["name"] for r in json.loads((out / "assignments.json").read_text())["tracks"]}
        names[bool(flag)] = (rows[100 + k], rows[999])
    assert names[True] == ("GRACE", "GRACE")
    assert "GRACE" in names[False] and names[False][0] != names[False][1]  # two people at once: one is not GRACE
