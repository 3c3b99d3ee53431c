"""The toy movie: a short synthetic film with a screenplay, subtitles and full ground truth."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from scriptalign.toy.generate import TRUTH_SCHEMA, ToyMovie, generate_toy, render_frames
from scriptalign.toy.story import build_story


def default_toy_dir() -> Path:
    """The bundled default toy movie (seed 0): movie.mp4, movie.srt, script.txt, truth.json."""
    return Path(str(resources.files("scriptalign") / "data" / "toy"))


__all__ = ["TRUTH_SCHEMA", "ToyMovie", "build_story", "default_toy_dir", "generate_toy", "render_frames"]
