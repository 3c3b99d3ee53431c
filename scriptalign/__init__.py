"""scriptalign: weakly-supervised actor and action localization in movies from subtitles and screenplays.

The text side (subtitles, screenplays, alignment, weak labels) and the user-facing API.
Heavy modules (video, solvers) are imported lazily, so ``import scriptalign`` stays fast.
"""

from __future__ import annotations

__version__ = "0.1.0"

from scriptalign.cues import Cue, CueLine, Subtitles
from scriptalign.errors import InputError, ScriptError, SubtitleError
from scriptalign.screenplay.elements import ElementKind, Script, ScriptElement

__all__ = [
    "Cue",
    "CueLine",
    "ElementKind",
    "InputError",
    "Script",
    "ScriptElement",
    "ScriptError",
    "SubtitleError",
    "Subtitles",
    "__version__",
    "align",
    "read_script",
    "read_subtitles",
]


def __getattr__(name: str):
    # The public functions live in their own modules; resolve them on first use.
    if name == "read_subtitles":
        from scriptalign.subtitles import read_subtitles

        return read_subtitles
    if name == "read_script":
        from scriptalign.screenplay import read_script

        return read_script
    if name == "align":
        from scriptalign.alignment import align

        return align
    raise AttributeError(f"module 'scriptalign' has no attribute {name!r}")
