"""Ordering constraints (Bojanowski et al. ECCV 2014; Alayrac et al. CVPR 2016) as one more oracle.

Within a block whose tracks are in temporal order, a script gives a sequence of labels
a_1, ..., a_K (its order of events).  Feasible integral assignments give a_k to exactly one track
p_k, with p_1 < p_2 < ... < p_K, and background (label 0) to every other track; the constraint set
is their convex hull.  The LMO is a dynamic programme: with e[i, k] = C[i, a_k] - C[i, 0],

    best[k][i] = min(best[k][i-1], best[k-1][i-1] + e[i, k]),

the minimum of sum_k e[p_k, k] over increasing p, plus sum_i C[i, 0]; O(n_block K).  Exact: it is
the shortest path through the monotone alignment lattice, and a linear function over the convex
hull of the paths is minimized at a path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .types import Block, ConstraintError, Problem, Vertex


class OrderingOracle:
    """LMO over the ordered assignments of one block (see the module docstring)."""

    whole_block = True  # the block is one factor for factored.Factors

    def __init__(self, block: Block, sequence: Sequence[int]) -> None:
        self.block = block
        self.sequence = np.asarray(sequence, dtype=np.int64)

    def __call__(self, C: np.ndarray, gxi: np.ndarray) -> Vertex:
        n, K = C.shape[0], self.sequence.size
        e = C[:, self.sequence] - C[:, [0]]  # n x K
        best = np.full((K + 1, n + 1), np.inf)
        best[0, :] = 0.0
        take = np.zeros((K + 1, n + 1), dtype=bool)
        for k in range(1, K + 1):
            prev = best[k - 1]
            row = best[k]
            for i in range(1, n + 1):
                a, b = row[i - 1], prev[i - 1] + e[i - 1, k - 1]
                if b < a:
                    row[i], take[k, i] = b, True
                else:
                    row[i] = a
        labels = np.zeros(n, dtype=np.int16)
        k, i = K, n
        while k > 0:
            if take[k, i]:
                labels[i - 1] = self.sequence[k - 1]
                k -= 1
            i -= 1
        return Vertex(labels, np.zeros(0))


def ordering_problem(n: int, n_labels: int, blocks: Sequence[int] | np.ndarray,
                     sequences: Mapping[int, Sequence[int]]) -> Problem:
    """A Problem whose blocks (tracks in temporal order within each) follow the given label sequences.

    Blocks without a sequence are all background.  Tracks keep their order inside a block.
    """
    block_ids = np.asarray(blocks)
    if block_ids.shape != (n,):
        raise ConstraintError(f"blocks must give one id per track: shape {block_ids.shape}, expected ({n},)")
    uniq, block_of = np.unique(block_ids, return_inverse=True)
    order = np.argsort(block_of, kind="stable")
    counts = np.bincount(block_of, minlength=uniq.size)
    starts = np.concatenate([[0], np.cumsum(counts)])
    out = []
    for b, bid in enumerate(uniq):
        seq = [int(a) for a in sequences.get(bid.item() if hasattr(bid, "item") else bid, [])]
        if any(a <= 0 or a >= n_labels for a in seq):
            raise ConstraintError(f"block {bid}: sequence labels must lie in 1..{n_labels - 1}, got {seq}")
        if len(seq) > counts[b]:
            raise ConstraintError(f"block {bid}: sequence of {len(seq)} events but only {counts[b]} tracks "
                                  "(expected at most one event per track)")
        blk = Block(slice(int(starts[b]), int(starts[b + 1])), n_labels, [], [], 0,
                    np.zeros(counts[b], dtype=bool), np.zeros(counts[b], dtype=bool), 0.0, 1)
        blk.oracle = OrderingOracle(blk, seq)
        out.append(blk)
    return Problem(n, n_labels, order, out, None, 1)
