"""A parsed screenplay as JSON (the output of ``scriptalign parse``)."""

from __future__ import annotations

import json
from typing import Any

from scriptalign.screenplay.elements import Script

#: Version of the JSON layout below; bumped when a field changes meaning or disappears.
SCHEMA = "scriptalign.script/1"


def script_to_dict(script: Script) -> dict[str, Any]:
    """``schema``, ``path``, ``format``, ``counts``, ``warnings`` and ``elements`` (one dict per element)."""
    counts: dict[str, int] = {}
    for e in script:
        counts[e.kind.value] = counts.get(e.kind.value, 0) + 1
    return {
        "schema": SCHEMA,
        "path": script.path,
        "format": script.format,
        "counts": counts,
        "characters": list(script.characters),
        "warnings": list(script.warnings),
        "elements": [
            {
                "id": e.id,
                "kind": e.kind.value,
                "text": e.text,
                "line_start": e.line_start,
                "line_end": e.line_end,
                "speaker": e.speaker,
                "extension": e.extension,
                "scene": e.scene,
                "dual": e.dual,
            }
            for e in script
        ],
    }


def script_to_json(script: Script, indent: int | None = 1) -> str:
    return json.dumps(script_to_dict(script), ensure_ascii=False, indent=indent) + "\n"
