"""DiscriminativeClustering: learned attributes, planted recovery, bad input, backends."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from solvers import Bag, ConstraintError, DiscriminativeClustering
from solvers.objective import ExplicitObjective
from solvers.planted import make_planted


@pytest.fixture(scope="module")
def planted():
    return make_planted(400, 6, 16, random_state=11)


@pytest.fixture(scope="module")
def fitted(planted):
    return DiscriminativeClustering(6, reg=0.05, tol=1e-5, solver="fw").fit(planted.X, planted.bags, background=planted.negatives)


def test_learned_attributes(planted, fitted):
    m, n = fitted, planted.X.shape[0]
    assert m.Z_.shape == (n, 6) and m.scores_.shape == (n, 6)
    np.testing.assert_allclose(m.Z_.sum(1), 1.0, atol=1e-9)
    assert m.coef_.shape == (16, 6) and m.intercept_.shape == (6,)
    assert m.converged_ and m.gap_history_[-1] <= 1e-5 and len(m.gap_history_) == m.n_iter_
    np.testing.assert_allclose(m.scores_, planted.X @ m.coef_ + m.intercept_)
    # constraint-respecting rounding satisfies every bag, in the caller's track order
    for b in planted.bags:
        assert set(b.required_labels) <= set(m.labels_[list(b.track_indices)].tolist())
    assert (m.labels_[planted.negatives] == 0).all()
    np.testing.assert_array_equal(m.predict(planted.X), np.argmax(m.scores_, 1))


def test_planted_recovery(planted, fitted):
    acc = np.mean(fitted.labels_ == planted.y)
    assert acc >= 0.75, acc  # nearest-mean oracle ~0.9 on these features


def test_cvxpy_solver_agrees(planted, fitted):
    ref = DiscriminativeClustering(6, reg=0.05, solver="cvxpy").fit(planted.X, planted.bags,
                                                                     background=planted.negatives)
    assert fitted.objective_ == pytest.approx(ref.objective_, rel=1e-4)
    assert np.mean(ref.labels_ == fitted.labels_) > 0.97


def test_fw_is_deterministic_and_bcfw_seeded(planted):
    kw = {"background": planted.negatives}
    # tolerances these runs reach (42 FW iterations, 45 BCFW epochs): converged, not stopped at max_iter
    a = DiscriminativeClustering(6, reg=0.05, tol=1e-3, solver="fw").fit(planted.X, planted.bags, **kw)
    b = DiscriminativeClustering(6, reg=0.05, tol=1e-3, solver="fw").fit(planted.X, planted.bags, **kw)
    assert a.converged_ and a.n_iter_ < a.max_iter
    np.testing.assert_array_equal(a.Z_, b.Z_)
    blocks = np.arange(400) // 100
    bags = [bg for bg in planted.bags if len({t // 100 for t in bg.track_indices}) == 1]
    c = DiscriminativeClustering(6, reg=0.05, solver="bcfw", tol=1e-3, random_state=5).fit(planted.X, bags, blocks, **kw)
    d = DiscriminativeClustering(6, reg=0.05, solver="bcfw", tol=1e-3, random_state=5).fit(planted.X, bags, blocks, **kw)
    assert c.converged_ and c.n_iter_ < c.max_iter
    np.testing.assert_array_equal(c.Z_, d.Z_)


@pytest.mark.parametrize("device", ["cpu"] + (["cuda"] if __import__("torch").cuda.is_available() else []))
def test_torch_backend_agrees_with_numpy(planted, device):
    kw = {"reg": 0.05, "tol": 1e-3, "solver": "fw"}  # converges in 42 iterations on both backends
    a = DiscriminativeClustering(6, device="numpy", **kw).fit(planted.X, planted.bags, background=planted.negatives)
    t = DiscriminativeClustering(6, device=device, **kw).fit(planted.X, planted.bags, background=planted.negatives)
    assert a.converged_ and t.converged_ and t.n_iter_ == a.n_iter_
    np.testing.assert_allclose(t.Z_, a.Z_, atol=1e-8)
    assert t.objective_ == pytest.approx(a.objective_, rel=1e-9)
    np.testing.assert_allclose(t.gap_history_, a.gap_history_, rtol=1e-6)


def test_n_smaller_than_d_is_exact():
    P = make_planted(30, 3, 50, random_state=12)
    m = DiscriminativeClustering(3, reg=0.1, tol=1e-8, max_iter=6000, solver="fw").fit(P.X, P.bags, background=P.negatives)
    r = DiscriminativeClustering(3, reg=0.1, solver="cvxpy").fit(P.X, P.bags, background=P.negatives)
    assert m.coef_.shape == (50, 3)
    # FW's gap certifies 1e-8; Clarabel stops at its default accuracy (~1e-6 relative here)
    assert m.objective_ == pytest.approx(r.objective_, rel=1e-5)
    assert m.objective_ <= r.objective_ * (1 + 1e-8)


# ---- bad input ---------------------------------------------------------------------------------

def test_bag_with_too_few_tracks_names_the_bag():
    X = np.random.default_rng(0).standard_normal((10, 3))
    with pytest.raises(ConstraintError, match=r"scene 7: requires 2 distinct label\(s\).*only 1 track"):
        DiscriminativeClustering(3).fit(X, [Bag((0, 1), (1,)), Bag((4,), (1, 2), name="scene 7")])


def test_bag_with_too_few_tracks_is_fine_with_slack():
    X = np.random.default_rng(0).standard_normal((10, 3))
    m = DiscriminativeClustering(3, kappa=1.0, tol=1e-6).fit(X, [((0, 1), (1,)), ((4,), (1, 2))])
    assert m.slack_.shape == (3,) and m.slack_[1:].sum() >= 1 - 1e-6  # one of the two labels must slack


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_features(bad):
    X = np.ones((10, 3))
    X[4, 2] = bad
    with pytest.raises(ValueError, match=r"non-finite.*\(4, 2\)"):
        DiscriminativeClustering(3).fit(X, [((0, 1), (1,))])


def test_empty_bag_and_empty_labels():
    X = np.random.default_rng(0).standard_normal((10, 3))
    with pytest.raises(ConstraintError, match="bag 1: empty bag"):
        DiscriminativeClustering(3).fit(X, [((0,), (1,)), ((), (2,))])
    with pytest.raises(ConstraintError, match="bag 0: no required labels"):
        DiscriminativeClustering(3).fit(X, [((0,), ())])


def test_label_and_track_out_of_range():
    X = np.random.default_rng(0).standard_normal((10, 3))
    with pytest.raises(ConstraintError, match=r"bag 0: label 3 out of range \(expected 0..2\)"):
        DiscriminativeClustering(3).fit(X, [((0,), (3,))])
    with pytest.raises(ConstraintError, match=r"bag 0: track index 10 out of range"):
        DiscriminativeClustering(3).fit(X, [((10,), (1,))])


def test_label_no_bag_requires_warns():
    X = np.random.default_rng(0).standard_normal((10, 3))
    with pytest.warns(UserWarning, match=r"label\(s\) \[2\] are required by no bag"):
        DiscriminativeClustering(3).fit(X, [((0, 1), (1,))])


def test_bag_spanning_blocks_and_missing_blocks():
    X = np.random.default_rng(0).standard_normal((10, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ConstraintError, match="bag 0: tracks lie in 2 different blocks"):
            DiscriminativeClustering(3, solver="bcfw").fit(X, [((4, 5), (1,))], blocks=[0] * 5 + [1] * 5)
        with pytest.raises(ValueError, match="needs blocks"):
            DiscriminativeClustering(3, solver="bcfw").fit(X, [((4, 5), (1,))])


def test_predict_checks_shape():
    X = np.random.default_rng(0).standard_normal((10, 3))
    m = DiscriminativeClustering(3, max_iter=5).fit(X, [((0, 1), (1,)), ((2, 3), (2,))])
    with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
        m.predict(np.ones((2, 4)))


def test_device_resolution():
    import torch

    from solvers.backend import resolve_backend

    assert resolve_backend("auto") == ("cuda" if torch.cuda.is_available() else "numpy")
    assert resolve_backend("numpy") == "numpy" and resolve_backend("cpu") == "cpu"
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        resolve_backend("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="sees no CUDA device"):
            resolve_backend("cuda")


def test_blocks_scope_rho_for_fw_and_cvxpy_alike():
    P = make_planted(120, 4, 6, random_state=13, n_blocks=3)
    kw = {"blocks": P.blocks, "background": P.negatives}
    a = DiscriminativeClustering(4, reg=0.05, rho=0.5, tol=1e-7, max_iter=5000, solver="fw").fit(P.X, P.bags, **kw)
    b = DiscriminativeClustering(4, reg=0.05, rho=0.5, solver="cvxpy").fit(P.X, P.bags, **kw)
    assert a.objective_ == pytest.approx(b.objective_, rel=1e-5)
    for blk in np.unique(P.blocks):
        free = np.ones(120, bool)
        for bag in P.bags:
            free[list(bag.track_indices)] = False
        free[P.negatives] = False
        sel = free & (P.blocks == blk)
        assert a.Z_[sel, 0].sum() >= 0.5 * sel.sum() - 1e-6


# ---- estimator contract, stopping, exact path ---------------------------------------------------

def test_estimator_contract():
    """What sklearn's check_estimator asks that applies to a bags-supervised estimator: every
    parameter in __init__ (rho included) and stored as given, clone, NotFittedError, idempotent fit."""
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError

    m = DiscriminativeClustering(4, reg=0.05, rho=0.3, rho_scope="all", time_limit=5.0)
    params = m.get_params()
    assert {"rho", "rho_scope", "time_limit", "solver", "device", "tol", "kappa"} <= set(params)
    assert params["rho"] == 0.3 and params["rho_scope"] == "all"
    c = clone(m)
    assert c.get_params() == params and c is not m
    with pytest.raises(NotFittedError):
        m.predict(np.ones((2, 6)))
    P = make_planted(60, 4, 6, random_state=2)
    a = clone(m).fit(P.X, P.bags, background=P.negatives)
    b = a.fit(P.X, P.bags, background=P.negatives)  # refit: same answer, params untouched
    assert b is a and a.get_params() == params and a.n_features_in_ == 6
    np.testing.assert_allclose(a.Z_, clone(m).fit(P.X, P.bags, background=P.negatives).Z_, atol=1e-12)
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        DiscriminativeClustering(4, device="tpu").fit(P.X, P.bags)


@pytest.mark.parametrize("kappa,rho,scope", [(None, 0.0, "free"), (0.05, 0.3, "free"), (None, 0.3, "all"),
                                             (10.0, 1.0, "free")])  # the window solve's settings: free rows known
def test_exact_path_matches_cvxpy_and_certifies_its_gap(kappa, rho, scope):
    P = make_planted(80, 5, 8, random_state=4, overlapping=True)
    kw = {"reg": 0.05, "kappa": kappa, "rho": rho, "rho_scope": scope}
    ex = DiscriminativeClustering(5, solver="exact", **kw).fit(P.X, P.bags, background=P.negatives)
    cv = DiscriminativeClustering(5, solver="cvxpy", **kw).fit(P.X, P.bags, background=P.negatives)
    assert ex.solver_ == "exact" and ex.converged_
    assert abs(ex.gap_history_[-1]) <= 1e-5  # the exact Frank-Wolfe gap of the returned point (IPM accuracy)
    F = lambda m: m.objective_ + (kappa or 0.0) * float(m.slack_ @ m.slack_)
    assert F(ex) == pytest.approx(F(cv), rel=1e-5)
    if scope == "all":
        assert ex.Z_[:, 0].sum() >= rho * (80 - P.negatives.size) - 1e-6


def test_auto_picks_exact_when_small_and_falls_back_with_a_message(monkeypatch):
    import solvers.estimator
    from solvers.constraints import build_problem
    from solvers.exact import exact_cost, known_rows

    P = make_planted(60, 4, 6, random_state=2)
    assert DiscriminativeClustering(4).fit(P.X, P.bags, background=P.negatives).solver_ == "exact"
    big = make_planted(900, 6, 100, random_state=3)
    pr = build_problem(900, 6, big.bags, background=big.negatives)
    n_var = int((~known_rows(pr)).sum())
    assert n_var == 900 - big.negatives.size  # the negatives are fixed: not variables of the QP
    size = exact_cost(900, 100, 6, n_var)
    assert size == n_var * 6 * 103 ** 2
    monkeypatch.setattr(solvers.estimator, "EXACT_MAX_COST", size - 1)  # just below this problem's measure
    monkeypatch.setattr(solvers.estimator, "AUTO_EXACT_COST", size - 1)
    with pytest.warns(UserWarning, match="beyond the exact path's size limit.*solver='fw'"):
        m = DiscriminativeClustering(6, tol=1e-2).fit(big.X, big.bags, background=big.negatives)
    assert m.solver_ == "fw" and m.converged_  # 27 iterations to tol 1e-2


def test_non_convergence_is_returned_and_warned_once():
    P = make_planted(200, 5, 8, random_state=5)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        m = DiscriminativeClustering(5, solver="fw", max_iter=3, tol=1e-8).fit(P.X, P.bags, background=P.negatives)
    conv = [x for x in w if "before convergence" in str(x.message)]
    assert not m.converged_ and m.n_iter_ == 3 and len(conv) == 1


def test_stopping_is_absolute_when_the_optimum_is_near_zero():
    """Bags that the constant assignment meets: F* = 0, where gap <= tol * F never fires; the test
    against max(F, F_start) stops FW well before max_iter."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 16))
    bags = [((2 * k, 2 * k + 1), (1, 2)) for k in range(6)]
    m = DiscriminativeClustering(3, solver="fw", max_iter=5000, tol=1e-4).fit(X, bags)
    assert m.converged_ and m.n_iter_ < 5000 and m.objective_ < 1e-3


