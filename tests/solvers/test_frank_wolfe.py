"""Frank-Wolfe, BCFW and the cvxpy reference agree; the gap bounds the suboptimality."""

from __future__ import annotations

import numpy as np
import pytest

from solvers.bcfw import bcfw
from solvers.constraints import build_problem
from solvers.frank_wolfe import frank_wolfe
from solvers.objective import ExplicitObjective, KernelObjective
from solvers.planted import make_planted
from solvers.reference import solve_reference


def small(seed, n=120, L=5, d=8, **kw):
    P = make_planted(n, L, d, random_state=seed, **kw)
    return P


def reference_value(P, reg, problem, solver="CLARABEL"):
    ref = solve_reference(P.X, reg, problem, solver)
    obj = ExplicitObjective(P.X[problem.order], reg)
    Z = np.clip(ref.Z, 0, None)
    Z /= Z.sum(1, keepdims=True)
    kappa = problem.kappa or 0.0
    return obj.value(Z) + kappa * float(np.clip(ref.xi, 0, None) @ np.clip(ref.xi, 0, None)), ref


@pytest.mark.parametrize("seed,kappa,rho", [(0, None, 0.0), (1, None, 0.4), (2, 0.05, 0.0), (3, 0.05, 0.3)])
def test_fw_agrees_with_cvxpy(seed, kappa, rho):
    P = small(seed)
    reg = 0.05
    problem = build_problem(P.X.shape[0], 5, P.bags, kappa=kappa, rho=rho, background=P.negatives)
    res = frank_wolfe(ExplicitObjective(P.X[problem.order], reg), problem, max_iter=5000, tol=1e-8)
    assert res.converged
    ref_val, ref = reference_value(P, reg, problem)
    assert ref.status == "optimal"
    assert res.objective == pytest.approx(ref_val, rel=1e-6)
    # objective_ in exact form equals cvxpy's value of the lifted problem
    assert res.objective == pytest.approx(ref.value, rel=1e-6)


def test_gap_bounds_suboptimality_along_the_run():
    P = small(4)
    reg = 0.05
    problem = build_problem(P.X.shape[0], 5, P.bags, background=P.negatives)
    ref_val, _ = reference_value(P, reg, problem)
    res = frank_wolfe(ExplicitObjective(P.X[problem.order], reg), problem, max_iter=5000, tol=1e-6)
    assert res.converged  # 137 iterations
    F = np.asarray(res.objective_history)
    gaps = np.asarray(res.gap_history) * np.maximum(F, res.scale)
    assert np.all(F - ref_val <= gaps + 1e-9 * ref_val)
    assert res.gap_history[-1] < res.gap_history[0] / 100


@pytest.mark.parametrize("step", ["pairwise", "away", "vanilla"])
def test_global_vertex_variants_decrease_and_are_feasible(step):
    P = small(5, n=60)
    problem = build_problem(60, 5, P.bags, background=P.negatives)
    obj = ExplicitObjective(P.X[problem.order], 0.05)
    res = frank_wolfe(obj, problem, max_iter=5000, tol=1e-3, step=step)
    assert res.converged  # 271 (pairwise), 347 (away), 1,717 (vanilla) iterations
    F = np.asarray(res.objective_history)
    assert np.all(np.diff(F) <= 1e-12)
    Z = res.Z
    np.testing.assert_allclose(Z.sum(1), 1.0, atol=1e-9)
    for t, lab, _ in problem.blocks[0].bags:
        assert (Z[np.ix_(t, lab)].sum(0) >= 1 - 1e-9).all()


def test_factored_beats_vanilla_per_iteration():
    P = small(6, n=150)
    problem = build_problem(150, 5, P.bags, background=P.negatives)
    fac = frank_wolfe(ExplicitObjective(P.X[problem.order], 0.05), problem, max_iter=100, tol=0.0)
    van = frank_wolfe(ExplicitObjective(P.X[problem.order], 0.05), problem, max_iter=100, tol=0.0, step="vanilla")
    assert fac.objective < van.objective
    assert fac.gap_history[-1] < van.gap_history[-1]


