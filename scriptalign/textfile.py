"""Bytes of a text input (subtitles, screenplays) to text: BOMs, encoding detection, binary refusal."""

from __future__ import annotations

import re
from pathlib import Path

from scriptalign.errors import InputError

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def line_of(data: bytes, offset: int) -> int:
    """1-based line number of a byte offset."""
    return data.count(b"\n", 0, offset) + 1


def binary_line(text: str) -> int | None:
    """Line of the first control character when there are too many for a text file, else None."""
    first = _CONTROL.search(text)
    if first is None or len(_CONTROL.findall(text)) <= max(2, len(text) // 200):
        return None
    return text.count("\n", 0, first.start()) + 1


def decode_text(data: bytes, path: str | Path | None, error: type[InputError], expected: str) -> tuple[str, str]:
    """Decode ``data`` and name its encoding: UTF-8 (with or without BOM) or UTF-16 with BOM first, then
    charset-normalizer's best guess, where cp1252 (the usual legacy code page of subtitles and scripts)
    wins a near-tie. Binary data raises ``error`` naming the file and line."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            text, encoding = data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as err:
            raise error(f"invalid UTF-8 after a UTF-8 byte-order mark at byte {err.start + 3}", path,
                        line_of(data, err.start + 3), expected="UTF-8 text") from None
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be"
        try:
            text, encoding = data[2:].decode(codec), codec
        except UnicodeDecodeError:
            raise error("invalid UTF-16 text after a byte-order mark", path, expected="UTF-16 text") from None
    elif b"\x00" in data:
        raise error("binary data (NUL byte)", path, line_of(data, data.index(b"\x00")), expected=expected)
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = _detect(data, path, error, expected)
    line = binary_line(text)
    if line is not None:
        raise error("binary data (control characters)", path, line, expected=expected)
    return text, encoding


def _detect(data: bytes, path, error: type[InputError], expected: str) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    results = from_bytes(data)
    best = results.best()
    if best is None:
        raise error("cannot detect the text encoding (binary file?)", path, expected=expected)
    # Short files leave several legacy code pages nearly tied; cp1252 is by far the most common one.
    for match in results:
        if "cp1252" in match.could_be_from_charset and match.chaos <= best.chaos + 0.05:
            return str(match), "cp1252"
    return str(best), best.encoding