def test_overlapping_bags_infeasible_together_are_named():
    X = np.random.default_rng(0).standard_normal((6, 3))
    with pytest.raises(ConstraintError, match=r"overlapping bags \[scene 1, scene 2\]"):
        DiscriminativeClustering(4).fit(X, [Bag((0, 1), (1, 2), name="scene 1"), Bag((0, 1), (3,), name="scene 2")])


@pytest.mark.parametrize("seed,rho,scope,kappa", [(0, 0.0, "free", None), (1, 0.3, "all", 1.0), (2, 0.2, "free", 0.5),
                                                  (3, 0.25, "all", None)])
def test_exact_path_gap_is_the_lp_oracles_gap(seed, rho, scope, kappa):
    """gap_ of the exact path = <G, Z> + <g, xi> - min over the polytope, the minimum taken by the
    reference LP (scipy linprog on the whole block) at the returned point, on small random problems
    with overlapping bags (both forms of the QP: n <= 2r and n > 2r)."""
    from solvers.frank_wolfe import duality_gap
    from solvers.oracle import lp_oracle

    for n, d in ((30, 20), (40, 6)):
        P = make_planted(n, 4, d, random_state=seed, overlapping=True)
        m = DiscriminativeClustering(4, reg=0.05, solver="exact", rho=rho, rho_scope=scope, kappa=kappa).fit(
            P.X, P.bags, background=P.negatives)
        prob = m.problem_
        Zp, xi = m.Z_[prob.order], m.slack_
        obj = ExplicitObjective(P.X[prob.order], 0.05)
        blk = prob.blocks[0]

        def reference_gap(Z, x):
            G, g = 2.0 * obj.apply(Z), 2.0 * (kappa or 0.0) * x
            scale = max(np.abs(G).max(), np.abs(g).max(initial=0.0))  # the reference LP at unit scale
            ref, _, _ = lp_oracle(blk, G / scale, g / scale)
            return float(np.sum(G * Z)) + float(g @ x) - ref * scale, scale

        expected, scale = reference_gap(Zp, xi)
        # at the optimum both are ~0: equal up to the LPs' own accuracy (HiGHS's tolerances, 1e-7 at unit scale)
        assert m.gap_ == pytest.approx(expected, abs=1e-7 * scale)
        # away from it (half way to a feasible vertex: a large gap) the two agree to rounding
        V = blk.oracle(np.random.default_rng(seed).standard_normal(Zp.shape), np.ones(blk.n_slack))
        Zh, xh = (Zp + V.dense(4)) / 2, (xi + V.xi) / 2
        expected, _ = reference_gap(Zh, xh)
        assert expected > 1e-3 * m.objective_
        assert duality_gap(obj, prob, Zh, xh) == pytest.approx(expected, rel=1e-7)
        assert m.converged_ and abs(m.gap_) <= 1e-6 * max(m.objective_, 1e-3)


