"""Planted problems that look like a movie: tracks in temporal order, a few frequent identities,
background tracks, Gaussian features, and bags of adjacent tracks naming who is present.

Label 0 is background; labels 1..L-1 are identities with frequencies ~ 1/rank (main characters
appear most).  Features are class mean + Gaussian noise, the noise scaled so that the oracle
nearest-mean classifier (true means known) is right `target_accuracy` of the time (calibrated by
bisection on a fixed sample).  A bag covers 1-6 adjacent tracks and requires the (up to 3)
identities present among them; tracks in no bag are free.  A fraction of the background tracks
is returned as known negatives (to be fixed to background, as negatives from other movies are in
Bojanowski et al. 2013): without them nothing pulls any track to label 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .types import Bag


@dataclass(frozen=True)
class PlantedProblem:
    X: np.ndarray  # n x d features
    y: np.ndarray  # planted labels (0 = background)
    bags: list[Bag]
    blocks: np.ndarray  # block (movie) id per track
    means: np.ndarray  # L x d class means
    noise: float
    oracle_accuracy: float  # nearest-mean accuracy with the true means on this X
    negatives: np.ndarray  # background tracks known to be background ("from elsewhere")


def _nearest_mean_accuracy(X: np.ndarray, y: np.ndarray, means: np.ndarray) -> float:
    d2 = (X**2).sum(1)[:, None] - 2 * X @ means.T + (means**2).sum(1)[None, :]
    return float(np.mean(np.argmin(d2, axis=1) == y))


def calibrate_noise(means: np.ndarray, weights: np.ndarray, target: float, rng: np.random.Generator,
                    n_sample: int = 4000) -> float:
    """Noise level sigma at which the nearest-mean classifier is right `target` of the time."""
    d = means.shape[1]
    y = rng.choice(means.shape[0], size=n_sample, p=weights)
    E = rng.standard_normal((n_sample, d))
    lo, hi = 1e-3, 100.0
    for _ in range(50):
        mid = np.sqrt(lo * hi)
        acc = _nearest_mean_accuracy(means[y] + mid * E, y, means)
        lo, hi = (mid, hi) if acc > target else (lo, mid)
    return float(np.sqrt(lo * hi))


def make_planted(
    n: int,
    n_labels: int = 10,
    d: int = 128,
    *,
    target_accuracy: float = 0.9,
    background_fraction: float = 0.3,
    bag_probability: float = 0.75,
    max_bag_size: int = 6,
    max_required: int = 3,
    n_blocks: int = 1,
    negative_fraction: float = 0.2,
    random_state: int | None = 0,
    overlapping: bool = False,
) -> PlantedProblem:
    """A planted problem; `n_blocks` contiguous groups of tracks (movies), bags never cross them.

    `overlapping=True` makes the bags a real script makes (a sentence's time span plus a margin):
    windows of 2-8 adjacent tracks started every 1-4 tracks, so that neighbouring bags share tracks
    and chain into long components.
    """
    rng = np.random.default_rng(random_state)
    L = n_labels
    w = np.concatenate([[background_fraction], (1 - background_fraction) * (1 / np.arange(1, L))
                        / np.sum(1 / np.arange(1, L))])
    means = rng.standard_normal((L, d))
    sigma = calibrate_noise(means, w, target_accuracy, rng)
    y = rng.choice(L, size=n, p=w)
    X = means[y] + sigma * rng.standard_normal((n, d))
    blocks = np.minimum((np.arange(n) * n_blocks) // n, n_blocks - 1)
    bags: list[Bag] = []

    def add_bag(i: int, j: int) -> None:
        """A bag over tracks i..j-1 requiring (up to max_required of) the identities present."""
        ids = np.unique(y[i:j])
        ids = ids[ids > 0]
        if ids.size:
            if ids.size > max_required:
                ids = np.sort(rng.choice(ids, size=max_required, replace=False))
            bags.append(Bag(tuple(range(i, j)), tuple(int(v) for v in ids), f"bag {len(bags)}"))

    if overlapping:
        i = 0
        while i < n:
            j = min(i + int(rng.integers(2, 9)), n)
            j = i + int(np.sum(blocks[i:j] == blocks[i]))
            add_bag(i, j)
            i += int(rng.integers(1, 5))
    i = n if overlapping else 0
    while i < n:
        if rng.random() < bag_probability:
            s = int(rng.integers(1, max_bag_size + 1))
            j = min(i + s, n)
            j = i + int(np.sum(blocks[i:j] == blocks[i]))  # stay inside the block
            add_bag(i, j)
            i = j
        else:
            i += 1
    bg = np.flatnonzero(y == 0)
    negatives = np.sort(rng.choice(bg, size=int(negative_fraction * bg.size), replace=False))
    return PlantedProblem(X, y, bags, blocks, means, sigma, _nearest_mean_accuracy(X, y, means), negatives)
