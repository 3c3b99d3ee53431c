"""The decomposition-invariant away vertex of small bags against a HiGHS LP over the minimal face."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize

from solvers.constraints import build_problem
from solvers.factored import EPS, TIGHT, Factors, _face_away, _rho_face_away, _single_face_away


def random_point(rng, n=60, L=5, kappa=None):
    """Small disjoint bags, and a point of the polytope: a convex combination of oracle vertices."""
    bags, i = [], 0
    y = rng.integers(1, L, size=n)
    while i < n - 1:
        j = min(n, i + int(rng.integers(1, 7)))
        present = np.unique(y[i:j])
        bags.append((list(range(i, j)), list(rng.choice(present, size=min(int(rng.integers(1, 4)), present.size),
                                                        replace=False))))
        i = j + int(rng.integers(0, 2))
    problem = build_problem(n, L, bags, kappa=kappa, background=[n - 1] if n - 1 not in bags[-1][0] else None,
                            check_labels=False)
    blk = problem.blocks[0]
    k = int(rng.integers(1, 4))
    w = rng.dirichlet(np.ones(k))
    Z, xi = np.zeros((n, L)), np.zeros(blk.n_slack)
    for wk in w:
        v = blk.oracle(rng.standard_normal((n, L)), rng.uniform(-0.5, 0.5, blk.n_slack))
        Z += wk * v.dense(L)
        xi += wk * v.xi
    return problem, Z, xi


def face_lp_max(Zb, xv, G, gx, R, hasx, fixed_rows, alpha=1):
    """max <G, V> + <gx, xi> over the minimal face of the bag's polytope containing (Zb, xv), by HiGHS."""
    s, L = Zb.shape
    r = R.size
    nz = s * L
    c = -np.concatenate([G.ravel(), np.where(hasx, gx, 0.0)])
    ub = np.concatenate([np.where(Zb > EPS, 1.0, 0.0).ravel(), np.where(hasx, 1.0, 0.0)])
    lb = np.zeros(nz + r)
    lb[nz:] = np.where(hasx & (xv >= alpha - EPS), float(alpha), 0.0)
    ub[nz:] *= alpha
    ub[nz:] = np.where(hasx & (xv <= EPS), 0.0, ub[nz:])
    ub[:nz].reshape(s, L)[fixed_rows, 1:] = 0.0
    A_eq = [np.concatenate([np.kron(np.eye(s), np.ones(L))[i], np.zeros(r)]) for i in range(s)]
    b_eq = [1.0] * s
    A_ub, b_ub = [], []
    for q, l in enumerate(R):
        row = np.zeros(nz + r)
        row[np.arange(s) * L + l] = 1.0
        row[nz + q] = 1.0
        if Zb[:, l].sum() + xv[q] <= alpha + TIGHT:
            A_eq.append(row); b_eq.append(float(alpha))
        else:
            A_ub.append(-row); b_ub.append(-float(alpha))
    res = scipy.optimize.linprog(c, A_ub=np.array(A_ub) if A_ub else None, b_ub=b_ub or None, A_eq=np.array(A_eq),
                                 b_eq=b_eq, bounds=np.stack([lb, ub], 1), method="highs")
    assert res.status == 0
    return -res.fun


@pytest.mark.parametrize("seed,kappa", [(s, None if s % 2 else 0.3) for s in range(10)])
def test_face_away_vertex_is_the_face_maximum(seed, kappa):
    rng = np.random.default_rng(seed)
    problem, Z, xi = random_point(rng, kappa=kappa)
    blk = problem.blocks[0]
    fac = Factors(problem.blocks, [0], problem.n_labels, kappa or 0.0)
    G = rng.standard_normal(Z.shape)
    gx = rng.standard_normal(xi.shape)
    checked = 0
    for grp in fac.groups:
        hasx = grp.X >= 0
        Xc = np.where(hasx, grp.X, 0)
        xv = np.where(hasx, xi[Xc], 0.0) if xi.size else np.zeros(grp.X.shape)
        gxv = np.where(hasx, gx[Xc], 0.0) if gx.size else np.zeros(grp.X.shape)
        V_lab, V_xi, ok, _ = _face_away(grp, Z[grp.T], G[grp.T], xv, gxv, hasx)
        assert ok.all()
        for b in range(grp.T.shape[0]):
            t = grp.T[b]
            val = G[t, V_lab[b]].sum() + float(gxv[b] @ V_xi[b])
            ref = face_lp_max(Z[t], xv[b], G[t], gxv[b], grp.R[b], hasx[b], blk.fixed[t])
            assert val == pytest.approx(ref, abs=1e-9)
            assert (Z[t, V_lab[b]] > EPS).all()  # V lies in the face: only support entries
            checked += 1
    assert checked == len(blk.bags)


