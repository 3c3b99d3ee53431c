"""Subtitle-to-screenplay alignment: put times on script lines and speakers on subtitle lines.

Subtitle words and script dialogue words are matched by a monotone word alignment (longest
common subsequence on integer word ids, rapidfuzz's bit-parallel Indel), isolated chance matches
are dropped, and stretches of subtitles left unmatched are re-aligned locally against the part of
the script that shares rare word triples with them (a scene moved in the edit). Each dialogue
element then gets its time from its matched subtitle words and a score, the fraction of its words
matched (Laptev et al. 2008); each subtitle line gets the element most of its words matched
(Everingham et al. 2006).
"""

from __future__ import annotations

import warnings
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from itertools import accumulate, chain, count, pairwise, repeat

from scriptalign.cues import Cue, Subtitles
from scriptalign.errors import InputError, ScriptError, SubtitleError
from scriptalign.screenplay.elements import ElementKind, Script, ScriptElement
from scriptalign.words import words_of_many

SCHEMA = "scriptalign.alignment/1"

#: Dialogue elements with a smaller fraction of matched words get interpolated times.
DEFAULT_MIN_SCORE = 0.4
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
        return {
            "schema": SCHEMA,
            "subtitles": self.subtitles.path,
            "script": self.script.path,
            "min_score": self.min_score,
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


def align(subtitles: Subtitles, script: Script, *, min_score: float = DEFAULT_MIN_SCORE) -> Alignment:
    """Align subtitles with a screenplay; see the module docstring for the method."""
    if not 0.0 <= min_score <= 1.0:
        raise ValueError(f"min_score must be within [0, 1], got {min_score}")
    if not script.dialogue:
        raise ScriptError(
            "the script has no dialogue to align", script.path, expected="character cues followed by dialogue"
        )
    cues = subtitles.cues
    elements = script.elements
    w = _WordStreams(cues, elements)
    if not w.s_ids:
        raise SubtitleError(
            "the subtitles hold no words to align", subtitles.path, expected="spoken text in cues"
        )
    pairs = _match(w.s_ids, w.t_ids)

    # Candidates: dialogue elements with enough of their words matched in one occurrence.
    by_elem: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for i, j in pairs:
        by_elem[w.t_elem[j]].append((i, j))
    found: dict[int, list[int]] = {}
    scores: dict[int, float] = {}
    for e_pos, n in w.n_words.items():
        subs = _densest_occurrence(by_elem.get(e_pos, []), w.s_cue, cues, n)  # pairs are sorted
        scores[e_pos] = len(subs) / n
        if subs and scores[e_pos] >= min_score:
            found[e_pos] = subs
    _drop_isolated(found, w.s_cue, cues)

    # Times: from the matched cues for trusted dialogue, interpolated for everything else.
    starts: list[float | None] = [None] * len(elements)
    ends: list[float | None] = [None] * len(elements)
    cue_ids: dict[int, tuple[int, ...]] = {}
    for e_pos, subs in found.items():
        cue_pos = sorted({w.s_cue[i] for i in subs})
        starts[e_pos] = min(cues[k].start for k in cue_pos)
        ends[e_pos] = max(cues[k].end for k in cue_pos)
        cue_ids[e_pos] = tuple(cues[k].index for k in cue_pos)
    _interpolate(sorted(found), starts, ends, elements, max((c.end for c in cues), default=0.0))
    _attach(starts, ends, elements)

    result = []
    for e_pos, el in enumerate(elements):
        if el.kind is not ElementKind.DIALOGUE:
            result.append(AlignedElement(el, starts[e_pos], ends[e_pos], None, (), True))
            continue
        n = w.n_words.get(e_pos, 0)
        score = scores.get(e_pos, 0.0)
        matched = len(found[e_pos]) if e_pos in found else round(score * n)
        result.append(
            AlignedElement(
                el, starts[e_pos], ends[e_pos], score, cue_ids.get(e_pos, ()), e_pos not in found, n, matched
            )
        )
    match_of_s = dict(pairs)
    trusted = {i: match_of_s[i] for subs in found.values() for i in subs}
    lines = _assign_lines(cues, w.order, w.spans, trusted, w.t_elem, elements)
    alignment = Alignment(subtitles, script, tuple(result), lines, min_score)
    _check_result(alignment)
    return alignment


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
    """Both sides as integer word ids: subtitle words in time order, script dialogue words in order."""

    def __init__(self, cues: tuple[Cue, ...], elements: tuple[ScriptElement, ...]) -> None:
        # vocab.setdefault(word, next(ids)) gives each word one id (ids need not be consecutive).
        vocab: dict[str, int] = {}
        ids = count()
        # Cues sorted by start (stable); the file order is kept for output.
        self.order = sorted(range(len(cues)), key=lambda k: (cues[k].start, k))
        keys = [(k, li) for k in self.order for li, cl in enumerate(cues[k].lines) if cl.text]
        lists = words_of_many([cues[k].lines[li].text for k, li in keys])
        lens = list(map(len, lists))
        self.s_ids: list[int] = list(map(vocab.setdefault, chain.from_iterable(lists), ids))
        # The position in the file of each word's cue; each (cue position, line) -> its word range.
        self.s_cue: list[int] = list(chain.from_iterable(map(repeat, (k for k, _ in keys), lens)))
        self.spans: dict[tuple[int, int], tuple[int, int]] = {
            key: (end - n, end) for key, n, end in zip(keys, lens, accumulate(lens)) if n
        }
        dialogue = [p for p, el in enumerate(elements) if el.kind is ElementKind.DIALOGUE]
        lists = words_of_many([elements[p].text for p in dialogue])
        lens = list(map(len, lists))
        self.t_ids: list[int] = list(map(vocab.setdefault, chain.from_iterable(lists), ids))
        # The position in the script of each word's element; dialogue position -> word count (when > 0).
        self.t_elem: list[int] = list(chain.from_iterable(map(repeat, dialogue, lens)))
        self.n_words: dict[int, int] = {p: n for p, n in zip(dialogue, lens) if n}


def _match(s_ids: list[int], t_ids: list[int]) -> list[tuple[int, int]]:
    """Word matches (subtitle position, script position): global LCS, filtered, plus local re-anchoring."""
    from rapidfuzz.distance import Indel

    blocks = [(b.a, b.b, b.size) for b in Indel.opcodes(s_ids, t_ids).as_matching_blocks() if b.size]
    pairs = _supported(blocks)
    return _reanchor(pairs, s_ids, t_ids)


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
    for d in (1, 2, 3, 4, 5, 6):
        for mm in (m - d, m + d):
            if 0 <= mm < len(pairs):
                ii, jj = pairs[mm]
                if abs(ii - i) <= _SUPPORT_SUB * d and abs(jj - j) <= _SUPPORT_SCRIPT * d:
                    support += 1
        if support >= _SUPPORT:
            return True
    return False


def _reanchor(pairs: list[tuple[int, int]], s_ids: list[int], t_ids: list[int]) -> list[tuple[int, int]]:
    """Re-align long unmatched subtitle stretches against the script region sharing rare word triples."""
    from rapidfuzz.distance import Indel

    if len(s_ids) < _NGRAM or len(t_ids) < _NGRAM:
        return pairs
    used_t = {j for _, j in pairs}
    # Where each word triple of the script starts; a triple found at most twice is rare.
    grams: dict[tuple[int, int, int], list[int]] = {}
    for j, gram in enumerate(zip(t_ids, t_ids[1:], t_ids[2:])):
        where = grams.get(gram)
        if where is None:
            grams[gram] = [j]
        else:
            where.append(j)
    bounds = [-1] + [i for i, _ in pairs] + [len(s_ids)]
    added: list[tuple[int, int]] = []
    for a, b in pairwise(bounds):
        lo, hi = a + 1, b
        if hi - lo < _REANCHOR_MIN:
            continue
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
        added.extend(local)
        used_t.update(j for _, j in local)
    return sorted(pairs + added)


def _densest_occurrence(pairs: list[tuple[int, int]], s_cue: list[int], cues, n_words: int) -> list[int]:
    """The matched subtitle words of one element that form its occurrence in the film.

    Matches are grouped in time (one group per occurrence, the largest kept); within it, a match
    counts only as part of a chain whose subtitle gaps follow the script gaps (two script-adjacent
    words matched to subtitle words far apart are chance, not the line being spoken).
    """
    if not pairs:
        return []
    groups = [[pairs[0]]]
    for prev, cur in pairwise(pairs):
        if cues[s_cue[cur[0]]].start - cues[s_cue[prev[0]]].end > _CLUSTER_GAP_S:
            groups.append([cur])
        else:
            groups[-1].append(cur)
    best: list[int] = []
    need = min(2, n_words)
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


def _drop_isolated(found: dict[int, list[int]], s_cue: list[int], cues) -> None:
    """Untrust a weakly matched element whose time agrees with none of its aligned script neighbours.

    True matches come in runs (a scene), each element after the previous one in time; a short line
    matched by chance somewhere in the film has no such neighbours.
    """
    order = sorted(found)
    starts = {p: min(cues[s_cue[i]].start for i in found[p]) for p in order}
    drop = []
    for k, p in enumerate(order):
        if len(found[p]) >= _ISOLATED_MAX_WORDS:
            continue
        before = [starts[q] for q in order[max(0, k - _NEIGHBOURS) : k]]
        after = [starts[q] for q in order[k + 1 : k + 1 + _NEIGHBOURS]]
        t = starts[p]
        ok = any(0.0 <= t - b <= _NEIGHBOUR_GAP_S for b in before) or any(
            0.0 <= a - t <= _NEIGHBOUR_GAP_S for a in after
        )
        if not ok:
            drop.append(p)
    for p in drop:
        del found[p]


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
