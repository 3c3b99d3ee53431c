"""Writers for an alignment: the script as timed subtitles (SRT, WebVTT) and a flat table (TSV)."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from scriptalign.atomic import json_text
from scriptalign.screenplay.elements import ElementKind

if TYPE_CHECKING:
    from scriptalign.alignment import AlignedElement, Alignment

FORMATS = ("json", "srt", "vtt", "tsv")
_SHOWN = (ElementKind.SCENE_HEADING, ElementKind.ACTION, ElementKind.DIALOGUE, ElementKind.TRANSITION)
TSV_COLUMNS = (
    "id",
    "kind",
    "speaker",
    "start",
    "end",
    "score",
    "interpolated",
    "cues",
    "line_start",
    "line_end",
    "text",
)


def caption_text(a: AlignedElement, width: int = 42) -> str:
    """``RICK: text`` for dialogue, ``[text]`` for scene headings, descriptions and transitions."""
    el = a.element
    text = " ".join(el.text.split())
    if el.kind is ElementKind.DIALOGUE:
        text = f"{(el.speaker or '?').upper()}: {text}"
    else:
        text = f"[{text}]"
    return "\n".join(textwrap.wrap(text, width)) or text


def _timed(alignment: Alignment) -> list[AlignedElement]:
    shown = [
        a
        for a in alignment.elements
        if a.element.kind in _SHOWN and a.start is not None and a.end is not None
    ]
    return sorted(shown, key=lambda a: (a.start, a.element.id))


def _stamp(t: float, sep: str) -> str:
    ms = round(max(t, 0.0) * 1000)
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def to_srt(alignment: Alignment) -> str:
    """The script as SRT cues, in time order."""
    blocks = []
    for n, a in enumerate(_timed(alignment), start=1):
        blocks.append(f"{n}\n{_stamp(a.start, ',')} --> {_stamp(a.end, ',')}\n{caption_text(a)}\n")
    return "\n".join(blocks)


def to_vtt(alignment: Alignment) -> str:
    """The script as WebVTT cues, in time order (cue identifiers are the element ids)."""
    blocks = ["WEBVTT\n"]
    for a in _timed(alignment):
        text = caption_text(a).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        blocks.append(f"e{a.element.id}\n{_stamp(a.start, '.')} --> {_stamp(a.end, '.')}\n{text}\n")
    return "\n".join(blocks)


def to_tsv(alignment: Alignment) -> str:
    """One row per script element, in script order, with a header row."""
    rows = ["\t".join(TSV_COLUMNS)]
    for a in alignment.elements:
        el = a.element
        rows.append(
            "\t".join(
                (
                    str(el.id),
                    str(el.kind),
                    el.speaker or "",
                    "" if a.start is None else f"{a.start:.3f}",
                    "" if a.end is None else f"{a.end:.3f}",
                    "" if a.score is None else f"{a.score:.4f}",
                    "true" if a.interpolated else "false",
                    ",".join(map(str, a.cues)),
                    str(el.line_start),
                    str(el.line_end),
                    " ".join(el.text.split()),
                )
            )
        )
    return "\n".join(rows) + "\n"


def render(alignment: Alignment, format: str) -> str:
    """The alignment in one of :data:`FORMATS`."""
    if format == "json":
        return json_text(alignment.to_json())
    if format == "srt":
        return to_srt(alignment)
    if format == "vtt":
        return to_vtt(alignment)
    if format == "tsv":
        return to_tsv(alignment)
    raise ValueError(f"unknown output format {format!r} (expected one of {', '.join(FORMATS)})")


__all__ = ["FORMATS", "TSV_COLUMNS", "caption_text", "render", "to_srt", "to_tsv", "to_vtt"]
