"""Screenplay reading: speed on the real scripts in ../shared/data, and the hand-labelled cue check.

Run: ``python benchmarks/bench_screenplay.py [--data ../shared/data] [--out benchmarks/results/screenplay.json]``.

Speed is compared, in the same run, with the floor every reader pays: reading the bytes, decoding
and splitting the lines (``floor_s``); ``parse_over_floor`` is how many times that the whole
``read_script`` costs. Times are the minimum and the median of ``--repeat`` runs, wall clock, one
process; the load average is recorded beside them because the machine may be shared.
The cue check: each hand-labelled block (``films/alignment_truth.jsonl``) must be a CHARACTER element
followed by a DIALOGUE element of the labelled speaker whose text starts like the labelled excerpt.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scriptalign.screenplay import ElementKind, read_script
from scriptalign.screenplay.source import decode, read_bytes, split_lines


def _times(fn, repeat: int) -> tuple[float, float, float]:
    """Minimum and median wall time, and minimum CPU time of this process (less hit by other jobs)."""
    runs = []
    cpu = []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        runs.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return min(runs), statistics.median(runs), min(cpu)


def bench_file(path: Path, repeat: int) -> dict:
    script = read_script(path)
    best, median, cpu = _times(lambda: read_script(path), repeat)
    floor_best, floor_median, _ = _times(lambda: split_lines(decode(read_bytes(path))), repeat)
    counts: dict[str, int] = {}
    for e in script:
        counts[e.kind.value] = counts.get(e.kind.value, 0) + 1
    return {
        "format": script.format,
        "bytes": path.stat().st_size,
        "lines": len(split_lines(decode(read_bytes(path)))),
        "elements": len(script),
        "counts": counts,
        "warnings": len(script.warnings),
        "read_script_min_s": round(best, 5),
        "read_script_median_s": round(median, 5),
        "read_script_cpu_min_s": round(cpu, 5),
        "floor_min_s": round(floor_best, 5),
        "floor_median_s": round(floor_median, 5),
        "parse_over_floor": round(best / floor_best, 1),
    }


def cue_check(data: Path) -> dict:
    truth = [json.loads(line) for line in (data / "films" / "alignment_truth.jsonl").open()]
    scripts = {f: read_script(data / "films" / f"{f}.txt") for f in sorted({r["film"] for r in truth})}
    ok = 0
    failures = []
    for r in truth:
        elements = scripts[r["film"]].elements
        cue = next(
            (e for e in elements if e.kind is ElementKind.CHARACTER and e.line_start == r["block_line"]), None
        )
        dialogue = None
        if cue is not None:
            dialogue = next(
                (e for e in elements[cue.id + 1 :] if e.kind is not ElementKind.PARENTHETICAL), None
            )
        excerpt = " ".join(r["dialogue_excerpt"].split())[:30]
        if (
            dialogue is not None
            and dialogue.kind is ElementKind.DIALOGUE
            and dialogue.speaker == r["character"]
            and dialogue.text.startswith(excerpt)
        ):
            ok += 1
        else:
            failures.append({"film": r["film"], "block_line": r["block_line"]})
    return {"blocks": len(truth), "correct": ok, "accuracy": round(ok / len(truth), 4), "failures": failures}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "screenplay.json"))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    data = Path(args.data)
    if not data.is_dir():
        print(f"no evaluation data at {data}", file=sys.stderr)
        return 1
    files = sorted((data / "films").glob("*.txt")) + sorted((data / "tv").glob("*.transcript.txt"))
    load_before = os.getloadavg()
    result = {
        "machine": {
            "python": platform.python_version(),
            "cpu": platform.machine(),
            "cpus": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in load_before],
        },
        "repeat": args.repeat,
        "files": {p.name: bench_file(p, args.repeat) for p in files},
        "cue_check": cue_check(data),
    }
    result["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, out)
    for name, r in result["files"].items():
        print(
            f"{name:32s} {r['format']:10s} {r['bytes']:7d} B {r['elements']:5d} elements  "
            f"read_script {r['read_script_min_s'] * 1e3:6.1f} ms (median {r['read_script_median_s'] * 1e3:6.1f}, "
            f"cpu {r['read_script_cpu_min_s'] * 1e3:5.1f})  "
            f"floor {r['floor_min_s'] * 1e3:5.1f} ms  x{r['parse_over_floor']}"
        )
    c = result["cue_check"]
    print(f"hand-labelled cues: {c['correct']}/{c['blocks']} correct")
    print(
        f"load average before/after: {result['machine']['load_average_before']} / "
        f"{result['machine']['load_average_after']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
