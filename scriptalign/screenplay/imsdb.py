"""IMSDb-style plain-text screenplays, whose layout is carried by indentation alone.

Each file uses its own columns, so they are measured from the file: character cues are upper-case
lines that are followed at once by a less indented line; the dialogue column is where those next
lines start; the action column is the most common indent left of the dialogue. Page numbers,
running page headers, CONTINUED lines and (MORE) are dropped, and a speech broken by a page
break is continued.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from scriptalign.errors import ScriptError
from scriptalign.screenplay.builder import ElementBuilder
from scriptalign.screenplay.elements import ElementKind, Script
from scriptalign.screenplay.names import split_cue

_LOWER = re.compile(r"[a-z]")
_LETTER = re.compile(r"[A-Za-z]")
_DIGITS = re.compile(r"\d+")
_PARENS = re.compile(r"\([^()]*\)")
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,4}[A-Z]?\.?(?:\s+of\s+\d+)?$", re.IGNORECASE)
_CONTINUED = re.compile(r"^\(?\s*CONTINUED\s*\)?\s*:?\s*(?:\(\s*\d+\s*\))?$", re.IGNORECASE)
_MORE = re.compile(r"^\(\s*MORE\s*\)$", re.IGNORECASE)
_SCENE_NUMBER = re.compile(r"(\d{1,4}[A-Z]{0,2})\.?\s+(?=\S)")
_HTML_TAG = re.compile(r"</?(?:b|i|u|pre|br|html|body|head|title|font)\b[^<>]*>", re.IGNORECASE)
_HEADING_PREFIX = re.compile(r"^(?:INT|EXT|EST|I/E|INT\.?\s*/\s*EXT|EXT\.?\s*/\s*INT)(?:\.|\s|$)")
_TRANSITION = re.compile(
    r"^(?:[A-Z][A-Z .'-]* TO:|(?:FADE|IRIS|WIPE) (?:IN|OUT)[:.]?|FADE TO BLACK\.?|CUT TO BLACK\.?"
    r"|SMASH CUT:?|MATCH CUT:?|JUMP CUT:?|CUT TO\.?|BACK TO SCENE\.?|THE END\.?)$"
)
_EXTENSION_ONLY = re.compile(
    r"^(?:\(\s*(?:CONT'?D|CONT\.|CONTINUING|V\.?O\.?|O\.?S\.?|O\.?C\.?)\s*\)\s*)+$", re.IGNORECASE
)
_CREDIT = re.compile(
    r"\b(?:by|written|draft|screenplay|revised|revisions?|copyright|based on|story|script|teleplay)\b",
    re.IGNORECASE,
)

_BLANK, _PAGE, _MORE_MARK = 0, 1, 2


@dataclass(frozen=True)
class Columns:
    """The indentation columns of one file, in spaces."""

    action: int | None
    dialogue: int
    parenthetical: int | None
    character: int
    cues: int

    @property
    def action_limit(self) -> float:
        """Indents below this are action (or headings)."""
        if self.action is None:
            return self.dialogue - 1.5
        return (self.action + self.dialogue) / 2

    @property
    def character_limit(self) -> float:
        """Indents at or above this are character cues (or centred titles)."""
        inner = max(self.dialogue, self.parenthetical or 0)
        if inner >= self.character:
            inner = self.dialogue
        return (inner + self.character) / 2


@dataclass(slots=True)
class _Line:
    indent: int
    text: str


def _is_cue_like(text: str) -> bool:
    bare = _PARENS.sub("", text)
    return (
        len(text) <= 50
        and _LETTER.search(bare) is not None
        and _LOWER.search(bare) is None
        and text[0] not in "(\"'[-"
        and not bare.rstrip().endswith((":", "!", "?", ","))
        and _HEADING_PREFIX.match(text) is None
    )


def _prepare(raw_lines: Sequence[str]) -> list[_Line | int]:
    """Per line: ``_Line`` with indent and text, or a marker for blank, page-noise and (MORE) lines."""
    out: list[_Line | int] = []
    append = out.append
    for raw in raw_lines:
        line = raw.rstrip()
        if not line:
            append(_BLANK)
            continue
        if "\t" in line or "\f" in line:
            line = line.expandtabs(8).replace("\f", " ").rstrip()
        if "<" in line:
            line = _HTML_TAG.sub("", line).rstrip()
        if "&" in line and ";" in line:
            line = html.unescape(line)
        if "*" in line:
            if line.endswith("*"):
                body = line.rstrip("*")
                if not body or body[-1].isspace():
                    line = body.rstrip()
            stripped = line.lstrip()
            if stripped.startswith("*"):
                body = stripped.lstrip("*")
                if not body or body[0] == " ":
                    line = " " * (len(line) - len(body)) + body
        text = line.lstrip()
        if not text:
            append(_BLANK)
            continue
        first = text[0]
        if first == "(" and _MORE.match(text):
            append(_MORE_MARK)
            continue
        if (first.isdigit() or first in "Pp") and _PAGE_NUMBER.match(text):
            append(_PAGE)
            continue
        if ("ONTINUED" in text or "ontinued" in text) and _CONTINUED.match(text):
            append(_PAGE)
            continue
        indent = len(line) - len(text)
        if first.isdigit():
            m = _SCENE_NUMBER.match(text)
            if m is not None:
                rest = text[m.end() :]
                head, _, last = rest.rpartition(" ")
                numbered_both_sides = head and last.rstrip(".") == m.group(1)
                if numbered_both_sides or _HEADING_PREFIX.match(rest):
                    indent += m.end()
                    text = head.rstrip() if numbered_both_sides else rest
        append(_Line(indent, text))
    _drop_page_headers(out, raw_lines)
    return out


def _lines_with_digits(raw_lines: Sequence[str]) -> list[int]:
    """Indices of the lines holding a digit, found with ``str.find`` over the joined text.

    Much faster than a regex search per line, since most lines of a script hold no digit.
    """
    joined = "\n".join(raw_lines)
    starts = set()
    for digit in "0123456789":
        p = joined.find(digit)
        while p >= 0:
            line_start = joined.rfind("\n", 0, p) + 1
            starts.add(line_start)
            end = joined.find("\n", p)
            if end < 0:
                break
            p = joined.find(digit, end)
    found = []
    line = pos = 0
    for start in sorted(starts):
        line += joined.count("\n", pos, start)
        pos = start
        found.append(line)
    return found


def _drop_page_headers(prepared: list[_Line | int], raw_lines: Sequence[str]) -> None:
    """Mark running page headers ("CHINATOWN - Rev. 10/9/73  23.") as page noise.

    A header is a line with a number in it that recurs, numbers aside, at least four times; scene
    headings ("EXT. ROUTE 66") are never headers.
    """
    keys: dict[str, list[int]] = {}
    for i in _lines_with_digits(raw_lines):
        item = prepared[i]
        if isinstance(item, _Line) and len(item.text) <= 80:
            keys.setdefault(_DIGITS.sub("#", item.text), []).append(i)
    for key, where in keys.items():
        if len(where) >= 4 and _LETTER.search(key) and _HEADING_PREFIX.match(key) is None:
            for i in where:
                prepared[i] = _PAGE


def _columns(prepared: Sequence[_Line | int]) -> Columns | None:
    cue_indents: Counter[int] = Counter()
    after_cue: Counter[int] = Counter()
    paren_indents: Counter[int] = Counter()
    histogram: dict[int, int] = {}
    n = len(prepared)
    for i, item in enumerate(prepared):
        if not isinstance(item, _Line):
            continue
        histogram[item.indent] = histogram.get(item.indent, 0) + 1
        nxt = prepared[i + 1] if i + 1 < n else _BLANK
        if not isinstance(nxt, _Line) or nxt.indent >= item.indent:
            continue
        prev = prepared[i - 1] if i > 0 else _BLANK
        if (isinstance(prev, _Line) and prev.indent >= item.indent) or not _is_cue_like(item.text):
            continue
        cue_indents[item.indent] += 1
        if nxt.text.startswith("("):
            paren_indents[nxt.indent] += 1
        else:
            after_cue[nxt.indent] += 1
    if not cue_indents or not after_cue:
        return None
    character, cues = cue_indents.most_common(1)[0]
    dialogue = max(after_cue.items(), key=lambda kv: (kv[1], -kv[0]))[0]
    if cues < 2 or dialogue >= character:
        return None
    parenthetical = None
    if paren_indents:
        p = paren_indents.most_common(1)[0][0]
        if dialogue < p < character:
            parenthetical = p
    left = [(count, -indent) for indent, count in histogram.items() if indent < dialogue - 1]
    action = -max(left)[1] if left else None
    return Columns(action, dialogue, parenthetical, character, cues)


@dataclass(frozen=True)
class Layout:
    """A file's lines prepared for parsing and the columns measured on them."""

    prepared: list[_Line | int]
    columns: Columns | None


