"""Constraint sets on the assignment Z: bags with "at least alpha" requirements, background, slack.

- A bag (track indices, required labels): every required label l is taken by at least `alpha`
  of the bag's tracks, sum_{i in bag} Z[i, l] >= alpha - xi[bag, l].  Without slack xi = 0; with
  `kappa` the slack 0 <= xi <= alpha is penalized by kappa * xi^2 (Bojanowski et al. ICCV 2013).
- Background: tracks fixed to label 0 (negatives from elsewhere, Bojanowski 2013), and at least a
  fraction `rho` of the tracks are background: with `rho_scope="free"` of the tracks in no bag (and
  not fixed; Miech et al. ICCV 2017), with `rho_scope="all"` of all tracks not fixed, those inside
  bags included, so that a track in a bag can be nobody (the background class of Bojanowski et al.
  ICCV 2013); with blocks, the rho constraint holds within each block.
- Labels per block (`block_labels`): a block's rows may take only its allowed labels and
  background (the other entries of Z are fixed to zero), e.g. one movie's cast inside a joint
  solve over movies whose people share labels.  Every oracle minimizes over the restricted set,
  so the duality gap stays exact.
- Exclusive pairs (`exclusive`): two tracks that may not take the same label other than 0, e.g.
  two faces on screen at once, who are two people (Tapaswi et al. 2012, Bauml et al. CVPR 2013):
  Z[i, l] + Z[j, l] <= 1 for every label l >= 1 of their block, in the relaxation itself (every
  solver and oracle), and again in the rounding (`rounding.round_exclusive`).
- Tracks in no bag are otherwise free (a row of the simplex).

The set factors over blocks (groups of tracks, e.g. one movie per block): a bag lies inside one
block.  Each `Block` carries its own linear minimization oracle (`oracle.AtLeastOnceOracle`, or
`ordering.OrderingOracle`), so a new kind of constraint is one more oracle class.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np

from .oracle import AtLeastOnceOracle
from .types import Bag, Block, ConstraintError, Oracle, Problem, Vertex

__all__ = ["Bag", "BagLike", "Block", "ConstraintError", "Oracle", "Problem", "Vertex", "as_bags", "build_problem"]


BagLike = Bag | tuple[Sequence[int], Sequence[int]]
RHO_SCOPES = ("free", "all")


def as_bags(bags: Iterable[BagLike]) -> list[Bag]:
    """Bags from Bag objects or (track_indices, required_labels) pairs."""
    out = []
    for k, b in enumerate(bags):
        if isinstance(b, Bag):
            out.append(b if b.name is not None else Bag(b.track_indices, b.required_labels, f"bag {k}"))
        else:
            try:
                tracks, labels = b
            except (TypeError, ValueError):
                raise ConstraintError(f"bag {k}: expected a (track_indices, required_labels) pair, got {b!r}") from None
            out.append(Bag(_as_tuple(tracks), _as_tuple(labels), f"bag {k}"))
    return out


def _as_tuple(x) -> tuple:
    """A bag's indices as a tuple: a list or tuple as it is, a scalar or array through numpy."""
    return tuple(x) if isinstance(x, (tuple, list)) else tuple(np.atleast_1d(x).tolist())


