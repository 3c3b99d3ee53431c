"""The whole pipeline on toy movies: regression against their ground truth, outputs, CLI verbs."""

from __future__ import annotations

import csv
import json

import pytest

from scriptalign.cli import main
from scriptalign.jsonfile import validate
from scriptalign.pipeline import load_prepared, prepare_movie, run_movie
from scriptalign.toy import default_toy_dir

# Quality floors of the issue: naming accuracy over the named characters' tracks, mean action AP.
NAMING_FLOOR = 0.95
ACTION_FLOOR = 0.8


# ``toy_run`` (tests/conftest.py): the bundled toy movie through run_movie, once per session.

@pytest.mark.slow
def test_default_toy_meets_quality_floors(toy_run):
    _, _, result = toy_run
    ev = result.evaluation
    assert ev["n_named_tracks"] >= 12
    assert ev["naming_accuracy"] >= NAMING_FLOOR
    assert ev["action_map"] >= ACTION_FLOOR
    # The naive rule names nothing here: every bag overlaps several tracks.
    assert ev["baseline_only_track_accuracy"] < ev["naming_accuracy"]


@pytest.mark.slow
def test_actions_are_localised_in_time(toy_run):
    _, out, result = toy_run
    doc = json.loads((out / "actions.json").read_text())
    assert doc["schema"] == "scriptalign.actions/1" and doc["source"] == "windows"
    ids = {t["id"]: t for t in json.loads((out / "tracks.json").read_text())["tracks"]}
    for d in doc["detections"]:
        t = ids[d["track"]]
        assert t["start_time"] - 1e-3 <= d["start"] <= d["end"] <= t["end_time"] + 1e-3
    # measured 1.000 at both IoUs on the bundled toy (the detection threshold was chosen on it)
    assert result.evaluation["temporal_action_map"] >= 0.9
    assert result.evaluation["temporal_action_map_05"] >= 0.8


@pytest.mark.slow
def test_outputs_are_complete_and_consistent(toy_run):
    _, out, _ = toy_run
    for name in ("aligned.json", "bags.json", "tracks.json", "face_descriptors.npy", "motion_descriptors.npy",
                 "assignments.json", "assignments.csv", "evaluation.json", "report.html", "actions.json",
                 "action_windows.npz"):
        assert (out / name).is_file(), name
    doc = json.loads((out / "assignments.json").read_text())
    tracks = json.loads((out / "tracks.json").read_text())["tracks"]
    assert doc["schema"] == "scriptalign.assignments/1"
    assert doc["names"] == ["EILEEN", "GRACE", "MILES"]
    assert [r["track"] for r in doc["tracks"]] == [t["id"] for t in tracks]
    assert {r["name"] for r in doc["tracks"]} <= {None, "EILEEN", "GRACE", "MILES"}
    with open(out / "assignments.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["track"]) for r in rows] == [t["id"] for t in tracks]
    assert [r["name"] or None for r in rows] == [r["name"] for r in doc["tracks"]]
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 6
    for name, schema in (("aligned.json", "alignment"), ("bags.json", "labels"), ("tracks.json", "tracks"),
                         ("assignments.json", "assignments"), ("evaluation.json", "evaluation")):
        validate(json.loads((out / name).read_text()), schema, out / name)  # each output fits its published schema
    prepared = load_prepared(out)
    assert len(prepared.tracks) == len(tracks) and len(prepared.bags) == len(json.loads((out / "bags.json").read_text())["bags"])


@pytest.mark.slow
def test_evaluate_verb_prints_json(toy_run, capsys):
    toy, out, result = toy_run
    assert main(["evaluate", str(out), "--truth", str(toy / "truth.json"), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    for key in ("naming_accuracy", "naming_ap", "action_map"):
        assert printed[key] == pytest.approx(result.evaluation[key])


def test_evaluate_verb_names_missing_files(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path), "--truth", str(default_toy_dir() / "truth.json")]) == 2
    err = capsys.readouterr().err
    assert "assignments.json" in err and "scriptalign run" in err


@pytest.mark.slow
def test_another_seed_meets_floors_within_a_few_points(tmp_path, toy_movies, toy_features):
    feature_cache = toy_features
    toy = toy_movies[1]
    result = run_movie(toy / "movie.mp4", toy / "movie.srt", toy / "script.txt", tmp_path / "out",
                       truth=toy / "truth.json", cache_dir=feature_cache, report=False)
    assert result.evaluation["naming_accuracy"] >= NAMING_FLOOR - 0.05
    assert result.evaluation["action_map"] >= ACTION_FLOOR - 0.05


@pytest.mark.slow
def test_bags_json_names_the_lexicon_it_used(toy_run, tmp_path, feature_cache):
    toy, _, _ = toy_run
    lexicon = tmp_path / "waves.yaml"
    lexicon.write_text("actions:\n  wave: [wave]\n")
    prepare_movie(toy / "movie.mp4", toy / "movie.srt", toy / "script.txt", tmp_path / "out", lexicon=lexicon,
                  cache_dir=feature_cache)
    doc = json.loads((tmp_path / "out" / "bags.json").read_text())
    assert doc["lexicon"] == str(lexicon) and doc["actions"] == ["wave"]
    assert {a for b in doc["bags"] for a in b["actions"]} == {"wave"}


@pytest.mark.slow
def test_report_renders_without_a_video_and_escapes_text(toy_run, tmp_path):
    """An external-tracks run has no video: the page still renders, saying why there are no thumbnails;
    text from the inputs is escaped by the template, never taken as markup."""
    from scriptalign.report import write_report

    _, out, _ = toy_run
    prepared = load_prepared(out)
    rows = json.loads((out / "assignments.json").read_text())["tracks"]
    rows[0] = {**rows[0], "name": "<script>alert(1)</script>", "action": "a&b"}
    page = write_report(tmp_path / "report.html", video=None, alignment=prepared.alignment, bags=prepared.bags,
                        tracks=prepared.tracks, rows=rows, gap_history=[1.0, 0.1, 0.01])
    html = page.read_text()
    assert "<script>" not in html
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in html and "<td>a&amp;b</td>" in html
    assert "No thumbnails: this run has no video" in html
    assert html.count("data:image/png;base64,") == 3  # alignment timeline, bags over tracks, duality gap
    assert html.count("<tr><td class=\"num\">") == len(prepared.tracks)
