"""The hard toy preset (``scriptalign toy --preset hard``): naming over all tracks and over named
characters' tracks, naming AP, and temporal action mAP (tIoU 0.3 / 0.5), for each face descriptor
and for two baselines, per seed.

Run: ``nice -n 10 python benchmarks/bench_hard_toy.py [--seeds 0,1,2,3,4] [--descriptors dlib,hog-lbp,facenet-casia]
[--actions flow,i3d] [--stride 10] [--work DIR] [--out benchmarks/results/hard_toy.json]``.
``--actions``: the action descriptors scored on the same tracks (``flow``, the default, keys the
methods by face descriptor; ``i3d`` adds ``<face> / i3d``, its prepared run in ``out<seed>/prep-i3d``).
``--time-generation``: instead, each seed generated afresh (timed) into a temporary folder.
``--compare-on-screen``: each descriptor also solved letting tracks on screen together share a name
(``assign(distinct_on_screen=False)``), the same tracks and descriptors.

Detection and tracking run once per seed: the face detector's detections are embedded by every
requested descriptor in the same pass (one describer that concatenates them), so the feature cache
holds one tracks stage whose descriptor columns are split per descriptor afterwards; each block is
exactly what that descriptor alone would give on the same tracks (mean of unit rows, renormalised).
Baselines: ``only track`` (a bag naming one person with exactly one overlapping track names it:
``scriptalign.assign.only_track_baseline``, the pipeline's own) and, for actions, ``bag span`` (each
action of a description bag is detected on every track overlapping the bag, over the overlap,
scored 1 / number of such tracks). Nothing is tuned here; seeds already in ``--out`` are skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import features.pipeline as feature_pipeline  # noqa: E402
from features.embeddings import make_face_describer  # noqa: E402
from scriptalign.assign import only_track_baseline  # noqa: E402
from scriptalign.evaluation import evaluate_assignment, temporal_action_scores, track_identity  # noqa: E402
from scriptalign.pipeline import json_safe, load_prepared, prepare_movie, read_truth, solve_prepared, write_results  # noqa: E402
from scriptalign.toy.hard import generate_hard_toy  # noqa: E402

#: the method key's suffix for the solve that lets tracks on screen together share a name (--compare-on-screen)
SAME_NAME_ON_SCREEN = "same name on screen allowed"
KEYS = ("naming_accuracy_all_tracks", "naming_ap_all_tracks", "naming_accuracy", "naming_ap",
        "background_precision", "background_recall", "temporal_action_map", "temporal_action_map_05", "action_map")


class AllDescribers:
    """Several face descriptors in one pass: each detection's row is their unit rows side by side
    (divided by sqrt(k), so the row is a unit vector too)."""

    def __init__(self, parts: list) -> None:
        self.parts = parts
        self.kind = "+".join(p.kind for p in parts)
        self.dim = sum(int(p.dim) for p in parts)
        self.weights_hash = None

    def describe_batch(self, items, scale: float = 1.0) -> np.ndarray:
        rows = [p.describe_batch(items, scale) for p in self.parts]
        return (np.concatenate(rows, axis=1) / np.sqrt(len(self.parts))).astype(np.float32)

    def split(self, X: np.ndarray) -> dict[str, np.ndarray]:
        out, j = {}, 0
        for p in self.parts:
            block = np.asarray(X[:, j:j + int(p.dim)], np.float64)
            out[p.kind] = block / (np.linalg.norm(block, axis=1, keepdims=True) + 1e-12)
            j += int(p.dim)
        return out


def _bag_span_detections(prepared) -> list[dict]:
    """Each action of a description bag on every track overlapping the bag, over the overlap."""
    dets = []
    for b in prepared.bags:
        acts = set(b.actions) | set(b.unnamed_actions) | {a for _, a in b.pairs}
        cover = [t for t in prepared.tracks if t.start_time < b.end and t.end_time > b.start]
        for a in sorted(acts):
            for t in cover:
                dets.append({"track": int(t.id), "start": max(b.start, t.start_time),
                             "end": min(b.end, t.end_time), "action": a, "score": 1.0 / len(cover)})
    return dets


def _recovery(tracks: list, truth: dict, min_frames: int) -> dict:
    """How the tracks match the truth: the share of truth face appearances (at least ``min_frames``
    long) that one track of the same person covers for at least half their length, and the share
    of tracks that show a truth person."""
    ids = [track_identity(t.frames, t.boxes, truth) for t in tracks]
    apps = [a for a in truth["appearances"] if a["end_frame"] - a["start_frame"] >= min_frames]
    found = 0
    for a in apps:
        n = a["end_frame"] - a["start_frame"]
        for t, who in zip(tracks, ids):
            overlap = min(a["end_frame"], t.end_frame + 1) - max(a["start_frame"], t.start_frame)
            if who == a["person"] and overlap >= n / 2:
                found += 1
                break
    named = {c["name"] for c in truth["characters"]}
    return {"n_truth_appearances": len(apps), "appearances_recovered": found / max(1, len(apps)),
            "tracks_with_identity": float(np.mean([w is not None for w in ids])) if ids else float("nan"),
            "extras_share_of_tracks": float(np.mean([w is not None and w not in named for w in ids]))
            if ids else float("nan")}


def detection_recall(seed: int, step: int = 25, iou_min: float = 0.4) -> dict:
    """MTCNN (the pipeline's detector, its settings) on every ``step``-th rendered frame: the share of
    visible truth faces it finds (IoU >= ``iou_min``), overall and by framing and nuisance, and its
    false positives."""
    import collections

    import torch

    from features.faces import FaceDetector
    from features.overlap import box_iou as iou
    from features.video import to_batch
    from scriptalign.toy.hard import appearances
    from scriptalign.toy.hard_render import render_hard_frames
    from scriptalign.toy.hard_story import build_hard_story

    story = build_hard_story(seed)
    by_frame = collections.defaultdict(list)
    for a in appearances(story):
        for b in a["boxes"]:
            by_frame[b[0]].append((a, b[1:]))
    shot_of = {f: sh for sh in story.shots for f in range(sh.f0, sh.f1)}
    look = {(sh.index, pl.person): pl.look for sh in story.shots for pl in sh.placed}
    det = FaceDetector(torch.device("cpu"))
    hits, counts = collections.Counter(), collections.Counter()
    false_pos = 0
    batch: list[tuple[int, np.ndarray]] = []

    def flush() -> None:
        nonlocal false_pos
        found = det.detect(to_batch([img for _, img in batch], torch.device("cpu")))
        for (f, _), (boxes, _, _) in zip(batch, found):
            truth = by_frame.get(f, [])
            tb = np.array([b for _, b in truth], float).reshape(-1, 4)
            db = np.array(boxes, float).reshape(-1, 4)
            m = iou(tb[:, None], db[None]) if len(tb) and len(db) else np.zeros((len(tb), len(db)))
            for i, (a, _) in enumerate(truth):
                sh, lk = shot_of[f], look[(shot_of[f].index, a["person"])]
                for key in ("all", sh.camera, "blur > 1 px" if lk.blur > 1 else "blur <= 1 px",
                            "rotation > 15 deg" if abs(lk.angle) > 15 else "rotation <= 15 deg",
                            "yaw squeeze < 0.8" if lk.squeeze < 0.8 else "yaw squeeze >= 0.8",
                            "named" if a["named"] else "extras"):
                    counts[key] += 1
                    hits[key] += bool(m.shape[1] and m[i].max() >= iou_min)
            false_pos += int((m.max(0) < iou_min).sum()) if m.size else len(db)
        batch.clear()

    for f, img in enumerate(render_hard_frames(story)):
        if f % step == 0:
            batch.append((f, img))
            if len(batch) == 16:
                flush()
    if batch:
        flush()
    return {"seed": seed, "step": step, "iou": iou_min, "n_faces": counts["all"], "false_positives": false_pos,
            "recall": {k: round(hits[k] / counts[k], 3) for k in counts}}


def _prepare(toy: Path, prep: Path, describer: AllDescribers, stride: int, cache: Path, reuse: bool,
             actions: str, names: list[str]):
    """The seed's prepared run for one action descriptor (read back when ``reuse`` finds it), with every
    face descriptor's columns; the tracks come from the feature cache when they are there."""
    original = feature_pipeline.make_face_describer
    feature_pipeline.make_face_describer = lambda *a, **k: describer
    try:
        if reuse and (prep / "face_descriptors.npy").exists():  # a run folder of this script: solve again only
            prepared = load_prepared(prep)
            if prepared.face_descriptors.shape[1] != describer.dim:
                raise SystemExit(f"{prep}: descriptors of width {prepared.face_descriptors.shape[1]}, "
                                 f"expected {describer.dim} for {names}")
            return prepared
        return prepare_movie(toy / "movie.mp4", toy / "movie.srt", toy / "script.txt", prep,
                             stride=stride, cache_dir=cache, device="cpu", actions=actions)
    finally:
        feature_pipeline.make_face_describer = original


def method_name(face: str, actions: str) -> str:
    """A method's key in the results: the face descriptor, with ``/ i3d`` when the actions are I3D's."""
    return face if actions == "flow" else f"{face} / {actions}"


def run_seed(seed: int, names: list[str], stride: int, work: Path, reuse: bool = False,
             prepare_only: bool = False, action_kinds: tuple[str, ...] = ("flow",),
             solve: tuple[str, ...] | None = None, compare_on_screen: bool = False) -> dict | None:
    toy = work / f"hard{seed}"
    gen_seconds = None  # None: the toy was already in the work folder
    if not (toy / "truth.json").exists():
        t0 = time.perf_counter()
        generate_hard_toy(toy, seed)
        gen_seconds = round(time.perf_counter() - t0, 1)
    truth = read_truth(toy / "truth.json")
    cache = work / "cache"
    describer = AllDescribers([make_face_describer(n, feature_pipeline.resolve_device("cpu"), cache) for n in names])
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    preps = {}
    for kind in action_kinds:
        folder = work / f"out{seed}" / ("prep" if kind == "flow" else f"prep-{kind}")
        preps[kind] = _prepare(toy, folder, describer, stride, cache, reuse, kind, names)
    prep_seconds = time.perf_counter() - t0
    prepared = preps[action_kinds[0]]
    if prepare_only:
        print(f"seed {seed}: prepared in {prep_seconds:.0f} s ({len(prepared.tracks)} tracks) under "
              f"{', '.join(str(p.output) for p in preps.values())}", flush=True)
        return None
    tracks = list(prepared.tracks)
    row: dict = {"seed": seed, "duration": truth["duration"], "n_tracks": len(tracks),
                 "generate_seconds": gen_seconds, "prepare_seconds": round(prep_seconds, 1),
                 "load_prepare": [round(load0, 2), round(os.getloadavg()[0], 2)],
                 "tracker": _recovery(tracks, truth, 3 * stride), "methods": {}}
    for kind, prep in preps.items():
        if [t.id for t in prep.tracks] != [t.id for t in tracks]:
            raise SystemExit(f"{prep.output}: other tracks than {prepared.output}")
        blocks = describer.split(prep.face_descriptors)
        for name, part in zip(names, describer.parts):
            if solve is not None and name not in solve:
                continue
            key = method_name(name, kind)
            out = work / f"out{seed}" / key.replace(" / ", "-")
            out.mkdir(parents=True, exist_ok=True)
            shutil.copy(prep.output / "tracks.json", out / "tracks.json")
            p = replace(prep, output=out, face_descriptors=blocks[part.kind])
            for distinct in (False, True) if compare_on_screen else (True,):  # the default last: its files stay
                t0 = time.perf_counter()
                result = solve_prepared(p, distinct_on_screen=distinct)
                _, scores = write_results(p, result, truth=toy / "truth.json", report=False)
                row["methods"][key if distinct else f"{key}, {SAME_NAME_ON_SCREEN}"] = {k: scores.get(k) for k in KEYS} | {
                    "seconds": round(time.perf_counter() - t0, 1), "load": round(os.getloadavg()[0], 2)}
    baseline = only_track_baseline(prepared.spans, prepared.bags)  # the rule assignments.json records
    rows = [{"name": b, "name_score": 1.0 if b else 0.0, "action_scores": {}} for b in baseline]
    ev = evaluate_assignment(rows, tracks, truth).scores
    ids = [track_identity(t.frames, t.boxes, truth) for t in tracks]
    span = temporal_action_scores(_bag_span_detections(prepared), tracks, ids, truth)
    row["methods"]["only track (names) / bag span (actions)"] = {
        **{k: ev.get(k) for k in KEYS if k in ev and k != "action_map"},
        "temporal_action_map": span["temporal_action_map"], "temporal_action_map_05": span["temporal_action_map_05"],
        "n_named_by_rule": int(sum(b is not None for b in baseline))}
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", default="0,1,2,3,4")
    ap.add_argument("--descriptors", default="dlib,hog-lbp,facenet-casia")
    ap.add_argument("--stride", type=int, default=10)
    ap.add_argument("--actions", default="flow",
                    help="action descriptors to score on the same tracks, comma-separated: flow, i3d "
                         "(I3D is extracted once per seed into the feature cache, beside the tracks)")
    ap.add_argument("--solve", help="face descriptors to solve and score (default: all of --descriptors, which "
                                    "must still name every descriptor the prepared runs were extracted with)")
    ap.add_argument("--work", default="/tmp/scriptalign_hard_bench")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "hard_toy.json"))
    ap.add_argument("--reuse-prepared", action="store_true",
                    help="solve again from the work folder's prepared runs (same tracks and descriptors), "
                         "replacing those seeds' rows")
    ap.add_argument("--prepare-only", action="store_true",
                    help="extract and prepare the seeds' runs in the work folder, score nothing (then --reuse-prepared)")
    ap.add_argument("--compare-on-screen", action="store_true",
                    help="also solve each descriptor with distinct_on_screen=False (overlapping tracks may share a "
                         "name), keyed '<descriptor>, same name on screen allowed'")
    ap.add_argument("--time-generation", action="store_true",
                    help="instead: generate each seed afresh into a temporary folder, timed, stored under generation")
    ap.add_argument("--detection-recall", type=int, metavar="SEED",
                    help="instead: MTCNN's recall of the truth faces on SEED, stored under detection_recall")
    args = ap.parse_args()
    out = Path(args.out)
    if args.time_generation:
        import tempfile

        doc = json.loads(out.read_text()) if out.exists() else {"benchmark": "hard_toy", "seeds": []}
        timed = {}
        for seed in (int(x) for x in args.seeds.split(",")):
            with tempfile.TemporaryDirectory() as tmp:
                load0, t0 = os.getloadavg()[0], time.perf_counter()
                generate_hard_toy(Path(tmp) / "toy", seed)
                timed[str(seed)] = {"seconds": round(time.perf_counter() - t0, 1),
                                    "load": [round(load0, 2), round(os.getloadavg()[0], 2)]}
            print(seed, timed[str(seed)], flush=True)
        doc["generation"] = timed
        out.write_text(json.dumps(doc, indent=1) + "\n")
        return
    if args.detection_recall is not None:
        doc = json.loads(out.read_text()) if out.exists() else {"benchmark": "hard_toy", "seeds": []}
        doc["detection_recall"] = row = detection_recall(args.detection_recall) | {"load": round(os.getloadavg()[0], 2)}
        print(json.dumps(row))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(doc, indent=1) + "\n")
        return
    doc = json.loads(out.read_text()) if out.exists() else {
        "benchmark": "hard_toy", "python": platform.python_version(), "cpus": os.cpu_count(), "stride": args.stride,
        "tuned_on": "nothing (preset and pipeline defaults fixed before any seed was scored)", "seeds": []}
    done = {r["seed"] for r in doc["seeds"]}
    for seed in (int(s) for s in args.seeds.split(",")):
        if seed in done and not args.reuse_prepared:
            continue
        row = run_seed(seed, args.descriptors.split(","), args.stride, Path(args.work), args.reuse_prepared,
                       args.prepare_only, tuple(args.actions.split(",")),
                       tuple(args.solve.split(",")) if args.solve else None, args.compare_on_screen)
        if row is None:
            continue
        row = json_safe(row)
        if args.reuse_prepared:
            old = next((r for r in doc["seeds"] if r["seed"] == seed), {})
            row["prepare_seconds"], row["load_prepare"] = old.get("prepare_seconds"), old.get("load_prepare")
            if row["generate_seconds"] is None:  # reused: the generation timed earlier, if any (0.0 was "not timed")
                row["generate_seconds"] = old.get("generate_seconds") or None
            row["methods"] = old.get("methods", {}) | row["methods"]  # methods not solved again are kept
            row["solved_again_from_prepared"] = True
        print(json.dumps(row), flush=True)
        doc["seeds"] = [r for r in doc["seeds"] if r["seed"] != seed] + [row]
        doc["seeds"].sort(key=lambda r: r["seed"])
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
