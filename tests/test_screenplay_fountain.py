"""Fountain screenplays: the syntax elements of fountain.io on a small fixture."""

from __future__ import annotations

import pytest

from scriptalign import ElementKind, ScriptError, read_script

K = ElementKind


def rows(script):
    return [(e.kind, e.text, e.line_start, e.line_end, e.speaker, e.extension, e.scene) for e in script]


def test_small_fountain_exact(test_data):
    script = read_script(test_data / "scripts" / "fountain_small.fountain")
    assert script.format == "fountain"
    assert [e.id for e in script] == list(range(len(script)))
    assert rows(script) == [
        # title page skipped; "FADE IN:" is action in Fountain (only "... TO:" is a transition)
        (K.ACTION, "FADE IN:", 6, 6, None, None, None),
        (K.SCENE_HEADING, "INT. KITCHEN - DAY", 8, 8, None, None, 0),  # "#1#" scene number dropped
        (K.ACTION, "Anna cooks dinner.", 10, 10, None, None, 0),  # emphasis markers dropped
        (K.ACTION, "Mr. Lee watches.", 10, 10, None, None, 0),
        (K.ACTION, "She hums.", 13, 13, None, None, 0),  # boneyard and [[note]] removed
        (K.CHARACTER, "ANNA", 15, 15, "ANNA", None, 0),
        (K.PARENTHETICAL, "(to Ben)", 16, 16, "ANNA", None, 0),
        (K.DIALOGUE, "Where is everyone? Hello?", 17, 19, "ANNA", None, 0),  # "  " line keeps the speech
        (K.CHARACTER, "BEN (O.S.)", 21, 21, "BEN", "O.S.", 0),
        (K.DIALOGUE, "Upstairs!", 22, 22, "BEN", None, 0),
        (K.CHARACTER, "ANNA", 24, 24, "ANNA", None, 0),  # dual dialogue caret dropped
        (K.DIALOGUE, "Come down.", 25, 25, "ANNA", None, 0),
        (K.CHARACTER, "McCLANE", 27, 27, "McCLANE", None, 0),  # forced with @
        (K.DIALOGUE, "Yippee-ki-yay.", 28, 28, "McCLANE", None, 0),
        (K.ACTION, "SILENCE FALLS.", 30, 30, None, None, 0),  # forced action with !
        (K.SCENE_HEADING, "FLASHBACK", 32, 32, None, None, 1),  # forced heading with .
        (K.ACTION, "THE END", 34, 34, None, None, 1),  # centred text
        (K.TRANSITION, "BURN TO WHITE.", 36, 36, None, None, 1),  # forced transition with >
        # section (#), synopsis (=) and page break (===) are not script text
        (K.SCENE_HEADING, "EXT. GARDEN - NIGHT", 44, 44, None, None, 2),
        (K.TRANSITION, "CUT TO:", 46, 46, None, None, 2),
        (K.ACTION, "Sing a song", 48, 48, None, None, 2),  # lyrics
        (K.CHARACTER, "ANNA", 50, 50, "ANNA", None, 2),
        (K.PARENTHETICAL, "(whispering, very quietly)", 51, 52, "ANNA", None, 2),
        (K.DIALOGUE, "Goodnight. *Really*.", 53, 53, "ANNA", None, 2),  # escaped asterisks kept
    ]


def test_fountain_detected_from_content_without_extension(test_data):
    text = (test_data / "scripts" / "fountain_small.fountain").read_text(encoding="utf-8")
    assert read_script("script.txt", text=text).format == "fountain"
    assert read_script(text="EXT. BEACH - DAY\n\nWaves.\n\nBOB\nHi there.\n").format == "fountain"


def test_fountain_without_dialogue_is_read():
    script = read_script("a.fountain", text="EXT. BEACH - DAY\n\nWaves roll in.\n")
    assert [(e.kind.value, e.text) for e in script] == [
        ("scene_heading", "EXT. BEACH - DAY"),
        ("action", "Waves roll in."),
    ]
    assert script.dialogue == ()


def test_fade_in_first_line_is_not_a_title_page():
    script = read_script("a.fountain", text="FADE IN:\n\nEXT. BEACH - DAY\n\nBOB\nHi.\n")
    assert [(e.kind, e.text, e.line_start) for e in script] == [
        (K.ACTION, "FADE IN:", 1),
        (K.SCENE_HEADING, "EXT. BEACH - DAY", 3),
        (K.CHARACTER, "BOB", 5),
        (K.DIALOGUE, "Hi.", 6),
    ]


