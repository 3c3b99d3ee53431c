"""The exact path's dense active-set solver (DAQP) on the Z form: same optimum as Clarabel's interior
point method and cvxpy's, its exact gap, the constraints it must keep, and the fall back to Clarabel."""

from __future__ import annotations

import numpy as np
import pytest

from solvers.constraints import build_problem
from solvers.exact import DENSE_MAX_VARIABLES, DenseSolveError, solve_exact
from solvers.frank_wolfe import duality_gap, start_objective
from solvers.objective import ExplicitObjective
from solvers.planted import make_planted
from solvers.reference import solve_reference

REG = 0.05


@pytest.mark.parametrize("seed,kappa,rho,scope,with_blocks", [(0, None, 0.0, "free", False), (1, 10.0, 0.3, "all", False),
                                                              (2, 10.0, 1.0, "free", True), (3, None, 0.2, "all", True)])
def test_dense_active_set_matches_clarabel_and_cvxpy(constrained_problem, seed, kappa, rho, scope, with_blocks):
    # 30 tracks, 4 labels, 20 features: the Z form (n <= 2 r)
    P, pr = constrained_problem(30, 4, 20, seed, kappa, rho, scope, with_blocks)
    obj = ExplicitObjective(P.X[pr.order], REG)
    Xc = obj.rows.X
    assert pr.n * pr.n_labels + pr.n_slack <= DENSE_MAX_VARIABLES and pr.n <= 2 * Xc.shape[1]
    d = solve_exact(Xc, REG, pr)  # what the exact path picks here
    c = solve_exact(Xc, REG, pr, method="faer")
    assert (d.method, d.status, c.method, c.status) == ("daqp", "Solved", "faer", "Solved")
    k = kappa or 0.0
    F = lambda r: obj.value(r.Z) + k * float(r.xi @ r.xi)
    ref = solve_reference(P.X, REG, pr)
    scale = max(F(d), start_objective(obj, pr))
    # the same optimum up to the interior point methods' accuracy, and never above theirs: each
    # returned point is feasible, so a lower objective is the closer one to the optimum
    assert F(d) == pytest.approx(F(c), rel=1e-5) and F(d) == pytest.approx(ref.value, rel=1e-5)
    assert F(d) <= min(F(c), ref.value) + 1e-12 * scale
    # the active set's point is exact up to the proximal iterations' tolerance: its certified gap is
    # far below the interior point method's 1e-9 stopping tolerance, relative to the objective's scale
    assert abs(duality_gap(obj, pr, d.Z, d.xi)) <= 1e-9 * scale
    # the constraints hold at the returned point: rows on the simplex, fixed rows background, bans kept
    np.testing.assert_allclose(d.Z.sum(axis=1), 1.0, atol=1e-12)
    assert d.Z.min() >= 0.0
    inv = np.empty(30, dtype=np.int64)
    inv[pr.order] = np.arange(30)
    np.testing.assert_array_equal(d.Z[inv[P.negatives], 0], 1.0)
    if with_blocks:
        assert np.all(d.Z[inv[15:], 3] == 0.0)
    if rho > 0:
        for blk in pr.blocks:
            rows = np.flatnonzero(blk.rho_rows())
            assert d.Z[blk.rows][rows, 0].sum() >= blk.rho * rows.size - 1e-9


def test_dense_path_without_an_optimum_says_so_and_auto_falls_back_to_clarabel():
    P = make_planted(60, 5, 128, random_state=1, overlapping=True)
    pr = build_problem(60, 5, P.bags, background=P.negatives, kappa=10.0)
    obj = ExplicitObjective(P.X[pr.order], 1e-2)
    with pytest.raises(DenseSolveError, match=r"DAQP found no optimum \(exit flag -?\d+ after \d+ iterations\)"):
        solve_exact(obj.rows.X, 1e-2, pr, method="daqp", time_limit=1e-6)
    r = solve_exact(obj.rows.X, 1e-2, pr, time_limit=1e-6)  # the same limit: Clarabel runs, and says it stopped
    assert r.method == "faer" and r.status != "Solved"
    full = solve_exact(obj.rows.X, 1e-2, pr)
    assert full.method == "daqp" and full.status == "Solved"


