"""Weak labels: names, actions, pairs from hand-written sentences; bags from alignments; the CLI."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest

from scriptalign.cli import main
from scriptalign.errors import InputError
from scriptalign.labels import (
    NameIndex,
    SceneContext,
    label_sentence,
    learn_aliases,
    split_sentences,
    tokenize,
    weak_labels,
)
from scriptalign.lexicon import Lexicon

sys.path.insert(0, str(Path(__file__).parent))
from toy_alignment import oracle_alignment

LEX = Lexicon.default()
CAST = ["EILEEN", "GRACE", "MILES", "JAKE GITTES", "MRS. MULWRAY"]


def run(*sentences: str, aliases=None):
    """Label sentences in order within one scene; return (names, actions, pairs, unnamed, negated) each."""
    index = NameIndex(CAST, aliases)
    learn_aliases([tokenize(s) for s in sentences], index)
    ctx = SceneContext()
    out = []
    for s in sentences:
        lab = label_sentence(tokenize(s), index, LEX, ctx)
        out.append((lab.names, lab.actions, lab.pairs, lab.unnamed_actions, lab.negated))
    return out


def test_tokenize_splits_negation_and_possessive():
    assert tokenize("Grace doesn't sit.") == ["Grace", "does", "n't", "sit", "."]
    assert tokenize("Hopper's office") == ["Hopper", "'s", "office"]
    assert split_sentences("Nobody stops. Eileen waves.  She smiles!") == ["Nobody stops.", "Eileen waves.", "She smiles!"]


@pytest.mark.parametrize("verb", ["walks", "walked", "walking", "walk"])
def test_inflections(verb):
    prefix = "Eileen is " if verb == "walking" else "Eileen "
    assert run(f"{prefix}{verb} to the door.") == [(("EILEEN",), ("walk",), (("EILEEN", "walk"),), (), ())]


@pytest.mark.parametrize("sentence,action", [
    ("Grace sat down.", "sit_down"), ("Grace stood up.", "stand_up"), ("Grace rises.", "stand_up"),
    ("Grace gets up.", "stand_up"), ("Grace picks up the phone.", "answer_phone"),
    ("Grace gets out of the car.", "get_out_car"), ("Grace shakes his hand.", "hand_shake"),
])
def test_phrases_and_irregular_forms(sentence, action):
    assert run(sentence)[0][2] == (("GRACE", action),)


def test_pronoun_resolves_to_last_named_character_of_scene():
    out = run("Eileen walks to the console.", "GRACE sits down.", "She waves at the screen.")
    assert out[2] == (("GRACE",), ("wave",), (("GRACE", "wave"),), (), ())


def test_pronoun_they_takes_the_last_group():
    out = run("Eileen and Miles walk to the gate.", "They wave.")
    assert out[0][2] == (("EILEEN", "walk"), ("MILES", "walk"))
    assert out[1][2] == (("EILEEN", "wave"), ("MILES", "wave"))


def test_two_names_one_subject():
    assert run("Grace waves at Miles.") == [(("GRACE", "MILES"), ("wave",), (("GRACE", "wave"),), (), ())]
    assert run("Eileen hands Miles a cup and sits down.")[0][2] == (("EILEEN", "sit_down"),)
    assert run("Eileen waves to Miles, who sits down.")[0][2] == (("EILEEN", "wave"), ("MILES", "sit_down"))


def test_negation_is_ignored():
    assert run("Grace does not sit.") == [(("GRACE",), (), (), (), ("sit_down",))]
    assert run("Grace doesn't sit, but Miles stood up.")[0][1:3] == (("stand_up",), (("MILES", "stand_up"),))
    assert run("Miles never waves.")[0][1] == ()
    assert run("Nobody sits down.")[0][1] == ()


def test_unknown_verbs_give_names_only():
    assert run("Grace juggles.") == [(("GRACE",), (), (), (), ())]
    assert run("The hangar doors open.") == [((), (), (), (), ())]


def test_action_nobody_is_named_for():
    assert run("Someone waves from the crowd.") == [((), ("wave",), (), ("wave",), ())]
    assert run("Gittes smiles as the crowd waves.")[0][2:4] == ((), ("wave",))


def test_first_last_names_and_learned_aliases():
    out = run("EILEEN COLLINS, an astronaut, waits.", "Collins sits down.", "Mrs. Mulwray is walking.",
              "Gittes waves.", "Jake sits.")
    assert out[0][0] == ("EILEEN",) and out[0][1] == ()
    assert out[1][2] == (("EILEEN", "sit_down"),)
    assert out[2][2] == (("MRS. MULWRAY", "walk"),)
    assert out[3][2] == (("JAKE GITTES", "wave"),)
    assert out[4][2] == (("JAKE GITTES", "sit_down"),)
    assert run("The Admiral waves.", aliases={"Admiral": "GRACE"})[0][2] == (("GRACE", "wave"),)


def test_lowercase_words_are_not_names():
    assert run("He walks a few miles.")[0][0] == ()


def _doc(elements):
    full = []
    for k, (kind, speaker, text, start, end) in enumerate(elements):
        full.append({"id": k, "kind": kind, "speaker": speaker, "text": text, "line_start": 10 + 2 * k,
                     "line_end": 10 + 2 * k, "start": start, "end": end, "score": None, "cues": [],
                     "interpolated": kind != "dialogue"})
    return {"schema": "scriptalign.alignment/1", "elements": full, "cues": [], "stats": {}}


DOC = _doc([
    ("scene_heading", None, "INT. OFFICE - DAY", 0.0, 1.0),
    ("action", None, "Grace sits down. Miles waves.", 1.0, 3.0),
    ("character", "GRACE", "GRACE", 3.0, 3.0),
    ("dialogue", "GRACE", "Hello.", 3.0, 4.0),
    ("character", "MILES", "MILES", 4.0, 4.0),
    ("dialogue", "MILES", "Hi.", 4.0, 5.0),
    ("scene_heading", None, "EXT. STREET - DAY", 5.0, 6.0),
    ("action", None, "She waves.", 6.0, 7.0),
    ("action", None, "Rain falls.", 7.0, 8.0),
])


def test_weak_labels_spans_margins_scenes_and_speakers():
    bags = weak_labels(DOC, margin=0.5)
    assert [(b.kind, b.names, b.actions, b.pairs, b.scene, b.element) for b in bags] == [
        ("description", ("GRACE",), ("sit_down",), (("GRACE", "sit_down"),), 0, 1),
        ("description", ("MILES",), ("wave",), (("MILES", "wave"),), 0, 1),
        # a new scene: "She" has nobody to refer to; the action stays, unnamed
        ("description", (), ("wave",), (), 1, 7),
    ]
    # the element's 2 s are shared by its two sentences in proportion to their length (16 and 12 chars)
    split = 1.0 + 2.0 * 16 / 28
    spans = [t for b in bags for t in (b.start, b.end)]
    assert spans == pytest.approx([0.5, split + 0.5, split - 0.5, 3.5, 5.5, 7.5])
    with_speakers = weak_labels(DOC, margin=0.0, speaker_bags=True)
    speakers = [(b.names, b.start, b.end) for b in with_speakers if b.kind == "speaker"]
    assert speakers == [(("GRACE",), 3.0, 4.0), (("MILES",), 4.0, 5.0)]


def test_custom_lexicon_yaml_and_json(tmp_path):
    y = tmp_path / "lex.yaml"
    y.write_text("actions:\n  juggle: [juggle]\n  run: ['run away']\n")
    j = tmp_path / "lex.json"
    j.write_text(json.dumps({"schema": "scriptalign.lexicon/1", "actions": {"juggle": ["juggle"]}}))
    doc = _doc([("action", None, "Grace juggled. Miles runs away. Grace sits.", 0.0, 3.0),
                ("dialogue", "GRACE", "x", 3, 4), ("dialogue", "MILES", "y", 4, 5)])
    assert [b.pairs for b in weak_labels(doc, y, margin=0)] == [(("GRACE", "juggle"),), (("MILES", "run"),), ()]
    assert [b.actions for b in weak_labels(doc, j, margin=0)] == [("juggle",), (), ()]


def test_bad_lexicon_and_alignment_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("actions:\n  walk: [walk\n  sit: [sit]\n")
    with pytest.raises(InputError, match=r"bad\.yaml:\d+: invalid YAML"):
        Lexicon.load(bad)
    with pytest.raises(InputError, match="no 'actions' mapping"):
        Lexicon.from_dict({"verbs": {}})
    with pytest.raises(InputError, match="scriptalign.alignment/1"):
        weak_labels({"schema": "other", "elements": []})
    with pytest.raises(InputError, match=r"<alignment>: field elements\[0\]: 'kind' is a required property"):
        weak_labels({"schema": "scriptalign.alignment/1", "elements": [{"id": 0}]})


def test_cli_labels(tmp_path, capsys):
    src = tmp_path / "aligned.json"
    src.write_text(json.dumps(DOC))
    out = tmp_path / "bags.json"
    assert main(["labels", str(src), "-o", str(out), "--speakers", "--margin", "1"]) == 0
    doc = json.loads(out.read_text())
    assert doc["schema"] == "scriptalign.labels/1"
    assert doc["counts"] == {"bags": 5, "description": 3, "speaker": 2, "with_actions": 3, "pairs": 2}
    assert doc["bags"][0]["pairs"] == [["GRACE", "sit_down"]] and doc["bags"][0]["start"] == 0.0
    capsys.readouterr()
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema":\n oops}')
    assert main(["labels", str(broken)]) == 2
    assert f"{broken}:2: invalid JSON" in capsys.readouterr().err


def test_toy_movie_bags_match_its_truth(tmp_path):
    """On the toy movie (seed 0), bags from a perfect alignment name exactly the scripted actors."""
    from scriptalign.toy import default_toy_dir

    src = default_toy_dir()
    truth = json.loads((src / "truth.json").read_text())
    bags = weak_labels(oracle_alignment(truth, (src / "script.txt").read_text()))
    by_text = {b.text: b for b in bags}
    for d in truth["descriptions"]:
        named = [a for a in d["actors"] if not a.startswith("EXTRA")]
        sentence = split_sentences(d["text"])[-1]
        if d["action"] is None:
            assert sentence not in by_text or not by_text[sentence].actions
            continue
        bag = by_text[sentence]
        assert bag.pairs == tuple((a, d["action"]) for a in named), d["text"]
        if not named:
            assert bag.unnamed_actions == (d["action"],)
        assert bag.start <= d["end"] and bag.end >= d["start"], d["text"]  # the span overlaps the action
    negated = [b for b in bags if b.negated]
    assert [(b.text, b.negated) for b in negated] == [("Grace does not sit.", ("sit_down",))]


def test_toy_movie_bags_through_the_real_aligner():
    """Bundled toy movie: read, align, label; every scripted action comes out as its bag with the
    true actor, and the bag's span overlaps the true action interval."""
    from scriptalign.alignment import align
    from scriptalign.screenplay import read_script
    from scriptalign.subtitles import read_subtitles
    from scriptalign.toy import default_toy_dir

    src = default_toy_dir()
    truth = json.loads((src / "truth.json").read_text())
    alignment = align(read_subtitles(src / "movie.srt"), read_script(src / "script.txt"))
    doc = alignment.to_json()
    bags = weak_labels(doc)
    # the typed Alignment and its JSON give the same bags (the JSON rounds times to the millisecond)
    typed = weak_labels(alignment)
    assert [dataclasses.replace(b, start=0, end=0) for b in typed] == [dataclasses.replace(b, start=0, end=0) for b in bags]
    assert [t for b in typed for t in (b.start, b.end)] == pytest.approx([t for b in bags for t in (b.start, b.end)],
                                                                         abs=2e-3)
    got = sorted((p, a, b.line_start) for b in bags for p, a in b.pairs)
    want = sorted((x["actor"], x["action"], x["line_start"]) for x in truth["actions"] if x["named"])
    assert got == want
    unnamed = [(b.unnamed_actions, b.text) for b in bags if b.unnamed_actions]
    assert unnamed == [(("wave",), "Someone waves from the crowd.")]
    spans = {b.line_start: (b.start, b.end) for b in bags if b.actions}
    for x in truth["actions"]:
        start, end = spans[x["line_start"]]
        assert start <= x["end"] and end >= x["start"], x


