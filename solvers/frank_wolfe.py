"""Frank-Wolfe for the DIFFRAC problem: exact line search, duality gap, pairwise or away steps.

f is quadratic, so the line search along D is exact: F(Z + g D) = F + g <grad, D> + g^2 <D, A D>
(+ the slack terms).  The Frank-Wolfe gap <grad, Z - S> (S the oracle's vertex) bounds F(Z) - F*
from above and is the stopping criterion: gap <= tol * max(F(Z), scale), with scale f at the
starting vertex (an absolute scale: F* can be ~0, where a purely relative test never fires; the
uniform assignment would not do, its objective is exactly 0 as constant columns lie in A's kernel).
The slack's penalty is left out of the scale: the starting vertex may take every bag's slack, as
the oracle's costs are zero there, which would make the scale kappa x alpha^2 x the number of bag
rows, unrelated to the fit.  Vanilla FW converges at rate 1/t
here because the optimum lies on a face of the polytope; away steps and pairwise steps
(Lacoste-Julien & Jaggi, NeurIPS 2015) keep the iterate as a convex combination of an active set
of vertices and move weight off the worst one, which gives linear convergence on polytopes.

The engine works on "units" (a set of contiguous rows, their slack and an oracle): plain FW uses one
unit made of all blocks, block-coordinate FW (bcfw.py) one unit per block.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .backend import single_blas_thread
from .types import Block, Problem, Vertex

STEPS = ("factored", "pairwise", "away", "vanilla")


@dataclass
class Unit:
    """Rows and slack updated together, with their oracle and active set {key: [vertex, weight]}."""

    rows: slice
    xs: slice
    oracle: object
    active: dict = field(default_factory=dict)
    gap: float = np.inf


@dataclass
class SolveResult:
    """Internal-order solution and history of one run."""

    Z: np.ndarray
    xi: np.ndarray
    objective: float  # f(Z) + kappa ||xi||^2
    gap: float  # last exact duality gap
    gap_history: list[float]  # relative gaps gap / max(objective, scale) at each exact evaluation
    objective_history: list[float]
    time_history: list[float]  # seconds since start at each history entry
    n_iter: int
    converged: bool
    scale: float = 0.0  # the absolute objective scale of the stopping test (f at the start, no slack penalty)
    # (seconds, objective, most any row falls short) of every iterate, for solvers whose iterates may
    # be feasible only to a tolerance (projected gradient)
    iterates: list[tuple[float, float, float]] = field(default_factory=list)
    # where the gap is not evaluated at each (projected gradient); empty otherwise


class Trace:
    """The history of one solve (relative gaps, objectives, times) and its stopping rules."""

    def __init__(self, tol: float, time_limit: float | None, callback, scale: float = 0.0) -> None:
        self.tol, self.time_limit, self.callback = tol, time_limit, callback
        self.scale = max(float(scale), 1e-300)
        self.t0 = time.perf_counter()
        self.gaps: list[float] = []
        self.objs: list[float] = []
        self.times: list[float] = []
        self.converged = False

    def record(self, it: int, F: float, gap: float) -> bool:
        """Log the exact gap at objective F; True when gap <= tol * max(F, scale) (then ``converged``)."""
        self.gaps.append(gap / self.denominator(F))
        self.objs.append(F)
        self.times.append(self.elapsed())
        if self.callback is not None:
            self.callback(it, F, gap)
        self.converged = bool(gap <= self.tol * self.denominator(F))
        return self.converged

    def denominator(self, F: float) -> float:
        """max(F, scale): what the gap is measured against."""
        return max(F, self.scale)

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def out_of_time(self) -> bool:
        return self.time_limit is not None and self.elapsed() > self.time_limit

    def result(self, obj, xi: np.ndarray, F: float, gap: float, n_iter: int) -> SolveResult:
        return SolveResult(obj.Z, xi, F, gap, self.gaps, self.objs, self.times, n_iter, self.converged, self.scale)


def concat_oracle(blocks: list[Block], n_labels: int):
    """An oracle over the product of the blocks' sets (the vertex is the concatenation)."""

    def oracle(C: np.ndarray, gxi: np.ndarray) -> Vertex:
        labs, xis, fr, fv = [], [], [], []
        xo = 0
        for b in blocks:
            v = b.oracle(C[b.rows], gxi[xo: xo + b.n_slack])
            xo += b.n_slack
            labs.append(v.labels)
            xis.append(v.xi)
            if v.frac_rows.size:
                fr.append(v.frac_rows + b.rows.start)
                fv.append(v.frac_vals)
        lab = np.concatenate(labs)
        xi = np.concatenate(xis) if xis else np.zeros(0)
        if fr:
            return Vertex(lab, xi, np.concatenate(fr), np.vstack(fv))
        return Vertex(lab, xi)

    return oracle


