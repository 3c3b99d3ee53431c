"""Names and actions for face tracks from weak labels: bags matched to tracks, then DIFFRAC.

Each bag (a timed scene-description sentence) covers the tracks whose time span overlaps it. The
persons problem requires every name of a bag at least once among its tracks (label 0 = nobody we
know); the actions problem requires every action of a bag at least once, and for a person-action
pair ("Grace sits down") only among the tracks given that person once the persons are solved, the
pair constraint of Bojanowski et al. ICCV 2013 made linear by fixing the persons first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

BACKGROUND = "background"


@dataclass(frozen=True)
class TrackSpan:
    """The part of a track the text side needs: its id and time span in seconds."""

    id: int
    start: float
    end: float


@dataclass(frozen=True)
class Assignment:
    """Per track: a name (``None`` for nobody known), an action (``None`` for none), their scores.

    ``name_scores``/``action_scores`` are the relaxed assignments (n_tracks x (1 + classes)),
    column 0 being background; ``names``/``actions`` list the classes of columns 1.. .
    """

    track_ids: tuple[int, ...]
    names: tuple[str, ...]
    actions: tuple[str, ...]
    track_names: tuple[str | None, ...]
    name_confidence: np.ndarray
    track_actions: tuple[str | None, ...]
    action_confidence: np.ndarray
    name_scores: np.ndarray = field(repr=False)
    action_scores: np.ndarray = field(repr=False)
    person_bags: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = ()
    action_bags: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = ()
    gap_history: tuple[float, ...] = ()

    def select(self, rows: Sequence[int]) -> Assignment:
        """The assignment restricted to the given rows (e.g. one movie of a batch), bags remapped."""
        rows = list(rows)
        where = {r: k for k, r in enumerate(rows)}

        def remap(bags):
            return tuple((tuple(where[i] for i in idx), labels) for idx, labels in bags
                         if idx and all(i in where for i in idx))

        return replace(
            self,
            track_ids=tuple(self.track_ids[r] for r in rows),
            track_names=tuple(self.track_names[r] for r in rows),
            name_confidence=self.name_confidence[rows],
            track_actions=tuple(self.track_actions[r] for r in rows),
            action_confidence=self.action_confidence[rows],
            name_scores=self.name_scores[rows],
            action_scores=self.action_scores[rows],
            person_bags=remap(self.person_bags),
            action_bags=remap(self.action_bags),
        )

    def rows(self) -> list[dict]:
        """One plain record per track (the JSON and CSV outputs)."""
        out = []
        for i, tid in enumerate(self.track_ids):
            out.append({
                "track": tid,
                "name": self.track_names[i],
                "name_score": round(float(self.name_confidence[i]), 4),
                "action": self.track_actions[i],
                "action_score": round(float(self.action_confidence[i]), 4),
                "name_scores": {n: round(float(self.name_scores[i, k + 1]), 4) for k, n in enumerate(self.names)},
                "action_scores": {a: round(float(self.action_scores[i, k + 1]), 4)
                                  for k, a in enumerate(self.actions)},
            })
        return out


def overlapping_tracks(spans: Sequence[TrackSpan], start: float, end: float) -> tuple[int, ...]:
    """Row indices of the tracks whose time span overlaps [start, end]."""
    return tuple(i for i, t in enumerate(spans) if t.start <= end and t.end >= start)


def standardize(X: np.ndarray) -> np.ndarray:
    """Zero mean, unit variance per column (constant columns left at zero), rows L2-normalised."""
    X = np.asarray(X, dtype=np.float64)
    if not np.isfinite(X).all():
        raise ValueError("track descriptors contain NaN or inf")
    Xc = X - X.mean(axis=0)
    sd = Xc.std(axis=0)
    Xc[:, sd > 0] /= sd[sd > 0]
    Xc[:, sd == 0] = 0.0
    norms = np.linalg.norm(Xc, axis=1, keepdims=True)
    return Xc / np.where(norms > 0, norms, 1.0)


def _solve(X: np.ndarray, n_labels: int, bags: list, reg: float, kappa: float, random_state: int | None,
           blocks: Sequence[int] | None, rho: float = 0.0):
    from solvers import DiscriminativeClustering

    model = DiscriminativeClustering(n_labels, reg=reg, solver="fw" if blocks is None else "bcfw", kappa=kappa,
                                     max_iter=3000, tol=1e-4, random_state=random_state)
    return model.fit(X, bags, blocks=blocks, rho=rho)


def _confidence(Z: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Confidence of each rounded label: its relaxed value minus the best other one."""
    Z = np.asarray(Z)
    picked = Z[np.arange(len(labels)), labels]
    others = Z.copy()
    others[np.arange(len(labels)), labels] = -np.inf
    return picked - others.max(axis=1)


