"""Shared builders of the solver tests."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from solvers.constraints import build_problem
from solvers.planted import make_planted


@pytest.fixture(scope="session")
def constrained_problem():
    """A builder of small planted problems with overlapping bags and every kind of row: (P, problem) for
    (n, n_labels, d, seed, kappa, rho, rho_scope, with_blocks); with blocks, two movies of n / 2 tracks,
    the second one allowed labels 1..n_labels - 2 only (banned entries), bags kept inside one movie."""

    def build(n, n_labels, d, seed, kappa, rho, scope, with_blocks):
        P = make_planted(n, n_labels, d, random_state=seed, overlapping=True)
        bags, blocks, block_labels = P.bags, None, None
        if with_blocks:
            blocks = (np.arange(n) >= n // 2).astype(int)
            allowed = set(range(n_labels - 1))
            bags = [b for b in P.bags if len(set(blocks[list(b.track_indices)])) == 1
                    and (blocks[b.track_indices[0]] == 0 or set(b.required_labels) <= allowed)]
            block_labels = {1: sorted(allowed - {0})}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a label no bag requires
            pr = build_problem(n, n_labels, bags, kappa=kappa, background=P.negatives, rho=rho, rho_scope=scope,
                               blocks=blocks, block_labels=block_labels)
        return P, pr

    return build