def analyse(lines: Sequence[str]) -> Layout:
    """Prepare the lines and measure the columns (None when there is no cue-and-dialogue structure)."""
    prepared = _prepare(lines)
    return Layout(prepared, _columns(prepared))


def detect_columns(lines: Sequence[str]) -> Columns | None:
    """The file's columns, or None when it has no indented cue-and-dialogue structure."""
    return analyse(lines).columns


def _starts_speech(prepared: Sequence[_Line | int], i: int) -> bool:
    """True when line ``i`` is followed at once by a less indented line (possibly after "(CONT'D)")."""
    indent = prepared[i].indent  # type: ignore[union-attr]
    for j in (i + 1, i + 2):
        nxt = prepared[j] if j < len(prepared) else _BLANK
        if not isinstance(nxt, _Line):
            return False
        if nxt.indent < indent:
            return True
        if not _EXTENSION_ONLY.match(nxt.text):
            return False
    return False


class _Block:
    """A character cue and its speech, kept open over blank lines in case a page break continues it."""

    def __init__(self, speaker: str, cue_index: int) -> None:
        self.speaker = speaker
        self.cue_index = cue_index
        self.speech: list[tuple[int, str]] = []
        self.paren: list[tuple[int, str]] = []
        self.has_dialogue = False
        self.more = False
        self.page_break = False


