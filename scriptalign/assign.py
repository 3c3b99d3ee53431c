"""Names and actions for face tracks from weak labels: bags matched to tracks, then the joint model.

Each bag (a timed scene-description sentence) covers the tracks whose time span overlaps it. The
persons problem requires every name of a bag at least once among its tracks (label 0 = nobody we
know, with a share `person_rho` of all tracks); the actions problem requires every action of a bag
at least once, and for a person-action pair ("Grace sits down") only among the tracks given that
person once the persons are solved, the pair constraint of Bojanowski et al. ICCV 2013 made linear
by fixing the persons first (solvers.joint.JointActorAction, with its alternating refinement).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
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
    ``name_held_out_scores``: the persons' ridge classifier's score of each track fitted without that
    track (same columns; -inf for a name the track's block may not take). ``name_confidence`` ranks the names (`name_score`); it is a score, not a
    probability.
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
    name_held_out_scores: np.ndarray = field(repr=False)
    person_bags: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = ()
    action_bags: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = ()
    gap_history: tuple[float, ...] = ()
    converged: bool = True  # every solve of the joint model met its duality-gap test
    fits: tuple[dict, ...] = ()  # per solve: fit (persons/actions), solver, converged, n_iter, rel_gap, objective

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
            name_held_out_scores=self.name_held_out_scores[rows],
            action_scores=self.action_scores[rows],
            person_bags=remap(self.person_bags),
            action_bags=remap(self.action_bags),
        )

    @property
    def name_labels(self) -> np.ndarray:
        """Each track's name as its column of ``name_scores`` (0: nobody)."""
        col = {x: k + 1 for k, x in enumerate(self.names)}
        return np.asarray([col[x] if x is not None else 0 for x in self.track_names], dtype=np.int64)

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
    return bag_covers(spans, [(start, end)])[0]


def bag_covers(spans: Sequence[TrackSpan], intervals: Sequence[tuple[float, float]],
               blocks: Sequence[int] | None = None, interval_blocks: Sequence[int] | None = None
               ) -> list[tuple[int, ...]]:
    """Per interval, the rows of the tracks (of its block, when blocks are given) overlapping it.

    Per block the tracks are sorted by start once; an interval [s, e] then only looks at the tracks
    starting in [s - longest track, e] (two bisections), not at every track of a corpus.
    """
    n = len(spans)
    starts = np.array([t.start for t in spans], dtype=np.float64)
    ends = np.array([t.end for t in spans], dtype=np.float64)
    block_of = np.zeros(n, dtype=np.int64) if blocks is None else np.asarray(blocks)
    index = {}
    for g in np.unique(block_of):
        rows = np.flatnonzero(block_of == g)
        rows = rows[np.argsort(starts[rows], kind="stable")]
        index[g] = (rows, starts[rows], float(np.max(ends[rows] - starts[rows], initial=0.0)))
    out = []
    for k, (s, e) in enumerate(intervals):
        g = 0 if blocks is None else interval_blocks[k]
        if g not in index:
            out.append(())
            continue
        rows, st, longest = index[g]
        lo, hi = np.searchsorted(st, s - longest, side="left"), np.searchsorted(st, e, side="right")
        cand = rows[lo:hi]
        out.append(tuple(sorted(int(i) for i in cand[ends[cand] >= s])))
    return out


def co_occurring_pairs(spans: Sequence[TrackSpan], blocks: Sequence[int] | None = None) -> np.ndarray:
    """(k, 2) rows (i < j, sorted) of the tracks of one block whose time spans overlap by more than an
    instant: two faces on screen at once, hence two people. Each track's span is an interval of
    `bag_covers` (its per-block index on sorted starts); touching spans are dropped."""
    covers = bag_covers(spans, [(t.start, t.end) for t in spans], blocks, blocks)
    pairs = [(i, j) for i, cover in enumerate(covers) for j in cover
             if j > i and min(spans[i].end, spans[j].end) > max(spans[i].start, spans[j].start)]
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def standardize(X: np.ndarray) -> np.ndarray:
    """Zero mean, unit variance per column (constant columns left at zero), rows L2-normalised."""
    X = np.asarray(X, dtype=np.float64)
    if not np.isfinite(X).all():
        bad = np.argwhere(~np.isfinite(X))[0]
        raise ValueError(f"track descriptors contain NaN or inf (track row {int(bad[0])}, column {int(bad[1])})")
    Xc = X - X.mean(axis=0)
    sd = Xc.std(axis=0)
    Xc[:, sd > 0] /= sd[sd > 0]
    Xc[:, sd == 0] = 0.0
    norms = np.linalg.norm(Xc, axis=1, keepdims=True)
    return Xc / np.where(norms > 0, norms, 1.0)


