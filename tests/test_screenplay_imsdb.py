"""IMSDb-style plain-text screenplays: columns measured per file, page breaks, headings, real films."""

from __future__ import annotations

import json

import pytest

from scriptalign import ElementKind, ScriptError, read_script
from scriptalign.screenplay.imsdb import Columns, detect_columns
from scriptalign.screenplay.source import split_lines

K = ElementKind


def rows(script):
    return [(e.kind, e.text, e.line_start, e.line_end, e.speaker, e.extension, e.scene) for e in script]


def test_small_script_exact(test_data):
    path = test_data / "scripts" / "imsdb_small.txt"
    assert b"\r\n" in path.read_bytes()  # the fixture is CRLF, with a mojibake apostrophe
    script = read_script(path)
    assert script.format == "imsdb"
    assert [e.id for e in script] == list(range(len(script)))
    assert rows(script) == [
        # the title page ("THE TEST", by, A. WRITER) is dropped
        (K.TRANSITION, "FADE IN:", 7, 7, None, None, None),
        (K.SCENE_HEADING, "INT. GITTES' OFFICE - DAY", 9, 9, None, None, 0),  # scene numbers stripped
        (K.ACTION, "Mr. Gittes sits.", 11, 11, None, None, 0),
        (K.ACTION, "He reads the L.A. Times... slowly.", 11, 11, None, None, 0),
        (K.ACTION, "J. J. Gittes is bored.", 11, 12, None, None, 0),
        (K.ACTION, "A fan turns.", 12, 12, None, None, 0),
        (K.CHARACTER, "GITTES", 14, 14, "GITTES", None, 0),
        (K.DIALOGUE, "You can't eat the blinds, Curly.", 15, 16, "GITTES", None, 0),
        (K.PARENTHETICAL, "(beat)", 17, 17, "GITTES", None, 0),
        (K.DIALOGUE, "I just had 'em installed.", 18, 18, "GITTES", None, 0),
        (K.CHARACTER, "CURLY (V.O.)", 20, 20, "CURLY", "V.O.", 0),
        (K.PARENTHETICAL, "(crying out, sobbing)", 21, 22, "CURLY", None, 0),
        (K.DIALOGUE, "Oh, no.", 23, 23, "CURLY", None, 0),
        (K.SCENE_HEADING, "CLOSE ON THE DESK", 25, 25, None, None, 1),  # un-prefixed heading
        (K.ACTION, "A drop plunks on the desk.", 27, 27, None, None, 1),  # revision asterisks dropped
        (K.ACTION, "Walsh waits.", 28, 28, None, None, 1),
        (K.CHARACTER, "GITTES", 30, 30, "GITTES", None, 1),
        # (MORE), the page number and the repeated "GITTES (CONT'D)" cue: one speech
        (
            K.DIALOGUE,
            "This is a long speech that runs over the page. And it goes on here.",
            31,
            37,
            "GITTES",
            None,
            1,
        ),
        (K.TRANSITION, "CUT TO:", 39, 39, None, None, 1),
        (K.SCENE_HEADING, "EXT. STREET - NIGHT", 41, 41, None, None, 2),
        (K.CHARACTER, "WALSH", 43, 44, "WALSH", "CONT'D", 2),  # "(CONT'D)" on its own line
        (K.DIALOGUE, "It's hot.", 45, 45, "WALSH", None, 2),  # mojibake repaired
        (K.ACTION, "PRAGUE", 47, 47, None, None, 2),  # a centred legend, not a cue
        (K.ACTION, "The street is empty.", 49, 49, None, None, 2),
        (K.TRANSITION, "THE END", 51, 51, None, None, 2),
    ]
    assert script.warnings == ()


def _script(*lines: str) -> str:
    return "\n".join(lines) + "\n"


