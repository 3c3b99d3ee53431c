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
from solvers.types import Bag


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
        pr = build_problem(n, L, bags, rho=0.3, rho_scope="all")
    assert np.array_equal(pr.order, np.arange(n))  # one block, internal order = given order
    labels, notes = round_exclusive(Z, pr, pairs)
    best, _ = brute_force(Z, pairs, [((0, 1, 2), 1), ((3, 4), 2)], int(np.ceil(0.3 * n)))
    assert notes == []
    assert Z[np.arange(n), labels].sum() == pytest.approx(best, abs=1e-12)
    assert not any(labels[i] == labels[j] > 0 for i, j in pairs)


def test_pairs_the_plain_rounding_keeps_change_nothing_and_a_conflict_goes_to_the_cheaper_row():
    Z = np.array([[0.1, 0.9, 0.0], [0.2, 0.7, 0.1], [0.0, 0.2, 0.8]])
    pr = build_problem(3, 3, [Bag((0, 1, 2), (1, 2))], kappa=10.0)
    plain = round_constrained(Z, pr)
    assert plain.tolist() == [1, 1, 2]
    assert round_exclusive(Z, pr, np.array([(0, 2)]))[0].tolist() == plain.tolist()
    # 0 and 1 on screen together: row 1 loses less (0.7 -> 0.2 as nobody) than row 0 (0.9 -> 0.1)
    assert round_exclusive(Z, pr, np.array([(0, 1)]))[0].tolist() == [1, 0, 2]


def test_an_impossible_set_of_pairs_keeps_the_plain_rounding_and_says_so():
    # both tracks must be label 1 (two bags without slack), yet they are on screen together
    Z = np.array([[0.0, 1.0], [0.0, 1.0]])
    pr = build_problem(2, 2, [Bag((0,), (1,)), Bag((1,), (1,))])
    labels, notes = round_exclusive(Z, pr, np.array([(0, 1)]))
    assert labels.tolist() == [1, 1] and len(notes) == 1 and "block 0 (2 tracks)" in notes[0]


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
    np.testing.assert_allclose(apart.Z_, plain.Z_)  # the relaxation is the same: only the rounding differs
    assert np.array_equal(np.delete(apart.labels_, [0, 1]), np.delete(plain.labels_, [0, 1]))
