"""The whole job on one movie: align, weak labels, face tracks, bags over tracks, joint solve, outputs.

``run_movie`` writes to one output folder (each file atomically):
``aligned.json`` (the alignment), ``bags.json`` (weak labels), ``tracks.json`` with
``face_descriptors.npy`` and ``motion_descriptors.npy`` (the video side), ``action_windows.npz``
(per-window motion features), ``assignments.json`` and ``assignments.csv`` (per track name, action
and scores), ``actions.json`` (actions localised in time), ``report.html`` and, with a truth file,
``evaluation.json``. With tracks from elsewhere (``prepare_external``) there is no video: the
descriptors come with the tracks, and without motion descriptors only names are solved.
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from features.atomic import write_json, write_npy, write_text
from features.types import Track

if TYPE_CHECKING:
    from features.types import ActionWindows
    from scriptalign.alignment import Alignment
    from scriptalign.assign import TrackSpan
    from scriptalign.evaluation import Evaluation
    from scriptalign.labels import Bag

ACTION_DESCRIPTORS = ("flow", "i3d")
ASSIGNMENTS_SCHEMA = "scriptalign.assignments/1"
EVALUATION_SCHEMA = "scriptalign.evaluation/1"


@dataclass(frozen=True)
class RunResult:
    """Where a run wrote its outputs, what it measured and how long each stage took (seconds)."""

    output: Path
    assignments: dict
    evaluation: dict | None
    timings: dict


def _csv(rows: list[dict], tracks: Sequence[Track]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["track", "start", "end", "name", "name_score", "action", "action_score"])
    for r, t in zip(rows, tracks):
        writer.writerow([r["track"], f"{t.start_time:.3f}", f"{t.end_time:.3f}", r["name"] or "",
                         r["name_score"], r["action"] or "", r["action_score"]])
    return buf.getvalue()


def json_safe(value):
    """NaN (e.g. the AP of an action with no positive) as null, so the JSON stays standard."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    return value


@dataclass(frozen=True)
class Prepared:
    """One movie's text and video sides, typed, as written to (and read back from) its output folder;
    row ``i`` of the descriptor arrays is ``tracks[i]``."""

    output: Path
    video: str | None
    alignment: Alignment
    bags: tuple[Bag, ...]
    tracks: tuple[Track, ...]
    face_descriptors: np.ndarray
    motion_descriptors: np.ndarray | None
    windows: ActionWindows | None = None  # None: no per-window features

    @property
    def spans(self) -> list[TrackSpan]:
        from scriptalign.assign import TrackSpan

        return [TrackSpan(t.id, t.start_time, t.end_time) for t in self.tracks]


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
    actions: str = "flow",
) -> Prepared:
    """Align and label the text, extract the face tracks; write ``aligned.json``, ``bags.json``,
    ``tracks.json``, the descriptor arrays and ``action_windows.npz`` to ``output``. ``speaker_bags``
    adds a bag per aligned subtitle line ("the speaker appears", :mod:`scriptalign.speakers`).
    ``face_descriptor``: see ``features.extract``. ``actions``: the action descriptor of the tracks
    and of their windows, ``flow`` (normal-flow histograms, 12-frame windows) or ``i3d`` (I3D
    Mixed_5c of the upper-body tube, 16-frame windows; cached apart from the tracks, so adding it
    to a movie already extracted does not detect again); ``motion_descriptors.npy`` holds it."""
    import features
    from features import motion
    from features.types import ACTION_WINDOWS_FILE
    from scriptalign.errors import InputError
    from scriptalign.temporal import windows_from_volumes

    check_stride(stride)
    if actions not in ACTION_DESCRIPTORS:
        raise InputError(f"actions must be one of {', '.join(ACTION_DESCRIPTORS)}, got {actions!r}")
    for path in (video, subtitles, script):
        if not Path(path).is_file():
            raise InputError("no such file", path)
    aligned, bags, lexicon = _text_side(subtitles, script, lexicon, speaker_bags)
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    extraction = features.extract(video, device=device, stride=stride, cache_dir=cache_dir, progress=progress,
                                  face_descriptor=face_descriptor, motion=actions == "flow",
                                  actions="none" if actions == "flow" else "i3d")
    tracks = extraction.tracks
    if actions == "i3d":
        windows = extraction.action_windows
        # the solve's per-track action descriptor is I3D's; its windows are written once, below
        extraction = replace(extraction, motion_descriptors=extraction.action_descriptors,
                             motion_descriptor_kind=extraction.action_descriptor_kind, action_windows=None,
                             action_descriptor_kind="")
    else:
        volumes = motion.load_volumes(extraction.cache_dir, [t.id for t in tracks]) if tracks else []
        windows = windows_from_volumes(tracks, volumes, extraction.frame_times, motion.VOLUME_FRAMES)
    _write_text_side(out, aligned, bags, lexicon)
    features.write_outputs(extraction, out)
    windows.save(out / ACTION_WINDOWS_FILE)
    return Prepared(out, str(video), aligned, tuple(bags), tracks, extraction.face_descriptors,
                    extraction.motion_descriptors, windows)


