"""Constraint sets on the assignment Z: bags with "at least alpha" requirements, background, slack.

- A bag (track indices, required labels): every required label l is taken by at least `alpha`
  of the bag's tracks, sum_{i in bag} Z[i, l] >= alpha - xi[bag, l].  Without slack xi = 0; with
  `kappa` the slack 0 <= xi <= alpha is penalized by kappa * xi^2 (Bojanowski et al. ICCV 2013).
- Background: tracks fixed to label 0 (negatives from elsewhere, Bojanowski 2013), and at least a
  fraction `rho` of the tracks are background: with `rho_scope="free"` of the tracks in no bag (and
  not fixed; Miech et al. ICCV 2017), with `rho_scope="all"` of all tracks not fixed, those inside
  bags included, so that a track in a bag can be nobody (the background class of Bojanowski et al.
  ICCV 2013); with blocks, the rho constraint holds within each block.
- Tracks in no bag are otherwise free (a row of the simplex).

The set factors over blocks (groups of tracks, e.g. one movie per block): a bag lies inside one
block.  Each `Block` carries its own linear minimization oracle (`oracle.AtLeastOnceOracle`, or
`ordering.OrderingOracle`), so a new kind of constraint is one more oracle class.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np


class ConstraintError(ValueError):
    """Constraints that cannot be used; the message names the bag (or block) and what was expected."""


@dataclass(frozen=True)
class Bag:
    """Tracks that together must show each required label at least `alpha` times.

    `name` is provenance for messages (e.g. "scene 12, line 340"); it defaults to "bag <index>".
    """

    track_indices: tuple[int, ...]
    required_labels: tuple[int, ...]
    name: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "track_indices", tuple(int(i) for i in self.track_indices))
        object.__setattr__(self, "required_labels", tuple(int(i) for i in self.required_labels))


class Oracle(Protocol):
    """A linear minimization oracle over one block's constraint set."""

    def __call__(self, C: np.ndarray, gxi: np.ndarray) -> Vertex: ...


@dataclass
class Vertex:
    """A vertex of one block's polytope: labels per row (-1 where a row is fractional) and slack.

    Integral rows are stored as a label (int16), the rare fractional rows (possible only where
    bags overlap) as dense rows, so an active set of many vertices stays small.
    """

    labels: np.ndarray
    xi: np.ndarray
    frac_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    frac_vals: np.ndarray | None = None

    def inner(self, G: np.ndarray, gxi: np.ndarray) -> float:
        """<G, V> + <gxi, xi>."""
        lab = self.labels
        if self.frac_rows.size:
            ok = lab >= 0
            val = float(G[np.flatnonzero(ok), lab[ok]].sum())
            val += float(np.sum(G[self.frac_rows] * self.frac_vals))
        else:
            val = float(G[np.arange(lab.size), lab].sum())
        return val + float(gxi @ self.xi)

    def dense(self, n_labels: int) -> np.ndarray:
        Z = np.zeros((self.labels.size, n_labels))
        ok = self.labels >= 0
        Z[np.flatnonzero(ok), self.labels[ok]] = 1.0
        if self.frac_rows.size:
            Z[self.frac_rows] = self.frac_vals
        return Z

    def key(self) -> bytes:
        k = self.labels.tobytes() + np.round(self.xi, 12).tobytes()
        if self.frac_rows.size:
            k += self.frac_rows.tobytes() + np.round(self.frac_vals, 12).tobytes()
        return k


@dataclass
class Block:
    """One block's constraints, in local row indices 0..size-1 of the block's contiguous rows."""

    rows: slice
    n_labels: int
    bags: list[tuple[np.ndarray, np.ndarray, str]]  # (local tracks, required labels, name)
    slack_offsets: list[np.ndarray]  # per bag, per required label: index into the block's xi (-1: none)
    n_slack: int
    fixed: np.ndarray  # bool, rows fixed to background
    free: np.ndarray  # bool, rows in no bag and not fixed
    rho: float
    alpha: int
    oracle: Oracle | None = None
    rho_scope: str = "free"  # "free": rho over rows in no bag; "all": over every row not fixed

    def rho_rows(self) -> np.ndarray:
        """Bool mask of the rows the rho constraint counts."""
        return self.free if self.rho_scope == "free" else ~self.fixed

    @property
    def size(self) -> int:
        return self.rows.stop - self.rows.start


@dataclass
class Problem:
    """The whole constraint set: blocks over a permutation of the tracks that makes them contiguous.

    `order[k]` is the original index of internal row k; blocks cover 0..n-1 in order.
    """

    n: int
    n_labels: int
    order: np.ndarray
    blocks: list[Block]
    kappa: float | None
    alpha: int

    @property
    def n_slack(self) -> int:
        return sum(b.n_slack for b in self.blocks)

    def slack_slices(self) -> list[slice]:
        out, start = [], 0
        for b in self.blocks:
            out.append(slice(start, start + b.n_slack))
            start += b.n_slack
        return out


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
            out.append(Bag(tuple(np.atleast_1d(tracks).tolist()), tuple(np.atleast_1d(labels).tolist()), f"bag {k}"))
    return out


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
) -> Problem:
    """Validate bags and background and group them into blocks (see the module docstring).

    Raises ConstraintError naming the bag for: empty bags, track or label indices out of range,
    a bag spanning two blocks, and (without slack) a bag needing more distinct tracks than it has.
    Warns (UserWarning) about labels > 0 that no bag requires: nothing pulls tracks to them.
    """
    from .oracle import AtLeastOnceOracle

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
    order = np.argsort(block_of, kind="stable")
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n)
    counts = np.bincount(block_of, minlength=uniq.size)
    starts = np.concatenate([[0], np.cumsum(counts)])
    in_bag = np.zeros(n, dtype=bool)
    per_block: list[list[tuple[np.ndarray, np.ndarray, str]]] = [[] for _ in uniq]
    required_any = np.zeros(n_labels, dtype=bool)
    for bag in bag_list:
        t = np.asarray(bag.track_indices, dtype=np.int64)
        lab = np.unique(np.asarray(bag.required_labels, dtype=np.int64))
        if t.size == 0:
            raise ConstraintError(f"{bag.name}: empty bag (expected at least one track index)")
        if lab.size == 0:
            raise ConstraintError(f"{bag.name}: no required labels (expected at least one label)")
        if t.min() < 0 or t.max() >= n:
            raise ConstraintError(f"{bag.name}: track index {int(t[(t < 0) | (t >= n)][0])} out of range "
                                  f"(expected 0..{n - 1})")
        if lab.min() < 0 or lab.max() >= n_labels:
            raise ConstraintError(f"{bag.name}: label {int(lab[(lab < 0) | (lab >= n_labels)][0])} out of range "
                                  f"(expected 0..{n_labels - 1})")
        t = np.unique(t)
        blk = np.unique(block_of[t])
        if blk.size > 1:
            raise ConstraintError(f"{bag.name}: tracks lie in {blk.size} different blocks "
                                  f"(expected every bag inside one block)")
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
        blk = Block(rows, n_labels, per_block[b], offs, m, loc_fixed, loc_free, float(rho), alpha,
                    rho_scope=rho_scope)
        blk.oracle = AtLeastOnceOracle(blk)
        out_blocks.append(blk)
    return Problem(n, n_labels, order, out_blocks, kappa, alpha)
