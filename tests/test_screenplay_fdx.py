"""Final Draft FDX: paragraph types, source lines, dual dialogue, refused DTDs and malformed XML."""

from __future__ import annotations

import pytest

from scriptalign import ElementKind, ScriptError, read_script

K = ElementKind


def rows(script):
    return [(e.kind, e.text, e.line_start, e.line_end, e.speaker, e.extension, e.scene) for e in script]


def test_small_fdx_exact(test_data):
    script = read_script(test_data / "scripts" / "fdx_small.fdx")
    assert script.format == "fdx"
    assert rows(script) == [
        # line spans are those of the <Paragraph> element; the scene summary is not script text
        (K.SCENE_HEADING, "INT. KITCHEN - DAY", 4, 9, None, None, 0),
        (K.ACTION, "Anna cooks.", 10, 12, None, None, 0),
        (K.ACTION, "Mr. Lee watches.", 10, 12, None, None, 0),  # text runs joined
        (K.CHARACTER, "ANNA (V.O.)", 13, 15, "ANNA", "V.O.", 0),
        (K.PARENTHETICAL, "(to Ben)", 16, 18, "ANNA", None, 0),
        (K.DIALOGUE, "Where is everyone?", 19, 21, "ANNA", None, 0),
        (K.CHARACTER, "BEN", 23, 23, "BEN", None, 0),  # dual dialogue, in reading order
        (K.DIALOGUE, "Upstairs & out!", 24, 24, "BEN", None, 0),
        (K.CHARACTER, "CAT", 25, 25, "CAT", None, 0),
        (K.DIALOGUE, "Me too.", 26, 26, "CAT", None, 0),
        (K.TRANSITION, "CUT TO:", 28, 30, None, None, 0),
        (K.SCENE_HEADING, "CLOSE ON ANNA", 31, 33, None, None, 1),  # a Shot starts a new scene
        (K.CHARACTER, "ANNA (CONT'D)", 34, 36, "ANNA", "CONT'D", 1),
        (K.DIALOGUE, "Fine. Be that way.", 37, 42, "ANNA", None, 1),  # consecutive Dialogue paragraphs
    ]
    # the title page's "THE TEST" is not part of the script
    assert all("THE TEST" not in e.text for e in script)


def test_fdx_detected_from_xml_root_without_extension(test_data):
    data = (test_data / "scripts" / "fdx_small.fdx").read_bytes()
    assert read_script("script.txt", text=data).format == "fdx"
    assert read_script(text=data.decode("utf-8")).format == "fdx"


def test_fdx_doctype_and_entities_refused():
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
        ' <!ENTITY lol2 "&lol;&lol;&lol;&lol;">\n]>\n'
        '<FinalDraft><Content><Paragraph Type="Dialogue"><Text>&lol2;</Text></Paragraph></Content></FinalDraft>\n'
    )
    with pytest.raises(ScriptError) as err:
        read_script("bomb.fdx", text=bomb)
    assert str(err.value).startswith("bomb.fdx:2: DOCTYPE declaration with an internal subset refused")


def test_fdx_bare_doctype_is_accepted():
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE FinalDraft SYSTEM "http://example.invalid/fd.dtd">\n'
        '<FinalDraft><Content><Paragraph Type="Character"><Text>ANNA</Text></Paragraph>'
        '<Paragraph Type="Dialogue"><Text>Hi.</Text></Paragraph></Content></FinalDraft>\n'
    )
    script = read_script("ok.fdx", text=text)
    assert [(e.kind, e.text, e.line_start) for e in script] == [(K.CHARACTER, "ANNA", 3), (K.DIALOGUE, "Hi.", 3)]


def test_fdx_malformed_xml_names_the_line():
    text = '<?xml version="1.0"?>\n<FinalDraft>\n<Content>\n<Paragraph Type="Action"><Text>x</Paragraph>\n'
    with pytest.raises(ScriptError) as err:
        read_script("bad.fdx", text=text)
    assert str(err.value).startswith("bad.fdx:4: malformed XML (mismatched tag)")


def test_other_xml_is_refused():
    with pytest.raises(ScriptError) as err:
        read_script("page.xml", text='<?xml version="1.0"?>\n<html><body>Hi</body></html>\n')
    assert (
        str(err.value)
        == "page.xml:1: XML document with root <html> (expected a Final Draft file (root <FinalDraft>))"
    )


def test_fdx_without_dialogue_is_read():
    # only align() needs dialogue; parse reads what is there
    text = (
        '<FinalDraft><Content><Paragraph Type="Action"><Text>Rain.</Text></Paragraph></Content></FinalDraft>'
    )
    script = read_script("dry.fdx", text=text)
    assert [(e.kind.value, e.text) for e in script] == [("action", "Rain.")]
    assert script.dialogue == ()


def test_fdx_with_an_unknown_declared_encoding_is_a_script_error():
    # issue 12, finding 2: expat raised LookupError for an encoding Python does not know
    data = (
        b'<?xml version="1.0" encoding="x-no-such-codec"?>\n<FinalDraft><Content>'
        b'<Paragraph Type="Character"><Text>ANN</Text></Paragraph></Content></FinalDraft>'
    )
    with pytest.raises(ScriptError, match=r"odd\.fdx:1: unknown encoding declared in the XML"):
        read_script("odd.fdx", text=data)


def test_fdx_dual_dialogue_is_kept_as_a_field():
    text = (
        '<FinalDraft><Content><Paragraph><DualDialogue>'
        '<Paragraph Type="Character"><Text>BRICK</Text></Paragraph>'
        '<Paragraph Type="Dialogue"><Text>Screw it.</Text></Paragraph>'
        '<Paragraph Type="Character"><Text>STEEL</Text></Paragraph>'
        '<Paragraph Type="Dialogue"><Text>Screw it.</Text></Paragraph>'
        '</DualDialogue></Paragraph>'
        '<Paragraph Type="Character"><Text>ANN</Text></Paragraph>'
        '<Paragraph Type="Dialogue"><Text>Yo.</Text></Paragraph></Content></FinalDraft>'
    )
    script = read_script("dual.fdx", text=text)
    assert [(e.kind.value, e.text, e.dual) for e in script] == [
        ("character", "BRICK", True),
        ("dialogue", "Screw it.", True),
        ("character", "STEEL", True),
        ("dialogue", "Screw it.", True),
        ("character", "ANN", False),
        ("dialogue", "Yo.", False),
    ]
