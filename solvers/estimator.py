"""`DiscriminativeClustering`: the scikit-learn style estimator over the DIFFRAC problem."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np
from sklearn.base import BaseEstimator

import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from .backend import resolve_backend
from .constraints import BagLike, build_problem
from .exact import EXACT_MAX_COST, exact_cost, known_rows, solve_exact
from .frank_wolfe import duality_gap, start_objective
from .objective import ExplicitObjective, check_finite

# "auto": the exact path while its size measure is at most AUTO_EXACT_COST (there it takes at most
# seconds); above, projected gradient where Frank-Wolfe's oracle would solve an LP over at least
# PG_MIN_LP_ROWS rows per call (bags chained into components, or a block tied whole by rho over all
# tracks), FW where it would not, BCFW with blocks; past EXACT_MAX_COST with a message.  Measured
# (`python benchmarks/bench_solvers.py crossover`, load 0.6-1.5, tol 1e-5): exact against projected
# gradient 8.0 s / 5.9 s at 4.8e7 and 20.8 s / 21.8 s at 9.7e7 (planted, kappa 10, rho 0.2 over all
# tracks); at 3.2e8 (n = 2,000) 57.7 s / 2.5 s on chained bags and 76.2 s / 1.0 s on disjoint ones
# (where FW is faster still); the hard toy's window solve (2.9e8) 61.4 s / 0.39 s; below ~4e6 the
# exact path takes < 0.5 s and projected gradient 1-3 s.
AUTO_EXACT_COST = 50_000_000
PG_MIN_LP_ROWS = 100

SOLVERS = ("auto", "exact", "pg", "fw", "bcfw", "cvxpy")


class DiscriminativeClustering(BaseEstimator):
    """Assign labels 0..n_labels-1 (0 = background) to tracks under bag constraints (DIFFRAC).

    Parameters: `reg` ridge weight; `solver` "auto" (the exact QP while it is fast, AUTO_EXACT_COST;
    above, "pg" where Frank-Wolfe's oracle would be an LP over many rows (chained bags, or rho over
    all tracks), else "bcfw" when `blocks` are given, else "fw"), "exact" (one
    QP: DAQP's active-set method when small, else Clarabel's interior point method, solvers/exact.py), "pg" (accelerated projected
    gradient, solvers/projected.py), "fw" (factored pairwise Frank-Wolfe),
    "bcfw" (block-coordinate, needs `blocks` in fit) or "cvxpy" (Clarabel through cvxpy, the
    reference); `alpha` how many times each required label must occur in its bag; `kappa` slack
    penalty (None: hard constraints); `rho` at least this fraction of the tracks are background,
    counted over `rho_scope` "free" (tracks in no bag) or "all" (every track not fixed, so a track
    inside a bag can be nobody: Bojanowski et al. ICCV 2013's background class), per block;
    `max_iter` iterations (FW) or epochs (BCFW); `tol` stop when the duality gap <= tol *
    max(objective, f at the starting vertex); `time_limit` seconds (None: no limit); `device`
    "auto" (CUDA via torch when present, else numpy), "numpy", "cpu" (torch), "cuda".

    Learned: `Z_` (n x n_labels relaxed assignment), `labels_` (constraint-respecting rounding),
    `scores_` (classifier scores X coef_ + intercept_), `held_out_scores_` (each row's score from the
    ridge fitted to Z_ without that row, exact by the hat matrix; -inf for a label the row's block may
    not take, and non-finite where reg = 0 leaves a row's leverage at 1), `objective_` (f(Z_), without the slack
    penalty), `slack_` (xi per (bag, required label) in bag order, empty without kappa),
    `gap_` (exact Frank-Wolfe duality gap of the returned point, slack penalty included),
    `gap_history_` (relative duality gaps), `n_iter_`, `converged_` (a fit that did not converge
    also warns, once, with sklearn's ConvergenceWarning), `solver_` (the solver that ran),
    `coef_` (d x n_labels), `intercept_` (n_labels).
    """

    def __init__(self, n_labels: int, reg: float = 1e-2, solver: str = "auto", alpha: int = 1,
                 kappa: float | None = None, rho: float = 0.0, rho_scope: str = "free", max_iter: int = 1000,
                 tol: float = 1e-4, time_limit: float | None = None, device: str = "auto",
                 random_state: int | None = None) -> None:
        self.n_labels = n_labels
        self.reg = reg
        self.solver = solver
        self.alpha = alpha
        self.kappa = kappa
        self.rho = rho
        self.rho_scope = rho_scope
        self.max_iter = max_iter
        self.tol = tol
        self.time_limit = time_limit
        self.device = device
        self.random_state = random_state

    def fit(self, X: np.ndarray, bags: Sequence[BagLike], blocks: Sequence[int] | None = None,
            background: Sequence[int] | np.ndarray | None = None,
            block_labels: Mapping[Hashable, Iterable[int]] | None = None,
            exclusive: Sequence[tuple[int, int]] | np.ndarray | None = None):
        """Solve for Z; `background` = indices (or a boolean mask) of tracks fixed to label 0;
        `blocks`: a group id per track (bags must lie inside one block; rho holds per block);
        `block_labels`: block id -> the labels its tracks may take besides 0 (unlisted blocks: all);
        `exclusive`: pairs of tracks (of one block) that may not take the same label other than 0,
        e.g. two faces on screen at once: rows Z[i, l] + Z[j, l] <= 1 of the relaxation, and kept by
        the rounding (`rounding.round_exclusive`)."""
        from .frank_wolfe import frank_wolfe
        from .rounding import round_exclusive

        if self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {SOLVERS}, got {self.solver!r}")
        resolve_backend(self.device)  # a bad device is refused whichever solver runs
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[0] == 0:
            raise ValueError(f"X must be a non-empty 2-D array (n_tracks x n_features), got shape {X.shape}")
        check_finite("X", X)
        n = X.shape[0]
        if self.solver == "bcfw" and blocks is None:
            raise ValueError("solver='bcfw' needs blocks= (a group id per track)")
        problem = build_problem(n, self.n_labels, bags, alpha=self.alpha, kappa=self.kappa,
                                background=background, rho=self.rho, blocks=blocks, rho_scope=self.rho_scope,
                                block_labels=block_labels, exclusive=exclusive)
        solver = self.solver
        if solver == "auto":
            size = exact_cost(n, X.shape[1], self.n_labels, int(np.sum(~known_rows(problem))))
            if size <= AUTO_EXACT_COST:
                solver = "exact"
            else:
                # chained bags (or rho over all tracks): projected gradient, with or without blocks (on 200,000
                # overlapping tracks in 60 blocks it reached a 1e-3 gap in 226 s, BCFW 9.8e-3 in 305 s)
                solver = "pg" if lp_rows(problem) >= PG_MIN_LP_ROWS else "bcfw" if blocks is not None else "fw"
                if size > EXACT_MAX_COST:
                    warnings.warn(f"{n} tracks x {self.n_labels} labels x {X.shape[1]} features is beyond the exact "
                                  f"path's size limit (n_variable L (r+3)^2 = {size:,} > {EXACT_MAX_COST:,}): solving "
                                  f"with solver={solver!r} instead", UserWarning, stacklevel=2)
        Xp = X[problem.order]
        obj = ExplicitObjective(Xp, self.reg, device="numpy" if solver in ("cvxpy", "exact", "pg") else self.device)
        kappa = self.kappa or 0.0
        if solver in ("cvxpy", "exact"):
            if solver == "cvxpy":
                from .reference import solve_reference

                ref = solve_reference(X, self.reg, problem, time_limit=self.time_limit)
                Zp = np.clip(ref.Z, 0.0, None)
                Zp /= Zp.sum(axis=1, keepdims=True)
                xi = np.clip(ref.xi, 0.0, None)
                solved, self.n_iter_ = ref.status == "optimal", 1
            else:
                ex = solve_exact(obj.rows.X, self.reg, problem, time_limit=self.time_limit)
                Zp, xi, self.n_iter_ = ex.Z, ex.xi, ex.iterations
                solved = ex.status in ("Solved", "SolverStatus.Solved", "AlmostSolved", "SolverStatus.AlmostSolved")
            F = obj.value(Zp) + kappa * float(xi @ xi)
            gap = np.inf
            if solver == "exact" and ex.dual is not None:
                # the solver's multipliers bound the gap without the oracles' LPs; where that bound is
                # too loose to certify tol, the LPs give the gap itself
                gap = ex.dual.gap(2.0 * obj.apply(Zp), 2.0 * kappa * xi, Zp, xi)
            if not gap <= self.tol * F:
                gap = duality_gap(obj, problem, Zp, xi)
            # the absolute scale is needed only when the relative test fails (one oracle call saved)
            scale = 0.0 if gap <= self.tol * F else start_objective(obj, problem)
            self.gap_ = gap
            self.gap_history_ = [gap / max(F, scale, 1e-300)]
            self.converged_ = bool(solved and gap <= self.tol * max(F, scale, 1e-300))
        else:
            if solver == "fw":
                res = frank_wolfe(obj, problem, max_iter=self.max_iter, tol=self.tol, time_limit=self.time_limit)
            elif solver == "pg":
                from .projected import projected_gradient

                res = projected_gradient(obj, problem, max_iter=self.max_iter, tol=self.tol,
                                         time_limit=self.time_limit)
            else:
                from .bcfw import bcfw

                res = bcfw(obj, problem, max_iter=self.max_iter, tol=self.tol, random_state=self.random_state,
                           time_limit=self.time_limit)
            Zp, xi = res.Z, res.xi
            self.gap_ = float(res.gap)
            self.gap_history_ = list(map(float, res.gap_history))
            self.n_iter_ = res.n_iter
            self.converged_ = res.converged
        self.solver_ = solver
        if not self.converged_:
            warnings.warn(f"solver={solver!r} stopped before convergence after {self.n_iter_} iteration(s): relative "
                          f"duality gap {self.gap_history_[-1]:.2e} > tol={self.tol:g} (raise max_iter or "
                          "time_limit)", ConvergenceWarning, stacklevel=2)
        inv = np.empty(n, dtype=np.int64)
        inv[problem.order] = np.arange(n)
        self.Z_ = np.asarray(Zp)[inv]
        self.objective_ = obj.value(np.asarray(Zp))
        self.slack_ = np.asarray(xi, dtype=np.float64)
        rounded, notes = round_exclusive(np.asarray(Zp), problem)
        for note in notes:
            warnings.warn(note, UserWarning, stacklevel=2)
        self.labels_ = rounded[inv]
        W, b = obj.classifier(np.asarray(Zp))
        self.coef_, self.intercept_ = W, b
        self.scores_ = X @ W + b
        # leave-one-out scores (exact for ridge): a track's score from the classifier fitted without it
        h = obj.leverage()[inv]
        with np.errstate(divide="ignore", invalid="ignore"):
            self.held_out_scores_ = (self.scores_ - h[:, None] * self.Z_) / (1.0 - h)[:, None]
        for blk in problem.blocks:  # a label the row's block may not take is no score of it
            if blk.allowed is not None:
                self.held_out_scores_[np.ix_(problem.order[blk.rows], ~blk.allowed)] = -np.inf
        self.n_features_in_ = X.shape[1]
        self.problem_ = problem
        return self

    def decision_function(self, X_new: np.ndarray) -> np.ndarray:
        """Classifier scores X_new coef_ + intercept_ (n_new x n_labels)."""
        check_is_fitted(self, "coef_")
        X_new = np.asarray(X_new, dtype=np.float64)
        if X_new.ndim != 2 or X_new.shape[1] != self.n_features_in_:
            raise ValueError(f"X_new must have shape (n, {self.n_features_in_}), got {X_new.shape}")
        if not np.isfinite(X_new).all():
            raise ValueError("X_new has a non-finite value (NaN or inf)")
        return X_new @ self.coef_ + self.intercept_

    def predict(self, X_new: np.ndarray) -> np.ndarray:
        """Label of each new track: argmax of the classifier scores."""
        return np.argmax(self.decision_function(X_new), axis=1)


def lp_rows(problem) -> int:
    """The most rows one oracle call of Frank-Wolfe hands to an LP: a block tied whole by rho over all
    tracks, else its components of overlapping bags together (one block-diagonal LP)."""
    most = 0
    for blk in problem.blocks:
        orc = blk.oracle
        if getattr(orc, "whole_block", False):
            most = max(most, blk.size)
        else:
            rows = {int(i) for comp in getattr(orc, "multi", []) for k in comp for i in blk.bags[k][0]}
            most = max(most, len(rows))
    return most