def build_problem(
    n: int,
    n_labels: int,
    bags: Iterable[BagLike],
    *,
    alpha: int = 1,
    kappa: float | None = None,
    background: Sequence[int] | np.ndarray | None = None,
    rho: float = 0.0,
    blocks: Sequence[int] | np.ndarray | None = None,
    check_labels: bool = True,
    rho_scope: str = "free",
    block_labels: Mapping[Hashable, Iterable[int]] | None = None,
    exclusive: Sequence[tuple[int, int]] | np.ndarray | None = None,
) -> Problem:
    """Validate bags and background and group them into blocks (see the module docstring).

    `block_labels` maps a block id (as in `blocks`; without blocks, 0) to the labels > 0 its rows
    may take (background is always allowed); a block it does not list may take every label.
    `exclusive`: pairs of track indices of one block that may not share a label other than 0.
    Raises ConstraintError naming the bag for: empty bags, track or label indices out of range,
    a bag spanning two blocks, a bag requiring a label its block does not allow, and (without
    slack) a bag needing more distinct tracks than it has.
    Warns (UserWarning) about labels > 0 that no bag requires: nothing pulls tracks to them.
    """

    if n_labels < 2:
        raise ConstraintError(f"n_labels must be >= 2 (background plus at least one label), got {n_labels}")
    if int(alpha) != alpha or alpha < 1:
        raise ConstraintError(f"alpha must be an integer >= 1, got {alpha}")
    alpha = int(alpha)
    if kappa is not None and not (kappa > 0 and np.isfinite(kappa)):
        raise ConstraintError(f"kappa must be None (no slack) or a finite number > 0, got {kappa}")
    if not 0.0 <= rho <= 1.0:
        raise ConstraintError(f"rho must lie in [0, 1], got {rho}")
    if rho_scope not in RHO_SCOPES:
        raise ConstraintError(f"rho_scope must be one of {RHO_SCOPES}, got {rho_scope!r}")
    bag_list = as_bags(bags)
    fixed = np.zeros(n, dtype=bool)
    if background is not None:
        bg = np.asarray(background)
        if bg.dtype == bool:
            if bg.shape != (n,):
                raise ConstraintError(f"background mask has shape {bg.shape}, expected ({n},)")
            fixed = bg.copy()
        else:
            bg = bg.astype(np.int64).ravel()
            if bg.size and (bg.min() < 0 or bg.max() >= n):
                raise ConstraintError(f"background track index out of range 0..{n - 1}: "
                                      f"{int(bg[(bg < 0) | (bg >= n)][0])}")
            fixed[bg] = True
    if blocks is None:
        block_ids = np.zeros(n, dtype=np.int64)
    else:
        block_ids = np.asarray(blocks)
        if block_ids.shape != (n,):
            raise ConstraintError(f"blocks must give one group id per track: shape {block_ids.shape}, expected ({n},)")
    uniq, block_of = np.unique(block_ids, return_inverse=True)
    pairs = exclusive_pairs(exclusive, n, block_of)
    allowed = _allowed_labels(block_labels, uniq, n_labels)
    order = np.argsort(block_of, kind="stable")
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n)
    counts = np.bincount(block_of, minlength=uniq.size)
    starts = np.concatenate([[0], np.cumsum(counts)])
    in_bag = np.zeros(n, dtype=bool)
    per_block: list[list[tuple[np.ndarray, np.ndarray, str]]] = [[] for _ in uniq]
    required_any = np.zeros(n_labels, dtype=bool)
    one_block = uniq.size == 1
    for bag in bag_list:
        # a bag's few indices: sorted sets in Python are cheaper than np.unique on tiny arrays
        t = np.array(sorted(set(bag.track_indices)), dtype=np.int64)
        lab = np.array(sorted(set(bag.required_labels)), dtype=np.int64)
        if t.size == 0:
            raise ConstraintError(f"{bag.name}: empty bag (expected at least one track index)")
        if lab.size == 0:
            raise ConstraintError(f"{bag.name}: no required labels (expected at least one label)")
        if t[0] < 0 or t[-1] >= n:
            raise ConstraintError(f"{bag.name}: track index {int(t[(t < 0) | (t >= n)][0])} out of range "
                                  f"(expected 0..{n - 1})")
        if lab[0] < 0 or lab[-1] >= n_labels:
            raise ConstraintError(f"{bag.name}: label {int(lab[(lab < 0) | (lab >= n_labels)][0])} out of range "
                                  f"(expected 0..{n_labels - 1})")
        blk = np.zeros(1, dtype=np.int64) if one_block else np.unique(block_of[t])
        if blk.size > 1:
            raise ConstraintError(f"{bag.name}: tracks lie in {blk.size} different blocks "
                                  f"(expected every bag inside one block)")
        if allowed[int(blk[0])] is not None and not allowed[int(blk[0])][lab].all():
            bad = int(lab[~allowed[int(blk[0])][lab]][0])
            raise ConstraintError(f"{bag.name}: requires label {bad}, which its block ({uniq[int(blk[0])].item()!r}) does "
                                  f"not allow (expected the block's labels to include every label its bags require)")
        if kappa is None:
            n_fg = int((~fixed[t]).sum())
            need_fg = alpha * int((lab > 0).sum())
            if alpha * lab.size > t.size or need_fg > n_fg:
                raise ConstraintError(
                    f"{bag.name}: requires {lab.size} distinct label(s) x alpha={alpha} but has only {t.size} "
                    f"track(s) ({n_fg} not fixed to background) (expected enough tracks, or slack kappa)")
        in_bag[t] = True
        required_any[lab] = True
        b = int(blk[0])
        per_block[b].append((inv[t] - starts[b], lab, bag.name))
    if check_labels:
        missing = [int(l) for l in np.flatnonzero(~required_any) if l > 0]
        if missing:
            import warnings

            warnings.warn(f"label(s) {missing} are required by no bag: nothing pulls tracks towards them, so "
                          "they are (almost) never assigned", UserWarning, stacklevel=2)
    # the pairs in internal order, sorted and without repeats, then per block in its local rows
    ip = np.unique(np.sort(inv[pairs], axis=1), axis=0) if pairs.size else pairs
    pair_block = block_of[order[ip[:, 0]]] if ip.size else np.zeros(0, dtype=np.int64)
    out_blocks = []
    for b in range(uniq.size):
        rows = slice(int(starts[b]), int(starts[b + 1]))
        loc_fixed = fixed[order[rows]]
        loc_free = ~in_bag[order[rows]] & ~loc_fixed
        offs, m = [], 0
        for _, lab, _ in per_block[b]:
            if kappa is None:
                offs.append(-np.ones(lab.size, dtype=np.int64))
            else:
                offs.append(np.arange(m, m + lab.size))
                m += lab.size
        mine = ip[pair_block == b] - starts[b]
        blk = Block(rows, n_labels, per_block[b], offs, m, loc_fixed, loc_free, float(rho), alpha,
                    rho_scope=rho_scope, allowed=allowed[b], exclusive=mine if mine.size else None)
        blk.oracle = AtLeastOnceOracle(blk)
        out_blocks.append(blk)
    return Problem(n, n_labels, order, out_blocks, kappa, alpha)


