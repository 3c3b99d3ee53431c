"""Naming curve and average precision on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from scriptalign.evaluation import average_precision, naming_curve


def test_naming_curve_orders_by_confidence():
    curve = naming_curve(["a", "b", "a", "c"], ["a", "a", "a", "c"], [0.9, 0.8, 0.7, 0.1])
    # most confident first: right, wrong, right, right
    np.testing.assert_allclose(curve.accuracy, [1.0, 0.5, 2 / 3, 0.75])
    np.testing.assert_allclose(curve.proportion, [0.25, 0.5, 0.75, 1.0])
    assert curve.final_accuracy == pytest.approx(0.75)
    assert curve.ap == pytest.approx((1.0 + 0.5 + 2 / 3 + 0.75) / 4)


def test_naming_curve_rejects_bad_input():
    with pytest.raises(ValueError, match="same length"):
        naming_curve(["a"], ["a", "b"], [1.0])
    with pytest.raises(ValueError, match="NaN"):
        naming_curve(["a"], ["a"], [float("nan")])
    with pytest.raises(ValueError, match="no tracks"):
        naming_curve([], [], [])


def test_average_precision_matches_sklearn():
    rng = np.random.default_rng(0)
    for _ in range(20):
        scores = rng.random(30)
        truth = rng.random(30) < 0.3
        if truth.sum() == 0:
            continue
        assert average_precision(scores, truth) == pytest.approx(average_precision_score(truth, scores))


def test_average_precision_hand_case_and_no_positive():
    assert average_precision([0.9, 0.8, 0.7], [False, True, True]) == pytest.approx((1 / 2 + 2 / 3) / 2)
    assert np.isnan(average_precision([0.5, 0.4], [False, False]))


def test_naming_over_all_tracks_scores_nobody():
    """Extras and tracks of no truth person have truth "nobody"; a track given no name says nobody."""
    from scriptalign.evaluation import evaluate_assignment

    def track(frame):
        return {"frames": [frame], "boxes": [[0, 0, 10, 10]], "start_time": frame, "end_time": frame}

    truth = {"characters": [{"name": "ANN"}], "actions": [], "actions_vocabulary": [],
             "appearances": [{"person": "ANN", "boxes": [[0, 0, 0, 10, 10]]},
                             {"person": "EXTRA", "boxes": [[1, 0, 0, 10, 10]]},
                             {"person": "EXTRA2", "boxes": [[2, 0, 0, 10, 10]]}]}
    tracks = [track(0), track(1), track(2), track(3)]  # ANN, an extra, another extra, nobody at all
    rows = [{"name": "ANN", "name_score": 0.9, "action_scores": {}},
            {"name": None, "name_score": 0.8, "action_scores": {}},
            {"name": "ANN", "name_score": 0.1, "action_scores": {}},
            {"name": None, "name_score": 0.5, "action_scores": {}}]
    s = evaluate_assignment(rows, tracks, truth).scores
    assert s["naming_accuracy"] == 1.0 and s["n_named_tracks"] == 1  # named-only numbers kept
    assert s["n_unnamed_tracks"] == 3
    assert s["naming_accuracy_all_tracks"] == pytest.approx(3 / 4)
    assert s["naming_ap_all_tracks"] == pytest.approx(np.mean([1, 1, 1, 3 / 4]))
    assert s["background_precision"] == 1.0 and s["background_recall"] == pytest.approx(2 / 3)
