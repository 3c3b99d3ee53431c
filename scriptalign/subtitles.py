"""Subtitle readers (SRT, WebVTT) into :class:`scriptalign.cues.Subtitles`, keeping source line numbers.

SRT block structure is parsed here (pysrt and srt report neither the line of a malformed cue nor
let a reader skip it and go on); WebVTT is parsed by webvtt-py, with line numbers recovered from
the cue timing lines. Text is cleaned of markup and hearing-impaired notes, so that what remains
is what is spoken.
"""

from __future__ import annotations

import html
import io
import re
import warnings
from pathlib import Path

from scriptalign.cues import Cue, CueLine, Subtitles
from scriptalign.errors import SubtitleError
from scriptalign.textfile import decode_text

#: Files larger than this are refused before being read (real subtitle files are well under 1 MB).
MAX_BYTES = 20 * 1024 * 1024

FORMATS = ("srt", "vtt")

_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{1,2})[,.](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(?:\s.*)?$")
_INDEX = re.compile(r"^\s*\d+\s*$")
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
    try:
        size = path.stat().st_size
    except OSError as err:
        raise SubtitleError(f"cannot read file: {err.strerror or err}", path) from None
    if size > MAX_BYTES:
        raise SubtitleError(
            f"file is {size / 2**20:.1f} MB, above the {MAX_BYTES // 2**20} MB limit for subtitle files",
            path,
            expected="a subtitle file",
        )
    try:
        data = path.read_bytes()
    except OSError as err:
        raise SubtitleError(f"cannot read file: {err.strerror or err}", path) from None
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
        format = "vtt" if text.startswith("WEBVTT") else "srt"
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


def _seconds(h: str | None, m: str, s: str, ms: str) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000.0


def _timing(line: str) -> tuple[float, float] | None:
    m = _TIMING.match(line)
    if m is None:
        return None
    g = m.groups()
    return _seconds(*g[:4]), _seconds(*g[4:])


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
            if _INDEX.match(lines[i]):
                index = int(lines[i])
                i += 1
                if i >= n or not lines[i].strip():
                    raise _Malformed(
                        i + 1,
                        "cue number without a timing line",
                        "'HH:MM:SS,mmm --> HH:MM:SS,mmm' on the line after the cue number",
                    )
            times = _timing(lines[i])
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
                if lines[i].strip().isdigit() and i + 1 < n and _timing(lines[i + 1]) is not None:
                    break
                if "-->" in lines[i] and _timing(lines[i]) is not None:
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
            i = max(i, block_start + 1)
            while i < n and lines[i].strip():
                i += 1
    return cues, problems


def _parse_vtt(text: str, lines: list[str], path: str | None, lenient: bool) -> tuple[list[Cue], list[str]]:
    """WebVTT through webvtt-py; malformed timing lines are found here (the library skips or rejects them)."""
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    if not lines[0].startswith("WEBVTT"):
        raise SubtitleError("missing 'WEBVTT' header", path, 1, expected="'WEBVTT' on the first line")
    problems: list[str] = []
    bad_lines: set[int] = set()
    timing_lines: list[int] = []
    for k, line in enumerate(lines):
        if "-->" not in line:
            continue
        times = _timing(line)
        if times is None or times[1] < times[0]:
            problem = "bad timing line" if times is None else "cue ends before it starts"
            if not lenient:
                raise SubtitleError(
                    f"{problem} {_show(line)}",
                    path,
                    k + 1,
                    expected="'HH:MM:SS.mmm --> HH:MM:SS.mmm' with the end after the start",
                )
            problems.append(f"{path or '<input>'}:{k + 1}: {problem}")
            bad_lines.add(k)
        else:
            timing_lines.append(k)
    # The library reads what remains; blank out the bad blocks so that it skips them.
    if bad_lines:
        kept = list(lines)
        for k in bad_lines:
            j = k
            while j < len(kept) and kept[j].strip():
                kept[j] = ""
                j += 1
        text = "\n".join(kept)
    try:
        captions = webvtt.from_buffer(io.StringIO(text)).captions
    except (MalformedCaptionError, MalformedFileError) as err:
        raise SubtitleError(f"malformed WebVTT: {err}", path, expected="WebVTT cues") from None
    if len(captions) != len(timing_lines):
        raise SubtitleError(
            "could not match every cue to its timing line", path, expected="well-formed WebVTT cues"
        )
    cues: list[Cue] = []
    for number, (caption, k) in enumerate(zip(captions, timing_lines), start=1):
        start, end = _timing(lines[k])  # type: ignore[misc]
        raw = [(lines[k + 1 + j], k + 2 + j) for j in range(len(caption.lines))]
        ident = caption.identifier
        index = int(ident) if ident and ident.strip().isdigit() else number
        cues.append(Cue(index, start, end, _clean_lines(raw, vtt=True), k + (0 if ident is None else -1) + 1))
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


__all__ = ["FORMATS", "MAX_BYTES", "clean_line", "decode", "parse_subtitles", "read_subtitles"]
