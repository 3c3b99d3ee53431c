"""Word tokens for alignment: lower-case, apostrophes unified, punctuation dropped."""

from __future__ import annotations

import re

_APOSTROPHES = ("\u2019", "\u2018", "`", "\u00b4", "\u02bc")
# UTF-8 punctuation read as cp1252 (common in scraped scripts): the apostrophe and the quotes.
_MOJIBAKE = (
    ("\u00e2\u20ac\u2122", "'"),
    ("\u00e2\u20ac\u02dc", "'"),
    ("\u00e2\u20ac\u0153", '"'),
    ("\u00e2\u20ac\u009d", '"'),
    ("\u00e2\u20ac\u201d", " "),
    ("\u00e2\u20ac\u201c", " "),
)
_WORD = re.compile(r"[a-z0-9\u00e0-\u00ff]+(?:'[a-z]+)*")


def normalise(text: str) -> str:
    """Lower-case text with one apostrophe character and common mojibake repaired."""
    if "\u00e2" in text:
        for bad, good in _MOJIBAKE:
            text = text.replace(bad, good)
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
