"""Labels per block: a block's tracks may take only its own labels (and background), in every solver."""

from __future__ import annotations

import numpy as np
import pytest

from solvers.bcfw import bcfw
from solvers.constraints import ConstraintError, build_problem
from solvers.estimator import DiscriminativeClustering
from solvers.frank_wolfe import frank_wolfe
from solvers.objective import ExplicitObjective
from solvers.oracle import lp_oracle
from solvers.planted import make_planted
from solvers.reference import solve_reference


def two_episodes():
    """Block 0 (tracks 0-5) has people 1 and 2; block 1 (tracks 6-11) has people 2 and 3. Track 6 looks
    exactly like person 1 (the two tracks bag 0 gives person 1), but person 1 is not in block 1."""
    rng = np.random.default_rng(0)
    centre = {p: rng.normal(size=6) * 3 for p in (1, 2, 3)}
    who = [1, 1, 2, 2, 2, 2, 1, 2, 2, 3, 3, 3]
    X = np.array([centre[p] + 0.05 * rng.normal(size=6) for p in who])
    bags = [((0, 1), (1,)), ((2, 3), (2,)), ((4, 5), (2,)),
            ((7, 8), (2,)), ((9, 10), (3,)), ((10, 11), (3,))]
    blocks = [0] * 6 + [1] * 6
    return X, bags, blocks


@pytest.mark.parametrize("solver", ["exact", "bcfw"])
def test_a_track_takes_a_foreign_name_without_the_restriction_and_not_with_it(solver):
    X, bags, blocks = two_episodes()
    free = DiscriminativeClustering(4, reg=0.01, solver="exact").fit(X, bags, blocks)
    assert free.labels_[6] == 1  # person 1, who only occurs in block 0
    held = DiscriminativeClustering(4, reg=0.01, solver=solver, max_iter=2000, random_state=0)
    held.fit(X, bags, blocks, block_labels={0: [1, 2], 1: [2, 3]})
    assert held.converged_
    assert held.labels_[6] in (0, 2)  # nobody, or the one person of its episode it could be
    assert held.labels_[:2].tolist() == [1, 1] and held.labels_[9:].tolist() == [3, 3, 3]
    assert np.all(held.Z_[6:, 1] == 0.0) and np.all(held.Z_[:6, 3] == 0.0)  # exactly zero, not small
    # nor does the held-out classifier score a track on a label its block bars
    assert np.all(held.held_out_scores_[6:, 1] == -np.inf) and np.all(held.held_out_scores_[:6, 3] == -np.inf)
    assert np.isfinite(held.held_out_scores_[6:, [0, 2, 3]]).all() and np.isfinite(free.held_out_scores_).all()


@pytest.mark.parametrize("solver,tol", [("fw", 3e-3), ("bcfw", 3e-3), ("exact", 1e-4), ("pg", 1e-4)])
def test_every_solver_agrees_with_cvxpy_under_the_restriction(solver, tol):
    X, bags, blocks = two_episodes()
    labels = {0: [1, 2], 1: [2, 3]}
    problem = build_problem(12, 4, bags, blocks=blocks, block_labels=labels, kappa=1.0, rho=0.1, rho_scope="all")
    ref = solve_reference(X, 0.01, problem)
    assert ref.status == "optimal"
    assert np.abs(ref.Z[6:, 1]).max() < 1e-7 and np.abs(ref.Z[:6, 3]).max() < 1e-7
    # tol is relative to max(F, f at the starting vertex).  FW's and BCFW's objectives come within 1e-4 of
    # the optimum here, but their duality gap stalls at ~2e-3 of that scale (the whole block's LP
    # vertices, rho over all tracks): they are held to 3e-3
    m = DiscriminativeClustering(4, reg=0.01, solver=solver, kappa=1.0, rho=0.1, rho_scope="all", max_iter=5000,
                                 tol=tol, random_state=0).fit(X, bags, blocks, block_labels=labels)
    assert m.converged_
    F = m.objective_ + float(m.slack_ @ m.slack_)
    assert F == pytest.approx(ref.value, rel=1e-3)
    # the gap over the restricted set bounds the suboptimality (up to cvxpy's own tolerance)
    assert F - ref.value <= max(m.gap_, 0.0) + 1e-8
    assert np.all(m.Z_[6:, 1] == 0.0) and np.all(m.Z_[:6, 3] == 0.0)


@pytest.mark.parametrize("kappa,rho,scope", [(None, 0.0, "free"), (0.5, 0.3, "free"), (0.5, 0.2, "all"),
                                             (None, 0.2, "all")])
def test_oracle_is_the_restricted_lp(kappa, rho, scope):
    P = make_planted(160, 6, 5, n_blocks=3, random_state=4)
    labels = {0: [1, 2, 3], 1: [2, 4, 5], 2: [1, 5]}
    bags = [b for b in P.bags if set(b.required_labels) <= set(labels[int(P.blocks[b.track_indices[0]])]) | {0}]
    problem = build_problem(160, 6, bags, kappa=kappa, rho=rho, rho_scope=scope, blocks=P.blocks,
                            block_labels=labels)
    rng = np.random.default_rng(1)
    for blk, key in zip(problem.blocks, (0, 1, 2)):
        for _ in range(3):
            C = rng.normal(size=(blk.size, 6))
            C[:, [k for k in range(1, 6) if k not in labels[key]]] -= 5.0  # the forbidden labels look best
            g = rng.uniform(0.0, 1.0, blk.n_slack)
            v = blk.oracle(C, g)
            value, Zlp, _ = lp_oracle(blk, C, g)
            assert v.inner(C, g) == pytest.approx(value, abs=1e-9)
            forbidden = [k for k in range(1, 6) if k not in labels[key]]
            assert np.all(v.dense(6)[:, forbidden] == 0.0)
            assert np.abs(Zlp[:, forbidden]).max() == 0.0


def test_bcfw_on_planted_blocks_matches_fw_with_the_restriction():
    P = make_planted(240, 5, 8, n_blocks=3, random_state=8)
    labels = {0: [1, 2, 3], 1: [1, 2, 3, 4], 2: [2, 3, 4]}
    bags = [b for b in P.bags if set(b.required_labels) <= set(labels[int(P.blocks[b.track_indices[0]])]) | {0}]
    problem = build_problem(240, 5, bags, blocks=P.blocks, background=P.negatives, block_labels=labels)
    fw = frank_wolfe(ExplicitObjective(P.X[problem.order], 0.05), problem, max_iter=5000, tol=1e-7)
    bc = bcfw(ExplicitObjective(P.X[problem.order], 0.05), problem, max_iter=3000, tol=1e-6, random_state=3)
    assert fw.converged and bc.converged
    assert bc.objective == pytest.approx(fw.objective, rel=1e-4)
    Z = bc.Z
    for blk, key in zip(problem.blocks, (0, 1, 2)):
        forbidden = [k for k in range(1, 5) if k not in labels[key]]
        assert np.all(Z[blk.rows][:, forbidden] == 0.0)


def test_bad_block_labels_are_refused_by_name():
    X, bags, blocks = two_episodes()
    with pytest.raises(ConstraintError, match=r"bag 4: requires label 3, which its block \(1\) does not allow"):
        build_problem(12, 4, bags, blocks=blocks, block_labels={0: [1, 2], 1: [2]})
    with pytest.raises(ConstraintError, match="names block 7, which has no track"):
        build_problem(12, 4, bags, blocks=blocks, block_labels={7: [1]})
    with pytest.raises(ConstraintError, match="label 4 out of range"):
        build_problem(12, 4, bags, blocks=blocks, block_labels={0: [1, 2, 4]})
