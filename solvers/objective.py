"""The DIFFRAC objective (Bach & Harchaoui 2007; Bojanowski et al. ICCV 2013).

For an assignment Z (n x L, rows on the simplex) and features X (n x d),

    f(Z) = min_{W,b} (1/n) ||Z - X W - 1 b^T||_F^2 + reg ||W||_F^2          (b not regularized)
         = Tr(Z^T A Z),   A = (1/n) P (I - X (X^T P X + n reg I)^-1 X^T) P,   P = I - 11^T/n.

With Xc = P X and M = Xc^T Xc + n reg I, the minimizers are W = M^-1 Xc^T Z and
b = mean(Z) - W^T mean(X), and A Z = (1/n)(P Z - Xc W) is the (scaled) ridge residual, so
f(Z) = (1/n) <Z, P Z - Xc W> and grad f = 2 A Z cost O(n d L) once M^-1 is known: the n x n
matrix A is never formed for explicit features.  `ExplicitObjective` also keeps W and mean(Z)
up to date under a change of a block of rows, so that a block step of BCFW costs O(n_block d L).

The kernel form (features only through K, n up to a few thousand) uses
A = reg P (P K P + n reg I)^-1 P (push-through identity), formed explicitly: `KernelObjective`.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from .backend import NumpyRows, TorchRows, make_rows, single_blas_thread


def check_finite(name: str, M: np.ndarray) -> None:
    bad = ~np.isfinite(M)
    if bad.any():
        where = np.argwhere(bad)[0]
        raise ValueError(f"{name} has a non-finite value (NaN or inf) at index {tuple(int(i) for i in where)}"
                         " (expected finite numbers)")


class ExplicitObjective:
    """f(Z) for explicit features X; holds the current Z and the classifier (W, mean Z) incrementally.

    When n < d the centred features are replaced by their coordinates in their row space
    (thin SVD, rank <= n): A is unchanged (it depends on Xc only through Xc M^-1 Xc^T, which is
    rotation invariant) and W is mapped back to d dimensions by `classifier`.
    """

    @single_blas_thread
    def __init__(self, X: np.ndarray, reg: float, device: str = "numpy") -> None:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(f"X must be a 2-D array (n x d), got shape {X.shape}")
        check_finite("X", X)
        if reg < 0 or not np.isfinite(reg):
            raise ValueError(f"reg must be a finite number >= 0, got {reg}")
        self.n, self.d = X.shape
        self.reg = float(reg)
        self.x_mean = X.mean(axis=0)
        Xc = X - self.x_mean
        self.basis: np.ndarray | None = None  # d x r when features were reduced (n < d)
        sv = None  # singular values of Xc, when computed (the rotation keeps them)
        if self.n < self.d:
            _, sv, Vt = np.linalg.svd(Xc, full_matrices=False)
            self.basis = Vt.T
            Xc = Xc @ self.basis
        M = Xc.T @ Xc + self.n * self.reg * np.eye(Xc.shape[1])
        try:
            cho = scipy.linalg.cho_factor(M)
        except np.linalg.LinAlgError:
            raise ValueError(
                "X^T P X + n reg I is singular: the centred features are rank-deficient and reg = 0"
                " (expected reg > 0 or features of full column rank)") from None
        self.Minv = scipy.linalg.cho_solve(cho, np.eye(M.shape[0]))
        # largest eigenvalue of A (used by the separable step model): 1/n on the complement of the
        # features' span inside range(P), reg / (s^2 + n reg) on the span (s: singular values of Xc)
        self.curv_bound = 1.0 / self.n
        if self.n - 1 <= Xc.shape[1]:
            s = np.linalg.svd(Xc, compute_uv=False) if sv is None else sv
            r = int(np.sum(s > 1e-10 * max(s.max(initial=0.0), 1e-300)))
            if r >= self.n - 1 and self.reg > 0:
                self.curv_bound = self.reg / (s[: self.n - 1].min() ** 2 + self.n * self.reg)
        self.rows: NumpyRows | TorchRows = make_rows(Xc, device)
        self.Z: np.ndarray | None = None

    # -- stateless --------------------------------------------------------------------------
    def apply(self, Z: np.ndarray) -> np.ndarray:
        """A Z, in O(n d L)."""
        Zc = Z - Z.mean(axis=0)
        W = self.Minv @ self.rows.rows_tmatmul(slice(None), Zc)
        return (Zc - self.rows.rows_matmul(slice(None), W)) / self.n

    def value(self, Z: np.ndarray) -> float:
        """f(Z) = Tr(Z^T A Z)."""
        return float(np.sum(Z * self.apply(Z)))

    # -- stateful (Frank-Wolfe) ----------------------------------------------------------------
    def reset(self, Z: np.ndarray) -> None:
        """Take Z (n x L, owned from now on) as the current point."""
        self.Z = Z
        self.z_mean = Z.mean(axis=0)
        self.W = self.Minv @ self.rows.rows_tmatmul(slice(None), Z)

    def grad(self, rows: slice) -> np.ndarray:
        """2 (A Z)[rows], O(n_rows d L)."""
        return (2.0 / self.n) * (self.Z[rows] - self.z_mean - self.rows.rows_matmul(rows, self.W))

    def curvature(self, rows: slice, D: np.ndarray) -> tuple[float, tuple]:
        """<D, A D> for D supported on `rows`, and what `update` needs, in O(n_rows d L + d^2 L)."""
        u = self.rows.rows_tmatmul(rows, D)
        s = D.sum(axis=0)
        Mu = self.Minv @ u
        curv = (float(np.sum(D * D)) - float(s @ s) / self.n - float(np.sum(u * Mu))) / self.n
        return curv, (Mu, s)

    def curvature_pair(self, rows: slice, D0: np.ndarray, D1: np.ndarray) -> tuple[np.ndarray, tuple]:
        """The 2 x 2 matrix [<Di, A Dj>] for D0, D1 supported on `rows`, and their `update` data."""
        U = self.rows.rows_tmatmul(rows, np.concatenate([D0, D1], axis=1))
        L = D0.shape[1]
        u0, u1 = U[:, :L], U[:, L:]
        s0, s1 = D0.sum(axis=0), D1.sum(axis=0)
        M0, M1 = self.Minv @ u0, self.Minv @ u1

        def c(Da, Db, sa, sb, ua, Mb):
            return (float(np.sum(Da * Db)) - float(sa @ sb) / self.n - float(np.sum(ua * Mb))) / self.n

        c01 = c(D0, D1, s0, s1, u0, M1)
        C = np.array([[c(D0, D0, s0, s0, u0, M0), c01], [c01, c(D1, D1, s1, s1, u1, M1)]])
        return C, ((M0, s0), (M1, s1))

    def update(self, rows: slice, D: np.ndarray, gamma: float, aux: tuple) -> None:
        """Z[rows] += gamma D, keeping W and mean(Z) exact."""
        Mu, s = aux
        self.Z[rows] += gamma * D
        self.W += gamma * Mu
        self.z_mean += (gamma / self.n) * s

    def current_value(self) -> float:
        """f(Z) of the current point, recomputed exactly in O(n d L)."""
        self.reset(self.Z)
        R = self.Z - self.z_mean - self.rows.rows_matmul(slice(None), self.W)
        return float(np.sum(self.Z * R)) / self.n

    def leverage(self) -> np.ndarray:
        """The ridge hat matrix's diagonal, 1/n + diag(Xc M^-1 Xc^T): how far a row's own target pulls
        its fitted value, so that (s_i - h_i z_i) / (1 - h_i) is its leave-one-out score."""
        eye, h = np.eye(self.Minv.shape[0]), np.empty(self.n)
        for start in range(0, self.n, 8192):  # in row blocks: O(block r) memory
            rows = slice(start, min(start + 8192, self.n))
            Xc = self.rows.rows_matmul(rows, eye)
            h[rows] = np.einsum("ij,ij->i", Xc @ self.Minv, Xc)
        return 1.0 / self.n + h

    def classifier(self, Z: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ridge minimizers (W, b) for Z (default: the current point): W is d x L."""
        Z = self.Z if Z is None else Z
        W = self.Minv @ self.rows.rows_tmatmul(slice(None), Z)
        if self.basis is not None:
            W = self.basis @ W
        b = Z.mean(axis=0) - self.x_mean @ W
        return W, b


