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


def _run_folder(tmp_path):
    """A one-track run folder (assignments.json, tracks.json) and a truth file that fits it."""
    import json

    track = {"id": 0, "shot": 0, "start_time": 0.0, "end_time": 1.0, "start_frame": 0, "end_frame": 2,
             "frames": [0, 1], "times": [0.0, 0.5], "boxes": [[10, 10, 50, 50], [10, 10, 50, 50]],
             "scores": [0.99, 0.99], "detected": [True, True]}
    (tmp_path / "tracks.json").write_text(json.dumps(
        {"schema": "scriptalign.tracks/1", "video": {"path": "m.mp4"}, "tracks": [track]}))
    row = {"track": 0, "name": "ANN", "name_score": 0.9, "action": "wave", "action_score": 0.8,
           "name_scores": {"ANN": 0.9}, "action_scores": {"wave": 0.8}}
    (tmp_path / "assignments.json").write_text(json.dumps(
        {"schema": "scriptalign.assignments/1", "names": ["ANN"], "actions": ["wave"], "tracks": [row]}))
    truth = {"characters": [{"name": "ANN"}], "actions_vocabulary": ["wave"],
             "appearances": [{"person": "ANN", "boxes": [[0, 10, 10, 50, 50], [1, 10, 10, 50, 50]]}],
             "actions": [{"action": "wave", "actor": "ANN", "start": 0.0, "end": 1.0}]}
    return truth


@pytest.mark.parametrize("break_it,field,problem", [
    (lambda t: t.update(characters="ANN"), "characters", "'ANN' is not of type 'array'"),
    (lambda t: t["appearances"][0]["boxes"][1].__setitem__(2, "x"), "appearances[0].boxes[1][2]",
     "'x' is not of type 'number'"),
    (lambda t: t["actions"][0].update(start=None), "actions[0].start", "None is not of type 'number'"),
    (lambda t: t.update(actions_vocabulary=[1]), "actions_vocabulary[0]", "1 is not of type 'string'"),
])
def test_truth_with_the_right_keys_and_wrong_types_names_file_and_field(tmp_path, capsys, break_it, field, problem):
    import json

    from scriptalign.cli import main

    truth = _run_folder(tmp_path)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(truth))
    assert main(["evaluate", str(tmp_path), "--truth", str(good), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["naming_accuracy"] == 1.0
    break_it(truth)
    bad = tmp_path / "truth.json"
    bad.write_text(json.dumps(truth))
    assert main(["evaluate", str(tmp_path), "--truth", str(bad)]) == 2
    assert capsys.readouterr().err == (f"scriptalign evaluate: error: {bad}: field {field}: {problem} "
                                       "(expected a truth.json from scriptalign toy)\n")


def test_run_folder_files_of_another_version_are_refused_by_name(tmp_path, capsys):
    import json

    from scriptalign.cli import main

    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps(_run_folder(tmp_path)))
    doc = json.loads((tmp_path / "assignments.json").read_text())
    doc["schema"] = "scriptalign.assignments/2"
    (tmp_path / "assignments.json").write_text(json.dumps(doc))
    assert main(["evaluate", str(tmp_path), "--truth", str(truth)]) == 2
    assert capsys.readouterr().err == (f"scriptalign evaluate: error: {tmp_path / 'assignments.json'}: schema is "
                                       "'scriptalign.assignments/2' (expected scriptalign.assignments/1)\n")