def _text_side(subtitles, script, lexicon, speaker_bags: bool) -> tuple:
    """The typed alignment, its bags (plus a speaker bag per aligned subtitle line if asked) and the
    lexicon they were made with."""
    from scriptalign.alignment import align
    from scriptalign.labels import weak_labels
    from scriptalign.lexicon import Lexicon
    from scriptalign.screenplay import read_script
    from scriptalign.speakers import speaker_bags as subtitle_speaker_bags
    from scriptalign.subtitles import read_subtitles

    if not isinstance(lexicon, Lexicon):  # one lexicon for the bags and for what bags.json names
        lexicon = Lexicon.load(lexicon) if lexicon is not None else Lexicon.default()
    aligned = align(read_subtitles(subtitles), read_script(script))
    bags = weak_labels(aligned, lexicon)
    if speaker_bags:
        bags = bags + subtitle_speaker_bags(aligned, unit="line", first_id=len(bags))
    return aligned, bags, lexicon


def _write_text_side(out: Path, aligned: Alignment, bags: list[Bag], lexicon) -> None:
    from scriptalign.labels import labels_json

    write_json(out / "aligned.json", aligned.to_json())
    write_json(out / "bags.json", labels_json(bags, aligned, lexicon))


def prepare_external(
    subtitles: str | Path,
    script: str | Path,
    tracks: str | Path,
    face_descriptors: str | Path,
    output: str | Path,
    *,
    motion_descriptors: str | Path | None = None,
    lexicon: str | Path | None = None,
    speaker_bags: bool = False,
) -> Prepared:
    """Align and label the text for tracks that another detector or tracker produced: ``tracks`` is a
    ``scriptalign.tracks/1`` document (``video`` may be null, ``shots`` empty) and the descriptor
    files hold one row per track. Writes the same files as :func:`prepare_movie` (no windows)."""
    from scriptalign.errors import InputError

    for path in (subtitles, script, tracks, face_descriptors) + ((motion_descriptors,) if motion_descriptors else ()):
        if not Path(path).is_file():
            raise InputError("no such file", path)
    doc = read_tracks(tracks)
    face = _read_descriptors(face_descriptors, len(doc["tracks"]), tracks)
    motion = _read_descriptors(motion_descriptors, len(doc["tracks"]), tracks) if motion_descriptors else None
    aligned, bags, lexicon = _text_side(subtitles, script, lexicon, speaker_bags)
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    _write_text_side(out, aligned, bags, lexicon)
    write_json(out / "tracks.json", doc)
    write_npy(out / "face_descriptors.npy", face)
    if motion is not None:
        write_npy(out / "motion_descriptors.npy", motion)
    video = doc["video"]["path"] if isinstance(doc.get("video"), dict) else None
    return Prepared(out, video, aligned, tuple(bags), tuple(Track.from_dict(t) for t in doc["tracks"]), face, motion)


def read_tracks(path: str | Path) -> dict:
    """A ``scriptalign.tracks/1`` document; InputError naming the file and the track when it is not one.

    Each track needs ``id`` (unique) and ``start_time`` <= ``end_time`` (seconds); ``frames`` and
    ``boxes`` are needed only to evaluate against a toy truth."""
    from scriptalign.errors import InputError
    from scriptalign.jsonfile import read_json

    expected = "a scriptalign.tracks/1 document (tracks.json)"
    doc = read_json(path, expected)
    if not isinstance(doc, dict) or doc.get("schema") != "scriptalign.tracks/1":
        raise InputError(f"schema is {doc.get('schema') if isinstance(doc, dict) else None!r}", path,
                         expected=expected)
    if not isinstance(doc.get("tracks"), list) or not doc["tracks"]:
        raise InputError("no tracks", path, expected=expected)
    seen: set[int] = set()
    for k, t in enumerate(doc["tracks"]):
        where = f"track {k} (0-based)"
        if not isinstance(t, dict) or any(key not in t for key in ("id", "start_time", "end_time")):
            raise InputError(f"{where}: needs id, start_time and end_time", path, expected=expected)
        try:
            tid, t0, t1 = int(t["id"]), float(t["start_time"]), float(t["end_time"])
        except (TypeError, ValueError) as err:
            raise InputError(f"{where}: {err}", path, expected=expected) from err
        if not (math.isfinite(t0) and math.isfinite(t1)) or t1 < t0:
            raise InputError(f"{where}: start_time {t0} end_time {t1}", path, expected="finite, start <= end")
        if tid in seen:
            raise InputError(f"{where}: id {tid} repeated", path, expected="unique track ids")
        seen.add(tid)
    return doc


