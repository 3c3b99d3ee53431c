"""Actions localised in time inside tracks: per-window motion features, window scores, detections.

A track's motion is cut into short windows (the motion descriptor's volumes, 12 frames each). The
actions are then solved over windows with the same DIFFRAC objective as over tracks, the timed bags
saying which windows must contain each action (and the persons solve saying whose windows a
"Grace sits down" bag covers); runs of windows whose best class is an action become detections
``(track, start, end, action, score)``, the output ``actions.json`` (schema ``scriptalign.actions/1``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from features.overlap import interval_iou
from features.types import ActionWindows, Track

ACTIONS_SCHEMA = "scriptalign.actions/1"
@dataclass(frozen=True)
class Detection:
    """An action localised in time: ``track`` (id in ``tracks.json``), ``start``/``end`` seconds, the
    ``action`` class and its ``score`` (a ranking score, not a probability)."""

    track: int
    start: float
    end: float
    action: str
    score: float

    def to_json(self) -> dict:
        return {"track": self.track, "start": round(self.start, 3), "end": round(self.end, 3),
                "action": self.action, "score": round(self.score, 4)}


def windows_from_volumes(tracks: Sequence[Track], volumes: Sequence[np.ndarray], frame_times: np.ndarray,
                         volume_frames: int) -> ActionWindows:
    """One window per motion volume; volume ``v`` of a track starting at frame ``s`` covers frames
    ``s + 1 + volume_frames * v`` .. ``s + volume_frames * (v + 1)`` (clipped to the track)."""
    rows, f0s, f1s, feats = [], [], [], []
    for i, (t, vols) in enumerate(zip(tracks, volumes)):
        for v, x in enumerate(vols):
            rows.append(i)
            f0s.append(min(t.start_frame + 1 + volume_frames * v, t.end_frame))
            f1s.append(min(t.start_frame + volume_frames * (v + 1), t.end_frame))
            feats.append(np.asarray(x, np.float64))
    dim = volumes[0].shape[1] if len(volumes) and np.ndim(volumes[0]) == 2 else 0
    X = np.stack(feats) if feats else np.zeros((0, dim))
    return ActionWindows.from_frames(rows, f0s, f1s, X, frame_times)


def unit_rows(X: np.ndarray) -> np.ndarray:
    """Each window's features scaled to unit length (a window with none stays zero)."""
    X = np.asarray(X, np.float64)
    return X / (np.linalg.norm(X, axis=1, keepdims=True) + 1e-12)


