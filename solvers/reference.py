"""cvxpy reference: the same problem as a QP in the lifted ridge form (variables Z, W, b, xi),
never the n x n matrix A:

    min (1/n) ||Z - X W - 1 b^T||_F^2 + reg ||W||_F^2 + kappa ||xi||^2
    s.t. Z >= 0, Z 1 = 1, per bag and required label sum_{i in bag} Z[i,l] + xi >= alpha,
         0 <= xi <= alpha, fixed rows Z[i,0] = 1, Z[i,l] = 0 for labels i's block does not allow,
         per block sum_{i in rho rows} Z[i,0] >= rho #(rho rows), and Z[i,l] + Z[j,l] <= 1 for its
         exclusive pairs (i, j) and labels l >= 1 (`Block.exclusive_rows`).

Clarabel by default; OSQP and SCS selectable.  Used by tests and benchmarks as ground truth.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .types import Problem

SOLVERS = ("CLARABEL", "OSQP", "SCS")


@dataclass(frozen=True)
class ReferenceResult:
    Z: np.ndarray  # internal order (problem.order)
    xi: np.ndarray
    W: np.ndarray
    b: np.ndarray
    value: float  # cvxpy's optimal value
    status: str
    compile_time: float
    solve_time: float


def solve_reference(X: np.ndarray, reg: float, problem: Problem, solver: str = "CLARABEL",
                    time_limit: float | None = None, **solver_options) -> ReferenceResult:
    """Solve with cvxpy; X in original track order (it is permuted into the problem's order)."""
    import cvxpy as cp

    solver = solver.upper()
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
    t0 = time.perf_counter()
    Xp = np.asarray(X, dtype=np.float64)[problem.order]
    n, d = Xp.shape
    L = problem.n_labels
    Z = cp.Variable((n, L), nonneg=True)
    W = cp.Variable((d, L))
    b = cp.Variable(L)
    m = problem.n_slack
    cons = [cp.sum(Z, axis=1) == 1]
    # bag constraints as a sparse matrix acting on vec(Z) (column-major)
    ri, ci, rhs_rows = [], [], 0
    slack_idx = []
    xo = 0
    fixed_rows, rho_rows = [], []
    for blk in problem.blocks:
        s = blk.rows.start
        for (t, lab, _), offs in zip(blk.bags, blk.slack_offsets):
            for l, o in zip(lab, offs):
                ri += [rhs_rows] * t.size
                ci += list((s + t) + int(l) * n)
                slack_idx.append(xo + o if o >= 0 else -1)
                rhs_rows += 1
        xo += blk.n_slack
        fixed_rows += list(s + np.flatnonzero(blk.fixed))
        if blk.rho > 0 and blk.rho_rows().any():
            rho_rows.append((s + np.flatnonzero(blk.rho_rows()), blk.rho))
    vecZ = cp.vec(Z, order="F")
    objective = (1.0 / n) * cp.sum_squares(Z - Xp @ W - np.ones((n, 1)) @ cp.reshape(b, (1, L), order="F")) \
        + reg * cp.sum_squares(W)
    if rhs_rows:
        S = sp.csr_matrix((np.ones(len(ri)), (ri, ci)), shape=(rhs_rows, n * L))
        lhs = S @ vecZ
        if m:
            xi = cp.Variable(m, nonneg=True)
            E = sp.csr_matrix((np.ones(sum(1 for k in slack_idx if k >= 0)),
                               ([r for r, k in enumerate(slack_idx) if k >= 0], [k for k in slack_idx if k >= 0])),
                              shape=(rhs_rows, m))
            lhs = lhs + E @ xi
            cons.append(xi <= problem.alpha)
            objective = objective + problem.kappa * cp.sum_squares(xi)
        cons.append(lhs >= problem.alpha)
    if fixed_rows:
        cons.append(Z[np.asarray(fixed_rows), 0] == 1)
    for blk in problem.blocks:  # labels a block does not allow
        bad = np.flatnonzero(blk.disallowed())
        if bad.size:
            cons.append(Z[blk.rows.start:blk.rows.stop, bad] == 0)
    for rows, rho in rho_rows:
        cons.append(cp.sum(Z[rows, 0]) >= rho * rows.size)
    pair_cols = [np.stack([blk.rows.start + pp[:, 0] + pl * n, blk.rows.start + pp[:, 1] + pl * n], axis=1)
                 for blk in problem.blocks for pp, pl in [blk.exclusive_rows()] if pl.size]
    if pair_cols:  # per pair and label, Z[i, l] + Z[j, l] <= 1 on vec(Z) (column-major)
        pc = np.concatenate(pair_cols)
        Pm = sp.csr_matrix((np.ones(pc.size), (np.repeat(np.arange(pc.shape[0]), 2), pc.ravel())),
                           shape=(pc.shape[0], n * L))
        cons.append(Pm @ vecZ <= 1)
    prob = cp.Problem(cp.Minimize(objective), cons)
    opts = dict(solver_options)
    if time_limit is not None:
        key = {"CLARABEL": "time_limit", "OSQP": "time_limit", "SCS": "time_limit_secs"}[solver]
        opts[key] = time_limit
    t1 = time.perf_counter()
    prob.solve(solver=getattr(cp, solver), **opts)
    t2 = time.perf_counter()
    compile_s = float(getattr(prob, "compilation_time", 0.0) or 0.0)
    xi_val = xi.value if (rhs_rows and m) else np.zeros(0)
    if Z.value is None:
        raise RuntimeError(f"cvxpy/{solver} returned no solution (status {prob.status})")
    return ReferenceResult(np.asarray(Z.value), np.asarray(xi_val), np.asarray(W.value), np.asarray(b.value),
                           float(prob.value), str(prob.status), (t1 - t0) + compile_s, (t2 - t1) - compile_s)
