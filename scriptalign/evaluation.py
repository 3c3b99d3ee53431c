"""Evaluation of track naming and action labelling against ground truth.

Naming follows Bojanowski et al. ICCV 2013: tracks are sorted by the confidence of their predicted
name, and accuracy is plotted against the proportion of tracks labelled; the naming AP is the area
under that curve. Actions are scored per class with average precision over tracks (scikit-learn's
definition), and summarised by their mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from features.overlap import box_iou
from features.types import Track


@dataclass(frozen=True)
class NamingCurve:
    """Accuracy of the ``k`` most confident names, for k = 1..n, and the area under it."""

    proportion: np.ndarray
    accuracy: np.ndarray
    ap: float
    final_accuracy: float


def naming_curve(predicted: Sequence[str], truth: Sequence[str], confidence: Sequence[float]) -> NamingCurve:
    """Accuracy against proportion of tracks labelled, most confident first.

    Tracks of equal confidence have no order: within such a group each position counts the group's
    share of right names (the expectation over the group's orders), so the curve and its AP do not
    depend on the input order of tied tracks.
    """
    predicted = np.asarray(predicted, dtype=object)
    truth = np.asarray(truth, dtype=object)
    confidence = np.asarray(confidence, dtype=float)
    if not (len(predicted) == len(truth) == len(confidence)):
        raise ValueError("predicted, truth and confidence must have the same length")
    n = len(predicted)
    if n == 0:
        raise ValueError("no tracks to evaluate")
    if not np.all(np.isfinite(confidence)):
        raise ValueError("confidence contains NaN or inf")
    order = np.argsort(-confidence, kind="stable")
    correct = (predicted[order] == truth[order]).astype(float)
    _, group, size = np.unique(confidence[order], return_inverse=True, return_counts=True)
    correct = (np.bincount(group, weights=correct) / size)[group]  # each tie group's mean
    accuracy = np.cumsum(correct) / np.arange(1, n + 1)
    proportion = np.arange(1, n + 1) / n
    # Area under the step curve: each labelled track contributes 1/n of width.
    ap = float(accuracy.mean())
    return NamingCurve(proportion, accuracy, ap, float(accuracy[-1]))


def average_precision(scores: Sequence[float], positives: Sequence[bool]) -> float:
    """Average precision of ``scores`` for the binary truth ``positives`` (scikit-learn's, so tied
    scores count as one threshold whatever their order; NaN when no positive)."""
    from sklearn.metrics import average_precision_score

    scores = np.asarray(scores, dtype=float)
    positives = np.asarray(positives, dtype=bool)
    if positives.sum() == 0:
        return float("nan")
    return float(average_precision_score(positives, scores))


def track_identity(frames: Sequence[int], boxes: Sequence[Sequence[float]], truth: dict,
                   min_iou: float = 0.3) -> str | None:
    """The truth person whose face boxes best overlap a track's boxes (mean IoU over the track's frames).

    ``truth`` is a toy movie's ``truth.json``: ``appearances`` with per-frame ``boxes``
    ``[frame, x1, y1, x2, y2]``. ``None`` when no person reaches ``min_iou``.
    """
    frames = np.asarray(frames)
    boxes = np.asarray(boxes, dtype=float)
    best, best_iou = None, min_iou
    for app in truth["appearances"]:
        tb = np.asarray(app["boxes"], dtype=float)
        if len(tb) == 0 or frames[-1] < tb[0, 0] or frames[0] > tb[-1, 0]:
            continue
        by_frame = {int(r[0]): r[1:] for r in tb}
        common = [i for i, f in enumerate(frames) if int(f) in by_frame]
        if not common:
            continue
        ours = boxes[common]
        theirs = np.stack([by_frame[int(frames[i])] for i in common])
        score = float(box_iou(ours, theirs).sum() / len(frames))
        if score > best_iou:
            best, best_iou = app["person"], score
    return best


def track_actions(identity: str | None, start: float, end: float, truth: dict) -> set[str]:
    """Actions the track's person performs while the track lasts (truth ``actions`` intervals)."""
    if identity is None:
        return set()
    return {a["action"] for a in truth["actions"]
            if a["actor"] == identity and a["start"] <= end and a["end"] >= start}


