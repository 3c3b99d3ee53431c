"""Split an action paragraph into sentences, each keeping the source lines it spans."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

# Words that end with a period without ending a sentence (compared lower-case, without the period).
ABBREVIATIONS = frozenset(
    """
    mr mrs ms messrs dr st jr sr prof rev hon gov sen rep pres gen col lt capt cmdr sgt cpl pvt adm
    maj insp det supt fr sr sta mt ft ave blvd rd dept corp inc co ltd bros vs no nos approx est
    int ext i/e int/ext ext/int res jan feb mar apr jun jul aug sep sept oct nov dec
    mon tue tues wed thu thur thurs fri sat sun
    """.split()
)

# Sentence end: terminal punctuation, optional closing quotes/brackets, whitespace, then something
# that can open a sentence.
_BOUNDARY = re.compile(r"([.!?]+)([\"')\]]*)\s+(?=[\"'(\[]?[A-Z0-9])")
_MAYBE_END = re.compile(r"[.!?]")
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]?$")


def hyphen_joins(before: str, after: str) -> bool:
    """True when a line ends in a word broken by a hyphen ("dark-" + "haired")."""
    return (
        len(before) >= 2
        and before[-1] == "-"
        and before[-2].isalpha()
        and after[:1].isalpha()
        and after[0].islower()
    )


def join_lines(texts: Sequence[str]) -> str:
    """Join text lines with single spaces, keeping hyphenated line breaks together."""
    out = ""
    for text in texts:
        text = " ".join(text.split())
        if not text:
            continue
        out = text if not out else out + ("" if hyphen_joins(out, text) else " ") + text
    return out


@dataclass(frozen=True)
class Sentence:
    """One sentence of a paragraph and the 1-based source lines it starts and ends on."""

    text: str
    line_start: int
    line_end: int


def split_sentences(lines: Sequence[tuple[int, str]]) -> list[Sentence]:
    """Split a paragraph given as ``(line number, text)`` pairs into sentences with line spans.

    Abbreviations ("Mr.", "INT."), initials ("J. Mulwray", "L.A.") and ellipses ("and... then")
    do not end a sentence.
    """
    return [Sentence(*span) for span in sentence_spans(lines)]


def sentence_spans(lines: Sequence[tuple[int, str]]) -> list[tuple[str, int, int]]:
    """``split_sentences`` as plain ``(text, line_start, line_end)`` tuples (cheaper to build)."""
    parts: list[str] = []
    starts: list[int] = []
    numbers: list[int] = []
    offset = 0
    for number, text in lines:
        if "  " in text or "\t" in text or text[:1].isspace() or text[-1:].isspace():
            text = " ".join(text.split())
        if not text:
            continue
        if parts and not (parts[-1][-1] == "-" and hyphen_joins(parts[-1], text)):
            parts.append(" ")
            offset += 1
        starts.append(offset)
        numbers.append(number)
        parts.append(text)
        offset += len(text)
    if not parts:
        return []
    joined = "".join(parts) if len(parts) > 1 else parts[0]
    n = len(joined)

    cuts = [0]
    if _MAYBE_END.search(joined, 0, n - 1):
        for m in _BOUNDARY.finditer(joined):
            punct = m.group(1)
            if punct[0] == "." and punct.count(".") == len(punct):
                if len(punct) >= 2:
                    continue  # ellipsis: a trailing-off, not a full stop
                dot = m.start()
                word = joined[joined.rfind(" ", 0, dot) + 1 : dot].lstrip("\"'([")
                if len(word) == 1 or word.lower() in ABBREVIATIONS or _DOTTED.match(word):
                    continue
            cuts.append(m.end())
    cuts.append(n)

    if len(cuts) == 2:  # one sentence
        return [(joined, numbers[0], numbers[-1])]
    spans = []
    for a, b in pairwise(cuts):
        piece = joined[a:b].rstrip()
        if not piece:
            continue
        spans.append(
            (
                piece,
                numbers[bisect_right(starts, a) - 1],
                numbers[bisect_right(starts, a + len(piece) - 1) - 1],
            )
        )
    return spans
