"""Speaker bags: "the speaker appears among the tracks overlapping it" (Everingham et al. BMVC 2006;
Tapaswi et al. FG 2015), one weak label per unit of dialogue.

The unit is a parameter: ``"line"``, each subtitle line the alignment gave a speaker (the dialogue
element most of its words matched), over its cue (lines of a two-speaker cue share the cue's span,
each with its own speaker); or ``"turn"``, each dialogue element matched to subtitles (not
interpolated), over its aligned time.
"""

from __future__ import annotations

from collections.abc import Mapping

from scriptalign.alignment import Alignment
from scriptalign.labels import Bag, scene_numbers, typed_alignment

UNITS = ("line", "turn")


def speaker_bags(alignment: Alignment | Mapping, *, unit: str = "line", margin: float = 0.0,
                 first_id: int = 0, source: str = "<alignment>") -> list[Bag]:
    """One ``kind="speaker"`` bag per ``unit`` with a speaker, in subtitle (``line``) or script
    (``turn``) order, its span widened by ``margin`` seconds each side; ``first_id`` numbers them
    (e.g. after the description bags). A JSON alignment is checked against its schema first."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")
    alignment = typed_alignment(alignment, source)
    scene_of = scene_numbers(alignment.elements)
    by_id = {a.element.id: a.element for a in alignment.elements}
    spans: list[tuple[float, float, str, str, int]]  # start, end, speaker, text, element id
    if unit == "turn":
        spans = [(float(a.start), float(a.end), a.element.speaker, a.element.text, a.element.id)
                 for a in alignment.dialogue
                 if a.element.speaker and a.start is not None and a.end is not None and not a.interpolated]
    else:
        spans = [(float(cue.start), float(cue.end), ln.speaker, ln.text, ln.element)
                 for cue, lines in zip(alignment.subtitles.cues, alignment.lines) for ln in lines
                 if ln.speaker and ln.element is not None and ln.element in by_id]
    return [Bag(first_id + k, "speaker", max(0.0, start - margin), end + margin, (who,), (), (), text, eid,
                by_id[eid].line_start, by_id[eid].line_end, scene_of[eid])
            for k, (start, end, who, text, eid) in enumerate(spans)]
