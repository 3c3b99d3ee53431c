"""Bytes of a text input (subtitles, screenplays) to text: BOMs, encoding detection, binary refusal."""

from __future__ import annotations

import re
from pathlib import Path

from scriptalign.errors import InputError

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# Byte-order marks, the UTF-32 ones first (the UTF-32-LE mark begins with the UTF-16-LE one).
_BOMS_CODECS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_BOMS = tuple(b for b, _ in _BOMS_CODECS)

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
_I_ACUTE = re.compile(r"í(?=(?:s|t|m|d|ll|re|ve)\b|\s|$)", re.IGNORECASE)


def fix_mojibake(text: str) -> str:
    """Repair common mojibake and map typographic quotes to ASCII; leaves clean text unchanged.

    The one implementation of this repair: screenplay lines and alignment words both use it."""
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


def read_bounded(path: str | Path, limit: int, error: type[InputError], expected: str) -> bytes:
    """The bytes of ``path``, refusing it past ``limit`` bytes without reading further.

    The size is checked while reading (``stat`` says 0 for pipes and devices such as /dev/zero), so
    no input can take more than ``limit + 1`` bytes of memory."""
    p = Path(path)
    mb = f"{limit // 2**20} MB" if limit % 2**20 == 0 else f"{limit} bytes"
    try:
        size = p.stat().st_size
        if size > limit:
            raise error(f"file is {size / 2**20:.1f} MB, above the {mb} limit", path, expected=expected)
        with p.open("rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise error("no such file", path, expected=expected) from None
    except IsADirectoryError:
        raise error("is a directory", path, expected=expected) from None
    except PermissionError:
        raise error("permission denied", path, expected=expected) from None
    except OSError as err:
        raise error(f"cannot read file: {err.strerror or err}", path, expected=expected) from None
    if len(data) > limit:
        raise error(f"input is above the {mb} limit", path, expected=expected)
    return data


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
    """Decode ``data`` and name its encoding: UTF-8 (with or without BOM), UTF-16 or UTF-32 with BOM first, then
    charset-normalizer's best guess, where cp1252 (the usual legacy code page of subtitles and scripts)
    wins a near-tie. Binary data raises ``error`` naming the file and line."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            text, encoding = data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as err:
            raise error(f"invalid UTF-8 after a UTF-8 byte-order mark at byte {err.start + 3}", path,
                        line_of(data, err.start + 3), expected="UTF-8 text") from None
    elif data.startswith(_BOMS):
        bom, codec = next((b, c) for b, c in _BOMS_CODECS if data.startswith(b))
        try:
            text, encoding = data[len(bom):].decode(codec), codec
        except UnicodeDecodeError:
            kind = codec.split("-")[0].upper() + "-" + codec.split("-")[1]
            raise error(f"invalid {kind} text after a byte-order mark", path, expected=f"{kind} text") from None
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