def _allowed_labels(block_labels: Mapping[Hashable, Iterable[int]] | None, block_ids: np.ndarray,
                    n_labels: int) -> list[np.ndarray | None]:
    """Per block (in the order of `block_ids`), the bool mask of its allowed labels, or None (all)."""
    out: list[np.ndarray | None] = [None] * block_ids.size
    if not block_labels:
        return out
    where = {k.item() if hasattr(k, "item") else k: j for j, k in enumerate(block_ids)}
    for key, labels in block_labels.items():
        k = key.item() if hasattr(key, "item") else key
        if k not in where:
            raise ConstraintError(f"block_labels names block {key!r}, which has no track "
                                  f"(expected block ids among {sorted(where)[:10]})")
        lab = np.asarray(sorted({int(x) for x in labels}), dtype=np.int64)
        if lab.size and (lab.min() < 0 or lab.max() >= n_labels):
            raise ConstraintError(f"block_labels of block {key!r}: label {int(lab[(lab < 0) | (lab >= n_labels)][0])} "
                                  f"out of range (expected 1..{n_labels - 1})")
        mask = np.zeros(n_labels, dtype=bool)
        mask[0] = True
        mask[lab] = True
        out[where[k]] = mask
    return out


def exclusive_pairs(exclusive, n: int, blocks=None) -> np.ndarray:
    """Exclusive pairs as a (k, 2) int array, checked: indices of two distinct tracks of one block."""
    if exclusive is None:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.asarray(exclusive)
    if pairs.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if pairs.ndim != 2 or pairs.shape[1] != 2 or not np.issubdtype(pairs.dtype, np.integer):
        raise ConstraintError(f"exclusive must be pairs of track indices (k x 2 integers), got shape {pairs.shape} "
                              f"of {pairs.dtype}")
    bad = np.flatnonzero((pairs.min(axis=1) < 0) | (pairs.max(axis=1) >= n) | (pairs[:, 0] == pairs[:, 1]))
    if bad.size:
        raise ConstraintError(f"exclusive pair {int(bad[0])} {tuple(map(int, pairs[bad[0]]))}: expected two distinct "
                              f"track indices in 0..{n - 1}")
    if blocks is not None:
        g = np.asarray(blocks)
        bad = np.flatnonzero(g[pairs[:, 0]] != g[pairs[:, 1]])
        if bad.size:
            raise ConstraintError(f"exclusive pair {int(bad[0])} {tuple(map(int, pairs[bad[0]]))} joins tracks of two "
                                  "blocks (expected pairs inside one movie)")
    return pairs.astype(np.int64)