class KernelObjective:
    """f(Z) = Tr(Z^T A Z) with A = reg P (P K P + n reg I)^-1 P formed explicitly (n x n)."""

    def __init__(self, K: np.ndarray, reg: float) -> None:
        K = np.asarray(K, dtype=np.float64)
        if K.ndim != 2 or K.shape[0] != K.shape[1]:
            raise ValueError(f"K must be a square kernel matrix, got shape {K.shape}")
        check_finite("K", K)
        if not reg > 0:
            raise ValueError(f"the kernel form needs reg > 0 (P K P is singular), got {reg}")
        if not np.allclose(K, K.T, atol=1e-10 * max(1.0, float(np.abs(K).max()))):
            raise ValueError("K is not symmetric (expected a kernel matrix)")
        self.n = K.shape[0]
        self.reg = float(reg)
        P = np.eye(self.n) - 1.0 / self.n
        Kc = P @ K @ P
        inv = np.linalg.inv(Kc + self.n * self.reg * np.eye(self.n))
        self.A = self.reg * (P @ inv @ P)
        self.A = (self.A + self.A.T) / 2
        self.curv_bound = float(np.linalg.eigvalsh(self.A)[-1])
        self.Z: np.ndarray | None = None

    def apply(self, Z: np.ndarray) -> np.ndarray:
        return self.A @ Z

    def value(self, Z: np.ndarray) -> float:
        return float(np.sum(Z * (self.A @ Z)))

    def reset(self, Z: np.ndarray) -> None:
        self.Z = Z
        self.AZ = self.A @ Z

    def grad(self, rows: slice) -> np.ndarray:
        return 2.0 * self.AZ[rows]

    def curvature(self, rows: slice, D: np.ndarray) -> tuple[float, tuple]:
        AD = self.A[:, rows] @ D
        return float(np.sum(D * AD[rows])), (AD,)

    def curvature_pair(self, rows: slice, D0: np.ndarray, D1: np.ndarray) -> tuple[np.ndarray, tuple]:
        A0, A1 = self.A[:, rows] @ D0, self.A[:, rows] @ D1
        c01 = float(np.sum(D0 * A1[rows]))
        C = np.array([[float(np.sum(D0 * A0[rows])), c01], [c01, float(np.sum(D1 * A1[rows]))]])
        return C, ((A0,), (A1,))

    def update(self, rows: slice, D: np.ndarray, gamma: float, aux: tuple) -> None:
        self.Z[rows] += gamma * D
        self.AZ += gamma * aux[0]

    def current_value(self) -> float:
        self.reset(self.Z)
        return float(np.sum(self.Z * self.AZ))

    def classifier(self, Z: np.ndarray | None = None):
        raise NotImplementedError("the kernel form has no explicit classifier W")
