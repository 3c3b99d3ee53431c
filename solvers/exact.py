"""The exact path: the whole problem as one sparse QP, solved by Clarabel's interior point method.

Lifted ridge form (never the n x n matrix A), with the residual R as a variable so that the
quadratic term is diagonal:

    min (1/n) ||R||^2 + reg ||W||^2 + kappa ||xi||^2
    s.t. R = Z - Xc W - 1 b^T,  Z >= 0,  Z 1 = 1,  per bag and required label
         sum_{i in bag} Z[i,l] + xi >= alpha,  0 <= xi <= alpha,  fixed rows Z[i,0] = 1,
         Z[i,l] = 0 for the labels l that i's block does not allow,
         per block sum_{i in rho rows} Z[i,0] >= rho * #(rho rows).

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
import scipy.sparse as sp

from .types import ConstraintError, Problem

# n L (r + 3)^2: the factorization work of one interior point iteration, up to a constant.  Measured
# (2-core machine at load ~9-10): the toy movie's action windows (n = 269-284, d = 162, L = 5, 16
# bags; 3.7e7-3.9e7) 2.3-3.7 s, where FW to tol 1e-5 took 34-53 s and cvxpy 3.5-5 s; the overlapping
# planted family at n = 500 (L = 10, d = 128; 8.6e7) 46 s.  The limit sits between the two.
EXACT_MAX_COST = 50_000_000


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


def solve_exact(Xc: np.ndarray, reg: float, problem: Problem, *, tol: float = 1e-9,
                time_limit: float | None = None, max_iter: int = 200) -> ExactResult:
    """Solve the problem for centred features Xc (internal order, n x r) with Clarabel."""
    import clarabel

    t0 = time.perf_counter()
    n, r = Xc.shape
    L = problem.n_labels
    m = problem.n_slack
    a = float(problem.alpha)
    nz, nw = n * L, r * L
    # variables: Z (row-major, i*L + l) | W (row-major, j*L + l) | b (L) | R (like Z) | xi (m)
    oz, ow, ob, orr, ox = 0, nz, nz + nw, nz + nw + L, nz + nw + L + nz
    nv = ox + m
    pdiag = np.zeros(nv)
    pdiag[orr:orr + nz] = 2.0 / n
    pdiag[ow:ow + nw] = 2.0 * reg
    if m:
        pdiag[ox:] = 2.0 * (problem.kappa or 0.0)
    P = sp.diags(pdiag, format="csc")
    q = np.zeros(nv)

    # equality rows: R - Z + Xc W + 1 b^T = 0 (nz rows), Z 1 = 1 (n rows), Z[fixed, 0] = 1
    rows_i = np.repeat(np.arange(n), L)
    cols_l = np.tile(np.arange(L), n)
    e = np.arange(nz)
    wr = np.repeat(e, r)  # row (i, l) couples W[j, l] for all j
    wc = ow + (np.tile(np.arange(r), nz) * L + np.repeat(cols_l, r))
    wv = Xc[np.repeat(rows_i, r), np.tile(np.arange(r), nz)]
    coupling = sp.csc_matrix((np.concatenate([np.ones(nz), -np.ones(nz), wv, np.ones(nz)]),
                              (np.concatenate([e, e, wr, e]),
                               np.concatenate([orr + e, oz + e, wc, ob + cols_l]))), shape=(nz, nv))
    simplex = sp.csc_matrix((np.ones(nz), (rows_i, oz + e)), shape=(n, nv))
    fixed_rows = np.concatenate([blk.rows.start + np.flatnonzero(blk.fixed) for blk in problem.blocks]
                                + [np.zeros(0, dtype=np.int64)]).astype(np.int64)
    fixed = sp.csc_matrix((np.ones(fixed_rows.size), (np.arange(fixed_rows.size), oz + fixed_rows * L)),
                          shape=(fixed_rows.size, nv))
    banned = _banned_entries(problem)  # Z[i, l] = 0 for the labels block(i) does not allow
    zero = sp.csc_matrix((np.ones(banned.size), (np.arange(banned.size), oz + banned)), shape=(banned.size, nv))
    A_eq = sp.vstack([coupling, simplex, fixed, zero], format="csc")
    b_eq = np.concatenate([np.zeros(nz), np.ones(n), np.ones(fixed_rows.size), np.zeros(banned.size)])

    # inequality rows (A x <= b): -(sum_bag Z[:, l] + xi) <= -alpha, rho rows, Z >= 0, 0 <= xi <= alpha
    ri, ci, vi, bi = [], [], [], []
    k = 0
    xo = 0
    names = []
    for blk in problem.blocks:
        s = blk.rows.start
        for (t, lab, name), offs in zip(blk.bags, blk.slack_offsets):
            for l, o in zip(lab, offs):
                ri.append(np.full(t.size, k)); ci.append(oz + (s + t) * L + int(l)); vi.append(-np.ones(t.size))
                if o >= 0:
                    ri.append([k]); ci.append([ox + xo + int(o)]); vi.append([-1.0])
                bi.append(-a)
                names.append(name)
                k += 1
        rr = np.flatnonzero(blk.rho_rows()) if blk.rho > 0 else np.zeros(0, dtype=np.int64)
        if rr.size:
            ri.append(np.full(rr.size, k)); ci.append(oz + (s + rr) * L); vi.append(-np.ones(rr.size))
            bi.append(-blk.rho * rr.size)
            names.append(f"rho constraint of block {len(names)}")
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
    Z = np.clip(x[oz:oz + nz].reshape(n, L), 0.0, None)
    Z.ravel()[banned] = 0.0
    Z[fixed_rows] = 0.0
    Z[fixed_rows, 0] = 1.0
    Z /= Z.sum(axis=1, keepdims=True)
    xi = np.clip(x[ox:], 0.0, a)
    xi = _restore_feasibility(Z, xi, problem)
    return ExactResult(Z, xi, status, int(sol.iterations), time.perf_counter() - t0)


def _banned_entries(problem: Problem) -> np.ndarray:
    """Flat indices i * L + l (internal order) of the entries of Z a block's allowed labels fix to 0."""
    L = problem.n_labels
    out = [np.zeros(0, dtype=np.int64)]
    for blk in problem.blocks:
        bad = np.flatnonzero(blk.disallowed())
        if bad.size:
            rows = np.arange(blk.rows.start, blk.rows.stop)
            out.append((rows[:, None] * L + bad[None, :]).ravel())
    return np.concatenate(out).astype(np.int64)


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