def _read_descriptors(path: str | Path, n_tracks: int, tracks_path: str | Path) -> np.ndarray:
    """A 2-D float array with one row per track (InputError naming the file otherwise)."""
    from scriptalign.errors import InputError

    try:
        X = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise InputError(f"not a .npy array: {err}", path) from err
    if X.ndim != 2 or X.shape[0] != n_tracks:
        raise InputError(f"shape {X.shape}: {X.shape[0] if X.ndim else 0} rows for {n_tracks} tracks in "
                         f"{tracks_path}", path, expected="one descriptor row per track")
    if not np.issubdtype(X.dtype, np.number) or not np.isfinite(X).all():
        raise InputError("descriptors are not finite numbers", path)
    return X.astype(np.float64)


def load_prepared(output: str | Path) -> Prepared:
    """Read back what ``prepare_movie`` wrote (InputError naming the missing or broken file)."""
    from features.types import ACTION_WINDOWS_FILE, ActionWindows
    from scriptalign.errors import InputError
    from scriptalign.jsonfile import read_json
    from scriptalign.labels import Bag, alignment_from_json

    out = Path(output)
    expected = "the output of prepare_movie"
    alignment, bags_doc, tracks_doc = (read_json(out / name, expected, schema)
                                       for name, schema in (("aligned.json", "alignment"), ("bags.json", "labels"),
                                                            ("tracks.json", "tracks")))
    try:
        face = np.load(out / "face_descriptors.npy")
        motion = np.load(out / "motion_descriptors.npy") if (out / "motion_descriptors.npy").exists() else None
        windows = ActionWindows.load(out / ACTION_WINDOWS_FILE) if (out / ACTION_WINDOWS_FILE).exists() else None
    except (OSError, ValueError, KeyError) as err:
        raise InputError(f"incomplete run folder: {err}", out, expected=expected) from err
    video = tracks_doc["video"]["path"] if isinstance(tracks_doc.get("video"), dict) else None
    return Prepared(out, video, alignment_from_json(alignment, str(out / "aligned.json")),
                    tuple(Bag.from_json(b) for b in bags_doc["bags"]),
                    tuple(Track.from_dict(t) for t in tracks_doc["tracks"]), face, motion, windows)


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


def actions_detections(prepared: Prepared, result) -> dict:
    """The ``actions.json`` document: actions localised in time from per-window scores (with no
    per-window features, one detection per track and class spanning the track)."""
    from scriptalign.temporal import Detection, actions_document, detect_actions, window_scores

    Z = np.asarray(result.action_scores)
    windows = prepared.windows
    if windows is not None and len(windows):
        S, solver = window_scores(windows, prepared.bags, result.track_names, result.actions)
        dets = detect_actions(windows, S, result.track_ids, result.actions)
        return actions_document(dets, result.actions, prepared.video, "windows", solver)
    dets = [Detection(t.id, t.start_time, t.end_time, a, float(Z[i, k + 1]))
            for i, t in enumerate(prepared.tracks) for k, a in enumerate(result.actions)]
    return actions_document(dets, result.actions, prepared.video, "tracks")


