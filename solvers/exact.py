"""The exact path: the whole problem as one QP, solved by an active-set method when it is small
(DAQP, dense) and by Clarabel's interior point method (sparse) otherwise.

Two forms of the same QP.  The lifted ridge form (never the n x n matrix A), with the residual R
as a variable so that the quadratic term is diagonal:

    min (1/n) ||R||^2 + reg ||W||^2 + kappa ||xi||^2
    s.t. R = Z - Xc W - 1 b^T,  Z >= 0,  Z 1 = 1,  per bag and required label
         sum_{i in bag} Z[i,l] + xi >= alpha,  0 <= xi <= alpha,  fixed rows Z[i,0] = 1,
         Z[i,l] = 0 for the labels l that i's block does not allow,
         per block sum_{i in rho rows} Z[i,0] >= rho * #(rho rows);

and, when n is at most twice the rank r of Xc (few tracks, e.g. one movie's), the Z form
min sum_l Z[:, l]^T A Z[:, l] + kappa ||xi||^2 under the same constraints, with A dense
(`RIDGE_FORM_MAX_RATIO`): fewer variables and non-zeros there, same minimiser (f(Z) = Tr Z^T A Z
is the lifted objective minimised over W, b, R; see solvers.objective).

A movie's Z form with at most `DENSE_MAX_VARIABLES` entries of Z and slack (the toy movie's 96
and 111) goes to DAQP's dual active-set method (`solve_dense`): tens of pivots on a dense H where
the interior point method factors its KKT matrix a dozen times; exact up to the proximal
iterations' tolerance, Clarabel where it reports no optimum.

This is the problem `solvers.reference` hands to cvxpy, built directly as Clarabel's sparse
matrices: no modelling layer, so small problems (a movie's tens to hundreds of tracks, where any
component of overlapping bags is small) solve in milliseconds, and overlapping bags cost nothing
special (they are rows of the constraint matrix, whatever their structure).  The interior point
method factors a KKT matrix in which every Z[i, l] is coupled to the r feature coordinates of
W[:, l] (r = rank of Xc <= min(n - 1, d)), so its cost grows like n L r^2 per iteration.  In the
lifted form, rows known to be background (fixed rows; with rho = 1 all the rows rho counts, e.g.
the windows in no bag of the window solve) are no variables: their residuals are a quadratic in
(W, b) alone, added to P exactly, so n here is the number of the other rows.  The KKT system is
factored by faer's supernodal LDL (6x faster than QDLDL on the hard toy's window solve, see
`EXACT_MAX_COST`).  The path has a size limit (`EXACT_MAX_COST` on n_variable L (r + 3)^2);
`DiscriminativeClustering(solver="auto")` falls back to Frank-Wolfe above it, with a message.  The
returned point is made exactly feasible (clipped, rows renormalised) and the caller measures its
exact Frank-Wolfe duality gap with the oracles, or, on the dense path, bounds it by the Lagrangian
of DAQP's multipliers (`LagrangianBound`: no LP; the oracles' LPs where that bound certifies too little).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .backend import single_blas_thread
from .lp import csc_from_triplets
from .polytope import PolytopeRows, polytope_rows
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

# The QP in Z alone (quadratic term 2 A per label, A dense n x n: L n^2 / 2 non-zeros) is smaller than
# the lifted form (n L r couplings, plus W, b and R) unless n is well above the rank r of Xc.
# Measured, Clarabel alone (2-core machine, load 5-6): the toy's 19-track solves (r = 18) 2.1 ms vs
# 3.6 ms CPU; n = 280, r = 162 (overlapping planted, L = 5) 1.4 s vs 2.2 s; n = 500, r = 128 (L = 10)
# 24 s vs 20 s.  The Z form is used while n <= 2 r.
RIDGE_FORM_MAX_RATIO = 2
# The Z form's dense active-set path (`solve_dense`) while Z and the slack have at most this many
# entries.  Measured (`python benchmarks/bench_solvers.py dense`: overlapping planted family, seed 1,
# d = 128, 2-core machine, load ~0.5, best of 3), Clarabel's time over DAQP's: 2.7-2.8x at 234-300
# entries, 1.3-1.4x at 342-500, 0.97x at 600, 1.2x at 700, 0.65x at 1,000, 0.22x at 1,635 (DAQP's
# work grows with the active set, cubically); DAQP's exact gaps 1e-11..1e-14, Clarabel's ~1e-10.
DENSE_MAX_VARIABLES = 600


@dataclass(frozen=True)
class ExactResult:
    Z: np.ndarray  # internal order, rows on the simplex
    xi: np.ndarray
    status: str
    iterations: int
    solve_time: float
    method: str  # "daqp" (dense active set) or Clarabel's direct solver ("faer", "qdldl")
    dual: LagrangianBound | None = None  # the solver's multipliers, where it returns them (DAQP)


@dataclass(frozen=True)
class LagrangianBound:
    """Multipliers mu >= 0 of the polytope's bag and rho rows (over every row of Z, none known), for a
    duality gap without an LP: for any mu >= 0, min <G, S> over the polytope is at least the Lagrangian
    L(mu) = mu^T lo + sum_i min_l c[i, l] + alpha sum_j min(0, c_xi[j]), with the reduced costs
    c = (G, g_xi) - C^T mu and each row's minimum over its allowed labels (the simplex, fixed rows and
    bans kept, the slack's box [0, alpha]).  So <G, Z> + <g_xi, xi> - L(mu) bounds the Frank-Wolfe gap
    of (Z, xi), hence its distance to the optimum, whatever mu is; at the QP's optimal multipliers
    (they are the linearised LP's at the optimum, by the KKT conditions) it equals that gap."""

    poly: PolytopeRows
    mu: np.ndarray  # one per inequality row of `poly` before its Z >= 0 rows
    alpha: float

    def gap(self, G: np.ndarray, gx: np.ndarray, Z: np.ndarray, xi: np.ndarray) -> float:
        """The bound on the Frank-Wolfe gap of the feasible point (Z, xi), gradient (G, gx), internal order."""
        poly, mu = self.poly, np.maximum(self.mu, 0.0)
        n, L = G.shape
        nz = n * L
        lo_rows = poly.n_eq + np.arange(mu.size)  # the bag and rho rows
        sel = (poly.rows >= poly.n_eq) & (poly.rows < poly.n_eq + mu.size)
        ct = np.bincount(poly.cols[sel], weights=poly.vals[sel] * mu[poly.rows[sel] - poly.n_eq],
                         minlength=nz + gx.size)
        c = G.ravel() - ct[:nz]
        c[poly.banned] = np.inf
        c = c.reshape(n, L)
        c[poly.fixed_rows, 1:] = np.inf
        cx = gx - ct[nz:]
        lagrangian = float(mu @ poly.lo[lo_rows]) + float(c.min(axis=1).sum()) + self.alpha * float(np.minimum(cx, 0.0).sum())
        return float(np.sum(G * Z)) + float(gx @ xi) - lagrangian


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


@single_blas_thread
def solve_exact(Xc: np.ndarray, reg: float, problem: Problem, *, tol: float = 1e-9,
                time_limit: float | None = None, max_iter: int = 200,
                method: str | None = None) -> ExactResult:
    """Solve the problem for centred features Xc (internal order, n x r): DAQP when small, else Clarabel.

    In the lifted form, rows known to be background (`known_rows`) are not variables: their
    residual terms (1/n) ||e_0 - x_i W - b||^2 are a quadratic in (W, b) alone, added to P and q
    exactly (per label the r + 1 square block of [X_k 1]^T [X_k 1]), so the KKT system only grows
    with the other rows.  `method`: None (DAQP's dense active-set method on the Z form while Z and
    the slack have at most `DENSE_MAX_VARIABLES` entries, `solve_dense`, and Clarabel with faer
    above it or where DAQP finds no optimum), "daqp" (always the dense path), or Clarabel's direct
    solver ("faer": supernodal; "qdldl")."""
    import clarabel

    t0 = time.perf_counter()
    n, r = Xc.shape
    L = problem.n_labels
    m = problem.n_slack
    a = float(problem.alpha)
    lifted = n > RIDGE_FORM_MAX_RATIO * r
    if method == "daqp" or (method is None and not lifted and n * L + m <= DENSE_MAX_VARIABLES):
        try:
            return solve_dense(Xc, reg, problem, time_limit=time_limit)
        except DenseSolveError:
            if method == "daqp":
                raise
    method = method or DIRECT_SOLVE_METHOD
    # the rows whose Z is a variable (the Z form keeps every row; its fixed rows are equality rows)
    known = known_rows(problem) if lifted else np.zeros(n, dtype=bool)
    var = np.flatnonzero(~known)
    nr = var.size
    nz = nr * L
    rows_k = np.repeat(np.arange(nr), L)
    cols_l = np.tile(np.arange(L), nr)
    e = np.arange(nz)
    q = None
    # variables: Z (row-major over the variable rows, k*L + l) first, xi (m) last; the lifted form has
    # W, b, R between them
    if lifted:
        nw = r * L
        ow, ob, orr = nz, nz + nw, nz + nw + L
        ox = orr + nz
        pr = np.concatenate([orr + e, ow + np.arange(nw)])
        pv = np.concatenate([np.full(nz, 2.0 / n), np.full(nw, 2.0 * reg)])
        pc = pr
        # R - Z + Xc W + 1 b^T = 0: row (k, l) couples W[j, l] for all j
        er = [e, e, np.repeat(e, r), e]
        ec = [orr + e, e, ow + (np.tile(np.arange(r), nz) * L + np.repeat(cols_l, r)), ob + cols_l]
        ev = [np.ones(nz), -np.ones(nz), Xc[var][np.repeat(rows_k, r), np.tile(np.arange(r), nz)], np.ones(nz)]
        k = nz
        if known.any():
            # (1/n) sum_known ||e_0 - x_k W - b||^2 = (1/n) sum_l [w_l^T G w_l + 2 b_l s^T w_l + n_k b_l^2]
            #   - (2/n) (s^T w_0 + n_k b_0) + const,  G = X_k^T X_k, s = X_k^T 1
            Xk = Xc[known]
            G, sk, nk = Xk.T @ Xk, Xk.sum(axis=0), float(known.sum())
            H = np.zeros((r + 1, r + 1))
            H[:r, :r], H[:r, r], H[r, :r], H[r, r] = G, sk, sk, nk
            # per label, the indices of (W[:, l], b_l): increasing, so H's upper triangle is P's
            idx = np.append(ow + np.arange(r) * L, ob)
            iu, ju = np.triu_indices(r + 1)
            hv = (2.0 / n) * H[iu, ju] + 2.0 * reg * ((iu == ju) & (iu < r))  # the ridge on W's diagonal
            bi = np.concatenate([idx[iu] + l for l in range(L)])
            bj = np.concatenate([idx[ju] + l for l in range(L)])
            pr = np.concatenate([orr + e, bi])  # R's diagonal, then the (W, b) blocks (no duplicates)
            pc = np.concatenate([orr + e, bj])
            pv = np.concatenate([np.full(nz, 2.0 / n), np.tile(hv, L)])
            q = np.zeros(ox + m)
            q[ow + np.arange(r) * L] -= (2.0 / n) * sk
            q[ob] -= (2.0 / n) * nk
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
    if m:
        pr = np.concatenate([pr, ox + np.arange(m)])
        pc = np.concatenate([pc, ox + np.arange(m)])
        pv = np.concatenate([pv, np.full(m, 2.0 * (problem.kappa or 0.0))])
    P = csc_from_triplets(pr, pc, pv, (nv, nv))  # upper triangle

    # the polytope's rows (solvers.polytope), after the lifted form's R rows: its equalities as they
    # are, its ">= lo" rows as -A x <= -lo
    poly = polytope_rows(problem, known, ox)
    vals, b_poly = poly.upper_form()
    er.append(k + poly.rows); ec.append(poly.cols); ev.append(vals)
    n_eq = k + poly.n_eq
    b = np.concatenate([np.zeros(k), b_poly])
    k += poly.n_rows
    Acon = csc_from_triplets(np.concatenate(er), np.concatenate(ec), np.concatenate(ev), (k, nv))
    cones = [clarabel.ZeroConeT(n_eq), clarabel.NonnegativeConeT(k - n_eq)]
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = tol
    settings.tol_feas = tol
    settings.max_iter = max_iter
    settings.direct_solve_method = method
    if time_limit is not None:
        settings.time_limit = float(time_limit)
    sol = clarabel.DefaultSolver(P, np.zeros(nv) if q is None else q, Acon, b, cones, settings).solve()
    status = str(sol.status)
    if "Infeasible" in status:
        raise ConstraintError("the bags cannot be satisfied together (the QP is infeasible; expected jointly "
                              "feasible requirements, or slack kappa)")
    x = np.asarray(sol.x)
    if x.size != nv or not np.isfinite(x).all():
        raise RuntimeError(f"Clarabel returned no solution (status {status})")
    Z, xi = feasible_point(x[:nz], x[ox:], problem, poly)
    return ExactResult(Z, xi, status, int(sol.iterations), time.perf_counter() - t0, method)


def feasible_point(z: np.ndarray, xi: np.ndarray, problem: Problem, poly) -> tuple[np.ndarray, np.ndarray]:
    """(Z, xi) in internal order from a solver's Z of the variable rows (flat, row-major) and slack:
    the known rows set to background, the bans and fixed rows imposed, rows clipped and
    renormalised onto the simplex, the slack raised where a bag fell short by the clipping.  One
    for the exact path's solvers and projected gradient's projections."""
    Z = np.zeros((problem.n, problem.n_labels))
    known = poly.pos < 0
    Z[known, 0] = 1.0
    Z[poly.var] = np.clip(z.reshape(poly.var.size, problem.n_labels), 0.0, None)
    Z.ravel()[poly.banned] = 0.0
    Z[poly.fixed_rows] = 0.0
    Z[poly.fixed_rows, 0] = 1.0
    s = Z.sum(axis=1, keepdims=True)
    Z = np.where(s > 0, Z / np.where(s > 0, s, 1.0), np.eye(problem.n_labels)[0])  # (a row clipped to 0: background)
    return Z, restore_feasibility(Z, np.clip(xi, 0.0, problem.alpha), problem)


# DAQP's exit flags that carry an optimal point (1: optimal; 2: optimal with soft constraints)
DAQP_OPTIMAL = (1, 2)
# DAQP's proximal point iterations (A is singular): the weight of the proximal term and the outer
# iterations' stopping tolerance.  At DAQP's default outer tolerance the toy's persons solve stopped at
# a relative duality gap of 1.3e-4 (24 pivots); at 1e-10 the planted problems of `bench_solvers.py
# dense` at up to 7e-5 (their F is ~1e-5); at 1e-12 at 4e-7 or less (one-off measurements).
DAQP_EPS_PROX = 1e-6
DAQP_ETA_PROX = 1e-12


class DenseSolveError(RuntimeError):
    """DAQP returned no optimal point (its exit flag is in the message)."""


def solve_dense(Xc: np.ndarray, reg: float, problem: Problem, *,
                time_limit: float | None = None) -> ExactResult:
    """The Z form with A dense, by DAQP's dual active-set method: for a movie's few tracks (at most
    `DENSE_MAX_VARIABLES` entries of Z and slack) an active-set solve is a few tens of cheap
    pivots where an interior point method factors its KKT system a dozen times.  A is singular
    (A 1 = 0, the unpenalised bias), so DAQP's proximal iterations are on (`DAQP_EPS_PROX`, `DAQP_ETA_PROX`).
    DenseSolveError when DAQP reports no optimum (`solve_exact` then uses Clarabel); an infeasible
    problem is a ConstraintError, as on the interior point path."""
    import daqp

    t0 = time.perf_counter()
    n, r = Xc.shape
    L, m, a = problem.n_labels, problem.n_slack, float(problem.alpha)
    nz = n * L
    nv = nz + m
    M = Xc.T @ Xc + n * reg * np.eye(r)
    A = (np.eye(n) - 1.0 / n - Xc @ np.linalg.solve(M, Xc.T)) / n
    H = np.zeros((nv, nv))
    H[:nz, :nz] = np.kron(A + A.T, np.eye(L))  # 2 A, symmetrised
    H[np.arange(nz, nv), np.arange(nz, nv)] = 2.0 * (problem.kappa or 0.0)
    poly = polytope_rows(problem, np.zeros(n, dtype=bool), nz)
    # DAQP takes Z >= 0 and 0 <= xi <= alpha as simple bounds, so the polytope's last nz rows
    # (Z >= 0) are left out of the general rows
    k = poly.n_rows - nz
    sel = poly.rows < k
    C = np.zeros((k, nv))
    np.add.at(C, (poly.rows[sel], poly.cols[sel]), poly.vals[sel])
    lo = np.concatenate([np.zeros(nv), poly.lo[:k]])
    hi = np.concatenate([np.full(nz, np.inf), np.full(m, a), poly.hi[:k]])
    sense = np.zeros(nv + k, dtype=np.int32)
    sense[nv:nv + poly.n_eq] = 5  # equality rows
    x, _, flag, info = daqp.solve(H, np.zeros(nv), C, hi, lo, sense, eps_prox=DAQP_EPS_PROX, eta_prox=DAQP_ETA_PROX,
                                  time_limit=0.0 if time_limit is None else float(time_limit))
    if flag == -1:
        raise ConstraintError("the bags cannot be satisfied together (the QP is infeasible; expected jointly "
                              "feasible requirements, or slack kappa)")
    x = np.asarray(x)
    if flag not in DAQP_OPTIMAL or x.size != nv or not np.isfinite(x).all():
        raise DenseSolveError(f"DAQP found no optimum (exit flag {flag} after {info['iterations']} iterations)")
    Z, xi = feasible_point(x[:nz], x[nz:], problem, poly)
    # DAQP's multipliers: H x + f + A^T lam = 0, negative where a lower bound is active, so the ">= lo"
    # rows' mu is -lam (simple bounds first, then the general rows: the equalities, the bag and rho rows)
    mu = -np.asarray(info["lam"], dtype=np.float64)[nv + poly.n_eq:]
    return ExactResult(Z, xi, "Solved", int(info["iterations"]), time.perf_counter() - t0, "daqp",
                       LagrangianBound(poly, mu, a))


def restore_feasibility(Z: np.ndarray, xi: np.ndarray, problem: Problem) -> np.ndarray:
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
