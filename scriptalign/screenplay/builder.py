"""Collects script elements in reading order: ids 0..N-1, the scene index, action sentences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from scriptalign.screenplay.elements import ElementKind, Script, ScriptElement
from scriptalign.screenplay.sentences import join_lines, sentence_spans


class ElementBuilder:
    """Append elements as a reader meets them; ``build`` returns the immutable Script."""

    def __init__(self) -> None:
        self.elements: list[ScriptElement] = []
        self.warnings: list[str] = []
        self._scene: int | None = None

    def add(
        self,
        kind: ElementKind,
        text: str,
        line_start: int,
        line_end: int | None = None,
        speaker: str | None = None,
        extension: str | None = None,
        *,
        clean: bool = False,
    ) -> ScriptElement:
        """Append one element; ``clean=True`` when ``text`` already has single spaces and no ends."""
        if kind is ElementKind.SCENE_HEADING:
            self._scene = 0 if self._scene is None else self._scene + 1
        element = ScriptElement(
            len(self.elements),
            kind,
            text if clean else " ".join(text.split()),
            line_start,
            line_start if line_end is None else line_end,
            speaker,
            extension,
            self._scene,
        )
        self.elements.append(element)
        return element

    def add_action(self, lines: Sequence[tuple[int, str]]) -> None:
        """One ACTION element per sentence of a paragraph given as ``(line number, text)`` pairs."""
        for text, start, end in sentence_spans(lines):
            self.add(ElementKind.ACTION, text, start, end, clean=True)

    def add_dialogue(self, lines: Sequence[tuple[int, str]], speaker: str | None) -> None:
        """One DIALOGUE element for consecutive dialogue lines, their text joined with spaces."""
        text = join_lines([t for _, t in lines])
        if text:
            self.add(ElementKind.DIALOGUE, text, lines[0][0], lines[-1][0], speaker=speaker, clean=True)

    def mark_dual(self, first: int) -> None:
        """Mark the dialogue block from element ``first`` on, and the block just before it, as a dual pair."""
        for p in range(first, len(self.elements)):
            self.update(p, dual=True)
        p = first - 1
        talk = (ElementKind.DIALOGUE, ElementKind.PARENTHETICAL)
        while p >= 0 and self.elements[p].kind in talk:
            self.update(p, dual=True)
            p -= 1
        if p >= 0 and p < first - 1 and self.elements[p].kind is ElementKind.CHARACTER:
            self.update(p, dual=True)

    def update(self, index: int, **changes) -> None:
        self.elements[index] = replace(self.elements[index], **changes)

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def build(self, path: str | None, fmt: str) -> Script:
        return Script(tuple(self.elements), path=path, format=fmt, warnings=tuple(self.warnings))
