"""An alignment JSON built from a toy movie's truth, as `scriptalign align` would give at best.

Dialogue elements take their subtitle's true times (cut lines are interpolated); scene headings and
descriptions share the gap between the aligned dialogue around them, as the aligner does.
"""

from __future__ import annotations

import itertools


def oracle_alignment(truth: dict, script_text: str) -> dict:
    rows = script_text.split("\n")
    items = []  # (line, kind, speaker, text, start, end, line_end)
    for d in truth["descriptions"]:
        items.append((d["line_start"], "action", None, d["text"], None, None, d["line_end"]))
    for ln in truth["lines"]:
        items.append((ln["cue_line"], "character", ln["speaker"], ln["speaker"], None, None, ln["cue_line"]))
        items.append((ln["line_start"], "dialogue", ln["speaker"], ln["text"], ln["start"], ln["end"], ln["line_end"]))
    for k, row in enumerate(rows, start=1):
        if row.strip().startswith(("INT.", "EXT.")):
            items.append((k, "scene_heading", None, row.strip(), None, None, k))
    items.sort()
    elements = []
    for eid, (line, kind, speaker, text, start, end, line_end) in enumerate(items):
        elements.append({"id": eid, "kind": kind, "speaker": speaker, "text": text, "line_start": line,
                         "line_end": line_end, "start": start, "end": end, "score": 1.0 if start is not None else None,
                         "cues": [], "interpolated": start is None})
    anchors = [k for k, e in enumerate(elements) if e["kind"] == "dialogue" and e["start"] is not None]
    edges = [-1] + anchors + [len(elements)]
    for left, right in itertools.pairwise(edges):
        run = list(range(left + 1, right))
        if not run:
            continue
        lo = elements[left]["end"] if left >= 0 else 0.0
        hi = elements[right]["start"] if right < len(elements) else truth["duration"]
        for j, k in enumerate(run):
            elements[k]["start"] = round(lo + (hi - lo) * j / len(run), 3)
            elements[k]["end"] = round(lo + (hi - lo) * (j + 1) / len(run), 3)
    return {"schema": "scriptalign.alignment/1", "subtitles": "movie.srt", "script": "script.txt",
            "min_score": 0.4, "elements": elements, "cues": [], "stats": {}}
