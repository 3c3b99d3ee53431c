"""Subtitle cues as typed, frozen records that keep their source line numbers."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CueLine:
    """One text line of a cue as written in the file (a dash line of a two-speaker cue is one).

    ``text`` is clean spoken text (tags, hearing-impaired notes, leading dash and speaker prefix
    removed; may be empty when the line held only a note); ``raw`` is the line as in the file.
    """

    text: str
    raw: str
    line: int
    speaker: str | None = None


@dataclass(frozen=True)
class Cue:
    """A subtitle cue: its number as in the file, times in seconds, its text lines."""

    index: int
    start: float
    end: float
    lines: tuple[CueLine, ...]
    line: int

    @property
    def text(self) -> str:
        return " ".join(cl.text for cl in self.lines if cl.text)


@dataclass(frozen=True)
class Subtitles:
    """A subtitle file: cues in file order, the detected encoding, how many cues were skipped."""

    cues: tuple[Cue, ...]
    path: str | None = None
    encoding: str = "utf-8"
    format: str = "srt"
    skipped: int = 0
    warnings: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.cues)

    def __iter__(self):
        return iter(self.cues)
