"""The semantic pass, with a stand-in encoder (no torch): what it places, in order, and only where asked."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from scriptalign.alignment import align
from scriptalign.cues import Cue, CueLine, Subtitles
from scriptalign.errors import InputError
from scriptalign.screenplay.elements import ElementKind as K
from scriptalign.screenplay.elements import Script, ScriptElement
from scriptalign.semantic import gaps_between, load_encoder, semantic_matches

# Script lines and what is said for them; the paraphrased ones share no word with the script.
SAID = [
    ("The harbour master wants the manifest before the tide turns tonight.",) * 2,
    ("Nobody unloads a single crate until the customs officer signs it.",) * 2,
    ("I cannot stand another minute of this endless rain.", "Enough of that weather, really, enough!"),
    ("Fetch the lanterns from the cellar and light every one of them.",) * 2,
    ("Tell the captain his brother was seen on the northern pier.",) * 2,
    ("The money was hidden inside the old church organ for years.",
     "Cash stayed tucked away in a chapel pipe."),
    ("We sail at dawn whether the crew is sober or not.",) * 2,
    ("Lock the doors, bar the windows, and wait for my signal.",) * 2,
]
# Which texts mean the same (the stand-in encoder gives them one direction).
SAME = {said: line for line, said in SAID}


def fake_encode(texts):
    """Unit vectors, one direction per meaning: a paraphrase and its script line coincide."""
    keys = sorted({SAME.get(t, t) for t in SAID_TEXTS})
    out = np.zeros((len(texts), len(keys)))
    for r, t in enumerate(texts):
        out[r, keys.index(SAME.get(t, t))] = 1.0
    return out


SAID_TEXTS = [t for pair in SAID for t in pair]


def _pair(order=None):
    elements, cues = [], []
    for k, (line, said) in enumerate(SAID):
        elements.append(ScriptElement(2 * k, K.CHARACTER, "ANNA", 2 * k + 1, 2 * k + 1, speaker="anna"))
        elements.append(ScriptElement(2 * k + 1, K.DIALOGUE, line, 2 * k + 2, 2 * k + 2, speaker="anna"))
    for n, k in enumerate(order or range(len(SAID))):
        said = SAID[k][1]
        cues.append(Cue(n + 1, 10.0 * k, 10.0 * k + 4.0, (CueLine(said, said, 4 * n + 3),), 4 * n + 1))
    return Subtitles(tuple(cues)), Script(tuple(elements))


def _times(al):
    return {a.element.text: (a.start, a.end, a.interpolated, a.similarity) for a in al.dialogue}


def test_paraphrased_lines_are_placed_by_meaning_only_when_asked():
    subs, script = _pair()
    plain = _times(align(subs, script))
    rain, money = SAID[2][0], SAID[5][0]
    assert plain[rain][2] and plain[money][2]  # no word in common: interpolated
    al = align(subs, script, semantic=True, encode=fake_encode)
    got = _times(al)
    assert got[rain] == (20.0, 24.0, False, 1.0)
    assert got[money] == (50.0, 54.0, False, 1.0)
    # the lexical placements are those of the plain run, with no similarity
    for line, _ in SAID:
        if line not in (rain, money):
            assert got[line] == plain[line][:3] + (None,)
    # the subtitle lines get the speaker of the element placed on them
    assert al.lines[2][0].element == script.elements[5].id
    assert al.to_json()["elements"][5]["similarity"] == 1.0
    assert "similarity" not in align(subs, script).to_json()["elements"][5]


def test_threshold_above_the_similarity_places_nothing():
    subs, script = _pair()
    al = align(subs, script, semantic=True, semantic_threshold=1.01, encode=fake_encode)
    assert all(a.similarity is None for a in al.dialogue)


def test_matches_keep_order_and_use_each_line_once():
    vec = {"a": [1, 0, 0], "b": [0, 1, 0], "c": [0, 0, 1], "x": [0.8, 0.6, 0], "y": [0.6, 0.8, 0]}

    def encode(texts):
        return np.array([vec[t] for t in texts], dtype=float)

    el = {1: "a", 2: "b"}
    ln = {(0, 0): "y", (1, 0): "x"}  # y (like b) comes first in time, x (like a) second
    got = semantic_matches([([1, 2], [(0, 0), (1, 0)])], el.get, ln.get, encode, 0.5)
    # the best pair (a, x) or (b, y) is kept; the other would cross it in time, so it is not
    assert len(got) == 1 and list(got.values())[0][1] == pytest.approx(0.8)


def test_gaps_only_between_trusted_neighbours_and_not_too_long():
    trusted = {1: (0.0, 4.0), 5: (20.0, 24.0), 9: (200.0, 204.0)}
    free = [(5.0, 8.0, (1, 0)), (12.0, 15.0, (2, 0)), (30.0, 33.0, (3, 0)), (100.0, 103.0, (4, 0))]
    gaps = gaps_between(trusted, [0, 3, 4, 7, 11], free, max_gap_s=60.0)
    # 0 and 11 have a trusted neighbour on one side only; 7's gap (24 s to 200 s) is too long
    assert gaps == [([3, 4], [(1, 0), (2, 0)])]


def test_missing_packages_give_a_clear_error(monkeypatch):
    load_encoder.cache_clear()
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(InputError, match=r"pip install 'scriptalign\[semantic\]'"):
        load_encoder()
    load_encoder.cache_clear()
