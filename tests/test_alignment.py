"""Alignment on a small script built in code: times, scores, interpolation, moved scenes, line speakers."""

from __future__ import annotations

import itertools
import json
import warnings

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scriptalign import align as public_align
from scriptalign.alignment import (
    DEFAULT_MIN_SCORE,
    DEFAULT_MODEL,
    LOW_COVERAGE,
    SCHEMA,
    LowCoverageWarning,
    align,
)
from scriptalign.cues import Cue, CueLine, Subtitles
from scriptalign.errors import InputError, ScriptError, SubtitleError
from scriptalign.export import TSV_COLUMNS, caption_text, render
from scriptalign.screenplay.elements import ElementKind as K
from scriptalign.screenplay.elements import Script, ScriptElement
from scriptalign.subtitles import parse_subtitles
from scriptalign.words import words

_SCRIPT = [
    (K.SCENE_HEADING, "INT. RICK'S CAFE - NIGHT", None),
    (K.ACTION, "Rick sits alone at a table.", None),
    (K.CHARACTER, "RICK", "rick"),
    (K.DIALOGUE, "Of all the gin joints in all the towns in all the world, she walks into mine.", "rick"),
    (K.CHARACTER, "ILSA", "ilsa"),
    (K.DIALOGUE, "Play it once, Sam. For old times' sake.", "ilsa"),
    (K.CHARACTER, "SAM", "sam"),
    (K.DIALOGUE, "I don't know what you mean, Miss Ilsa.", "sam"),
    (K.CHARACTER, "LOUIS", "louis"),
    (K.DIALOGUE, "I am shocked, shocked to find that gambling is going on in here!", "louis"),
    (K.ACTION, "Sam plays the piano.", None),
    (K.SCENE_HEADING, "EXT. AIRPORT - NIGHT", None),
    (K.CHARACTER, "RICK", "rick"),
    (
        K.DIALOGUE,
        "We'll always have Paris. We didn't have, we'd lost it until you came to Casablanca.",
        "rick",
    ),
    (K.CHARACTER, "ILSA", "ilsa"),
    (K.DIALOGUE, "When I said I would never leave you.", "ilsa"),
    (K.CHARACTER, "RICK", "rick"),
    (K.DIALOGUE, "Here's looking at you, kid.", "rick"),
    (K.SCENE_HEADING, "INT. POLICE STATION - DAY", None),
    (K.CHARACTER, "RENAULT", "renault"),
    (
        K.DIALOGUE,
        "Round up the usual suspects and bring them to the station before the plane leaves tonight.",
        "renault",
    ),
]

# The film opens with the police scene (moved), cuts Louis's line and rephrases Ilsa's.
_CUES = [
    (1.0, 5.0, ["Round up the usual suspects and bring them", "to the station before the plane leaves."]),
    (10.0, 12.0, ["Of all the gin joints in all the towns in all the world,"]),
    (12.5, 14.0, ["she walks into mine."]),
    (15.0, 17.0, ["Play it once, Sam.", "For old times' sake."]),
    (18.0, 20.0, ["I don't know what you mean, Miss Ilsa."]),
    (30.0, 32.0, ["We'll always have Paris."]),
    (32.5, 35.0, ["We didn't have, we'd lost it", "until you came to Casablanca."]),
    (36.0, 38.0, ["When I said I'd never leave you."]),
    (40.0, 42.0, ["Here's looking at you, kid."]),
]


def make_script(rows=_SCRIPT, path="casablanca.txt") -> Script:
    elements = []
    line = 1
    for n, (kind, text, speaker) in enumerate(rows):
        elements.append(ScriptElement(n, kind, text, line, line, speaker=speaker))
        line += 2
    return Script(tuple(elements), path=path)


def make_subtitles(rows=_CUES, path="casablanca.srt") -> Subtitles:
    cues = []
    line = 1
    for n, (start, end, texts) in enumerate(rows, start=1):
        cue_lines = tuple(CueLine(t, t, line + 2 + k) for k, t in enumerate(texts))
        cues.append(Cue(n, start, end, cue_lines, line))
        line += 3 + len(texts)
    return Subtitles(tuple(cues), path=path)


