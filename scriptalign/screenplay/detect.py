"""Tell the screenplay layouts apart from the file name and content."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from scriptalign.errors import ScriptError

_XML_START = re.compile(r"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<\s*([A-Za-z_][\w.:-]*)", re.DOTALL)

UNKNOWN_LAYOUT = (
    "an IMSDb-style script (indented character cues above dialogue), Fountain, "
    "Final Draft FDX or a 'Name: utterance' transcript"
)


def format_from_name_or_xml(content: str, path: str | None) -> str | None:
    """``"fdx"``/``"fountain"`` from the file extension or an XML root; None when that does not decide."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1] if path else ""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix == "fdx":
        return "fdx"
    if suffix in ("fountain", "spmd"):
        return "fountain"
    head = content[:4096].lstrip("\ufeff")
    m = _XML_START.match(head)
    if m is not None:
        if m.group(1) == "FinalDraft":
            return "fdx"
        if not head.lstrip().startswith("<?xml"):
            return None  # e.g. a script saved from an HTML page: read as text, tags dropped
        raise ScriptError(
            f"XML document with root <{m.group(1)}>",
            path,
            1,
            expected="a Final Draft file (root <FinalDraft>)",
        )
    return None


def detect_lines(lines: Sequence[str], path: str | None = None) -> tuple[str, Any]:
    """``(format, analysis)`` for a plain-text script: transcript, imsdb or fountain.

    ``analysis`` is the IMSDb layout when the format is imsdb (so it is not measured twice).
    """
    from scriptalign.screenplay.transcript import looks_like_transcript

    if looks_like_transcript(lines):
        return "transcript", None
    from scriptalign.screenplay.imsdb import analyse

    layout = analyse(lines)
    columns = layout.columns
    if columns is not None and columns.cues >= 3:
        return "imsdb", layout
    from scriptalign.screenplay.fountain import looks_like_fountain

    if looks_like_fountain(lines):
        return "fountain", None
    if columns is not None:
        return "imsdb", layout
    raise ScriptError(
        "unknown screenplay layout: no character cues with dialogue found", path, 1, expected=UNKNOWN_LAYOUT
    )
