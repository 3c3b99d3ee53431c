"""The exact path: the whole problem as one sparse QP, solved by Clarabel's interior point method.

Lifted ridge form (never the n x n matrix A), with the residual R as a variable so that the
quadratic term is diagonal:

    min (1/n) ||R||^2 + reg ||W||^2 + kappa ||xi||^2
    s.t. R = Z - Xc W - 1 b^T,  Z >= 0,  Z 1 = 1,  per bag and required label
         sum_{i in bag} Z[i,l] + xi >= alpha,  0 <= xi <= alpha,  fixed rows Z[i,0] = 1,
         per block sum_{i in rho rows} Z[i,0] >= rho * #(rho rows).

This is the problem `solvers.reference` hands to cvxpy, built directly as Clarabel's sparse
matrices: no modelling layer, so small problems (a movie's tens to hundreds of tracks, where any
component of overlapping bags is small) solve in milliseconds, and overlapping bags cost nothing
special (they are rows of the constraint matrix, whatever their structure).  The interior point
method factors a KKT matrix in which every Z[i, l] is coupled to the r feature coordinates of
W[:, l] (r = rank of Xc <= min(n - 1, d)), so its cost grows like n L r^2 per iteration.  Rows
known to be background (fixed rows; with rho = 1 all the rows rho counts, e.g. the windows in no
bag of the window solve) are no variables: their residuals are a quadratic in (W, b) alone, added
to P exactly, so n here is the number of the other rows.  The KKT system is factored by faer's
supernodal LDL (6x faster than QDLDL on the hard toy's window solve, see `EXACT_MAX_COST`).  The
path has a size limit (`EXACT_MAX_COST` on n_variable L (r + 3)^2);
`DiscriminativeClustering(solver="auto")` falls back to Frank-Wolfe above it, with a message.  The returned point is made exactly feasible (clipped, rows renormalised) and the
caller measures its exact Frank-Wolfe duality gap with the oracles.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .types import ConstraintError, Problem

# n_variable L (r + 3)^2 (n_variable: rows not known to be background, see `known_rows`): the
# factorization work of one interior point iteration, up to a constant.  Measured (2-core machine):
# with QDLDL at load ~9-10, the toy movie's action windows (n = 269-284, d = 162, L = 5, 16 bags;
# 3.7e7-3.9e7) 2.3-3.7 s, where FW to tol 1e-5 took 34-53 s; the overlapping planted family at
# n = 500 (L = 10, d = 128; 8.6e7) 46 s.  With faer (supernodal) and the known rows folded into P:
# the hard toy's seed-0 window solve (2,261 windows of which 1,532 variable, d = 162, L = 7, 57
# bags; 2.9e8) 111 s at load 3.4-5.8 (18 iterations; QDLDL on the same problem 670 s at load
# 7.4-8.9), where FW to tol 1e-5 took 10,891 iterations and most of a 595-1,137 s solve; same
# objective to 1e-14, certified gap -1.5e-9.  The time grows faster than the measure (QDLDL: 3 s
# at 3.8e7, 46 s at 8.6e7, 670 s at 2.9e8, loads 8-10), so the limit sits only a third above the
# largest measured point (room for the other hard-toy seeds' windows; ~1.9x its time if the time
# grows like the measure squared); nothing between 2.9e8 and 4e8 was measured.
EXACT_MAX_COST = 400_000_000
# Clarabel's direct KKT solver: faer (supernodal) was 6x faster than QDLDL on the window solve above
# and level with it on the toy's small solves (19-80 tracks: 16-22 ms each, best of 3, load ~5)
DIRECT_SOLVE_METHOD = "faer"


@dataclass(frozen=True)
class ExactResult:
    Z: np.ndarray  # internal order, rows on the simplex
    xi: np.ndarray
    status: str
    iterations: int
    solve_time: float


def exact_cost(n: int, d: int, n_labels: int, n_variable: int | None = None) -> int:
    """The size measure that `EXACT_MAX_COST` bounds: n_variable L (r + 3)^2, with r = min(n - 1, d)
    (a bound on the rank of Xc) and n_variable the rows whose Z is a variable (default all n)."""
    return (n if n_variable is None else n_variable) * n_labels * (min(d, n - 1) + 3) ** 2


def known_rows(problem: Problem) -> np.ndarray:
    """Bool mask (internal order) of the rows whose Z is known to be background: the fixed rows and,
    where a block's rho is 1, every row its rho constraint counts (each must then be background)."""
    known = np.zeros(problem.n, dtype=bool)
    for blk in problem.blocks:
        s = blk.rows.start
        known[s + np.flatnonzero(blk.fixed)] = True
        if blk.rho >= 1.0:
            known[s + np.flatnonzero(blk.rho_rows())] = True
    return known


