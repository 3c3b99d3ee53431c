"""Speaker bags: one weak label per aligned subtitle line, "its speaker appears among the tracks
overlapping it" (Everingham et al. BMVC 2006; Tapaswi et al. FG 2015).

A subtitle line gets its speaker from the dialogue element the alignment matched it to; the bag spans
the line's cue. Lines of a two-speaker cue share the cue's span, each with its own speaker.
"""

from __future__ import annotations

from scriptalign.labels import Bag


def speaker_bags(alignment_json: dict, *, first_id: int = 0) -> list[Bag]:
    """One ``kind="speaker"`` bag per subtitle line with a speaker, in subtitle order; ``first_id``
    numbers them after the description bags."""
    elements = {e["id"]: e for e in alignment_json.get("elements", [])}
    scene_of: dict[int, int | None] = {}
    scene: int | None = None
    for e in alignment_json.get("elements", []):
        if e["kind"] == "scene_heading":
            scene = 0 if scene is None else scene + 1
        scene_of[e["id"]] = scene
    bags: list[Bag] = []
    for cue in alignment_json.get("cues", []):
        for line in cue.get("lines", []):
            who, eid = line.get("speaker"), line.get("element")
            if not who or eid is None or eid not in elements:
                continue
            e = elements[eid]
            bags.append(Bag(first_id + len(bags), "speaker", float(cue["start"]), float(cue["end"]), (who,), (), (),
                            line.get("text", ""), eid, e["line_start"], e["line_end"], scene_of.get(eid)))
    return bags
