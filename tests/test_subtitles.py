"""Subtitle readers: SRT and WebVTT fixtures, encodings, cleaning, errors with file and line."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scriptalign import read_subtitles as public_read_subtitles
from scriptalign.cues import CueLine
from scriptalign.errors import SubtitleError
from scriptalign.subtitles import MAX_BYTES, clean_line, parse_subtitles, read_subtitles


@pytest.fixture
def subs_dir(test_data):
    return test_data / "subtitles"


def test_public_name_is_the_reader():
    assert public_read_subtitles is read_subtitles


def test_srt_crlf_tags_notes_dashes_speaker(subs_dir):
    subs = read_subtitles(subs_dir / "basic.srt")
    assert subs.format == "srt"
    assert subs.encoding == "utf-8"
    assert subs.skipped == 0
    assert [c.index for c in subs.cues] == [1, 2, 3, 4, 5, 6]  # file order kept, even out of time order
    assert [c.start for c in subs.cues] == [1.0, 4.0, 6.5, 12.0, 9.0, 14.5]
    assert subs.cues[2].end == 8.25
    c1, c2, c3, c4, c5, c6 = subs.cues
    assert c1.lines == (CueLine("Where were you last night?", "<i>Where were you last night?</i>", 3),)
    assert c1.line == 1
    assert [cl.text for cl in c2.lines] == ["", "That's none of your business."]
    assert c2.lines[0].raw == "{\\an8}[DOOR SLAMS]"
    # A two-speaker cue: each dash line is its own line with its own text.
    assert [(cl.text, cl.line) for cl in c3.lines] == [("Are you coming?", 12), ("I'm coming.", 13)]
    assert c4.lines[0].speaker == "JOHN" and c4.lines[0].text == "Hold the door!"
    assert c5.lines[0].text == ""  # lyrics
    assert c6.text == ""


def test_utf8_bom(subs_dir):
    subs = read_subtitles(subs_dir / "bom.srt")
    assert subs.encoding == "utf-8-sig"
    assert subs.cues[0].text == "Café au lait, s'il vous plaît."


def test_cp1252_is_detected(subs_dir):
    subs = read_subtitles(subs_dir / "cp1252.srt")
    assert subs.encoding == "cp1252"
    assert subs.cues[0].text == "Le café est prêt, ma chérie."
    assert subs.cues[1].text == "Tu es déjà là ? C\u2019est génial."


def test_webvtt(subs_dir):
    subs = read_subtitles(subs_dir / "basic.vtt")
    assert subs.format == "vtt"
    assert len(subs) == 2
    c1, c2 = subs.cues
    assert (c1.start, c1.end, c1.line) == (1.0, 3.5, 5)
    assert c1.lines[0].text == "Where were you last night?"
    assert c1.lines[0].speaker == "Mary"
    assert c1.lines[0].line == 7
    assert (c2.start, c2.end) == (4.0, 6.0)
    assert [cl.text for cl in c2.lines] == ["That's none of your business.", "Fine."]


def test_vtt_needs_header(tmp_path):
    p = tmp_path / "x.vtt"
    p.write_text("00:00:01.000 --> 00:00:02.000\nHello\n")
    with pytest.raises(SubtitleError, match=r"x\.vtt:1: missing 'WEBVTT' header"):
        read_subtitles(p)


def test_vtt_bad_timing_names_line(tmp_path):
    p = tmp_path / "x.vtt"
    p.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello\n\n00:00:05.000 --> 00:00:03.000\nBack\n")
    with pytest.raises(SubtitleError, match=r"x\.vtt:6: cue ends before it starts"):
        read_subtitles(p)
    with pytest.warns(UserWarning, match="x.vtt:6"):
        subs = read_subtitles(p, lenient=True)
    assert subs.skipped == 1
    assert [c.text for c in subs.cues] == ["Hello"]


def test_malformed_cue_names_file_and_line(subs_dir):
    with pytest.raises(SubtitleError) as err:
        read_subtitles(subs_dir / "malformed.srt")
    assert err.value.line == 6
    assert str(err.value).startswith(f"{subs_dir / 'malformed.srt'}:6: bad timing line")
    assert "expected 'HH:MM:SS,mmm --> HH:MM:SS,mmm'" in str(err.value)


def test_lenient_skips_and_counts(subs_dir):
    with pytest.warns(UserWarning, match="malformed.srt:6"):
        subs = read_subtitles(subs_dir / "malformed.srt", lenient=True)
    assert subs.skipped == 1
    assert [c.index for c in subs.cues] == [1, 3]
    assert [c.text for c in subs.cues] == ["First line.", "Third line."]


def test_reversed_times(subs_dir):
    with pytest.raises(SubtitleError, match=r"reversed\.srt:2: cue ends \(2\.000 s\) before it starts"):
        read_subtitles(subs_dir / "reversed.srt")


def test_empty_file(tmp_path):
    p = tmp_path / "empty.srt"
    p.write_bytes(b"")
    with pytest.raises(SubtitleError, match="empty.srt: file is empty"):
        read_subtitles(p)
    p.write_text("\n\n  \n")
    with pytest.raises(SubtitleError, match="file is empty"):
        read_subtitles(p)


def test_binary_file(tmp_path):
    p = tmp_path / "movie.srt"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(SubtitleError, match="binary data"):
        read_subtitles(p)


def test_text_without_cues(tmp_path):
    p = tmp_path / "notes.srt"
    p.write_text("just some notes\nnothing else\n")
    with pytest.raises(SubtitleError, match=r"notes\.srt:1: unexpected text 'just some notes'"):
        read_subtitles(p)
    with pytest.raises(SubtitleError, match="no readable cue"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read_subtitles(p, lenient=True)


def test_missing_file(tmp_path):
    with pytest.raises(SubtitleError, match=r"nope\.srt: no such file"):
        read_subtitles(tmp_path / "nope.srt")


def test_huge_file_is_refused_without_reading(tmp_path):
    p = tmp_path / "huge.srt"
    with open(p, "wb") as fh:  # sparse: 50 MB on paper, nothing on disk
        fh.truncate(50 * 1024 * 1024)
    with pytest.raises(SubtitleError, match=r"50\.0 MB, above the 20 MB limit"):
        read_subtitles(p)
    assert MAX_BYTES == 20 * 1024 * 1024


def test_missing_blank_line_and_missing_number():
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\nOne\n"
        "2\n00:00:03,000 --> 00:00:04,000\nTwo\n\n"
        "00:00:05,000 --> 00:00:06,500\nThree\n"
    )
    subs = parse_subtitles(text)
    assert [(c.index, c.text, c.start, c.end) for c in subs.cues] == [
        (1, "One", 1.0, 2.0),
        (2, "Two", 3.0, 4.0),
        (3, "Three", 5.0, 6.5),
    ]


def test_clean_line_cases():
    assert clean_line("<b>Hi</b> {\\i1}there{\\i0}").text == "Hi there"
    assert clean_line("- DR. JONES: Sit down.").speaker == "DR. JONES"
    assert clean_line("- DR. JONES: Sit down.").text == "Sit down."
    assert clean_line("Note: this stays").text == "Note: this stays"
    assert clean_line("Note: this stays").speaker is None
    assert clean_line("(laughing) Really? [door closes]").text == "Really?"
    assert clean_line("...").text == ""
    assert clean_line("Tom &amp; Jerry").text == "Tom & Jerry"


_SRT_PIECES = st.sampled_from(
    [
        "1",
        "2",
        "17",
        "",
        "\n",
        "00:00:01,000 --> 00:00:02,000",
        "00:00:05,000 --> 00:00:01,000",
        "-->",
        "00:00:01.5 --> 00:00:02",
        "WEBVTT",
        "Hello there.",
        "- Hi.",
        "JOHN: Yes.",
        "<i>",
        "{\\an8}",
        "[LAUGHS]",
        "\u266a",
        "\ufeff",
        "\r",
        "NOTE x",
        "99:99:99,999 --> 00:00:00,000",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_raise_only_subtitle_error(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for lenient in (False, True):
            try:
                subs = parse_subtitles(data, lenient=lenient)
            except SubtitleError:
                continue
            assert len(subs.cues) >= 1


@settings(max_examples=150, deadline=None)
@given(st.lists(_SRT_PIECES, max_size=30), st.sampled_from([None, "srt", "vtt"]), st.booleans())
def test_srt_like_text_raises_only_subtitle_error(pieces, fmt, lenient):
    data = "\n".join(pieces).encode("utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            subs = parse_subtitles(data, lenient=lenient, format=fmt)
        except SubtitleError:
            return
    for cue in subs.cues:
        assert cue.end >= cue.start


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=200))
def test_read_from_disk_raises_only_subtitle_error(tmp_path_factory, data):
    p = tmp_path_factory.mktemp("subs") / "x.srt"
    p.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            read_subtitles(p, lenient=True)
        except SubtitleError:
            pass


def test_utf16_with_bom(tmp_path):
    p = tmp_path / "wide.srt"
    p.write_bytes(
        b"\xff\xfe" + "1\r\n00:00:01,000 --> 00:00:02,000\r\nNa\u00efve caf\u00e9.\r\n".encode("utf-16-le")
    )
    subs = read_subtitles(p)
    assert subs.encoding == "utf-16-le"
    assert subs.cues[0].text == "Na\u00efve caf\u00e9."


def test_unknown_format_is_refused():
    with pytest.raises(SubtitleError, match="unknown subtitle format 'ass'"):
        parse_subtitles(b"whatever", format="ass")


def test_timing_line_inside_text(tmp_path):
    p = tmp_path / "x.srt"
    p.write_text("1\n00:00:01,000 --> 00:00:02,000\nHello\n00:00:03,000 --> 00:00:04,000\nWorld\n")
    with pytest.raises(SubtitleError, match=r"x\.srt:4: timing line inside a cue's text"):
        read_subtitles(p)


def test_lyrics_markers():
    assert clean_line("\u266a Fly me to the moon \u266a").text == ""
    assert clean_line("# Fly me to the moon #").text == ""
    assert clean_line("We're number #1 fans").text == "We're number #1 fans"


# --- encodings, WebVTT timestamp grammar (W3C), lenient reading, reliability findings ------------------


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_with_bom(codec):
    text = "1\n00:00:01,000 --> 00:00:02,000\nNa\u00efve caf\u00e9.\n"
    data = ("\ufeff" + text).encode(codec)  # the byte-order mark first
    subs = parse_subtitles(data)
    assert subs.encoding == codec
    assert subs.cues[0].text == "Na\u00efve caf\u00e9."


def _vtt(timing: str) -> str:
    return f"WEBVTT\n\n{timing}\nHello.\n"


@pytest.mark.parametrize(
    "timing, start, end",
    [
        ("00:00:01.000 --> 00:00:02.500", 1.0, 2.5),
        ("00:01.000 --> 00:02.000", 1.0, 2.0),  # hours optional
        ("1:00:00.000 --> 1:00:01.000", 3600.0, 3601.0),  # hours of any width
        ("120:00:00.000 --> 120:00:01.000", 432000.0, 432001.0),
        ("00:01.000-->00:02.000", 1.0, 2.0),  # whitespace around the arrow is optional
        ("00:01.000 --> 00:02.000 align:start position:10%", 1.0, 2.0),  # cue settings after the end
        ("00:01.000 --> 00:02.000\tline:0", 1.0, 2.0),
    ],
)
def test_vtt_timestamps_the_spec_accepts(timing, start, end):
    cue = parse_subtitles(_vtt(timing)).cues[0]
    assert (cue.start, cue.end, cue.text) == (start, end, "Hello.")


@pytest.mark.parametrize(
    "timing",
    [
        "00:0:00.000 --> 00:00:01.000",  # minutes need two digits
        "00:00.00 --> 00:00:01.000",  # the fraction needs three digits
        "00:00.0000 --> 00:00:01.000",
        "00:00:60.000 --> 00:01:01.000",  # seconds of 60
        "00:60:00.000 --> 01:00:01.000",  # minutes of 60
        "00:00,000 --> 00:00:01.000",  # a comma is SRT, not WebVTT
        "00:00:01.000 --> 00:00:02.000align:start",  # settings need whitespace before them
    ],
)
def test_vtt_timestamps_the_spec_refuses(timing):
    with pytest.raises(SubtitleError, match=r"x\.vtt:3: bad timing line"):
        parse_subtitles(_vtt(timing), path="x.vtt")


def test_vtt_header_notes_styles_regions_and_identifiers():
    text = (
        "WEBVTT - a title\nKind: captions\n\nSTYLE\n::cue { color: red }\n\nREGION\nid:r1\n\n"
        "NOTE one\ntwo\n\n7\n00:01.000 --> 00:02.000\n<v Ann>Hi.</v>\n\nintro\n00:03.000 --> 00:04.000\nBye.\n"
    )
    subs = parse_subtitles(text)
    assert [(c.index, c.start, c.text, c.line) for c in subs.cues] == [(7, 1.0, "Hi.", 13), (2, 3.0, "Bye.", 17)]
    assert subs.cues[0].lines[0].speaker == "Ann"
    with pytest.raises(SubtitleError, match="missing 'WEBVTT' header"):
        parse_subtitles("WEBVTTX\n\n00:01.000 --> 00:02.000\nHi.\n", format="vtt")


def test_vtt_arrow_line_ends_the_cue_text():
    text = "WEBVTT\n\n00:01.000 --> 00:02.000\nHi.\n00:03.000 --> 00:04.000\nBye.\n"
    assert [(c.start, c.text) for c in parse_subtitles(text).cues] == [(1.0, "Hi."), (3.0, "Bye.")]


def test_lenient_vtt_skips_a_bad_block_and_goes_on():
    text = (
        "WEBVTT\n\n00:01.000 --> 00:02.000\nOne.\n\n-->\nstray arrow\n\n"
        "00:00:60.000 --> 00:01:01.000\nbad seconds\n\n00:05.000 --> 00:06.000\nTwo.\n"
    )
    with pytest.raises(SubtitleError, match=r"x\.vtt:6: bad timing line"):
        parse_subtitles(text, path="x.vtt")
    with pytest.warns(UserWarning):
        subs = parse_subtitles(text, path="x.vtt", lenient=True)
    assert [c.text for c in subs.cues] == ["One.", "Two."]
    assert subs.skipped == 2


def test_lenient_srt_skips_a_stray_arrow_and_a_bad_timestamp():
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\nOne.\n\n-->\n\n"
        "2\n00:00:03,000 --> 00:0x:04,000\nBad.\n"
        "3\n00:00:05,000 --> 00:00:06,000\nThree.\n"
    )
    with pytest.raises(SubtitleError, match=r"x\.srt:5: unexpected text '-->'"):
        parse_subtitles(text, path="x.srt")
    with pytest.warns(UserWarning):
        subs = parse_subtitles(text, path="x.srt", lenient=True)
    # the bad cue's block lacks its blank line: the reader still finds cue 3 after it
    assert [(c.index, c.text) for c in subs.cues] == [(1, "One."), (3, "Three.")]
    assert subs.skipped == 2


def test_srt_times_without_milliseconds_or_with_short_fractions_in_lenient():
    text = "1\n00:00:01 --> 00:00:02,5\nOne.\n\n2\n00:00:03.25 --> 00:00:04\nTwo.\n"
    with pytest.raises(SubtitleError, match="bad timing line"):
        parse_subtitles(text)
    subs = parse_subtitles(text, lenient=True)
    assert [(c.start, c.end) for c in subs.cues] == [(1.0, 2.5), (3.25, 4.0)]
    assert subs.skipped == 0


@pytest.mark.parametrize("number", ["1\x1d", "1\x1c", "\u00b9", "\u0661"])
def test_cue_number_with_a_control_or_non_ascii_digit_is_a_subtitle_error(number):
    # issue 12, finding 1: the number pattern took what int() refuses (ValueError)
    text = f"{number}\n00:00:01,000 --> 00:00:02,000\nHi.\n\n2\n00:00:03,000 --> 00:00:04,000\nYo.\n"
    with pytest.raises(SubtitleError, match=r"x\.srt:1: unexpected text"):
        parse_subtitles(text, path="x.srt")
    with pytest.warns(UserWarning):
        subs = parse_subtitles(text, path="x.srt", lenient=True)
    assert [c.text for c in subs.cues] == ["Yo."]


def test_dev_zero_is_refused_after_the_size_limit(monkeypatch):
    # issue 12, finding 3: stat() says 0 bytes for a device; the read itself is bounded
    import scriptalign.subtitles as subtitles

    monkeypatch.setattr(subtitles, "MAX_BYTES", 4096)
    with pytest.raises(SubtitleError, match=r"/dev/zero: input is above the 4096 bytes limit"):
        subtitles.read_subtitles("/dev/zero")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(["WEBVTT", "", "NOTE x", "00:01.000 --> 00:02.000", "00:0:01.000 --> 00:02.000",
                                 "-->", "Hi.", "7", "00:02.000 --> 00:01.000", "00:01.000-->00:02.000 a:b",
                                 "STYLE", "<v Bob>Yo", "\u2014 dash"]), max_size=25), st.booleans())
def test_vtt_like_text_gives_cues_or_a_subtitle_error(pieces, lenient):
    text = "WEBVTT\n\n" + "\n".join(pieces)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            subs = parse_subtitles(text, lenient=lenient, format="vtt")
        except SubtitleError:
            return
    assert all(0.0 <= c.start <= c.end for c in subs.cues)
    assert all(1 <= c.line <= text.count("\n") + 1 for c in subs.cues)