def test_kernel_objective_runs_the_same_solver():
    P = small(7, n=80)
    problem = build_problem(80, 5, P.bags, background=P.negatives)
    Xp = P.X[problem.order]
    a = frank_wolfe(ExplicitObjective(Xp, 0.05), problem, max_iter=3000, tol=1e-8)
    b = frank_wolfe(KernelObjective(Xp @ Xp.T, 0.05), problem, max_iter=3000, tol=1e-8)
    assert b.objective == pytest.approx(a.objective, rel=1e-6)


def test_bcfw_matches_fw_and_is_seed_deterministic():
    P = make_planted(300, 5, 8, n_blocks=4, random_state=8)
    problem = build_problem(300, 5, P.bags, blocks=P.blocks, background=P.negatives)
    fw = frank_wolfe(ExplicitObjective(P.X[problem.order], 0.05), problem, max_iter=5000, tol=1e-7)
    r1 = bcfw(ExplicitObjective(P.X[problem.order], 0.05), problem, max_iter=3000, tol=1e-5, random_state=3)
    r2 = bcfw(ExplicitObjective(P.X[problem.order], 0.05), problem, max_iter=3000, tol=1e-5, random_state=3)
    assert r1.converged
    assert r1.objective == pytest.approx(fw.objective, rel=1e-4)
    assert r1.objective - fw.objective <= r1.gap + 1e-12
    np.testing.assert_array_equal(r1.Z, r2.Z)


@pytest.mark.parametrize("solver", ["OSQP", "SCS"])
def test_reference_solvers_selectable_and_agree(solver):
    P = small(9, n=60)
    problem = build_problem(60, 5, P.bags, background=P.negatives)
    clar, _ = reference_value(P, 0.05, problem)
    other, ref = reference_value(P, 0.05, problem, solver)
    assert ref.status.startswith("optimal")
    assert other == pytest.approx(clar, rel=1e-3)


def test_reference_rejects_unknown_solver():
    P = small(9, n=30)
    problem = build_problem(30, 5, P.bags, check_labels=False)
    with pytest.raises(ValueError, match="solver must be one of"):
        solve_reference(P.X, 0.05, problem, "ECOS")


@pytest.mark.parametrize("kappa", [None, 0.5])
def test_fw_with_overlapping_bags_agrees_with_cvxpy(kappa):
    """Overlapping bags go through the LP oracle (possibly fractional vertices)."""
    P = small(10, n=80)
    rng = np.random.default_rng(10)
    bags = []
    starts = [s + o for s in range(0, 72, 9) for o in (0, 3)]  # pairs of windows sharing 2 tracks
    for s in starts:
        t = list(range(s, s + 5))
        ids = sorted(set(P.y[t].tolist()) - {0})
        if ids:
            bags.append((t, list(rng.choice(ids, size=min(2, len(ids)), replace=False))))
    problem = build_problem(80, 5, bags, kappa=kappa, background=P.negatives, check_labels=False)
    assert problem.blocks[0].oracle.multi
    res = frank_wolfe(ExplicitObjective(P.X[problem.order], 0.05), problem, max_iter=4000, tol=1e-7)
    assert res.converged
    ref_val, _ = reference_value(P, 0.05, problem)
    assert res.objective == pytest.approx(ref_val, rel=1e-5)


def test_long_chain_of_overlapping_bags_gap_is_a_certificate():
    """One 25-bag overlapping component: slow (see docs), but the gap still bounds the suboptimality."""
    P = small(10, n=80)
    rng = np.random.default_rng(10)
    bags = []
    for s in range(0, 76, 3):
        t = list(range(s, s + 5))
        ids = sorted(set(P.y[t].tolist()) - {0})
        if ids:
            bags.append((t, list(rng.choice(ids, size=min(2, len(ids)), replace=False))))
    problem = build_problem(80, 5, bags, background=P.negatives, check_labels=False)
    res = frank_wolfe(ExplicitObjective(P.X[problem.order], 0.05), problem, max_iter=1000, tol=1e-3)
    assert res.converged  # 381 iterations (1e-4 takes thousands here: the slow case)
    ref_val, _ = reference_value(P, 0.05, problem)
    F = np.asarray(res.objective_history)
    assert np.all(F - ref_val <= np.asarray(res.gap_history) * np.maximum(F, res.scale) + 1e-9 * ref_val)
    assert res.objective < F[0] and res.objective >= ref_val * (1 - 1e-6)
