"""The whole job on one movie: align, weak labels, face tracks, bags over tracks, joint solve, outputs.

``run_movie`` writes to one output folder (each file atomically):
``aligned.json`` (the alignment), ``bags.json`` (weak labels), ``tracks.json`` with
``face_descriptors.npy`` and ``motion_descriptors.npy`` (the video side), ``assignments.json`` and
``assignments.csv`` (per track name, action and scores), ``report.html`` and, with a truth file,
``evaluation.json``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from scriptalign.atomic import write_text

ASSIGNMENTS_SCHEMA = "scriptalign.assignments/1"
EVALUATION_SCHEMA = "scriptalign.evaluation/1"


@dataclass(frozen=True)
class RunResult:
    """Where a run wrote its outputs, what it measured and how long each stage took (seconds)."""

    output: Path
    assignments: dict
    evaluation: dict | None
    timings: dict


def _dump(path: Path, doc: dict) -> None:
    write_text(path, json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False) + "\n")


def _csv(rows: list[dict], tracks: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["track", "start", "end", "name", "name_score", "action", "action_score"])
    for r, t in zip(rows, tracks):
        writer.writerow([r["track"], f"{t['start_time']:.3f}", f"{t['end_time']:.3f}", r["name"] or "",
                         r["name_score"], r["action"] or "", r["action_score"]])
    return buf.getvalue()


def _json_safe(value):
    """NaN (e.g. the AP of an action with no positive) as null, so the JSON stays standard."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


@dataclass(frozen=True)
class Prepared:
    """One movie's text and video sides, as written to (and read back from) its output folder."""

    output: Path
    video: str
    alignment: dict
    bags: tuple
    tracks: tuple[dict, ...]
    face_descriptors: np.ndarray
    motion_descriptors: np.ndarray

    @property
    def spans(self) -> list:
        from scriptalign.assign import TrackSpan

        return [TrackSpan(t["id"], t["start_time"], t["end_time"]) for t in self.tracks]


def check_stride(stride: object) -> None:
    """InputError unless ``stride`` (run the face detector on every stride-th frame) is an integer >= 1."""
    from scriptalign.errors import InputError

    if isinstance(stride, bool) or not isinstance(stride, int) or stride < 1:
        raise InputError(f"--stride must be >= 1, got {stride!r}", expected="a positive integer")


def prepare_movie(
    video: str | Path,
    subtitles: str | Path,
    script: str | Path,
    output: str | Path,
    *,
    lexicon: str | Path | None = None,
    device: str = "auto",
    stride: int = 5,
    cache_dir: str | Path | None = None,
    progress: bool = False,
    speaker_bags: bool = False,
    face_descriptor: str = "auto",
) -> Prepared:
    """Align and label the text, extract the face tracks; write ``aligned.json``, ``bags.json``,
    ``tracks.json`` and the descriptor arrays to ``output``. ``speaker_bags`` adds a bag per matched
    dialogue turn ("the speaker appears"). ``face_descriptor``: see ``features.extract``."""
    import features
    from scriptalign.alignment import align
    from scriptalign.errors import InputError
    from scriptalign.labels import labels_json, weak_labels
    from scriptalign.lexicon import Lexicon
    from scriptalign.screenplay import read_script
    from scriptalign.subtitles import read_subtitles

    check_stride(stride)
    for path in (video, subtitles, script):
        if not Path(path).is_file():
            raise InputError("no such file", path)
    if not isinstance(lexicon, Lexicon):  # one lexicon for the bags and for what bags.json names
        lexicon = Lexicon.load(lexicon) if lexicon is not None else Lexicon.default()
    aligned = align(read_subtitles(subtitles), read_script(script))
    alignment = aligned.to_json()
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    bags = weak_labels(aligned, lexicon, speaker_bags=speaker_bags)
    extraction = features.extract(video, device=device, stride=stride, cache_dir=cache_dir, progress=progress,
                                  face_descriptor=face_descriptor)
    _dump(out / "aligned.json", alignment)
    _dump(out / "bags.json", labels_json(bags, aligned, lexicon))
    features.write_outputs(extraction, out)
    return Prepared(out, str(video), alignment, tuple(bags), tuple(t.to_dict() for t in extraction.tracks),
                    extraction.face_descriptors, extraction.motion_descriptors)