def parse_imsdb(lines: Sequence[str], path: str | None = None, layout: Layout | None = None) -> Script:
    """Read an IMSDb-style script given as its lines (index 0 is line 1); ``layout`` from ``analyse``."""
    if layout is None:
        layout = analyse(lines)
    prepared, cols = layout.prepared, layout.columns
    if cols is None:
        raise ScriptError(
            "no character cues with dialogue found",
            path,
            1,
            expected="an indented screenplay: upper-case character cues above less indented dialogue",
        )
    action_limit = cols.action_limit
    character_limit = cols.character_limit
    # centred cues: a long name starts left of the character column, but still right of the speech
    cue_floor = max(cols.dialogue, cols.parenthetical or 0) + 1
    # a "(" line at the dialogue column, e.g. "(Joe)...?", is speech unless it is a whole "(...)"
    paren_limit = (cols.dialogue + cols.parenthetical) / 2 if cols.parenthetical else cols.dialogue

    b = ElementBuilder()
    front: list[list[tuple[int, str, int]]] = []  # paragraphs before the first cue/heading
    paragraph: list[tuple[int, str, int]] = []
    started = False
    block: _Block | None = None
    in_block = False  # the previous line belonged to the open block (no blank in between)
    in_paren = False

    def flush_action() -> None:
        if paragraph:
            if started:
                b.add_action([(n, t) for n, t, _ in paragraph])
            else:
                front.append(list(paragraph))
            paragraph.clear()

    def start() -> None:
        nonlocal started
        if started:
            return
        started = True
        for para in front:
            body = " ".join(t for _, t, _ in para)
            at_action = all(ind < action_limit for _, _, ind in para)
            credit = len(para) <= 2 and _CREDIT.search(body) is not None
            if at_action and _LOWER.search(body) and not credit:
                b.add_action([(n, t) for n, t, _ in para])
        front.clear()

    def flush_speech() -> None:
        assert block is not None
        if block.speech:
            b.add_dialogue(block.speech, block.speaker)
            block.speech = []
            block.has_dialogue = True

    def flush_paren() -> None:
        assert block is not None
        if block.paren:
            b.add(
                ElementKind.PARENTHETICAL,
                " ".join(t for _, t in block.paren),
                block.paren[0][0],
                block.paren[-1][0],
                speaker=block.speaker,
            )
            block.paren = []

    def close_block() -> None:
        nonlocal block, in_block, in_paren
        if block is not None:
            flush_paren()
            flush_speech()
            if not block.has_dialogue:
                cue = b.elements[block.cue_index]
                b.warn(f"{path or '<input>'}:{cue.line_start}: character cue {cue.text!r} has no dialogue")
            block = None
        in_block = in_paren = False

    n_lines = len(prepared)
    for i, item in enumerate(prepared):
        number = i + 1
        if not isinstance(item, _Line):
            flush_action()
            if block is not None:
                if item == _MORE_MARK:
                    block.more = True
                elif item == _PAGE:
                    block.page_break = True
            in_block = in_paren = False
            continue
        indent, text = item.indent, item.text

        if (
            block is not None
            and not in_block
            and cols.action is not None  # else speech and action share a column: no telling them apart
            and action_limit <= indent < character_limit
            and _TRANSITION.match(text) is None
            and _HEADING_PREFIX.match(text) is None
        ):
            # speech resumed after a blank line or a page break, without a repeated cue
            if not (block.more or block.page_break):
                flush_speech()
            block.more = block.page_break = False
            in_block = True

        if in_block and block is not None:
            if in_paren:
                if indent < action_limit:
                    flush_paren()
                    in_paren = False
                else:
                    block.paren.append((number, text))
                    if ")" in text:
                        flush_paren()
                        in_paren = False
                    continue
            if indent >= character_limit and _is_cue_like(text) and _starts_speech(prepared, i):
                close_block()  # a new cue right under the last speech line, without a blank line
            elif indent >= action_limit:
                if text.startswith("(") and (indent >= paren_limit or text.endswith(")") or not block.speech):
                    if not block.has_dialogue and not block.speech and _EXTENSION_ONLY.match(text):
                        cue = b.elements[block.cue_index]
                        _, ext = split_cue("X " + text)
                        joined = " ".join(x for x in (cue.extension, ext) if x)
                        b.update(block.cue_index, extension=joined, line_end=number)
                        continue
                    flush_speech()
                    block.paren = [(number, text)]
                    if ")" in text:
                        flush_paren()
                    else:
                        in_paren = True
                    continue
                block.speech.append((number, text))
                continue
            close_block()
            # an action line right under a cue or speech: fall through to the action rules

        prev = prepared[i - 1] if i else _BLANK
        prev_blank = not isinstance(prev, _Line)
        nxt = prepared[i + 1] if i + 1 < n_lines else _BLANK
        next_blank = not isinstance(nxt, _Line)

        if (
            (prev_blank or prev.indent < character_limit)  # type: ignore[union-attr]
            and (indent >= character_limit or (prev_blank and indent > cue_floor))
            and _starts_speech(prepared, i)
            and _is_cue_like(text)
            and _TRANSITION.match(text) is None
        ):
            speaker, extension = split_cue(text)
            if (
                block is not None
                and speaker == block.speaker
                and (block.more or (block.page_break and extension and "CONT'D" in extension))
            ):
                block.more = block.page_break = False  # the speech goes on after a page break
                in_block = True
                continue
            flush_action()
            close_block()
            start()
            cue = b.add(ElementKind.CHARACTER, text, number, speaker=speaker, extension=extension)
            block = _Block(speaker, cue.id)
            in_block = True
            continue

        if block is not None:
            close_block()

        if _TRANSITION.match(text) is not None and (prev_blank or next_blank):
            flush_action()
            start()
            b.add(ElementKind.TRANSITION, text, number)
            continue

        if indent < character_limit and (
            (_HEADING_PREFIX.match(text) is not None and (prev_blank or not paragraph))
            or (
                indent < action_limit
                and prev_blank
                and next_blank
                and len(text) <= 80
                and _LETTER.search(text) is not None
                and _LOWER.search(text) is None
                and text[-1] not in ".!?,;\"'"
                and text[0].isalnum()
            )
        ):
            flush_action()
            start()
            b.add(ElementKind.SCENE_HEADING, text, number)
            continue

        if prev_blank:
            flush_action()
        paragraph.append((number, text, indent))

    flush_action()
    close_block()
    return b.build(path, "imsdb")  # a script without dialogue is read; only align() needs dialogue
