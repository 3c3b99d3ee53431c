"""The projection step of projected gradient, solved exactly in the dual of its bag and rho rows.

    min_{Z, xi} (1/2) ||Z - Y||^2 + (w/2) ||xi||^2   s.t. rows of Z on their simplex (fixed rows e_0,
    banned entries 0),  sum_{i in S_r} Z[i, l_r] + xi_r >= b_r  for every bag and rho row r, and
    -Z[i, l] - Z[j, l] >= -1 for every exclusive pair's row (B below holds the rows' signed entries),

with w = kappa n (the step's slack weight).  Given multipliers lam >= 0 of the rows, the minimiser
is separable: Z_i = simplex projection of Y_i + sum_{r containing i} B[r, (i, l_r)] lam_r e_{l_r}, xi_r = lam_r / w,
so the dual  phi(lam) = -min_{Z, xi} Lagrangian  is convex and piecewise quadratic over lam >= 0,
with gradient  B z(lam) + xi(lam) - b  (each row's value minus its bound) and generalised Hessian
B J B^T + I_slack / w, J the block-diagonal Jacobian of the simplex projections (on a row's support
S: I - 1 1^T / |S|).  There are as many dual variables as bag and rho rows (a fraction of the
n L primal ones), and successive steps of projected gradient change Y a little, so a projected
Newton method (Bertsekas 1982) warm-started from the last step's multipliers identifies the active
rows in a few iterations; each iteration is one vectorised simplex projection of every row and one
sparse solve.  It stops when the natural residual |min(lam, grad)| is at most `tol` (units of
alpha): every row then falls short by at most tol and the multipliers are complementary to it.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.sparse.csgraph import connected_components

from .exact import feasible_point
from .polytope import polytope_rows
from .types import Problem

TOL = 1e-10  # the natural residual at which a projection stops (rows in units of alpha)
MAX_ITER = 100
ARMIJO = 1e-4
RESIDUAL_DECREASE = 0.9
NEAR = 1e-6  # below this natural residual a step is also accepted when it shrinks the residual
MIN_STEP = 1e-10


def simplex_projection(V: np.ndarray, allowed: np.ndarray | None = None) -> np.ndarray:
    """Each row of V projected onto the probability simplex over its allowed entries (the others 0)."""
    n, L = V.shape
    W = V if allowed is None else np.where(allowed, V, -np.inf)
    srt = -np.sort(-W, axis=1)
    finite = np.isfinite(srt)
    cs = np.cumsum(np.where(finite, srt, 0.0), axis=1)
    j = np.arange(1, L + 1)
    cond = finite & (srt - (cs - 1.0) / j > 0)
    k = L - np.argmax(cond[:, ::-1], axis=1)  # the last j where cond holds (cond is a prefix)
    tau = (cs[np.arange(n), k - 1] - 1.0) / k
    return np.maximum(W - tau[:, None], 0.0)


class DualProjection:
    """The projection of `projected_gradient` by the dual Newton method above; the same call as
    `projected.Projection` (eps and accurate are not needed: every projection is solved to TOL).
    A projection that does not reach TOL in MAX_ITER Newton iterations is redone by
    `projected.Projection`'s interior point method (to 1e-10)."""

    def __init__(self, problem: Problem, known: np.ndarray) -> None:
        n, L = problem.n, problem.n_labels
        self.problem, self.known = problem, known
        poly = polytope_rows(problem, known, xi_offset=(n - int(known.sum())) * L)
        self.poly = poly
        nr = poly.var.size
        nz = nr * L
        self.w = float(problem.kappa or 0.0) * n
        ineq = (poly.rows >= poly.n_eq) & (poly.rows < poly.n_rows - nz)
        r, c, v = poly.rows[ineq] - poly.n_eq, poly.cols[ineq], poly.vals[ineq]
        self.n_ineq = k = poly.n_rows - nz - poly.n_eq
        self.b = poly.lo[poly.n_eq:poly.n_eq + k]
        zc = c < nz
        self.B = sp.csr_matrix((v[zc], (r[zc], c[zc])), shape=(k, nz))  # +1 (bags, rho), -1 (exclusive pairs)
        self.BT = self.B.T.tocsr()
        self.slack = -np.ones(k, dtype=np.int64)  # row -> its slack index
        self.slack[r[~zc]] = c[~zc] - nz
        self.has_slack = self.slack >= 0  # (slack exists only with kappa > 0: w > 0)
        allowed = np.ones(nz, dtype=bool)
        b, p = poly.banned, poly.pos
        allowed[(p[b // L] * L + b % L)[p[b // L] >= 0]] = False
        self.allowed = allowed.reshape(nr, L)
        fixed = p[poly.fixed_rows][p[poly.fixed_rows] >= 0]
        self.allowed[fixed] = False
        self.allowed[fixed, 0] = True
        # the dual separates over components of rows that share tracks: each takes its own step.
        # Rows and tracks, a row joined to the tracks it counts (a track's entries share its simplex)
        R = (self.B @ sp.kron(sp.identity(nr, format="csr"), np.ones((L, 1)), format="csr")).tocsr()
        G = sp.bmat([[None, R], [R.T, None]]).tocsr() if k else sp.csr_matrix((nr + k, nr + k))
        self.n_comp, lab = connected_components(G, directed=False)
        self.comp_row = lab[:k]
        self.comp_entry = np.repeat(lab[k:], L)  # per entry of Z, its track's component
        self.lam = np.zeros(k)
        self.converged = True  # whether the last projection reached TOL
        self._fallback = None

    def _primal(self, Yv: np.ndarray, lam: np.ndarray):
        V = Yv + (self.BT @ lam).reshape(Yv.shape)
        Z = simplex_projection(V, self.allowed)
        xi = np.where(self.has_slack, lam / self.w, 0.0) if self.w > 0 else np.zeros_like(lam)
        grad = self.B @ Z.ravel() + xi - self.b
        # phi(lam) = -(b^T lam - sum_slack lam^2 / (2 w) + sum_i [1/2 ||Z_i - Y_i||^2 - <c_i, Z_i>]), per component
        entry = 0.5 * (Z - Yv) ** 2 - (V - Yv) * Z
        phi = -(np.bincount(self.comp_row, weights=self.b * lam - 0.5 * lam * xi, minlength=self.n_comp)
                + np.bincount(self.comp_entry, weights=entry.ravel(), minlength=self.n_comp))
        return Z, xi, grad, phi

    def _hessian(self, Z: np.ndarray) -> sp.csr_matrix:
        """B J B^T (+ I / w on slack rows), J_i = diag(s_i) - s_i s_i^T / |S_i| on each row's support s_i."""
        s = (Z > 0).astype(np.float64)
        U = self.B.multiply(s.ravel()[None, :]).tocsr()
        size = s.sum(axis=1)
        nr, L = Z.shape
        # V = B diag(s) E diag(1 / sqrt|S|): row r, column i -> (number of r's entries in i's support) / sqrt|S_i|
        E = sp.csr_matrix((np.repeat(1.0 / np.sqrt(np.maximum(size, 1.0)), L), (np.arange(nr * L), np.repeat(np.arange(nr), L))),
                          shape=(nr * L, nr))
        Vm = U @ E
        H = (U @ U.T - Vm @ Vm.T).tocsr()
        if self.w > 0:
            H = H + sp.diags(np.where(self.has_slack, 1.0 / self.w, 0.0))
        return H

    def _residual(self, lam: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """The natural residual |min(lam, grad)| per component (0 for components without rows)."""
        res = np.zeros(self.n_comp)
        np.maximum.at(res, self.comp_row, np.abs(np.minimum(lam, grad)))
        return res

    def solve(self, Yv: np.ndarray, tol: float = TOL) -> tuple[np.ndarray, np.ndarray, int]:
        """(Z of the variable rows, xi per row, Newton iterations) of the projection of Yv (variable
        rows); `converged` says whether it reached tol."""
        lam = np.maximum(self.lam, 0.0)
        Z, xi, grad, phi = self._primal(Yv, lam)
        it = 0
        for it in range(1, MAX_ITER + 1):
            res_c = self._residual(lam, grad)
            if res_c.max(initial=0.0) <= tol:
                break
            res = res_c[self.comp_row]  # each row's component's residual
            active = (lam <= min(res_c.max(), 1e-3)) & (grad > 0)
            free = np.flatnonzero(~active)
            d = -grad.copy()
            if free.size:
                H = self._hessian(Z)[free][:, free].tocsc()
                diag = H.diagonal()
                # rows with no curvature (their label is in none of their tracks' supports): a unit one,
                # i.e. raise the multiplier by the shortfall; the others a Levenberg-Marquardt ridge that
                # shrinks with their component's residual (H is singular where rows move together: two
                # rows over one track whose support is their two labels), so that steps stay bounded far
                # from the optimum and are Newton's near it
                mu = np.maximum(1e-10, np.minimum(1e-2, res[free]))
                H = H + sp.diags(np.where(diag < 1e-12, 1.0, mu))
                d[free] = -spla.spsolve(H, grad[free])
            t = np.ones(self.n_comp)
            done = res_c <= tol  # components already solved keep their multipliers
            lam_new, Z_new, xi_new, g_new, phi_new = lam.copy(), Z.copy(), xi.copy(), grad.copy(), phi.copy()
            while True:
                tr = t[self.comp_row]
                lam_t = np.where(done[self.comp_row], lam_new, np.maximum(lam + tr * d, 0.0))
                Zt, xit, gt, phit = self._primal(Yv, lam_t)
                # the Armijo decrease per row: along d where free, along the projection arc where active
                dec = np.bincount(self.comp_row, weights=np.where(active, grad * (lam - lam_t), -grad * tr * d),
                                  minlength=self.n_comp)
                # Armijo on phi, or near the optimum (residual <= NEAR) a step that shrinks the natural
                # residual: there phi's decrease falls below its rounding (~1e-14 |phi|) while the
                # residual still resolves it
                ok = (phit <= phi - ARMIJO * dec) | (t < MIN_STEP) | (
                    (res_c <= NEAR) & (self._residual(lam_t, gt) <= RESIDUAL_DECREASE * res_c))
                take = ok & ~done  # components whose step is taken at this trial
                rows, ents = take[self.comp_row], take[self.comp_entry].reshape(Z.shape)
                lam_new = np.where(rows, lam_t, lam_new)
                xi_new, g_new = np.where(rows, xit, xi_new), np.where(rows, gt, g_new)
                Z_new, phi_new = np.where(ents, Zt, Z_new), np.where(take, phit, phi_new)
                done = ok | done
                if done.all():
                    break
                t = np.where(done, t, 0.5 * t)
            lam, Z, xi, grad, phi = lam_new, Z_new, xi_new, g_new, phi_new
        self.lam = lam
        self.converged = bool(self._residual(lam, grad).max(initial=0.0) <= tol)
        return Z, xi, it

    def __call__(self, Y: np.ndarray, eps: float = 0.0, accurate: bool = False) -> tuple[np.ndarray, np.ndarray, float]:
        """The projection of Y (internal order, n x L): (Z, xi, the most any row falls short)."""
        Zv, xi_rows, _ = self.solve(np.asarray(Y, dtype=np.float64)[self.poly.var])
        if not self.converged:  # the interior point projection instead (and its message if infeasible)
            from .projected import EPS_RANGE, Projection

            if self._fallback is None:
                self._fallback = Projection(self.problem, self.known)
            self.lam = np.zeros(self.n_ineq)
            return self._fallback(Y, EPS_RANGE[0], accurate=True)
        xi = np.zeros(self.problem.n_slack)
        xi[self.slack[self.has_slack]] = xi_rows[self.has_slack]
        Z, xi = feasible_point(Zv.ravel(), xi, self.problem, self.poly)
        vals = self.B @ Z[self.poly.var].ravel()
        vals[self.has_slack] += xi[self.slack[self.has_slack]]
        return Z, xi, float(max(0.0, np.max(self.b - vals, initial=0.0)))