def assign(
    spans: Sequence[TrackSpan],
    face_descriptors: np.ndarray,
    motion_descriptors: np.ndarray,
    bags: Sequence,
    *,
    names: Sequence[str] | None = None,
    actions: Sequence[str] | None = None,
    reg: float = 1e-2,
    kappa: float = 10.0,
    random_state: int | None = 0,
    action_rho: float = 1.0,
    blocks: Sequence[int] | None = None,
    bag_blocks: Sequence[int] | None = None,
) -> Assignment:
    """Solve persons, then actions with pair constraints, for the tracks ``spans``.

    ``bags`` are ``scriptalign.labels.Bag`` (anything with start, end, names, actions, pairs).
    ``names``/``actions`` fix the classes (default: those the bags mention, sorted). ``kappa`` is
    the slack penalty that keeps noisy bags (a name nobody shows, a missed face) from being infeasible.
    ``action_rho``: at least this fraction of the tracks in no action bag do no action (Miech et al.
    ICCV 2017's background constraint); without it "everyone does everything" costs nothing.
    ``blocks`` (a group id per track, e.g. the movie) switches to block-coordinate Frank-Wolfe, and
    ``bag_blocks`` (a group id per bag) then says which tracks a bag can cover: those of its block.
    """
    n = len(spans)
    if n == 0:
        raise ValueError("no face tracks: nothing to name")
    names = tuple(sorted({x for b in bags for x in b.names})) if names is None else tuple(names)
    actions = tuple(sorted({x for b in bags for x in b.actions})) if actions is None else tuple(actions)
    name_col = {x: k + 1 for k, x in enumerate(names)}
    action_col = {x: k + 1 for k, x in enumerate(actions)}

    covers = [overlapping_tracks(spans, b.start, b.end) for b in bags]
    if blocks is not None:
        if bag_blocks is None or len(bag_blocks) != len(bags) or len(blocks) != n:
            raise ValueError("with blocks, give one block per track and one bag_blocks entry per bag")
        covers = [tuple(i for i in c if blocks[i] == g) for c, g in zip(covers, bag_blocks)]
    person_bags = [(c, tuple(sorted({name_col[x] for x in b.names if x in name_col})))
                   for b, c in zip(bags, covers)]
    person_bags = [pb for pb in person_bags if pb[0] and pb[1]]
    Xf = standardize(face_descriptors)
    persons = _solve(Xf, len(names) + 1, person_bags, reg, kappa, random_state, blocks)
    person_labels = np.asarray(persons.labels_)

    action_bags: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    for b, c in zip(bags, covers):
        if not c:
            continue
        paired = {a for _, a in b.pairs}
        for who, act in b.pairs:
            if act not in action_col or who not in name_col:
                continue
            theirs = tuple(i for i in c if person_labels[i] == name_col[who])
            action_bags.append((theirs or c, (action_col[act],)))
        rest = tuple(sorted({action_col[a] for a in b.actions if a in action_col and a not in paired}))
        if rest:
            action_bags.append((c, rest))
    if actions:
        Xm = standardize(motion_descriptors)
        acts = _solve(Xm, len(actions) + 1, action_bags, reg, kappa, random_state, blocks, action_rho)
        action_Z, action_labels = np.asarray(acts.Z_), np.asarray(acts.labels_)
    else:
        action_Z, action_labels = np.ones((n, 1)), np.zeros(n, dtype=int)

    return Assignment(
        track_ids=tuple(t.id for t in spans),
        names=names,
        actions=actions,
        track_names=tuple(names[k - 1] if k > 0 else None for k in person_labels),
        name_confidence=_confidence(persons.Z_, person_labels),
        track_actions=tuple(actions[k - 1] if k > 0 else None for k in action_labels),
        action_confidence=_confidence(action_Z, action_labels),
        name_scores=np.asarray(persons.Z_),
        action_scores=action_Z,
        person_bags=tuple(person_bags),
        action_bags=tuple(action_bags),
        gap_history=tuple(persons.gap_history_),
    )


def only_track_baseline(spans: Sequence[TrackSpan], bags: Sequence) -> list[str | None]:
    """The naive rule: a bag with one name and exactly one overlapping track names that track."""
    votes: list[dict[str, int]] = [{} for _ in spans]
    for b in bags:
        cover = overlapping_tracks(spans, b.start, b.end)
        if len(cover) == 1 and len(b.names) == 1:
            v = votes[cover[0]]
            v[b.names[0]] = v.get(b.names[0], 0) + 1
    return [max(v, key=v.get) if v else None for v in votes]
