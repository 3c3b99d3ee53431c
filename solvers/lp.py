"""One small LP whose constraints stay fixed while its costs change, kept inside HiGHS.

The oracles solve the same LP (a block's, or a component's, bags and rho row) again and again
with new costs.  `scipy.optimize.linprog` rebuilds and re-validates the model on every call
(~3.7 ms per call on an 80-track chain, 1.5 ms of it inside HiGHS); here the model is passed to
`highspy` once, each call changes the costs only, and the simplex restarts from the last
optimal basis (still primal feasible: only the costs moved), so a call costs what HiGHS's own
iterations cost.  The solution is a basic one, i.e. a vertex, as the oracles need.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import scipy.sparse as sp

_QUIET = False


def _highs():
    """A silent `highspy.Highs`.  highspy prints a banner on stdout (the C stream, whatever the
    options) when the process builds its first model; that would land in a CLI's JSON output, so
    the first construction runs with file descriptor 1 pointed at the null device."""
    global _QUIET
    import highspy

    if _QUIET:
        h = highspy.Highs()
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _QUIET = True
    h.setOptionValue("output_flag", False)
    return h


def csc_from_triplets(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]) -> sp.csc_matrix:
    """A CSC matrix from (row, col, value) triplets without duplicates, built with numpy alone
    (scipy's COO conversions cost ~0.1 ms each, which is most of a small problem's set-up)."""
    rows = np.asarray(rows, dtype=np.int32)
    cols = np.asarray(cols, dtype=np.int32)
    order = np.lexsort((rows, cols))
    indptr = np.zeros(shape[1] + 1, dtype=np.int32)
    np.cumsum(np.bincount(cols, minlength=shape[1]), out=indptr[1:])
    return sp.csc_matrix((np.asarray(vals, dtype=np.float64)[order], rows[order], indptr), shape=shape)


class FixedLP:
    """min c^T x  s.t.  row_lo <= A x <= row_hi,  bounds[:, 0] <= x <= bounds[:, 1], for changing c
    (A in CSC; an equality row has row_lo = row_hi, a one-sided row -inf or inf on the other side)."""

    def __init__(self, A: sp.csc_matrix, row_lo: np.ndarray, row_hi: np.ndarray, bounds: np.ndarray) -> None:
        import highspy

        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
        lp.col_cost_ = np.zeros(A.shape[1])
        lp.col_lower_ = np.asarray(bounds[:, 0], float)
        lp.col_upper_ = np.asarray(bounds[:, 1], float)
        lp.row_lower_ = np.where(np.isinf(row_lo), -inf, row_lo)
        lp.row_upper_ = np.where(np.isinf(row_hi), inf, row_hi)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = A.indptr
        lp.a_matrix_.index_ = A.indices
        lp.a_matrix_.value_ = A.data
        h = _highs()
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("presolve", "off")  # keeps the basis between calls (only the costs change)
        h.passModel(lp)
        self._lp = (A, np.asarray(row_lo, float), np.asarray(row_hi, float), np.asarray(bounds, float))
        self._h, self._n = h, A.shape[1]
        self._idx = np.arange(A.shape[1], dtype=np.int32)
        self._optimal = highspy.HighsModelStatus.kOptimal

    def solve(self, c: np.ndarray) -> tuple[bool, np.ndarray, str]:
        """(optimal?, x, HiGHS's status text) for costs c."""
        h = self._h
        c = np.asarray(c, dtype=np.float64)
        scale = float(np.abs(c).max(initial=0.0))
        # HiGHS's tolerances are absolute: costs as small as the objective's gradients (~1/n) need
        # scaling, or the "optimal" vertex can be worse than the optimum by ~1e-7 x n
        c = c / scale if scale > 0 else c
        h.changeColsCost(self._n, self._idx, c)
        h.run()
        if h.getModelStatus() == self._optimal:
            return True, np.asarray(h.getSolution().col_value), "optimal"
        h.clearSolver()  # a warm start can end in status "Unknown" (seen in long FW runs): start afresh
        h.run()
        if h.getModelStatus() == self._optimal:
            return True, np.asarray(h.getSolution().col_value), "optimal"
        return self._linprog(c)

    def milp(self, c: np.ndarray, n_integral: int, time_limit: float):
        """The same model with its first `n_integral` columns integral, for costs c, by HiGHS's branch
        and bound (`scipy.optimize.milp`; its OptimizeResult: x None when it found no feasible point)."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        A, lo, hi, bounds = self._lp
        integrality = np.zeros(self._n)
        integrality[:n_integral] = 1
        return milp(np.asarray(c, dtype=np.float64), constraints=LinearConstraint(A, lo, hi), integrality=integrality,
                    bounds=Bounds(bounds[:, 0], bounds[:, 1]), options={"time_limit": float(time_limit)})

    def _linprog(self, c: np.ndarray) -> tuple[bool, np.ndarray, str]:
        """The same LP through scipy.optimize.linprog (HiGHS, fresh model, with presolve): the fallback."""
        import scipy.optimize

        A, lo, hi, bounds = self._lp
        A = A.tocsr()
        eq = lo == hi
        up, down = ~eq & np.isfinite(hi), ~eq & np.isfinite(lo)  # rows as A_ub x <= b_ub
        A_ub = sp.vstack([A[up], -A[down]]) if (up | down).any() else None
        b_ub = np.concatenate([hi[up], -lo[down]]) if (up | down).any() else None
        res = scipy.optimize.linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A[eq] if eq.any() else None,
                                     b_eq=hi[eq] if eq.any() else None, bounds=bounds, method="highs-ds")
        if res.status != 0:
            return False, np.zeros(self._n), res.message
        return True, res.x, "optimal"
