"""Identity separation of the face descriptors: each learned embedding against HOG/LBP, in one run.

Run: ``python benchmarks/bench_descriptors.py [--data ../shared/data] [--n-lfw 60]``; writes
``benchmarks/results/descriptors.json``. Nothing here was tuned: descriptors are used as shipped.

1. Photos shipped in packages: ``skimage.data.astronaut``, matplotlib's ``grace_hopper.jpg``,
   ``skimage.data.camera`` and the first ``--n-lfw`` faces of ``skimage.data.lfw_subset`` (25x25 grey
   LFW crops; one identity each: the subset has no names, so a repeated person counts as two
   identities, which can only lower every descriptor's score). Each face is put on a 200x200 canvas
   and shown under 9 film nuisances (clean, rotation + yaw squeeze, perspective yaw, dark gamma with a
   light gradient, over-exposure with a colour cast, blur, 4x down-scaling, occlusion of the mouth
   and chin, and rotation + blur + dark together). MTCNN finds the face (the known box is used when it
   does not). Figures: verification ROC AUC over all pairs of images (same vs different identity,
   cosine similarity); identification accuracy of each nuisance image against the clean images; and
   nearest-track identification: per identity two "tracks" (images {0,2,4,6} and {1,3,5,7,8}, each
   pooled like a track), a track is right when its nearest other track is its identity's other one.
2. Tears of Steel clip (when ``--data`` has it): the tracks ``features.extract`` finds at stride 5,
   labelled by the three on-screen people of ``bench_features.TOS_FACES`` (frame spans checked on a
   contact sheet). Verification AUC over detection pairs; nearest-track identification of track halves
   (first half of the detections of each track against the second halves of all tracks).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NUISANCES = ("clean", "rotate+yaw", "perspective", "dark-gradient", "overexposed-cast", "blur", "scale/4",
             "occlusion", "rotate+blur+dark")
TRACK_A, TRACK_B = (0, 2, 4, 6), (1, 3, 5, 7, 8)
CANVAS = 200


def identities(n_lfw: int) -> list[tuple[str, np.ndarray]]:
    """(name, 200x200 RGB canvas with the face in the middle, about 90 px wide)."""
    import matplotlib
    from skimage import data

    from features.faces import FaceDetector
    from features.video import to_batch

    det = FaceDetector("cpu", min_face_size=20)
    out = []
    hopper = cv2.cvtColor(cv2.imread(str(Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg")),
                          cv2.COLOR_BGR2RGB)
    for name, img in (("astronaut", data.astronaut()), ("grace_hopper", hopper),
                      ("camera", np.repeat(data.camera()[..., None], 3, 2))):
        boxes, probs, _ = det.detect(to_batch([img], det.device))[0]
        x1, y1, x2, y2 = boxes[int(np.argmax(probs))]
        cx, cy, s = (x1 + x2) / 2, (y1 + y2) / 2, max(x2 - x1, y2 - y1)
        m = np.float32([[90 / s, 0, CANVAS / 2 - cx * 90 / s], [0, 90 / s, CANVAS / 2 - cy * 90 / s]])
        out.append((name, cv2.warpAffine(img, m, (CANVAS, CANVAS), borderMode=cv2.BORDER_REFLECT)))
    faces = data.lfw_subset()[:100][:n_lfw]
    for i, f in enumerate(faces):
        g = (np.clip(f, 0, 1) * 255).astype(np.uint8)
        g = cv2.resize(g, (110, 110), interpolation=cv2.INTER_CUBIC)  # the crop is the face: ~90 px inside
        g = cv2.copyMakeBorder(g, 45, 45, 45, 45, cv2.BORDER_REFLECT)
        out.append((f"lfw_subset_{i}", np.repeat(g[..., None], 3, 2)))
    return out


def nuisance(img: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    c = CANVAS / 2
    if k == 0:
        return img
    if k in (1, 8):
        m = cv2.getRotationMatrix2D((c, c), 18 if k == 1 else -15, 1.0)
        m[0] *= 0.8 if k == 1 else 1.0
        m[0, 2] += c * 0.2 if k == 1 else 0.0
        img = cv2.warpAffine(img, m, (CANVAS, CANVAS), borderMode=cv2.BORDER_REFLECT)
        if k == 1:
            return img
    if k == 2:
        src = np.float32([[0, 0], [CANVAS, 0], [CANVAS, CANVAS], [0, CANVAS]])
        dst = np.float32([[0, 0], [CANVAS, 25], [CANVAS, CANVAS - 25], [0, CANVAS]])
        return cv2.warpPerspective(img, cv2.getPerspectiveTransform(src, dst), (CANVAS, CANVAS),
                                   borderMode=cv2.BORDER_REFLECT)
    if k in (3, 8):
        x = img.astype(np.float32) / 255
        ramp = np.linspace(0.35, 1.0, CANVAS, dtype=np.float32)[None, :, None]
        img = (np.power(x, 1.8) * ramp * 255).clip(0, 255).astype(np.uint8)
        if k == 3:
            return img
    if k == 4:
        x = img.astype(np.float32) * 1.6 * np.float32([1.1, 1.0, 0.8]) + 20
        return x.clip(0, 255).astype(np.uint8)
    if k in (5, 8):
        return cv2.GaussianBlur(img, (0, 0), 2.5)
    if k == 6:
        small = cv2.resize(img, (CANVAS // 4, CANVAS // 4), interpolation=cv2.INTER_AREA)
        return cv2.resize(small, (CANVAS, CANVAS), interpolation=cv2.INTER_LINEAR)
    if k == 7:
        out = img.copy()
        out[int(c + 10):int(c + 50), int(c - 45):int(c + 45)] = rng.integers(0, 60, 3)
        return out
    raise ValueError(k)


def detect(det, img: np.ndarray):
    from features.types import Detection
    from features.video import to_batch

    boxes, probs, pts = det.detect(to_batch([img], det.device))[0]
    known = (CANVAS / 2 - 45, CANVAS / 2 - 50, CANVAS / 2 + 45, CANVAS / 2 + 50)
    if len(boxes):
        # the detection nearest the canvas centre (the face put there)
        i = int(np.argmin([abs((b[0] + b[2]) / 2 - CANVAS / 2) + abs((b[1] + b[3]) / 2 - CANVAS / 2) for b in boxes]))
        return Detection(0, 0.0, tuple(float(v) for v in boxes[i]), float(probs[i]),
                         tuple((float(x), float(y)) for x, y in pts[i])), True
    return Detection(0, 0.0, known, 0.0, ()), False


def roc_auc(sim: np.ndarray, same: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    iu = np.triu_indices(len(sim), 1)
    return float(roc_auc_score(same[iu], sim[iu]))


def nearest_track_accuracy(a: np.ndarray, b: np.ndarray) -> float:
    """Tracks a[i] and b[i] are one identity: fraction of the 2N tracks whose nearest other track is their pair."""
    x = np.concatenate([a, b])
    n = len(a)
    s = x @ x.T
    np.fill_diagonal(s, -np.inf)
    pair = np.concatenate([np.arange(n, 2 * n), np.arange(n)])
    return float(np.mean(np.argmax(s, 1) == pair))


def photos(describers: dict, n_lfw: int) -> dict:
    from features.descriptors import pool
    from features.faces import FaceDetector

    det = FaceDetector("cpu", min_face_size=20)
    rng = np.random.default_rng(0)
    ids = identities(n_lfw)
    emb = {k: [] for k in describers}
    labels, kinds, found = [], [], 0
    seconds = dict.fromkeys(describers, 0.0)
    for i, (_, canvas) in enumerate(ids):
        for k in range(len(NUISANCES)):
            img = nuisance(canvas, k, rng)
            d, ok = detect(det, img)
            found += ok
            for name, desc in describers.items():
                t = time.perf_counter()
                emb[name].append(desc.describe_batch([(img, [d])])[0])
                seconds[name] += time.perf_counter() - t
            labels.append(i)
            kinds.append(k)
    labels, kinds = np.array(labels), np.array(kinds)
    same = labels[:, None] == labels[None, :]
    res = {"identities": len(ids), "images": len(labels), "nuisances": list(NUISANCES),
           "mtcnn_found_fraction": found / len(labels), "per_descriptor": {}}
    for name, rows in emb.items():
        x = np.stack(rows).astype(np.float64)
        x /= np.linalg.norm(x, axis=1, keepdims=True) + 1e-12
        sim = x @ x.T
        gallery = x[kinds == 0]
        per = {}
        for k in range(1, len(NUISANCES)):
            probe = x[kinds == k]
            per[NUISANCES[k]] = float(np.mean(np.argmax(probe @ gallery.T, 1) == labels[kinds == k]))
        ta = np.stack([pool(x[(labels == i) & np.isin(kinds, TRACK_A)]) for i in range(len(ids))])
        tb = np.stack([pool(x[(labels == i) & np.isin(kinds, TRACK_B)]) for i in range(len(ids))])
        res["per_descriptor"][name] = {
            "kind": describers[name].kind, "verification_roc_auc": roc_auc(sim, same),
            "identification_vs_clean": float(np.mean(list(per.values()))), "identification_per_nuisance": per,
            "nearest_track_accuracy": nearest_track_accuracy(ta, tb),
            "ms_per_face": 1000 * seconds[name] / len(labels),
        }
        r = res["per_descriptor"][name]
        print(f"photos {name}: AUC {r['verification_roc_auc']:.3f}, id vs clean {r['identification_vs_clean']:.3f}, "
              f"nearest track {r['nearest_track_accuracy']:.3f}, {r['ms_per_face']:.0f} ms/face", flush=True)
    return res


def clip_tracks(describers: dict, clip: Path) -> dict:
    import features
    from bench_features import TOS_FACES

    from features.descriptors import pool
    from features.faces import FaceDetector
    from features.overlap import box_iou
    from features.video import iter_frames, probe, to_batch, working_size
    from features.types import Detection

    with tempfile.TemporaryDirectory() as cache:
        r = features.extract(clip, cache_dir=cache, device="cpu", stride=5, face_descriptor="hog-lbp",
                             motion=False, actions="none")
    info = probe(clip)
    size = working_size(info, 640)
    sx = size[0] / info.width
    want = {}
    for ti, t in enumerate(r.tracks):
        mid = (t.start_frame + t.end_frame) / 2
        person = next((p for p, (a, b) in enumerate(TOS_FACES) if a <= mid <= b), None)
        if person is None:
            continue
        for f, d in zip(t.frames, t.detected):
            if d:
                want.setdefault(f, []).append((ti, person))
    det = FaceDetector("cpu", min_face_size=20)
    rows = []  # (track, person, frame, {name: embedding})
    for fr in iter_frames(clip, size=size, want=lambda i: i in want):
        if fr.rgb is None or fr.index not in want:
            continue
        boxes, probs, pts = det.detect(to_batch([fr.rgb], det.device))[0]
        for ti, person in want[fr.index]:
            tb = np.array([[v * sx for v in r.tracks[ti].box_at(fr.index)]])
            if not len(boxes):
                continue
            j = int(np.argmax(box_iou(boxes, tb)))
            if box_iou(boxes[j], tb[0]) < 0.5:
                continue
            d = Detection(fr.index, fr.time, tuple(float(v / sx) for v in boxes[j]), float(probs[j]),
                          tuple((float(x / sx), float(y / sx)) for x, y in pts[j]))
            rows.append((ti, person, fr.index, {n: ds.describe_batch([(fr.rgb, [d])], scale=sx)[0]
                                                for n, ds in describers.items()}))
    tracks = sorted({r_[0] for r_ in rows})
    person = np.array([r_[1] for r_ in rows])
    res = {"tracks_labelled": len(tracks), "detections": len(rows), "people": len(TOS_FACES),
           "per_descriptor": {}}
    for name in describers:
        x = np.stack([r_[3][name] for r_ in rows]).astype(np.float64)
        same = person[:, None] == person[None, :]
        first, second, owner = [], [], []
        for t in tracks:
            idx = [i for i, r_ in enumerate(rows) if r_[0] == t]
            if len(idx) < 2:
                continue
            h = len(idx) // 2
            first.append(pool(x[idx[:h]]))
            second.append(pool(x[idx[h:]]))
            owner.append(t)
        a, b = np.stack(first), np.stack(second)
        acc = float(np.mean(np.argmax(a @ b.T, 1) == np.arange(len(a))))
        res["per_descriptor"][name] = {"verification_roc_auc": roc_auc(x @ x.T, same),
                                       "track_half_identification": acc, "tracks_with_halves": len(a)}
        print(f"clip {name}: AUC {roc_auc(x @ x.T, same):.3f}, track-half identification {acc:.3f} "
              f"({len(a)} tracks)", flush=True)
    return res


def main() -> int:
    import torch

    from features.embeddings import DlibDescriptor, FacenetCasiaDescriptor
    from features.descriptors import HogLbpDescriptor

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--n-lfw", type=int, default=60)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "descriptors.json"))
    args = ap.parse_args()
    cache = Path(tempfile.mkdtemp())
    describers = {"hog-lbp": HogLbpDescriptor(), "dlib": DlibDescriptor(),
                  "facenet-casia": FacenetCasiaDescriptor(torch.device("cpu"), cache)}
    result = {"benchmark": "descriptors", "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "load_before": os.getloadavg(), "torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count(),
              "tuned_on": "nothing (descriptors as shipped)", "photos": photos(describers, args.n_lfw)}
    clip = Path(args.data) / "video" / "tears_of_steel" / "clip.mp4"
    if clip.exists():
        result["tears_of_steel"] = clip_tracks(describers, clip)
    else:
        print(f"skipping tears_of_steel: {clip} not found")
    result["load_after"] = os.getloadavg()
    result["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