def window_bags(windows: ActionWindows, bags: Sequence, track_names: Sequence[str | None],
                actions: Sequence[str]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Action bags over windows: a bag's actions happen at least once among the windows that overlap
    its time span; a person-action pair only among the windows of tracks given that person (all the
    overlapping windows when none is). Labels are 1 + the index of the action in ``actions``."""
    col = {a: k + 1 for k, a in enumerate(actions)}
    names = np.asarray([n or "" for n in track_names], dtype=object)[windows.track] if len(windows) else []
    out = []
    for b in bags:
        if not b.actions:
            continue
        inside = np.flatnonzero((windows.start <= b.end) & (windows.end >= b.start))
        if not len(inside):
            continue
        paired = {a for _, a in b.pairs}
        for who, act in b.pairs:
            if act in col:
                theirs = inside[names[inside] == who]
                out.append((tuple(int(i) for i in (theirs if len(theirs) else inside)), (col[act],)))
        rest = tuple(sorted({col[a] for a in b.actions if a in col and a not in paired}))
        if rest:
            out.append((tuple(int(i) for i in inside), rest))
    return out


def window_scores(windows: ActionWindows, bags: Sequence, track_names: Sequence[str | None],
                  actions: Sequence[str], *, reg: float = 1e-2, kappa: float = 10.0, rho: float = 1.0,
                  tol: float = 1e-5, max_iter: int = 20000,
                  random_state: int | None = 0) -> tuple[np.ndarray, dict]:
    """Per window and class (column 0: no action) the relaxed DIFFRAC assignment of the windows under
    :func:`window_bags` (the timed bags localise the action inside its tracks; at least ``rho`` of
    the windows in no bag do no action), and the solver's record (iterations, converged, gap).
    Detections threshold each window against its track's best, so the relaxed solution must be close
    to the optimum: at tol 1e-4 the toy's temporal mAP was 0.65, at 1e-5 and 1e-6 it was 1.0."""
    from scriptalign.assign import standardize
    from solvers import DiscriminativeClustering

    wb = window_bags(windows, bags, track_names, actions)
    model = DiscriminativeClustering(len(actions) + 1, reg=reg, solver="auto", kappa=kappa, rho=rho,
                                     rho_scope="free", max_iter=max_iter, tol=tol, random_state=random_state)
    model.fit(standardize(unit_rows(windows.features)), wb)
    return np.asarray(model.Z_), {"n_windows": len(windows), "n_window_bags": len(wb), "n_iter": int(model.n_iter_),
                                  "converged": bool(model.converged_),
                                  "relative_gap": float(model.gap_history_[-1]) if len(model.gap_history_) else None}


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) indices of the runs of True in ``mask``."""
    out, start = [], None
    for k, m in enumerate(mask):
        if m and start is None:
            start = k
        if not m and start is not None:
            out.append((start, k - 1))
            start = None
    if start is not None:
        out.append((start, len(mask) - 1))
    return out


def detect_actions(windows: ActionWindows, scores: np.ndarray, track_ids: Sequence[int],
                   actions: Sequence[str], fraction: float = 0.7) -> list[Detection]:
    """Detections from window scores: per track and class, each run of consecutive windows scoring at
    least ``fraction`` of the track's best window for that class is a detection, scored by its best
    window. (``fraction`` 0.7 was chosen on the default toy movie, seed 0.)"""
    out: list[Detection] = []
    if len(windows) == 0 or not actions:
        return out
    S = np.asarray(scores, float)
    for i in np.unique(windows.track):
        rows = np.flatnonzero(windows.track == i)
        rows = rows[np.argsort(windows.start[rows], kind="stable")]
        for c, action in enumerate(actions):
            s = S[rows, c + 1]
            for a, b in _runs(s >= fraction * s.max()):
                out.append(Detection(int(track_ids[i]), float(windows.start[rows[a]]), float(windows.end[rows[b]]),
                                     action, float(s[a:b + 1].max())))
    return out


def actions_document(detections: Sequence[Detection], actions: Sequence[str], video: str | None,
                     source: str, solver: dict | None = None) -> dict:
    """The ``actions.json`` document (schema ``scriptalign.actions/1``), detections by decreasing score;
    ``source`` says where the scores come from (``windows`` or ``tracks``)."""
    ranked = sorted(detections, key=lambda d: (-d.score, d.track, d.start, d.action))
    return {"schema": ACTIONS_SCHEMA, "video": video, "actions": list(actions), "source": source,
            "solver": solver, "detections": [d.to_json() for d in ranked]}


def temporal_ap(detections: Sequence[tuple[int, float, float, float]],
                instances: Sequence[tuple[int, float, float]], min_iou: float) -> float:
    """Average precision of one class's detections ``(track, start, end, score)`` against its true
    instances ``(track, start, end)``: by decreasing score, a detection is right when it overlaps an
    instance of the same track not yet taken with temporal IoU >= ``min_iou`` (the best such one).
    The precision-recall area is scikit-learn's, scaled by the recall it reaches (missed instances
    count). NaN when the class has no instance."""
    from sklearn.metrics import average_precision_score

    if not instances:
        return float("nan")
    if not detections:
        return 0.0
    order = sorted(range(len(detections)), key=lambda k: (-detections[k][3], detections[k][0], detections[k][1]))
    taken = [False] * len(instances)
    hit = np.zeros(len(detections), bool)
    for k in order:
        tr, d0, d1, _ = detections[k]
        best, best_iou = -1, min_iou
        for j, (ti, g0, g1) in enumerate(instances):
            if ti != tr or taken[j]:
                continue
            iou = interval_iou(d0, d1, g0, g1)
            if iou >= best_iou:
                best, best_iou = j, iou
        if best >= 0:
            taken[best] = True
            hit[k] = True
    if not hit.any():
        return 0.0
    scores = np.asarray([d[3] for d in detections], float)
    return float(average_precision_score(hit, scores) * hit.sum() / len(instances))
