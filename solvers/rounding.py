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
