"""Final Draft FDX screenplays (XML): ``<Paragraph Type="...">`` elements holding ``<Text>`` runs.

Read with expat, which reports the source line of each element (ElementTree does not). A DOCTYPE
with declarations in it, and any entity declaration, is refused, so no entity expansion can
happen; expat never fetches an external DTD. Only
the script body counts (``FinalDraft/Content``, including ``DualDialogue`` pairs), not the title page.
"""

from __future__ import annotations

from xml.parsers import expat

from scriptalign.errors import ScriptError
from scriptalign.screenplay.builder import ElementBuilder
from scriptalign.screenplay.elements import ElementKind, Script
from scriptalign.screenplay.names import split_cue

_KINDS = {
    "Scene Heading": ElementKind.SCENE_HEADING,
    "Shot": ElementKind.SCENE_HEADING,
    "Action": ElementKind.ACTION,
    "General": ElementKind.ACTION,
    "Character": ElementKind.CHARACTER,
    "Parenthetical": ElementKind.PARENTHETICAL,
    "Dialogue": ElementKind.DIALOGUE,
    "Transition": ElementKind.TRANSITION,
}


class _Refused(Exception):
    def __init__(self, what: str, line: int) -> None:
        super().__init__(what)
        self.what = what
        self.line = line


def _paragraphs(data: bytes | str) -> tuple[str | None, list[tuple[str, str, int, int, bool]]]:
    """The root tag and ``(type, text, line_start, line_end, in a DualDialogue)`` per body paragraph."""
    parser = expat.ParserCreate()
    stack: list[str] = []
    out: list[tuple[str, str, int, int, bool]] = []
    current: dict | None = None
    root: list[str] = []

    def refuse_doctype(_name, _system_id, _public_id, has_internal_subset) -> None:
        # a bare <!DOCTYPE FinalDraft> is harmless (expat fetches nothing); declarations are not
        if has_internal_subset:
            raise _Refused("DOCTYPE declaration with an internal subset", parser.CurrentLineNumber)

    def refuse_entity(*_args) -> None:
        raise _Refused("entity declaration", parser.CurrentLineNumber)

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal current
        if not stack:
            root.append(name)
        stack.append(name)
        if name == "DualDialogue":
            current = None  # the enclosing Paragraph only holds the pair: read the inner ones
        elif name == "Paragraph" and current is None and _in_body(stack):
            current = {
                "type": attrs.get("Type", "Action"),
                "text": [],
                "line": parser.CurrentLineNumber,
                "depth": len(stack),
            }
        elif name == "Text" and current is not None and len(stack) == current["depth"] + 1:
            current["in_text"] = True

    def end(name: str) -> None:
        nonlocal current
        if current is not None:
            if name == "Text" and len(stack) == current["depth"] + 1:
                current["in_text"] = False
            elif name == "Paragraph" and len(stack) == current["depth"]:
                out.append(
                    (
                        current["type"],
                        "".join(current["text"]),
                        current["line"],
                        parser.CurrentLineNumber,
                        "DualDialogue" in stack,
                    )
                )
                current = None
        stack.pop()

    def chars(data: str) -> None:
        if current is not None and current.get("in_text"):
            current["text"].append(data)

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_entity
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.Parse(data, True)
    return (root[0] if root else None), out


def _in_body(stack: list[str]) -> bool:
    # FinalDraft/Content/Paragraph or FinalDraft/Content/Paragraph/DualDialogue/Paragraph
    return (
        len(stack) >= 3
        and stack[0] == "FinalDraft"
        and stack[1] == "Content"
        and all(tag in ("Paragraph", "DualDialogue") for tag in stack[2:])
    )


def parse_fdx(data: bytes | str, path: str | None = None) -> Script:
    """Read a Final Draft FDX document (bytes or text)."""
    try:
        root, paragraphs = _paragraphs(data)
    except _Refused as err:
        raise ScriptError(
            f"{err.what} refused", path, err.line, expected="a Final Draft XML file without entity declarations"
        ) from None
    except expat.ExpatError as err:
        raise ScriptError(
            f"malformed XML ({expat.ErrorString(err.code)})",
            path,
            err.lineno,
            expected="a Final Draft XML file",
        ) from None
    except LookupError as err:  # an encoding declared in the XML that Python does not know
        raise ScriptError(
            f"unknown encoding declared in the XML ({err})", path, 1, expected="a Final Draft XML file in UTF-8"
        ) from None
    except (ValueError, UnicodeError) as err:
        raise ScriptError(f"unreadable XML ({err})", path, 1, expected="a Final Draft XML file") from None
    if root != "FinalDraft":
        raise ScriptError(f"XML root is <{root}>", path, 1, expected="a Final Draft file (root <FinalDraft>)")

    b = ElementBuilder()
    speaker: str | None = None
    speech: list[tuple[int, int, str]] = []

    dual_speech = False

    def flush_speech() -> None:
        if speech:
            b.add(
                ElementKind.DIALOGUE,
                " ".join(t for _, _, t in speech),
                speech[0][0],
                speech[-1][1],
                speaker=speaker,
            )
            if dual_speech:
                b.update(len(b.elements) - 1, dual=True)
            speech.clear()

    for ptype, text, start, end, dual in paragraphs:
        text = " ".join(text.split())
        if not text:
            continue
        kind = _KINDS.get(ptype, ElementKind.ACTION)
        if kind is ElementKind.DIALOGUE and speaker is not None:
            speech.append((start, end, text))
            dual_speech = dual_speech or dual
            continue
        flush_speech()
        dual_speech = False
        first = len(b.elements)
        if kind is ElementKind.CHARACTER:
            speaker, extension = split_cue(text)
            b.add(kind, text, start, end, speaker=speaker, extension=extension)
        elif kind is ElementKind.PARENTHETICAL and speaker is not None:
            b.add(kind, text, start, end, speaker=speaker)
        elif kind in (ElementKind.ACTION, ElementKind.DIALOGUE, ElementKind.PARENTHETICAL):
            speaker = None
            for s in _sentences(text, start, end):
                b.add(ElementKind.ACTION, s, start, end)
        else:
            speaker = None
            b.add(kind, text, start, end)
        if dual and kind in (ElementKind.CHARACTER, ElementKind.PARENTHETICAL):
            for p in range(first, len(b.elements)):
                b.update(p, dual=True)
    flush_speech()

    return b.build(path, "fdx")  # a script without dialogue is read; only align() needs dialogue


def _sentences(text: str, start: int, end: int) -> list[str]:
    from scriptalign.screenplay.sentences import split_sentences

    return [s.text for s in split_sentences([(start, text)])]
