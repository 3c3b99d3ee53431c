"""Ordering oracle (DP vs brute force, FW on ordering problems), joint model, baselines, rounding."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from solvers.baselines import MILMaxPool, NaiveOnlyTrack
from solvers.constraints import ConstraintError, build_problem
from solvers.frank_wolfe import frank_wolfe
from solvers.joint import JointActorAction, PairBag
from solvers.objective import ExplicitObjective
from solvers.ordering import ordering_problem
from solvers.planted import make_planted
from solvers.rounding import round_argmax, round_constrained


@pytest.mark.parametrize("seed", range(6))
def test_ordering_dp_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    n, L = 7, 4
    seq = list(rng.integers(1, L, size=3))
    p = ordering_problem(n, L, np.zeros(n, int), {0: seq})
    C = rng.standard_normal((n, L))
    v = p.blocks[0].oracle(C, np.zeros(0))
    best = min(C[:, 0].sum() + sum(C[i, a] - C[i, 0] for i, a in zip(pos, seq))
               for pos in itertools.combinations(range(n), len(seq)))
    assert v.inner(C, np.zeros(0)) == pytest.approx(best, abs=1e-12)
    nz = v.labels[v.labels > 0]
    assert list(nz) == seq


def test_fw_on_ordering_problem_recovers_planted_order():
    rng = np.random.default_rng(3)
    n_blocks, per, L, d = 12, 10, 5, 6
    means = 3 * rng.standard_normal((L, d))
    y = np.zeros(n_blocks * per, int)
    seqs = {}
    for b in range(n_blocks):
        pos = np.sort(rng.choice(per, size=3, replace=False))
        seq = rng.integers(1, L, size=3)
        y[b * per + pos] = seq
        seqs[b] = list(seq)
    X = means[y] + rng.standard_normal((y.size, d))
    p = ordering_problem(y.size, L, np.repeat(np.arange(n_blocks), per), seqs)
    res = frank_wolfe(ExplicitObjective(X[p.order], 0.01), p, max_iter=2000, tol=1e-6)
    assert res.converged
    lab = round_constrained(res.Z, p)
    assert np.mean(lab == y) >= 0.95
    for b in range(n_blocks):
        assert list(lab[b * per:(b + 1) * per][lab[b * per:(b + 1) * per] > 0]) == seqs[b]


def test_ordering_bad_input():
    with pytest.raises(ConstraintError, match="block 0: sequence of 3 events but only 2 tracks"):
        ordering_problem(2, 3, [0, 0], {0: [1, 2, 1]})
    with pytest.raises(ConstraintError, match="sequence labels must lie in 1..2"):
        ordering_problem(2, 3, [0, 0], {0: [3]})


def test_rounding():
    Z = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3], [0.4, 0.35, 0.25]])
    lab, conf = round_argmax(Z)
    assert lab.tolist() == [1, 0, 0] and conf.tolist() == [0.5, 0.6, 0.4]
    p = build_problem(3, 3, [((1, 2), (1,))], check_labels=False)
    # argmax violates the bag (no 1 among tracks 1, 2); the constrained rounding picks track 2 (0.35 > 0.1)
    assert round_constrained(Z, p).tolist() == [1, 0, 1]


def test_joint_model_pairs_help_actions():
    P = make_planted(300, 4, 12, target_accuracy=0.9, random_state=21)
    rng = np.random.default_rng(5)
    A = 3
    ya = np.where(P.y > 0, rng.integers(0, A, size=300), 0)
    Xa = 2.0 * rng.standard_normal((A, 10))[ya] + rng.standard_normal((300, 10))
    # weak action bags: big bags (12 tracks) naming the actions; pair bags: the scene bags' (person, action)
    action_bags = []
    for s in range(0, 300, 12):
        acts = sorted(set(ya[s:s + 12].tolist()) - {0})
        if acts:
            action_bags.append((list(range(s, s + 12)), acts))
    pairs = []
    for b in P.bags:
        t = list(b.track_indices)
        for i in t:
            if P.y[i] > 0 and ya[i] > 0:
                pairs.append(PairBag(tuple(t), int(P.y[i]), int(ya[i])))
    bg_a = np.flatnonzero(ya == 0)[::4]
    # 60 FW iterations per fit (not converged to 1e-3 on the overlapping action bags): enough to show the
    # effect (action accuracy 0.99 with pairs vs 0.70 without), and each iteration runs a HiGHS LP
    joint = JointActorAction(4, A, reg=0.05, n_alternations=1, tol=1e-3, max_iter=60).fit(
        P.X, Xa, P.bags, action_bags, pairs, person_background=P.negatives, action_background=bg_a)
    alone = JointActorAction(4, A, reg=0.05, n_alternations=0, tol=1e-3, max_iter=60).fit(
        P.X, Xa, P.bags, action_bags, [], person_background=P.negatives, action_background=bg_a)
    acc_joint = np.mean(joint.action_labels_ == ya)
    acc_alone = np.mean(alone.action_labels_ == ya)
    assert joint.Z_.shape == (300, 4) and joint.T_.shape == (300, A)
    assert len(joint.history_) == 2
    assert acc_joint > acc_alone + 0.05, (acc_joint, acc_alone)
    assert np.mean(joint.person_labels_ == P.y) >= 0.7


def test_joint_rejects_out_of_range_pairs():
    X = np.random.default_rng(0).standard_normal((6, 2))
    with pytest.raises(ValueError, match="pair bag 0: person 5"):
        JointActorAction(3, 2).fit(X, X, [((0, 1), (1,)), ((2, 3), (2,))], [((0, 1), (1,))], [((0, 1), 5, 1)])


def test_baselines_interface_and_recovery():
    P = make_planted(400, 5, 16, random_state=22)
    mil = MILMaxPool(5, max_iter=200).fit(P.X, P.bags, background=P.negatives)
    nv = NaiveOnlyTrack(5).fit(P.X, P.bags, background=P.negatives)
    for m in (mil, nv):
        assert m.labels_.shape == (400,) and m.scores_.shape == (400, 5)
        assert m.predict(P.X[:7]).shape == (7,)
        assert np.mean(m.labels_ == P.y) > 0.3  # better than chance (0.2)
    with pytest.raises(ValueError, match="at least two labels"):
        NaiveOnlyTrack(5).fit(P.X, [((0, 1), (1,))])
