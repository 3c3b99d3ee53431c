"""Subtitle readers (SRT, WebVTT) into :class:`scriptalign.cues.Subtitles`, keeping source line numbers.

SRT block structure is parsed here (pysrt and srt report neither the line of a malformed cue nor
let a reader skip it and go on). WebVTT follows the W3C parsing rules (header, blocks, the exact
timestamp grammar, cue settings after the end time, NOTE/STYLE/REGION blocks skipped), also here,
so that each cue keeps its source line and a bad block can be skipped. Text is cleaned of markup
and hearing-impaired notes, so that what remains is what is spoken.
"""

from __future__ import annotations

import html
import re
import warnings
from pathlib import Path

from scriptalign.cues import Cue, CueLine, Subtitles
from scriptalign.errors import SubtitleError
from scriptalign.textfile import decode_text, read_bounded

#: Files larger than this are refused before being read (real subtitle files are well under 1 MB).
MAX_BYTES = 20 * 1024 * 1024

FORMATS = ("srt", "vtt")

# SRT: HH:MM:SS,mmm (hours optional, a comma or a dot, one to three digits of fraction); lenient
# reading also takes a time without its fraction (00:00:01).
_TIME = r"(?:([0-9]+):)?([0-9]{1,2}):([0-9]{1,2})[,.]([0-9]{1,3})"
_TIME_LENIENT = r"(?:([0-9]+):)?([0-9]{1,2}):([0-9]{1,2})(?:[,.]([0-9]{1,3}))?"
_TIMING = re.compile(rf"^[ \t]*{_TIME}[ \t]*-->[ \t]*{_TIME}(?:[ \t].*)?$")
_TIMING_LENIENT = re.compile(rf"^[ \t]*{_TIME_LENIENT}[ \t]*-->[ \t]*{_TIME_LENIENT}(?:[ \t].*)?$")
# The cue number: ASCII digits with spaces or tabs around (\s and \d would also take characters
# such as \x1d or "²" that int() refuses).
_INDEX = re.compile(r"^[ \t]*([0-9]+)[ \t]*$")
# WebVTT timestamp (W3C WebVTT, "collect a WebVTT timestamp"): [hours:]MM:SS.mmm, minutes and seconds
# exactly two digits and at most 59, the fraction exactly three digits; hours any number of digits.
_VTT_TIME = re.compile(r"(?:([0-9]+):)?([0-9]{2}):([0-9]{2})\.([0-9]{3})(?![0-9])")
_VTT_WS = " \t\f"
_ASS_TAG = re.compile(r"\{[^}]*\}")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>|</?\d[^>]*>")
_HI_NOTE = re.compile(r"\[[^\]]*\]|\([^)]*\)|\[[^\]]*$|^[^\[]*\]")
_DASH = re.compile(r"^\s*[-\u2010\u2012\u2013\u2014]+\s*")
# ``JOHN: ...`` or ``DR. JONES (O.S.): ...``: upper-case names only, so that ``Note: ...`` stays text.
_SPEAKER = re.compile(r"^([A-Z][A-Z0-9 .'\-]{0,29}[A-Z0-9.])\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_MUSIC = ("\u266a", "\u266b")
_SPACES = re.compile(r"\s+")
_ALNUM = re.compile(r"[^\W_]")
# A line with nothing to clean: no markup, note, dash, colon, music sign or entity, single spaces.
_PLAIN = re.compile(
    r"[^\s<>{}\[\]()\-\u2010-\u2014:&#\u266a\u266b]+(?: [^\s<>{}\[\]()\-\u2010-\u2014:&#\u266a\u266b]+)*"
)


def read_subtitles(path: str | Path, *, lenient: bool = False, format: str | None = None) -> Subtitles:
    """Read an SRT or WebVTT file; the format comes from the content, then the file extension.

    Raises :class:`SubtitleError` (file, line, what was expected) for unreadable input; with
    ``lenient=True`` malformed cues are skipped with a warning and counted in ``Subtitles.skipped``.
    """
    path = Path(path)
    data = read_bounded(path, MAX_BYTES, SubtitleError, "a subtitle file")
    if format is None and path.suffix.lower() == ".vtt":
        format = "vtt"
    return parse_subtitles(data, path=str(path), lenient=lenient, format=format)


def parse_subtitles(
    data: bytes | str,
    *,
    path: str | None = None,
    lenient: bool = False,
    format: str | None = None,
) -> Subtitles:
    """Parse subtitles from bytes (encoding detected) or text; see :func:`read_subtitles`."""
    if format is not None and format not in FORMATS:
        raise SubtitleError(
            f"unknown subtitle format {format!r}", path, expected="one of " + ", ".join(FORMATS)
        )
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise SubtitleError(f"input is above the {MAX_BYTES // 2**20} MB limit for subtitle files", path)
        text, encoding = decode(data, path)
    else:
        text, encoding = data, "utf-8"
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise SubtitleError("file is empty", path, expected="SRT or WebVTT cues")
    if format is None:
        format = "vtt" if _vtt_header_ok(text.split("\n", 1)[0]) else "srt"
    lines = text.split("\n")
    if format == "vtt":
        cues, problems = _parse_vtt(text, lines, path, lenient)
    else:
        cues, problems = _parse_srt(lines, path, lenient)
    if not cues:
        if problems:
            raise SubtitleError(
                f"no readable cue ({len(problems)} malformed, first: {problems[0]})",
                path,
                expected=f"{format.upper()} cues",
            )
        raise SubtitleError("no subtitle cues found", path, expected=f"{format.upper()} cues")
    for problem in problems:
        warnings.warn(f"skipped malformed cue: {problem}", stacklevel=3)
    return Subtitles(
        cues=tuple(cues),
        path=path,
        encoding=encoding,
        format=format,
        skipped=len(problems),
        warnings=tuple(problems),
    )


def decode(data: bytes, path: str | None = None) -> tuple[str, str]:
    """Decode subtitle bytes (see :func:`scriptalign.textfile.decode_text`); returns text and encoding."""
    return decode_text(data, path, SubtitleError, "a subtitle text file")


def _seconds(h: str | None, m: str, s: str, ms: str | None) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int((ms or "0").ljust(3, "0")) / 1000.0


def _timing(line: str, lenient: bool = False) -> tuple[float, float] | None:
    """An SRT timing line's start and end in seconds, or None when the line is not one."""
    m = (_TIMING_LENIENT if lenient else _TIMING).match(line)
    if m is None:
        return None
    g = m.groups()
    return _seconds(*g[:4]), _seconds(*g[4:])


def _vtt_timestamp(line: str, pos: int) -> tuple[float, int] | None:
    """A WebVTT timestamp at ``pos`` and the position after it, or None (W3C rules, see ``_VTT_TIME``).

    Two leading fields are hours and minutes only when three fields follow; ``01:00.000`` is one
    minute. Minutes and seconds above 59 are errors."""
    m = _VTT_TIME.match(line, pos)
    if m is None:
        return None
    h, mm, ss, frac = m.groups()
    if int(mm) > 59 or int(ss) > 59:
        return None
    return _seconds(h, mm, ss, frac), m.end()


def vtt_timing(line: str) -> tuple[float, float, str] | None:
    """A WebVTT cue timing line: start, end and the cue settings after the end time, or None.

    W3C rules: whitespace around ``-->`` optional; whatever follows the end time is settings,
    separated from it by whitespace."""
    pos = len(line) - len(line.lstrip(_VTT_WS))
    first = _vtt_timestamp(line, pos)
    if first is None:
        return None
    start, pos = first
    while pos < len(line) and line[pos] in _VTT_WS:
        pos += 1
    if not line.startswith("-->", pos):
        return None
    pos += 3
    while pos < len(line) and line[pos] in _VTT_WS:
        pos += 1
    second = _vtt_timestamp(line, pos)
    if second is None:
        return None
    end, pos = second
    rest = line[pos:]
    if rest and rest[0] not in _VTT_WS:
        return None
    return start, end, rest.strip(_VTT_WS)


class _Malformed(Exception):
    def __init__(self, line: int, problem: str, expected: str) -> None:
        super().__init__(problem)
        self.line = line
        self.problem = problem
        self.expected = expected


def _parse_srt(lines: list[str], path: str | None, lenient: bool) -> tuple[list[Cue], list[str]]:
    """SRT blocks: optional number line, timing line, text lines up to a blank line."""
    cues: list[Cue] = []
    problems: list[str] = []
    n = len(lines)
    i = 0
    while i < n:
        if not lines[i].strip():
            i += 1
            continue
        block_start = i
        try:
            index: int | None = None
            number_match = _INDEX.match(lines[i])
            if number_match is not None:
                index = int(number_match.group(1))
                i += 1
                if i >= n or not lines[i].strip():
                    raise _Malformed(
                        i + 1,
                        "cue number without a timing line",
                        "'HH:MM:SS,mmm --> HH:MM:SS,mmm' on the line after the cue number",
                    )
            times = _timing(lines[i], lenient)
            if times is None:
                if index is None:
                    raise _Malformed(
                        i + 1, f"unexpected text {_show(lines[i])}", "a cue number or a timing line"
                    )
                raise _Malformed(
                    i + 1, f"bad timing line {_show(lines[i])}", "'HH:MM:SS,mmm --> HH:MM:SS,mmm'"
                )
            start, end = times
            if end < start:
                raise _Malformed(
                    i + 1,
                    f"cue ends ({end:.3f} s) before it starts ({start:.3f} s)",
                    "an end time after the start time",
                )
            timing_line = i
            i += 1
            raw_lines: list[tuple[str, int]] = []
            while i < n and lines[i].strip():
                # A missing blank line between cues: a number line followed by a timing line starts a new cue.
                if _INDEX.match(lines[i]) and i + 1 < n and _timing(lines[i + 1], lenient) is not None:
                    break
                if "-->" in lines[i] and _timing(lines[i], lenient) is not None:
                    raise _Malformed(i + 1, "timing line inside a cue's text", "a blank line between cues")
                raw_lines.append((lines[i], i + 1))
                i += 1
            number = index if index is not None else (cues[-1].index + 1 if cues else 1)
            cues.append(
                Cue(
                    number,
                    start,
                    end,
                    _clean_lines(raw_lines),
                    block_start + 1 if index is not None else timing_line + 1,
                )
            )
        except _Malformed as bad:
            if not lenient:
                raise SubtitleError(bad.problem, path, bad.line, expected=bad.expected) from None
            problems.append(f"{path or '<input>'}:{bad.line}: {bad.problem}")
            # Skip the bad line and the one after it (the block's own timing line, when the bad one
            # was its number), then to the next blank line, or to the next cue when the blank line
            # before it is missing.
            i = max(i, block_start) + 1
            if i == block_start + 1 and i < n and _timing(lines[i], True) is not None:
                i += 1
            while i < n and lines[i].strip():
                if _timing(lines[i], True) is not None or (
                    _INDEX.match(lines[i]) and i + 1 < n and _timing(lines[i + 1], True) is not None
                ):
                    break
                i += 1
    return cues, problems


def _vtt_header_ok(first: str) -> bool:
    return first == "WEBVTT" or (first.startswith("WEBVTT") and first[6] in " \t")


def _parse_vtt(text: str, lines: list[str], path: str | None, lenient: bool) -> tuple[list[Cue], list[str]]:
    """WebVTT blocks after the W3C parsing rules: the header block, then blocks split by blank lines.

    A block is a cue when its first or second line is a timing line (an identifier may come
    first); its text runs to a blank line or to a line holding ``-->``, which starts a new block.
    NOTE, STYLE and REGION blocks are skipped. A bad block is an error (file, line) or, with
    ``lenient``, skipped with a warning."""
    if not _vtt_header_ok(lines[0]):
        raise SubtitleError("missing 'WEBVTT' header", path, 1, expected="'WEBVTT' on the first line")
    n = len(lines)
    i = 1
    while i < n and lines[i].strip():  # header lines up to the first blank line
        if "-->" in lines[i]:
            break
        i += 1
    cues: list[Cue] = []
    problems: list[str] = []
    number = 0
    while i < n:
        if not lines[i].strip():
            i += 1
            continue
        block_start = i
        try:
            first = lines[i]
            if "-->" not in first and first.split(maxsplit=1)[0] in ("NOTE", "STYLE", "REGION"):
                while i < n and lines[i].strip():
                    i += 1
                continue
            ident: str | None = None
            if "-->" not in first:
                ident = first.strip()
                i += 1
                if i >= n or "-->" not in lines[i]:
                    raise _Malformed(
                        block_start + 1, f"unexpected text {_show(first)}", "a cue timing line, NOTE or a blank line"
                    )
            timing = vtt_timing(lines[i])
            if timing is None:
                raise _Malformed(
                    i + 1,
                    f"bad timing line {_show(lines[i])}",
                    "'[HH:]MM:SS.mmm --> [HH:]MM:SS.mmm [settings]' (two-digit minutes and seconds up to 59, "
                    "three-digit fraction)",
                )
            start, end, _settings = timing
            if end < start:
                raise _Malformed(
                    i + 1, "cue ends before it starts", "'HH:MM:SS.mmm --> HH:MM:SS.mmm' with the end after the start"
                )
            i += 1
            raw: list[tuple[str, int]] = []
            while i < n and lines[i].strip() and "-->" not in lines[i]:
                raw.append((lines[i], i + 1))
                i += 1
            number += 1
            index = int(ident) if ident and ident.isascii() and ident.isdigit() else number
            cues.append(Cue(index, start, end, _clean_lines(raw, vtt=True), block_start + 1))
        except _Malformed as bad:
            if not lenient:
                raise SubtitleError(bad.problem, path, bad.line, expected=bad.expected) from None
            problems.append(f"{path or '<input>'}:{bad.line}: {bad.problem}")
            i = max(i, block_start) + 1
            while i < n and lines[i].strip() and "-->" not in lines[i]:
                i += 1
    return cues, problems


def _show(line: str) -> str:
    line = line.strip()
    return repr(line if len(line) <= 60 else line[:57] + "...")


def _clean_lines(raw_lines: list[tuple[str, int]], vtt: bool = False) -> tuple[CueLine, ...]:
    return tuple(clean_line(raw, line, vtt=vtt) for raw, line in raw_lines)


def clean_line(raw: str, line: int = 0, *, vtt: bool = False) -> CueLine:
    """One cue line as spoken: tags, notes, lyrics, the leading dash and a speaker prefix removed."""
    if _PLAIN.fullmatch(raw):
        return CueLine(raw if _ALNUM.search(raw) else "", raw, line, None)
    voice = _VOICE.search(raw) if vtt else None
    text = _ASS_TAG.sub("", raw)
    text = _HTML_TAG.sub("", text)
    if vtt or "&" in text:
        text = html.unescape(text)
    bare = text.strip()
    if any(m in text for m in _MUSIC) or bare.startswith("#") or (bare.endswith("#") and len(bare) > 1):
        # Sung lyrics are not script dialogue.
        return CueLine("", raw, line, None)
    text = _HI_NOTE.sub(" ", text)
    text = _DASH.sub("", text)
    speaker = voice.group(1).strip() if voice else None
    m = _SPEAKER.match(text.strip())
    if m and any(ch.isalpha() for ch in m.group(1)):
        speaker = m.group(1).strip()
        text = m.group(2)
    text = _SPACES.sub(" ", text).strip()
    if text and not any(ch.isalnum() for ch in text):
        text = ""
    return CueLine(text, raw, line, speaker)


__all__ = ["FORMATS", "MAX_BYTES", "clean_line", "decode", "parse_subtitles", "read_subtitles", "vtt_timing"]
