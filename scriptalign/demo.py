"""The bundled example and the demo that runs on it."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from scriptalign.atomic import write_text


def example_dir() -> Path:
    """The bundled example pair: ``movie.srt`` and ``script.txt`` (an original short screenplay)."""
    return Path(str(resources.files("scriptalign") / "data" / "example"))


def run_demo(output: str | Path) -> dict:
    """Align the bundled example, write ``aligned.json`` and ``aligned.srt`` to ``output``, print a summary."""
    from scriptalign.alignment import align
    from scriptalign.screenplay import read_script
    from scriptalign.subtitles import read_subtitles

    src = example_dir()
    subtitles = read_subtitles(src / "movie.srt")
    script = read_script(src / "script.txt")
    alignment = align(subtitles, script)
    doc = alignment.to_json()
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    write_text(out / "aligned.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    write_text(out / "aligned.srt", alignment.to_srt())
    print(f"example: {src / 'movie.srt'} + {src / 'script.txt'}")
    print("who speaks each subtitle line:")
    for cue in doc["cues"]:
        for line in cue["lines"]:
            speaker = line["speaker"] or "?"
            print(f"  {cue['start']:7.2f}s  {speaker:<10} {line['text']}")
    stats = doc["stats"]
    print("stats: " + ", ".join(f"{k}={v}" for k, v in stats.items() if not isinstance(v, dict)))
    print(f"wrote {out / 'aligned.json'} and {out / 'aligned.srt'}")
    return doc