@pytest.fixture(scope="module")
def result():
    return align(make_subtitles(), make_script())


def test_public_name():
    assert public_align is align


def test_dialogue_times_scores_and_cues(result):
    by_id = {a.element.id: a for a in result.elements}
    rick = by_id[3]
    assert (rick.start, rick.end, rick.score, rick.cues, rick.interpolated) == (
        10.0,
        14.0,
        1.0,
        (2, 3),
        False,
    )
    assert (by_id[5].start, by_id[5].end, by_id[5].cues, by_id[5].score) == (15.0, 17.0, (4,), 1.0)
    assert (by_id[7].start, by_id[7].end, by_id[7].cues) == (18.0, 20.0, (5,))
    assert (by_id[13].start, by_id[13].end, by_id[13].cues) == (30.0, 35.0, (6, 7))
    # "When I said I would never leave you" vs "When I said I'd never leave you": the contraction is
    # spelled out (I'd -> i would), so all 8 tokens match.
    assert by_id[15].score == 1.0
    assert (by_id[15].start, by_id[15].end, by_id[15].interpolated) == (36.0, 38.0, False)
    assert (by_id[17].start, by_id[17].end) == (40.0, 42.0)


def test_moved_scene_is_reanchored(result):
    renault = result.elements[20]
    assert (renault.start, renault.end, renault.cues, renault.interpolated) == (1.0, 5.0, (1,), False)
    assert renault.score == 15 / 16  # "tonight" was cut


def test_cut_line_is_interpolated_between_neighbours(result):
    louis = result.elements[9]
    assert louis.interpolated
    assert louis.score == 0.0 and louis.confidence == 0.0  # nothing of it was said
    assert louis.cues == ()
    # Louis's line, the description and the heading (9..11) share the gap between Sam's line (ends 20 s)
    # and Rick's airport line (starts 30 s) in order, in proportion to their text length.
    run = result.elements[9:12]
    assert run[0].start == 20.0 and run[-1].end == pytest.approx(30.0)
    for a, b in itertools.pairwise(run):
        assert a.end == pytest.approx(b.start)
        assert a.start <= a.end
    lengths = [len(a.element.text) + 1 for a in run]
    assert run[0].end == pytest.approx(20.0 + 10.0 * lengths[0] / sum(lengths))
    assert all(a.interpolated for a in run)
    # Character cues take the times of their dialogue, trusted or not.
    louis_cue, rick_cue = result.elements[8], result.elements[12]
    assert (louis_cue.start, louis_cue.end) == (louis.start, louis.end)
    assert (rick_cue.start, rick_cue.end, rick_cue.interpolated) == (30.0, 35.0, True)


def test_non_dialogue_elements_are_interpolated(result):
    heading, action = result.elements[0], result.elements[1]
    assert heading.interpolated and action.interpolated
    assert heading.score is None and action.score is None
    # Before the first aligned element in script order (Rick, 10 s): the span from 0 s, shared by length.
    assert heading.start == 0.0
    assert action.end == pytest.approx(10.0)
    assert (result.elements[2].start, result.elements[2].end) == (10.0, 14.0)  # the cue RICK: his line


def test_every_subtitle_line_gets_its_speaker(result):
    speakers = [[ln.speaker for ln in lines] for lines in result.lines]
    assert speakers == [
        ["renault", "renault"],
        ["rick"],
        ["rick"],
        ["ilsa", "ilsa"],
        ["sam"],
        ["rick"],
        ["rick", "rick"],
        ["ilsa"],
        ["rick"],
    ]
    assert [ln.element for ln in result.lines[3]] == [5, 5]
    assert result.lines[0][1].line == 4  # source line of the second text line of cue 1


