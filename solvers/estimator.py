"""`DiscriminativeClustering`: the scikit-learn style estimator over the DIFFRAC problem."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator

from .constraints import BagLike, build_problem
from .objective import ExplicitObjective, _check_finite

SOLVERS = ("fw", "bcfw", "cvxpy")


class DiscriminativeClustering(BaseEstimator):
    """Assign labels 0..n_labels-1 (0 = background) to tracks under bag constraints (DIFFRAC).

    Parameters: `reg` ridge weight; `solver` "fw" (factored pairwise Frank-Wolfe), "bcfw" (block-
    coordinate, needs `blocks` in fit) or "cvxpy" (Clarabel reference); `alpha` how many times each
    required label must occur in its bag; `kappa` slack penalty (None: hard constraints); `max_iter`
    iterations (FW) or epochs (BCFW); `tol` stop when duality gap / objective <= tol; `device`
    "auto" (CUDA via torch when present, else numpy), "numpy", "cpu" (torch), "cuda".

    Learned: `Z_` (n x n_labels relaxed assignment), `labels_` (constraint-respecting rounding),
    `scores_` (classifier scores X coef_ + intercept_), `objective_` (f(Z_), without the slack
    penalty), `slack_` (xi per (bag, required label) in bag order, empty without kappa),
    `gap_history_` (relative duality gaps), `n_iter_`, `converged_`, `coef_` (d x n_labels),
    `intercept_` (n_labels).
    """

    def __init__(self, n_labels: int, reg: float = 1e-2, solver: str = "fw", alpha: int = 1,
                 kappa: float | None = None, max_iter: int = 1000, tol: float = 1e-4, device: str = "auto",
                 random_state: int | None = None) -> None:
        self.n_labels = n_labels
        self.reg = reg
        self.solver = solver
        self.alpha = alpha
        self.kappa = kappa
        self.max_iter = max_iter
        self.tol = tol
        self.device = device
        self.random_state = random_state

    def fit(self, X: np.ndarray, bags: Sequence[BagLike], blocks: Sequence[int] | None = None,
            background: Sequence[int] | np.ndarray | None = None, *, rho: float = 0.0):
        """Solve for Z; `background` = indices (or a boolean mask) of tracks fixed to label 0;
        `rho`: at least this fraction of the tracks in no bag are background (per block when
        `blocks` are given, for every solver; bags must then lie inside one block)."""
        from .frank_wolfe import frank_wolfe
        from .rounding import round_constrained

        if self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {SOLVERS}, got {self.solver!r}")
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[0] == 0:
            raise ValueError(f"X must be a non-empty 2-D array (n_tracks x n_features), got shape {X.shape}")
        _check_finite("X", X)
        n = X.shape[0]
        if self.solver == "bcfw" and blocks is None:
            raise ValueError("solver='bcfw' needs blocks= (a group id per track)")
        problem = build_problem(n, self.n_labels, bags, alpha=self.alpha, kappa=self.kappa,
                                background=background, rho=rho, blocks=blocks)
        Xp = X[problem.order]
        obj = ExplicitObjective(Xp, self.reg, device="numpy" if self.solver == "cvxpy" else self.device)
        if self.solver == "cvxpy":
            from .reference import solve_reference

            ref = solve_reference(X, self.reg, problem)
            Zp = np.clip(ref.Z, 0.0, None)
            Zp /= Zp.sum(axis=1, keepdims=True)
            xi = np.clip(ref.xi, 0.0, None)
            gap = _exact_gap(obj, problem, Zp, xi)
            F = obj.value(Zp) + (self.kappa or 0.0) * float(xi @ xi)
            self.gap_history_ = [gap / max(F, 1e-300)]
            self.n_iter_ = 1
            self.converged_ = ref.status == "optimal"
        elif self.solver == "fw":
            res = frank_wolfe(obj, problem, max_iter=self.max_iter, tol=self.tol)
            Zp, xi = res.Z, res.xi
        else:
            from .bcfw import bcfw

            res = bcfw(obj, problem, max_iter=self.max_iter, tol=self.tol, random_state=self.random_state)
            Zp, xi = res.Z, res.xi
        if self.solver != "cvxpy":
            self.gap_history_ = list(map(float, res.gap_history))
            self.n_iter_ = res.n_iter
            self.converged_ = res.converged
        inv = np.empty(n, dtype=np.int64)
        inv[problem.order] = np.arange(n)
        self.Z_ = np.asarray(Zp)[inv]
        self.objective_ = obj.value(np.asarray(Zp))
        self.slack_ = np.asarray(xi, dtype=np.float64)
        self.labels_ = round_constrained(np.asarray(Zp), problem)[inv]
        W, b = obj.classifier(np.asarray(Zp))
        self.coef_, self.intercept_ = W, b
        self.scores_ = X @ W + b
        self.n_features_in_ = X.shape[1]
        self.problem_ = problem
        return self

    def decision_function(self, X_new: np.ndarray) -> np.ndarray:
        """Classifier scores X_new coef_ + intercept_ (n_new x n_labels)."""
        X_new = np.asarray(X_new, dtype=np.float64)
        if X_new.ndim != 2 or X_new.shape[1] != self.n_features_in_:
            raise ValueError(f"X_new must have shape (n, {self.n_features_in_}), got {X_new.shape}")
        if not np.isfinite(X_new).all():
            raise ValueError("X_new has a non-finite value (NaN or inf)")
        return X_new @ self.coef_ + self.intercept_

    def predict(self, X_new: np.ndarray) -> np.ndarray:
        """Label of each new track: argmax of the classifier scores."""
        return np.argmax(self.decision_function(X_new), axis=1)


def _exact_gap(obj, problem, Z: np.ndarray, xi: np.ndarray) -> float:
    """Frank-Wolfe gap of (Z, xi) over the whole problem (internal order)."""
    kappa = problem.kappa or 0.0
    G = 2.0 * obj.apply(Z)
    gx = 2.0 * kappa * xi
    gap = 0.0
    for blk, xs in zip(problem.blocks, problem.slack_slices()):
        S = blk.oracle(G[blk.rows], gx[xs])
        gap += float(np.sum(G[blk.rows] * Z[blk.rows])) + float(gx[xs] @ xi[xs]) - S.inner(G[blk.rows], gx[xs])
    return gap
