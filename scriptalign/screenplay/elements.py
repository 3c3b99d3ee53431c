"""One structured model for every screenplay format: elements that carry their source line span."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class ElementKind(str, Enum):
    """What a screenplay element is."""

    SCENE_HEADING = "scene_heading"
    ACTION = "action"
    CHARACTER = "character"
    PARENTHETICAL = "parenthetical"
    DIALOGUE = "dialogue"
    TRANSITION = "transition"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class ScriptElement:
    """A scene heading, one action sentence, a character cue, a parenthetical, a dialogue block or a transition.

    ``line_start``/``line_end`` are 1-based, inclusive, in the source file. ``speaker`` is the
    normalised character name for character cues, parentheticals and dialogue; ``extension``
    holds a cue's stripped extensions (``"V.O."``, ``"O.S."``, ``"CONT'D"``). ``scene`` counts
    scene headings from 0 (``None`` before the first).
    """

    id: int
    kind: ElementKind
    text: str
    line_start: int
    line_end: int
    speaker: str | None = None
    extension: str | None = None
    scene: int | None = None
    dual: bool = False


@dataclass(frozen=True)
class Script:
    """A parsed screenplay: its elements in reading order and the format it was read as."""

    elements: tuple[ScriptElement, ...]
    path: str | None = None
    format: str = "imsdb"
    warnings: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.elements)

    def __iter__(self):
        return iter(self.elements)

    @property
    def dialogue(self) -> tuple[ScriptElement, ...]:
        return tuple(e for e in self.elements if e.kind is ElementKind.DIALOGUE)

    @property
    def characters(self) -> tuple[str, ...]:
        """Speaker names in order of first appearance."""
        seen: dict[str, None] = {}
        for e in self.elements:
            if e.kind is ElementKind.DIALOGUE and e.speaker:
                seen.setdefault(e.speaker, None)
        return tuple(seen)
