"""Overlap of boxes and of time intervals: the one intersection-over-union of each kind.

Both sides use them (the tracker links boxes, the evaluation matches tracks to truth boxes and
detections to truth intervals), so they live here, on the side ``scriptalign`` may import.
"""

from __future__ import annotations

import numpy as np


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of boxes ``(x1, y1, x2, y2)`` on the last axis, broadcast as numpy does: two (N, 4) arrays
    give N row-by-row values, ``box_iou(a[:, None], b[None])`` the (N, M) matrix of every pair."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    w = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    h = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = w * h
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    return inter / np.maximum(area_a + area_b - inter, 1e-9)


def interval_iou(a0: float, a1: float, b0: float, b1: float) -> float:
    """IoU of the intervals [a0, a1] and [b0, b1]; two equal empty intervals overlap fully (1.0)."""
    inter = max(0.0, min(a1, b1) - max(a0, b0))
    union = max(a1, b1) - min(a0, b0)
    return inter / union if union > 0 else float(a0 == b0 and a1 == b1)
