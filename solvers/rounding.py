"""Rounding a relaxed assignment Z to one label per track.

- `round_argmax`: per-track argmax, with the winning value as a confidence score.
- `round_constrained`: the vertex of the constraint set closest to Z in the linear sense,
  argmax_V <Z, V> = the oracle applied to -Z (Bojanowski et al. ECCV 2014); it satisfies every bag
  (the argmax rounding may not).  Rows the oracle leaves fractional (possible only with
  overlapping bags or the rho constraint) take their argmax.
"""

from __future__ import annotations

import numpy as np

from .types import Problem


def round_argmax(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(labels, confidence): argmax per row and its value."""
    labels = np.argmax(Z, axis=1)
    return labels, Z[np.arange(Z.shape[0]), labels]


def round_constrained(Z: np.ndarray, problem: Problem) -> np.ndarray:
    """Labels of the oracle's vertex for costs -Z (Z and the result in the problem's internal order)."""
    out = np.empty(Z.shape[0], dtype=np.int64)
    for blk in problem.blocks:
        v = blk.oracle(-Z[blk.rows], np.zeros(blk.n_slack))
        lab = v.labels.astype(np.int64)
        if v.frac_rows.size:
            lab[v.frac_rows] = np.argmax(v.frac_vals, axis=1)
        out[blk.rows] = lab
    return out


# HiGHS's time limit per block for the rounding with exclusive pairs (seconds); a block that does not
# finish in it keeps the rounding without them (and the fit says so)
EXCLUSIVE_TIME_LIMIT = 60.0


def round_exclusive(Z: np.ndarray, problem: Problem,
                    time_limit: float = EXCLUSIVE_TIME_LIMIT) -> tuple[np.ndarray, list[str]]:
    """`round_constrained` keeping the blocks' exclusive pairs (`Block.exclusive`: rows that may not take
    the same label other than 0, e.g. two face tracks on screen at the same time, who are two people;
    the uniqueness constraint of Tapaswi et al. 2012 and Bauml et al. CVPR 2013). The relaxation keeps
    them too, but a fractional Z can still round onto a broken pair. Per block whose rounding breaks a
    pair: argmax_V <Z, V> over the block's polytope (its oracle's whole LP: simplex, bag, rho and pair
    rows; a bag with slack then costs nothing) with V integral, by HiGHS's MILP solver.
    Returns (labels, notes): a note per block kept without the pairs."""
    labels = round_constrained(Z, problem)
    notes: list[str] = []
    for b, blk in enumerate(problem.blocks):
        if blk.exclusive is None:
            continue
        n, L = blk.size, blk.n_labels
        p = blk.exclusive
        lab = labels[blk.rows]
        if not np.any((lab[p[:, 0]] == lab[p[:, 1]]) & (lab[p[:, 0]] > 0)):
            continue  # the rounding without the pairs keeps them: it is optimal with them too
        lp, xo = blk.oracle.whole_lp()
        res = lp.milp(np.concatenate([-np.asarray(Z[blk.rows], dtype=np.float64).ravel(), np.zeros(xo.size)]),
                      n * L, time_limit)
        if res.x is None:
            notes.append(f"block {b} ({n} tracks): no rounding keeps its {p.shape[0]} exclusive pairs together with "
                         f"its bags and rho ({res.message.strip()}); rounded without the pairs")
            continue
        labels[blk.rows] = np.argmax(res.x[:n * L].reshape(n, L), axis=1)
        if res.status != 0:
            notes.append(f"block {b} ({n} tracks): the rounding with exclusive pairs stopped before a proven optimum "
                         f"({res.message.strip()}); its best rounding is kept")
    return labels, notes
