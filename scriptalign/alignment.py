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

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass

from scriptalign.cues import Subtitles
from scriptalign.errors import ScriptError, SubtitleError
from scriptalign.screenplay.elements import ElementKind, Script, ScriptElement
from scriptalign.words import words

SCHEMA = "scriptalign.alignment/1"

#: Dialogue elements with a smaller fraction of matched words get interpolated times.
DEFAULT_MIN_SCORE = 0.4

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
            "mean_score": round(sum(a.score or 0.0 for a in dialogue) / len(dialogue), 4) if dialogue else 0.0,
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
                    "lines": [{"text": ln.text, "element": ln.element, "speaker": ln.speaker} for ln in lines],
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
    cues = subtitles.cues
    elements = script.elements
    if not script.dialogue:
        raise ScriptError("the script has no dialogue to align", script.path,
                          expected="character cues followed by dialogue")
    vocab: dict[str, int] = {}

    # Subtitle words in time order (cues sorted by start; the file order is kept for output).
    order = sorted(range(len(cues)), key=lambda k: (cues[k].start, k))
    s_ids: list[int] = []
    s_cue: list[int] = []  # position of the cue in the file
    s_line: list[int] = []  # line within the cue
    for k in order:
        for li, cl in enumerate(cues[k].lines):
            for w in words(cl.text):
                s_ids.append(vocab.setdefault(w, len(vocab)))
                s_cue.append(k)
                s_line.append(li)
    t_ids: list[int] = []
    t_elem: list[int] = []  # position of the element in the script
    n_words = [0] * len(elements)
    for e_pos, el in enumerate(elements):
        if el.kind is not ElementKind.DIALOGUE:
            continue
        ws = words(el.text)
        n_words[e_pos] = len(ws)
        for w in ws:
            t_ids.append(vocab.setdefault(w, len(vocab)))
            t_elem.append(e_pos)

    if not s_ids:
        raise SubtitleError("the subtitles hold no words to align", subtitles.path, expected="spoken text in cues")
    pairs = _match(s_ids, t_ids)
    match_of_s = dict(pairs)

    # Per dialogue element: matched subtitle words, grouped into one occurrence in time.
    by_elem: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for i, j in pairs:
        by_elem[t_elem[j]].append((i, j))
    # Candidates: dialogue elements with enough of their words matched in one occurrence.
    found: dict[int, list[int]] = {}
    scores = [0.0] * len(elements)
    for e_pos, el in enumerate(elements):
        if el.kind is ElementKind.DIALOGUE and n_words[e_pos]:
            subs = _densest_occurrence(sorted(by_elem.get(e_pos, [])), s_cue, cues, n_words[e_pos])
            scores[e_pos] = len(subs) / n_words[e_pos]
            if subs and scores[e_pos] >= min_score:
                found[e_pos] = subs
    _drop_isolated(found, s_cue, cues)

    aligned: list[AlignedElement] = []
    kept_words: set[int] = set()
    for e_pos, el in enumerate(elements):
        n = n_words[e_pos]
        if el.kind is not ElementKind.DIALOGUE:
            aligned.append(AlignedElement(el, None, None, None, (), True))
        elif e_pos in found:
            subs = found[e_pos]
            cue_pos = sorted({s_cue[i] for i in subs})
            aligned.append(AlignedElement(el, min(cues[k].start for k in cue_pos), max(cues[k].end for k in cue_pos),
                                          scores[e_pos], tuple(cues[k].index for k in cue_pos), False, n, len(subs)))
            kept_words.update(subs)
        else:
            matched = round(scores[e_pos] * n)
            aligned.append(AlignedElement(el, None, None, scores[e_pos], (), True, n, matched))

    last_time = max((c.end for c in cues), default=0.0)
    result = _interpolate(aligned, elements, last_time)
    trusted = {i: match_of_s[i] for i in kept_words}
    lines = _assign_lines(cues, order, s_ids, s_cue, s_line, trusted, t_elem, elements)
    return Alignment(subtitles, script, tuple(result), lines, min_score)


def _match(s_ids: list[int], t_ids: list[int]) -> list[tuple[int, int]]:
    """Word matches (subtitle position, script position): global LCS, filtered, plus local re-anchoring."""
    from rapidfuzz.distance import Indel

    pairs: list[tuple[int, int]] = []
    for block in Indel.opcodes(s_ids, t_ids).as_matching_blocks():
        pairs.extend((block.a + d, block.b + d) for d in range(block.size))
    pairs = _supported(pairs)
    pairs = _reanchor(pairs, s_ids, t_ids)
    return pairs


