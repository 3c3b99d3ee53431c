"""Weak labels from an aligned screenplay: each scene-description sentence becomes a bag.

A bag holds the sentence's aligned time span (widened by a margin), the characters it names
(cue names, their first and last names, learned and given aliases, subject pronouns resolved to the
last named subject of the scene), the action classes of the lexicon phrases it contains (negated
verbs dropped) and person-action pairs (the verb's subject). The subject is found with simple rules
over word lemmas (no parser model): a name, pronoun or "X and Y" group right before a verb is a
subject, and stays the subject across "and ..." until a new clause starts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from scriptalign.lexicon import Lexicon, find_phrases, is_verb_token, lemmas
from scriptalign.screenplay.elements import ElementKind
from scriptalign.screenplay.sentences import sentence_spans

if TYPE_CHECKING:
    from scriptalign.alignment import AlignedElement, Alignment

SCHEMA = "scriptalign.labels/1"
DEFAULT_MARGIN = 2.0

_TITLES = frozenset([
    "mr", "mrs", "ms", "miss", "dr", "doctor", "sir", "lady", "lord", "captain", "capt", "officer",
    "detective", "sgt", "sergeant"
])
_SUBJECT_PRONOUNS = frozenset({"he", "she", "they"})
_UNNAMED = frozenset({"someone", "somebody", "everyone", "everybody", "anyone", "anybody"})
_NOBODY = frozenset({"nobody", "noone"})
_NEGATIONS = frozenset({"not", "n't", "never", "without"})
_ADVERBS = frozenset([
    "then", "also", "still", "just", "finally", "again", "now", "both", "all", "slowly", "quickly",
    "suddenly", "even", "only", "soon"
])
_SUBORDINATORS = frozenset([
    "as", "while", "when", "whilst", "until", "because", "before", "after", "once", "though",
    "although", "if"
])
_DETERMINERS = frozenset([
    "a", "an", "the", "his", "her", "their", "its", "my", "your", "our", "this", "that", "these",
    "those", "another", "some", "one", "two"
])
_GROUP_JOINERS = frozenset({"and", ",", "&"})
_STOP_CAPS = frozenset([
    "a", "an", "the", "and", "or", "but", "he", "she", "they", "it", "we", "you", "i", "his", "her",
    "their", "its", "then", "as", "while", "when", "with", "at", "in", "on", "to", "of", "for", "from",
    "by", "int", "ext", "day", "night", "cont", "continued", "later"
])
_TOKEN = re.compile(r"n't|'s|[A-Za-z][A-Za-z\-]*|\d+|--|[^\w\s]")


def tokenize(text: str) -> list[str]:
    """Words and punctuation; "doesn't" gives "does", "n't"; "Hopper's" gives "Hopper", "'s"."""
    text = text.replace("\u2019", "'")
    text = re.sub(r"(?<=\w)n't\b", " n't", text)
    text = re.sub(r"(?<=\w)'s\b", " 's", text)
    return _TOKEN.findall(text)


def split_sentences(text: str) -> list[str]:
    """The sentences of a description, split as the screenplay readers split action paragraphs
    (one splitter: ``scriptalign.screenplay.sentences``). An action element of ``scriptalign align``
    is already one sentence and comes back whole ("J. Mulwray walks in." stays one sentence)."""
    return [s for s, _, _ in sentence_spans([(1, text)])]


@dataclass(frozen=True)
class Bag:
    """A weak label: in [start, end] (seconds) the named people appear and the actions happen.

    ``kind`` is ``"description"`` (a scene-description sentence) or ``"speaker"`` (a dialogue turn:
    the speaker appears). ``pairs`` are (name, action) for actions whose subject is named.
    ``element``, ``line_start`` and ``line_end`` point back at the script element it came from.
    """

    id: int
    kind: str
    start: float
    end: float
    names: tuple[str, ...]
    actions: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]
    text: str
    element: int
    line_start: int
    line_end: int
    scene: int | None
    unnamed_actions: tuple[str, ...] = ()
    negated: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "names": list(self.names),
            "actions": list(self.actions),
            "pairs": [list(p) for p in self.pairs],
            "unnamed_actions": list(self.unnamed_actions),
            "negated": list(self.negated),
            "text": self.text,
            "element": self.element,
            "line_start": self.line_start,
            "line_end": self.line_end,
            "scene": self.scene,
        }

    @classmethod
    def from_json(cls, d: Mapping) -> Bag:
        """The bag of one entry of ``bags.json`` (checked against the labels schema by the reader)."""
        return cls(d["id"], d["kind"], float(d["start"]), float(d["end"]), tuple(d["names"]), tuple(d["actions"]),
                   tuple((n, a) for n, a in d["pairs"]), d["text"], d["element"], d["line_start"], d["line_end"],
                   d["scene"], tuple(d["unnamed_actions"]), tuple(d["negated"]))


@dataclass(frozen=True)
class SentenceLabels:
    """What one sentence says: names, actions, (name, action) pairs; actions with an unnamed or
    unknown subject; negated actions (not counted in ``actions``)."""

    names: tuple[str, ...]
    actions: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]
    unnamed_actions: tuple[str, ...] = ()
    negated: tuple[str, ...] = ()


class NameIndex:
    """Maps capitalised word sequences in descriptions to character (cue) names."""

    def __init__(self, characters: list[str], aliases: Mapping[str, str] | None = None) -> None:
        self.characters = list(dict.fromkeys(characters))
        full: dict[tuple[str, ...], str] = {}
        parts: dict[tuple[str, ...], set[str]] = {}
        for name in self.characters:
            words = _name_words(name)
            if not words:
                continue
            full[tuple(words)] = name
            for w in words:
                if w not in _TITLES and len(w) > 1:
                    parts.setdefault((w,), set()).add(name)
        self.keys: dict[tuple[str, ...], str] = {k: next(iter(v)) for k, v in parts.items() if len(v) == 1}
        self.keys.update(full)
        self.max_len = max((len(k) for k in self.keys), default=1)
        self.aliases: dict[str, str] = {}
        for alias, name in (aliases or {}).items():
            self.add_alias(alias, name)

    def add_alias(self, alias: str, name: str) -> None:
        key = tuple(_name_words(alias))
        if key and key not in self.keys:
            self.keys[key] = name
            self.aliases[alias] = name
            self.max_len = max(self.max_len, len(key))

    def match(self, tokens: list[str], i: int) -> tuple[int, str] | None:
        """The longest name starting at ``tokens[i]`` (capitalised words only): (length, name)."""
        if not tokens[i][:1].isupper():
            return None
        for n in range(min(self.max_len, len(tokens) - i), 0, -1):
            seq = tokens[i : i + n]
            if not all(t[:1].isupper() for t in seq):
                continue
            name = self.keys.get(tuple(t.lower() for t in seq))
            if name is not None:
                return n, name
        return None


def _name_words(name: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z\-]*", name)]


def learn_aliases(sentences: list[list[str]], index: NameIndex, lowercase: set[str] | None = None) -> dict[str, str]:
    """Surnames and first names from introductions ("EILEEN COLLINS, an astronaut, ...").

    A capitalised word right after (or, in capitals, right before) a character's full cue name is
    taken as another name of theirs, unless it is a function word, a title, an inflected verb, or a
    word the script also writes in lower case (``lowercase``: such words are common words, not
    names). Cue names the script writes in lower case too ("GUARD") are roles and learn nothing.
    """
    found: dict[str, str] = {}
    if lowercase is None:
        lowercase = {t for tokens in sentences for t in tokens if t.islower()}
    full_names = {tuple(_name_words(c)) for c in index.characters}
    for tokens in sentences:
        i = 0
        while i < len(tokens):
            m = index.match(tokens, i)
            if m is None:
                i += 1
                continue
            n, name = m
            key = tuple(t.lower() for t in tokens[i : i + n])
            if key not in full_names or any(k in lowercase for k in key):  # a role ("GUARD"), not a name
                i += n
                continue
            for j in (i + n, i - 1):
                if not 0 <= j < len(tokens):
                    continue
                w, ref = tokens[j], tokens[i]
                low = w.lower()
                if len(w) < 2 or not w.isalpha() or low in _STOP_CAPS or low in _TITLES or low in lowercase:
                    continue
                if lemmas(w)[0] - {low}:  # an inflected verb ("GITTES JOINS"), not a name
                    continue
                same_style = (w.isupper() and ref.isupper()) or (j > i and w.istitle() and ref.istitle())
                if same_style and index.match(tokens, j) is None:
                    found.setdefault(w.title(), name)
            i += n
    for alias, name in found.items():
        index.add_alias(alias, name)
    return found


@dataclass
class SceneContext:
    """Who was last named in the scene, for resolving pronouns."""

    groups: list[tuple[str, ...]] = field(default_factory=list)  # named subjects, most recent last
    last_named: str | None = None

    def single(self) -> tuple[str, ...]:
        for g in reversed(self.groups):
            if len(g) == 1:
                return g
        return (self.last_named,) if self.last_named else ()

    def group(self) -> tuple[str, ...]:
        return self.groups[-1] if self.groups else self.single()


@dataclass
class _Mention:
    start: int
    end: int
    names: tuple[str, ...]
    kind: str  # "name", "pronoun", "unnamed", "nobody"


def _mentions(tokens: list[str], index: NameIndex) -> list[_Mention]:
    out, i = [], 0
    while i < len(tokens):
        m = index.match(tokens, i)
        low = tokens[i].lower()
        if m is not None:
            out.append(_Mention(i, i + m[0], (m[1],), "name"))
            i += m[0]
            continue
        if low in _SUBJECT_PRONOUNS:
            out.append(_Mention(i, i + 1, (), "pronoun"))
        elif low in _UNNAMED:
            out.append(_Mention(i, i + 1, (), "unnamed"))
        elif low in _NOBODY or (low == "no" and i + 1 < len(tokens) and tokens[i + 1].lower() == "one"):
            out.append(_Mention(i, i + (2 if low == "no" else 1), (), "nobody"))
        i += 1
    return out


def _groups(mentions: list[_Mention], tokens: list[str]) -> list[list[_Mention]]:
    groups: list[list[_Mention]] = []
    for m in mentions:
        if groups:
            prev = groups[-1][-1]
            between = tokens[prev.end : m.start]
            if between and all(t.lower() in _GROUP_JOINERS for t in between) and m.kind == prev.kind == "name":
                groups[-1].append(m)
                continue
        groups.append([m])
    return groups


def _followed_by_verb(tokens: list[str], end: int, names_at: frozenset[int]) -> bool:
    j = end
    if j < len(tokens) and tokens[j] == "'s":
        return False
    if j < len(tokens) and tokens[j] == ",":  # an appositive: "EILEEN COLLINS, an astronaut, waits"
        close = next((k for k in range(j + 1, min(len(tokens), j + 10)) if tokens[k] == ","), None)
        if close is None:
            return False
        j = close + 1
    while j < len(tokens) and (tokens[j].lower() in _ADVERBS or tokens[j].lower().endswith("ly")):
        j += 1
    return j < len(tokens) and j not in names_at and is_verb_token(tokens, j)


def label_sentence(tokens: list[str], index: NameIndex, lexicon: Lexicon, context: SceneContext) -> SentenceLabels:
    """Names, actions and person-action pairs of one tokenised sentence; updates ``context``."""
    mentions = _mentions(tokens, index)
    names_at = frozenset(k for m in mentions for k in range(m.start, m.end))
    resolved: dict[int, tuple[str, ...]] = {}  # group start -> names
    subject_at: dict[int, tuple[str, tuple[str, ...]]] = {}  # token position -> (kind, names)
    names_seen: list[str] = []
    for group in _groups(mentions, tokens):
        first = group[0]
        if first.kind == "name":
            names = tuple(dict.fromkeys(n for m in group for n in m.names))
        elif first.kind == "pronoun":
            names = context.group() if tokens[first.start].lower() == "they" else context.single()
        else:
            names = ()
        resolved[first.start] = names
        if first.kind in ("name", "pronoun"):
            names_seen.extend(names)
        if _followed_by_verb(tokens, group[-1].end, names_at):
            kind = "named" if names else ("nobody" if first.kind == "nobody" else "unnamed")
            subject_at[first.start] = (kind, names)
            if names:
                context.groups.append(names)
        for n in names:
            context.last_named = n
    matches = {v: (end, ph) for v, end, ph in find_phrases(tokens, lexicon, names_at)}

    subject: tuple[str, tuple[str, ...]] = ("unknown", ())
    last_group: tuple[str, ...] = ()
    clause_start = 0
    actions, pairs, unnamed, negated = [], [], [], []
    for i, tok in enumerate(tokens):
        low = tok.lower()
        if i in resolved:
            last_group = resolved[i]
        if i in subject_at:
            subject = subject_at[i]
        elif low in (";", ":", "--") or low in _SUBORDINATORS:
            subject, clause_start = ("unknown", ()), i + 1
        elif low in ("who", "which") and last_group:
            subject, clause_start = ("named", last_group), i + 1
        elif low in (",", "and", "but") and i + 1 < len(tokens) and tokens[i + 1].lower() in _DETERMINERS:
            subject, clause_start = ("unknown", ()), i + 1
        if i not in matches:
            continue
        action = matches[i][1].action
        window = tokens[max(clause_start, i - 3) : i]
        if any(w.lower() in _NEGATIONS for w in window) or subject[0] == "nobody":
            negated.append(action)
            continue
        actions.append(action)
        if subject[0] == "named":
            pairs.extend((n, action) for n in subject[1])
        else:
            unnamed.append(action)
    return SentenceLabels(
        tuple(dict.fromkeys(names_seen)),
        tuple(dict.fromkeys(actions)),
        tuple(dict.fromkeys(pairs)),
        tuple(dict.fromkeys(unnamed)),
        tuple(dict.fromkeys(negated)),
    )


def alignment_from_json(doc: Mapping, source: str = "<alignment>") -> Alignment:
    """The typed :class:`~scriptalign.alignment.Alignment` of a ``scriptalign.alignment/1`` document,
    checked against the published schema first (the JSON edge; ``source`` names it in errors).

    What the JSON does not hold stays at its default: the file line numbers of cue lines (0), the
    word counts of elements (0), the subtitles' encoding and format."""
    from scriptalign.alignment import AlignedElement, AlignedLine, Alignment
    from scriptalign.cues import Cue, CueLine, Subtitles
    from scriptalign.jsonfile import validate
    from scriptalign.screenplay.elements import Script, ScriptElement

    validate(doc, "alignment", source, expected="the output of scriptalign align")
    script = tuple(ScriptElement(e["id"], ElementKind(e["kind"]), e["text"], e["line_start"], e["line_end"],
                                 e.get("speaker")) for e in doc["elements"])
    elements = tuple(AlignedElement(el, e["start"], e["end"], e.get("score"), tuple(e.get("cues", ())),
                                    e.get("interpolated", False), confidence=e.get("confidence"))
                     for el, e in zip(script, doc["elements"]))
    cues = doc.get("cues", [])
    subtitles = Subtitles(tuple(Cue(c["index"], float(c["start"]), float(c["end"]),
                                    tuple(CueLine(ln["text"], ln["text"], 0, ln["speaker"]) for ln in c["lines"]), 0)
                                for c in cues), doc.get("subtitles"))
    lines = tuple(tuple(AlignedLine(c["index"], 0, ln["text"], ln["element"], ln["speaker"]) for ln in c["lines"])
                  for c in cues)
    return Alignment(subtitles, Script(script, doc.get("script")), elements, lines, doc.get("min_score", 0.0),
                     doc.get("min_confidence", 0.0))