@dataclass(frozen=True)
class Evaluation:
    """Scores of a run against a truth file (``scores``: the JSON of ``evaluation.json``), with the
    curves behind them for plotting: naming curves per method, per action the track scores and truth."""

    scores: dict
    identities: list[str | None]
    naming_curves: dict[str, NamingCurve]
    action_scores: dict[str, list[float]]
    action_positives: dict[str, list[bool]]


NOBODY = "nobody"


def _naming_all_tracks(rows: Sequence[dict], ids: Sequence[str | None], named: set[str],
                       curves: dict[str, NamingCurve]) -> dict:
    """Naming over every track: the truth of a track showing no named character (an extra, or no
    truth person at all) is "nobody", and so is a track given no name. Background precision and
    recall score the "nobody" answers (NaN when nothing was predicted, or is true, nobody)."""
    true = [who if who in named else NOBODY for who in ids]
    pred = [r["name"] or NOBODY for r in rows]
    curves["DIFFRAC, all tracks"] = curve = naming_curve(pred, true, [r["name_score"] for r in rows])
    said = [p == NOBODY for p in pred]
    is_bg = [t == NOBODY for t in true]
    hits = sum(s and b for s, b in zip(said, is_bg))
    return {"n_unnamed_tracks": int(sum(is_bg)),
            "naming_accuracy_all_tracks": curve.final_accuracy, "naming_ap_all_tracks": curve.ap,
            "background_precision": hits / sum(said) if any(said) else float("nan"),
            "background_recall": hits / sum(is_bg) if any(is_bg) else float("nan")}


def evaluate_assignment(rows: Sequence[dict], tracks: Sequence[Track], truth: dict,
                        baseline: Sequence[str | None] | None = None,
                        detections: Sequence[dict] | None = None) -> Evaluation:
    """Naming and action scores of per-track outputs against a toy movie's truth.

    ``rows``: per track ``name``, ``name_score``, ``action_scores``; ``tracks``: the tracks (their
    frames and boxes find the truth person, their time span the truth actions); ``baseline``: the naive
    rule's name per track; ``detections``: the action detections of ``actions.json`` (adds the
    temporal localisation scores). Naming is measured on the tracks of named characters
    (``naming_*``) and on all tracks, "nobody" being the truth of the others (``*_all_tracks``,
    ``background_*``); actions on all tracks that show a person.
    """
    named = {c["name"] for c in truth["characters"]}
    ids = [track_identity(t.frames, t.boxes, truth) for t in tracks]
    keep = [i for i, who in enumerate(ids) if who in named]
    scores: dict = {"n_tracks": len(tracks), "n_named_tracks": len(keep)}
    curves: dict[str, NamingCurve] = {}
    if keep:
        true = [ids[i] for i in keep]
        pred = [rows[i]["name"] or "" for i in keep]
        curves["DIFFRAC"] = naming_curve(pred, true, [rows[i]["name_score"] for i in keep])
        scores["naming_accuracy"] = curves["DIFFRAC"].final_accuracy
        scores["naming_ap"] = curves["DIFFRAC"].ap
        scores["per_character_accuracy"] = {
            c: float(np.mean([p == c for p, t in zip(pred, true) if t == c])) for c in sorted(named) if c in true
        }
        if baseline is not None:
            curves["only track"] = naming_curve([baseline[i] or "" for i in keep], true,
                                                [1.0 if baseline[i] else 0.0 for i in keep])
            scores["baseline_only_track_accuracy"] = curves["only track"].final_accuracy
    else:
        scores.update(naming_accuracy=float("nan"), naming_ap=float("nan"), per_character_accuracy={})
    scores.update(_naming_all_tracks(rows, ids, named, curves))
    people = [i for i, who in enumerate(ids) if who is not None]
    vocabulary = list(truth["actions_vocabulary"])
    action_scores = {a: [rows[i]["action_scores"].get(a, 0.0) for i in people] for a in vocabulary}
    positives = {a: [a in track_actions(ids[i], tracks[i].start_time, tracks[i].end_time, truth)
                     for i in people] for a in vocabulary}
    per_action = {a: average_precision(action_scores[a], positives[a]) for a in vocabulary}
    valid = [v for v in per_action.values() if not np.isnan(v)]
    scores["per_action_ap"] = per_action
    scores["action_map"] = float(np.mean(valid)) if valid else float("nan")
    if detections is not None:
        scores.update(temporal_action_scores(detections, tracks, ids, truth))
    return Evaluation(scores, ids, curves, action_scores, positives)