def test_json_schema(result):
    doc = result.to_json()
    json.dumps(doc)  # serialisable
    assert doc["schema"] == SCHEMA
    assert set(doc["elements"][0]) == {
        "id",
        "kind",
        "speaker",
        "text",
        "line_start",
        "line_end",
        "start",
        "end",
        "score",
        "confidence",
        "cues",
        "interpolated",
    }
    assert doc["min_confidence"] == DEFAULT_MODEL.threshold
    rick = doc["elements"][3]
    assert rick.pop("confidence") > 0.9
    assert rick == {
        "id": 3,
        "kind": "dialogue",
        "speaker": "rick",
        "text": _SCRIPT[3][1],
        "line_start": 7,
        "line_end": 7,
        "start": 10.0,
        "end": 14.0,
        "score": 1.0,
        "cues": [2, 3],
        "interpolated": False,
    }
    assert doc["cues"][0] == {
        "index": 1,
        "start": 1.0,
        "end": 5.0,
        "lines": [
            {"text": _CUES[0][2][0], "element": 20, "speaker": "renault"},
            {"text": _CUES[0][2][1], "element": 20, "speaker": "renault"},
        ],
    }
    stats = doc["stats"]
    assert stats["coverage"] == 1.0
    assert stats["counts"]["dialogue"] == 8
    assert stats["counts"]["dialogue_aligned"] == 7
    assert stats["counts"]["lines"] == 12
    assert stats["dialogue_coverage"] == round(7 / 8, 4)


def test_srt_export_reads_back(result):
    srt = result.to_srt()
    back = parse_subtitles(srt)
    raws = [" ".join(cl.raw for cl in c.lines) for c in back.cues]
    # In time order: the opening heading and description share 0-10 s; the moved police scene is at 1-5 s.
    assert raws[:3] == [
        "[INT. RICK'S CAFE - NIGHT]",
        "RENAULT: Round up the usual suspects and bring them to the station before the plane leaves tonight.",
        "[Rick sits alone at a table.]",
    ]
    assert back.cues[0].text == ""  # brackets read back as a description, not speech
    renault = back.cues[1]
    assert (renault.start, renault.end, renault.lines[0].speaker) == (1.0, 5.0, "RENAULT")
    assert renault.text.startswith("Round up the usual suspects")
    starts = [c.start for c in back.cues]
    assert starts == sorted(starts)
    assert len(back.cues) == len([r for r in _SCRIPT if r[0] is not K.CHARACTER])
    vtt = parse_subtitles(result.to_vtt())
    assert vtt.format == "vtt" and [c.text for c in vtt.cues] == [c.text for c in back.cues]


def test_tsv_export(result):
    rows = [r.split("\t") for r in result.to_tsv().splitlines()]
    assert tuple(rows[0]) == TSV_COLUMNS
    assert len(rows) == 1 + len(_SCRIPT)
    assert rows[4] == [
        "3",
        "dialogue",
        "rick",
        "10.000",
        "14.000",
        "1.0000",
        "false",
        "2,3",
        "7",
        "7",
        _SCRIPT[3][1],
    ]
    assert render(result, "tsv") == result.to_tsv()
    with pytest.raises(ValueError):
        render(result, "xml")


def test_caption_text_wraps_and_names():
    a = align(make_subtitles(), make_script()).elements[3]
    assert (
        caption_text(a)
        == "RICK: Of all the gin joints in all the\ntowns in all the world, she walks into\nmine."
    )


def test_subtitles_of_another_film_align_nothing():
    other = make_subtitles(
        [
            (1.0, 3.0, ["The ship leaves at dawn, captain."]),
            (4.0, 6.0, ["Then we must load the cargo tonight."]),
            (7.0, 9.0, ["Tell the crew to get some sleep."]),
        ]
    )
    # the policy lives in align(), not only in the shell: nothing matched is an error naming the subtitles
    with pytest.raises(InputError, match="casablanca.srt: no dialogue line of the script matched the subtitles"):
        align(other, make_script())


def test_low_coverage_warns_from_align():
    rows = _CUES[:1] + [(50.0 + k, 50.5 + k, [f"Unrelated words number {k} about the weather."]) for k in range(9)]
    with pytest.warns(LowCoverageWarning, match="of subtitle lines matched the script"):
        res = align(make_subtitles(rows), make_script())
    assert res.stats()["coverage"] < LOW_COVERAGE


def test_min_score_controls_trust():
    strict = align(make_subtitles(), make_script(), min_score=0.95)
    assert strict.elements[20].interpolated  # 15/16 < 0.95 ("tonight" was cut)
    assert not strict.elements[3].interpolated
    with pytest.raises(ValueError):
        align(make_subtitles(), make_script(), min_score=1.5)