def load_prepared(output: str | Path) -> Prepared:
    """Read back what ``prepare_movie`` wrote (InputError naming the missing or broken file)."""
    from scriptalign.errors import InputError
    from scriptalign.jsonfile import read_json
    from scriptalign.labels import Bag

    out = Path(output)
    expected = "the output of prepare_movie"
    alignment, bags_doc, tracks_doc = (read_json(out / name, expected, schema)
                                       for name, schema in (("aligned.json", "alignment"), ("bags.json", "labels"),
                                                            ("tracks.json", "tracks")))
    try:
        face = np.load(out / "face_descriptors.npy")
        motion = np.load(out / "motion_descriptors.npy")
    except (OSError, ValueError) as err:
        raise InputError(f"incomplete run folder: {err}", out, expected=expected) from err
    bags = tuple(
        Bag(**{**b, "names": tuple(b["names"]), "actions": tuple(b["actions"]),
               "pairs": tuple(tuple(p) for p in b["pairs"]), "unnamed_actions": tuple(b["unnamed_actions"]),
               "negated": tuple(b["negated"])})
        for b in bags_doc["bags"]
    )
    return Prepared(out, tracks_doc["video"]["path"], alignment, bags, tuple(tracks_doc["tracks"]), face, motion)


def assignments_document(prepared: Prepared, result) -> dict:
    """The ``assignments.json`` document of a solve (schema ``scriptalign.assignments/1``)."""
    from scriptalign.assign import only_track_baseline

    return {
        "schema": ASSIGNMENTS_SCHEMA,
        "video": prepared.video,
        "names": list(result.names),
        "actions": list(result.actions),
        "n_person_bags": len(result.person_bags),
        "n_action_bags": len(result.action_bags),
        "baseline_only_track": only_track_baseline(prepared.spans, prepared.bags),
        "solver": {"converged": bool(result.converged), "fits": list(result.fits)},
        "tracks": result.rows(),
    }


def write_results(prepared: Prepared, result, *, truth: str | Path | None = None,
                  report: bool = True) -> tuple[dict, dict | None]:
    """Write ``assignments.json``/``.csv``, with a truth ``evaluation.json``, and ``report.html``;
    returns the assignments document and the evaluation scores (None without truth)."""
    out = prepared.output
    doc = assignments_document(prepared, result)
    rows = doc["tracks"]
    _dump(out / "assignments.json", doc)
    write_text(out / "assignments.csv", _csv(rows, list(prepared.tracks)))
    evaluation = evaluate_output(out, truth) if truth is not None else None
    if report:
        from scriptalign.report import write_report

        write_report(out / "report.html", video=prepared.video, alignment=prepared.alignment, bags=prepared.bags,
                     tracks=prepared.tracks, rows=rows, gap_history=result.gap_history, evaluation=evaluation)
    return doc, (evaluation.scores if evaluation is not None else None)


def run_movie(
    video: str | Path,
    subtitles: str | Path,
    script: str | Path,
    output: str | Path,
    *,
    truth: str | Path | None = None,
    lexicon: str | Path | None = None,
    device: str = "auto",
    stride: int = 5,
    cache_dir: str | Path | None = None,
    report: bool = True,
    progress: bool = False,
    speaker_bags: bool = False,
    face_descriptor: str = "auto",
) -> RunResult:
    """Run the pipeline on one movie and write its outputs to ``output``."""
    from scriptalign.assign import assign

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    prepared = prepare_movie(video, subtitles, script, output, lexicon=lexicon, device=device, stride=stride,
                             cache_dir=cache_dir, progress=progress, speaker_bags=speaker_bags,
                             face_descriptor=face_descriptor)
    timings["prepare"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = assign(prepared.spans, prepared.face_descriptors, prepared.motion_descriptors, prepared.bags,
                    device=device)
    timings["solve"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    assignments, evaluation = write_results(prepared, result, truth=truth, report=report)
    timings["write"] = time.perf_counter() - t0
    return RunResult(prepared.output, assignments, evaluation, timings)


def read_truth(path: str | Path) -> dict:
    """A toy movie's ``truth.json``; InputError naming the file and field when it is not one."""
    from scriptalign.jsonfile import read_json

    return read_json(path, "a truth.json from scriptalign toy", schema="truth")


def evaluate_output(output: str | Path, truth: str | Path):
    """Score a run folder against a truth file; writes ``evaluation.json`` there and returns the
    :class:`~scriptalign.evaluation.Evaluation` (its ``scores`` are what the file holds)."""
    from scriptalign.errors import InputError
    from scriptalign.evaluation import evaluate_assignment
    from scriptalign.jsonfile import read_json

    out = Path(output)
    docs = {name: read_json(out / name, "the output folder of scriptalign run", schema)
            for name, schema in (("assignments.json", "assignments"), ("tracks.json", "tracks"))}
    rows = docs["assignments.json"]["tracks"]
    tracks = docs["tracks.json"]["tracks"]
    if len(rows) != len(tracks):
        raise InputError(f"{len(rows)} assignments for {len(tracks)} tracks", out / "assignments.json")
    result = evaluate_assignment(rows, tracks, read_truth(truth), docs["assignments.json"].get("baseline_only_track"))
    scores = _json_safe({"schema": EVALUATION_SCHEMA, "truth": str(truth), **result.scores})
    _dump(out / "evaluation.json", scores)
    return replace(result, scores=scores)
