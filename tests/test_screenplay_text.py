"""Building blocks: sentence splitting with line spans, cue extensions, hyphenated line breaks."""

from __future__ import annotations

import pytest

from scriptalign import ElementKind, read_script
from scriptalign.screenplay.names import split_cue
from scriptalign.screenplay.sentences import Sentence, join_lines, split_sentences


def test_sentences_keep_their_lines():
    lines = [
        (10, "Mr. Gittes walks in. He sits.  The L.A. heat"),
        (11, "is awful... really. J. J. Gittes waits at the INT. of"),
        (12, 'the office! Then? "Yes." Okay'),
    ]
    assert split_sentences(lines) == [
        Sentence("Mr. Gittes walks in.", 10, 10),
        Sentence("He sits.", 10, 10),
        Sentence("The L.A. heat is awful... really.", 10, 11),
        Sentence("J. J. Gittes waits at the INT. of the office!", 11, 12),
        Sentence("Then?", 12, 12),
        Sentence('"Yes."', 12, 12),
        Sentence("Okay", 12, 12),
    ]


def test_sentences_edge_cases():
    assert split_sentences([]) == []
    assert split_sentences([(1, "   "), (2, "")]) == []
    assert split_sentences([(3, "  Wait...  "), (5, "What?")]) == [Sentence("Wait... What?", 3, 5)]
    # a word hyphenated over a line break is joined back; a dash is not
    assert split_sentences([(1, "a dark-"), (2, "haired man -- and a T-"), (3, "shirt.")]) == [
        Sentence("a dark-haired man -- and a T-shirt.", 1, 3)
    ]
    assert join_lines(["well-", "groomed", "and --", "gone"]) == "well-groomed and -- gone"


@pytest.mark.parametrize(
    ("cue", "expected"),
    [
        ("GITTES", ("GITTES", None)),
        ("ANATOLY (CONT'D)", ("ANATOLY", "CONT'D")),
        ("JACK (O.S.) (cont'd)", ("JACK", "O.S. CONT'D")),
        ("ETHAN VO", ("ETHAN", "V.O.")),
        ("GITTES CONT'D", ("GITTES", "CONT'D")),
        ("SARAH (V/O)", ("SARAH", "V.O.")),
        ("MAX (ON PHONE)", ("MAX", "ON PHONE")),
        ("CURLY'S VOICE", ("CURLY'S VOICE", None)),
        ("  MRS.   MULWRAY  ", ("MRS. MULWRAY", None)),
        ("CARLOS", ("CARLOS", None)),
    ],
)
def test_split_cue(cue, expected):
    assert split_cue(cue) == expected


def test_dialogue_line_starting_with_a_parenthesis_stays_speech():
    text = (
        "     INT. STUDIO - DAY\n\n"
        "                    ANCHOR\n"
        "          We go live to (Joe\n"
        "          Jones) in Madison.\n"
        "          (Joe)...?\n"
        "               (waits)\n"
        "          Joe?\n\n"
        "                    JOE\n"
        "          Here.\n\n"
        "                    ANCHOR\n"
        "               (relieved)\n"
        "          Good.\n"
    )
    script = read_script(text=text)
    assert [(e.kind, e.text) for e in script if e.speaker == "ANCHOR"] == [
        (ElementKind.CHARACTER, "ANCHOR"),
        (ElementKind.DIALOGUE, "We go live to (Joe Jones) in Madison. (Joe)...?"),
        (ElementKind.PARENTHETICAL, "(waits)"),
        (ElementKind.DIALOGUE, "Joe?"),
        (ElementKind.CHARACTER, "ANCHOR"),
        (ElementKind.PARENTHETICAL, "(relieved)"),
        (ElementKind.DIALOGUE, "Good."),
    ]
