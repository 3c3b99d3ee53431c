"""Projected gradient (solvers/projected.py): same optimum as cvxpy, a certified gap, auto's choice."""

import warnings

import numpy as np
import pytest

from solvers.constraints import ConstraintError, build_problem
from solvers.estimator import PG_MIN_LP_ROWS, DiscriminativeClustering, lp_rows
from solvers.planted import make_planted


def F(m, kappa):
    return m.objective_ + (kappa or 0.0) * float(m.slack_ @ m.slack_)


@pytest.mark.parametrize("kappa,rho,scope", [(None, 0.0, "free"), (0.05, 0.3, "free"), (None, 0.3, "all"),
                                             (10.0, 1.0, "free"), (10.0, 0.2, "all")])
def test_projected_gradient_matches_cvxpy_and_certifies_its_gap(kappa, rho, scope):
    P = make_planted(120, 5, 8, random_state=4, overlapping=True)
    kw = {"reg": 0.05, "kappa": kappa, "rho": rho, "rho_scope": scope}
    tol = 1e-6
    pg = DiscriminativeClustering(5, solver="pg", tol=tol, **kw).fit(P.X, P.bags, background=P.negatives)
    cv = DiscriminativeClustering(5, solver="cvxpy", **kw).fit(P.X, P.bags, background=P.negatives)
    assert pg.solver_ == "pg" and pg.converged_
    assert pg.gap_ >= -1e-9  # the oracles' gap bounds F - F* from above: never (beyond rounding) negative
    assert pg.gap_history_[-1] <= tol
    assert F(pg, kappa) == pytest.approx(F(cv, kappa), rel=1e-6, abs=1e-9)
    Z = pg.Z_
    assert np.allclose(Z.sum(axis=1), 1.0) and Z.min() >= 0.0
    assert np.allclose(Z[P.negatives], np.eye(5)[0])
    # hard bags hold to the projections' accuracy, soft ones exactly with their slack (bag order)
    short = [1.0 - Z[list(bag.track_indices), lab].sum() for bag in P.bags for lab in sorted(set(bag.required_labels))]
    if kappa is None:
        assert max(short) <= 1e-5
    else:
        assert np.all(np.asarray(short) <= pg.slack_ + 1e-12)
    if scope == "all":
        assert Z[:, 0].sum() >= rho * (120 - P.negatives.size) - 1e-5


def test_projected_gradient_respects_block_labels_and_blocks():
    from solvers.types import Bag

    P = make_planted(150, 5, 8, random_state=7, overlapping=True, n_blocks=2)
    # block 1 may not take label 4: its bags' requirements of 4 are dropped (bags left empty go)
    bags = []
    for b in P.bags:
        need = [l for l in b.required_labels if not (P.blocks[b.track_indices[0]] == 1 and l == 4)]
        if need:
            bags.append(Bag(b.track_indices, tuple(need)))
    allowed = {1: [1, 2, 3]}
    kw = {"reg": 0.05, "kappa": 10.0, "rho": 0.2, "rho_scope": "all", "tol": 1e-4}
    pg = DiscriminativeClustering(5, solver="pg", **kw).fit(P.X, bags, blocks=P.blocks, background=P.negatives,
                                                            block_labels=allowed)
    cv = DiscriminativeClustering(5, solver="cvxpy", **kw).fit(P.X, bags, blocks=P.blocks, background=P.negatives,
                                                               block_labels=allowed)
    assert pg.converged_
    assert F(pg, 10.0) == pytest.approx(F(cv, 10.0), rel=1e-5)
    assert np.all(pg.Z_[P.blocks == 1, 4] == 0.0)
    assert pg.Z_[P.blocks == 0, 4].max() > 0.5  # block 0 still takes it


def test_infeasible_chained_bags_are_refused():
    X = np.random.default_rng(0).standard_normal((6, 3))
    bags = [((0,), (1,)), ((0, 1), (2,)), ((1,), (3,))]  # track 0 must be 1, track 1 must be 3: no room for 2
    with pytest.raises(ConstraintError, match=r"overlapping bags \[bag 0, bag 1, bag 2\]: no assignment satisfies"):
        DiscriminativeClustering(4, solver="pg").fit(X, bags)


