"""Subtitle-to-screenplay alignment: put times on script lines and speakers on subtitle lines.

Subtitle words and script dialogue words are matched by a monotone word alignment (longest
common subsequence on integer word ids, rapidfuzz's bit-parallel Indel), isolated chance matches
are dropped, and stretches of subtitles left unmatched are re-aligned locally against the part of
the script that shares rare word triples with them (a scene moved in the edit). Each dialogue
element then gets its time from its matched subtitle words and a score, the fraction of its words
matched (Laptev et al. 2008); each subtitle line gets the element most of its words matched
(Everingham et al. 2006). On request, a semantic pass (:mod:`scriptalign.semantic`) places dialogue
still untrusted on free subtitle lines between its trusted neighbours by sentence-embedding similarity.
"""

from __future__ import annotations

import gc
import math
import warnings
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import accumulate, chain, count, groupby, islice, pairwise, repeat

from scriptalign.cues import Cue, Subtitles
from scriptalign.errors import InputError, ScriptError, SubtitleError
from scriptalign.screenplay.elements import ElementKind, Script, ScriptElement
from scriptalign.words import tokens_of_many, words_of_many

SCHEMA = "scriptalign.alignment/1"

#: Dialogue elements with a smaller fraction of matched words get interpolated times. Off by default:
#: the confidence (:class:`ConfidenceModel`) decides; a paraphrased line matches few of its words.
DEFAULT_MIN_SCORE = 0.0
#: Below this share of subtitle lines placed, :func:`align` warns (:class:`LowCoverageWarning`).
LOW_COVERAGE = 0.2


class LowCoverageWarning(UserWarning):
    """Few subtitle lines matched the script: subtitles of another film, or another language?"""

# A match is kept when at least this many other matches lie near it (in both word streams).
_SUPPORT = 2
_SUPPORT_SUB = 4
_SUPPORT_SCRIPT = 8
# Unmatched subtitle stretches at least this long are re-aligned locally (moved scenes).
_REANCHOR_MIN = 6
_NGRAM = 3
# Matched words of one element further apart in time than this belong to different occurrences.
_CLUSTER_GAP_S = 20.0
# An element matched by fewer words than this needs an aligned neighbour (two either side in the
# script) that follows it or precedes it in time within this many seconds.
_ISOLATED_MAX_WORDS = 5
_NEIGHBOURS = 2
_NEIGHBOUR_GAP_S = 300.0
# A token is a rare word (an anchor) when its IDF over the script's dialogue is at least this.
_RARE_IDF = 3.0
_ANCHOR_NEAR = 40
# Gaps between anchors larger than this (subtitle words x script words) are not filled word by word.
_GAP_CELLS = 4_000_000
# One LCS call holds at most this many cells (bits) of path; longer inputs go in chunks.
_LCS_CELLS = 400_000_000
_NEAR_SPELLING = 85.0
_IDF_MIN_ELEMENTS = 200
# The rescue of short lines: the widest stretch of subtitle words searched at all.
_RESCUE_WINDOW = 600
# Elements that share the times of their dialogue instead of a share of a gap.
_ATTACHED = (ElementKind.CHARACTER, ElementKind.PARENTHETICAL)


@dataclass(frozen=True)
class AlignedElement:
    """A script element with its time interval; ``score`` and ``cues`` are for dialogue only."""

    element: ScriptElement
    start: float | None
    end: float | None
    score: float | None
    cues: tuple[int, ...]
    interpolated: bool
    words: int = 0
    matched: int = 0
    confidence: float | None = None
    similarity: float | None = None  # set when the semantic pass placed it (cosine similarity)


@dataclass(frozen=True)
class AlignedLine:
    """One text line of a subtitle cue (as written) with the element it aligned to and its speaker."""

    cue: int
    line: int
    text: str
    element: int | None
    speaker: str | None


@dataclass(frozen=True)
class Alignment:
    """The result of :func:`align`: per script element and per subtitle line, in file order."""

    subtitles: Subtitles
    script: Script
    elements: tuple[AlignedElement, ...]
    lines: tuple[tuple[AlignedLine, ...], ...]
    min_score: float
    min_confidence: float = 0.0
    semantic: bool = False  # whether the semantic pass ran

    @property
    def dialogue(self) -> tuple[AlignedElement, ...]:
        return tuple(a for a in self.elements if a.element.kind is ElementKind.DIALOGUE)

    def stats(self) -> dict:
        """Coverage and scores: how much of each side found a partner."""
        dialogue = self.dialogue
        aligned = [a for a in dialogue if not a.interpolated]
        text_lines = [ln for cue in self.lines for ln in cue if ln.text]
        assigned = [ln for ln in text_lines if ln.element is not None]
        total_words = sum(a.words for a in dialogue)
        return {
            "coverage": _ratio(len(assigned), len(text_lines)),
            "dialogue_coverage": _ratio(len(aligned), len(dialogue)),
            "word_coverage": _ratio(sum(a.matched for a in aligned), total_words),
            "mean_score": round(sum(a.score or 0.0 for a in dialogue) / len(dialogue), 4)
            if dialogue
            else 0.0,
            "counts": {
                "elements": len(self.elements),
                "dialogue": len(dialogue),
                "dialogue_aligned": len(aligned),
                "interpolated": sum(1 for a in self.elements if a.interpolated),
                "cues": len(self.lines),
                "lines": len(text_lines),
                "lines_assigned": len(assigned),
            },
        }

    def to_json(self) -> dict:
        """The documented JSON form (``schema`` ``scriptalign.alignment/1``)."""
        doc = {
            "schema": SCHEMA,
            "subtitles": self.subtitles.path,
            "script": self.script.path,
            "min_score": self.min_score,
            "min_confidence": self.min_confidence,
            "elements": [
                {
                    "id": a.element.id,
                    "kind": str(a.element.kind),
                    "speaker": a.element.speaker,
                    "text": a.element.text,
                    "line_start": a.element.line_start,
                    "line_end": a.element.line_end,
                    "start": _round(a.start),
                    "end": _round(a.end),
                    "score": None if a.score is None else round(a.score, 4),
                    "confidence": None if a.confidence is None else round(a.confidence, 4),
                    "cues": list(a.cues),
                    "interpolated": a.interpolated,
                }
                for a in self.elements
            ],
            "cues": [
                {
                    "index": cue.index,
                    "start": _round(cue.start),
                    "end": _round(cue.end),
                    "lines": [
                        {"text": ln.text, "element": ln.element, "speaker": ln.speaker} for ln in lines
                    ],
                }
                for cue, lines in zip(self.subtitles.cues, self.lines)
            ],
            "stats": self.stats(),
        }
        if self.semantic:  # the semantic pass's similarity, only when it ran (the schema stays the same)
            doc["semantic"] = True
            for row, a in zip(doc["elements"], self.elements):
                row["similarity"] = None if a.similarity is None else round(a.similarity, 4)
        return doc

    def to_srt(self) -> str:
        """The script as timed SRT subtitles (``RICK: ...``, descriptions in brackets)."""
        from scriptalign.export import to_srt

        return to_srt(self)

    def to_vtt(self) -> str:
        """The script as timed WebVTT subtitles."""
        from scriptalign.export import to_vtt

        return to_vtt(self)

    def to_tsv(self) -> str:
        """One row per script element."""
        from scriptalign.export import to_tsv

        return to_tsv(self)


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def _round(t: float | None) -> float | None:
    return None if t is None else round(t, 3)