def typed_alignment(alignment: Alignment | Mapping, source: str = "<alignment>") -> Alignment:
    """``alignment`` as is when typed, else read from its JSON by :func:`alignment_from_json`."""
    from scriptalign.alignment import Alignment

    return alignment if isinstance(alignment, Alignment) else alignment_from_json(alignment, source)


def scene_numbers(elements: Sequence[AlignedElement]) -> dict[int, int | None]:
    """Per element id, the 0-based number of the scene it is in (None before the first heading)."""
    out: dict[int, int | None] = {}
    scene: int | None = None
    for a in elements:
        if a.element.kind is ElementKind.SCENE_HEADING:
            scene = 0 if scene is None else scene + 1
        out[a.element.id] = scene
    return out


def alias_sources(elements: Sequence[AlignedElement]) -> tuple[list[list[str]], set[str]]:
    """Tokenised description sentences, and every word the script writes in lower case."""
    sentences = [tokenize(s) for a in elements if a.element.kind is ElementKind.ACTION
                 for s in split_sentences(a.element.text)]
    lowercase = {t for a in elements if a.element.kind in (ElementKind.ACTION, ElementKind.DIALOGUE)
                 for t in tokenize(a.element.text) if t.islower()}
    return sentences, lowercase


def characters_of(elements: Sequence[AlignedElement]) -> list[str]:
    """Character names from the script's cues and dialogue, in order of first appearance."""
    return list(dict.fromkeys(a.element.speaker for a in elements
                              if a.element.kind in (ElementKind.CHARACTER, ElementKind.DIALOGUE)
                              and a.element.speaker))


