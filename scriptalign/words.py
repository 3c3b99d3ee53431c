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




# --- Canonical tokens: spoken and written forms of the same words made equal -------------------------

#: Colloquial and short forms, each with what it stands for (both sides are mapped, so either side
#: may hold either form).
_COLLOQUIAL: dict[str, tuple[str, ...]] = {
    "gonna": ("going", "to"),
    "wanna": ("want", "to"),
    "gotta": ("got", "to"),
    "hafta": ("have", "to"),
    "gimme": ("give", "me"),
    "lemme": ("let", "me"),
    "kinda": ("kind", "of"),
    "sorta": ("sort", "of"),
    "outta": ("out", "of"),
    "lotta": ("lot", "of"),
    "dunno": ("do", "not", "know"),
    "y'know": ("you", "know"),
    "ya": ("you",),
    "yah": ("yes",),
    "em": ("them",),
    "cause": ("because",),
    "cuz": ("because",),
    "coz": ("because",),
    "ok": ("okay",),
    "yeah": ("yes",),
    "yep": ("yes",),
    "yup": ("yes",),
    "nope": ("no",),
    "till": ("until",),
    "til": ("until",),
    "mr": ("mister",),
    "mrs": ("missus",),
    "dr": ("doctor",),
    "ain't": ("is", "not"),
    "won't": ("will", "not"),
    "can't": ("can", "not"),
    "cannot": ("can", "not"),
    "shan't": ("shall", "not"),
    "let's": ("let", "us"),
    "c'mon": ("come", "on"),
    "'em": ("them",),
}
_SUFFIXES = (("n't", ("not",)), ("'re", ("are",)), ("'ve", ("have",)), ("'ll", ("will",)), ("'m", ("am",)),
             ("'d", ("would",)), ("in'", ("ing",)))
# "'s" after these is "is" (he's = he is); after other words it stays a possessive mark.
_IS_AFTER = frozenset("he she it that what there here who where how when why this everything nothing".split())
_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen " \
         "sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> tuple[str, ...]:
    """A number as it is said: 25 -> twenty five, 300 -> three hundred, 1985 -> nineteen eighty five."""
    if n < 20:
        return (_UNITS[n],)
    if n < 100:
        return (_TENS[n // 10],) + (number_words(n % 10) if n % 10 else ())
    if n < 1000:
        return (_UNITS[n // 100], "hundred") + (number_words(n % 100) if n % 100 else ())
    if 1100 <= n < 2000 and n % 100:  # years
        return number_words(n // 100) + (("oh",) + number_words(n % 100) if n % 100 < 10 else number_words(n % 100))
    if n < 1_000_000:
        return number_words(n // 1000) + ("thousand",) + (number_words(n % 1000) if n % 1000 else ())
    return (str(n),)


def _canonical(word: str) -> tuple[str, ...]:
    """One word as canonical tokens: contractions and short forms spelled out, digits as words."""
    if word in _COLLOQUIAL:
        return _COLLOQUIAL[word]
    if word.isdigit():
        return number_words(int(word)) if len(word) <= 6 else (word,)
    if "'" in word:
        if word.endswith("'s"):
            stem = word[:-2]
            return (stem, "is") if stem in _IS_AFTER else (stem, "'s")
        for suffix, rest in _SUFFIXES:
            if word.endswith(suffix) and len(word) > len(suffix):
                stem = word[: -len(suffix)]
                if suffix == "in'":
                    return (stem + "ing",)
                return _canonical(stem) + rest
        return tuple(part for part in word.split("'") if part)
    return (word,)


_CANON_CACHE: dict[str, tuple[str, ...]] = {}


def tokens_of_many(texts: list[str], *, lemmas: bool = False) -> list[list[str]]:
    """Canonical alignment tokens per text: :func:`words_of_many`, then contractions, colloquial forms and
    numbers spelled out (``"We're gonna pay 25"`` -> ``we are going to pay twenty five``); with
    ``lemmas`` each token becomes its lemma (lemminflect: ``walked`` -> ``walk``), which costs about
    0.7 s the first time (its dictionary is loaded)."""
    cache = _CANON_CACHE
    out = []
    for ws in words_of_many(texts):
        toks: list[str] = []
        for w in ws:
            c = cache.get(w)
            if c is None:
                c = cache[w] = _canonical(w)
            toks.extend(c)
        out.append(toks)
    if lemmas:
        lemma = _lemmatiser()
        out = [[lemma(t) for t in toks] for toks in out]
    return out


def _lemmatiser():
    """A cached word -> lemma function over lemminflect's dictionary (verbs first, then nouns)."""
    from functools import lru_cache

    import lemminflect

    @lru_cache(maxsize=None)
    def lemma(word: str) -> str:
        found = lemminflect.getAllLemmas(word)
        for pos in ("VERB", "AUX", "NOUN", "ADJ", "ADV"):
            if pos in found:
                return found[pos][0]
        return word

    return lemma


__all__ = ["normalise", "number_words", "tokens_of_many", "words", "words_of_many"]
