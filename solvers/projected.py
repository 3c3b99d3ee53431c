"""Accelerated projected gradient for the DIFFRAC problem: the solver for bags that chain.

Where bags overlap (a timed sentence's tracks plus a margin), they chain into long components,
Frank-Wolfe's oracle is an LP over the whole chain and its steps move little: it needs hundreds
to thousands of LPs.  Projected gradient needs few iterations instead, because the objective is
well conditioned in the metric that its curvature bound gives: A <= I / n (solvers.objective), so
f is (2/n)-smooth and each step solves

    Z+, xi+ = argmin over the polytope of (1/n) ||Z - (Y - (n/2) grad f(Y))||^2 + kappa ||xi||^2

(the slack's model is exact, its curvature is 2 kappa).  The step contracts the distance to the
optimum on the features' span by s_max = max sigma^2 / (sigma^2 + n reg) (sigma: singular values
of the centred features), so the iterations grow as reg shrinks or the features grow.  FISTA's
momentum (Beck & Teboulle 2009) with restarts when the objective rises (O'Donoghue & Candes 2015).

The projection is a QP with a diagonal quadratic term and the polytope's sparse rows
(solvers.polytope), the same every iteration but for its linear term.  By default it is solved
exactly (to 1e-10) in the dual of its bag and rho rows by a projected Newton method warm-started
from the last step's multipliers (solvers.dual_projection; 3-8 Newton iterations a step on the
overlapping planted family).  With projection="osqp" (and as that method's fall back): OSQP factors its KKT
matrix once and each projection is warm-started from the last, to an accuracy that tightens as
the objective settles.  When ADMM's accuracy runs out (a plain step at its tightest tolerance
raises the objective) the projections switch to Clarabel's interior point method (to 1e-10).
Each iterate is made feasible (clipped, rows renormalised, the slack raised where a bag row falls
short); a projection that leaves a row too short (no slack, the rho rows; see `FEASIBILITY_TOL`) is
redone tighter, and each iterate's shortfall is recorded with it.  The stopping test is the one
Frank-Wolfe uses: the exact duality gap from the blocks' oracles <= tol * max(F, f at the starting vertex).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .backend import single_blas_thread
from .exact import DIRECT_SOLVE_METHOD, feasible_point, known_rows
from .frank_wolfe import SolveResult, Trace, duality_gap, start_vertex
from .lp import csc_from_triplets
from .polytope import polytope_rows
from .types import ConstraintError, Problem

# OSQP's tolerance for a projection: a fraction of the last step's relative change in the objective,
# within these bounds (loose projections while the iterates move a lot, tight ones near the optimum)
EPS_RANGE = (1e-10, 1e-3)
EPS_FRACTION = 1e-2
# a plain step at the tightest projection may rise by OSQP's residual error (relative to max(F, scale))
NOISE = 1e-9
# with interior point projections (to 1e-10), rises below this are their rounding; above it, no descent is left
ACCURATE_NOISE = 1e-7
# How far a row of the polytope may fall short at an accepted iterate (rows in units of alpha): at most
# FEASIBILITY_FRACTION of the last step's relative decrease of the objective (so that comparing objectives
# stays meaningful), and at most FEASIBILITY_TOL where the gap is tested and at the point returned.  A
# looser projection is redone tighter.  (ADMM at eps 1e-3 left bag rows 1.8e-2 short, with objectives below
# the optimum: an earlier version recorded such points, and its 1e-4 times on the overlapping family were
# those of infeasible points.)
FEASIBILITY_TOL = 1e-6
FEASIBILITY_FRACTION = 0.1
PROJECTIONS = ("dual", "osqp")
INFEASIBLE = ("the bags cannot be satisfied together (the projection QP is infeasible; expected jointly feasible "
              "requirements, or slack kappa)")


class Projection:
    """argmin over the polytope of (1/2) ||z - y||^2 + (kappa n / 2) ||xi||^2 (the step above, times n/2),
    for changing y; feasible points out (see `_feasible`)."""

    def __init__(self, problem: Problem, known: np.ndarray, max_iter: int = 20000) -> None:
        import osqp

        n, L, m = problem.n, problem.n_labels, problem.n_slack
        self.problem, self.known = problem, known
        self.poly = polytope_rows(problem, known, xi_offset=(n - int(known.sum())) * L)
        self.nz = self.poly.var.size * L
        nv = self.nz + m
        kappa = problem.kappa or 0.0
        # the slack enters as u = c xi, c = sqrt(kappa n), so that the quadratic term is the identity
        # (ADMM converges slowly when the variables' weights differ by kappa n, ~1e4)
        self.c = float(np.sqrt(kappa * n)) if m else 1.0
        P = sp.identity(nv, format="csc")
        self.A = csc_from_triplets(self.poly.rows, self.poly.cols, self._scaled(self.poly.vals), (self.poly.n_rows, nv))
        self._A_rows = self.A.tocsr()
        self.solver = osqp.OSQP()
        self.solver.setup(P, np.zeros(nv), self.A, self.poly.lo, self.poly.hi, verbose=False,
                          eps_abs=EPS_RANGE[1], eps_rel=EPS_RANGE[1], max_iter=max_iter, warm_starting=True,
                          polishing=False, adaptive_rho=True, check_termination=10)
        self.iterations = 0
        self._ipm = None

    def __call__(self, Y: np.ndarray, eps: float, accurate: bool = False) -> tuple[np.ndarray, np.ndarray, float]:
        """The projection of Y (internal order): by OSQP to tolerance eps, or (`accurate`) by
        Clarabel's interior point method to 1e-10, for when ADMM's accuracy stalls the descent; with
        the most any row of the polytope falls short at the returned point."""
        q = np.concatenate([-Y[self.poly.var].ravel(), np.zeros(self.problem.n_slack)])
        if accurate:
            x = self._clarabel(q)
        else:
            self.solver.update(q=q)
            self.solver.update_settings(eps_abs=eps, eps_rel=eps)
            res = self.solver.solve(raise_error=False)
            status = str(res.info.status).lower()
            if "infeasible" in status:
                raise ConstraintError(INFEASIBLE)
            x = np.asarray(res.x, dtype=np.float64)
            if x.size != self.A.shape[1] or not np.isfinite(x).all():
                raise RuntimeError(f"OSQP returned no solution (status {res.info.status})")
            self.iterations += int(res.info.iter)
        return self._feasible(x)

    def _clarabel(self, q: np.ndarray) -> np.ndarray:
        import clarabel

        if self._ipm is None:
            n_eq = self.poly.n_eq
            vals, b = self.poly.upper_form()
            A = csc_from_triplets(self.poly.rows, self.poly.cols, self._scaled(vals), self.A.shape)
            settings = clarabel.DefaultSettings()
            settings.verbose = False
            settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = EPS_RANGE[0]
            settings.direct_solve_method = DIRECT_SOLVE_METHOD
            cones = [clarabel.ZeroConeT(n_eq), clarabel.NonnegativeConeT(self.poly.n_rows - n_eq)]
            self._ipm = A, b, cones, settings
        A, b, cones, settings = self._ipm
        sol = clarabel.DefaultSolver(sp.identity(A.shape[1], format="csc"), q, A, b, cones, settings).solve()
        x = np.asarray(sol.x, dtype=np.float64)
        if "Infeasible" in str(sol.status):
            raise ConstraintError(INFEASIBLE)
        if x.size != A.shape[1] or not np.isfinite(x).all():
            raise RuntimeError(f"Clarabel returned no projection (status {sol.status})")
        self.iterations += int(sol.iterations)
        return x

    def _feasible(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """`exact.feasible_point` of the solver's x (the slack unscaled), and the most any row still
        falls short (no slack, the rho rows: up to ~20x OSQP's eps)."""
        nz = self.nz
        Z, xi = feasible_point(x[:nz], x[nz:] / self.c, self.problem, self.poly)
        return Z, xi, self.poly.shortfall(self._A_rows @ np.concatenate([Z[self.poly.var].ravel(), self.c * xi]))

    def _scaled(self, vals: np.ndarray) -> np.ndarray:
        """Triplet values with the slack columns' divided by c (the variable is u = c xi)."""
        return np.where(self.poly.cols >= self.nz, vals / self.c, vals)


@single_blas_thread
def projected_gradient(obj, problem: Problem, *, max_iter: int = 1000, tol: float = 1e-6,
                       time_limit: float | None = None, callback=None, projection: str = "dual") -> SolveResult:
    """Minimize f(Z) + kappa ||xi||^2 over the problem's polytope by accelerated projected gradient;
    stop at duality gap <= tol * max(F, f_start) or after `time_limit` seconds (then not converged).
    `projection`: "dual" (each step's projection by the dual Newton method of solvers.dual_projection)
    or "osqp" (ADMM, then interior point projections; the former default, kept for comparison)."""
    from .dual_projection import DualProjection

    if projection not in PROJECTIONS:
        raise ValueError(f"projection must be one of {PROJECTIONS}, got {projection!r}")
    n = problem.n
    kappa = problem.kappa or 0.0
    proj = (DualProjection if projection == "dual" else Projection)(problem, known_rows(problem))
    Z, xi = start_vertex(problem)
    AZ = obj.apply(Z)  # A Z of the current point, and below of the previous one: A is linear, so
    F = float(np.sum(Z * AZ)) + kappa * float(xi @ xi)  # the gradient at the extrapolated point is free
    trace = Trace(tol, time_limit, callback, scale=F - kappa * float(xi @ xi))
    Z_prev, AZ_prev, t_k = Z, AZ, 1.0
    iterates: list[tuple[float, float, float]] = [(trace.elapsed(), F, 0.0)]
    eps = eps_cap = EPS_RANGE[1]  # eps_cap: the loosest tolerance whose projections were feasible enough
    accurate = False
    change, short_now = np.inf, 0.0  # (no decrease yet: the first step may be loose)
    gap, it = np.inf, 0
    for it in range(1, max_iter + 1):
        if it > 1 and trace.out_of_time():  # (also after a step that was redone)
            break
        t_next = (1.0 + np.sqrt(1.0 + 4.0 * t_k * t_k)) / 2.0
        beta = (t_k - 1.0) / t_next
        Yp = Z + beta * (Z - Z_prev)
        Z_new, xi_new, short = proj(Yp - n * (AZ + beta * (AZ - AZ_prev)), eps, accurate)
        if short > max(FEASIBILITY_TOL, FEASIBILITY_FRACTION * change) and not accurate:
            if eps > EPS_RANGE[0]:  # too loose: the same step, tighter
                eps = eps_cap = max(EPS_RANGE[0], min(eps, eps_cap) * 0.1)
                continue
            if short > FEASIBILITY_TOL:  # ADMM's tightest is not enough: interior point projections
                accurate = True
                continue
        AZ_new = obj.apply(Z_new)
        F_new = float(np.sum(Z_new * AZ_new)) + kappa * float(xi_new @ xi_new)
        if F_new > F:
            if t_k > 1.0:  # momentum overshot: restart it from the current point (plain step next)
                t_k, Z_prev, AZ_prev = 1.0, Z, AZ
                continue
            if eps > EPS_RANGE[0]:  # a plain step rose: the projection was too loose
                eps = EPS_RANGE[0]
                continue
            if not accurate and F_new - F > NOISE * trace.denominator(F):
                accurate = True  # ADMM's accuracy is spent: interior point projections from here
                continue
            if accurate and F_new - F > ACCURATE_NOISE * trace.denominator(F):
                break  # a plain step rose with interior point projections: no descent left
        change = (F - F_new) / trace.denominator(F_new)
        Z_prev, AZ_prev, Z, AZ, xi, F, t_k, short_now = Z, AZ, Z_new, AZ_new, xi_new, F_new, t_next, short
        iterates.append((trace.elapsed(), F, short))
        eps = float(min(np.clip(EPS_FRACTION * change, *EPS_RANGE), eps_cap))
        if short > FEASIBILITY_TOL:  # not feasible enough to test or return: tighter from here
            eps = eps_cap = max(EPS_RANGE[0], eps * 0.1)
        elif change <= 2.0 * tol or it % 5 == 0:  # the gap costs an oracle call: test when it may pass
            gap = duality_gap(obj, problem, Z, xi, AZ)
            if trace.record(it, F, gap):
                break
        if trace.out_of_time():
            break
    if short_now > FEASIBILITY_TOL:  # stopped early at a loose iterate: return its accurate projection
        Z, xi, short_now = proj(Z, EPS_RANGE[0], accurate=True)
        AZ = obj.apply(Z)
        F = float(np.sum(Z * AZ)) + kappa * float(xi @ xi)
        iterates.append((trace.elapsed(), F, short_now))
    if not trace.gaps or trace.objs[-1] != F:
        gap = duality_gap(obj, problem, Z, xi, AZ)
        trace.record(it, F, gap)
    obj.reset(Z)
    res = trace.result(obj, xi, F, gap, it)
    res.converged = bool(res.converged and short_now <= FEASIBILITY_TOL)
    res.iterates = iterates
    return res