def weak_labels(
    alignment: Alignment | Mapping,
    lexicon: Lexicon | str | Path | None = None,
    *,
    margin: float = DEFAULT_MARGIN,
    speaker_bags: bool = False,
    aliases: Mapping[str, str] | None = None,
    source: str = "<alignment>",
) -> list[Bag]:
    """Bags from an alignment (an :class:`~scriptalign.alignment.Alignment`, or the JSON of
    ``scriptalign align``, which is checked against its schema; ``source`` names it in errors), in
    script order.

    ``lexicon``: a :class:`Lexicon`, a path to one, or ``None`` for the bundled one. ``margin``
    widens each span on both sides (seconds). ``speaker_bags`` adds one bag per dialogue turn that
    was matched to subtitles ("the speaker appears"; :func:`scriptalign.speakers.speaker_bags` with
    unit ``"turn"``). ``aliases`` maps extra names to cue names.
    Sentences that name nobody and no action give no bag.
    """
    from scriptalign.speakers import speaker_bags as make_speaker_bags

    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin}")
    alignment = typed_alignment(alignment, source)
    elements = alignment.elements
    if lexicon is None:
        lexicon = Lexicon.default()
    elif not isinstance(lexicon, Lexicon):
        lexicon = Lexicon.load(lexicon)
    index = NameIndex(characters_of(elements), aliases)
    sentences, lowercase = alias_sources(elements)
    learn_aliases(sentences, index, lowercase)

    bags: list[Bag] = []
    scene_of = scene_numbers(elements)
    context = SceneContext()
    for a in elements:
        e = a.element
        if e.kind is ElementKind.SCENE_HEADING:
            context = SceneContext()
            continue
        if e.kind is not ElementKind.ACTION or a.start is None or a.end is None:
            continue
        start, end = float(a.start), float(a.end)
        sentences = split_sentences(e.text)
        total = sum(len(s) for s in sentences) or 1
        acc = 0
        for s in sentences:
            s0 = start + (end - start) * acc / total
            acc += len(s)
            s1 = start + (end - start) * acc / total
            lab = label_sentence(tokenize(s), index, lexicon, context)
            if not lab.names and not lab.actions:
                continue
            bags.append(Bag(len(bags), "description", max(0.0, s0 - margin), s1 + margin, lab.names,
                            lab.actions, lab.pairs, s, e.id, e.line_start, e.line_end, scene_of[e.id],
                            lab.unnamed_actions, lab.negated))
    if speaker_bags:  # in script order among the description bags, numbered again
        position = {a.element.id: k for k, a in enumerate(elements)}
        merged = sorted(bags + make_speaker_bags(alignment, unit="turn", margin=margin),
                        key=lambda b: position[b.element])
        bags = [replace(b, id=k) for k, b in enumerate(merged)]
    return bags


