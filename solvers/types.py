"""The plain types the solvers share: bags, one block's constraints, the whole problem, the
vertices the oracles return, and the oracle protocol with what factored Frank-Wolfe reads of it.

They live here, apart from `constraints.build_problem` and the oracles, so that every module
imports them from one place and no two modules import each other.
"""

from __future__ import annotations

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
    """A linear minimization oracle over one block's constraint set, with its factor layout.

    `__call__(C, gxi)`: the vertex minimizing <C, Z> + <gxi, xi> over the block (local rows).
    `whole_block`: True when factored Frank-Wolfe must treat the block as one factor (active set
    of dense vertices; e.g. ordering, or rho over all tracks); the attributes below are read only
    when it is False.  Away/face vertices are found by factored.py from this layout.
    """

    whole_block: bool

    def __call__(self, C: np.ndarray, gxi: np.ndarray) -> Vertex: ...


class FactorLayout(Oracle, Protocol):
    """What factored Frank-Wolfe reads of an oracle whose block splits into factors.

    `multi`: components of overlapping bags (lists of bag indices); `general`: single bags solved
    by an assignment; `simple`: small single bags in the padded arrays `T` (tracks, -1 pad), `R`
    (required labels, -1 pad), `X` (slack offsets, -1 none), one row per bag.
    """

    multi: list[list[int]]
    general: list[int]
    simple: list[int]
    T: np.ndarray
    R: np.ndarray
    X: np.ndarray


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


@dataclass(frozen=True)
class Cover:
    """A block's bag constraints as sparse rows: row q per (bag, required label) reads
    sum_{i in bag} Z[i, label[q]] + xi[slack[q]] >= alpha (no slack term where slack[q] = -1).

    Entries of the rows: `entry_row` (q) and `entry_track` (local row of Z), one per track of the
    bag; the exact QP and the oracles' LPs are built from these arrays without a loop over bags.
    """

    bag: np.ndarray  # per row: index of the bag in Block.bags
    label: np.ndarray  # per row: the required label
    slack: np.ndarray  # per row: offset into the block's xi, -1 without slack
    entry_row: np.ndarray
    entry_track: np.ndarray

    @property
    def n_rows(self) -> int:
        return int(self.bag.size)


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
    allowed: np.ndarray | None = None  # bool per label: the labels the block's rows may take (None: all)
    exclusive: np.ndarray | None = None  # (k, 2) local rows that may not share a label > 0 (two people)

    def disallowed(self) -> np.ndarray:
        """Bool mask of the labels no row of this block may take (their entries of Z are fixed to 0)."""
        if self.allowed is None:
            return np.zeros(self.n_labels, dtype=bool)
        return ~self.allowed

    def exclusive_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """(pairs, labels): one row Z[i, l] + Z[j, l] <= 1 per exclusive pair (i, j) (local rows, k x 2)
        and label l >= 1 the block allows, pairs with a row fixed to background left out (they hold)."""
        p = np.zeros((0, 2), dtype=np.int64) if self.exclusive is None else self.exclusive
        p = p[~(self.fixed[p[:, 0]] | self.fixed[p[:, 1]])]
        named = np.flatnonzero(~self.disallowed()[1:]) + 1
        return np.repeat(p, named.size, axis=0), np.tile(named, p.shape[0])

    _cover: Cover | None = field(default=None, init=False, repr=False, compare=False)

    def cover(self) -> Cover:
        """The bag rows as arrays (built once per block)."""
        if self._cover is None:
            nl = [lab.size for _, lab, _ in self.bags]
            bag = np.repeat(np.arange(len(self.bags), dtype=np.int64), nl)
            label = np.concatenate([lab for _, lab, _ in self.bags] + [np.zeros(0, np.int64)]).astype(np.int64)
            slack = np.concatenate(list(self.slack_offsets) + [np.zeros(0, np.int64)]).astype(np.int64)
            sizes = np.asarray([self.bags[k][0].size for k in bag], dtype=np.int64)
            tracks = [self.bags[k][0] for k in bag]
            self._cover = Cover(bag, label, slack, np.repeat(np.arange(bag.size, dtype=np.int64), sizes),
                                np.concatenate(tracks + [np.zeros(0, np.int64)]).astype(np.int64))
        return self._cover

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