# --- Fountain 1.1 syntax rules, one test each ---------------------------------------------------------


def _kinds(text: str) -> list[tuple[str, str]]:
    return [(e.kind.value, e.text) for e in read_script("spec.fountain", text=text)]


@pytest.mark.parametrize("brk", ["===", "====", "==========", "  ===  "])
def test_page_break_is_three_or_more_equals(brk):
    assert _kinds(f"BOB\nHi.\n\n{brk}\n\nRain.\n") == [("character", "BOB"), ("dialogue", "Hi."), ("action", "Rain.")]


def test_synopsis_lines_are_not_text():
    assert _kinds("= The heist goes wrong.\n\nRain.\n") == [("action", "Rain.")]


def test_note_spanning_an_empty_line_is_not_a_note():
    assert _kinds("Rain [[a note\n\nstill]] falls.\n") == [("action", "Rain [[a note"), ("action", "still]] falls.")]


def test_note_with_a_two_space_line_is_a_note_and_keeps_the_speech_whole():
    script = read_script("spec.fountain", text="BOB\nHi [[note\n  \nstill note]] there.\n")
    assert [(e.kind.value, e.text, e.line_start, e.line_end) for e in script] == [
        ("character", "BOB", 1, 1),
        ("dialogue", "Hi there.", 2, 4),
    ]


@pytest.mark.parametrize(
    "line", ["INT. HOUSE - DAY", "EXT HOUSE", "est. city", "INT./EXT. CAR", "INT/EXT CAR", "I/E. CAR", "int house"]
)
def test_listed_scene_heading_prefixes(line):
    assert _kinds(f"{line}\n\nRain.\n")[0] == ("scene_heading", line)


@pytest.mark.parametrize("line", ["EXT/INT HOUSE", "INTERIOR HOUSE - DAY", "EXTERIOR. YARD", "ESTATE SALE", "I/EX CAR"])
def test_other_prefixes_are_not_scene_headings(line):
    got = _kinds(f"{line}\n\nRain.\n")
    assert {kind for kind, _ in got} == {"action"}  # action, split into sentences
    assert " ".join(text for _, text in got) == f"{line} Rain."


def test_forced_heading_needs_a_letter_or_digit_after_the_period():
    assert _kinds("\n.FLASHBACK\n\nRain.\n")[0] == ("scene_heading", "FLASHBACK")
    assert _kinds("\n.5 PM\n\nRain.\n")[0] == ("scene_heading", "5 PM")
    assert _kinds("\n...and then silence.\n\nRain.\n")[0] == ("action", "...and then silence.")
    assert {kind for kind, _ in _kinds("\n. HOUSE\n\nRain.\n")} == {"action"}


def test_lyrics_lines_lose_their_marker():
    assert _kinds("~Willy Wonka, the chocolate man!\n\nRain.\n")[0] == ("action", "Willy Wonka, the chocolate man!")
    assert _kinds("ANN\n~La la la\n~Tra la\n") == [("character", "ANN"), ("dialogue", "La la la Tra la")]


def test_transition_followed_by_spaces():
    assert _kinds("BOB\nHi.\n\nCUT TO:   \n\nEXT. YARD - DAY\n") == [
        ("character", "BOB"),
        ("dialogue", "Hi."),
        ("transition", "CUT TO:"),
        ("scene_heading", "EXT. YARD - DAY"),
    ]
    assert _kinds("BOB\nHi.\n\nCUT TO:\t \n  \nEXT. YARD - DAY\n")[2] == ("transition", "CUT TO:")


def test_boneyard_is_removed_even_across_blank_lines_and_keeps_line_numbers():
    script = read_script("spec.fountain", text="/* cut:\n\nBOB\nGone.\n*/\nANN\nStays.\n")
    assert [(e.kind.value, e.text, e.line_start) for e in script] == [("character", "ANN", 6), ("dialogue", "Stays.", 7)]


def test_dual_dialogue_is_kept_as_a_field():
    script = read_script("spec.fountain", text="BRICK\nScrew retirement.\n\nSTEEL ^\nScrew retirement.\n\nANN\nYo.\n")
    assert [(e.kind.value, e.speaker, e.dual) for e in script] == [
        ("character", "BRICK", True),
        ("dialogue", "BRICK", True),
        ("character", "STEEL", True),
        ("dialogue", "STEEL", True),
        ("character", "ANN", False),
        ("dialogue", "ANN", False),
    ]