@pytest.mark.parametrize("alpha,kappa", [(1, None), (2, None), (1, 0.3)])
def test_fw_with_large_bags_agrees_with_cvxpy(alpha, kappa):
    """Bags of 9-12 tracks (or alpha = 2) take the assignment-based face steps."""
    from solvers.frank_wolfe import frank_wolfe
    from solvers.objective import ExplicitObjective
    from solvers.planted import make_planted
    from solvers.reference import solve_reference

    P = make_planted(120, 4, 6, random_state=30 + alpha)
    bags = []
    for s in range(0, 120, 12):
        t = list(range(s, s + int(9 + s % 4)))
        ids = sorted(set(P.y[t].tolist()) - {0})
        if ids:
            bags.append((t, ids[:2]))
    problem = build_problem(120, 4, bags, alpha=alpha, kappa=kappa, background=P.negatives, check_labels=False)
    assert problem.blocks[0].oracle.general and not problem.blocks[0].oracle.simple
    res = frank_wolfe(ExplicitObjective(P.X[problem.order], 0.05), problem, max_iter=5000, tol=1e-8)
    assert res.converged
    ref = solve_reference(P.X, 0.05, problem)
    assert res.objective == pytest.approx(ref.value, rel=1e-6)


@pytest.mark.parametrize("seed", range(8))
def test_single_face_away_is_the_face_maximum(seed):
    """The assignment-based face vertex of one large bag (alpha 1 or 2, slack or not) against HiGHS."""
    rng = np.random.default_rng(50 + seed)
    alpha = 1 + seed % 2
    kappa = 0.3 if seed % 4 >= 2 else None
    n, L = 11, 5
    y = rng.integers(1, L, size=n)
    labs = list(rng.choice(np.unique(y), size=min(2, np.unique(y).size), replace=False))
    problem = build_problem(n, L, [(list(range(n)), labs)], alpha=alpha, kappa=kappa, check_labels=False)
    blk = problem.blocks[0]
    Z, xi = np.zeros((n, L)), np.zeros(blk.n_slack)
    for wk in rng.dirichlet(np.ones(int(rng.integers(1, 4)))):
        v = blk.oracle(rng.standard_normal((n, L)), rng.uniform(-0.5, 0.5, blk.n_slack))
        Z += wk * v.dense(L)
        xi += wk * v.xi
    lab = blk.bags[0][1]
    hasx = blk.slack_offsets[0] >= 0
    xv = np.where(hasx, xi[np.where(hasx, blk.slack_offsets[0], 0)] if xi.size else 0.0, 0.0)
    for _ in range(5):
        G = rng.standard_normal((n, L))
        gv = np.where(hasx, rng.standard_normal(lab.size), 0.0)
        V_lab, V_xi, _ = _single_face_away(Z, xv, G, gv, lab, hasx, alpha)
        ref = face_lp_max(Z, xv, G, gv, lab, hasx, blk.fixed, alpha)
        assert G[np.arange(n), V_lab].sum() + float(gv @ V_xi) == pytest.approx(ref, abs=1e-9)
        assert (Z[np.arange(n), V_lab] > EPS).all()


@pytest.mark.parametrize("seed", range(8))
def test_rho_face_away_is_the_face_maximum(seed):
    """The rho group's face vertex (closed form) against HiGHS over the face, tight or not."""
    rng = np.random.default_rng(70 + seed)
    n, L = 23, 4
    rho = [0.3, 0.55, 0.8, 1.0][seed % 4]
    problem = build_problem(n, L, [], rho=rho, check_labels=False)
    blk = problem.blocks[0]
    Z = np.zeros((n, L))
    for wk in rng.dirichlet(np.ones(int(rng.integers(1, 4)))):
        Z += wk * blk.oracle(rng.standard_normal((n, L)), np.zeros(0)).dense(L)
    if seed % 2:  # not tight: move some rows to background
        Z[:4] = np.eye(L)[0]
    need = rho * n
    for _ in range(5):
        G = rng.standard_normal((n, L))
        V = _rho_face_away(Z, G, need)
        np.testing.assert_allclose(V.sum(1), 1.0)
        assert (V[Z <= EPS] == 0).all() and V[:, 0].sum() >= need - 1e-9
        A = np.zeros((1, n * L))
        A[0, ::L] = 1.0
        tight = Z[:, 0].sum() <= need + TIGHT
        res = scipy.optimize.linprog(-G.ravel(), A_ub=None if tight else -A, b_ub=None if tight else [-need],
                                     A_eq=np.vstack([np.kron(np.eye(n), np.ones(L))] + ([A] if tight else [])),
                                     b_eq=np.concatenate([np.ones(n), [need] if tight else []]),
                                     bounds=np.stack([np.zeros(n * L), (Z > EPS).ravel().astype(float)], 1),
                                     method="highs")
        assert res.status == 0
        assert float(np.sum(G * V)) == pytest.approx(-res.fun, abs=1e-9)