@pytest.mark.parametrize("seed,kappa,rho,scope,with_blocks", [(1, 10.0, 0.3, "all", False), (3, None, 0.2, "all", True),
                                                              (2, 10.0, 1.0, "free", True)])
def test_multipliers_bound_the_gap_and_equal_the_lp_gap_at_the_optimum(constrained_problem, seed, kappa, rho, scope,
                                                                       with_blocks):
    P, pr = constrained_problem(30, 4, 20, seed, kappa, rho, scope, with_blocks)
    obj = ExplicitObjective(P.X[pr.order], REG)
    d = solve_exact(obj.rows.X, REG, pr)
    assert d.method == "daqp" and d.dual is not None and d.dual.mu.size > 0
    G, gx = 2.0 * obj.apply(d.Z), 2.0 * (kappa or 0.0) * d.xi
    lp_gap = duality_gap(obj, pr, d.Z, d.xi)
    scale = max(obj.value(d.Z), start_objective(obj, pr))
    # at DAQP's multipliers the Lagrangian bound is the Frank-Wolfe gap (both ~0 at the optimum)
    assert d.dual.gap(G, gx, d.Z, d.xi) == pytest.approx(lp_gap, abs=1e-9 * scale)
    # any multipliers give a bound at least the LP's gap, at any feasible point, not only at the optimum
    rng = np.random.default_rng(seed)
    Zs = np.full_like(d.Z, 0.0)
    Zs[:, 0] = 1.0  # background everywhere: feasible only with slack, so mix it with the optimum
    for t in (0.0, 0.3) if pr.n_slack else (0.0,):
        Zt, xt = (1 - t) * d.Z + t * Zs, d.xi.copy()
        if t:
            from solvers.exact import restore_feasibility
            xt = restore_feasibility(Zt, xt, pr)
        Gt, gxt = 2.0 * obj.apply(Zt), 2.0 * (kappa or 0.0) * xt
        exact_gap = duality_gap(obj, pr, Zt, xt)
        for mu in (d.dual.mu, np.zeros_like(d.dual.mu), rng.random(d.dual.mu.size) * 0.05):
            bound = type(d.dual)(d.dual.poly, mu, d.dual.alpha).gap(Gt, gxt, Zt, xt)
            assert bound >= exact_gap - 1e-12 * scale


def test_exact_fit_certifies_with_the_multipliers_or_else_with_the_lps(constrained_problem, monkeypatch):
    from solvers import estimator, exact
    from solvers.estimator import DiscriminativeClustering

    P, pr = constrained_problem(30, 4, 20, 1, 10.0, 0.3, "all", False)
    calls = []
    real_gap = estimator.duality_gap
    monkeypatch.setattr(estimator, "duality_gap", lambda *a, **k: calls.append(1) or real_gap(*a, **k))
    m = DiscriminativeClustering(4, reg=REG, solver="exact", kappa=10.0, rho=0.3, rho_scope="all").fit(P.X, P.bags, background=P.negatives)
    assert m.converged_ and abs(m.gap_) <= 1e-9 * m.objective_ and calls == []  # no LP needed
    # multipliers that certify nothing (all zero): the LPs measure the gap, and the fit still converges
    real_dense = exact.solve_dense

    def zero_mu(*a, **k):
        r = real_dense(*a, **k)
        return exact.ExactResult(r.Z, r.xi, r.status, r.iterations, r.solve_time, r.method,
                                 exact.LagrangianBound(r.dual.poly, 0.0 * r.dual.mu, r.dual.alpha))

    monkeypatch.setattr(exact, "solve_dense", zero_mu)
    m2 = DiscriminativeClustering(4, reg=REG, solver="exact", kappa=10.0, rho=0.3, rho_scope="all").fit(P.X, P.bags, background=P.negatives)
    assert calls == [1] and m2.converged_ and m2.objective_ == pytest.approx(m.objective_, rel=1e-12)
