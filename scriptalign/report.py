"""The HTML review page of a run: one self-contained file (figures and thumbnails inlined), rendered
from a Jinja2 template with autoescaping, so names and texts from a script cannot inject markup."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from scriptalign.atomic import write_text

if TYPE_CHECKING:
    from features.types import Track
    from scriptalign.alignment import Alignment
    from scriptalign.labels import Bag


def grab_frames(video: str | Path, frames: Sequence[int]) -> dict[int, np.ndarray]:
    """RGB images of the given frame numbers (decode order), read in one forward pass."""
    import av

    wanted = sorted({int(f) for f in frames})
    out: dict[int, np.ndarray] = {}
    if not wanted:
        return out
    with av.open(str(video)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i == wanted[len(out)]:
                out[i] = frame.to_ndarray(format="rgb24")
                if len(out) == len(wanted):
                    break
    return out


def crop(image: np.ndarray, box: Sequence[float], pad: float = 0.2, below: float = 0.0) -> np.ndarray:
    """The box widened by ``pad`` of its size on each side (and ``below`` box heights downwards)."""
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    H, W = image.shape[:2]
    xa, xb = int(max(0, x1 - pad * w)), int(min(W, x2 + pad * w))
    ya, yb = int(max(0, y1 - pad * h)), int(min(H, y2 + pad * h + below * h))
    return image[ya:yb, xa:xb]


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def thumbnails(video: str | Path, tracks: Sequence[Track], labels: Sequence[str | None], *, below: float = 0.0,
               per_label: int = 8) -> dict[str, list[np.ndarray]]:
    """Up to ``per_label`` crops per label, from the middle frame of each track given that label
    (tracks without frames, from another tracker, give none)."""
    chosen: dict[str, list[tuple[int, list[float]]]] = {}
    for t, label in zip(tracks, labels):
        if label is None or not t.boxes or len(chosen.setdefault(label, [])) >= per_label:
            continue
        k = len(t.frames) // 2
        chosen[label].append((t.frames[k], list(t.boxes[k])))
    images = grab_frames(video, [f for items in chosen.values() for f, _ in items])
    return {label: [crop(images[f], box, below=below) for f, box in items if f in images]
            for label, items in sorted(chosen.items())}


def _template():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    folder = Path(str(resources.files("scriptalign") / "data" / "templates"))
    env = Environment(loader=FileSystemLoader(folder), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    return env.get_template("report.html")


def write_report(
    path: str | Path,
    *,
    video: str | Path | None,
    alignment: Alignment,
    bags: Sequence[Bag],
    tracks: Sequence[Track],
    rows: Sequence[dict],
    gap_history: Sequence[float],
    evaluation=None,
) -> Path:
    """Write the review page (template ``scriptalign/data/templates/report.html``, autoescaped): per
    name a face gallery and per action example frames (when the video is at hand), the alignment
    timeline, bags over tracks, the solver's convergence and, with an ``Evaluation``, the PR curves."""
    from scriptalign import plots

    names = [r["name"] for r in rows]
    actions = [r["action"] for r in rows]
    galleries = []
    no_thumbnails = ""
    if not video:  # None or "": tracks supplied by the user, no video to crop from
        no_thumbnails = "No thumbnails: this run has no video (tracks were given, not found in a video)."
    elif not Path(video).is_file():
        no_thumbnails = f"No thumbnails: the video {video} is not there any more."
    else:
        galleries = [
            ("Faces per name", _png(plots.gallery(thumbnails(video, tracks, names))), "face gallery"),
            ("Examples per action", _png(plots.gallery(thumbnails(video, tracks, actions, below=2.5))),
             "action examples"),
        ]
    scores = []
    pr_figures = []
    if evaluation is not None:
        keys = ("naming_accuracy", "naming_ap", "action_map", "baseline_only_track_accuracy")
        scores = [(k, evaluation.scores[k]) for k in keys if evaluation.scores.get(k) is not None]
        if evaluation.naming_curves:
            pr_figures.append((_png(plots.naming_curve_plot(evaluation.naming_curves)), "naming curve"))
        pr_figures.append((_png(plots.action_pr_plot(evaluation.action_scores, evaluation.action_positives)),
                           "action PR"))
    page = _template().render(
        title=Path(video).name if video else Path(path).parent.name,
        n_tracks=len(tracks), n_bags=len(bags), n_named=sum(n is not None for n in names),
        scores=scores, galleries=galleries, no_thumbnails=no_thumbnails,
        alignment_figures=[(_png(plots.alignment_timeline(alignment)), "alignment timeline"),
                           (_png(plots.bags_over_tracks(bags, tracks, names)), "bags over tracks")],
        gap_figure=_png(plots.gap_curve(gap_history)), pr_figures=pr_figures,
        rows=[{**r, "start": t.start_time, "end": t.end_time} for r, t in zip(rows, tracks)],
    )
    path = Path(path)
    write_text(path, page)
    return path