OTHER_COLUMNS = _script(
    "INT. KITCHEN - DAY",
    "",
    "Anna cooks.",
    "",
    "\t\tANNA",
    "\tWhere is",
    "\teveryone?",
    "",
    "\t\tBEN (O.S.)",
    "\tUpstairs!",
    "",
    "\t\tANNA",
    "\tCome down.",
    "",
    "\tI said come down.",
    "",
    "Ben runs in.",
)


def test_columns_are_measured_from_the_file():
    assert detect_columns(split_lines(OTHER_COLUMNS)) == Columns(
        action=0, dialogue=8, parenthetical=None, character=16, cues=3
    )
    script = read_script(text=OTHER_COLUMNS)
    assert script.format == "imsdb"
    assert rows(script) == [
        (K.SCENE_HEADING, "INT. KITCHEN - DAY", 1, 1, None, None, 0),
        (K.ACTION, "Anna cooks.", 3, 3, None, None, 0),
        (K.CHARACTER, "ANNA", 5, 5, "ANNA", None, 0),
        (K.DIALOGUE, "Where is everyone?", 6, 7, "ANNA", None, 0),
        (K.CHARACTER, "BEN (O.S.)", 9, 9, "BEN", "O.S.", 0),
        (K.DIALOGUE, "Upstairs!", 10, 10, "BEN", None, 0),
        (K.CHARACTER, "ANNA", 12, 12, "ANNA", None, 0),
        (K.DIALOGUE, "Come down.", 13, 13, "ANNA", None, 0),
        # a second paragraph of the same speech after a blank line
        (K.DIALOGUE, "I said come down.", 15, 15, "ANNA", None, 0),
        (K.ACTION, "Ben runs in.", 17, 17, None, None, 0),
    ]


def test_page_break_without_more_continues_on_contd_cue():
    text = _script(
        "     EXT. ROAD - DAY",
        "",
        "                    JOE",
        "          First half",
        "",
        "                                          12.",
        "     CONTINUED:",
        "                    JOE (CONT'D)",
        "          second half.",
        "",
        "     Joe leaves.",
        "",
        "                    JOE (CONT'D)",
        "          Bye.",
    )
    script = read_script(text=text)
    assert [(e.kind, e.text, e.line_start, e.line_end) for e in script][1:] == [
        (K.CHARACTER, "JOE", 3, 3),
        (K.DIALOGUE, "First half second half.", 4, 9),
        (K.ACTION, "Joe leaves.", 11, 11),
        # after action, a CONT'D cue is a new speech of the same speaker
        (K.CHARACTER, "JOE (CONT'D)", 13, 13),
        (K.DIALOGUE, "Bye.", 14, 14),
    ]


def test_cue_without_dialogue_is_kept_with_a_warning():
    text = _script(
        "     INT. ROOM - DAY",
        "",
        "                    ANNA",
        "          Hi.",
        "",
        "                    BEN",
        "          Hello.",
        "",
        "                    ANNA",
        "     the page with her speech was lost.",
    )
    script = read_script("lost.txt", text=text)
    assert [(e.kind, e.line_start) for e in script][-2:] == [(K.CHARACTER, 9), (K.ACTION, 10)]
    assert script.warnings == ("lost.txt:9: character cue 'ANNA' has no dialogue",)


def test_prose_without_dialogue_is_an_unknown_layout():
    with pytest.raises(ScriptError) as err:
        read_script("prose.txt", text="It was a dark night.\n\nNothing happened.\n")
    assert str(err.value).startswith("prose.txt:1: unknown screenplay layout")
    with pytest.raises(ScriptError) as err:
        read_script("prose.txt", format="imsdb", text="It was a dark night.\n\nNothing happened.\n")
    assert str(err.value).startswith("prose.txt:1: no character cues with dialogue found")


def _truth(shared_data):
    return [json.loads(line) for line in (shared_data / "films" / "alignment_truth.jsonl").open()]