def label_margin(Z: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each row's score of its label minus its best other score (relaxed values or classifier scores)."""
    Z = np.asarray(Z)
    picked = Z[np.arange(len(labels)), labels]
    others = Z.copy()
    others[np.arange(len(labels)), labels] = -np.inf
    return picked - others.max(axis=1)


#: the ways `name_score` can rank the names: the relaxed assignment's margin (saturated at 1 wherever
#: the relaxation sits on a vertex, so it cannot order those tracks), the held-out classifier's margin,
#: or their sum (both are on the labels' 0-1 scale)
NAME_SCORES = ("relaxed", "held_out", "relaxed+held_out")
#: chosen on hard-toy seeds 5-7 by their mean naming AP over all tracks, dlib faces, at the chosen
#: person_rho (benchmarks/bench_hard_toy_tuned.py: 0.702 against 0.695 relaxed and 0.692 held out)
NAME_SCORE = "relaxed+held_out"


def name_score(Z: np.ndarray, held_out: np.ndarray, labels: np.ndarray, kind: str = NAME_SCORE) -> np.ndarray:
    """How confidently each track has its name, for ranking (AP, the Bojanowski curve); not a probability.

    ``Z`` the relaxed assignment, ``held_out`` the classifier's leave-one-out scores, ``labels`` the
    rounded columns; ``kind`` one of NAME_SCORES.  A non-finite held-out margin (reg = 0 at leverage
    1, or no other label the track may take) counts 0.
    """
    if kind not in NAME_SCORES:
        raise ValueError(f"name score kind must be one of {NAME_SCORES}, got {kind!r}")
    relaxed = label_margin(Z, labels)
    if kind == "relaxed":
        return relaxed
    held = np.nan_to_num(label_margin(held_out, labels), nan=0.0, posinf=0.0, neginf=0.0)
    return held if kind == "held_out" else relaxed + held


# background share of the persons over all tracks: chosen on toy seeds 10-12 (grid 0-0.25 by 0.05),
# scored on seeds 0, 1, 2 (docs/solvers.md)
PERSON_RHO = 0.2


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
    person_rho: float = PERSON_RHO,
    action_rho: float = 1.0,
    n_alternations: int = 0,
    blocks: Sequence[int] | None = None,
    bag_blocks: Sequence[int] | None = None,
    solver: str = "auto",
    device: str = "auto",
    time_limit: float | None = None,
    block_names: str | Mapping[int, Collection[str]] = "bags",
    distinct_on_screen: bool = True,
) -> Assignment:
    """Name and action-label the tracks ``spans`` with the joint model (solvers.joint.JointActorAction).

    ``bags`` are ``scriptalign.labels.Bag`` (anything with start, end, names, actions, pairs).
    ``names``/``actions`` fix the classes (default: those the bags mention, sorted). ``kappa`` is
    the slack penalty that keeps noisy bags (a name nobody shows, a missed face) from being infeasible.
    ``person_rho``: at least this fraction of all tracks are nobody known (the background class of
    Bojanowski et al. ICCV 2013: people the script does not name). ``action_rho``: at least this
    fraction of the tracks in no action bag do no action (Miech et al. ICCV 2017's background
    constraint); without it "everyone does everything" costs nothing.
    ``blocks`` (a group id per track, e.g. the movie) solve one problem with a block per movie,
    and ``bag_blocks`` (a group id per bag) then says which tracks a bag can cover: those of its block.
    ``n_alternations``: rounds of the joint model's alternating refinement; 0 by default (on toy
    seeds 10-12 it changed nothing, and on a batch of seeds 0-2 one round cost a movie 2 tracks).
    ``solver``/``device``/``time_limit`` go to every fit (see DiscriminativeClustering).
    ``block_names`` (with ``blocks``): the names each block's tracks may take besides nobody.
    ``"bags"`` (the default): the names its own bags mention, so that in a joint solve over the
    episodes of one cast a name means one person everywhere (the same label) but a track never takes
    a name its movie does not have; ``"all"``: every name anywhere; or a mapping block id -> names
    (e.g. each movie's cast list; a block it leaves out may take every name).
    ``distinct_on_screen``: tracks of one block on screen at the same time (`co_occurring_pairs`) are
    two people, so the names never give them one name, in the relaxation and its rounding (nobody may
    be both; `solvers.constraints.build_problem`'s exclusive pairs); a tracker that
    splits one face into overlapping tracks should merge them first.
    """
    from solvers.joint import JointActorAction, PairBag

    n = len(spans)
    if n == 0:
        raise ValueError("no face tracks: nothing to name")
    face_descriptors = np.asarray(face_descriptors, dtype=np.float64)
    motion_descriptors = np.asarray(motion_descriptors, dtype=np.float64)
    Xf = standardize(face_descriptors)  # refuses NaN before any solve
    Xm = standardize(motion_descriptors) if motion_descriptors.size else motion_descriptors
    names = tuple(sorted({x for b in bags for x in b.names})) if names is None else tuple(names)
    actions = tuple(sorted({x for b in bags for x in b.actions})) if actions is None else tuple(actions)
    name_col = {x: k + 1 for k, x in enumerate(names)}
    action_col = {x: k + 1 for k, x in enumerate(actions)}

    if blocks is not None:
        if bag_blocks is None or len(bag_blocks) != len(bags) or len(blocks) != n:
            raise ValueError("with blocks, give one block per track and one bag_blocks entry per bag")
    covers = bag_covers(spans, [(b.start, b.end) for b in bags], blocks, bag_blocks)
    person_bags = [(c, tuple(sorted({name_col[x] for x in b.names if x in name_col})))
                   for b, c in zip(bags, covers)]
    person_bags = [pb for pb in person_bags if pb[0] and pb[1]]
    action_bags: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    pair_bags = []
    for b, c in zip(bags, covers):
        if not c:
            continue
        paired = {a for _, a in b.pairs}
        for who, act in b.pairs:
            if act in action_col and who in name_col:
                pair_bags.append(PairBag(c, name_col[who], action_col[act]))
        rest = tuple(sorted({action_col[a] for a in b.actions if a in action_col and a not in paired}))
        if rest:
            action_bags.append((c, rest))
    model = JointActorAction(len(names) + 1, len(actions) + 1, reg=reg, solver=solver, kappa=kappa,
                             person_rho=person_rho, person_rho_scope="all", action_rho=action_rho,
                             action_rho_scope="free", n_alternations=n_alternations if actions else 0,
                             max_iter=3000, tol=1e-4, time_limit=time_limit, device=device,
                             random_state=random_state)
    model.fit(Xf, Xm if actions else np.zeros((n, 1)), person_bags, action_bags, pair_bags, blocks=blocks,
              person_block_labels=_block_labels(block_names, blocks, bag_blocks, bags, name_col),
              person_exclusive=co_occurring_pairs(spans, blocks) if distinct_on_screen else None)
    person_labels = np.asarray(model.person_labels_)
    held_out = np.asarray(model.persons_.held_out_scores_)  # -inf: a name the track's block may not take
    if actions:
        action_Z, action_labels = np.asarray(model.T_), np.asarray(model.action_labels_)
        derived = [(tuple(int(i) for i in p.track_indices), (p.action,)) for p in pair_bags]
    else:
        action_Z, action_labels, derived = np.ones((n, 1)), np.zeros(n, dtype=int), []

    return Assignment(
        track_ids=tuple(t.id for t in spans),
        names=names,
        actions=actions,
        track_names=tuple(names[k - 1] if k > 0 else None for k in person_labels),
        name_confidence=name_score(model.Z_, held_out, person_labels),
        track_actions=tuple(actions[k - 1] if k > 0 else None for k in action_labels),
        action_confidence=label_margin(action_Z, action_labels),
        name_scores=np.asarray(model.Z_),
        action_scores=action_Z,
        name_held_out_scores=held_out,
        person_bags=tuple(person_bags),
        action_bags=tuple(action_bags) + tuple(derived),
        gap_history=tuple(model.persons_.gap_history_),
        converged=bool(model.converged_),
        fits=tuple(model.fits_),
    )


