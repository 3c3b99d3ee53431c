"""Turn a screenplay file's bytes into text lines: size limit, binary refusal, encoding, CRLF, mojibake."""

from __future__ import annotations

import re
from pathlib import Path

from scriptalign.errors import ScriptError
from scriptalign.textfile import binary_line, decode_text

#: Largest screenplay file read, in bytes. A feature film script is 100-400 KB; 20 MB is far beyond
#: any real one and keeps a mistaken input (a video, a corpus dump) from exhausting memory.
MAX_SCRIPT_BYTES = 20 * 1024 * 1024

# Mojibake of typographic punctuation (UTF-8 read as cp1252/latin-1) and cp1252 control
# characters read as latin-1, plus typographic quotes, all mapped to plain ASCII so that the
# words match subtitles ("don't", not "donâ€™t" or "don’t").
_REPLACEMENTS = {
    "â€™": "'",
    "â€˜": "'",
    "â€œ": '"',
    "â€\x9d": '"',
    "â€�": '"',
    "â€”": "--",
    "â€“": "-",
    "â€¦": "...",
    "Ã©": "é",
    "Ã¨": "è",
    "Ã¡": "á",
    "Ã±": "ñ",
    "Ã¶": "ö",
    "Ã¼": "ü",
    "Â\xa0": " ",
    "\x91": "'",
    "\x92": "'",
    "\x93": '"',
    "\x94": '"',
    "\x96": "-",
    "\x97": "--",
    "\x85": "...",
    "\u2019": "'",
    "\u2018": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2026": "...",
    "\xa0": " ",
}
_REPLACE_RE = re.compile("|".join(re.escape(k) for k in sorted(_REPLACEMENTS, key=len, reverse=True)))
# Apostrophes that became "í" (seen in real IMSDb drafts: "donít", "ETHANíS", "PHELPSí POV").
# The literal comes first in the pattern so that the scan is fast; the letter before is checked in code.
_I_ACUTE = re.compile(r"í(?=(?:s|t|m|d|ll|re|ve)\b|\s|$)", re.IGNORECASE)


def _limit() -> str:
    mb, rest = divmod(MAX_SCRIPT_BYTES, 1024 * 1024)
    return f"{mb} MB" if not rest else f"{MAX_SCRIPT_BYTES} bytes"


def fix_mojibake(text: str) -> str:
    """Repair common mojibake and map typographic quotes to ASCII; leaves clean text unchanged."""
    text = _REPLACE_RE.sub(lambda m: _REPLACEMENTS[m.group(0)], text)
    if "í" in text:
        text = _fix_i_acute(text)
    return text


def _fix_i_acute(text: str) -> str:
    """ "donít" -> "don't", "PHELPSí POV" -> "PHELPS' POV", when the file shows it three times or more."""

    def is_apostrophe(i: int) -> bool:
        prev = text[i - 1] if i else ""
        if not (prev.isascii() and prev.isalpha()):
            return False
        nxt = text[i + 1 : i + 2]
        return prev in "sS" if (not nxt or nxt.isspace()) else True

    hits = [m.start() for m in _I_ACUTE.finditer(text) if is_apostrophe(m.start())]
    suffixed = sum(1 for i in hits if text[i + 1 : i + 2].isalpha())
    if suffixed < 3:
        return text
    parts = []
    last = 0
    for i in hits:
        parts.append(text[last:i])
        parts.append("'")
        last = i + 1
    parts.append(text[last:])
    return "".join(parts)


def decode(data: bytes, path: str | Path | None = None) -> str:
    """Decode a screenplay: UTF-8 (BOM or not), UTF-16 with BOM, else the encoding charset-normalizer finds.

    Raises ScriptError for empty, oversized and binary input.
    """
    if len(data) > MAX_SCRIPT_BYTES:
        raise ScriptError(
            f"file is {len(data) / 1e6:.1f} MB, above the {_limit()} limit",
            path,
            expected="a screenplay text file (real ones are well under 1 MB)",
        )
    if not data.strip():
        raise ScriptError("file is empty", path, expected="a screenplay")
    text, _ = decode_text(data, path, ScriptError, "a screenplay text file")
    check_text(text, path)
    return text


def check_text(text: str, path: str | Path | None = None) -> None:
    """Refuse text that is mostly control characters (a binary file that happened to decode)."""
    if not text.strip():
        raise ScriptError("file is empty", path, expected="a screenplay")
    line = binary_line(text)
    if line is not None:
        raise ScriptError("binary data (control characters)", path, line, expected="a screenplay text file")


def split_lines(text: str) -> list[str]:
    """Lines as an editor numbers them (CRLF, CR or LF), with mojibake repaired; index 0 is line 1."""
    text = text.removeprefix("\ufeff")
    text = fix_mojibake(text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.split("\n")


def read_bytes(path: str | Path) -> bytes:
    """Read a file, refusing it before reading when it is above the size limit."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_SCRIPT_BYTES:
            raise ScriptError(
                f"file is {size / 1e6:.1f} MB, above the {_limit()} limit",
                path,
                expected="a screenplay text file (real ones are well under 1 MB)",
            )
        with p.open("rb") as fh:
            data = fh.read(MAX_SCRIPT_BYTES + 1)  # a pipe or device reports no size: read no further
        if len(data) > MAX_SCRIPT_BYTES:
            raise ScriptError(
                f"input is above the {_limit()} limit",
                path,
                expected="a screenplay text file (real ones are well under 1 MB)",
            )
        return data
    except FileNotFoundError:
        raise ScriptError("no such file", path, expected="a screenplay file") from None
    except IsADirectoryError:
        raise ScriptError("is a directory", path, expected="a screenplay file") from None
    except PermissionError:
        raise ScriptError("permission denied", path, expected="a readable screenplay file") from None
