"""Projected gradient's projection by the dual Newton method: the same point as the interior point
projection, rows feasible to 1e-10, with slack, rho over all tracks, fixed rows and banned labels."""

from __future__ import annotations

import numpy as np
import pytest

from solvers.constraints import build_problem
from solvers.dual_projection import DualProjection, simplex_projection
from solvers.exact import known_rows
from solvers.frank_wolfe import start_vertex
from solvers.objective import ExplicitObjective
from solvers.planted import make_planted
from solvers.projected import EPS_RANGE, Projection, projected_gradient


def test_simplex_projection_is_the_nearest_point_of_the_simplex():
    rng = np.random.default_rng(0)
    V = rng.standard_normal((200, 6)) * 2
    allowed = rng.random((200, 6)) > 0.3
    allowed[:, 0] = True
    Z = simplex_projection(V, allowed)
    np.testing.assert_allclose(Z.sum(axis=1), 1.0, atol=1e-12)
    assert Z.min() >= 0 and np.all(Z[~allowed] == 0)
    # optimality: Z = max(V - tau, 0) on the allowed entries with one tau per row, i.e. every allowed
    # entry off the support lies at or below tau and every one on it at V - tau
    for z, v, a in zip(Z, V, allowed):
        on = z > 0
        tau = (v[on] - z[on]).mean()
        np.testing.assert_allclose(v[on] - z[on], tau, atol=1e-12)
        assert np.all(v[a & ~on] <= tau + 1e-12)
    np.testing.assert_allclose(simplex_projection(np.array([[0.2, 0.3, 0.5], [2.0, 0.0, 0.0]])),
                               [[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]], atol=1e-15)


@pytest.mark.parametrize("seed,kappa,rho,scope,with_blocks", [(0, None, 0.0, "free", False), (1, 10.0, 0.3, "all", False),
                                                              (2, 10.0, 1.0, "free", True), (3, None, 0.2, "all", True)])
def test_dual_projection_is_the_interior_point_projection(constrained_problem, seed, kappa, rho, scope, with_blocks):
    P, pr = constrained_problem(120, 5, 10, seed, kappa, rho, scope, with_blocks)
    n = pr.n
    known = known_rows(pr)
    obj = ExplicitObjective(P.X[pr.order], 0.05)
    dual, ipm = DualProjection(pr, known), Projection(pr, known)
    Z, _ = start_vertex(pr)
    w = (kappa or 0.0) * n
    rng = np.random.default_rng(seed)
    for step in range(3):  # successive steps: the second and third are warm-started from the first's multipliers
        Y = Z - n * obj.apply(Z) + 0.5 * rng.standard_normal(Z.shape)
        Zd, xd, short_d = dual(Y)
        Zi, xi_, short_i = ipm(Y, EPS_RANGE[0], accurate=True)
        assert dual.converged and short_d <= 1e-10 and short_i <= 1e-6
        f = lambda Zz, x: 0.5 * float(np.sum((Zz - Y)[~known] ** 2)) + 0.5 * w * float(x @ x)
        assert f(Zd, xd) == pytest.approx(f(Zi, xi_), rel=1e-8)
        assert f(Zd, xd) <= f(Zi, xi_) + 1e-9  # both feasible: the lower one is the nearer the projection
        np.testing.assert_allclose(Zd, Zi, atol=1e-4)
        np.testing.assert_allclose(Zd.sum(axis=1), 1.0, atol=1e-12)
        Z = Zd


def test_projected_gradient_with_either_projection_reaches_the_same_optimum():
    P = make_planted(300, 6, 12, random_state=5, overlapping=True)
    pr = build_problem(300, 6, P.bags, background=P.negatives)
    out = {}
    for projection in ("dual", "osqp"):
        obj = ExplicitObjective(P.X[pr.order], 0.05)
        out[projection] = projected_gradient(obj, pr, max_iter=2000, tol=1e-6, projection=projection)
    assert all(r.converged for r in out.values())
    assert out["dual"].objective == pytest.approx(out["osqp"].objective, rel=1e-5)
    with pytest.raises(ValueError, match="projection must be one of"):
        projected_gradient(ExplicitObjective(P.X[pr.order], 0.05), pr, projection="admm")