def _supported(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Drop chance matches: keep a match with enough other matches close by in both streams."""
    pairs.sort()
    n = len(pairs)
    keep: list[tuple[int, int]] = []
    for m, (i, j) in enumerate(pairs):
        support = 0
        for d in (1, 2, 3, 4, 5, 6):
            for mm in (m - d, m + d):
                if 0 <= mm < n:
                    ii, jj = pairs[mm]
                    if abs(ii - i) <= _SUPPORT_SUB * d and abs(jj - j) <= _SUPPORT_SCRIPT * d:
                        support += 1
            if support >= _SUPPORT:
                break
        if support >= _SUPPORT:
            keep.append((i, j))
    return keep


def _reanchor(pairs: list[tuple[int, int]], s_ids: list[int], t_ids: list[int]) -> list[tuple[int, int]]:
    """Re-align long unmatched subtitle stretches against the script region sharing rare word triples."""
    from rapidfuzz.distance import Indel

    if len(s_ids) < _NGRAM or len(t_ids) < _NGRAM:
        return pairs
    grams: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for j in range(len(t_ids) - _NGRAM + 1):
        grams[tuple(t_ids[j:j + _NGRAM])].append(j)
    used_t = {j for _, j in pairs}
    bounds = [-1] + [i for i, _ in pairs] + [len(s_ids)]
    added: list[tuple[int, int]] = []
    for a, b in zip(bounds, bounds[1:]):
        lo, hi = a + 1, b
        if hi - lo < _REANCHOR_MIN:
            continue
        hits = []
        for i in range(lo, hi - _NGRAM + 1):
            where = grams.get(tuple(s_ids[i:i + _NGRAM]))
            if where and len(where) <= 2:
                hits.extend(j for j in where if j not in used_t)
        if len(hits) < 2:
            continue
        hits.sort()
        centre = hits[len(hits) // 2]
        span = 3 * (hi - lo) + 40
        w0, w1 = max(0, centre - span), min(len(t_ids), centre + span)
        local = []
        for block in Indel.opcodes(s_ids[lo:hi], t_ids[w0:w1]).as_matching_blocks():
            local.extend((lo + block.a + d, w0 + block.b + d) for d in range(block.size))
        local = [(i, j) for i, j in _supported(local) if j not in used_t]
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
    for prev, cur in zip(pairs, pairs[1:]):
        if cues[s_cue[cur[0]]].start - cues[s_cue[prev[0]]].end > _CLUSTER_GAP_S:
            groups.append([cur])
        else:
            groups[-1].append(cur)
    best: list[int] = []
    need = min(2, n_words)
    for group in groups:
        chains = [[group[0]]]
        for (i1, j1), (i2, j2) in zip(group, group[1:]):
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
        before = [starts[q] for q in order[max(0, k - _NEIGHBOURS):k]]
        after = [starts[q] for q in order[k + 1:k + 1 + _NEIGHBOURS]]
        t = starts[p]
        ok = any(0.0 <= t - b <= _NEIGHBOUR_GAP_S for b in before) or any(
            0.0 <= a - t <= _NEIGHBOUR_GAP_S for a in after)
        if not ok:
            drop.append(p)
    for p in drop:
        del found[p]


def _interpolate(aligned: list[AlignedElement], elements: tuple[ScriptElement, ...], last_time: float
                 ) -> list[AlignedElement]:
    """Give every untrusted or non-dialogue element a share of the gap between aligned neighbours."""
    anchors = [p for p, a in enumerate(aligned) if a.element.kind is ElementKind.DIALOGUE and not a.interpolated]
    out = list(aligned)
    for p, a in enumerate(aligned):
        if a.element.kind is not ElementKind.DIALOGUE:
            out[p] = AlignedElement(a.element, None, None, None, (), True)
    if not anchors:
        return out
    # Runs of non-anchor elements between consecutive anchors (and before the first / after the last).
    edges = [-1] + anchors + [len(aligned)]
    for left, right in zip(edges, edges[1:]):
        run = list(range(left + 1, right))
        if not run:
            continue
        lo = aligned[left].end if left >= 0 else 0.0
        hi = aligned[right].start if right < len(aligned) else max(last_time, lo)
        if hi < lo:  # the next anchor is earlier: a moved scene; no room to share
            hi = lo
        weights = [len(elements[p].text) + 1 for p in run]
        total = float(sum(weights))
        acc = 0.0
        for p, w in zip(run, weights):
            s = lo + (hi - lo) * acc / total
            acc += w
            e = lo + (hi - lo) * acc / total
            base = out[p]
            out[p] = AlignedElement(base.element, s, e, base.score, (), True, base.words, base.matched)
    return out


def _assign_lines(cues, order, s_ids, s_cue, s_line, match_of_s, t_elem, elements
                  ) -> tuple[tuple[AlignedLine, ...], ...]:
    """Each subtitle line: the element most of its matched words belong to, else the one the path crosses."""
    # Word positions of each (cue, line), in time order.
    spans: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i in range(len(s_ids)):
        spans[(s_cue[i], s_line[i])].append(i)
    matched = sorted(match_of_s.items())
    m_s = [i for i, _ in matched]
    result: list[tuple[AlignedLine, ...]] = [()] * len(cues)
    for k in order:
        cue = cues[k]
        out = []
        for li, cl in enumerate(cue.lines):
            pos = spans.get((k, li), [])
            e_pos = None
            if pos:
                votes = Counter(t_elem[match_of_s[i]] for i in pos if i in match_of_s)
                if votes:
                    e_pos = votes.most_common(1)[0][0]
                else:
                    e_pos = _along_path(pos, m_s, matched, t_elem)
            el = elements[e_pos] if e_pos is not None else None
            out.append(AlignedLine(cue.index, cl.line, cl.text, None if el is None else el.id,
                                   None if el is None else el.speaker))
        result[k] = tuple(out)
    return tuple(result)


def _along_path(pos: list[int], m_s: list[int], matched: list[tuple[int, int]], t_elem: list[int]) -> int | None:
    """The script element crossed by the alignment path at an unmatched line (between two close matches)."""
    left = bisect_left(m_s, pos[0]) - 1
    right = bisect_right(m_s, pos[-1])
    if left < 0 or right >= len(m_s):
        return None
    (i1, j1), (i2, j2) = matched[left], matched[right]
    if i2 - i1 > 40 or not 0 < j2 - j1 <= 80:
        return None
    mid = (pos[0] + pos[-1]) / 2
    j = j1 + (mid - i1) * (j2 - j1) / (i2 - i1)
    return t_elem[min(max(int(round(j)), j1), j2)]


__all__ = ["DEFAULT_MIN_SCORE", "SCHEMA", "AlignedElement", "AlignedLine", "Alignment", "align"]
