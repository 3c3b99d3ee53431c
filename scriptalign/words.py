"""Word tokens for alignment: lower-case, apostrophes unified, punctuation dropped."""

from __future__ import annotations

import re

from scriptalign.textfile import fix_mojibake

_APOSTROPHES = ("\u2019", "\u2018", "`", "\u00b4", "\u02bc")
# Characters that start a repair of fix_mojibake (UTF-8 read as cp1252, cp1252 read as latin-1).
_MOJIBAKE_MARKS = re.compile("[\u00e2\u00c3\u00c2\u0085\u0091-\u0097\u00ed]")
_WORD = re.compile(r"[a-z0-9\u00e0-\u00ff]+(?:'[a-z]+)*")


def normalise(text: str) -> str:
    """Lower-case text with one apostrophe character and common mojibake repaired."""
    if _MOJIBAKE_MARKS.search(text):
        text = fix_mojibake(text)
    for mark in _APOSTROPHES:  # str.replace is much faster than str.translate on long texts
        if mark in text:
            text = text.replace(mark, "'")
    return text.lower()


def words(text: str) -> list[str]:
    """The words of ``text`` as alignment tokens: ``"Don't-go, Mr. X!"`` -> ``["don't", "go", "mr", "x"]``."""
    return _WORD.findall(normalise(text))


def words_of_many(texts: list[str]) -> list[list[str]]:
    """``[words(t) for t in texts]``, normalising all texts in one pass (faster for thousands of lines)."""
    joined = "\x00".join(texts)
    if joined.count("\x00") != max(len(texts) - 1, 0):
        return [words(t) for t in texts]
    return [_WORD.findall(part) for part in normalise(joined).split("\x00")] if texts else []


__all__ = ["normalise", "words", "words_of_many"]
