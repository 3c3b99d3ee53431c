"""The demo: the whole pipeline on the bundled toy movie, evaluated against its ground truth."""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path

from scriptalign.pipeline import RunResult


def example_dir() -> Path:
    """The bundled example pair: ``movie.srt`` and ``script.txt`` (an original short screenplay)."""
    return Path(str(resources.files("scriptalign") / "data" / "example"))


def run_demo(output: str | Path, *, device: str = "auto", cache_dir: str | Path | None = None) -> RunResult:
    """Run the pipeline on the bundled toy movie, print its evaluation and where the report is."""
    from scriptalign.evaluation import format_scores
    from scriptalign.pipeline import run_movie
    from scriptalign.toy import default_toy_dir

    toy = default_toy_dir()
    print(f"toy movie: {toy}")
    t0 = time.perf_counter()
    result = run_movie(toy / "movie.mp4", toy / "movie.srt", toy / "script.txt", output, truth=toy / "truth.json",
                       device=device, cache_dir=cache_dir, progress=True)
    elapsed = time.perf_counter() - t0
    tracks = result.assignments["tracks"]
    print(f"{len(tracks)} face tracks; per track name and action:")
    for r in tracks:
        print(f"  track {r['track']:>3}  {r['name'] or '-':<10} {r['name_score']:.3f}   "
              f"{r['action'] or '-':<10} {r['action_score']:.3f}")
    if result.evaluation:
        print(format_scores(result.evaluation))
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items())
    print(f"done in {elapsed:.1f}s ({stages}); report: {Path(output) / 'report.html'}")
    return result
