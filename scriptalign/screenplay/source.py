"""Turn a screenplay file's bytes into text lines: size limit, binary refusal, encoding, CRLF, mojibake
(the repair itself is :func:`scriptalign.textfile.fix_mojibake`)."""

from __future__ import annotations

from pathlib import Path

from scriptalign.errors import ScriptError
from scriptalign.textfile import binary_line, decode_text, fix_mojibake, read_bounded

#: Largest screenplay file read, in bytes. A feature film script is 100-400 KB; 20 MB is far beyond
#: any real one and keeps a mistaken input (a video, a corpus dump) from exhausting memory.
MAX_SCRIPT_BYTES = 20 * 1024 * 1024

def _limit() -> str:
    mb, rest = divmod(MAX_SCRIPT_BYTES, 1024 * 1024)
    return f"{mb} MB" if not rest else f"{MAX_SCRIPT_BYTES} bytes"


def decode(data: bytes, path: str | Path | None = None) -> str:
    """Decode a screenplay: UTF-8 (BOM or not), UTF-16/UTF-32 with BOM, else the encoding charset-normalizer finds.

    Raises ScriptError for empty, oversized and binary input.
    """
    if len(data) > MAX_SCRIPT_BYTES:
        raise ScriptError(
            f"file is {len(data) / 2**20:.1f} MB, above the {_limit()} limit",
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
    """Read a file through a bounded reader: refused past the size limit, even a pipe or a device."""
    return read_bounded(path, MAX_SCRIPT_BYTES, ScriptError, "a screenplay text file (real ones are well under 1 MB)")
