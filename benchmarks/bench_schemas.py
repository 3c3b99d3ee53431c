"""Checking a tracks.json against its schema: the project's validator beside plain ``jsonschema``.

Run: ``python benchmarks/bench_schemas.py [--tracks 200] [--frames 400] [--out benchmarks/results/schemas.json]``.

A synthetic ``tracks.json`` document (``--tracks`` tracks of ``--frames`` frames each, with a box,
time, score and detection flag per frame, the layout ``features.write_outputs`` writes) is validated
by ``scriptalign.jsonfile.validate`` (simple per-frame arrays checked by a plain loop first) and by
``jsonschema.Draft202012Validator`` on the same schema, in one run; both must agree (no error on the
good document, the same field on a broken one). Parsing the JSON text is timed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from scriptalign.errors import InputError
from scriptalign.jsonfile import schema_path, validate


def document(n_tracks: int, n_frames: int) -> dict:
    tracks = []
    for i in range(n_tracks):
        f0 = i * n_frames
        tracks.append({
            "id": i, "shot": i // 4, "start_time": f0 / 24, "end_time": (f0 + n_frames - 1) / 24,
            "start_frame": f0, "end_frame": f0 + n_frames, "frames": list(range(f0, f0 + n_frames)),
            "times": [round(f / 24, 6) for f in range(f0, f0 + n_frames)],
            "boxes": [[10.0 + k % 7, 20.0, 60.5, 80.25] for k in range(n_frames)],
            "scores": [0.99] * n_frames, "detected": [k % 3 != 0 for k in range(n_frames)],
        })
    return {"schema": "scriptalign.tracks/1", "video": {"path": "movie.mp4"}, "params": {}, "shots": [],
            "tracks": tracks}


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tracks", type=int, default=200)
    ap.add_argument("--frames", type=int, default=400)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "schemas.json"))
    args = ap.parse_args()
    load_before = os.getloadavg()
    doc = document(args.tracks, args.frames)
    text = json.dumps(doc)
    plain = Draft202012Validator(json.loads(schema_path("tracks").read_text()))
    validate(doc, "tracks")  # build and cache the validator
    t_ours = best(lambda: validate(doc, "tracks"))
    t_plain = best(lambda: best_match(plain.iter_errors(doc)), repeat=1)
    t_parse = best(lambda: json.loads(text))
    assert best_match(plain.iter_errors(doc)) is None
    broken = json.loads(text)
    broken["tracks"][args.tracks // 2]["boxes"][args.frames // 2][2] = "x"
    try:
        validate(broken, "tracks")
        ours_field = None
    except InputError as err:
        ours_field = err.problem.split(":")[0]
    theirs = best_match(plain.iter_errors(broken))
    theirs_field = "field tracks" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}"
                                            for p in list(theirs.absolute_path)[1:])
    result = {
        "what": "validate a tracks.json document against docs/schemas/tracks.schema.json",
        "tracks": args.tracks, "frames_per_track": args.frames, "json_mib": round(len(text) / 2**20, 2),
        "seconds": {"scriptalign_validate": round(t_ours, 4), "jsonschema_plain": round(t_plain, 4),
                    "json_loads": round(t_parse, 4)},
        "plain_over_ours": round(t_plain / t_ours, 1),
        "validate_over_json_loads": round(t_ours / t_parse, 2),
        "same_error_field": ours_field == theirs_field, "error_field": ours_field,
        "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in os.getloadavg()],
        "cpu_count": os.cpu_count(), "python": platform.python_version(),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
