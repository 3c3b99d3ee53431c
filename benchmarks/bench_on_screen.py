"""Names with and without "two faces on screen at once are two people" (``assign(distinct_on_screen=...)``)
on the short hard toy (``scriptalign toy --preset hard --scenes 2``), the same prepared tracks solved both
ways: naming over all tracks and named characters' tracks, naming AP, per-track and temporal action mAP,
and how many overlapping track pairs share a truth identity (the constraint's own error).

Run: ``python benchmarks/bench_on_screen.py [--seeds 0,1,2] [--stride 20] [--work DIR]
[--out benchmarks/results/on_screen.json]``. Nothing is tuned: the constraint has no parameter.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scriptalign.assign import TrackSpan, co_occurring_pairs  # noqa: E402
from scriptalign.evaluation import track_identity  # noqa: E402
from scriptalign.pipeline import prepare_movie, solve_prepared, write_results  # noqa: E402
from scriptalign.toy.hard import generate_hard_toy  # noqa: E402

KEYS = ("n_tracks", "naming_accuracy_all_tracks", "naming_ap_all_tracks", "naming_accuracy", "naming_ap",
        "background_precision", "background_recall", "action_map", "temporal_action_map", "temporal_action_map_05")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--stride", type=int, default=20)
    ap.add_argument("--work", default="/tmp/scriptalign_on_screen")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "on_screen.json"))
    args = ap.parse_args()
    work = Path(args.work)
    out: dict = {"stride": args.stride, "scenes": 2, "load_before": os.getloadavg()[0], "seeds": {}}
    for seed in (int(s) for s in args.seeds.split(",")):
        toy = generate_hard_toy(work / f"toy{seed}", seed, scenes=2)
        t0 = time.perf_counter()
        prep = prepare_movie(toy.movie, toy.subtitles, toy.script, work / f"prep{seed}", stride=args.stride,
                             cache_dir=work / "cache")
        truth = json.loads(Path(toy.truth).read_text())
        tracks = json.loads((work / f"prep{seed}" / "tracks.json").read_text())["tracks"]
        ids = [track_identity(t["frames"], t["boxes"], truth) for t in tracks]
        pairs = co_occurring_pairs([TrackSpan(t["id"], t["start_time"], t["end_time"]) for t in tracks])
        row: dict = {"prepare_s": time.perf_counter() - t0, "overlapping_pairs": int(len(pairs)),
                     "pairs_of_one_person": int(sum(ids[i] is not None and ids[i] == ids[j] for i, j in pairs))}
        for distinct in (False, True):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = solve_prepared(prep, distinct_on_screen=distinct)
                _, ev = write_results(prep, result, truth=toy.truth, report=False)
            row["distinct" if distinct else "plain"] = {k: ev[k] for k in KEYS}
        print(seed, json.dumps(row), flush=True)
        out["seeds"][str(seed)] = row
    for variant in ("plain", "distinct"):
        out[f"mean_{variant}"] = {k: sum(r[variant][k] for r in out["seeds"].values()) / len(out["seeds"])
                                  for k in KEYS if k != "n_tracks"}
    out["load_after"] = os.getloadavg()[0]
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps({k: out[k] for k in ("mean_plain", "mean_distinct")}, indent=1))


if __name__ == "__main__":
    main()
