"""Extraction on a generated two-shot video with known face boxes, identities and motions."""

from __future__ import annotations

import json
from itertools import combinations

import numpy as np
import pytest

import features
from features.motion import DIM as MOTION_DIM
from features.synthetic import two_shot_video
from features.overlap import box_iou

STRIDE = 4


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    d = tmp_path_factory.mktemp("synth")
    video = two_shot_video(d / "two_shots.mp4")
    result = features.extract(video.path, cache_dir=d / "cache", device="cpu", stride=STRIDE)
    return video, result, d


def _match(video, result):
    """Truth track index -> the predicted track overlapping it most."""
    out = {}
    for k, tt in enumerate(video.truth):
        best, best_n = None, 0
        for t in result.tracks:
            n = sum(1 for f, b in zip(tt.frames, tt.boxes) if t.box_at(f) is not None
                    and box_iou(t.box_at(f), b) > 0.5)
            if n > best_n:
                best, best_n = t, n
        out[k] = best
    return out


def test_shots_and_exact_track_count(synth):
    _, result, _ = synth
    assert [(s.start_frame, s.end_frame) for s in result.shots] == [(0, 48), (48, 96)]
    assert result.shots[1].start_time == pytest.approx(2.0)
    assert len(result.tracks) == 4
    assert [t.shot for t in result.tracks] == [0, 0, 1, 1]
    assert result.face_descriptors.shape == (4, result.face_descriptor_info["dim"])
    assert result.motion_descriptors.shape == (4, MOTION_DIM)


def test_no_track_crosses_the_cut(synth):
    _, result, _ = synth
    for t in result.tracks:
        shot = result.shots[t.shot]
        assert shot.start_frame <= t.start_frame and t.end_frame < shot.end_frame
        assert t.frames == tuple(range(t.start_frame, t.end_frame + 1))
        assert t.times[0] == pytest.approx(t.start_frame / 24)


def test_boxes_within_a_few_pixels_of_truth(synth):
    video, result, _ = synth
    matched = _match(video, result)
    assert len({id(t) for t in matched.values()}) == 4  # one track per person and shot
    for k, tt in enumerate(video.truth):
        t = matched[k]
        covered = [(f, b) for f, b in zip(tt.frames, tt.boxes) if t.box_at(f) is not None]
        assert len(covered) >= len(tt.frames) - STRIDE // 2  # half a stride beyond the last detection
        errs = [np.abs(np.subtract(t.box_at(f), b)).max() for f, b in covered]
        assert max(errs) <= 6.0, (tt.face, tt.action, max(errs))
        assert min(box_iou(t.box_at(f), b) for f, b in covered) >= 0.8
        det = [f for f, d in zip(t.frames, t.detected) if d]
        assert det == list(range(det[0], det[-1] + 1, STRIDE))  # a detection on every sampled frame
        assert t.start_frame == max(result.shots[t.shot].start_frame, det[0] - STRIDE // 2)
        assert t.end_frame == min(result.shots[t.shot].end_frame - 1, det[-1] + STRIDE // 2)
        assert t.mean_score > 0.99


def test_same_face_descriptors_closer_than_different_faces(synth):
    video, result, _ = synth
    matched = _match(video, result)
    faces = {matched[k].id: tt.face for k, tt in enumerate(video.truth)}
    d = result.face_descriptors
    same, diff = [], []
    for i, j in combinations(range(len(result.tracks)), 2):
        dist = float(np.linalg.norm(d[i] - d[j]))
        (same if faces[i] == faces[j] else diff).append(dist)
    assert len(same) == 1 and len(diff) == 5
    assert max(same) < min(diff)


def test_motion_descriptors_separate_walk_from_wave(synth):
    video, result, _ = synth
    matched = _match(video, result)
    action = {matched[k].id: tt.action for k, tt in enumerate(video.truth)}
    m = result.motion_descriptors
    assert np.all(np.isfinite(m)) and np.allclose(np.linalg.norm(m, axis=1), 1.0, atol=1e-5)
    within, across = [], []
    for i, j in combinations(range(len(result.tracks)), 2):
        dist = float(np.linalg.norm(m[i] - m[j]))
        (within if action[i] == action[j] else across).append(dist)
    assert len(within) == 2 and len(across) == 4
    assert max(within) < min(across)


def test_rerun_reuses_cache(synth):
    video, result, d = synth
    again = features.extract(video.path, cache_dir=d / "cache", device="cpu", stride=STRIDE)
    assert again.params["stats"]["tracks_from_cache"] and again.params["stats"]["motion_from_cache"]
    assert again.tracks == result.tracks and again.shots == result.shots
    np.testing.assert_array_equal(again.face_descriptors, result.face_descriptors)
    np.testing.assert_array_equal(again.motion_descriptors, result.motion_descriptors)
    manifest = json.loads((result.cache_dir / "manifest.json").read_text())
    assert manifest["stages"]["tracks"]["complete"] and manifest["stages"]["motion"]["complete"]


def test_cli_writes_tracks_json_and_arrays(synth, capsys):
    from scriptalign.cli import main

    video, result, d = synth
    out = d / "out"
    rc = main(["tracks", str(video.path), "-o", str(out), "--stride", str(STRIDE), "--cache", str(d / "cache"),
               "--device", "cpu", "--preview"])
    assert rc == 0
    doc = json.loads((out / "tracks.json").read_text())
    assert doc["schema"] == "scriptalign.tracks/1"
    assert doc["face_descriptor"]["weights_hash"] == result.face_descriptor_info["weights_hash"]
    assert doc["face_descriptor"]["kind"] == result.face_descriptor_kind
    assert doc["motion_descriptor"]["kind"] == result.motion_descriptor_kind
    assert [t["id"] for t in doc["tracks"]] == [0, 1, 2, 3]
    t0 = doc["tracks"][0]
    assert {"id", "shot", "start_time", "end_time", "frames", "boxes", "scores"} <= set(t0)
    assert len(t0["frames"]) == len(t0["boxes"]) == len(t0["scores"])
    assert np.load(out / "face_descriptors.npy").shape[0] == 4
    assert np.load(out / "motion_descriptors.npy").shape[0] == 4
    assert (out / "preview.png").stat().st_size > 1000
    assert "4 tracks" in capsys.readouterr().out


def test_motion_bag_of_words_with_chi2_map(synth):
    from features.motion import MotionBoW

    _, result, _ = synth
    vols = np.load(result.cache_dir / "motion_volumes.npz")
    volumes = [vols[f"track_{t.id}"] for t in result.tracks]
    assert all(v.shape[1] == MOTION_DIM and len(v) >= 3 for v in volumes)
    bow = MotionBoW(n_words=6).fit(volumes)
    hist = bow.histograms(volumes)
    np.testing.assert_allclose(hist.sum(1), 1.0)
    mapped = bow.transform(volumes)
    assert mapped.shape == (4, 6 * 3)  # AdditiveChi2Sampler, sample_steps=2: 3 values per word
    assert np.all(np.isfinite(mapped))
