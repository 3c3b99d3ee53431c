"""Whole-extraction speed and track recall of ``features.extract`` against the naive use of facenet-pytorch.

Run: ``python benchmarks/bench_features.py [--data ../shared/data] [--device cpu|cuda]``; writes
``benchmarks/results/features.json`` (``features_cuda.json`` with ``--device cuda``; ``--out`` to change;
``--quick`` skips the memory runs). For the lent GPU machine, one prepared command:
``python benchmarks/bench_features.py --device cuda`` (all configurations, the 360p real-time factor,
peak GPU memory; a few minutes).

Configurations, each from an empty feature cache, same run: ``hog-lbp`` (the path before the learned
descriptors), ``dlib``, ``facenet-casia`` (its one-time weight conversion done before the timings), and
``facenet-casia+i3d`` (with I3D tube windows of 16 frames). ``realtime_factor``: video seconds per
second of extraction.

Naive baseline: decode every frame, ``MTCNN(keep_all=True).detect(PIL image)`` frame by frame (no batching,
no stride, no tracking, same detector settings, detections kept at p >= 0.9). Ours: ``features.extract``
with a fresh cache: shots, batched MTCNN every ``--stride`` frames, tracking, face and motion descriptors.
Track recall: a true face track counts as found when, on >= 50% of its frames, a box overlaps the true
box with IoU >= 0.5 (ours: one track's boxes; naive: any detection on that frame). Frame recall: the
fraction of true face-frames so covered. Peak memory: VmHWM of a child process running ``extract``
on a short synthetic video and on one 10x longer.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import features
from features.synthetic import Person, ShotSpec, render, two_shot_video
from features.overlap import box_iou

# Tears of Steel clip: the three faces on screen, checked on a contact sheet (features.preview): the man on
# the bridge, the man with glasses, the woman at the end (her face fades in through a dissolve until ~223).
TOS_FACES = [(21, 64), (65, 184), (223, 239)]


def _load() -> str:
    return os.getloadavg().__repr__()


def naive(video: Path, device: str = "cpu") -> tuple[float, dict[int, list[tuple[np.ndarray, float]]]]:
    import av
    from facenet_pytorch import MTCNN

    t0 = time.perf_counter()
    mtcnn = MTCNN(keep_all=True, device=device)
    out: dict[int, list] = {}
    with av.open(str(video)) as c:
        for i, frame in enumerate(c.decode(video=0)):
            boxes, probs = mtcnn.detect(frame.to_image())
            if boxes is not None:
                out[i] = [(np.asarray(b, float), float(p)) for b, p in zip(boxes, probs) if p >= 0.9]
    return time.perf_counter() - t0, out


CONFIGS = {
    "hog-lbp": {"face_descriptor": "hog-lbp"},
    "dlib": {"face_descriptor": "dlib"},
    "facenet-casia": {"face_descriptor": "facenet-casia"},
    "facenet-casia+i3d": {"face_descriptor": "facenet-casia", "actions": "i3d"},
}
WEIGHTS_CACHE = Path(tempfile.mkdtemp(prefix="bench-weights-"))  # converted facenet weights, shared by runs


def ours(video: Path, device: str, stride: int, config: str = "hog-lbp") -> tuple[float, features.Extraction]:
    with tempfile.TemporaryDirectory() as cache:
        (Path(cache) / "weights").symlink_to(WEIGHTS_CACHE / "weights", target_is_directory=True)
        _sync(device)
        t0 = time.perf_counter()
        r = features.extract(video, cache_dir=cache, device=device, stride=stride, **CONFIGS[config])
        _sync(device)
        return time.perf_counter() - t0, r


def _sync(device: str) -> None:
    import torch

    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def recall(truth: list[tuple[list[int], list]], covers) -> dict:
    """truth: (frames, boxes) per true track; covers(frames, boxes) -> covered frame count of the best match."""
    found, covered, total = 0, 0, 0
    for frames, boxes in truth:
        c = covers(frames, boxes)
        found += c >= 0.5 * len(frames)
        covered += c
        total += len(frames)
    return {"track_recall": found / max(1, len(truth)), "tracks_true": len(truth), "tracks_found": found,
            "frame_recall": covered / max(1, total)}


def covers_tracks(result):
    def f(frames, boxes):
        best = 0
        for t in result.tracks:
            n = sum(1 for fr, b in zip(frames, boxes) if t.box_at(fr) is not None
                    and box_iou(t.box_at(fr), b) >= 0.5)
            best = max(best, n)
        return best
    return f


def covers_detections(dets):
    def f(frames, boxes):
        return sum(1 for fr, b in zip(frames, boxes)
                   if any(box_iou(d, b) >= 0.5 for d, _ in dets.get(fr, [])))
    return f


def compare(name: str, video: Path, truth_fn, device: str, stride: int, configs: list[str]) -> dict:
    from features.video import probe

    info = probe(video)
    load0 = _load()
    t_naive, dets = naive(video, device)
    truth = truth_fn(dets)
    row = {"video": name, "size": [info.width, info.height], "fps_video": info.fps, "load_before": load0,
           "naive": {"seconds": t_naive, "detections": sum(len(v) for v in dets.values()),
                     **recall(truth, covers_detections(dets))}, "configs": {}}
    for config in configs:
        t_ours, r = ours(video, device, stride, config)
        n = len(r.frame_times)
        row["frames"] = n
        c = {"seconds": t_ours, "fps": n / t_ours, "realtime_factor": (n / info.fps) / t_ours,
             "tracks": len(r.tracks), "stride": stride, "face_descriptor": r.face_descriptor_kind,
             "action_descriptor": r.action_descriptor_kind,
             "action_windows": len(r.action_windows) if r.action_windows is not None else 0,
             "stats": {k: v for k, v in r.params["stats"].items()}, **recall(truth, covers_tracks(r))}
        c["speed_vs_naive"] = c["fps"] / (n / t_naive)
        row["configs"][config] = c
        print(f"{name} [{config}]: {c['fps']:.1f} fps, {c['realtime_factor']:.2f}x real time (track recall "
              f"{c['track_recall']:.2f}, frame recall {c['frame_recall']:.3f}); naive {n / t_naive:.2f} fps; "
              f"[load {_load()}]", flush=True)
    row["naive"]["fps"] = row["frames"] / t_naive
    base = row["configs"].get("hog-lbp")
    if base:
        row["fps_ratio_vs_hog_lbp"] = {k: v["fps"] / base["fps"] for k, v in row["configs"].items()}
    row["load_after"] = _load()
    return row


def _peak_rss_child(video: Path, device: str, stride: int, config: str) -> dict:
    code = (
        f"import sys, resource, time, tempfile, torch; sys.path.insert(0, {str(ROOT)!r}); import features\n"
        "from pathlib import Path\n"
        "with tempfile.TemporaryDirectory() as c:\n"
        f"    (Path(c) / 'weights').symlink_to({str(WEIGHTS_CACHE / 'weights')!r}, target_is_directory=True)\n"
        "    t=time.perf_counter()\n"
        f"    r = features.extract({str(video)!r}, cache_dir=c, device={device!r}, stride={stride}, "
        f"**{CONFIGS[config]!r})\n"
        "gpu = torch.cuda.max_memory_allocated() if torch.cuda.is_available() else 0\n"
        # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child would report its parent's peak
        "hwm = [int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(hwm, len(r.frame_times), len(r.tracks), time.perf_counter()-t, gpu)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return {"peak_rss_mib": int(out[0]) / 1024, "frames": int(out[1]), "tracks": int(out[2]),
            "seconds": float(out[3]), "peak_gpu_mib": int(out[4]) / 2**20}


def memory(tmp: Path, device: str, stride: int) -> dict:
    def spec(i: int) -> ShotSpec:
        faces = ("astronaut", "grace_hopper", "camera")
        return ShotSpec(48, 10 + i, (Person(faces[i % 3], "walk", 10, 20, 56, seed=i),
                                     Person(faces[(i + 1) % 3], "wave", 200, 30, 56, seed=i + 7)))

    short = render([spec(i) for i in range(2)], tmp / "short.mp4")
    long = render([spec(i) for i in range(20)], tmp / "long.mp4")
    out = {}
    for config in ("hog-lbp", "facenet-casia+i3d"):
        rows = {"short": _peak_rss_child(short.path, device, stride, config),
                "long": _peak_rss_child(long.path, device, stride, config)}
        rows["length_ratio"] = rows["long"]["frames"] / rows["short"]["frames"]
        rows["rss_ratio"] = rows["long"]["peak_rss_mib"] / rows["short"]["peak_rss_mib"]
        rows["decoded_frames_would_take_mib_long"] = rows["long"]["frames"] * 320 * 240 * 3 / 2**20
        print(f"memory [{config}]: short {rows['short']['peak_rss_mib']:.0f} MiB ({rows['short']['frames']} "
              f"frames), long {rows['long']['peak_rss_mib']:.0f} MiB ({rows['long']['frames']} frames); GPU "
              f"{rows['short']['peak_gpu_mib']:.0f} / {rows['long']['peak_gpu_mib']:.0f} MiB", flush=True)
        out[config] = rows
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--stride", type=int, default=5)
    ap.add_argument("--out", default=None, help="default: results/features.json (features_cuda.json on CUDA)")
    ap.add_argument("--quick", action="store_true", help="skip the memory runs")
    ap.add_argument("--memory-only", action="store_true", help="rerun only the memory runs, into --out's JSON")
    ap.add_argument("--configs", default=",".join(CONFIGS), help=f"comma-separated, of {', '.join(CONFIGS)}")
    args = ap.parse_args()
    import torch

    from features.embeddings import FacenetCasiaDescriptor

    configs = [c for c in args.configs.split(",") if c]
    if args.out is None:
        name = "features_cuda.json" if args.device.startswith("cuda") else "features.json"
        args.out = str(ROOT / "benchmarks" / "results" / name)
    FacenetCasiaDescriptor(torch.device("cpu"), WEIGHTS_CACHE)  # the one-time conversion, outside the timings
    if args.memory_only:
        previous = json.loads(Path(args.out).read_text())
        with tempfile.TemporaryDirectory() as tmp:
            previous["memory"] = memory(Path(tmp), args.device, args.stride)
        previous["memory_measured"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        previous["memory_load_after"] = _load()
        Path(args.out).write_text(json.dumps(previous, indent=1) + "\n")
        return 0
    result = {"benchmark": "features", "device": args.device, "torch_threads": torch.get_num_threads(),
              "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None, "configs": configs,
              "cpu_count": os.cpu_count(), "python": platform.python_version(), "torch": torch.__version__,
              "machine": platform.machine(), "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        syn = two_shot_video(tmp / "synthetic.mp4", frames_per_shot=72)
        # Warm-up outside the timings: torch's one-off start (thread pool, kernels) would otherwise be
        # charged to whichever method runs first in the process.
        warm = two_shot_video(tmp / "warm.mp4", frames_per_shot=8)
        for config in configs:
            ours(warm.path, args.device, args.stride, config)
        naive(warm.path, args.device)

        def syn_truth(_dets):
            return [(list(t.frames), list(t.boxes)) for t in syn.truth]

        result["runs"].append(compare("synthetic two-shot 320x240 (144 frames)", syn.path, syn_truth,
                                      args.device, args.stride, configs))
        clip = Path(args.data) / "video" / "tears_of_steel" / "clip.mp4"
        if clip.exists():
            def tos_truth(dets):
                truth = []
                for a, b in TOS_FACES:
                    frames, boxes = [], []
                    for f in range(a, b + 1):
                        cands = [d for d in dets.get(f, []) if d[1] >= 0.95]
                        if cands:
                            frames.append(f)
                            boxes.append(max(cands, key=lambda d: d[1])[0])
                    truth.append((frames, boxes))
                return truth

            result["runs"].append(compare("tears_of_steel clip 640x360 (240 frames)", clip, tos_truth,
                                          args.device, args.stride, configs))
            result["tos_truth_note"] = ("true faces: frame spans " + str(TOS_FACES) + " checked on a contact "
                                        "sheet; per-frame true boxes are the naive detector's p>=0.95 boxes, so "
                                        "the naive frame recall is 1 by construction")
        else:
            print(f"skipping tears_of_steel: {clip} not found")
        if not args.quick:
            result["memory"] = memory(tmp, args.device, args.stride)
    result["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    result["maxrss_self_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
