"""The rounding with exclusive pairs (two tracks on screen at once are two people): the best integral
assignment under the pairs, the bag rows without slack and the rho row, checked against enumeration."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

from solvers.constraints import build_problem
from solvers.estimator import DiscriminativeClustering
from solvers.rounding import round_constrained, round_exclusive
from solvers.types import Bag, ConstraintError


def brute_force(Z, pairs, hard_bags, rho_min):
    """max sum_i Z[i, y_i] over labelings y meeting the pairs (no shared label > 0), the bags (a required
    label on one of its tracks) and at least rho_min rows at 0."""
    best, arg = -np.inf, None
    for y in itertools.product(range(Z.shape[1]), repeat=Z.shape[0]):
        y = np.array(y)
        if any(y[i] == y[j] > 0 for i, j in pairs) or np.sum(y == 0) < rho_min:
            continue
        if not all(any(y[t] == lab for t in tracks) for tracks, lab in hard_bags):
            continue
        v = Z[np.arange(len(y)), y].sum()
        if v > best:
            best, arg = v, y
    return best, arg


@pytest.mark.parametrize("seed", range(6))
def test_exclusive_rounding_is_the_best_labeling_under_the_pairs(seed):
    rng = np.random.default_rng(seed)
    n, L = 6, 3
    Z = rng.dirichlet(np.ones(L) * 0.5, size=n)
    bags = [Bag((0, 1, 2), (1,)), Bag((3, 4), (2,))]
    pairs = np.array([(0, 1), (1, 2), (3, 4), (2, 5)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pr = build_problem(n, L, bags, rho=0.3, rho_scope="all", exclusive=pairs)
    assert np.array_equal(pr.order, np.arange(n))  # one block, internal order = given order
    labels, notes = round_exclusive(Z, pr)
    best, _ = brute_force(Z, pairs, [((0, 1, 2), 1), ((3, 4), 2)], int(np.ceil(0.3 * n)))
    assert notes == []
    assert Z[np.arange(n), labels].sum() == pytest.approx(best, abs=1e-12)
    assert not any(labels[i] == labels[j] > 0 for i, j in pairs)


def test_pairs_the_plain_rounding_keeps_change_nothing_and_a_conflict_goes_to_the_cheaper_row():
    Z = np.array([[0.1, 0.9, 0.0], [0.2, 0.7, 0.1], [0.0, 0.2, 0.8]])
    bag = [Bag((0, 1, 2), (1, 2))]
    plain = round_constrained(Z, build_problem(3, 3, bag, kappa=10.0))
    assert plain.tolist() == [1, 1, 2]
    assert round_exclusive(Z, build_problem(3, 3, bag, kappa=10.0, exclusive=[(0, 2)]))[0].tolist() == plain.tolist()
    # 0 and 1 on screen together: row 1 loses less (0.7 -> 0.2 as nobody) than row 0 (0.9 -> 0.1)
    assert round_exclusive(Z, build_problem(3, 3, bag, kappa=10.0, exclusive=[(0, 1)]))[0].tolist() == [1, 0, 2]


def test_pairs_no_rounding_can_keep_keep_the_relaxed_rounding_and_say_so():
    # three tracks pairwise on screen together, each pair's bag asks for label 1 without slack: Z = 1/2
    # on label 1 meets every row of the relaxation, but no labeling does (two of three would need it)
    # (the relaxed vertex nearest Z has rows at 1/2 on label 1, whose argmax breaks a pair)
    bags = [Bag((0, 1), (1,)), Bag((1, 2), (1,)), Bag((0, 2), (1,))]
    with warnings.catch_warnings():  # (label 2 is required by no bag)
        warnings.simplefilter("ignore")
        pr = build_problem(3, 3, bags, exclusive=[(0, 1), (1, 2), (0, 2)])
    Z = np.array([[0.2, 0.0, 0.8], [0.7, 0.3, 0.0], [0.4, 0.2, 0.5]])
    labels, notes = round_exclusive(Z, pr)
    assert labels.tolist() == round_constrained(Z, pr).tolist() == [1, 0, 1]
    assert len(notes) == 1 and "block 0 (3 tracks)" in notes[0] and "rounded without the pairs" in notes[0]


def test_pairs_the_relaxation_cannot_meet_are_refused_by_name():
    # both tracks must be label 1 (two bags without slack), yet they are on screen together
    with pytest.raises(ConstraintError, match="exclusive pair rows"):
        build_problem(2, 2, [Bag((0,), (1,)), Bag((1,), (1,))], exclusive=[(0, 1)])


def test_fit_checks_its_exclusive_pairs_and_maps_them_to_the_internal_order():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 5))
    bags = [Bag((4, 5), (1,)), Bag((0, 1), (2,))]
    dc = DiscriminativeClustering(3, solver="exact", kappa=10.0)
    for bad, msg in [([(0, 0)], "two distinct track"), ([(0, 9)], r"0\.\.7"), (np.zeros((2, 3), int), "k x 2"),
                     ([(0.5, 1.0)], "k x 2")]:
        with pytest.raises(ValueError, match=msg):
            dc.fit(X, bags, exclusive=bad)
    with pytest.raises(ValueError, match="two blocks"):
        dc.fit(X, bags, blocks=[0] * 4 + [1] * 4, exclusive=[(3, 4)])
    # tracks 0 and 1 look alike (one person's), and a bag names them: plainly rounded, both take the name
    X = np.repeat(np.eye(3), [3, 3, 2], axis=0) + 0.01 * rng.normal(size=(8, 3))
    bags = [Bag((0,), (1,)), Bag((1,), (1,)), Bag((3, 4), (2,))]
    plain = DiscriminativeClustering(3, solver="exact", kappa=10.0).fit(X, bags, background=[6, 7])
    assert plain.converged_ and plain.labels_.tolist() == [1, 1, 1, 2, 2, 2, 0, 0]
    apart = DiscriminativeClustering(3, solver="exact", kappa=10.0).fit(X, bags, background=[6, 7], exclusive=[(1, 0)])
    assert (apart.labels_[:2] == 1).sum() == 1  # one of the two keeps the name, the other (its bag has slack) is nobody
    assert plain.Z_[0, 1] + plain.Z_[1, 1] > 1.9  # without the pair the relaxation gives both the name
    assert apart.Z_[0, 1] + apart.Z_[1, 1] == pytest.approx(1.0, abs=1e-6)  # with it, one name between them
    assert apart.converged_ and 2 in apart.labels_[[3, 4]]  # the other bag still holds


def _alike_pairs_problem():
    """Two movies (blocks given interleaved, so the internal order differs from the tracks'), three
    people of six tracks each plus six extras; each bag names a track's person with one random other
    track, and the pairs join tracks of one person: the relaxation alone would give both the name."""
    rng = np.random.default_rng(2)
    ident = np.concatenate([np.repeat(np.arange(1, 4), 6), np.zeros(6, int)])
    n = ident.size
    X = np.eye(4)[ident] + 0.2 * rng.normal(size=(n, 4))
    blocks = np.arange(n) % 2
    bags = [Bag((i, int(j)), (int(ident[i]),)) for i in range(18)
            for j in [rng.choice(np.flatnonzero((blocks == blocks[i]) & (np.arange(n) != i)))]]
    pairs = [(i, i + 2) for i in range(0, 16, 4)] + [(i, i + 2) for i in range(1, 17, 4)]
    return X, bags, blocks, pairs


@pytest.mark.parametrize("scope", ["all", "free"])
def test_every_solver_keeps_the_pairs_in_the_relaxation_and_finds_the_same_optimum(scope):
    X, bags, blocks, pairs = _alike_pairs_problem()
    kw = dict(kappa=10.0, rho=0.2, rho_scope=scope, max_iter=20000)
    fits = {s: DiscriminativeClustering(4, solver=s, tol=1e-8 if s in ("exact", "pg") else 1e-6, **kw)
            .fit(X, bags, blocks=blocks, exclusive=pairs) for s in ("cvxpy", "exact", "pg", "fw", "bcfw")}
    plain = DiscriminativeClustering(4, solver="exact", **kw).fit(X, bags, blocks=blocks)
    F = {s: f.objective_ + 10.0 * float(f.slack_ @ f.slack_) for s, f in fits.items()}
    # the pairs bind: the optimum is 43% higher with them (0.0615 against 0.0428 for "all", 0.0354 / 0.0247 "free")
    assert F["exact"] > 1.3 * (plain.objective_ + 10.0 * float(plain.slack_ @ plain.slack_))
    for s, f in fits.items():
        assert f.converged_, s
        assert F[s] == pytest.approx(F["cvxpy"], rel=1e-5), s
        Z = f.Z_
        assert max(float((Z[i, 1:] + Z[j, 1:]).max()) for i, j in pairs) <= 1.0 + 1e-6, s
        assert not any(f.labels_[i] == f.labels_[j] > 0 for i, j in pairs), s


def test_the_oracle_with_pairs_is_the_lp_over_its_block():
    from solvers.oracle import lp_oracle

    X, bags, blocks, pairs = _alike_pairs_problem()
    rng = np.random.default_rng(0)
    for scope, rho in [("free", 0.0), ("all", 0.3)]:
        pr = build_problem(X.shape[0], 4, bags, kappa=10.0, rho=rho, rho_scope=scope, blocks=blocks, exclusive=pairs)
        for blk in pr.blocks:
            assert blk.oracle.whole_block and blk.exclusive.shape == (4, 2)
            for _ in range(3):
                C, g = rng.normal(size=(blk.size, 4)), rng.normal(size=blk.n_slack)
                v = blk.oracle(C, g)
                assert v.inner(C, g) == pytest.approx(lp_oracle(blk, C, g)[0], abs=1e-9)
                V = v.dense(4)
                assert (V[blk.exclusive[:, 0], 1:] + V[blk.exclusive[:, 1], 1:]).max() <= 1.0 + 1e-9
