"""``extract(video)``: shots, face tracks, face and motion descriptors of one video, cached on disk.

Two decoding passes keep memory bounded by the batch size: pass 1 (stage ``tracks``) decodes every
frame for shot cuts, runs MTCNN on every ``stride``-th frame in batches, and closes the tracks of each
shot as soon as its cut is known; pass 2 (stage ``motion``) decodes again and reads motion only on
frames inside tracks. Pass 1 checkpoints at shot boundaries so an interrupted run resumes there.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import cv2
import numpy as np
import torch

from features import motion as motion_mod
from features.cache import (
    VideoCache,
    atomic_save_npy,
    atomic_save_npz,
    atomic_write_json,
    default_cache_root,
)
from features.descriptors import FacenetDescriptor, HogLbpDescriptor, pool
from features.device import resolve_device
from features.faces import FaceDetector
from features.shots import ShotDetector, shots_from_cuts
from features.tracking import TrackerParams, appearance_vector, build_track, keep_chain, link
from features.types import Detection, Extraction, Shot, Track, VideoInfo
from features.video import iter_frames, probe, to_batch, working_size

TRACKS_SCHEMA = "scriptalign.tracks/1"


class _Pass1:
    """State of the detection pass; everything here is bounded by one shot plus one batch."""

    def __init__(self, info, size, scale, stride, batch_size, detector, describer, tracker, first_shot=0,
                 first_track=0, shot_start=0):
        self.info, self.size, self.scale = info, size, scale
        self.stride, self.batch_size = stride, batch_size
        self.detector, self.describer, self.tracker = detector, describer, tracker
        self.batch: list[tuple[int, float, np.ndarray]] = []
        self.dets: list[Detection] = []
        self.app: list[np.ndarray] = []
        self.desc: list[np.ndarray] = []
        self.sampled: list[int] = []
        self.tracks: list[Track] = []
        self.track_desc: list[np.ndarray] = []
        self.shot_index = first_shot
        self.next_track = first_track
        self.shot_start = shot_start
        self.n_detector_frames = 0

    def add_frame(self, index: int, t: float, rgb: np.ndarray) -> None:
        if index % self.stride == 0:
            self.batch.append((index, t, rgb))
            if len(self.batch) >= self.batch_size:
                self.run_batch()

    def run_batch(self) -> None:
        if not self.batch:
            return
        tensor = to_batch([b[2] for b in self.batch], self.detector.device)
        found = self.detector.detect(tensor)
        self.n_detector_frames += len(self.batch)
        sx, sy = self.scale
        for (index, t, rgb), (boxes, probs, pts) in zip(self.batch, found):
            self.sampled.append(index)
            new = []
            for box, p, lm in zip(boxes, probs, pts):
                b = (float(box[0] / sx), float(box[1] / sy), float(box[2] / sx), float(box[3] / sy))
                d = Detection(index, t, b, float(p), tuple((float(x / sx), float(y / sy)) for x, y in lm))
                new.append(d)
                self.app.append(appearance_vector(rgb, tuple(box[:4])))
            if new:
                self.dets.extend(new)
                self.desc.extend(self.describer.describe(rgb, new, scale=sx))
        self.batch = []

    def close_shot(self, end: int, frame_times: list[float]) -> None:
        """Track the detections of frames ``shot_start..end-1`` and drop them from memory."""
        inside = [i for i, d in enumerate(self.dets) if d.frame < end]
        if inside:
            dets = [self.dets[i] for i in inside]
            app = np.stack([self.app[i] for i in inside])
            desc = [self.desc[i] for i in inside]
            sampled = [f for f in self.sampled if f < end]
            for chain in link(dets, app, sampled, self.stride, self.tracker):
                cd = [dets[i] for i in chain]
                if not keep_chain(cd, self.tracker):
                    continue
                self.tracks.append(build_track(self.next_track, self.shot_index, cd, np.asarray(frame_times),
                                               self.stride, self.tracker, shot_bounds=(self.shot_start, end)))
                self.track_desc.append(pool(np.stack([desc[i] for i in chain])))
                self.next_track += 1
        rest = [i for i, d in enumerate(self.dets) if d.frame >= end]
        self.dets = [self.dets[i] for i in rest]
        self.app = [self.app[i] for i in rest]
        self.desc = [self.desc[i] for i in rest]
        self.sampled = [f for f in self.sampled if f >= end]
        self.shot_index += 1
        self.shot_start = end


def _params(stride, batch_size, max_width, min_face_size, describer_kind, tracker, shot_threshold) -> dict:
    return {
        "stride": stride, "max_width": max_width, "min_face_size": min_face_size,
        "face_descriptor": describer_kind, "tracker": asdict(tracker), "shot_threshold": shot_threshold,
    }


def extract(
    video: str | Path,
    *,
    cache_dir: str | Path | None = None,
    device: str | torch.device = "auto",
    stride: int = 5,
    batch_size: int = 16,
    max_width: int | None = 640,
    min_face_size: int = 20,
    face_weights: str | Path | None = None,
    motion: bool = True,
    tracker: TrackerParams | None = None,
    shot_threshold: float = 27.0,
    progress: bool = False,
    checkpoint_every: float = 30.0,
    on_frame: Callable[[int], None] | None = None,
) -> Extraction:
    """Shots, face tracks and per-track face/motion descriptors of ``video``; reuses and fills the cache.

    ``stride``: MTCNN runs on every stride-th frame; ``max_width``: frames are analysed at most this
    wide (boxes are reported in original pixels); ``face_weights``: a local InceptionResnetV1 state dict
    (else the offline HOG/LBP descriptor); ``on_frame`` is called with each decoded frame index.
    """
    if stride < 1 or batch_size < 1:
        raise ValueError("stride and batch_size must be >= 1")
    tracker = tracker or TrackerParams()
    dev = resolve_device(device)
    info = probe(video)
    size = working_size(info, max_width)
    scale = (size[0] / info.width, size[1] / info.height)
    cache = VideoCache(cache_dir or default_cache_root(), video)
    describer = FacenetDescriptor(face_weights, dev) if face_weights else HogLbpDescriptor()
    params = _params(stride, batch_size, max_width, min_face_size, describer.kind, tracker, shot_threshold)
    stats: dict = {"device": str(dev), "working_size": list(size)}

    if cache.is_complete("tracks", params):
        shots, tracks, face_desc, frame_times = _load_tracks(cache)
        stats["tracks_from_cache"] = True
    else:
        shots, tracks, face_desc, frame_times = _pass1(
            video, info, size, scale, dev, stride, batch_size, min_face_size, describer, tracker,
            shot_threshold, cache, params, progress, checkpoint_every, on_frame, stats)
        stats["tracks_from_cache"] = False

    mparams = {"kind": motion_mod.KIND, "max_width": max_width, "tracks": params}
    motion_desc = np.zeros((len(tracks), motion_mod.DIM), np.float32)
    if motion:
        if cache.is_complete("motion", mparams):
            motion_desc = np.load(cache.path("motion_descriptors.npy"))
            stats["motion_from_cache"] = True
        else:
            motion_desc, volumes = _pass2(video, info, size, scale, dev, batch_size, tracks, progress, on_frame)
            atomic_save_npy(cache.path("motion_descriptors.npy"), motion_desc)
            atomic_save_npz(cache.path("motion_volumes.npz"), **{f"track_{t.id}": v for t, v in zip(tracks, volumes)})
            cache.mark("motion", mparams, ["motion_descriptors.npy", "motion_volumes.npz"])
            stats["motion_from_cache"] = False

    return Extraction(
        video=info, shots=tuple(shots), tracks=tuple(tracks), face_descriptors=face_desc,
        face_descriptor_kind=describer.kind, motion_descriptors=motion_desc,
        motion_descriptor_kind=motion_mod.KIND if motion else "", frame_times=frame_times,
        cache_dir=cache.dir, params={**params, "stats": stats},
    )


def _load_tracks(cache: VideoCache):
    data = json.loads(cache.path("tracks.json").read_text())
    shots = [Shot(**s) for s in data["shots"]]
    tracks = [Track.from_dict(t) for t in data["tracks"]]
    return shots, tracks, np.load(cache.path("face_descriptors.npy")), np.load(cache.path("frame_times.npy"))


def _pass1(video, info, size, scale, dev, stride, batch_size, min_face_size, describer, tracker, shot_threshold,
           cache, params, progress, checkpoint_every, on_frame, stats):
    from tqdm import tqdm

    cache.mark("tracks", params, [], complete=False)
    ckpt_path = cache.path("tracks.checkpoint.json")
    frame_times: list[float] = []
    cuts: list[int] = []
    start_index, start_pts = 0, None
    state = _Pass1(info, size, scale, stride, batch_size, FaceDetector(dev, min_face_size), describer, tracker)
    if ckpt_path.exists():
        ck = json.loads(ckpt_path.read_text())
        if ck.get("params") == params:
            frame_times = [float(t) for t in np.load(cache.path("tracks.checkpoint.times.npy"))]
            cuts = list(ck["cuts"])
            state.tracks = [Track.from_dict(t) for t in ck["tracks"]]
            fd = np.load(cache.path("tracks.checkpoint.desc.npy"))
            state.track_desc = list(fd)
            state.shot_index, state.next_track = ck["shot_index"], ck["next_track"]
            state.shot_start = start_index = ck["next_frame"]
            start_pts = frame_times[start_index] if start_index < len(frame_times) else None
            frame_times = frame_times[:start_index]
            stats["resumed_at_frame"] = start_index
    shot_det = ShotDetector(info.fps, threshold=shot_threshold)
    last_ckpt = time.monotonic()
    t0 = time.perf_counter()
    bar = tqdm(total=info.n_frames or None, initial=start_index, desc="faces", unit="frame", disable=not progress)

    def close(end: int) -> None:
        nonlocal last_ckpt
        state.run_batch()
        state.close_shot(end, frame_times)
        if time.monotonic() - last_ckpt >= checkpoint_every and end < len(frame_times):
            _checkpoint(cache, params, state, cuts, frame_times, end)
            last_ckpt = time.monotonic()

    try:
        for fr in iter_frames(video, size=size, start_index=start_index, start_pts=start_pts):
            frame_times.append(fr.time)
            for c in shot_det.push(fr.index, fr.rgb):
                if c > state.shot_start:
                    cuts.append(c)
                    close(c)
            state.add_frame(fr.index, fr.time, fr.rgb)
            bar.update(1)
            if on_frame is not None:
                on_frame(fr.index)
        for c in shot_det.finish():
            if c > state.shot_start:
                cuts.append(c)
                close(c)
        state.run_batch()
        state.close_shot(len(frame_times), frame_times)
    finally:
        bar.close()
    stats["pass1_seconds"] = time.perf_counter() - t0
    stats["detector_frames"] = state.n_detector_frames
    times = np.asarray(frame_times, dtype=np.float64)
    shots = shots_from_cuts(cuts, times)
    tracks = state.tracks
    dim = describer.dim
    face_desc = np.stack(state.track_desc).astype(np.float32) if state.track_desc else np.zeros((0, dim), np.float32)
    atomic_save_npy(cache.path("frame_times.npy"), times)
    atomic_save_npy(cache.path("face_descriptors.npy"), face_desc)
    atomic_write_json(cache.path("tracks.json"), tracks_document(info, shots, tracks, describer.kind, params))
    cache.mark("tracks", params, ["tracks.json", "face_descriptors.npy", "frame_times.npy"])
    for p in ("tracks.checkpoint.json", "tracks.checkpoint.times.npy", "tracks.checkpoint.desc.npy"):
        cache.path(p).unlink(missing_ok=True)
    return shots, tracks, face_desc, times


def _checkpoint(cache, params, state: _Pass1, cuts, frame_times, next_frame: int) -> None:
    """Save finished shots so a rerun restarts at frame ``next_frame`` (a shot boundary)."""
    atomic_save_npy(cache.path("tracks.checkpoint.times.npy"), np.asarray(frame_times))
    desc = np.stack(state.track_desc) if state.track_desc else np.zeros((0, state.describer.dim), np.float32)
    atomic_save_npy(cache.path("tracks.checkpoint.desc.npy"), desc)
    atomic_write_json(cache.path("tracks.checkpoint.json"), {
        "params": params, "next_frame": next_frame, "cuts": [c for c in cuts if c <= next_frame],
        "shot_index": state.shot_index, "next_track": state.next_track,
        "tracks": [t.to_dict() for t in state.tracks],
    })


def _pass2(video, info, size, scale, dev, batch_size, tracks, progress, on_frame):
    """Motion descriptors: decode again, flow maps on frames inside tracks only, pooled per track."""
    from tqdm import tqdm

    accs = [motion_mod.MotionAccumulator(t.start_frame + 1) for t in tracks]
    if not tracks:
        return np.zeros((0, motion_mod.DIM), np.float32), []
    n = max(t.end_frame for t in tracks) + 1
    need = np.zeros(n, dtype=bool)
    for t in tracks:
        need[t.start_frame:t.end_frame + 1] = True
    by_start = sorted(range(len(tracks)), key=lambda i: tracks[i].start_frame)
    sx, sy = scale
    w, h = size
    buf: list[tuple[int, np.ndarray]] = []

    def flush(keep_last: bool) -> None:
        if len(buf) >= 2:
            grey = torch.from_numpy(np.stack([g for _, g in buf])).to(dev)
            maps = motion_mod.flow_maps(grey)
            rois, owners = [], []
            for j in range(1, len(buf)):
                f = buf[j][0]
                for i in by_start:
                    t = tracks[i]
                    if t.start_frame >= f:
                        break
                    if f <= t.end_frame:
                        x1, y1, x2, y2 = t.box_at(f)
                        ub = motion_mod.upper_body_box((x1 * sx, y1 * sy, x2 * sx, y2 * sy), w, h)
                        rois.append((j - 1, ub))
                        owners.append((i, f))
            cells = motion_mod.pool_cells(maps, rois)
            for (i, f), c in zip(owners, cells):
                accs[i].add(f, c)
        del buf[: len(buf) - 1 if keep_last and buf else len(buf)]

    bar = tqdm(total=n, desc="motion", unit="frame", disable=not progress)
    for fr in iter_frames(video, size=size, want=lambda i: i < n and need[i]):
        bar.update(1)
        if on_frame is not None:
            on_frame(fr.index)
        if fr.index >= n:
            break
        if fr.rgb is None:
            flush(keep_last=False)
            continue
        if buf and buf[-1][0] != fr.index - 1:
            flush(keep_last=False)
        buf.append((fr.index, cv2.cvtColor(fr.rgb, cv2.COLOR_RGB2GRAY)))
        if len(buf) > batch_size:
            flush(keep_last=True)
    flush(keep_last=False)
    bar.close()
    out = [a.finish() for a in accs]
    return np.stack([o[0] for o in out]), [o[1] for o in out]


def tracks_document(info: VideoInfo, shots, tracks, face_kind: str, params: dict, motion_kind: str = "") -> dict:
    """The ``tracks.json`` document (schema ``scriptalign.tracks/1``)."""
    return {
        "schema": TRACKS_SCHEMA,
        "video": asdict(info),
        "params": params,
        "face_descriptor": {"kind": face_kind, "file": "face_descriptors.npy"},
        "motion_descriptor": {"kind": motion_kind, "file": "motion_descriptors.npy"} if motion_kind else None,
        "shots": [s.to_dict() for s in shots],
        "tracks": [t.to_dict() for t in tracks],
    }


def write_outputs(result: Extraction, out_dir: str | Path) -> Path:
    """Write ``tracks.json``, ``face_descriptors.npy`` and ``motion_descriptors.npy`` (rows = tracks) to ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    atomic_save_npy(out / "face_descriptors.npy", result.face_descriptors)
    if result.motion_descriptor_kind:
        atomic_save_npy(out / "motion_descriptors.npy", result.motion_descriptors)
    params = {k: v for k, v in result.params.items() if k != "stats"}
    doc = tracks_document(result.video, result.shots, result.tracks, result.face_descriptor_kind, params,
                          result.motion_descriptor_kind)
    atomic_write_json(out / "tracks.json", doc)
    return out / "tracks.json"
