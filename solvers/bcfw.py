"""Block-coordinate Frank-Wolfe (Lacoste-Julien et al. ICML 2013; Miech et al. ICCV 2017).

The constraint set is a product over blocks (groups of tracks, e.g. one movie each), so the
Frank-Wolfe gap is a sum of block gaps and one block can move while the others stay.  A block
step needs only the block's rows of the gradient 2 A Z = (2/n)(Z - mean Z - Xc W): with W and
mean(Z) kept up to date incrementally (objective.ExplicitObjective.update) it costs
O(n_block d L + d^2 L), not O(n d L).  Inside a block the step is the factored pairwise step of
factored.py with exact line search.  Blocks are sampled with probability proportional to their
last known gap (Osokin et al. ICML 2016), mixed with uniform sampling so none starves; when the
sum of the (stale) block gaps falls below tol * max(objective, f at the starting vertex), all block gaps are recomputed at the
current point (one O(n d L) pass) and the run stops only if that exact gap passes the test.
"""

from __future__ import annotations

import numpy as np

from .backend import single_blas_thread
from .constraints import Problem
from .factored import Factors, factored_step
from .frank_wolfe import SolveResult, Trace


@single_blas_thread
def bcfw(obj, problem: Problem, *, max_iter: int = 100, tol: float = 1e-3, random_state=None,
         time_limit: float | None = None, callback=None) -> SolveResult:
    """Minimize over the problem's blocks; `max_iter` counts epochs (one epoch = n_blocks block steps)."""
    rng = np.random.default_rng(random_state)
    L, n = problem.n_labels, problem.n
    kappa = problem.kappa or 0.0
    offs = [sl.start for sl in problem.slack_slices()]
    facs = [Factors([b], [o], L, kappa) for b, o in zip(problem.blocks, offs)]
    Z = np.zeros((n, L))
    xi = np.zeros(problem.n_slack)
    for f in facs:
        f.init(Z, xi)
    obj.reset(Z)
    F = obj.current_value() + kappa * float(xi @ xi)
    B = len(facs)
    gaps_b = np.full(B, np.inf)
    trace = Trace(tol, time_limit, callback, scale=F - kappa * float(xi @ xi))
    gap = np.inf

    def step(f: Factors) -> float:
        nonlocal F
        g, dF = factored_step(obj, f, xi, kappa)
        F += dF
        return max(g, 0.0)

    def exact_gap() -> float:
        total = 0.0
        for k, f in enumerate(facs):
            G = obj.grad(f.rows)
            gx = 2.0 * kappa * xi[f.xs]
            S = f.oracle(G, gx)
            Zb = obj.Z[f.rows]
            gaps_b[k] = float(np.sum(G * Zb)) + float(gx @ xi[f.xs]) - S.inner(G, gx)
            total += gaps_b[k]
        return total

    epoch = 0
    for epoch in range(1, max_iter + 1):
        order = np.arange(B) if epoch == 1 else None
        for j in range(B):
            if order is not None:
                k = order[j]
            else:
                p = np.where(np.isfinite(gaps_b), gaps_b, gaps_b[np.isfinite(gaps_b)].max(initial=1.0))
                p = 0.5 * p / max(p.sum(), 1e-300) + 0.5 / B
                k = int(rng.choice(B, p=p / p.sum()))
            gaps_b[k] = step(facs[k])
        if gaps_b.sum() <= tol * trace.denominator(F) or epoch == max_iter or trace.out_of_time():
            F = obj.current_value() + kappa * float(xi @ xi)
            gap = exact_gap()
            if trace.record(epoch, F, gap) or trace.out_of_time():
                break
    F = obj.current_value() + kappa * float(xi @ xi)
    return trace.result(obj, xi, F, gap, epoch)
