"""The problem's polytope as sparse rows lo <= A x <= hi, for the solvers that hand it to a QP solver.

x holds Z of the variable rows (row-major, k * L + l for the k-th variable row) in columns
0..nz-1 and the slack xi from column `xi_offset` on.  Rows known to be background (`known`, e.g.
`exact.known_rows`) are no variables: they count 1 towards label 0 in every bag and rho row that
holds them.  The rows, in this order: the equalities (Z 1 = 1 per variable row, Z[i, 0] = 1 for
fixed rows that are variables, Z[i, l] = 0 for the labels a block does not allow), then per block
its bag rows sum_{i in bag} Z[i, l] + xi >= alpha, its rho row and its exclusive pairs' rows
-Z[i, l] - Z[j, l] >= -1 (`Block.exclusive_rows`; a pair with a known row holds), then Z >= 0.  The slack's
bounds 0 <= xi <= alpha are left out: with kappa > 0 they hold at the optimum of any problem
whose only slack term is kappa ||xi||^2 (lowering xi < 0 to 0 or xi > alpha to alpha keeps every
bag row satisfied, as sum_bag Z >= 0, and lowers kappa xi^2); callers clip the returned xi.
One builder for the exact QP (`solvers.exact`) and the projection of projected gradient
(`solvers.projected`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .types import Problem


@dataclass(frozen=True)
class PolytopeRows:
    """The rows lo <= A x <= hi as triplets (row, col, val); the first `n_eq` rows are equalities."""

    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    n_eq: int
    var: np.ndarray  # internal indices of the variable rows
    pos: np.ndarray  # internal row -> its index among the variable rows, -1 when known
    banned: np.ndarray  # flat internal indices i * L + l of the entries fixed to 0
    fixed_rows: np.ndarray  # internal indices of the rows fixed to background

    @property
    def n_rows(self) -> int:
        return int(self.lo.size)

    def shortfall(self, values: np.ndarray) -> float:
        """The most any inequality row falls short of its bound, given the rows' values A x (units of alpha)."""
        return float(max(0.0, np.max(self.lo[self.n_eq:] - values[self.n_eq:], initial=0.0)))

    def upper_form(self) -> tuple[np.ndarray, np.ndarray]:
        """(vals, b) of the rows as Clarabel takes them: the equalities as they are, the ">= lo" rows
        as -A x <= -lo (the triplets' values signed per row)."""
        sign = np.where(np.arange(self.n_rows) < self.n_eq, 1.0, -1.0)
        return self.vals * sign[self.rows], sign * self.lo


def shortfall_of(problem: Problem):
    """f(Z, xi=None) -> the most any row of the problem's polytope falls short at (Z, xi) (internal
    order, every row of Z a variable; xi None: no slack): for checking any solver's point."""
    import scipy.sparse as sp

    n, L, m = problem.n, problem.n_labels, problem.n_slack
    poly = polytope_rows(problem, np.zeros(n, dtype=bool), n * L)
    A = sp.csr_matrix((poly.vals, (poly.rows, poly.cols)), shape=(poly.n_rows, n * L + m))

    def shortfall(Z: np.ndarray, xi: np.ndarray | None = None) -> float:
        return poly.shortfall(A @ np.concatenate([np.asarray(Z).ravel(), np.zeros(m) if xi is None else xi]))

    return shortfall


def banned_entries(problem: Problem) -> np.ndarray:
    """Flat indices i * L + l (internal order) of the entries of Z a block's allowed labels fix to 0."""
    L = problem.n_labels
    out = [np.zeros(0, dtype=np.int64)]
    for blk in problem.blocks:
        bad = np.flatnonzero(blk.disallowed())
        if bad.size:
            rows = np.arange(blk.rows.start, blk.rows.stop)
            out.append((rows[:, None] * L + bad[None, :]).ravel())
    return np.concatenate(out).astype(np.int64)


def polytope_rows(problem: Problem, known: np.ndarray, xi_offset: int) -> PolytopeRows:
    """The polytope's rows over x = (Z of the rows not `known`, ..., xi at `xi_offset`)."""
    n, L = problem.n, problem.n_labels
    a = float(problem.alpha)
    var = np.flatnonzero(~known)
    pos = -np.ones(n, dtype=np.int64)
    pos[var] = np.arange(var.size)
    nr = var.size
    nz = nr * L
    e = np.arange(nz)
    er, ec, ev, lo = [np.repeat(np.arange(nr), L)], [e], [np.ones(nz)], [np.ones(nr)]
    k = nr
    fixed_rows = np.concatenate([blk.rows.start + np.flatnonzero(blk.fixed) for blk in problem.blocks]
                                + [np.zeros(0, dtype=np.int64)]).astype(np.int64)
    fixed_var = pos[fixed_rows][pos[fixed_rows] >= 0]
    er.append(k + np.arange(fixed_var.size)); ec.append(fixed_var * L); ev.append(np.ones(fixed_var.size))
    lo.append(np.ones(fixed_var.size))
    k += fixed_var.size
    banned = banned_entries(problem)
    bvar = pos[banned // L] * L + banned % L
    bvar = bvar[pos[banned // L] >= 0]
    er.append(k + np.arange(bvar.size)); ec.append(bvar); ev.append(np.ones(bvar.size)); lo.append(np.zeros(bvar.size))
    k += bvar.size
    n_eq = k
    xo = 0
    for blk in problem.blocks:
        s, cov = blk.rows.start, blk.cover()
        p = pos[s + cov.entry_track]
        inside = p >= 0
        er.append(k + cov.entry_row[inside]); ec.append(p[inside] * L + cov.label[cov.entry_row[inside]])
        ev.append(np.ones(int(inside.sum())))
        has = np.flatnonzero(cov.slack >= 0)
        er.append(k + has); ec.append(xi_offset + xo + cov.slack[has]); ev.append(np.ones(has.size))
        known_in = np.bincount(cov.entry_row[~inside], minlength=cov.n_rows)
        lo.append(a - np.where(cov.label == 0, known_in, 0).astype(np.float64))
        k += cov.n_rows
        rr = np.flatnonzero(blk.rho_rows()) if blk.rho > 0 else np.zeros(0, dtype=np.int64)
        prr = pos[s + rr]
        if (prr >= 0).any():  # (a rho row over known rows only holds: rho <= 1)
            inside_r = prr[prr >= 0]
            er.append(np.full(inside_r.size, k)); ec.append(inside_r * L); ev.append(np.ones(inside_r.size))
            lo.append([blk.rho * rr.size - float(np.sum(prr < 0))])
            k += 1
        pp, pl = blk.exclusive_rows()
        pi, pj = pos[s + pp[:, 0]], pos[s + pp[:, 1]]
        both = (pi >= 0) & (pj >= 0)
        if both.any():
            pr = k + np.arange(int(both.sum()))
            er += [pr, pr]; ec += [pi[both] * L + pl[both], pj[both] * L + pl[both]]
            ev.append(-np.ones(2 * pr.size)); lo.append(np.full(pr.size, -1.0))
            k += pr.size
        xo += blk.n_slack
    er.append(k + e); ec.append(e); ev.append(np.ones(nz)); lo.append(np.zeros(nz))
    k += nz
    lo_all = np.concatenate(lo).astype(np.float64)
    hi_all = np.full(k, np.inf)
    hi_all[:n_eq] = lo_all[:n_eq]
    return PolytopeRows(np.concatenate(er).astype(np.int64), np.concatenate(ec).astype(np.int64),
                        np.concatenate(ev).astype(np.float64), lo_all, hi_all, n_eq, var, pos, banned, fixed_rows)
