"""Fountain screenplays (https://fountain.io/syntax): plain text where blank lines and case carry the layout.

Supported: title page, scene headings (INT/EXT/EST/I/E, forced ``.``, ``#1#`` scene numbers),
character cues (upper case, forced ``@``, dual dialogue ``^``), parentheticals, dialogue (``"  "``
keeps a blank line inside a speech), transitions (``... TO:``, forced ``>``), centred text
``>...<``, forced action ``!``, lyrics ``~``, boneyard ``/* */``, notes ``[[ ]]``, sections ``#``,
synopses ``=``, page breaks ``===`` and emphasis markers, which are dropped from the text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from scriptalign.screenplay.builder import ElementBuilder
from scriptalign.screenplay.elements import ElementKind, Script
from scriptalign.screenplay.names import split_cue

_TITLE_KEY = re.compile(r"^[A-Za-z][A-Za-z ]{0,30}:")
# The scene-heading prefixes of the Fountain 1.1 syntax page, each followed by a dot or a space.
_HEADING = re.compile(r"^(?:INT\./EXT|INT/EXT|INT|EXT|EST|I/E)[.\s]", re.IGNORECASE)
_PAGE_BREAK = re.compile(r"={3,}")
_SCENE_NUMBER = re.compile(r"\s#[\w.-]+#$|^#[\w.-]+#$")
_PARENS = re.compile(r"\([^()]*\)")
_LOWER = re.compile(r"[a-z]")
_LETTER = re.compile(r"[A-Za-z]")
# emphasis spans are bounded so that an unclosed marker costs a bounded scan, not the rest of the line
_EMPHASIS = re.compile(r"(?<!\\)(\*{1,3}|_)(?=\S)(.{1,300}?)(?<=\S)(?<!\\)\1")
_ESCAPE = re.compile(r"\\([*_\\#!@~.>^\[\]])")


def _clean(text: str) -> str:
    """Drop emphasis markers and escapes: ``*word*`` -> ``word``, ``\\*`` -> ``*``."""
    if "*" in text or "_" in text:
        text = _EMPHASIS.sub(lambda m: m.group(2), text)
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    return text


def _is_cue(text: str) -> bool:
    bare = _PARENS.sub("", text).rstrip("^ ").strip()
    return bool(bare) and _LETTER.search(bare) is not None and _LOWER.search(bare) is None


def _is_heading(text: str) -> bool:
    """A scene heading: a listed prefix, or forced by one leading ``.`` followed by a letter or digit."""
    return (text.startswith(".") and len(text) > 1 and text[1].isalnum()) or _HEADING.match(text) is not None


def _cut(text: str, opening: str, closing: str, *, blank_lines: bool = True) -> str:
    """Remove ``opening ... closing`` spans (keeping their line breaks) in one linear scan.

    ``blank_lines=False``: a span holding an empty line is not removed (a Fountain note may hold a
    line of two spaces, not an empty one)."""
    parts = []
    pos = 0
    start = 0
    while True:
        a = text.find(opening, start)
        if a < 0:
            break
        b = text.find(closing, a + len(opening))
        if b < 0:
            break  # unterminated: left as text
        if not blank_lines:
            empty = _last_empty_line(text, a, b)
            if empty is not None:  # no opening before that line can close at b: look after it
                start = empty
                continue
        parts.append(text[pos:a])
        # the line breaks stay (line numbers); inside a note they become two-space lines, which
        # continue a speech or a paragraph the way the note's own lines did
        parts.append(("\n" if blank_lines else "\n  ") * text.count("\n", a, b))
        pos = start = b + len(closing)
    parts.append(text[pos:])
    return "".join(parts)


def _last_empty_line(text: str, a: int, b: int) -> int | None:
    """The offset after the last line inside ``text[a:b]`` that is empty (or blank but not exactly two
    spaces, the way a Fountain note keeps a blank line), or None when there is none."""
    end = b
    while True:
        nl = text.rfind("\n", a, end)
        if nl < 0:
            return None
        prev = text.rfind("\n", a, nl)
        if prev < 0:
            return None
        line = text[prev + 1 : nl]
        if not line.strip() and line != "  ":
            return nl
        end = prev + 1


def _without_comments(lines: Sequence[str]) -> list[str]:
    text = "\n".join(lines)
    if "/*" in text:
        text = _cut(text, "/*", "*/")
    if "[[" in text:
        text = _cut(text, "[[", "]]", blank_lines=False)
    return text.split("\n")


def looks_like_fountain(lines: Sequence[str]) -> bool:
    """True when the text has two flush-left character cues with speech under them, or one and a heading."""
    n = len(lines)
    cues = headings = 0
    for i, line in enumerate(lines):
        s = line.strip()
        if not s or (i > 0 and lines[i - 1].strip()) or i + 1 >= n:
            continue
        if _HEADING.match(s):
            headings += 1
        nxt = lines[i + 1].strip()
        if not nxt or nxt.startswith("!"):
            continue
        if s.startswith("@") or (
            _is_cue(s) and not _is_heading(s) and not s.endswith("TO:") and not _is_cue(nxt) and len(s) <= 50
        ):
            cues += 1
        if cues >= 2 or (cues and headings):
            return True
    return False


def parse_fountain(lines: Sequence[str], path: str | None = None) -> Script:
    """Read a Fountain screenplay given as its lines (index 0 is line 1)."""
    lines = _without_comments(lines)
    n = len(lines)
    b = ElementBuilder()
    i = 0

    # Title page: "Key: value" lines (values may continue on indented lines) up to the first blank line.
    first = next((k for k, line in enumerate(lines) if line.strip()), n)
    head = lines[first].strip() if first < n else ""
    if _TITLE_KEY.match(head) and not _HEADING.match(head) and not (head.isupper() and head.endswith(":")):
        i = first
        while i < n and lines[i].strip():
            i += 1

    def blank(k: int) -> bool:
        return k < 0 or k >= n or not lines[k].strip()

    action: list[tuple[int, str]] = []

    def flush_action() -> None:
        if action:
            b.add_action([(num, _clean(t)) for num, t in action])
            action.clear()

    while i < n:
        s = lines[i].strip()
        number = i + 1
        if not s:
            flush_action()
            i += 1
            continue
        prev_blank = blank(i - 1) or i == first
        next_blank = blank(i + 1)

        # page breaks (three or more "=" alone), sections ("#") and synopses ("=") are not script text
        if _PAGE_BREAK.fullmatch(s) or s.startswith("#") or s.startswith("="):
            flush_action()
            i += 1
            continue
        if s.startswith("!"):
            action.append((number, s[1:]))
            i += 1
            continue
        if prev_blank and _is_heading(s):
            flush_action()
            text = s.removeprefix(".")
            if text.endswith("#"):
                text = _SCENE_NUMBER.sub("", text)
            b.add(ElementKind.SCENE_HEADING, _clean(text), number)
            i += 1
            continue
        if s.startswith(">") and s.endswith("<") and len(s) > 1:
            action.append((number, s[1:-1]))
            i += 1
            continue
        if s.startswith(">") or (prev_blank and next_blank and s.endswith("TO:") and _is_cue(s)):
            flush_action()
            b.add(ElementKind.TRANSITION, _clean(s.lstrip(">")), number)
            i += 1
            continue
        if s.startswith("~"):  # lyrics: the marker is dropped
            action.append((number, s[1:].lstrip()))
            i += 1
            continue
        if prev_blank and not next_blank and (s.startswith("@") or _is_cue(s)):
            flush_action()
            i = _dialogue_block(b, lines, i)
            continue
        action.append((number, lines[i]))
        i += 1
    flush_action()

    return b.build(path, "fountain")  # a script without dialogue is read; only align() needs dialogue


def _dialogue_block(b: ElementBuilder, lines: Sequence[str], i: int) -> int:
    """Read a cue and its parentheticals and dialogue from line ``i``; return the next line index."""
    cue = lines[i].strip()
    cue = cue.removeprefix("@").rstrip()
    first = len(b.elements)
    dual = cue.endswith("^")  # dual dialogue: the second speaker of a pair
    if dual:
        cue = cue[:-1].rstrip()
    speaker, extension = split_cue(_clean(cue))
    b.add(ElementKind.CHARACTER, _clean(cue), i + 1, speaker=speaker, extension=extension)
    speech: list[tuple[int, str]] = []
    paren: list[tuple[int, str]] = []
    i += 1
    n = len(lines)
    while i < n:
        raw = lines[i]
        s = raw.strip()
        if not s and raw != "  ":
            break
        if paren:
            paren.append((i + 1, s))
            if ")" in s:
                b.add(
                    ElementKind.PARENTHETICAL,
                    _clean(" ".join(t for _, t in paren)),
                    paren[0][0],
                    i + 1,
                    speaker=speaker,
                )
                paren = []
        elif s.startswith("("):
            if speech:
                b.add_dialogue([(num, _clean(t)) for num, t in speech], speaker)
                speech = []
            if ")" in s:
                b.add(ElementKind.PARENTHETICAL, _clean(s), i + 1, speaker=speaker)
            else:
                paren = [(i + 1, s)]
        elif s:
            speech.append((i + 1, s[1:].lstrip() if s.startswith("~") else s))  # a sung line: marker dropped
        i += 1
    if paren:
        b.add(
            ElementKind.PARENTHETICAL,
            _clean(" ".join(t for _, t in paren)),
            paren[0][0],
            paren[-1][0],
            speaker=speaker,
        )
    if speech:
        b.add_dialogue([(num, _clean(t)) for num, t in speech], speaker)
    if dual:
        b.mark_dual(first)
    return i
