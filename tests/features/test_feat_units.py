"""Small pieces: IoU, shots from cuts, track building, cache keys and atomic writes, flow directions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from features.atomic import write_json
from features.cache import VideoCache, video_key
from features.motion import N_DIRECTIONS, flow_maps, upper_body_box
from features.shots import shots_from_cuts
from features.overlap import box_iou, interval_iou
from features.tracking import build_track
from features.types import Detection, Track


def test_iou_exact():
    a = np.array([[0, 0, 10, 10]])
    b = np.array([[5, 0, 15, 10], [20, 20, 30, 30], [0, 0, 10, 10]])
    np.testing.assert_allclose(box_iou(a[:, None], b[None]), [[50 / 150, 0.0, 1.0]])  # every pair
    np.testing.assert_allclose(box_iou(np.repeat(a, 3, 0), b), [50 / 150, 0.0, 1.0])  # row by row
    assert box_iou([0, 0, 10, 10], [0, 5, 10, 20]) == pytest.approx(50 / 200)  # one pair
    assert box_iou([3, 3, 3, 3], [3, 3, 3, 3]) == 0.0  # empty boxes: no overlap, no division by zero


def test_interval_iou_exact():
    assert interval_iou(0, 2, 1, 3) == pytest.approx(1 / 3)
    assert interval_iou(0, 1, 2, 3) == 0.0
    assert interval_iou(1, 2, 1, 2) == 1.0
    assert interval_iou(1, 1, 1, 1) == 1.0 and interval_iou(1, 1, 2, 2) == 0.0  # instants: same or not


def test_shots_from_cuts():
    times = np.arange(10) / 5.0
    shots = shots_from_cuts([4, 4, 0, 12], times)
    assert [(s.index, s.start_frame, s.end_frame) for s in shots] == [(0, 0, 4), (1, 4, 10)]
    assert shots[1].start_time == pytest.approx(0.8) and shots[1].end_time == pytest.approx(2.0)


def test_build_track_interpolates_and_extends_within_shot():
    times = np.arange(30) / 10.0
    dets = [Detection(f, f / 10, (10.0 + f, 20.0, 30.0 + f, 40.0), 0.99) for f in (4, 8, 12)]
    t = build_track(7, 2, dets, times, stride=4, shot_bounds=(3, 20))
    assert t.frames == tuple(range(3, 15))  # 4-2 clipped to the shot start 3, 12+2
    assert t.detected == tuple(f in (4, 8, 12) for f in range(3, 15))
    for f, b in zip(t.frames, t.boxes):  # linear motion survives interpolation, smoothing and extrapolation
        np.testing.assert_allclose(b, (10 + f, 20, 30 + f, 40), atol=0.02)
    assert t.scores[1] == 0.99 and t.scores[0] == 0.0
    assert t.times[0] == pytest.approx(0.3)


def test_video_key_and_cache_manifest(tmp_path):
    v = tmp_path / "v.bin"
    v.write_bytes(b"abc" * 1000)
    k1 = video_key(v)
    v.write_bytes(b"abd" * 1000)
    assert video_key(v) != k1
    cache = VideoCache(tmp_path / "c", v)
    assert cache.dir.name == video_key(v)
    assert not cache.is_complete("tracks", {"stride": 5})
    write_json(cache.path("x.json"), {"a": 1})
    cache.mark("tracks", {"stride": 5}, ["x.json"])
    assert cache.is_complete("tracks", {"stride": 5})
    assert not cache.is_complete("tracks", {"stride": 4})  # other parameters: redo
    cache.path("x.json").unlink()
    assert not cache.is_complete("tracks", {"stride": 5})  # a lost file: redo
    assert [p.name for p in cache.dir.iterdir() if p.name.startswith(".")] == []  # no temp files left


def test_flow_direction_of_a_moving_texture():
    rng = np.random.default_rng(0)
    import cv2

    base = cv2.GaussianBlur(rng.integers(0, 256, (80, 120)).astype(np.float32), (0, 0), 3) * 3
    right = np.stack([np.roll(base, k, axis=1) for k in range(0, 6, 2)])  # 2 px per frame to the right
    down = np.stack([np.roll(base, k, axis=0) for k in range(0, 6, 2)])
    still = np.stack([base, base, base])
    for frames, expected_bin in ((right, N_DIRECTIONS // 2), (down, 3 * N_DIRECTIONS // 4)):
        m = flow_maps(torch.from_numpy(frames)).sum(dim=(0, 2, 3))
        hist = m[:N_DIRECTIONS]
        # bins are centred on -pi + k*pi/4: +x is bin 4 (angle 0), +y (image down) is bin 6
        assert int(torch.argmax(hist)) == expected_bin
    m = flow_maps(torch.from_numpy(still)).sum(dim=(0, 2, 3))
    assert float(m[:N_DIRECTIONS].sum()) == 0.0 and float(m[N_DIRECTIONS]) > 0


def test_upper_body_box_is_clipped():
    assert upper_body_box((10, 10, 30, 40), 100, 100) == (0.0, 0.0, 50.0, 100.0)
    assert upper_body_box((40, 20, 60, 40), 200, 200) == (20.0, 10.0, 80.0, 90.0)


def test_variable_frame_rate_times_come_from_timestamps(tmp_path):
    from fractions import Fraction

    import av

    from features.video import iter_frames

    pts_ms = [0, 40, 100, 120, 200, 260, 400, 410, 500, 600]
    path = tmp_path / "vfr.mkv"
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt = 160, 120, "yuv420p"
        s.codec_context.time_base = Fraction(1, 1000)
        for i, p in enumerate(pts_ms):
            f = av.VideoFrame.from_ndarray(np.full((120, 160, 3), i * 20, np.uint8), format="rgb24")
            f.pts, f.time_base = p, Fraction(1, 1000)
            for pk in s.encode(f):
                out.mux(pk)
        for pk in s.encode():
            out.mux(pk)
    got = [(f.index, f.time) for f in iter_frames(path, size=(80, 60))]
    assert [i for i, _ in got] == list(range(10))
    np.testing.assert_allclose([t for _, t in got], np.array(pts_ms) / 1000)


def test_features_never_imports_scriptalign_or_solvers():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = ("import sys; import features, features.pipeline, features.preview, features.synthetic; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('scriptalign', 'solvers')]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cli_rejects_bad_numbers(tmp_path, capsys):
    from scriptalign.cli import main

    assert main(["tracks", str(tmp_path / "x.mp4"), "--stride", "0"]) == 2
    assert "--stride must be >= 1, got 0" in capsys.readouterr().err


def test_track_json_round_trip_with_and_without_frames():
    times = np.arange(30) / 10.0
    dets = [Detection(f, f / 10, (10.0 + f, 20.0, 30.0 + f, 40.0), 0.99) for f in (4, 8, 12)]
    t = build_track(7, 2, dets, times, stride=4, shot_bounds=(3, 20))
    d = t.to_dict()
    assert list(d) == ["id", "shot", "start_time", "end_time", "start_frame", "end_frame", "frames", "times",
                       "boxes", "scores", "detected"]  # the tracks.json entry of a video's track, as before
    assert (d["start_time"], d["end_time"], d["start_frame"], d["end_frame"]) == (0.3, 1.4, 3, 14)
    assert Track.from_dict(d) == t
    other = Track.from_dict({"id": 5, "start_time": 1.5, "end_time": 4.0})  # another tracker's span only
    assert (other.shot, other.frames, other.box_at(3), other.n_detections) == (-1, (), None, 0)
    assert other.to_dict() == {"id": 5, "shot": -1, "start_time": 1.5, "end_time": 4.0}
    assert Track.from_dict(other.to_dict()) == other


def test_json_text_is_json_laid_out_by_rows(tmp_path):
    """Rows of arrays on lines of their own, objects one key per line; same value as json.dumps."""
    import json

    from features.atomic import json_text

    doc = {"schema": "x/1", "rows": [{"id": 0, "cues": [1, 2]}, {"id": 1, "cues": []}], "stats": {"n": 2},
           "empty": [], "grid": [[1, 2], [3]], 7: "int key", "ü": "é"}
    text = json_text(doc)
    assert json.loads(text) == json.loads(json.dumps(doc))
    assert text.splitlines() == [
        "{", ' "schema": "x/1",', ' "rows": [', '  {"id": 0, "cues": [1, 2]},', '  {"id": 1, "cues": []}', " ],",
        ' "stats": {', '  "n": 2', " },", ' "empty": [],', ' "grid": [', "  [1, 2],", "  [3]", " ],",
        ' "7": "int key",', ' "ü": "é"', "}"]
    with pytest.raises(ValueError):
        json_text({"rows": [{"x": float("nan")}]})
    with pytest.raises(TypeError):
        json_text({(1, 2): 0})
    write_json(tmp_path / "a.json", doc)
    assert (tmp_path / "a.json").read_text(encoding="utf-8") == text