def test_alias_learning_skips_common_words_roles_and_verbs():
    index = NameIndex(["GITTES", "GUARD", "EILEEN"])
    sentences = [tokenize(s) for s in (
        "JAKE GITTES enters.", "GITTES JOINS them.", "GUARD SMITH waits.", "The guard nods.",
        "EILEEN Water runs.", "The water is cold.",
    )]
    assert learn_aliases(sentences, index) == {"Jake": "GITTES"}


def test_abbreviations_do_not_end_sentences():
    assert split_sentences("Gittes sits next to Mrs. Mulwray. Dr. Cross waves.") == [
        "Gittes sits next to Mrs. Mulwray.", "Dr. Cross waves."]


def test_a_phrase_does_not_reach_across_a_clause():
    assert run("Gittes takes a handkerchief and wipes his desk.")[0][1] == ()
    assert run("Grace gets up out of the chair.")[0][1] == ("stand_up",)


@pytest.mark.parametrize("field,value,problem", [
    ("start", "x", "'x' is not of type 'number', 'null'"),
    ("text", None, "None is not of type 'string'"),
    ("line_start", 2.5, "2.5 is not of type 'integer'"),
])
def test_alignment_with_a_wrong_type_names_file_and_field(tmp_path, capsys, field, value, problem):
    doc = json.loads(json.dumps(DOC))
    doc["elements"][7][field] = value
    src = tmp_path / "aligned.json"
    src.write_text(json.dumps(doc))
    assert main(["labels", str(src)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"scriptalign labels: error: {src}: field elements[7].{field}: {problem} (expected ")
    with pytest.raises(InputError, match=rf"field elements\[7\]\.{field}: "):
        weak_labels(doc)


def test_labels_keep_the_sentences_the_script_reader_split():
    """One sentence splitter: an action element of scriptalign align is one sentence, and labels
    keep it whole ("J. Mulwray" is an initial, not a sentence end)."""
    from scriptalign.screenplay.sentences import split_sentences as reader_split

    text = "J. Mulwray walks in. Gittes sits down."
    assert split_sentences(text) == [s.text for s in reader_split([(1, text)])] == [
        "J. Mulwray walks in.", "Gittes sits down."]
    doc = _doc([("action", None, "J. Mulwray walks in.", 0.0, 2.0), ("dialogue", "MULWRAY", "Hello.", 2.0, 3.0)])
    bags = weak_labels(doc, margin=0)
    assert [(b.text, b.names, b.actions, b.start, b.end) for b in bags] == [
        ("J. Mulwray walks in.", ("MULWRAY",), ("walk",), 0.0, 2.0)]


def test_alignment_json_reads_back_into_the_typed_alignment():
    """The JSON edge: what ``Alignment.to_json`` writes, ``alignment_from_json`` reads back to the same
    elements, cues and speakers (the word counts behind ``stats`` are not in the file)."""
    from dataclasses import replace

    from scriptalign.alignment import align
    from scriptalign.labels import alignment_from_json
    from scriptalign.screenplay import read_script
    from scriptalign.subtitles import read_subtitles
    from scriptalign.toy import default_toy_dir

    toy = default_toy_dir()
    typed = align(read_subtitles(toy / "movie.srt"), read_script(toy / "script.txt"))
    doc = typed.to_json()
    back = alignment_from_json(doc, "aligned.json").to_json()
    assert {k: v for k, v in back.items() if k != "stats"} == {k: v for k, v in doc.items() if k != "stats"}
    assert back["stats"]["counts"] == doc["stats"]["counts"] and back["stats"]["coverage"] == doc["stats"]["coverage"]
    from_file, in_memory = weak_labels(doc), weak_labels(typed)  # the file's times are rounded to 1 ms
    assert [replace(b, start=0.0, end=0.0) for b in from_file] == [replace(b, start=0.0, end=0.0) for b in in_memory]
    assert [t for b in from_file for t in (b.start, b.end)] == \
        pytest.approx([t for b in in_memory for t in (b.start, b.end)], abs=1e-3)
    with pytest.raises(InputError, match=r"aligned\.json: field elements\[0\]\.start"):
        alignment_from_json({**doc, "elements": [{**doc["elements"][0], "start": "x"}]}, "aligned.json")