def _block_labels(block_names, blocks, bag_blocks, bags, name_col: dict[str, int]) -> dict | None:
    """The persons' allowed labels per block (`assign`'s ``block_names``); None: no restriction."""
    if blocks is None or block_names == "all":
        return None
    if isinstance(block_names, str):
        if block_names != "bags":
            raise ValueError(f"block_names must be 'bags', 'all' or a mapping block -> names, got {block_names!r}")
        names: dict = {g: set() for g in np.unique(np.asarray(blocks)).tolist()}
        for b, g in zip(bags, bag_blocks):
            if g in names:
                names[g].update(b.names)
    else:
        names = {g: set(v) for g, v in block_names.items()}
        unknown = sorted({x for v in names.values() for x in v} - set(name_col))
        if unknown:
            raise ValueError(f"block_names: {unknown[:5]} are not among the names {sorted(name_col)[:10]}")
    return {g: sorted(name_col[x] for x in v if x in name_col) for g, v in names.items()}


def only_track_baseline(spans: Sequence[TrackSpan], bags: Sequence) -> list[str | None]:
    """The naive rule: a bag with one name and exactly one overlapping track names that track."""
    votes: list[dict[str, int]] = [{} for _ in spans]
    for b in bags:
        cover = overlapping_tracks(spans, b.start, b.end)
        if len(cover) == 1 and len(b.names) == 1:
            v = votes[cover[0]]
            v[b.names[0]] = v.get(b.names[0], 0) + 1
    return [max(v, key=v.get) if v else None for v in votes]
