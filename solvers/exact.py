"""The exact path: the whole problem as one sparse QP, solved by Clarabel's interior point method.

Two forms of the same QP.  The lifted ridge form (never the n x n matrix A), with the residual R
as a variable so that the quadratic term is diagonal:

    min (1/n) ||R||^2 + reg ||W||^2 + kappa ||xi||^2
    s.t. R = Z - Xc W - 1 b^T,  Z >= 0,  Z 1 = 1,  per bag and required label
         sum_{i in bag} Z[i,l] + xi >= alpha,  0 <= xi <= alpha,  fixed rows Z[i,0] = 1,
         per block sum_{i in rho rows} Z[i,0] >= rho * #(rho rows);

and, when n is at most twice the rank r of Xc (few tracks, e.g. one movie's), the Z form
min sum_l Z[:, l]^T A Z[:, l] + kappa ||xi||^2 under the same constraints, with A dense
(`RIDGE_FORM_MAX_RATIO`): fewer variables and non-zeros there, same minimiser (f(Z) = Tr Z^T A Z
is the lifted objective minimised over W, b, R; see solvers.objective).

This is the problem `solvers.reference` hands to cvxpy, built directly as Clarabel's sparse
matrices: no modelling layer, so small problems (a movie's tens to hundreds of tracks, where any
component of overlapping bags is small) solve in milliseconds, and overlapping bags cost nothing
special (they are rows of the constraint matrix, whatever their structure).  The interior point
method factors a KKT matrix in which every Z[i, l] is coupled to the r feature coordinates of
W[:, l] (r = rank of Xc <= min(n - 1, d)), so its cost grows like n L r^2 per iteration
(measured: n = 500, L = 10, d = 128 with overlapping bags took 46 s at load 10; the toy movie's
19 tracks take milliseconds).  The path therefore has a size limit (`EXACT_MAX_COST` on
n L (r + 3)^2); `DiscriminativeClustering(solver="auto")` falls back to Frank-Wolfe above it,
with a message.  The returned point is made exactly feasible (clipped, rows renormalised) and the
caller measures its exact Frank-Wolfe duality gap with the oracles.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .backend import single_blas_thread
from .lp import csc_from_triplets
from .types import ConstraintError, Problem

# n L (r + 3)^2: the factorization work of one interior point iteration, up to a constant.  Measured
# (2-core machine at load ~9-10): the toy movie's action windows (n = 269-284, d = 162, L = 5, 16
# bags; 3.7e7-3.9e7) 2.3-3.7 s, where FW to tol 1e-5 took 34-53 s and cvxpy 3.5-5 s; the overlapping
# planted family at n = 500 (L = 10, d = 128; 8.6e7) 46 s.  The limit sits between the two.
EXACT_MAX_COST = 50_000_000

# The QP in Z alone (quadratic term 2 A per label, A dense n x n: L n^2 / 2 non-zeros) is smaller than
# the lifted form (n L r couplings, plus W, b and R) unless n is well above the rank r of Xc.
# Measured, Clarabel alone (2-core machine, load 5-6): the toy's 19-track solves (r = 18) 2.1 ms vs
# 3.6 ms CPU; n = 280, r = 162 (overlapping planted, L = 5) 1.4 s vs 2.2 s; n = 500, r = 128 (L = 10)
# 24 s vs 20 s.  The Z form is used while n <= 2 r.
RIDGE_FORM_MAX_RATIO = 2


@dataclass(frozen=True)
class ExactResult:
    Z: np.ndarray  # internal order, rows on the simplex
    xi: np.ndarray
    status: str
    iterations: int
    solve_time: float


def exact_cost(n: int, d: int, n_labels: int) -> int:
    """The size measure that `EXACT_MAX_COST` bounds (r = min(n - 1, d) bounds the rank of Xc)."""
    return n * n_labels * (min(d, n - 1) + 3) ** 2


@single_blas_thread
def solve_exact(Xc: np.ndarray, reg: float, problem: Problem, *, tol: float = 1e-9,
                time_limit: float | None = None, max_iter: int = 200) -> ExactResult:
    """Solve the problem for centred features Xc (internal order, n x r) with Clarabel."""
    import clarabel

    t0 = time.perf_counter()
    n, r = Xc.shape
    L = problem.n_labels
    m = problem.n_slack
    a = float(problem.alpha)
    nz = n * L
    rows_i = np.repeat(np.arange(n), L)
    cols_l = np.tile(np.arange(L), n)
    e = np.arange(nz)
    # variables: Z (row-major, i*L + l) first, xi (m) last; the lifted form has W, b, R between them
    lifted = n > RIDGE_FORM_MAX_RATIO * r
    if lifted:
        nw = r * L
        ow, ob, orr = nz, nz + nw, nz + nw + L
        ox = orr + nz
        pr = np.concatenate([orr + e, ow + np.arange(nw)])
        pv = np.concatenate([np.full(nz, 2.0 / n), np.full(nw, 2.0 * reg)])
        # R - Z + Xc W + 1 b^T = 0: row (i, l) couples W[j, l] for all j
        er = [e, e, np.repeat(e, r), e]
        ec = [orr + e, e, ow + (np.tile(np.arange(r), nz) * L + np.repeat(cols_l, r)), ob + cols_l]
        ev = [np.ones(nz), -np.ones(nz), Xc[np.repeat(rows_i, r), np.tile(np.arange(r), nz)], np.ones(nz)]
        k = nz
    else:
        ox = nz
        # f(Z) = sum_l Z[:, l]^T A Z[:, l] with A = (1/n)(P - Xc M^-1 Xc^T), M = Xc^T Xc + n reg I
        M = Xc.T @ Xc + n * reg * np.eye(r)
        A = (np.eye(n) - 1.0 / n - Xc @ np.linalg.solve(M, Xc.T)) / n
        iu, ju = np.triu_indices(n)
        pr = (iu[:, None] * L + np.arange(L)).ravel()
        pc = (ju[:, None] * L + np.arange(L)).ravel()
        pv = np.repeat(A[iu, ju] + A[ju, iu], L)  # 2 A, symmetrised
        er, ec, ev, k = [], [], [], 0
    nv = ox + m
    if lifted:
        pc = pr
    if m:
        pr = np.concatenate([pr, ox + np.arange(m)])
        pc = np.concatenate([pc, ox + np.arange(m)])
        pv = np.concatenate([pv, np.full(m, 2.0 * (problem.kappa or 0.0))])
    P = csc_from_triplets(pr, pc, pv, (nv, nv))  # upper triangle

    # equality rows: Z 1 = 1, Z[fixed, 0] = 1
    er.append(k + rows_i); ec.append(e); ev.append(np.ones(nz))
    k += n
    fixed_rows = np.concatenate([blk.rows.start + np.flatnonzero(blk.fixed) for blk in problem.blocks]
                                + [np.zeros(0, dtype=np.int64)]).astype(np.int64)
    er.append(k + np.arange(fixed_rows.size)); ec.append(fixed_rows * L); ev.append(np.ones(fixed_rows.size))
    k += fixed_rows.size
    n_eq = k
    # inequality rows (A x <= b): -(sum_bag Z[:, l] + xi) <= -alpha, rho rows, Z >= 0
    b_in = []
    xo = 0
    for blk in problem.blocks:
        s, cov = blk.rows.start, blk.cover()
        er.append(k + cov.entry_row); ec.append((s + cov.entry_track) * L + cov.label[cov.entry_row])
        ev.append(-np.ones(cov.entry_row.size))
        has = np.flatnonzero(cov.slack >= 0)
        er.append(k + has); ec.append(ox + xo + cov.slack[has]); ev.append(-np.ones(has.size))
        b_in.append(np.full(cov.n_rows, -a))
        k += cov.n_rows
        rr = np.flatnonzero(blk.rho_rows()) if blk.rho > 0 else np.zeros(0, dtype=np.int64)
        if rr.size:
            er.append(np.full(rr.size, k)); ec.append((s + rr) * L); ev.append(-np.ones(rr.size))
            b_in.append([-blk.rho * rr.size])
            k += 1
        xo += blk.n_slack
    # Z >= 0.  The slack's bounds 0 <= xi <= alpha are left out: they hold at the optimum anyway
    # (kappa > 0; lowering xi < 0 to 0 or xi > alpha to alpha keeps every bag row satisfied, as
    # sum_bag Z >= 0, and lowers kappa xi^2), and the returned xi is clipped to them.
    er.append(k + e); ec.append(e); ev.append(-np.ones(nz))
    b_in.append(np.zeros(nz))
    k += nz
    Acon = csc_from_triplets(np.concatenate(er), np.concatenate(ec), np.concatenate(ev), (k, nv))
    b = np.concatenate([np.zeros(n_eq - n - fixed_rows.size), np.ones(n + fixed_rows.size)] + b_in)
    cones = [clarabel.ZeroConeT(n_eq), clarabel.NonnegativeConeT(k - n_eq)]
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = tol
    settings.tol_feas = tol
    settings.max_iter = max_iter
    if time_limit is not None:
        settings.time_limit = float(time_limit)
    sol = clarabel.DefaultSolver(P, np.zeros(nv), Acon, b, cones, settings).solve()
    status = str(sol.status)
    if "Infeasible" in status:
        raise ConstraintError("the bags cannot be satisfied together (the QP is infeasible; expected jointly "
                              "feasible requirements, or slack kappa)")
    x = np.asarray(sol.x)
    if x.size != nv or not np.isfinite(x).all():
        raise RuntimeError(f"Clarabel returned no solution (status {status})")
    Z = np.clip(x[:nz].reshape(n, L), 0.0, None)
    Z[fixed_rows] = 0.0
    Z[fixed_rows, 0] = 1.0
    Z /= Z.sum(axis=1, keepdims=True)
    xi = np.clip(x[ox:], 0.0, a)
    xi = _restore_feasibility(Z, xi, problem)
    return ExactResult(Z, xi, status, int(sol.iterations), time.perf_counter() - t0)


def _restore_feasibility(Z: np.ndarray, xi: np.ndarray, problem: Problem) -> np.ndarray:
    """Raise the slack (or, without slack, leave it) so that every bag constraint holds exactly
    after the clipping; interior point solutions violate them by ~tol at most."""
    xi = xi.copy()
    xo = 0
    for blk in problem.blocks:
        cov = blk.cover()
        has = cov.slack >= 0
        if has.any():
            covered = np.bincount(cov.entry_row, weights=Z[blk.rows.start + cov.entry_track, cov.label[cov.entry_row]],
                                  minlength=cov.n_rows)
            j = xo + cov.slack[has]
            xi[j] = np.minimum(np.maximum(xi[j], problem.alpha - covered[has]), problem.alpha)
        xo += blk.n_slack
    return xi
