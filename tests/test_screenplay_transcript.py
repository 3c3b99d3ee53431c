"""TV fan transcripts: turns, scene lines, stage directions, inline parentheticals."""

from __future__ import annotations

import pytest

from scriptalign import ElementKind, ScriptError, read_script

K = ElementKind


def rows(script):
    return [(e.kind, e.text, e.line_start, e.line_end, e.speaker, e.extension, e.scene) for e in script]


def test_small_transcript_exact(test_data):
    script = read_script(test_data / "scripts" / "transcript_small.txt")
    assert script.format == "transcript"
    assert [e.id for e in script] == list(range(len(script)))
    assert rows(script) == [
        (K.SCENE_HEADING, "A corridor at a sperm bank.", 1, 1, None, None, 0),
        (K.CHARACTER, "Sheldon", 3, 3, "Sheldon", None, 0),
        (
            K.DIALOGUE,
            "So if a photon is directed through a plane with two slits in it...",
            3,
            3,
            "Sheldon",
            None,
            0,
        ),
        (K.CHARACTER, "Leonard", 5, 5, "Leonard", None, 0),
        (K.DIALOGUE, "Agreed, what's your point?", 5, 5, "Leonard", None, 0),
        (K.ACTION, "Penny enters.", 7, 7, None, None, 0),
        (K.ACTION, "She waves.", 7, 7, None, None, 0),
        (K.CHARACTER, "Penny", 9, 9, "Penny", None, 0),
        (K.PARENTHETICAL, "(to Leonard)", 9, 9, "Penny", None, 0),
        (K.DIALOGUE, "Hi.", 9, 9, "Penny", None, 0),
        (K.PARENTHETICAL, "(Sits down)", 9, 9, "Penny", None, 0),
        (K.DIALOGUE, "I'm Penny.", 9, 9, "Penny", None, 0),
        (K.CHARACTER, "Howard", 11, 11, "Howard", "V.O.", 0),
        (K.DIALOGUE, "Hello, ladies.", 11, 12, "Howard", None, 0),
        (K.CHARACTER, "All@", 14, 14, "All@", None, 0),
        (K.DIALOGUE, "Damn!", 14, 14, "All@", None, 0),
        (K.SCENE_HEADING, "The stairwell.", 16, 16, None, None, 1),
        (K.CHARACTER, "Raj", 18, 18, "Raj", None, 1),
        (K.PARENTHETICAL, "(whispering)", 18, 18, "Raj", None, 1),
        (K.DIALOGUE, "She is so hot.", 18, 18, "Raj", None, 1),
        (K.ACTION, "Credits sequence.", 20, 20, None, None, 1),
    ]
    assert script.characters == ("Sheldon", "Leonard", "Penny", "Howard", "All@", "Raj")


def test_transcript_from_text_and_override():
    text = "Leonard: Hi.\nPenny: Hello there.\nno colon here\n"
    script = read_script(text=text)
    assert script.format == "transcript"
    # a line without a name, right after a turn, continues it
    assert [(e.speaker, e.text, e.line_start, e.line_end) for e in script.dialogue] == [
        ("Leonard", "Hi.", 1, 1),
        ("Penny", "Hello there. no colon here", 2, 3),
    ]
    assert read_script(text=text, format="transcript").format == "transcript"


def test_transcript_without_turns_is_read():
    script = read_script("x.txt", format="transcript", text="[Scene: nothing]\n(silence)\n")
    assert script.dialogue == ()
    assert len(script) >= 1


@pytest.mark.shared_data
def test_bbt_transcripts_every_line_is_a_turn(shared_data):
    for path in sorted((shared_data / "tv").glob("*.transcript.txt")):
        script = read_script(path)
        assert script.format == "transcript"
        lines = path.read_text(encoding="utf-8").splitlines()
        expected = [(n, line.split(":", 1)[0]) for n, line in enumerate(lines, 1) if line.strip()]
        assert [(e.line_start, e.speaker) for e in script.dialogue] == expected, path.name


def test_unbracketed_scene_lines():
    script = read_script(
        text="Scene: The apartment.\n\nSheldon: Hi.\nLeonard: Hello.\n\nScene: The stairs.\nPenny: Hey.\n"
    )
    assert [(e.kind, e.text, e.line_start, e.scene) for e in script] == [
        (K.SCENE_HEADING, "The apartment.", 1, 0),
        (K.CHARACTER, "Sheldon", 3, 0),
        (K.DIALOGUE, "Hi.", 3, 0),
        (K.CHARACTER, "Leonard", 4, 0),
        (K.DIALOGUE, "Hello.", 4, 0),
        (K.SCENE_HEADING, "The stairs.", 6, 1),
        (K.CHARACTER, "Penny", 7, 1),
        (K.DIALOGUE, "Hey.", 7, 1),
    ]
