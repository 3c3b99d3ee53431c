"""The exact oracle against a HiGHS LP of the whole block, on random instances."""

from __future__ import annotations

import numpy as np
import pytest

from solvers.constraints import build_problem
from solvers.oracle import lp_oracle


def random_instance(rng, n, L, overlap: bool, kappa=None, rho=0.0, fixed=0, alpha=1, big=False):
    bags = []
    y = rng.integers(1, L, size=n)
    i = 0
    while i < n - 1:
        s = int(rng.integers(alpha, (12 if big else 6) + 1))
        j = min(n, i + s)
        present = np.unique(y[i:j])  # labels of a planted labelling: always feasible
        k = int(rng.integers(1, min(3, present.size) + 1))
        if alpha > 1:
            k = max(1, min(k, (j - i) // alpha))
            present = np.arange(1, L)
        labs = rng.choice(present, size=min(k, present.size), replace=False)
        bags.append((list(range(i, j)), list(labs)))
        i = j - 1 if (overlap and rng.random() < 0.5) else j + int(rng.integers(0, 3))
    free_all = sorted(set(range(n)) - {t for b in bags for t in b[0]})
    bg = list(rng.choice(free_all, size=min(fixed, len(free_all)), replace=False)) if fixed else None
    return build_problem(n, L, bags, kappa=kappa, rho=rho, background=bg, alpha=alpha, check_labels=False)


def check(problem, rng, n_costs=5):
    blk = problem.blocks[0]
    for _ in range(n_costs):
        C = rng.standard_normal((blk.size, blk.n_labels))
        g = rng.uniform(-0.5, 2.0, size=blk.n_slack)
        v = blk.oracle(C, g)
        val = v.inner(C, g)
        ref, _, _ = lp_oracle(blk, C, g)
        assert val == pytest.approx(ref, abs=1e-7)
        # the vertex is feasible
        Z = v.dense(blk.n_labels)
        np.testing.assert_allclose(Z.sum(1), 1.0, atol=1e-9)
        assert (Z >= -1e-12).all()
        for (t, lab, _), offs in zip(blk.bags, blk.slack_offsets):
            for l, o in zip(lab, offs):
                assert Z[t, l].sum() + (v.xi[o] if o >= 0 else 0.0) >= blk.alpha - 1e-9
        if blk.rho > 0:
            assert Z[blk.free, 0].sum() >= blk.rho * blk.free.sum() - 1e-9


@pytest.mark.parametrize("seed", range(8))
def test_disjoint_bags(seed):
    rng = np.random.default_rng(seed)
    check(random_instance(rng, 40, 5, overlap=False), rng)


@pytest.mark.parametrize("seed", range(4))
def test_disjoint_large_bags_use_assignment(seed):
    rng = np.random.default_rng(100 + seed)
    p = random_instance(rng, 60, 6, overlap=False, big=True)
    assert p.blocks[0].oracle.general  # some bags take the linear_sum_assignment path
    check(p, rng)


@pytest.mark.parametrize("seed", range(8))
def test_overlapping_bags(seed):
    rng = np.random.default_rng(10 + seed)
    p = random_instance(rng, 40, 5, overlap=True)
    check(p, rng)


@pytest.mark.parametrize("seed", range(6))
def test_slack_rho_and_fixed_background(seed):
    rng = np.random.default_rng(20 + seed)
    check(random_instance(rng, 40, 5, overlap=seed % 2 == 1, kappa=1.0, rho=0.37, fixed=3), rng)


@pytest.mark.parametrize("seed", range(4))
def test_alpha_two(seed):
    rng = np.random.default_rng(30 + seed)
    check(random_instance(rng, 40, 4, overlap=False, alpha=2, kappa=0.5 if seed % 2 else None), rng)


def test_infeasible_overlapping_bags_are_named_at_build():
    from solvers.constraints import ConstraintError

    with pytest.raises(ConstraintError, match=r"bag 0, bag 1"):
        build_problem(3, 4, [([0, 1], [1, 2]), ([1, 2], [3]), ([0, 2], [3])][:2] + [([0], [3])], check_labels=False)


def test_infeasible_component_is_named_among_feasible_ones_and_one_lp_is_kept():
    """The build checks every overlapping component in one LP (the one the oracle keeps); on failure
    the message names the infeasible component's bags only."""
    from solvers.constraints import ConstraintError

    feasible = [([0, 1], [1]), ([1, 2], [2]), ([4, 5], [1]), ([5, 6], [2])]
    bad = [([8, 9], [1, 2]), ([9, 10], [3]), ([8, 10], [3]), ([8], [3])]  # 8, 9, 10: four labels needed
    with pytest.raises(ConstraintError, match=r"overlapping bags \[bag 4, bag 5, bag 6, bag 7\]"):
        build_problem(12, 4, feasible + bad)
    p = build_problem(12, 3, feasible)
    oracle = p.blocks[0].oracle
    assert len(oracle.multi) == 2 and len(oracle._lp_cache) == 1
    v = oracle(np.zeros((12, 3)), np.zeros(0))
    assert v.labels[[0, 1]].tolist().count(1) >= 1 and len(oracle._lp_cache) == 1


@pytest.mark.parametrize("seed", range(4))
def test_rho_over_all_tracks_at_gradient_scale(seed):
    """The block LP kept inside HiGHS (costs changed, basis reused) stays exact over many calls, also
    at the tiny scale of the objective's gradients (HiGHS's tolerances are absolute)."""
    rng = np.random.default_rng(40 + seed)
    p = random_instance(rng, 40, 5, overlap=True, kappa=1.0 if seed % 2 else None, rho=0.3)
    blk = p.blocks[0]
    from dataclasses import replace

    from solvers.oracle import AtLeastOnceOracle

    blk = replace(blk, rho_scope="all")
    blk.oracle = AtLeastOnceOracle(blk)
    assert blk.oracle.whole_block
    for k in range(12):
        scale = 1e-5 if k % 2 else 1.0
        C = scale * rng.standard_normal((blk.size, blk.n_labels))
        g = scale * rng.uniform(-0.5, 2.0, size=blk.n_slack)
        ref, _, _ = lp_oracle(blk, C / scale, g / scale)  # the reference at unit scale (where it is exact)
        assert blk.oracle(C, g).inner(C, g) == pytest.approx(ref * scale, abs=1e-9 * scale)


@pytest.mark.parametrize("seed", range(4))
def test_argmin_vertex_that_meets_every_bag_is_returned_without_an_lp(seed, monkeypatch):
    """Costs whose row-wise argmin already covers every bag (and rho): the oracle returns that
    vertex, equal to the reference LP's optimum, and builds no LP; other costs still go to the LP."""
    from dataclasses import replace

    from solvers.oracle import AtLeastOnceOracle

    rng = np.random.default_rng(50 + seed)
    p = random_instance(rng, 40, 5, overlap=True, kappa=1.0 if seed % 2 else None)
    blk = p.blocks[0]
    if seed >= 2:  # rho over all tracks: the whole-block LP
        blk = replace(blk, rho=0.1, rho_scope="all")
        blk.oracle = AtLeastOnceOracle(blk)
    assert blk.oracle.whole_block == (seed >= 2) and (blk.oracle.whole_block or blk.oracle.multi)
    # a feasible integral labelling: a vertex of the reference LP that pays for no slack
    g = np.full(blk.n_slack, 10.0)
    _, Z0, xi0 = lp_oracle(blk, rng.standard_normal((blk.size, 5)), g)
    assert np.allclose(Z0, np.round(Z0)) and np.allclose(xi0, 0.0)
    Zy = np.round(Z0)
    C = -Zy + 0.01 * rng.random(Zy.shape)  # its rows' argmins are that labelling
    ref, _, _ = lp_oracle(blk, C, g)
    from solvers.lp import FixedLP

    calls = []
    solve = FixedLP.solve
    monkeypatch.setattr(FixedLP, "solve", lambda self, c: calls.append(1) or solve(self, c))
    v = blk.oracle(C, g)
    assert v.inner(C, g) == pytest.approx(float(np.sum(C * Zy)), abs=1e-12) and not calls  # no LP solved
    assert v.inner(C, g) == pytest.approx(ref, abs=1e-9)
    C2 = rng.standard_normal(Zy.shape)
    assert blk.oracle(C2, g).inner(C2, g) == pytest.approx(lp_oracle(blk, C2, g)[0], abs=1e-7) and calls