def test_time_limit_is_not_convergence():
    P = make_planted(400, 6, 16, random_state=1, overlapping=True)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        m = DiscriminativeClustering(6, solver="pg", tol=1e-12, time_limit=1e-3).fit(P.X, P.bags,
                                                                                    background=P.negatives)
    assert not m.converged_
    assert sum("stopped before convergence" in str(x.message) for x in w) == 1
    assert np.allclose(m.Z_.sum(axis=1), 1.0)


def test_auto_picks_pg_for_chains_and_fw_for_disjoint_bags_where_the_exact_path_is_slow(monkeypatch):
    import solvers.estimator

    chained = make_planted(300, 5, 8, random_state=2, overlapping=True)
    disjoint = make_planted(300, 5, 8, random_state=2)
    pc = build_problem(300, 5, chained.bags, background=chained.negatives)
    pd = build_problem(300, 5, disjoint.bags, background=disjoint.negatives)
    assert lp_rows(pc) >= PG_MIN_LP_ROWS > lp_rows(pd) == 0
    # rho over all tracks ties the whole block into one LP: projected gradient too
    pa = build_problem(300, 5, disjoint.bags, background=disjoint.negatives, rho=0.2, rho_scope="all")
    assert lp_rows(pa) == 300
    fit = lambda P, **kw: DiscriminativeClustering(5, tol=1e-5, **kw).fit(P.X, P.bags, background=P.negatives)
    assert fit(chained).solver_ == "exact"  # small: the exact path
    monkeypatch.setattr(solvers.estimator, "AUTO_EXACT_COST", 0)  # as if it were large, within the limit
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # a choice by speed, not a fallback: no message
        m = fit(chained)
        assert m.solver_ == "pg" and m.converged_
        assert fit(disjoint).solver_ == "fw"
        # with blocks (movies): projected gradient for chained bags too, BCFW for disjoint ones
        assert DiscriminativeClustering(5, tol=1e-3).fit(chained.X, chained.bags,
                                                         blocks=np.zeros(300, int)).solver_ == "pg"
        assert DiscriminativeClustering(5, tol=1e-3).fit(disjoint.X, disjoint.bags,
                                                         blocks=np.zeros(300, int)).solver_ == "bcfw"
    monkeypatch.setattr(solvers.estimator, "EXACT_MAX_COST", 0)  # past the exact path's limit: said
    with pytest.warns(UserWarning, match="beyond the exact path's size limit.*solver='pg'"):
        assert fit(chained).solver_ == "pg"


def test_every_point_it_returns_or_records_is_feasible():
    """ADMM at a loose tolerance leaves bag rows short (by 1.8e-2 at eps 1e-3 here), with objectives
    below the optimum: such points are redone tighter, recorded with their shortfall, never returned."""
    from solvers.objective import ExplicitObjective
    from solvers.polytope import shortfall_of
    from solvers.projected import FEASIBILITY_TOL, projected_gradient

    P = make_planted(300, 10, 128, random_state=0, overlapping=True)
    problem = build_problem(300, 10, P.bags, background=P.negatives)  # no slack: nothing absorbs a shortfall
    short = shortfall_of(problem)

    obj = ExplicitObjective(P.X[problem.order], 1e-2, device="numpy")
    ref = projected_gradient(obj, problem, max_iter=10**4, tol=1e-7)
    assert ref.converged and short(ref.Z) <= FEASIBILITY_TOL
    for its in (2, 5, 8):
        res = projected_gradient(obj, problem, max_iter=its, tol=1e-7)
        assert not res.converged
        assert short(res.Z) <= FEASIBILITY_TOL, its
        assert res.objective >= ref.objective * (1 - 1e-9)  # no point below the optimum
        _, objective, shortfall = np.asarray(res.iterates).T
        assert objective[-1] == pytest.approx(res.objective, rel=1e-12) and shortfall[-1] <= FEASIBILITY_TOL
        assert np.all(objective[shortfall <= FEASIBILITY_TOL] >= ref.objective * (1 - 1e-6))