@dataclass(frozen=True)
class ConfidenceModel:
    """A logistic model of "this dialogue element is placed right" over :data:`FEATURES`.

    ``confidence = 1 / (1 + exp(-(bias + sum(w * (f - mean) / scale))))``; an element is trusted when
    its confidence is at least ``threshold``. Fitted by ``benchmarks/bench_alignment.py --fit``
    (leave-one-film-out; the shipped one on every film and episode in ../shared/data)."""

    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    threshold: float

    def __call__(self, f: tuple[float, ...]) -> float:
        z = self.bias + sum(w * (x - m) / s for w, x, m, s in zip(self.weights, f, self.mean, self.scale))
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


#: What the confidence looks at, per dialogue element and its best occurrence in the subtitles.
FEATURES = (
    "log_matched",  # log(1 + matched words)
    "fraction",  # matched / words of the element
    "idf_share",  # IDF mass of the matched words / IDF mass of the element's words
    "log_idf_matched",  # log(1 + IDF mass matched)
    "log_run",  # log(1 + the longest run of consecutive matches through the element, across elements)
    "order",  # share of the neighbouring candidates (3 each side) that come before / after it in time
    "cue_share",  # matched words / words of the subtitle lines it spans
    "speaker",  # share of its neighbours (2 each side) with the same speaker that agree in time, else 0.5
)

#: The shipped model (fitted on all films and episodes by ``bench_alignment.py --fit``).
DEFAULT_MODEL = ConfidenceModel(
    weights=(-0.0769, 0.5924, 1.5767, 1.5235, 2.1447, 2.0526, 1.3246, 0.0),
    bias=-0.8586,
    mean=(1.7699, 0.5795, 0.5434, 2.5739, 2.1895, 0.7373, 0.6340, 0.5),
    scale=(0.7094, 0.3832, 0.4117, 0.9393, 1.4420, 0.3334, 0.3443, 1.0),
    threshold=0.4,
)


@dataclass(frozen=True)
class MatchOptions:
    """How words are made equal and matched; each part can be switched off to measure what it buys."""

    canonical: bool = True  # contractions, colloquial forms, numbers as words
    lemmas: bool = False  # lemminflect lemmas (0.7 s to load the first time)
    near_spelling: bool = True  # a subtitle word absent from the script matches its closest spelling there
    anchored: bool = True  # rare-word anchors first, then local LCS between them (else one global LCS)
    rescue: bool = True  # search weak lines again between their strong neighbours
    rescue_slack: int = 90  # subtitle words searched beyond a weak line's strong neighbours (chosen by LOFO)


def align(
    subtitles: Subtitles,
    script: Script,
    *,
    min_score: float = DEFAULT_MIN_SCORE,
    min_confidence: float | None = None,
    model: ConfidenceModel | None = None,
    options: MatchOptions = MatchOptions(),
    semantic: bool = False,
    semantic_threshold: float | None = None,
    encode: Callable | None = None,
) -> Alignment:
    """Align subtitles with a screenplay; see the module docstring for the method.

    With ``semantic``, dialogue still untrusted is compared by meaning with the free subtitle lines
    between its trusted neighbours (:mod:`scriptalign.semantic`; needs the ``semantic`` extra, loads
    torch); a pair at least ``semantic_threshold`` similar is trusted. ``encode`` replaces the model.

    A dialogue element is trusted when its ``confidence`` reaches ``min_confidence`` (default: the
    model's threshold, chosen by leave-one-film-out) and its matched fraction ``score`` reaches
    ``min_score`` (default 0). Raises :class:`InputError` when nothing matched, and
    warns (:class:`LowCoverageWarning`) when few subtitle lines did."""
    if not 0.0 <= min_score <= 1.0:
        raise ValueError(f"min_score must be within [0, 1], got {min_score}")
    model = model or DEFAULT_MODEL
    if min_confidence is not None:
        if not 0.0 <= min_confidence <= 1.0:
            raise ValueError(f"min_confidence must be within [0, 1], got {min_confidence}")
        model = replace(model, threshold=min_confidence)
    threshold = None
    if semantic:
        from scriptalign.semantic import DEFAULT_THRESHOLD, load_encoder

        threshold = DEFAULT_THRESHOLD if semantic_threshold is None else semantic_threshold
        encode = encode or load_encoder()  # first: a missing extra is reported whatever the data
    with _no_gc():
        c = candidates(subtitles, script, options)
        return align_candidates(
            c, subtitles, script, model=model, min_score=min_score, semantic=threshold, encode=encode
        )


