"""Action descriptors compared inside the whole weakly supervised pipeline: I3D (Kinetics-400, Mixed_5c,
upper-body tube per track) against the normal-flow histogram, on the same tracks, faces and bags.

For each toy seed the video is extracted once with both descriptors (``features.pipeline.extract`` with
``actions="i3d"``); the names and actions are then solved twice through the external-tracks path
(``run_external``), once with each descriptor as the motion descriptor, and scored against the truth:
per-class AP over tracks and its mean. Nothing is tuned here: the solver's defaults (chosen on the
default toy preset's seeds 10-12) are used for both descriptors.

Run: ``python benchmarks/bench_action_features.py [--seeds 0,1,2] [--preset default]
[--out benchmarks/results/action_features.json]``. Seed 0 of the default preset is the bundled toy movie.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: Descriptor name -> file in the extraction folder; "random" (Gaussian noise of the flow histogram's
#: shape) is the control that says how much of the score the bags alone give.
DESCRIPTORS = {"flow": "motion_descriptors.npy", "i3d": "action_descriptors.npy", "random": "random_descriptors.npy"}


def toy_folder(seed: int, preset: str, tmp: Path) -> Path:
    from scriptalign.toy import default_toy_dir, generate_toy
    from scriptalign.toy.hard import generate_hard_toy

    if seed == 0 and preset == "default":
        return default_toy_dir()
    folder = tmp / f"toy-{preset}-{seed}"
    (generate_toy if preset == "default" else generate_hard_toy)(folder, seed=seed)
    return folder


def one_seed(seed: int, preset: str, tmp: Path, cache: Path) -> dict:
    from features.pipeline import extract, write_outputs
    from scriptalign.pipeline import run_external

    toy = toy_folder(seed, preset, tmp)
    t0 = time.perf_counter()
    extraction = extract(toy / "movie.mp4", cache_dir=cache, actions="i3d")
    seconds = time.perf_counter() - t0
    tracks_dir = tmp / f"tracks-{preset}-{seed}"
    tracks = write_outputs(extraction, tracks_dir)
    flow = np.load(tracks_dir / "motion_descriptors.npy")
    np.save(tracks_dir / "random_descriptors.npy", np.random.default_rng(seed).normal(size=flow.shape))
    row: dict = {"seed": seed, "preset": preset, "n_tracks": len(extraction.tracks),
                 "n_action_windows": len(extraction.action_windows) if extraction.action_windows is not None else 0,
                 "extract_seconds": seconds, "load": os.getloadavg()[0], "descriptors": {}}
    for name, file in DESCRIPTORS.items():
        result = run_external(toy / "movie.srt", toy / "script.txt", tracks, tracks_dir / "face_descriptors.npy",
                              tmp / f"out-{preset}-{seed}-{name}", motion_descriptors=tracks_dir / file,
                              truth=toy / "truth.json", report=False)
        ev = result.evaluation
        labels = [r["action"] for r in result.assignments["tracks"]]
        row["descriptors"][name] = {"action_map": ev["action_map"], "per_action_ap": ev["per_action_ap"],
                                    "naming_accuracy": ev.get("naming_accuracy"),
                                    "naming_accuracy_all_tracks": ev.get("naming_accuracy_all_tracks"),
                                    "track_actions": labels}
        print(f"{preset} seed {seed} {name}: action mAP {ev['action_map']:.3f} "
              f"{ {k: round(v, 3) for k, v in ev['per_action_ap'].items()} }", flush=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--preset", default="default", choices=("default", "hard"))
    ap.add_argument("--work", help="keep the toys, the feature cache and the outputs here (default: a temporary folder)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "action_features.json"))
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.work) if args.work else Path(tmp)
        rows = [one_seed(seed, args.preset, work, work / "cache") for seed in seeds]
    mean = {name: sum(r["descriptors"][name]["action_map"] for r in rows) / len(rows) for name in DESCRIPTORS}
    doc = {"benchmark": "action_features", "preset": args.preset, "seeds": seeds, "rows": rows,
           "mean_action_map": mean, "tuned_on": "nothing (solver defaults from default-preset toy seeds 10-12)"}
    Path(args.out).write_text(json.dumps(doc, indent=1) + "\n")
    print("mean action mAP: " + ", ".join(f"{k} {v:.3f}" for k, v in mean.items()))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