def write_results(prepared: Prepared, result, *, truth: str | Path | None = None,
                  report: bool = True) -> tuple[dict, dict | None]:
    """Write ``assignments.json``/``.csv``, with a truth ``evaluation.json``, and ``report.html``;
    returns the assignments document and the evaluation scores (None without truth)."""
    out = prepared.output
    doc = assignments_document(prepared, result)
    rows = doc["tracks"]
    write_json(out / "assignments.json", doc)
    write_text(out / "assignments.csv", _csv(rows, prepared.tracks))
    actions = actions_detections(prepared, result) if result.actions else None
    if actions is not None:
        write_json(out / "actions.json", actions)
    else:
        (out / "actions.json").unlink(missing_ok=True)
    evaluation = None
    if truth is not None:
        evaluation = evaluate_run(doc, prepared.tracks, read_truth(truth), str(truth), actions, out)
        write_json(out / "evaluation.json", evaluation.scores)
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
    actions: str = "flow",
    distinct_on_screen: bool = True,
) -> RunResult:
    """Run the pipeline on one movie and write its outputs to ``output`` (``actions``: see :func:`prepare_movie`;
    ``distinct_on_screen``: see :func:`scriptalign.assign.assign`)."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    prepared = prepare_movie(video, subtitles, script, output, lexicon=lexicon, device=device, stride=stride,
                             cache_dir=cache_dir, progress=progress, speaker_bags=speaker_bags,
                             face_descriptor=face_descriptor, actions=actions)
    timings["prepare"] = time.perf_counter() - t0
    return _solve_and_write(prepared, timings, truth=truth, report=report, device=device,
                            distinct_on_screen=distinct_on_screen)


def _solve_and_write(prepared: Prepared, timings: dict[str, float], *, truth, report: bool,
                     **solve_options) -> RunResult:
    """Solve a prepared movie and write its results, adding ``solve`` and ``write`` to ``timings``."""
    t0 = time.perf_counter()
    result = solve_prepared(prepared, **solve_options)
    timings["solve"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    assignments, evaluation = write_results(prepared, result, truth=truth, report=report)
    timings["write"] = time.perf_counter() - t0
    return RunResult(prepared.output, assignments, evaluation, timings)


def solve_prepared(prepared: Prepared, **options):
    """``assign`` on one prepared movie; without motion descriptors only names are solved."""
    from scriptalign.assign import assign

    motion = prepared.motion_descriptors
    if motion is None:
        options["actions"] = ()
        motion = np.zeros((len(prepared.tracks), 1))
    result = assign(prepared.spans, prepared.face_descriptors, motion, prepared.bags, **options)
    if not result.actions:  # no action classes: no action score either (not the inf of a one-column margin)
        result = replace(result, action_confidence=np.zeros(len(prepared.tracks)))
    return result


def run_external(
    subtitles: str | Path,
    script: str | Path,
    tracks: str | Path,
    face_descriptors: str | Path,
    output: str | Path,
    *,
    motion_descriptors: str | Path | None = None,
    truth: str | Path | None = None,
    lexicon: str | Path | None = None,
    report: bool = True,
    speaker_bags: bool = False,
    **solve_options,
) -> RunResult:
    """The pipeline on tracks from elsewhere (``scriptalign run SUBS SCRIPT --tracks ...``);
    ``solve_options`` go to :func:`scriptalign.assign.assign` (e.g. ``kappa``)."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    prepared = prepare_external(subtitles, script, tracks, face_descriptors, output,
                                motion_descriptors=motion_descriptors, lexicon=lexicon, speaker_bags=speaker_bags)
    timings["prepare"] = time.perf_counter() - t0
    return _solve_and_write(prepared, timings, truth=truth, report=report, **solve_options)


def read_truth(path: str | Path) -> dict:
    """A toy movie's ``truth.json``; InputError naming the file and field when it is not one."""
    from scriptalign.jsonfile import read_json

    return read_json(path, "a truth.json from scriptalign toy", schema="truth")


def evaluate_run(assignments: dict, tracks: Sequence[Track], truth: dict, truth_name: str,
                 actions: dict | None = None, folder: Path = Path(".")) -> Evaluation:
    """Score a run in memory: its ``assignments.json`` document (one row per track), its tracks, a
    toy truth (named ``truth_name`` in the scores) and its ``actions.json`` document, if any. The
    scores are what ``evaluation.json`` holds (NaN as null); errors name the files of ``folder``."""
    from scriptalign.errors import InputError
    from scriptalign.evaluation import evaluate_assignment

    rows = assignments["tracks"]
    if len(rows) != len(tracks):
        raise InputError(f"{len(rows)} assignments for {len(tracks)} tracks", folder / "assignments.json")
    frameless = [t.id for t in tracks if not t.frames or len(t.boxes) != len(t.frames)]
    if frameless:
        raise InputError(f"track {frameless[0]} has no frames and boxes", folder / "tracks.json",
                         expected="frames and boxes per track, to find the truth person of each")
    result = evaluate_assignment(rows, tracks, truth, assignments.get("baseline_only_track"),
                                 actions["detections"] if actions is not None else None)
    return replace(result, scores=json_safe({"schema": EVALUATION_SCHEMA, "truth": truth_name, **result.scores}))


def evaluate_output(output: str | Path, truth: str | Path) -> Evaluation:
    """Score a run folder against a truth file (``scriptalign evaluate``): reads its files, scores
    them with :func:`evaluate_run`, writes ``evaluation.json`` there and returns the evaluation."""
    from scriptalign.jsonfile import read_json

    out = Path(output)
    assignments, tracks = (read_json(out / name, "the output folder of scriptalign run", schema)
                           for name, schema in (("assignments.json", "assignments"), ("tracks.json", "tracks")))
    actions = read_json(out / "actions.json", "actions.json of scriptalign run") \
        if (out / "actions.json").exists() else None
    evaluation = evaluate_run(assignments, tuple(Track.from_dict(t) for t in tracks["tracks"]), read_truth(truth),
                              str(truth), actions, out)
    write_json(out / "evaluation.json", evaluation.scores)
    return evaluation