def solve_exact(Xc: np.ndarray, reg: float, problem: Problem, *, tol: float = 1e-9,
                time_limit: float | None = None, max_iter: int = 200,
                method: str = DIRECT_SOLVE_METHOD) -> ExactResult:
    """Solve the problem for centred features Xc (internal order, n x r) with Clarabel.

    Rows known to be background (`known_rows`) are not variables: their residual terms
    (1/n) ||e_0 - x_i W - b||^2 are a quadratic in (W, b) alone, added to P and q exactly (per
    label the r + 1 square block of [X_k 1]^T [X_k 1]), so the KKT system only grows with the
    other rows.  `method`: Clarabel's direct solver ("faer": supernodal; "qdldl")."""
    import clarabel

    t0 = time.perf_counter()
    n, r = Xc.shape
    L = problem.n_labels
    m = problem.n_slack
    a = float(problem.alpha)
    known = known_rows(problem)
    var = np.flatnonzero(~known)  # the rows whose Z is a variable
    pos = -np.ones(n, dtype=np.int64)
    pos[var] = np.arange(var.size)
    nr = var.size
    nz, nw = nr * L, r * L
    # variables: Z (row-major over the variable rows, k*L + l) | W (row-major, j*L + l) | b (L) | R (like Z) | xi (m)
    oz, ow, ob, orr, ox = 0, nz, nz + nw, nz + nw + L, nz + nw + L + nz
    nv = ox + m
    pdiag = np.zeros(nv)
    pdiag[orr:orr + nz] = 2.0 / n
    pdiag[ow:ow + nw] = 2.0 * reg
    if m:
        pdiag[ox:] = 2.0 * (problem.kappa or 0.0)
    P = sp.diags(pdiag, format="csc")
    q = np.zeros(nv)
    if known.any():
        # (1/n) sum_known ||e_0 - x_k W - b||^2 = (1/n) sum_l [w_l^T G w_l + 2 b_l s^T w_l + n_k b_l^2]
        #   - (2/n) (s^T w_0 + n_k b_0) + const,  G = X_k^T X_k, s = X_k^T 1
        Xk = Xc[known]
        G, s, nk = Xk.T @ Xk, Xk.sum(axis=0), float(known.sum())
        H = np.zeros((r + 1, r + 1))
        H[:r, :r], H[:r, r], H[r, :r], H[r, r] = G, s, s, nk
        idx = np.concatenate([ow + np.arange(r)[:, None] * L, ob + np.zeros((1, 1), dtype=np.int64)])  # label 0
        full = np.concatenate([idx + l for l in range(L)], axis=1)  # (r + 1) x L variable indices
        ii = np.concatenate([np.repeat(full[:, l], r + 1) for l in range(L)])
        jj = np.concatenate([np.tile(full[:, l], r + 1) for l in range(L)])
        P = P + sp.csc_matrix((np.tile((2.0 / n) * H.ravel(), L), (ii, jj)), shape=(nv, nv))
        q[full[:r, 0]] -= (2.0 / n) * s
        q[full[r, 0]] -= (2.0 / n) * nk

    # equality rows: R - Z + Xc W + 1 b^T = 0 (nz rows), Z 1 = 1 (nr rows)
    rows_k = np.repeat(np.arange(nr), L)
    cols_l = np.tile(np.arange(L), nr)
    e = np.arange(nz)
    wr = np.repeat(e, r)  # row (k, l) couples W[j, l] for all j
    wc = ow + (np.tile(np.arange(r), nz) * L + np.repeat(cols_l, r))
    wv = Xc[var][np.repeat(rows_k, r), np.tile(np.arange(r), nz)]
    coupling = sp.csc_matrix((np.concatenate([np.ones(nz), -np.ones(nz), wv, np.ones(nz)]),
                              (np.concatenate([e, e, wr, e]),
                               np.concatenate([orr + e, oz + e, wc, ob + cols_l]))), shape=(nz, nv))
    simplex = sp.csc_matrix((np.ones(nz), (rows_k, oz + e)), shape=(nr, nv))
    A_eq = sp.vstack([coupling, simplex], format="csc")
    b_eq = np.concatenate([np.zeros(nz), np.ones(nr)])

    # inequality rows (A x <= b): -(sum_bag Z[:, l] + xi) <= -alpha (known rows count 1 for label 0),
    # rho rows, Z >= 0, 0 <= xi <= alpha
    ri, ci, vi, bi = [], [], [], []
    k = 0
    xo = 0
    for blk in problem.blocks:
        s0 = blk.rows.start
        for (t, lab, _), offs in zip(blk.bags, blk.slack_offsets):
            pt = pos[s0 + t]
            inside = pt[pt >= 0]
            for l, o in zip(lab, offs):
                ri.append(np.full(inside.size, k)); ci.append(oz + inside * L + int(l)); vi.append(-np.ones(inside.size))
                if o >= 0:
                    ri.append([k]); ci.append([ox + xo + int(o)]); vi.append([-1.0])
                bi.append(-a + (float(np.sum(pt < 0)) if int(l) == 0 else 0.0))
                k += 1
        rr = np.flatnonzero(blk.rho_rows()) if blk.rho > 0 else np.zeros(0, dtype=np.int64)
        pr = pos[s0 + rr]
        if pr.size and (pr >= 0).any():
            inside = pr[pr >= 0]
            ri.append(np.full(inside.size, k)); ci.append(oz + inside * L); vi.append(-np.ones(inside.size))
            bi.append(-blk.rho * rr.size + float(np.sum(pr < 0)))
            k += 1
        xo += blk.n_slack
    cover = sp.csc_matrix((np.concatenate(vi) if vi else np.zeros(0),
                           (np.concatenate(ri) if ri else np.zeros(0, int), np.concatenate(ci) if ci else np.zeros(0, int))),
                          shape=(k, nv))
    nonneg = sp.csc_matrix((-np.ones(nz), (np.arange(nz), oz + e)), shape=(nz, nv))
    parts = [cover, nonneg]
    b_in = [np.asarray(bi, dtype=np.float64), np.zeros(nz)]
    if m:
        parts += [sp.csc_matrix((-np.ones(m), (np.arange(m), ox + np.arange(m))), shape=(m, nv)),
                  sp.csc_matrix((np.ones(m), (np.arange(m), ox + np.arange(m))), shape=(m, nv))]
        b_in += [np.zeros(m), np.full(m, a)]
    A_in = sp.vstack(parts, format="csc")
    A = sp.vstack([A_eq, A_in], format="csc")
    b = np.concatenate([b_eq] + b_in)
    cones = [clarabel.ZeroConeT(A_eq.shape[0]), clarabel.NonnegativeConeT(A_in.shape[0])]
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = tol
    settings.tol_feas = tol
    settings.max_iter = max_iter
    settings.direct_solve_method = method
    if time_limit is not None:
        settings.time_limit = float(time_limit)
    sol = clarabel.DefaultSolver(sp.triu(P, format="csc"), q, A, b, cones, settings).solve()
    status = str(sol.status)
    if "Infeasible" in status:
        raise ConstraintError("the bags cannot be satisfied together (the QP is infeasible; expected jointly "
                              "feasible requirements, or slack kappa)")
    x = np.asarray(sol.x)
    if x.size != nv or not np.isfinite(x).all():
        raise RuntimeError(f"Clarabel returned no solution (status {status})")
    Z = np.zeros((n, L))
    Z[known, 0] = 1.0
    Z[var] = np.clip(x[oz:oz + nz].reshape(nr, L), 0.0, None)
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
        s = blk.rows.start
        for (t, lab, _), offs in zip(blk.bags, blk.slack_offsets):
            for l, o in zip(lab, offs):
                if o >= 0:
                    cov = float(Z[s + t, l].sum())
                    xi[xo + o] = min(max(xi[xo + o], problem.alpha - cov), problem.alpha)
        xo += blk.n_slack
    return xi