def test_script_without_dialogue_is_an_error():
    script = make_script([(K.ACTION, "Nothing is said.", None)], path="mute.txt")
    with pytest.raises(ScriptError, match="mute.txt: the script has no dialogue"):
        align(make_subtitles(), script)


def test_subtitles_without_words_are_an_error():
    subs = make_subtitles([(1.0, 2.0, [""])], path="silent.srt")
    with pytest.raises(SubtitleError, match="silent.srt: the subtitles hold no words"):
        align(subs, make_script())


def test_out_of_order_cues_keep_file_order_in_output():
    rows = list(_CUES)
    rows[1], rows[2] = rows[2], rows[1]  # cue 2 in the file is now the later one
    res = align(make_subtitles(rows), make_script())
    assert [c["index"] for c in res.to_json()["cues"]] == list(range(1, len(rows) + 1))
    rick = res.elements[3]
    assert (rick.start, rick.end, rick.cues) == (10.0, 14.0, (2, 3))


def test_words():
    assert words("Don\u2019t-go, Mr. X!") == ["don't", "go", "mr", "x"]
    assert words("It\u00e2\u20ac\u2122s") == ["it's"]
    assert words("...") == []


_VOCAB = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "fox",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
    "mike",
    "november",
    "oscar",
    "papa",
    "quebec",
    "romeo",
    "sierra",
    "tango",
    "the",
    "a",
    "you",
    "i",
]
_sentences = st.lists(st.sampled_from(_VOCAB), min_size=1, max_size=12).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["ann", "bob", "cy"]), _sentences), min_size=2, max_size=30),
    st.lists(st.floats(0.5, 6.0), min_size=30, max_size=30),
)
def test_subtitles_made_from_the_script_align_exactly(turns, durations):
    # A line of one or two words may stay untrusted (little evidence); longer ones never. A script of
    # fewer than three different words gives no evidence of where each line is.
    assume(len({w for _, text in turns for w in text.split()}) >= 3)
    rows = []
    for speaker, text in turns:
        rows += [(K.CHARACTER, speaker.upper(), speaker), (K.DIALOGUE, text, speaker)]
    cues, t = [], 0.0
    for (_, text), d in zip(turns, durations):
        cues.append((round(t, 3), round(t + d, 3), [text]))
        t += d + 0.5
    try:
        res = align(make_subtitles(cues), make_script(rows))
    except InputError:  # nothing trusted: allowed only when every line is short
        assert all(len(text.split()) < 3 for _, text in turns)
        return
    for k, a in enumerate(res.dialogue):
        # every line of three words or more is trusted; whatever is trusted has exactly its own times
        assert a.interpolated is (a.interpolated and a.words < 3)
        if not a.interpolated:
            assert (a.start, a.end, a.score, a.cues) == (cues[k][0], cues[k][1], 1.0, (k + 1,))
            assert res.lines[k][0].speaker == turns[k][0]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["ann", "bob"]), _sentences), min_size=1, max_size=20),
    st.lists(st.tuples(st.floats(0, 100), st.floats(0, 5), _sentences), min_size=1, max_size=20),
)
def test_any_subtitles_give_ordered_intervals(turns, cue_rows):
    rows = [(K.ACTION, "Somewhere.", None)]
    for speaker, text in turns:
        rows += [(K.CHARACTER, speaker.upper(), speaker), (K.DIALOGUE, text, speaker)]
    cues = [(s, s + d, [text]) for s, d, text in cue_rows]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LowCoverageWarning)
            res = align(make_subtitles(cues), make_script(rows))
    except InputError as err:
        assert "no dialogue line of the script matched" in str(err)
        return
    last = max(e for _, e, _ in cues)
    for a in res.elements:
        assert (a.start is None) == (a.end is None)
        if a.start is not None:
            assert 0.0 <= a.start <= a.end + 1e-9 <= last + 1e-6
        if not a.interpolated:
            assert a.element.kind is K.DIALOGUE and a.score >= DEFAULT_MIN_SCORE and a.cues
    json.dumps(res.to_json())
