"""Tell the screenplay layouts apart from the file name and content."""

from __future__ import annotations

import re

from scriptalign.errors import ScriptError
from scriptalign.screenplay.source import split_lines

_XML_START = re.compile(r"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<\s*([A-Za-z_][\w.:-]*)", re.DOTALL)


def detect(content: str, path: str | None = None) -> str:
    """Return ``"fdx"``, ``"transcript"``, ``"imsdb"`` or ``"fountain"``; ScriptError when none fits."""
    suffix = path.rsplit(".", 1)[-1].lower() if path and "." in path.rsplit("/", 1)[-1] else ""
    if suffix == "fdx":
        return "fdx"
    if suffix in ("fountain", "spmd"):
        return "fountain"
    head = content.lstrip("\ufeff")[:4096]
    m = _XML_START.match(head)
    if m is not None:
        if m.group(1) == "FinalDraft":
            return "fdx"
        raise ScriptError(
            f"XML document with root <{m.group(1)}>", path, 1, expected="a Final Draft file (root <FinalDraft>)"
        )
    lines = split_lines(content)
    from scriptalign.screenplay.transcript import looks_like_transcript

    if looks_like_transcript(lines):
        return "transcript"
    try:
        from scriptalign.screenplay.imsdb import detect_columns
    except ImportError:  # pragma: no cover - during development only
        detect_columns = None
    if detect_columns is not None and detect_columns(lines) is not None:
        return "imsdb"
    try:
        from scriptalign.screenplay.fountain import looks_like_fountain
    except ImportError:  # pragma: no cover - during development only
        looks_like_fountain = None
    if looks_like_fountain is not None and looks_like_fountain(lines):
        return "fountain"
    raise ScriptError(
        "unknown screenplay layout: no character cues with dialogue found",
        path,
        1,
        expected="an IMSDb-style script (indented character cues and dialogue), Fountain, "
        "Final Draft FDX or a 'Name: utterance' transcript",
    )