def init_unit(unit: Unit, Z: np.ndarray, xi: np.ndarray, n_labels: int) -> None:
    """Start the unit at the oracle's vertex for zero costs (a feasible vertex; ties -> label 0)."""
    nb = unit.rows.stop - unit.rows.start
    v = unit.oracle(np.zeros((nb, n_labels)), np.zeros(unit.xs.stop - unit.xs.start))
    Z[unit.rows] = v.dense(n_labels)
    xi[unit.xs] = v.xi
    unit.active = {v.key(): [v, 1.0]}


def unit_step(unit: Unit, obj, xi: np.ndarray, kappa: float, n_labels: int, step: str) -> tuple[float, float]:
    """One (block) FW step with exact line search; returns (gap before the step, objective change)."""
    rows, xs = unit.rows, unit.xs
    G = obj.grad(rows)
    gx = 2.0 * kappa * xi[xs]
    S = unit.oracle(G, gx)
    Zb = obj.Z[rows]
    gZ = float(np.sum(G * Zb)) + float(gx @ xi[xs])
    gS = S.inner(G, gx)
    gap = gZ - gS
    unit.gap = max(gap, 0.0)
    skey = S.key()
    if step == "vanilla":
        D, dxi, gmax, mode = S.dense(n_labels) - Zb, S.xi - xi[xs], 1.0, "fw"
    else:
        vals = [(e[0].inner(G, gx), k) for k, e in unit.active.items()]
        gV, vkey = max(vals)
        V, wV = unit.active[vkey]
        if step == "pairwise":
            D, dxi, gmax, mode = S.dense(n_labels) - V.dense(n_labels), S.xi - V.xi, wV, "pw"
        elif gap >= gV - gZ or wV >= 1.0:
            D, dxi, gmax, mode = S.dense(n_labels) - Zb, S.xi - xi[xs], 1.0, "fw"
        else:
            D, dxi, gmax, mode = Zb - V.dense(n_labels), xi[xs] - V.xi, wV / (1.0 - wV), "away"
    lin = float(np.sum(G * D)) + float(gx @ dxi)
    if lin >= 0.0:
        return gap, 0.0
    curv, aux = obj.curvature(rows, D)
    curv += kappa * float(dxi @ dxi)
    gamma = gmax if curv <= 0 else min(gmax, -lin / (2.0 * curv))
    obj.update(rows, D, gamma, aux)
    xi[xs] += gamma * dxi
    act = unit.active
    if mode == "fw":
        for e in act.values():
            e[1] *= 1.0 - gamma
        act.setdefault(skey, [S, 0.0])[1] += gamma
    elif mode == "away":
        for e in act.values():
            e[1] *= 1.0 + gamma
        act[vkey][1] -= gamma
    else:
        act.setdefault(skey, [S, 0.0])[1] += gamma
        act[vkey][1] -= gamma
    for k in [k for k, e in act.items() if e[1] <= 1e-12]:
        del act[k]
    return gap, gamma * lin + gamma * gamma * curv


