"""The whole pipeline on toy movies: naming accuracy and AP, action mAP (per track and localised in
time, at temporal IoU 0.3 and 0.5), beside the naive baseline,
and the wall time of each stage (the demo's budget is 5 minutes on a 2-core CPU).

Run: ``python benchmarks/bench_pipeline.py [--seeds 0,1,2] [--out benchmarks/results/pipeline.json]``.
Seed 0 is the bundled toy movie; other seeds are generated first (generation time not counted).
Each seed starts from an empty feature cache, so the features stage is measured in full.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scriptalign.pipeline import run_movie  # noqa: E402
from scriptalign.toy import default_toy_dir, generate_toy  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "pipeline.json"))
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            toy = default_toy_dir() if seed == 0 else Path(tmp) / f"toy{seed}"
            if seed != 0:
                generate_toy(toy, seed=seed)
            load = os.getloadavg()[0]
            t0 = time.perf_counter()
            result = run_movie(toy / "movie.mp4", toy / "movie.srt", toy / "script.txt", Path(tmp) / f"out{seed}",
                               truth=toy / "truth.json", cache_dir=Path(tmp) / f"cache{seed}")
            total = time.perf_counter() - t0
            ev = result.evaluation
            row = {
                "seed": seed,
                "n_tracks": ev["n_tracks"],
                "n_named_tracks": ev["n_named_tracks"],
                "naming_accuracy": ev["naming_accuracy"],
                "naming_ap": ev["naming_ap"],
                "baseline_only_track_accuracy": ev.get("baseline_only_track_accuracy"),
                "action_map": ev["action_map"],
                "per_action_ap": ev["per_action_ap"],
                "temporal_action_map": ev.get("temporal_action_map"),
                "temporal_action_map_05": ev.get("temporal_action_map_05"),
                "per_action_temporal_ap": ev.get("per_action_temporal_ap"),
                "seconds": round(total, 2),
                "stage_seconds": {k: round(v, 2) for k, v in result.timings.items()},
                "load_before": round(load, 2),
                "load_after": round(os.getloadavg()[0], 2),
            }
            rows.append(row)
            print(json.dumps(row))
    doc = {"benchmark": "pipeline", "python": platform.python_version(), "cpus": os.cpu_count(), "seeds": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
