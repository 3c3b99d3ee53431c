"""``read_script``: read a screenplay file in any supported layout into a Script."""

from __future__ import annotations

from pathlib import Path

from scriptalign.errors import ScriptError
from scriptalign.screenplay.elements import Script
from scriptalign.screenplay.source import MAX_SCRIPT_BYTES, check_text, decode, read_bytes, split_lines

FORMATS: tuple[str, ...] = ("imsdb", "fountain", "fdx", "transcript")


def read_script(
    path: str | Path | None = None,
    format: str | None = None,  # the documented keyword, though it shadows a builtin
    *,
    text: str | bytes | None = None,
) -> Script:
    """Read a screenplay: IMSDb-style plain text, Fountain, Final Draft FDX or a TV fan transcript.

    ``format`` (one of ``FORMATS``) overrides detection. ``text`` gives the content directly
    (``path`` then only names it in messages, and its extension still counts for detection).
    Raises ScriptError, naming file and line, for anything that cannot be read as a screenplay.
    """
    if format is not None and format not in FORMATS:
        raise ScriptError(f"unknown script format {format!r}", path, expected="one of " + ", ".join(FORMATS))
    name = str(path) if path is not None else None
    data: bytes | None = None
    if text is None:
        if path is None:
            raise ScriptError("no input given", None, expected="a path or text=")
        data = read_bytes(path)
        content = decode(data, name)
    elif isinstance(text, bytes):
        data = text
        content = decode(data, name)
    else:
        if len(text) > MAX_SCRIPT_BYTES:
            raise ScriptError(
                f"text is {len(text) / 1e6:.1f} M characters, "
                f"above the {MAX_SCRIPT_BYTES // (1024 * 1024)} MB limit",
                path,
                expected="a screenplay (real ones are well under 1 MB)",
            )
        check_text(text, name)
        content = text

    from scriptalign.screenplay.detect import detect_lines, format_from_name_or_xml

    fmt = format or format_from_name_or_xml(content, name)
    if fmt == "fdx":
        from scriptalign.screenplay.fdx import parse_fdx

        return parse_fdx(data if data is not None else content, name)
    lines = split_lines(content)
    analysis = None
    if fmt is None:
        fmt, analysis = detect_lines(lines, name)
    if fmt == "transcript":
        from scriptalign.screenplay.transcript import parse_transcript

        return parse_transcript(lines, name)
    if fmt == "fountain":
        from scriptalign.screenplay.fountain import parse_fountain

        return parse_fountain(lines, name)
    from scriptalign.screenplay.imsdb import parse_imsdb

    return parse_imsdb(lines, name, analysis)


def detect_format(content: str, path: str | None = None) -> str:
    """The layout ``read_script`` would pick: fdx, fountain, transcript or imsdb (ScriptError if none)."""
    from scriptalign.screenplay.detect import detect_lines, format_from_name_or_xml

    return format_from_name_or_xml(content, path) or detect_lines(split_lines(content), path)[0]
