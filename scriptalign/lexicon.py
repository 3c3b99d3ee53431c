"""The verb lexicon: phrases (lemmas) that name an action class, and matching them in a sentence.

The default lexicon (``scriptalign/data/lexicon.yaml``) covers the toy movie's actions (walk,
sit_down, stand_up, wave) and the eight classes of Laptev et al. 2008 in spirit; users replace it
with their own YAML or JSON file of the same layout.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from lemminflect import getAllLemmas

from scriptalign.errors import InputError

LEXICON_SCHEMA = "scriptalign.lexicon/1"
MAX_GAP = 2  # words allowed between two consecutive words of a phrase


@lru_cache(maxsize=65536)
def lemmas(word: str) -> tuple[frozenset[str], frozenset[str]]:
    """(verb readings, all readings) of a word, lower-cased, the word itself among all readings."""
    all_ = getAllLemmas(word) or getAllLemmas(word.lower())
    verbs = {l.lower() for pos in ("VERB", "AUX") for l in all_.get(pos, ())}
    every = {l.lower() for ls in all_.values() for l in ls} | {word.lower()}
    return frozenset(verbs), frozenset(every)


@dataclass(frozen=True)
class Phrase:
    """A phrase of the lexicon: its lemma words (the first one a verb) and its action class."""

    words: tuple[str, ...]
    action: str


@dataclass(frozen=True)
class Lexicon:
    """Phrases grouped by action class, in file order; ``source`` is the file it came from."""

    phrases: tuple[Phrase, ...]
    source: str = "default"

    @property
    def actions(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for p in self.phrases:
            seen.setdefault(p.action, None)
        return tuple(seen)

    @classmethod
    def from_dict(cls, data: object, source: str = "<dict>") -> Lexicon:
        """Build from ``{"actions": {class: [phrase, ...]}}`` (``schema`` optional)."""
        if not isinstance(data, dict) or not isinstance(data.get("actions"), dict):
            raise InputError("no 'actions' mapping", source, 1, expected="actions: {class: [phrase, ...]}")
        schema = data.get("schema", LEXICON_SCHEMA)
        if schema != LEXICON_SCHEMA:
            raise InputError(f"unknown lexicon schema {schema!r}", source, 1, expected=LEXICON_SCHEMA)
        phrases = []
        for action, items in data["actions"].items():
            if isinstance(items, str):
                items = [items]
            if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
                raise InputError(f"action {action!r} has no list of phrases", source, None,
                                 expected="a list of non-empty strings")
            for item in items:
                words = tuple(w.lower() for w in item.split())
                verbs, _ = lemmas(words[0])
                head = min(verbs) if len(verbs) == 1 else words[0]
                phrases.append(Phrase((head, *words[1:]), str(action)))
        if not phrases:
            raise InputError("the lexicon has no phrases", source, None, expected="at least one phrase")
        return cls(tuple(phrases), source)

    @classmethod
    def load(cls, path: str | Path) -> Lexicon:
        """Read a YAML (``.yaml``/``.yml``) or JSON lexicon file."""
        path = Path(path)
        try:
            raw = path.read_bytes()
        except OSError as err:
            raise InputError(f"cannot read lexicon: {err.strerror}", path) from err
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise InputError(f"not UTF-8 text (byte {raw[err.start]:#04x})", path, raw.count(b"\n", 0, err.start) + 1,
                             expected="a lexicon saved as UTF-8") from err
        if path.suffix.lower() == ".json":
            try:
                data = json.loads(text)
            except json.JSONDecodeError as err:
                raise InputError(f"invalid JSON: {err.msg}", path, err.lineno) from err
        else:
            import yaml

            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError as err:
                mark = getattr(err, "problem_mark", None)
                raise InputError(f"invalid YAML: {getattr(err, 'problem', err)}", path,
                                 None if mark is None else mark.line + 1) from err
        return cls.from_dict(data, str(path))

    @classmethod
    def default(cls) -> Lexicon:
        """The bundled lexicon."""
        return cls.load(default_lexicon_path())


def default_lexicon_path() -> Path:
    return Path(str(resources.files("scriptalign") / "data" / "lexicon.yaml"))


_DETERMINERS = frozenset([
    "a", "an", "the", "his", "her", "their", "its", "my", "your", "our", "this", "that", "these",
    "those", "another", "some", "every", "each"
])
_BREAKS = frozenset({",", ";", ":", ".", "!", "?", "and", "or", "but", "--"})


def is_verb_token(tokens: list[str], i: int) -> bool:
    """Can ``tokens[i]`` be a verb here (it has a verb reading and no determiner before it)?"""
    w = tokens[i]
    if not w[:1].isalpha():
        return False
    verbs, _ = lemmas(w)
    if not verbs:
        return False
    return not (i > 0 and tokens[i - 1].lower() in _DETERMINERS)


def find_phrases(tokens: list[str], lexicon: Lexicon, skip: frozenset[int] = frozenset()
                 ) -> list[tuple[int, int, Phrase]]:
    """Phrase matches as (verb position, end position exclusive, phrase); the longest wins per verb.

    Positions in ``skip`` (names) are never verbs.
    """
    out = []
    for i in range(len(tokens)):
        if i in skip or not is_verb_token(tokens, i):
            continue
        verbs = lemmas(tokens[i])[0]
        best: tuple[int, int, Phrase] | None = None
        for ph in lexicon.phrases:
            if ph.words[0] not in verbs and ph.words[0] != tokens[i].lower():
                continue
            pos, ok = i, True
            for w in ph.words[1:]:
                nxt = None
                for j in range(pos + 1, min(len(tokens), pos + 2 + MAX_GAP)):
                    if tokens[j].lower() in _BREAKS:
                        break
                    if w in lemmas(tokens[j])[1]:
                        nxt = j
                        break
                if nxt is None:
                    ok = False
                    break
                pos = nxt
            if ok and (best is None or len(ph.words) > len(best[2].words)):
                best = (i, pos + 1, ph)
        if best is not None:
            out.append(best)
    return out
