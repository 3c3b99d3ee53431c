"""Evaluation of track naming and action labelling against ground truth.

Naming follows Bojanowski et al. ICCV 2013: tracks are sorted by the confidence of their predicted
name, and accuracy is plotted against the proportion of tracks labelled; the naming AP is the area
under that curve. Actions are scored per class with average precision over tracks (scikit-learn's
definition), and summarised by their mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class NamingCurve:
    """Accuracy of the ``k`` most confident names, for k = 1..n, and the area under it."""

    proportion: np.ndarray
    accuracy: np.ndarray
    ap: float
    final_accuracy: float


def naming_curve(predicted: Sequence[str], truth: Sequence[str], confidence: Sequence[float]) -> NamingCurve:
    """Accuracy against proportion of tracks labelled, most confident first (ties keep input order)."""
    predicted = np.asarray(predicted, dtype=object)
    truth = np.asarray(truth, dtype=object)
    confidence = np.asarray(confidence, dtype=float)
    if not (len(predicted) == len(truth) == len(confidence)):
        raise ValueError("predicted, truth and confidence must have the same length")
    n = len(predicted)
    if n == 0:
        raise ValueError("no tracks to evaluate")
    if not np.all(np.isfinite(confidence)):
        raise ValueError("confidence contains NaN or inf")
    order = np.argsort(-confidence, kind="stable")
    correct = (predicted[order] == truth[order]).astype(float)
    accuracy = np.cumsum(correct) / np.arange(1, n + 1)
    proportion = np.arange(1, n + 1) / n
    # Area under the step curve: each labelled track contributes 1/n of width.
    ap = float(accuracy.mean())
    return NamingCurve(proportion, accuracy, ap, float(accuracy[-1]))


def average_precision(scores: Sequence[float], positives: Sequence[bool]) -> float:
    """Average precision of ``scores`` for the binary truth ``positives`` (NaN when no positive)."""
    scores = np.asarray(scores, dtype=float)
    positives = np.asarray(positives, dtype=bool)
    if positives.sum() == 0:
        return float("nan")
    order = np.argsort(-scores, kind="stable")
    hits = positives[order]
    precision_at_hit = np.cumsum(hits)[hits] / (np.flatnonzero(hits) + 1)
    return float(precision_at_hit.mean())