def labels_json(bags: list[Bag], alignment: Alignment | Mapping, lexicon: Lexicon | None = None, *,
                margin: float = DEFAULT_MARGIN, aliases: Mapping[str, str] | None = None) -> dict:
    """The documented JSON form of bags (``schema`` ``scriptalign.labels/1``); ``lexicon`` is the one
    the bags were made with (default: the bundled one), named in the document."""
    lexicon = lexicon or Lexicon.default()
    alignment = typed_alignment(alignment)
    elements = alignment.elements
    files = {"subtitles": alignment.subtitles.path, "script": alignment.script.path}
    index = NameIndex(characters_of(elements), aliases)
    sentences, lowercase = alias_sources(elements)
    learned = learn_aliases(sentences, index, lowercase)
    return {
        "schema": SCHEMA,
        "alignment": files,
        "lexicon": lexicon.source,
        "actions": list(lexicon.actions),
        "margin": margin,
        "characters": index.characters,
        "aliases": {**dict(aliases or {}), **learned},
        "counts": {
            "bags": len(bags),
            "description": sum(b.kind == "description" for b in bags),
            "speaker": sum(b.kind == "speaker" for b in bags),
            "with_actions": sum(bool(b.actions) for b in bags),
            "pairs": sum(len(b.pairs) for b in bags),
        },
        "bags": [b.to_json() for b in bags],
    }


def read_alignment(path: str | Path) -> dict:
    """Read an alignment JSON file; InputError naming the file and line when it is not one."""
    from scriptalign.jsonfile import read_json

    return read_json(path, expected="the output of scriptalign align", schema="alignment")
