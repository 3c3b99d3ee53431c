"""The HTML review page of a run: one self-contained file (figures and thumbnails inlined)."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from scriptalign.atomic import write_text


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


def _img(src: str, alt: str) -> str:
    return f'<img src="{src}" alt="{html.escape(alt)}">'


def thumbnails(video: str | Path, tracks: Sequence[dict], labels: Sequence[str | None], *, below: float = 0.0,
               per_label: int = 8) -> dict[str, list[np.ndarray]]:
    """Up to ``per_label`` crops per label, from the middle frame of each track given that label."""
    chosen: dict[str, list[tuple[int, list[float]]]] = {}
    for t, label in zip(tracks, labels):
        if label is None or len(chosen.setdefault(label, [])) >= per_label:
            continue
        k = len(t["frames"]) // 2
        chosen[label].append((int(t["frames"][k]), t["boxes"][k]))
    images = grab_frames(video, [f for items in chosen.values() for f, _ in items])
    return {label: [crop(images[f], box, below=below) for f, box in items if f in images]
            for label, items in sorted(chosen.items())}


def write_report(
    path: str | Path,
    *,
    video: str | Path | None,
    alignment: dict,
    bags: Sequence,
    tracks: Sequence[dict],
    rows: Sequence[dict],
    gap_history: Sequence[float],
    evaluation=None,
) -> Path:
    """Write the review page: per name a face gallery, per action example frames, the alignment
    timeline, bags over tracks, the solver's convergence and, with an ``Evaluation``, the PR curves."""
    from scriptalign import plots

    names = [r["name"] for r in rows]
    actions = [r["action"] for r in rows]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>scriptalign report</title>",
        ("<style>body{font-family:sans-serif;max-width:1100px;margin:auto}img{max-width:100%}"
         "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}</style>"),
        "</head><body>",
        f"<h1>scriptalign report: {html.escape(Path(video).name if video else 'tracks without video')}</h1>",
        (f"<p>{len(tracks)} face tracks, {len(bags)} weak-label bags, "
         f"{sum(n is not None for n in names)} tracks named.</p>"),
    ]
    if evaluation is not None:
        keys = ("naming_accuracy", "naming_ap", "action_map", "baseline_only_track_accuracy")
        cells = "".join(f"<tr><th>{k}</th><td>{evaluation.scores[k]:.3f}</td></tr>"
                        for k in keys if evaluation.scores.get(k) is not None)
        parts.append(f"<h2>Evaluation</h2><table>{cells}</table>")
    if video is not None:  # tracks from elsewhere may come without a video: no thumbnails then
        parts.append("<h2>Faces per name</h2>")
        parts.append(_img(_png(plots.gallery(thumbnails(video, tracks, names))), "face gallery"))
        parts.append("<h2>Examples per action</h2>")
        parts.append(_img(_png(plots.gallery(thumbnails(video, tracks, actions, below=2.5))), "action examples"))
    parts.append("<h2>Alignment</h2>")
    parts.append(_img(_png(plots.alignment_timeline(alignment)), "alignment timeline"))
    parts.append(_img(_png(plots.bags_over_tracks(bags, tracks, names)), "bags over tracks"))
    parts.append("<h2>Solver</h2>")
    parts.append(_img(_png(plots.gap_curve(gap_history)), "duality gap"))
    if evaluation is not None:
        parts.append("<h2>Precision and recall</h2>")
        if evaluation.naming_curves:
            parts.append(_img(_png(plots.naming_curve_plot(evaluation.naming_curves)), "naming curve"))
        parts.append(_img(_png(plots.action_pr_plot(evaluation.action_scores, evaluation.action_positives)),
                          "action PR"))
    head = "<tr><th>track</th><th>start</th><th>end</th><th>name</th><th>score</th><th>action</th><th>score</th></tr>"
    body = "".join(
        f"<tr><td>{r['track']}</td><td>{t['start_time']:.2f}</td><td>{t['end_time']:.2f}</td>"
        f"<td>{html.escape(r['name'] or '-')}</td><td>{r['name_score']:.3f}</td>"
        f"<td>{html.escape(r['action'] or '-')}</td><td>{r['action_score']:.3f}</td></tr>"
        for r, t in zip(rows, tracks)
    )
    parts.append(f"<h2>Tracks</h2><table>{head}{body}</table>")
    parts.append("</body></html>")
    path = Path(path)
    write_text(path, "\n".join(parts))
    return path
