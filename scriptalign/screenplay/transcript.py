"""TV fan transcripts: ``Name: utterance`` turns, ``[Scene: ...]`` lines, ``(stage direction)`` lines.

Each turn gives a CHARACTER element (the name as written) and one DIALOGUE element per stretch of
speech; an inline ``(direction)`` inside a turn becomes a PARENTHETICAL that splits the speech.
A line that continues a turn without a blank line in between belongs to that turn.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from scriptalign.screenplay.builder import ElementBuilder
from scriptalign.screenplay.elements import ElementKind, Script
from scriptalign.screenplay.names import is_known_extension, normalise_extension

# "Name: text" or "Name (direction): text"; a name starts with a letter, has at most four words
# and no sentence punctuation.
# Matched on the text before the first colon only, so a long line costs no backtracking.
_NAME = re.compile(r"\s*([^\W\d_][^:\[\](){}<>?!,;\"]{0,39}?)\s*(?:\(([^()]{0,60})\))?\s*")
_MAX_PREFIX = 110
_BRACKET = re.compile(r"^\s*\[(.*)\]\s*$")
_PAREN_LINE = re.compile(r"^\s*\((.*)\)\s*$")
_SCENE = re.compile(r"^\s*scene\s*:\s*", re.IGNORECASE)
_INLINE_PAREN = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


def match_turn(line: str) -> tuple[str, str | None, str] | None:
    """``(name, parenthetical or None, utterance)`` when the line starts a ``Name: text`` turn."""
    colon = line.find(":", 0, _MAX_PREFIX)
    if colon < 0:
        return None
    rest = line[colon + 1 :]
    if rest and not rest[0].isspace():
        return None  # "10:30", "http://"
    m = _NAME.fullmatch(line, 0, colon)
    if m is None:
        return None
    name = m.group(1).strip()
    if len(name.split()) > 4 or name.endswith("."):
        return None
    return name, m.group(2), rest.strip()


def looks_like_transcript(lines: Sequence[str]) -> bool:
    """True when most non-blank lines that are not directions are ``Name: text`` turns.

    For detection the names must be capitalised, so that a lower-case ``key: value`` file (YAML,
    configuration) is not taken for a conversation; ``format="transcript"`` accepts any name.
    """
    turns = other = 0
    for line in lines:
        if not line.strip() or _BRACKET.match(line) or _PAREN_LINE.match(line):
            continue
        turn = match_turn(line)
        if turn is not None and turn[0][0].isupper():
            turns += 1
        else:
            other += 1
            if other > turns + 50:
                break  # clearly not a transcript; no need to read on
    return turns >= 2 and turns >= other


class _Turn:
    def __init__(self, name: str, extension: str | None) -> None:
        self.name = name
        self.extension = extension
        self.speech: list[tuple[int, str]] = []


def parse_transcript(lines: Sequence[str], path: str | None = None) -> Script:
    """Read a fan transcript given as its lines (index 0 is line 1)."""
    b = ElementBuilder()
    turn: _Turn | None = None
    action: list[tuple[int, str]] = []

    def flush_speech() -> None:
        if turn is not None and turn.speech:
            b.add_dialogue(turn.speech, turn.name)
            turn.speech = []

    def flush() -> None:
        nonlocal turn
        flush_speech()
        turn = None
        if action:
            b.add_action(action)
            action.clear()

    def add_utterance(number: int, text: str) -> None:
        assert turn is not None
        pos = 0
        for m in _INLINE_PAREN.finditer(text):
            before = text[pos : m.start()].strip()
            if before:
                turn.speech.append((number, before))
            flush_speech()
            b.add(ElementKind.PARENTHETICAL, m.group(0), number, speaker=turn.name)
            pos = m.end()
        rest = text[pos:].strip()
        if rest:
            turn.speech.append((number, rest))

    for number, line in enumerate(lines, start=1):
        if not line.strip():
            flush()
            continue
        bracket = _BRACKET.match(line)
        if bracket is not None:
            flush()
            inner = bracket.group(1).strip()
            if _SCENE.match(inner):
                b.add(ElementKind.SCENE_HEADING, _SCENE.sub("", inner, count=1) or inner, number)
            elif inner:
                b.add_action([(number, inner)])
            continue
        paren = _PAREN_LINE.match(line)
        if paren is not None and turn is None:
            flush()
            b.add_action([(number, paren.group(1))])
            continue
        m = match_turn(line)
        if m is not None and m[0].lower() == "scene" and m[1] is None:
            flush()  # "Scene: The apartment." without brackets, as many transcript sites write it
            b.add(ElementKind.SCENE_HEADING, m[2] or "Scene", number)
            continue
        if m is not None:
            flush()
            name, direction, utterance = m
            extension = None
            if direction is not None and is_known_extension(direction):
                extension = normalise_extension(direction)
                direction = None
            b.add(ElementKind.CHARACTER, name, number, speaker=name, extension=extension)
            turn = _Turn(name, extension)
            if direction is not None:
                b.add(ElementKind.PARENTHETICAL, f"({direction.strip()})", number, speaker=name)
            add_utterance(number, utterance)
            continue
        if turn is not None:
            add_utterance(number, line)
        else:
            action.append((number, line))
    flush()

    return b.build(path, "transcript")  # a script without dialogue is read; only align() needs dialogue