TEMPORAL_IOUS = (0.3, 0.5)


def action_instances(tracks: Sequence[Track], identities: Sequence[str | None], truth: dict) -> list[tuple]:
    """True action instances on tracks: ``(track id, start, end, action)`` for each truth action of
    the track's person that overlaps the track, clipped to the track's time span."""
    out = []
    for t, who in zip(tracks, identities):
        if who is None:
            continue
        t0, t1 = float(t.start_time), float(t.end_time)
        for a in truth["actions"]:
            if a["actor"] == who and a["start"] < t1 and a["end"] > t0:
                out.append((int(t.id), max(t0, float(a["start"])), min(t1, float(a["end"])), a["action"]))
    return out


def temporal_action_scores(detections: Sequence[dict], tracks: Sequence[Track], identities: Sequence[str | None],
                           truth: dict) -> dict:
    """Temporal localisation: per action class the AP of the detections (``track``, ``start``, ``end``,
    ``action``, ``score``) at temporal IoU 0.3 and 0.5 against :func:`action_instances`, and the means
    over the classes that have instances (``temporal_action_map`` at 0.3, ``temporal_action_map_05``)."""
    from scriptalign.temporal import temporal_ap

    instances = action_instances(tracks, identities, truth)
    per_action: dict[str, dict[str, float]] = {}
    for a in truth["actions_vocabulary"]:
        dets = [(int(d["track"]), float(d["start"]), float(d["end"]), float(d["score"]))
                for d in detections if d["action"] == a]
        inst = [(tr, s, e) for tr, s, e, act in instances if act == a]
        per_action[a] = {f"{iou:.1f}": temporal_ap(dets, inst, iou) for iou in TEMPORAL_IOUS}

    def mean(key: str) -> float:
        vals = [v[key] for v in per_action.values() if not np.isnan(v[key])]
        return float(np.mean(vals)) if vals else float("nan")

    return {"temporal_action_map": mean("0.3"), "temporal_action_map_05": mean("0.5"),
            "per_action_temporal_ap": per_action, "n_action_instances": len(instances),
            "n_action_detections": len(detections)}


def format_scores(scores: dict) -> str:
    """The scores of ``evaluation.json`` as a short table (naming accuracy and AP, per character,
    per action AP and their mean), for the CLI and the demo."""

    def fmt(v):
        return "n/a" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.3f}"

    lines = [f"naming accuracy {fmt(scores.get('naming_accuracy'))}  naming AP {fmt(scores.get('naming_ap'))}"
             f"  ({scores['n_named_tracks']} tracks of named characters)"]
    if "baseline_only_track_accuracy" in scores:
        lines.append(f"baseline 'a name goes to the bag's only track': accuracy "
                     f"{fmt(scores['baseline_only_track_accuracy'])}")
    lines += [f"  {name:<12} accuracy {fmt(acc)}" for name, acc in scores.get("per_character_accuracy", {}).items()]
    lines.append(f"action mAP {fmt(scores.get('action_map'))}")
    lines += [f"  {action:<12} AP {fmt(ap)}" for action, ap in scores.get("per_action_ap", {}).items()]
    if "temporal_action_map" in scores:
        lines.append(f"temporal action mAP {fmt(scores['temporal_action_map'])} at tIoU 0.3, "
                     f"{fmt(scores['temporal_action_map_05'])} at 0.5 ({scores['n_action_instances']} instances)")
        lines += [f"  {action:<12} AP {fmt(ap.get('0.3'))} / {fmt(ap.get('0.5'))}"
                  for action, ap in scores.get("per_action_temporal_ap", {}).items()]
    return "\n".join(lines)
