"""The DIFFRAC objective: O(n d L) application against the explicit A, ridge form, kernel form, n < d."""

from __future__ import annotations

import numpy as np
import pytest

from solvers.objective import ExplicitObjective, KernelObjective


def explicit_A(X: np.ndarray, reg: float) -> np.ndarray:
    n, d = X.shape
    P = np.eye(n) - np.ones((n, n)) / n
    M = X.T @ P @ X + n * reg * np.eye(d)
    return P @ (np.eye(n) - X @ np.linalg.solve(M, X.T)) @ P / n


def ridge_value(X, Z, reg):
    """min over W, b by solving the normal equations directly (b unregularized)."""
    n, d = X.shape
    Xa = np.hstack([X, np.ones((n, 1))])
    R = np.diag(np.r_[np.full(d, n * reg), 0.0])
    Wb = np.linalg.solve(Xa.T @ Xa + R, Xa.T @ Z)
    W = Wb[:d]
    return np.sum((Z - Xa @ Wb) ** 2) / n + reg * np.sum(W**2), W, Wb[d]


@pytest.mark.parametrize("n,d", [(40, 5), (12, 30)])
def test_apply_matches_explicit_A_and_ridge(n, d):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d))
    Z = rng.dirichlet(np.ones(4), size=n)
    reg = 0.05
    obj = ExplicitObjective(X, reg)
    A = explicit_A(X, reg)
    np.testing.assert_allclose(obj.apply(Z), A @ Z, atol=1e-12)
    val, W, b = ridge_value(X, Z, reg)
    assert obj.value(Z) == pytest.approx(np.trace(Z.T @ A @ Z), rel=1e-10)
    assert obj.value(Z) == pytest.approx(val, rel=1e-10)
    W2, b2 = obj.classifier(Z)
    np.testing.assert_allclose(W2, W, atol=1e-9)
    np.testing.assert_allclose(b2, b, atol=1e-9)


def test_incremental_block_updates_match_recomputation():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((50, 6))
    obj = ExplicitObjective(X, 0.1)
    Z = rng.dirichlet(np.ones(3), size=50)
    obj.reset(Z.copy())
    A = explicit_A(X, 0.1)
    rows = slice(10, 25)
    D = rng.standard_normal((15, 3))
    curv, aux = obj.curvature(rows, D)
    Dfull = np.zeros_like(Z)
    Dfull[rows] = D
    assert curv == pytest.approx(np.sum(Dfull * (A @ Dfull)), rel=1e-10)
    obj.update(rows, D, 0.3, aux)
    Z2 = Z + 0.3 * Dfull
    np.testing.assert_allclose(obj.grad(slice(0, 50)), 2 * A @ Z2, atol=1e-12)
    assert obj.current_value() == pytest.approx(np.trace(Z2.T @ A @ Z2), rel=1e-10)


def test_kernel_form_with_linear_kernel_equals_explicit():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((30, 4))
    Z = rng.dirichlet(np.ones(3), size=30)
    ex = ExplicitObjective(X, 0.02)
    ke = KernelObjective(X @ X.T, 0.02)
    np.testing.assert_allclose(ke.A, explicit_A(X, 0.02), atol=1e-12)
    assert ke.value(Z) == pytest.approx(ex.value(Z), rel=1e-10)


def test_reg_zero_rank_deficient_is_rejected():
    X = np.ones((10, 3))
    with pytest.raises(ValueError, match="singular"):
        ExplicitObjective(X, 0.0)


def test_kernel_needs_positive_reg_and_symmetric():
    with pytest.raises(ValueError, match="reg > 0"):
        KernelObjective(np.eye(4), 0.0)
    with pytest.raises(ValueError, match="symmetric"):
        KernelObjective(np.triu(np.ones((4, 4))), 0.1)


@pytest.mark.parametrize("n,d", [(40, 5), (12, 30)])
def test_leverage_is_the_ridge_hat_diagonal(n, d):
    """With the intercept unpenalised: H = 11^T/n + Xc M^-1 Xc^T, also when n < d (reduced basis)."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(n, d))
    reg = 0.05
    Xa = np.hstack([X, np.ones((n, 1))])
    R = np.diag(np.r_[np.full(d, n * reg), 0.0])
    H = Xa @ np.linalg.solve(Xa.T @ Xa + R, Xa.T)
    np.testing.assert_allclose(ExplicitObjective(X, reg).leverage(), np.diag(H), atol=1e-12)


def test_leverage_over_several_row_blocks():
    X = np.random.default_rng(4).normal(size=(9000, 3))  # more rows than one block of leverage's loop
    Xc = X - X.mean(axis=0)
    M = Xc.T @ Xc + 9000 * 0.1 * np.eye(3)
    expected = 1 / 9000 + np.einsum("ij,ij->i", Xc @ np.linalg.inv(M), Xc)
    np.testing.assert_allclose(ExplicitObjective(X, 0.1).leverage(), expected, rtol=1e-10)
