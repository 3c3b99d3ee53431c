"""Figures a reader would rather see than read: alignment timeline, bags over tracks, duality gap,
face galleries and precision-recall curves. Each returns a matplotlib Figure (used by the HTML
report and the notebook)."""

from __future__ import annotations

from collections.abc import Sequence

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np

if TYPE_CHECKING:
    from features.types import Track
    from scriptalign.alignment import Alignment
    from scriptalign.labels import Bag

_KIND_COLOURS = {"dialogue": "tab:blue", "action": "tab:orange", "scene_heading": "tab:green"}


def alignment_timeline(alignment: Alignment):
    """Subtitle cues (top row) against the timed script elements, dialogue and descriptions."""
    fig, ax = plt.subplots(figsize=(10, 2.6))
    for c in alignment.subtitles.cues:
        ax.barh(2, c.end - c.start, left=c.start, height=0.6, color="0.6")
    for a in alignment.elements:
        kind = str(a.element.kind)
        if a.start is None or a.end is None or kind not in ("dialogue", "action"):
            continue
        ax.barh(1 if kind == "dialogue" else 0, max(a.end - a.start, 0.05), left=a.start, height=0.6,
                color=_KIND_COLOURS[kind], alpha=0.35 if a.interpolated else 0.9)
    ax.set_yticks([0, 1, 2], ["descriptions", "dialogue", "subtitles"])
    ax.set_xlabel("time (s)")
    ax.set_title("alignment timeline (pale: interpolated)")
    fig.tight_layout()
    return fig


def bags_over_tracks(bags: Sequence[Bag], tracks: Sequence[Track], names: Sequence[str | None] | None = None):
    """Face tracks as horizontal bars (coloured by assigned name) under the weak-label bags' spans."""
    fig, ax = plt.subplots(figsize=(10, 3.5))
    palette = plt.get_cmap("tab10")
    label_of = {n: k for k, n in enumerate(sorted({n for n in (names or []) if n}))}
    for row, t in enumerate(tracks):
        name = names[row] if names else None
        colour = palette(label_of[name] % 10) if name in label_of else "0.7"
        ax.barh(-row - 1, t.end_time - t.start_time, left=t.start_time, height=0.8, color=colour)
    for b in bags:
        ax.axvspan(b.start, b.end, ymin=0.92, ymax=1.0, color="tab:red", alpha=0.25)
        ax.text((b.start + b.end) / 2, 0.6, ",".join(b.names) or "-", ha="center", fontsize=6)
    for name, k in label_of.items():
        ax.barh(0, 0, color=palette(k % 10), label=name)
    if label_of:
        ax.legend(loc="lower right", fontsize=7)
    ax.set_yticks([])
    ax.set_xlabel("time (s)")
    ax.set_title("weak-label bags (top) over face tracks (one row each)")
    fig.tight_layout()
    return fig


def gap_curve(gap_history: Sequence[float]):
    """Relative duality gap per Frank-Wolfe iteration (log scale)."""
    fig, ax = plt.subplots(figsize=(5, 3))
    gaps = np.maximum(np.asarray(gap_history, dtype=float), 1e-16)
    ax.semilogy(np.arange(1, len(gaps) + 1), gaps)
    ax.set_xlabel("iteration")
    ax.set_ylabel("duality gap / objective")
    ax.set_title("Frank-Wolfe convergence")
    fig.tight_layout()
    return fig


def gallery(images: dict[str, Sequence[np.ndarray]], per_row: int = 8, title: str = ""):
    """One row of thumbnails (RGB arrays) per label."""
    labels = list(images)
    rows = max(len(labels), 1)
    fig, axes = plt.subplots(rows, per_row, figsize=(per_row * 1.1, rows * 1.25), squeeze=False)
    for r, label in enumerate(labels):
        thumbs = list(images[label])[:per_row]
        for c in range(per_row):
            ax = axes[r, c]
            ax.axis("off")
            if c < len(thumbs):
                ax.imshow(thumbs[c])
        axes[r, 0].set_title(label, fontsize=8, loc="left")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _unit_axes(ax, xlabel: str, ylabel: str, title: str):
    """Labels, a 0-1 y axis, legend and title shared by the curve plots; returns the figure."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8)
    ax.set_title(title)
    ax.figure.tight_layout()
    return ax.figure


def naming_curve_plot(curves: dict[str, object]):
    """Accuracy against the proportion of tracks labelled, one line per method (``NamingCurve``)."""
    _, ax = plt.subplots(figsize=(5, 3.5))
    for label, curve in curves.items():
        ax.plot(curve.proportion, curve.accuracy, label=f"{label} (AP {curve.ap:.2f})")
    return _unit_axes(ax, "proportion of tracks labelled", "accuracy", "naming")


def action_pr_plot(scores: dict[str, Sequence[float]], positives: dict[str, Sequence[bool]]):
    """Precision-recall curve per action class."""
    _, ax = plt.subplots(figsize=(5, 3.5))
    for action, action_scores in scores.items():
        s = np.asarray(action_scores, dtype=float)
        p = np.asarray(positives[action], dtype=bool)
        if p.sum() == 0:
            continue
        order = np.argsort(-s, kind="stable")
        hits = p[order]
        tp = np.cumsum(hits)
        ax.plot(tp / p.sum(), tp / np.arange(1, len(hits) + 1), label=action)
    return _unit_axes(ax, "recall", "precision", "actions")