@pytest.mark.shared_data
def test_films_columns(shared_data):
    films = shared_data / "films"
    chinatown = detect_columns(split_lines((films / "chinatown.txt").read_text(encoding="utf-8")))
    assert (chinatown.action, chinatown.dialogue, chinatown.parenthetical, chinatown.character) == (
        15,
        25,
        30,
        37,
    )
    mi = detect_columns(split_lines((films / "mission_impossible.txt").read_text(encoding="utf-8")))
    assert (mi.action, mi.dialogue, mi.parenthetical, mi.character) == (5, 16, 21, 26)


@pytest.mark.shared_data
def test_films_hand_labelled_cues(shared_data):
    """Every hand-labelled block line is a cue followed by its speaker's dialogue, as the label says."""
    truth = _truth(shared_data)
    scripts = {}
    for film in sorted({r["film"] for r in truth}):
        scripts[film] = read_script(shared_data / "films" / f"{film}.txt")
        assert scripts[film].format == "imsdb"
    checked = 0
    for r in truth:
        elements = scripts[r["film"]].elements
        cues = [e for e in elements if e.kind is K.CHARACTER and e.line_start == r["block_line"]]
        assert len(cues) == 1, r
        following = [e for e in elements[cues[0].id + 1 :] if e.kind is not K.PARENTHETICAL]
        dialogue = following[0]
        assert dialogue.kind is K.DIALOGUE, r
        assert dialogue.speaker == r["character"], r
        excerpt = " ".join(r["dialogue_excerpt"].split())
        assert dialogue.text.startswith(excerpt[:30]), (r, dialogue.text)
        checked += 1
    assert checked == len(truth) == 80


@pytest.mark.shared_data
def test_films_structure(shared_data):
    for film, scenes_at_least in (("chinatown", 150), ("mission_impossible", 200)):
        script = read_script(shared_data / "films" / f"{film}.txt")
        counts = {k: sum(1 for e in script if e.kind is k) for k in K}
        assert counts[K.DIALOGUE] >= counts[K.CHARACTER] > 600
        assert counts[K.SCENE_HEADING] >= scenes_at_least
        assert script.warnings == ()
        for e in script:
            assert e.text and e.line_start <= e.line_end
            assert "í" not in e.text and "\r" not in e.text
            if e.kind in (K.CHARACTER, K.DIALOGUE, K.PARENTHETICAL):
                assert e.speaker and "CONT'D" not in e.speaker and "(" not in e.speaker


def test_html_saved_script_without_blank_lines():
    """A script saved from an IMSDb page: <b> tags, entities, no blank lines between blocks."""
    text = _script(
        "<html><pre>",
        "<b>     INT. ROOM - DAY</b>",
        "     Anna enters.",
        "<b>                    ANNA</b>",
        "          Hi there, Ben &amp; Co.",
        "<b>                    BEN</b>",
        "               (waving)",
        "          Hello.",
        "     Ben sits.",
        "<b>                    ANNA</b>",
        "          Bye.",
        "</pre></html>",
    )
    script = read_script("page.html", text=text)
    assert script.format == "imsdb"
    assert [(e.kind, e.text, e.line_start, e.speaker) for e in script] == [
        (K.SCENE_HEADING, "INT. ROOM - DAY", 2, None),
        (K.ACTION, "Anna enters.", 3, None),
        (K.CHARACTER, "ANNA", 4, "ANNA"),
        (K.DIALOGUE, "Hi there, Ben & Co.", 5, "ANNA"),
        (K.CHARACTER, "BEN", 6, "BEN"),
        (K.PARENTHETICAL, "(waving)", 7, "BEN"),
        (K.DIALOGUE, "Hello.", 8, "BEN"),
        (K.ACTION, "Ben sits.", 9, None),
        (K.CHARACTER, "ANNA", 10, "ANNA"),
        (K.DIALOGUE, "Bye.", 11, "ANNA"),
    ]