@contextmanager
def _no_gc():
    """The cycle collector paused: alignment builds tens of thousands of small acyclic containers, and
    the collections they would trigger cost a fifth of its time (reference counting frees them)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def align_candidates(
    c: Candidates, subtitles: Subtitles, script: Script, *, model: ConfidenceModel | None = None,
    min_score: float = DEFAULT_MIN_SCORE, semantic: float | None = None, encode: Callable | None = None,
) -> Alignment:
    """The second half of :func:`align`, on candidates already found (to try several models on one film);
    ``semantic``: the similarity threshold of the semantic pass (None: no semantic pass)."""
    model = model or DEFAULT_MODEL
    conf = {p: model(f) for p, f in c.features.items()}
    found = {
        p: subs
        for p, subs in c.occurrence.items()
        if conf[p] >= model.threshold and c.scores[p] >= min_score
    }
    _drop_out_of_order(found, c.starts, conf)
    similarity = None
    if semantic is not None:
        similarity = _semantic_pass(c, subtitles, script, found, conf, semantic, encode)
    alignment = _result(subtitles, script, c, found, conf, min_score, model.threshold, similarity)
    _check_result(alignment)
    return alignment


def _semantic_pass(
    c: Candidates, subtitles, script, found, conf, threshold: float, encode
) -> dict[int, float]:
    """Add to ``found`` the untrusted dialogue that the semantic pass places (on the subtitle words of
    one free line between its trusted neighbours); returns element position -> similarity."""
    from scriptalign import semantic as sem

    w, cues, elements = c.streams, subtitles.cues, script.elements

    def interval(subs):
        ks = {w.s_cue[i] for i in subs}
        return min(cues[k].start for k in ks), max(cues[k].end for k in ks)

    trusted = {p: interval(subs) for p, subs in found.items()}
    untrusted = [p for p, n in w.n_words.items() if p not in found and n >= sem.MIN_WORDS]
    taken = {w.s_line[i] for subs in found.values() for i in subs}
    free = [  # w.spans is in time order
        (cues[key[0]].start, cues[key[0]].end, key)
        for key, (a, b) in w.spans.items()
        if key not in taken and b - a >= sem.MIN_WORDS
    ]
    gaps = sem.gaps_between(trusted, sorted(untrusted), free)
    if not gaps:
        return {}
    got = sem.semantic_matches(
        gaps,
        lambda p: elements[p].text,
        lambda key: cues[key[0]].lines[key[1]].text,
        encode or sem.load_encoder(),
        threshold,
    )
    for p, (key, _) in got.items():
        found[p] = list(range(*w.spans[key]))
    # the time order again, the semantic placements (least similar first) before any word match
    starts = {**c.starts, **{p: cues[key[0]].start for p, (key, _) in got.items()}}
    _drop_out_of_order(found, starts, {**conf, **{p: s - 2.0 for p, (_, s) in got.items()}})
    return {p: s for p, (_, s) in got.items() if p in found}


@dataclass(frozen=True)
class Candidates:
    """Per dialogue element position: its best occurrence in the subtitles, score and features."""

    streams: "_WordStreams"
    pairs: list[tuple[int, int]]
    occurrence: dict[int, list[int]]  # element position -> matched subtitle word positions
    scores: dict[int, float]  # element position -> matched fraction (every element with words)
    starts: dict[int, float]  # element position -> start of its occurrence
    features: dict[int, tuple[float, ...]]  # element position -> FEATURES


def candidates(subtitles: Subtitles, script: Script, options: MatchOptions = MatchOptions()) -> Candidates:
    """Match the words and describe each dialogue element's best occurrence (for :func:`align` and for
    fitting a :class:`ConfidenceModel`)."""
    if not script.dialogue:
        raise ScriptError(
            "the script has no dialogue to align", script.path, expected="character cues followed by dialogue"
        )
    cues = subtitles.cues
    elements = script.elements
    w = _WordStreams(cues, elements, options)
    if not w.s_ids:
        raise SubtitleError(
            "the subtitles hold no words to align", subtitles.path, expected="spoken text in cues"
        )
    pairs = _match(w.s_ids, w.t_ids, w.idf if options.anchored else None)
    occurrence, scores = _occurrences(pairs, w, cues)
    if options.rescue:
        rescued = _rescue(pairs, w, occurrence, scores, options.rescue_slack)
        if rescued is not pairs:
            before = set(pairs)
            after = set(rescued)
            changed = {w.t_elem[j] for _, j in before ^ after}
            pairs = rescued
            occ2, sc2 = _occurrences(pairs, w, cues, changed)
            for p in changed:
                occurrence.pop(p, None)
            occurrence.update(occ2)
            scores.update(sc2)
    # subtitle words are in time order: an occurrence starts at the cue of its first word
    starts = {p: cues[w.s_cue[min(subs)]].start for p, subs in occurrence.items()}
    features = _features(w, pairs, occurrence, starts, cues, elements)
    return Candidates(w, pairs, occurrence, scores, starts, features)


def _occurrences(pairs, w, cues, only: set[int] | None = None) -> tuple[dict[int, list[int]], dict[int, float]]:
    """Per dialogue element (or those in ``only``): the subtitle words of its densest occurrence, and its
    matched fraction."""
    by_elem: dict[int, list[tuple[int, int]]] = defaultdict(list)
    t_elem = w.t_elem
    for i, j in pairs:
        by_elem[t_elem[j]].append((i, j))
    occurrence: dict[int, list[int]] = {}
    scores: dict[int, float] = {}
    items = w.n_words.items() if only is None else [(p, w.n_words[p]) for p in only if p in w.n_words]
    for e_pos, n in items:
        subs = _densest_occurrence(by_elem.get(e_pos, []), w.s_cue, cues, n)  # pairs are sorted
        scores[e_pos] = len(subs) / n
        if subs:
            occurrence[e_pos] = subs
    return occurrence, scores


def _rescue(pairs, w, occurrence, scores, slack: int) -> list[tuple[int, int]]:
    """Find short surviving lines between confident neighbours: each element that is not well matched
    is aligned on its own against the subtitle words between its strong neighbours' occurrences
    (widened a little: a line said a moment early), where no strong match lies. A find with at least
    half of its words (two or more) replaces the weak matches there."""
    from rapidfuzz.distance import Indel

    strong = sorted(p for p in occurrence if len(occurrence[p]) >= 3 and scores[p] >= 0.5)
    if len(strong) < 2:
        return pairs
    span_of = {p: (min(occurrence[p]), max(occurrence[p])) for p in strong}
    strong_i = sorted({i for p in strong for i in occurrence[p]})
    strong_set = set(strong)
    # script words come element after element: each element's first word follows the words before it
    elem_start = dict(zip(w.n_words, accumulate(w.n_words.values(), initial=0)))
    n_s = len(w.s_ids)
    match_of_s = dict(pairs)
    used_t = Counter(match_of_s.values())  # script word -> how many subtitle words hold it
    changed = False
    for p, n in w.n_words.items():
        if p in strong_set or scores.get(p, 0.0) >= 0.5 or n < 2:
            continue
        k = bisect_left(strong, p)
        lo = span_of[strong[k - 1]][1] + 1 if k > 0 else 0
        hi = span_of[strong[k]][0] if k < len(strong) else n_s
        lo, hi = max(0, lo - slack), min(n_s, hi + slack)
        if hi - lo > _RESCUE_WINDOW or hi <= lo:
            continue
        j0 = elem_start[p]
        mine = w.t_ids[j0 : j0 + n]
        window = w.s_ids[lo:hi]
        for i in strong_i[bisect_left(strong_i, lo) : bisect_left(strong_i, hi)]:
            window[i - lo] = -1 - i  # strong words never match
        found = [
            (lo + b.a + d, j0 + b.b + d)
            for b in Indel.opcodes(window, mine).as_matching_blocks()
            for d in range(b.size)
        ]
        if len(found) < max(2, (n + 1) // 2) or found[-1][0] - found[0][0] > 3 * n + 4:
            continue
        if any(used_t[j] and match_of_s.get(i) != j for i, j in found):
            # the element's own words matched elsewhere: free them first
            for i2 in [i2 for i2, j2 in match_of_s.items() if j0 <= j2 < j0 + n]:
                used_t[match_of_s.pop(i2)] -= 1
        for i, j in found:
            old = match_of_s.get(i)
            if old is not None:
                used_t[old] -= 1
            match_of_s[i] = j
            used_t[j] += 1
        changed = True
    if not changed:
        return pairs
    # one script word per match, in order of the subtitles; crossings with strong matches are dropped
    return _one_match_per_script_word(match_of_s)


def _features(w, pairs, occurrence, starts, cues, elements) -> dict[int, tuple[float, ...]]:
    """:data:`FEATURES` for every element with an occurrence."""
    # run length through each matched subtitle word: consecutive in both streams
    run_of: dict[int, int] = {}
    run: list[int] = []
    for (i, j), nxt in zip(pairs, pairs[1:] + [(-9, -9)]):
        run.append(i)
        if nxt != (i + 1, j + 1):
            for k in run:
                run_of[k] = len(run)
            run = []
    order = sorted(occurrence)
    strong = [p for p in order if len(occurrence[p]) >= 3]
    strong_starts = [starts[p] for p in strong]
    idf, t_ids = w.idf, w.t_ids
    idf_at = {i: idf[t_ids[j]] for i, j in pairs}  # the IDF of the script word each subtitle word matched
    s_line, line_len = w.s_line.__getitem__, w.line_len.__getitem__
    out: dict[int, tuple[float, ...]] = {}
    for p in order:
        subs = occurrence[p]
        n = w.n_words[p]
        matched_idf = sum(map(idf_at.__getitem__, subs))
        total_idf = w.elem_idf[p]
        longest = max(map(run_of.__getitem__, subs))
        # order agreement with the strong candidates around it in script order
        k = bisect_left(strong, p)
        before = strong_starts[max(0, k - 3) : k]
        after = strong_starts[k + (k < len(strong) and strong[k] == p) : min(len(strong), k + 4)]
        t = starts[p]
        votes = [b <= t + 1.0 and t - b <= _NEIGHBOUR_GAP_S for b in before]
        votes += [a >= t - 1.0 and a - t <= _NEIGHBOUR_GAP_S for a in after]
        agree = sum(votes) / len(votes) if votes else 0.5
        lines = set(map(s_line, subs))
        span_words = sum(map(line_len, lines))
        speaker = w.speaker_agreement(p, lines)
        out[p] = (
            math.log1p(len(subs)),
            len(subs) / n,
            matched_idf / total_idf if total_idf else 0.0,
            math.log1p(matched_idf),
            math.log1p(longest),
            agree,
            len(subs) / span_words if span_words else 0.0,
            speaker,
        )
    return out


def _drop_out_of_order(found: dict[int, list[int]], starts: dict[int, float], conf: dict[int, float]) -> None:
    """Untrust a trusted element placed against the time order of its trusted neighbours.

    When its two neighbours (in script order) are in order with each other, it must lie between
    them in time; when they are not (it sits at the edge of a moved scene), it must agree with one of
    them. A moved scene keeps its order inside itself; a line placed by chance elsewhere does not.
    The least confident such element goes first, until none is left."""
    tol = 1.0
    while True:
        order = sorted(found)
        worst = None
        for k, p in enumerate(order):
            t = starts[p]
            a = starts[order[k - 1]] if k > 0 else None
            b = starts[order[k + 1]] if k + 1 < len(order) else None
            prev_ok = a is None or a <= t + tol
            next_ok = b is None or t <= b + tol
            if a is not None and b is not None and a <= b + tol:
                ok = prev_ok and next_ok
            else:
                ok = prev_ok or next_ok
            if not ok and (worst is None or conf[p] < conf[worst]):
                worst = p
        if worst is None:
            return
        del found[worst]


def _result(
    subtitles, script, c: Candidates, found, conf, min_score, threshold, similarity=None
) -> Alignment:
    """Times for trusted dialogue from its cues, interpolated for the rest; a speaker per subtitle line."""
    cues, elements, w = subtitles.cues, script.elements, c.streams
    starts: list[float | None] = [None] * len(elements)
    ends: list[float | None] = [None] * len(elements)
    cue_ids: dict[int, tuple[int, ...]] = {}
    s_cue = w.s_cue.__getitem__
    for e_pos, subs in found.items():
        cue_pos = sorted(set(map(s_cue, subs)))
        starts[e_pos] = cues[s_cue(min(subs))].start  # subtitle words are in time order
        ends[e_pos] = max(cues[k].end for k in cue_pos)
        cue_ids[e_pos] = tuple(cues[k].index for k in cue_pos)
    _interpolate(sorted(found), starts, ends, elements, max((cu.end for cu in cues), default=0.0))
    _attach(starts, ends, elements)

    result = []
    dialogue, n_words, scores, occurrence = ElementKind.DIALOGUE, w.n_words, c.scores, c.occurrence
    similarity_of = similarity.get if similarity else (lambda _: None)
    for e_pos, el in enumerate(elements):
        if el.kind is not dialogue:
            result.append(AlignedElement(el, starts[e_pos], ends[e_pos], None, (), True))
            continue
        result.append(
            AlignedElement(
                el,
                starts[e_pos],
                ends[e_pos],
                scores.get(e_pos, 0.0),
                cue_ids.get(e_pos, ()),
                e_pos not in found,
                n_words.get(e_pos, 0),
                len(occurrence.get(e_pos, ())),
                conf.get(e_pos, 0.0),
                similarity_of(e_pos),
            )
        )
    match_of_s = dict(c.pairs)
    if similarity:  # a line placed by meaning votes for its element through the element's first word
        first_j = {p: j for j, p in reversed(list(enumerate(w.t_elem)))}
        trusted = {i: match_of_s.get(i, first_j[p]) for p, subs in found.items() for i in subs}
    else:
        trusted = {i: match_of_s[i] for subs in found.values() for i in subs}
    lines = _assign_lines(cues, w.order, w.spans, trusted, w.t_elem, elements)
    return Alignment(subtitles, script, tuple(result), lines, min_score, threshold, similarity is not None)


def _check_result(alignment: Alignment) -> None:
    """The policy on a result: nothing matched is an error, little matched a warning."""
    stats = alignment.stats()
    if stats["counts"]["dialogue_aligned"] == 0:
        raise InputError(
            "no dialogue line of the script matched the subtitles (subtitles of another film?)",
            alignment.subtitles.path,
            expected="subtitles and a screenplay of the same film",
        )
    if stats["coverage"] < LOW_COVERAGE:
        warnings.warn(
            f"only {stats['coverage']:.0%} of subtitle lines matched the script "
            "(subtitles of another film, or another language?)",
            LowCoverageWarning,
            stacklevel=3,
        )


class _WordStreams:
    """Both sides as integer token ids: subtitle tokens in time order, script dialogue tokens in order."""

    def __init__(self, cues: tuple[Cue, ...], elements: tuple[ScriptElement, ...], options: MatchOptions) -> None:
        tokenise = (
            (lambda texts: tokens_of_many(texts, lemmas=options.lemmas)) if options.canonical else words_of_many
        )
        # Cues sorted by start (stable); the file order is kept for output.
        self.order = sorted(range(len(cues)), key=lambda k: (cues[k].start, k))
        keys = [(k, li) for k in self.order for li, cl in enumerate(cues[k].lines) if cl.text]
        s_lists = tokenise([cues[k].lines[li].text for k, li in keys])
        dialogue = [p for p, el in enumerate(elements) if el.kind is ElementKind.DIALOGUE]
        t_lists = tokenise([elements[p].text for p in dialogue])
        if options.near_spelling:
            s_lists = _near_spellings(s_lists, t_lists)
        # vocab.setdefault(word, next(ids)) gives each word one id (ids need not be consecutive).
        vocab: dict[str, int] = {}
        ids = count()
        lens = list(map(len, s_lists))
        self.s_ids: list[int] = list(map(vocab.setdefault, chain.from_iterable(s_lists), ids))
        # The position in the file of each word's cue; each (cue position, line) -> its word range.
        self.s_cue: list[int] = list(chain.from_iterable(map(repeat, (k for k, _ in keys), lens)))
        self.s_line: list[tuple[int, int]] = list(chain.from_iterable(map(repeat, keys, lens)))
        self.line_len: dict[tuple[int, int], int] = dict(zip(keys, lens))
        self.spans: dict[tuple[int, int], tuple[int, int]] = {
            key: (end - n, end) for key, n, end in zip(keys, lens, accumulate(lens)) if n
        }
        lens = list(map(len, t_lists))
        self.t_ids: list[int] = list(map(vocab.setdefault, chain.from_iterable(t_lists), ids))
        # The position in the script of each word's element; dialogue position -> word count (when > 0).
        self.t_elem: list[int] = list(chain.from_iterable(map(repeat, dialogue, lens)))
        self.n_words: dict[int, int] = {p: n for p, n in zip(dialogue, lens) if n}
        # IDF of each token over the script's dialogue elements (a rare word is worth more as evidence)
        flat = iter(self.t_ids)
        id_lists = [list(islice(flat, n)) for n in lens]  # the token ids of each dialogue element
        df = Counter(chain.from_iterable(map(set, id_lists)))
        # at least a feature film's worth of elements: in a short script every word would look common
        n_el = max(len(dialogue), _IDF_MIN_ELEMENTS)
        top = math.log(n_el + 1.0)
        self.idf: dict[int, float] = defaultdict(
            lambda: top, {t: math.log((n_el + 1.0) / (d + 0.5)) for t, d in df.items()}
        )
        idf_of = self.idf.__getitem__
        self.elem_idf: dict[int, float] = {p: sum(map(idf_of, ids_)) for p, ids_ in zip(dialogue, id_lists) if ids_}
        self._cues = cues
        self._elements = elements
        self._dialogue = dialogue

    def speaker_agreement(self, p: int, lines: set[tuple[int, int]]) -> float:
        """Share of the subtitle lines it matched (``(cue position, line)``) whose written speaker (``NAME:``,
        ``<v Name>``) is its own; 0.5 when the subtitles name nobody there."""
        speaker = self._elements[p].speaker
        named = [self._cues[k].lines[li].speaker for k, li in lines]
        named = [n for n in named if n]
        if not named or not speaker:
            return 0.5
        return sum(n.lower() == speaker.lower() for n in named) / len(named)


def _near_spellings(s_lists: list[list[str]], t_lists: list[list[str]]) -> list[list[str]]:
    """Subtitle tokens absent from the script, of five letters or more, replaced by the script's token of
    the closest spelling (rapidfuzz ratio >= 85, same first letter): "Mulwrey" -> "mulwray"."""
    from rapidfuzz import fuzz, process  # process.extract, not cdist: cdist would import numpy (slow start)

    t_vocab = set(chain.from_iterable(t_lists))
    s_vocab = set(chain.from_iterable(s_lists)).difference(t_vocab)
    s_only = sorted(t for t in s_vocab if len(t) >= 5 and t.isalpha())
    if not s_only:
        return s_lists
    by_first: dict[str, list[str]] = defaultdict(list)
    for t in sorted(t_vocab):
        if len(t) >= 4 and t.isalpha():
            by_first[t[0]].append(t)
    queries: dict[str, list[str]] = defaultdict(list)
    for t in s_only:
        queries[t[0]].append(t)
    repl: dict[str, str] = {}
    for first, group in queries.items():
        pool = by_first.get(first)
        if not pool:
            continue
        for tok in group:
            top = process.extract(tok, pool, scorer=fuzz.ratio, score_cutoff=_NEAR_SPELLING, limit=2)
            if top and (len(top) == 1 or top[1][1] < top[0][1]):  # one closest spelling, not a tie
                repl[tok] = top[0][0]
    if not repl:
        return s_lists
    return [[repl.get(t, t) for t in lst] for lst in s_lists]


def _match(s_ids: list[int], t_ids: list[int], idf: dict[int, float] | None = None) -> list[tuple[int, int]]:
    """Word matches (subtitle position, script position), filtered, plus local re-anchoring.

    With ``idf``: the monotone path is first fixed by the rare words alone (a common word matched by
    chance can no longer pull it elsewhere), then each gap between two anchors is aligned word by
    word. Without: one global LCS over all words."""
    from rapidfuzz.distance import Indel

    if idf is None:
        blocks = [(b.a, b.b, b.size) for b in Indel.opcodes(s_ids, t_ids).as_matching_blocks() if b.size]
    else:
        blocks = _anchored_blocks(s_ids, t_ids, idf)
    pairs = _supported(blocks)
    return _reanchor(pairs, s_ids, t_ids)


def _anchored_blocks(s_ids: list[int], t_ids: list[int], idf: dict[int, float]) -> list[tuple[int, int, int]]:
    """Matching blocks of an LCS over the rare words only, with the gaps between anchors filled by a
    local LCS over all words. Long inputs are cut in chunks along the anchor path."""
    from rapidfuzz.distance import Indel

    cut = _RARE_IDF
    s_pos = [i for i, t in enumerate(s_ids) if idf[t] >= cut]
    t_pos = [j for j, t in enumerate(t_ids) if idf[t] >= cut]
    anchors = []
    for a, b, size in _lcs_blocks([s_ids[i] for i in s_pos], [t_ids[j] for j in t_pos]):
        anchors += [(s_pos[a + d], t_pos[b + d]) for d in range(size)]
    # keep anchors with support (another anchor near in both streams): a lone rare word is chance too
    near = [  # whether anchors m and m + 1 are near each other in both streams
        abs(i2 - i1) <= _ANCHOR_NEAR and abs(j2 - j1) <= 2 * _ANCHOR_NEAR for (i1, j1), (i2, j2) in pairwise(anchors)
    ]
    anchors = [a for a, left, right in zip(anchors, [False] + near, near + [False]) if left or right]
    pairs: list[tuple[int, int]] = []
    prev = (-1, -1)
    for i, j in anchors + [(len(s_ids), len(t_ids))]:
        lo_s, lo_t = prev[0] + 1, prev[1] + 1
        if i > lo_s and j > lo_t:
            if i - lo_s == 1 and j - lo_t == 1:  # the common case: one word each side
                if s_ids[lo_s] == t_ids[lo_t]:
                    pairs.append((lo_s, lo_t))
            elif (i - lo_s) * (j - lo_t) <= _GAP_CELLS:
                for blk in Indel.opcodes(s_ids[lo_s:i], t_ids[lo_t:j]).as_matching_blocks():
                    pairs += [(lo_s + blk.a + d, lo_t + blk.b + d) for d in range(blk.size)]
        if i < len(s_ids):
            pairs.append((i, j))
        prev = (i, j)
    return _blocks_of(pairs)


def _lcs_blocks(a: list[int], b: list[int]) -> list[tuple[int, int, int]]:
    """Matching blocks of an LCS of two id lists; long ones in chunks (bounded memory, about linear time).

    rapidfuzz's bit-parallel LCS keeps ``len(a) * len(b)`` bits for the path: beyond ``_LCS_CELLS``
    the lists are cut into chunks of ``a``, each aligned to the window of ``b`` its position in
    proportion suggests, widened, and continued from the last match of the chunk before."""
    from rapidfuzz.distance import Indel

    if len(a) * len(b) <= _LCS_CELLS:
        return [(m.a, m.b, m.size) for m in Indel.opcodes(a, b).as_matching_blocks() if m.size]
    out: list[tuple[int, int, int]] = []
    step = max(1, _LCS_CELLS // max(len(b), 1))
    step = max(min(step, len(a)), 2000)
    ratio = len(b) / max(len(a), 1)
    a0, b0 = 0, 0
    while a0 < len(a):
        a1 = min(len(a), a0 + step)
        width = int((a1 - a0) * ratio * 1.5) + 200
        b1 = min(len(b), b0 + width)
        got = [(m.a, m.b, m.size) for m in Indel.opcodes(a[a0:a1], b[b0:b1]).as_matching_blocks() if m.size]
        if a1 < len(a) and got:
            # keep the chunk's matches up to its last three quarters; the rest is redone by the next chunk
            limit = a0 + (a1 - a0) * 3 // 4
            got = [g for g in got if a0 + g[0] < limit] or got[:1]
        for x, y, size in got:
            out.append((a0 + x, b0 + y, size))
        if a1 >= len(a):
            break
        if out:
            x, y, size = out[-1]
            a0, b0 = x + size, y + size
        else:
            a0, b0 = a0 + (a1 - a0) * 3 // 4, b0
    return out


def _blocks_of(pairs: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """Runs of consecutive pairs as ``(i, j, size)`` blocks."""
    blocks: list[tuple[int, int, int]] = []
    m = 0
    for size in _run_sizes(pairs):
        blocks.append((*pairs[m], size))
        m += size
    return blocks


def _supported(blocks: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """Drop chance matches: keep a match with enough other matches close by in both streams.

    ``blocks`` are runs of consecutive matches ``(i, j, size)`` in order; a run of three or more
    supports all of its matches, so only short runs are checked one match at a time.
    """
    pairs = [(a + d, b + d) for a, b, size in blocks for d in range(size)]
    keep: list[tuple[int, int]] = []
    first = 0
    for _, _, size in blocks:
        if size > _SUPPORT:
            keep += pairs[first : first + size]
        else:
            keep += [pairs[m] for m in range(first, first + size) if _has_support(pairs, m)]
        first += size
    return keep


def _has_support(pairs: list[tuple[int, int]], m: int) -> bool:
    """Whether enough other matches lie near match ``m`` (the allowed distance grows with the rank)."""
    i, j = pairs[m]
    support = 0
    n = len(pairs)
    for d in (1, 2, 3, 4, 5, 6):
        for mm in (m - d, m + d):
            if 0 <= mm < n:
                ii, jj = pairs[mm]
                if abs(ii - i) <= _SUPPORT_SUB * d and abs(jj - j) <= _SUPPORT_SCRIPT * d:
                    support += 1
        if support >= _SUPPORT:
            return True
    return False


def _reanchor(pairs: list[tuple[int, int]], s_ids: list[int], t_ids: list[int]) -> list[tuple[int, int]]:
    """Re-align long subtitle stretches without a strong match against the script region sharing rare
    word triples with them (a moved scene); the local result replaces the stretch's weak matches
    (runs under three words) when it holds more matches than they do."""
    from rapidfuzz.distance import Indel

    if len(s_ids) < _NGRAM or len(t_ids) < _NGRAM:
        return pairs
    in_run = _runs_of_three(pairs)
    strong = [m for m in range(len(pairs)) if in_run[m]]
    bounds = [-1] + [pairs[m][0] for m in strong] + [len(s_ids)]
    stretches = [(a + 1, b) for a, b in pairwise(bounds) if b - a - 1 >= _REANCHOR_MIN]
    if not stretches:
        return pairs
    # Where each word triple of the stretches starts in the script (only those triples are looked up);
    # a triple found there at most twice is rare.
    wanted = {g for lo, hi in stretches for g in zip(s_ids[lo:hi], s_ids[lo + 1 : hi], s_ids[lo + 2 : hi])}
    grams: dict[tuple[int, int, int], list[int]] = {}
    for j, gram in enumerate(zip(t_ids, t_ids[1:], t_ids[2:])):
        if gram in wanted:
            grams.setdefault(gram, []).append(j)
    used_t = {pairs[m][1] for m in strong}
    weak_by_i = {pairs[m][0]: pairs[m][1] for m in range(len(pairs)) if not in_run[m]}
    kept: dict[int, int] | None = None  # the matches, once a stretch has changed
    for lo, hi in stretches:
        weak = [(i, weak_by_i[i]) for i in range(lo, hi) if i in weak_by_i]
        hits = []
        for gram in zip(s_ids[lo:hi], s_ids[lo + 1 : hi], s_ids[lo + 2 : hi]):
            where = grams.get(gram)
            if where is not None and len(where) <= 2:
                hits += [j for j in where if j not in used_t]
        if len(hits) < 2:
            continue
        hits.sort()
        centre = hits[len(hits) // 2]
        span = 3 * (hi - lo) + 40
        w0, w1 = max(0, centre - span), min(len(t_ids), centre + span)
        blocks = [
            (lo + b.a, w0 + b.b, b.size)
            for b in Indel.opcodes(s_ids[lo:hi], t_ids[w0:w1]).as_matching_blocks()
            if b.size
        ]
        local = [(i, j) for i, j in _supported(blocks) if j not in used_t]
        if len(local) > len(weak):
            if kept is None:
                kept = dict(pairs)
            for i, _ in weak:
                del kept[i]
            kept.update(local)
            used_t.update(j for _, j in local)
        else:
            used_t.update(j for _, j in weak)
    if kept is None:
        return pairs
    # one script word per match: a later duplicate (weak, kept elsewhere) is dropped
    return _one_match_per_script_word(kept)


def _runs_of_three(pairs: list[tuple[int, int]]) -> list[bool]:
    """Per match: whether it lies in a run of at least three consecutive matches (in both streams)."""
    out: list[bool] = []
    for size in _run_sizes(pairs):
        out += [size >= 3] * size
    return out


def _run_sizes(pairs: list[tuple[int, int]]) -> list[int]:
    """The lengths of the runs of consecutive pairs, in order: pairs ``m`` and ``m + 1`` continue one run
    exactly when ``(i - m, j - m)`` stays the same."""
    return [len(list(g)) for _, g in groupby([(i - m, j - m) for m, (i, j) in enumerate(pairs)])]


def _densest_occurrence(pairs: list[tuple[int, int]], s_cue: list[int], cues, n_words: int) -> list[int]:
    """The matched subtitle words of one element that form its occurrence in the film.

    Matches are grouped in time (one group per occurrence, the largest kept); within it, a match
    counts only as part of a chain whose subtitle gaps follow the script gaps (two script-adjacent
    words matched to subtitle words far apart are chance, not the line being spoken).
    """
    if not pairs:
        return []
    need = min(2, n_words)
    if len(pairs) < 2:
        return [pairs[0][0]] if need <= 1 else []
    # the common case first: one occurrence, one chain (no break of either kind)
    for (i1, j1), (i2, j2) in pairwise(pairs):
        if i2 - i1 > 2 * (j2 - j1) + 3 or cues[s_cue[i2]].start - cues[s_cue[i1]].end > _CLUSTER_GAP_S:
            break
    else:
        return [i for i, _ in pairs]
    groups = [[pairs[0]]]
    for prev, cur in pairwise(pairs):
        if cues[s_cue[cur[0]]].start - cues[s_cue[prev[0]]].end > _CLUSTER_GAP_S:
            groups.append([cur])
        else:
            groups[-1].append(cur)
    best: list[int] = []
    for group in groups:
        chains = [[group[0]]]
        for (i1, j1), (i2, j2) in pairwise(group):
            if i2 - i1 <= 2 * (j2 - j1) + 3:
                chains[-1].append((i2, j2))
            else:
                chains.append([(i2, j2)])
        kept = [i for chain in chains if len(chain) >= need for i, _ in chain]
        if len(kept) > len(best):
            best = kept
    return best


def _interpolate(
    anchors: list[int],
    starts: list[float | None],
    ends: list[float | None],
    elements: tuple[ScriptElement, ...],
    last_time: float,
) -> None:
    """Give every untrusted or non-dialogue element a share of the gap between aligned neighbours.

    ``anchors`` are the positions of aligned dialogue, in script order; the gap between two of them
    is shared among the elements in between in proportion to their text length.
    """
    if not anchors:
        return
    edges = [-1] + anchors + [len(elements)]
    for left, right in pairwise(edges):
        if right - left < 2:
            continue
        lo = ends[left] if left >= 0 else 0.0
        hi = starts[right] if right < len(elements) else max(last_time, lo)
        hi = max(hi, lo)  # a smaller hi: the next anchor is earlier (a moved scene), no room to share
        run = range(left + 1, right)
        weights = [0 if elements[p].kind in _ATTACHED else len(elements[p].text) + 1 for p in run]
        scale = (hi - lo) / max(sum(weights), 1)
        acc = 0
        for p, w in zip(run, weights):
            starts[p] = lo + acc * scale
            acc += w
            ends[p] = lo + acc * scale


def _attach(
    starts: list[float | None], ends: list[float | None], elements: tuple[ScriptElement, ...]
) -> None:
    """Character cues and parentheticals take the times of the dialogue they introduce or interrupt."""
    owner: int | None = None
    for p in range(len(elements) - 1, -1, -1):  # backwards: the dialogue that follows is known
        kind = elements[p].kind
        if kind is ElementKind.DIALOGUE:
            owner = p
        elif kind in _ATTACHED:
            if owner is not None:
                starts[p], ends[p] = starts[owner], ends[owner]
            if kind is ElementKind.CHARACTER:
                owner = None
        else:
            owner = None


def _assign_lines(cues, order, spans, match_of_s, t_elem, elements) -> tuple[tuple[AlignedLine, ...], ...]:
    """Each subtitle line: the element most of its matched words belong to, else the one the path crosses."""
    matched = sorted(match_of_s.items())
    m_s = [i for i, _ in matched]
    word_elem: dict[int, int] = {i: t_elem[j] for i, j in matched}
    result: list[tuple[AlignedLine, ...]] = [()] * len(cues)
    for k in order:
        cue = cues[k]
        out = []
        for li, cl in enumerate(cue.lines):
            span = spans.get((k, li))
            e_pos = None
            if span is not None:
                votes = [e for e in map(word_elem.get, range(*span)) if e is not None]
                if votes:
                    e_pos = votes[0]
                    if votes.count(e_pos) != len(votes):  # a majority; ties go to the first
                        e_pos = max(dict.fromkeys(votes), key=votes.count)
                else:
                    e_pos = _along_path(span[0], span[1] - 1, m_s, matched, t_elem)
            if e_pos is None:
                out.append(AlignedLine(cue.index, cl.line, cl.text, None, None))
            else:
                el = elements[e_pos]
                out.append(AlignedLine(cue.index, cl.line, cl.text, el.id, el.speaker))
        result[k] = tuple(out)
    return tuple(result)


def _along_path(
    first: int, last: int, m_s: list[int], matched: list[tuple[int, int]], t_elem: list[int]
) -> int | None:
    """The script element crossed by the alignment path at an unmatched line (between two close matches)."""
    left = bisect_left(m_s, first) - 1
    right = bisect_right(m_s, last)
    if left < 0 or right >= len(m_s):
        return None
    (i1, j1), (i2, j2) = matched[left], matched[right]
    if i2 - i1 > 40 or not 0 < j2 - j1 <= 80:
        return None
    mid = (first + last) / 2
    j = j1 + (mid - i1) * (j2 - j1) / (i2 - i1)
    return t_elem[min(max(round(j), j1), j2)]


__all__ = ["DEFAULT_MIN_SCORE", "LOW_COVERAGE", "SCHEMA", "LowCoverageWarning", "AlignedElement", "AlignedLine", "Alignment", "align"]


def _one_match_per_script_word(match_of_s: dict[int, int]) -> list[tuple[int, int]]:
    """(subtitle word, script word) pairs in subtitle order, each script word kept at its first match."""
    seen: set[int] = set()
    add = seen.add  # (j in seen or add(j)) is False the first time j is met, and marks it
    return [(i, j) for i, j in sorted(match_of_s.items()) if not (j in seen or add(j))]