@single_blas_thread
def frank_wolfe(
    obj,
    problem: Problem,
    *,
    max_iter: int = 1000,
    tol: float = 1e-6,
    step: str = "factored",
    time_limit: float | None = None,
    callback=None,
) -> SolveResult:
    """Minimize f(Z) + kappa ||xi||^2 over the problem's polytope; stop at gap <= tol * max(F, f_start)
    or after `time_limit` seconds (then ``converged`` is False)."""
    if step not in STEPS:
        raise ValueError(f"step must be one of {STEPS}, got {step!r}")
    if step == "factored":
        return _frank_wolfe_factored(obj, problem, max_iter=max_iter, tol=tol, time_limit=time_limit,
                                     callback=callback)
    L = problem.n_labels
    kappa = problem.kappa or 0.0
    Z = np.zeros((problem.n, L))
    xi = np.zeros(problem.n_slack)
    unit = Unit(slice(0, problem.n), slice(0, problem.n_slack), concat_oracle(problem.blocks, L))
    init_unit(unit, Z, xi, L)
    obj.reset(Z)
    F = obj.current_value() + kappa * float(xi @ xi)
    trace = Trace(tol, time_limit, callback, scale=F - kappa * float(xi @ xi))
    it = 0
    gap = np.inf
    for it in range(1, max_iter + 1):
        gap, dF = unit_step(unit, obj, xi, kappa, L, step)
        # gap is at the point before this step, whose objective is F
        if trace.record(it, F, gap):
            break
        F += dF
        if it % 25 == 0:
            F = obj.current_value() + kappa * float(xi @ xi)
        if trace.out_of_time():
            break
    F = obj.current_value() + kappa * float(xi @ xi)
    return trace.result(obj, xi, F, gap, it)



def _xi_offsets(problem: Problem) -> list[int]:
    return [sl.start for sl in problem.slack_slices()]


def _frank_wolfe_factored(obj, problem: Problem, *, max_iter: int, tol: float, time_limit: float | None,
                          callback) -> SolveResult:
    from .factored import Factors, factored_step

    L, n = problem.n_labels, problem.n
    kappa = problem.kappa or 0.0
    fac = Factors(problem.blocks, _xi_offsets(problem), L, kappa)
    Z = np.zeros((n, L))
    xi = np.zeros(problem.n_slack)
    fac.init(Z, xi)
    obj.reset(Z)
    F = obj.current_value() + kappa * float(xi @ xi)
    trace = Trace(tol, time_limit, callback, scale=F - kappa * float(xi @ xi))
    gap = np.inf
    it = 0
    for it in range(1, max_iter + 1):
        F_before = F
        gap, dF = factored_step(obj, fac, xi, kappa)
        if trace.record(it, F_before, gap):
            break
        F += dF
        if dF == 0.0:
            break
        if it % 25 == 0:
            F = obj.current_value() + kappa * float(xi @ xi)
        if trace.out_of_time():
            break
    F = obj.current_value() + kappa * float(xi @ xi)
    return trace.result(obj, xi, F, gap, it)


def start_vertex(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """Factored Frank-Wolfe's starting vertex (Z, xi) in internal order: a feasible vertex."""
    from .factored import Factors

    Z = np.zeros((problem.n, problem.n_labels))
    xi = np.zeros(problem.n_slack)
    Factors(problem.blocks, _xi_offsets(problem), problem.n_labels, problem.kappa or 0.0).init(Z, xi)
    return Z, xi


def start_objective(obj, problem: Problem) -> float:
    """f at the starting vertex (no slack penalty): the absolute scale of the stopping test."""
    Z, _ = start_vertex(problem)
    return obj.value(Z)


def duality_gap(obj, problem: Problem, Z: np.ndarray, xi: np.ndarray, AZ: np.ndarray | None = None) -> float:
    """The Frank-Wolfe duality gap of the feasible point (Z, xi) (internal order) over the whole
    problem, from the blocks' oracles: an upper bound on its objective's distance to the optimum.
    `AZ`: obj.apply(Z) when the caller has it."""
    kappa = problem.kappa or 0.0
    G = 2.0 * (obj.apply(Z) if AZ is None else AZ)
    gx = 2.0 * kappa * xi
    gap = 0.0
    for blk, xs in zip(problem.blocks, problem.slack_slices()):
        S = blk.oracle(G[blk.rows], gx[xs])
        gap += float(np.sum(G[blk.rows] * Z[blk.rows])) + float(gx[xs] @ xi[xs]) - S.inner(G[blk.rows], gx[xs])
    return gap