def test_speech_and_action_sharing_the_left_margin():
    """Only the cues are indented: a blank line ends each speech, and what follows is action."""
    text = _script(
        "INT. KITCHEN - DAY",
        "",
        "Anna cooks.",
        "",
        "          ANNA",
        "Where is",
        "everyone?",
        "",
        "          BEN (O.S.)",
        "Upstairs!",
        "",
        "Ben runs in.",
        "",
        "          ANNA",
        "Finally.",
    )
    assert detect_columns(split_lines(text)) == Columns(
        action=None, dialogue=0, parenthetical=None, character=10, cues=3
    )
    assert [(e.kind, e.text, e.line_start, e.line_end) for e in read_script(text=text)] == [
        (K.SCENE_HEADING, "INT. KITCHEN - DAY", 1, 1),
        (K.ACTION, "Anna cooks.", 3, 3),
        (K.CHARACTER, "ANNA", 5, 5),
        (K.DIALOGUE, "Where is everyone?", 6, 7),
        (K.CHARACTER, "BEN (O.S.)", 9, 9),
        (K.DIALOGUE, "Upstairs!", 10, 10),
        (K.ACTION, "Ben runs in.", 12, 12),
        (K.CHARACTER, "ANNA", 14, 14),
        (K.DIALOGUE, "Finally.", 15, 15),
    ]


def test_running_page_headers_are_dropped():
    page = 0

    def header() -> str:
        nonlocal page
        page += 1
        return f"     THE TEST - Blue Rev. 1/2/99{' ' * 30}{page}."

    text = _script(
        header(),
        "",
        "     EXT. ROUTE 66 - DAY",
        "",
        "                    ANNA",
        "          We drive",
        "                    (MORE)",
        header(),
        "                    ANNA (CONT'D)",
        "          all night.",
        "",
        "     EXT. ROUTE 66 - NIGHT",
        "",
        "     Stars.",
        header(),
        "                    BEN",
        "          Route 66!",
        "",
        header(),
        "     EXT. ROUTE 66 - DAWN",
        "",
        "                    ANNA",
        "          Coffee.",
    )
    script = read_script(text=text)
    assert [(e.kind, e.text, e.line_start, e.line_end) for e in script] == [
        (K.SCENE_HEADING, "EXT. ROUTE 66 - DAY", 3, 3),
        (K.CHARACTER, "ANNA", 5, 5),
        (K.DIALOGUE, "We drive all night.", 6, 10),
        (K.SCENE_HEADING, "EXT. ROUTE 66 - NIGHT", 12, 12),
        (K.ACTION, "Stars.", 14, 14),
        (K.CHARACTER, "BEN", 16, 16),
        (K.DIALOGUE, "Route 66!", 17, 17),
        (K.SCENE_HEADING, "EXT. ROUTE 66 - DAWN", 20, 20),
        (K.CHARACTER, "ANNA", 22, 22),
        (K.DIALOGUE, "Coffee.", 23, 23),
    ]


def test_centred_cues_with_long_names():
    def cue(name: str) -> str:
        return " " * (40 - len(name) // 2) + name

    text = _script(
        "          INT. HALL - DAY",
        "",
        cue("ANNA"),
        "                    Hello.",
        "",
        cue("BEN"),
        "                         (bowing)",
        "                    Madam.",
        "",
        cue("MRS. HENDERSON-SMITH (V.O.)"),
        "                    Dinner is served.",
        "",
        cue("ANNA"),
        "                    At last.",
    )
    script = read_script(text=text)
    assert [(e.kind, e.speaker, e.line_start) for e in script if e.kind is K.CHARACTER] == [
        (K.CHARACTER, "ANNA", 3),
        (K.CHARACTER, "BEN", 6),
        (K.CHARACTER, "MRS. HENDERSON-SMITH", 10),
        (K.CHARACTER, "ANNA", 13),
    ]
    assert [e.text for e in script.dialogue] == ["Hello.", "Madam.", "Dinner is served.", "At last."]
