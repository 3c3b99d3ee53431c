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


def test_naming_curve_does_not_depend_on_the_order_of_tied_tracks():
    # a tie of one right and one wrong name counts half right at each of its two positions
    curve = naming_curve(["a", "b", "c"], ["a", "a", "c"], [0.9, 0.9, 0.1])
    np.testing.assert_allclose(curve.accuracy, [0.5, 0.5, 2 / 3])
    swapped = naming_curve(["b", "a", "c"], ["a", "a", "c"], [0.9, 0.9, 0.1])
    np.testing.assert_allclose(swapped.accuracy, curve.accuracy)
    assert swapped.ap == pytest.approx(curve.ap) == pytest.approx((0.5 + 0.5 + 2 / 3) / 3)


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


@pytest.mark.parametrize("path,value", [
    (("tracks", 1, "boxes", 2, 3), "x"), (("tracks", 1, "boxes", 2), [1.0, 2.0, 3.0]),
    (("tracks", 0, "frames", 1), 1.5), (("tracks", 1, "detected", 0), 1), (("tracks", 0, "boxes", 0, 0), True),
    (("tracks", 1, "times", 2), None), (("tracks", 0, "id"), "0"),
])
def test_schema_check_finds_what_plain_jsonschema_finds(path, value):
    """The fast path for per-frame arrays accepts nothing that JSON Schema refuses, and the error it
    reports is the one the plain ``jsonschema`` validator reports."""
    import json

    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    from scriptalign.errors import InputError
    from scriptalign.jsonfile import schema_path, validate

    track = {"id": 0, "start_time": 0.0, "end_time": 1.0, "frames": [0, 1, 2], "times": [0.0, 0.5, 1.0],
             "boxes": [[1, 2, 3, 4]] * 3, "scores": [0.9] * 3, "detected": [True, False, True]}
    doc = {"schema": "scriptalign.tracks/1", "video": {"path": "m.mp4"},
           "tracks": [json.loads(json.dumps(track)), {**json.loads(json.dumps(track)), "id": 1}]}
    validate(doc, "tracks")
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    plain = best_match(Draft202012Validator(json.loads(schema_path("tracks").read_text())).iter_errors(doc))
    assert plain is not None
    with pytest.raises(InputError) as err:
        validate(doc, "tracks", "t.json")
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in plain.absolute_path).lstrip(".")
    assert str(err.value).startswith(f"t.json: field {where}: {plain.message} (expected ")


def test_naming_over_all_tracks_scores_nobody():
    """Extras and tracks of no truth person have truth "nobody"; a track given no name says nobody."""
    from features.types import Track
    from scriptalign.evaluation import evaluate_assignment

    def track(frame):
        return Track(frame, frame, frame, frames=(frame,), boxes=((0, 0, 10, 10),))

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


def test_a_run_folder_scores_as_its_objects_in_memory(tmp_path):
    """``evaluate_output`` (the CLI edge) reads the folder and scores exactly what ``evaluate_run``
    scores from the in-memory objects; a track without boxes cannot be evaluated and is named."""
    import json

    from features.types import Track
    from scriptalign.errors import InputError
    from scriptalign.pipeline import evaluate_output, evaluate_run

    truth = _run_folder(tmp_path)
    (tmp_path / "truth.json").write_text(json.dumps(truth))
    on_disk = evaluate_output(tmp_path, tmp_path / "truth.json").scores
    doc = json.loads((tmp_path / "assignments.json").read_text())
    tracks = [Track(0, 0.0, 1.0, 0, (0, 1), (0.0, 0.5), ((10, 10, 50, 50),) * 2, (0.99, 0.99), (True, True))]
    in_memory = evaluate_run(doc, tracks, truth, str(tmp_path / "truth.json")).scores
    assert on_disk == in_memory == json.loads((tmp_path / "evaluation.json").read_text())
    assert in_memory["naming_accuracy"] == 1.0 and in_memory["action_map"] == 1.0
    with pytest.raises(InputError, match=r"tracks\.json: track 0 has no frames and boxes"):
        evaluate_run(doc, [Track(0, 0.0, 1.0)], truth, "truth.json", folder=tmp_path)
    with pytest.raises(InputError, match=r"assignments\.json: 1 assignments for 2 tracks"):
        evaluate_run(doc, tracks * 2, truth, "truth.json", folder=tmp_path)
