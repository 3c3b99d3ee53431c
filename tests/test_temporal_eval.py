"""Temporal action localisation: AP at a temporal IoU, instances on tracks, windows, detections."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from features.overlap import interval_iou
from features.types import Track
from scriptalign.evaluation import action_instances, average_precision, temporal_action_scores
from scriptalign.labels import Bag
from scriptalign.temporal import (
    ActionWindows,
    detect_actions,
    temporal_ap,
    window_bags,
    unit_rows,
    window_scores,
    windows_from_volumes,
)


def test_temporal_ap_hand_case():
    instances = [(0, 0.0, 2.0), (1, 5.0, 6.0)]
    dets = [
        (0, 0.0, 2.1, 0.9),   # right (IoU 0.95)
        (0, 0.1, 1.9, 0.8),   # duplicate of a taken instance: wrong
        (1, 5.0, 6.0, 0.7),   # right
        (2, 5.0, 6.0, 0.95),  # wrong track: wrong
    ]
    # ranked: wrong, right, wrong, right -> precision at the hits 1/2 and 2/4, recall 1/2 each
    assert temporal_ap(dets, instances, 0.5) == pytest.approx((1 / 2 + 2 / 4) / 2)
    # a detection too short for IoU 0.5 but fine at 0.3
    assert temporal_ap([(0, 0.0, 0.8, 1.0)], instances, 0.5) == 0.0
    assert temporal_ap([(0, 0.0, 0.8, 1.0)], instances, 0.3) == pytest.approx(0.5)  # one of two found
    assert np.isnan(temporal_ap(dets, [], 0.5))
    assert temporal_ap([], instances, 0.5) == 0.0


def test_average_precision_ignores_the_order_of_tied_scores():
    scores = [0.5, 0.5, 0.5, 0.1]
    a = average_precision(scores, [True, False, False, True])
    b = average_precision(scores, [False, False, True, True])
    assert a == pytest.approx(b)
    assert a == pytest.approx(average_precision_score([True, False, False, True], scores))


def test_instances_are_clipped_to_the_track_and_its_person():
    truth = {"actions": [{"actor": "A", "action": "wave", "start": 1.0, "end": 4.0},
                         {"actor": "B", "action": "wave", "start": 1.0, "end": 4.0}],
             "actions_vocabulary": ["wave", "walk"]}
    tracks = [Track(7, 2.0, 10.0), Track(8, 5.0, 9.0), Track(9, 0.0, 3.0)]
    assert action_instances(tracks, ["A", "A", None], truth) == [(7, 2.0, 4.0, "wave")]
    dets = [{"track": 7, "start": 2.0, "end": 4.2, "action": "wave", "score": 1.0},
            {"track": 9, "start": 0.0, "end": 3.0, "action": "wave", "score": 2.0}]
    scores = temporal_action_scores(dets, tracks, ["A", "A", None], truth)
    assert scores["per_action_temporal_ap"]["wave"]["0.5"] == pytest.approx(0.5)  # a false positive ranks first
    assert np.isnan(scores["per_action_temporal_ap"]["walk"]["0.3"])  # no instance: left out of the mean
    assert scores["temporal_action_map_05"] == pytest.approx(0.5)


def test_windows_follow_the_motion_volumes():
    times = np.arange(100) / 10.0
    tracks = [Track(0, 1.0, 4.0, frames=tuple(range(10, 41)))]
    vols = [np.ones((3, 4))]
    w = windows_from_volumes(tracks, vols, times, volume_frames=12)
    np.testing.assert_array_equal(w.start_frame, [11, 23, 35])
    np.testing.assert_array_equal(w.end_frame, [22, 34, 40])
    np.testing.assert_allclose(w.start, [1.1, 2.3, 3.5])
    np.testing.assert_allclose(w.end, [2.2, 3.4, 4.0])
    np.testing.assert_allclose(w.features, 1.0)  # as extracted; the solve scales each row to unit length
    np.testing.assert_allclose(np.linalg.norm(unit_rows(w.features), axis=1), 1.0)


def test_windows_from_frames_take_the_frames_times_and_round_trip(tmp_path):
    times = np.arange(100) / 10.0
    feats = np.array([[3.0, 4.0], [0.0, 2.0], [1.0, 0.0]], np.float32)
    w = ActionWindows.from_frames([0, 0, 1], [10, 26, 50], [25, 30, 120], feats, times)
    np.testing.assert_array_equal(w.track, [0, 0, 1])
    np.testing.assert_allclose(w.start, [1.0, 2.6, 5.0])
    np.testing.assert_allclose(w.end, [2.5, 3.0, 9.9])  # a frame past the video is clipped to the last time
    np.testing.assert_allclose(unit_rows(w.features), [[0.6, 0.8], [0.0, 1.0], [1.0, 0.0]], atol=1e-9)
    w.save(tmp_path / "action_windows.npz")
    back = ActionWindows.load(tmp_path / "action_windows.npz")
    for k in ActionWindows.KEYS:
        np.testing.assert_array_equal(getattr(back, k), getattr(w, k))
    # the frames-only layout of earlier versions is refused by name, not half read
    np.savez(tmp_path / "old.npz", features=feats, track=w.track, start_frame=w.start_frame, end_frame=w.end_frame)
    with pytest.raises(ValueError, match=r"old\.npz: not an action windows file \(missing start, end"):
        ActionWindows.load(tmp_path / "old.npz")


def test_prepare_movie_refuses_an_unknown_action_descriptor(tmp_path):
    from scriptalign.errors import InputError
    from scriptalign.pipeline import prepare_movie

    with pytest.raises(InputError, match="actions must be one of flow, i3d, got 'c3d'"):
        prepare_movie(tmp_path / "v.mp4", tmp_path / "s.srt", tmp_path / "t.txt", tmp_path / "o", actions="c3d")


def _toy_windows(rng):
    """Two tracks of 20 one-second windows; person A waves in windows 5-7 of track 0, B walks in 12-15
    of track 1; waving and walking have their own motion directions."""
    n = 20
    track = np.repeat([0, 1], n)
    start = np.tile(np.arange(n, dtype=float), 2)
    X = rng.normal(0, 0.3, (2 * n, 6)) + np.array([1, 1, 0, 0, 0, 0])
    X[5:8, 2] += 3.0
    X[n + 12:n + 16, 4] += 3.0
    frames = (10 * start).astype(int)
    return ActionWindows(track, frames, frames + 9, start, start + 1.0, X)


def test_timed_bags_localise_actions_in_windows():
    windows = _toy_windows(np.random.default_rng(0))
    bags = [Bag(0, "description", 3.0, 10.0, ("A",), ("wave",), (("A", "wave"),), "A waves.", 0, 1, 1, 0),
            Bag(1, "description", 10.0, 18.0, ("B",), ("walk",), (("B", "walk"),), "B walks.", 1, 2, 2, 0)]
    wb = window_bags(windows, bags, ["A", "B"], ["walk", "wave"])
    assert wb[0] == (tuple(range(2, 11)), (2,))  # A's windows overlapping 3..10 s, label wave
    assert wb[1] == (tuple(range(20 + 9, 20 + 19)), (1,))
    S, solver = window_scores(windows, bags, ["A", "B"], ["walk", "wave"])
    assert S.shape == (40, 3) and solver["n_window_bags"] == 2
    dets = detect_actions(windows, S, [100, 101], ["walk", "wave"])
    best = {a: max((d for d in dets if d.action == a), key=lambda d: d.score) for a in ("walk", "wave")}
    assert (best["wave"].track, best["wave"].start, best["wave"].end) == (100, 5.0, 8.0)
    assert best["walk"].track == 101 and interval_iou(best["walk"].start, best["walk"].end, 12.0, 16.0) >= 0.5