def test_exact_path_known_rows_and_kkt_solvers_agree():
    """Rows known to be background (fixed, or counted by a rho of 1) are folded into P and q: the optimum
    is cvxpy's, and faer and QDLDL give the same point on overlapping bags."""
    from solvers.constraints import build_problem
    from solvers.exact import known_rows, solve_exact
    from solvers.objective import ExplicitObjective

    P = make_planted(120, 5, 10, random_state=7, overlapping=True)
    pr = build_problem(120, 5, P.bags, alpha=1, kappa=10.0, background=P.negatives, rho=1.0, rho_scope="free")
    known = known_rows(pr)
    assert known.sum() == sum(int(b.fixed.sum() + b.free.sum()) for b in pr.blocks) and 0 < known.sum() < 120
    ex = DiscriminativeClustering(5, solver="exact", reg=0.05, kappa=10.0, rho=1.0).fit(P.X, P.bags,
                                                                                      background=P.negatives)
    assert ex.converged_ and abs(ex.gap_history_[-1]) <= 1e-5
    # the folded rows' residuals are in the objective: the same optimum as cvxpy's, which keeps them as variables
    from solvers.reference import solve_reference

    ref = solve_reference(P.X, 0.05, pr)
    assert ex.objective_ + 10.0 * float(ex.slack_ @ ex.slack_) == pytest.approx(ref.value, rel=1e-6)
    obj = ExplicitObjective(P.X[pr.order], 0.05)
    a, b = (solve_exact(obj.rows.X, 0.05, pr, method=m) for m in ("faer", "qdldl"))
    assert a.status == b.status == "Solved"
    np.testing.assert_allclose(a.Z, b.Z, atol=1e-5)


def test_held_out_scores_are_the_ridge_refitted_without_each_row(planted, fitted):
    """held_out_scores_[i] = the classifier fitted to Z_ on the other rows (same penalty n reg), at row i."""
    X, Z, n, reg = planted.X, fitted.Z_, planted.X.shape[0], fitted.reg
    for i in (0, 7, 123, n - 1):
        keep = np.arange(n) != i
        Xk, Zk = X[keep], Z[keep]
        xm = Xk.mean(axis=0)
        Xc = Xk - xm
        W = np.linalg.solve(Xc.T @ Xc + n * reg * np.eye(X.shape[1]), Xc.T @ (Zk - Zk.mean(axis=0)))
        np.testing.assert_allclose(fitted.held_out_scores_[i], X[i] @ W + Zk.mean(axis=0) - xm @ W, atol=1e-10)
    # held out, a row no longer fits its own target as closely as in-sample
    assert np.abs(fitted.held_out_scores_ - Z).mean() > np.abs(fitted.scores_ - Z).mean()
