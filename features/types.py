"""Typed results of the video side: video info, shots, detections and tracks, all carrying frame numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in pixels of the original video


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a video (frame count may be 0 when the container does not know)."""

    path: str
    width: int
    height: int
    fps: float
    n_frames: int
    duration: float
    codec: str


@dataclass(frozen=True)
class Shot:
    """A shot: frames ``start_frame`` to ``end_frame - 1`` (0-based decode order), times in seconds."""

    index: int
    start_frame: int
    end_frame: int
    start_time: float
    end_time: float

    @property
    def n_frames(self) -> int:
        return self.end_frame - self.start_frame

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "start_frame": self.start_frame,
            "end_frame": self.end_frame,
            "start_time": self.start_time,
            "end_time": self.end_time,
        }


@dataclass(frozen=True)
class Detection:
    """One face found by the detector on one frame (box in original pixels, 5 landmarks x,y)."""

    frame: int
    time: float
    box: Box
    score: float
    landmarks: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class Track:
    """A face track inside one shot: one box per frame from the first to the last detection.

    ``detected[i]`` says whether frame ``frames[i]`` had a detection linked to the track (its
    ``scores[i]`` is then the detector's probability); other frames are bridged by interpolation.
    A track from another tracker may have only its id and time span (``scriptalign.tracks/1``
    makes the per-frame fields optional), or frames, times and boxes without scores.
    """

    id: int
    start_time: float
    end_time: float
    shot: int = -1
    frames: tuple[int, ...] = ()
    times: tuple[float, ...] = ()
    boxes: tuple[Box, ...] = ()
    scores: tuple[float, ...] = ()
    detected: tuple[bool, ...] = ()

    @classmethod
    def from_frames(cls, id: int, shot: int, frames: tuple[int, ...], times: tuple[float, ...],
                    boxes: tuple[Box, ...], scores: tuple[float, ...], detected: tuple[bool, ...]) -> Track:
        """A track found in a video: its time span is that of its first and last frame."""
        return cls(id, times[0], times[-1], shot, frames, times, boxes, scores, detected)

    @property
    def start_frame(self) -> int:
        return self.frames[0]

    @property
    def end_frame(self) -> int:
        """Last frame of the track (inclusive)."""
        return self.frames[-1]

    @property
    def n_detections(self) -> int:
        return int(sum(self.detected))

    @property
    def mean_score(self) -> float:
        s = [sc for sc, d in zip(self.scores, self.detected) if d]
        return float(np.mean(s)) if s else 0.0

    def box_at(self, frame: int) -> Box | None:
        if not self.frames or frame < self.frames[0] or frame > self.frames[-1]:
            return None
        return self.boxes[frame - self.frames[0]]

    def to_dict(self) -> dict:
        """The track's entry of ``tracks.json`` (per-frame fields only when the track has them)."""
        out: dict = {"id": self.id, "shot": self.shot, "start_time": self.start_time, "end_time": self.end_time}
        if self.frames:
            out.update(start_frame=self.start_frame, end_frame=self.end_frame, frames=list(self.frames))
        for key, values in (("times", [round(t, 6) for t in self.times]),
                            ("boxes", [[round(v, 2) for v in b] for b in self.boxes]),
                            ("scores", [round(s, 5) for s in self.scores]),
                            ("detected", [bool(d) for d in self.detected])):
            if values or self.frames:
                out[key] = values
        return out

    @classmethod
    def from_dict(cls, d: dict) -> Track:
        """The track of a ``tracks.json`` entry (checked against its schema by the reader)."""
        return cls(
            id=int(d["id"]),
            start_time=float(d["start_time"]),
            end_time=float(d["end_time"]),
            shot=int(d.get("shot", -1)),
            frames=tuple(int(f) for f in d.get("frames", ())),
            times=tuple(float(t) for t in d.get("times", ())),
            boxes=tuple(tuple(float(v) for v in b) for b in d.get("boxes", ())),  # type: ignore[misc]
            scores=tuple(float(s) for s in d.get("scores", ())),
            detected=tuple(bool(x) for x in d.get("detected", ())),
        )


ACTION_WINDOWS_FILE = "action_windows.npz"


@dataclass(frozen=True)
class ActionWindows:
    """Short windows of the tracks, one row each: window ``k`` is frames ``start_frame[k]..end_frame[k]``
    (inclusive) of the track in row ``track[k]``, ``start[k]``..``end[k]`` seconds, with motion
    features ``features[k]`` (as extracted; the window solve L2-normalises them). One schema for the
    extraction's I3D windows and the solve's windows (flow volumes or I3D): ``action_windows.npz``."""

    track: np.ndarray = field(repr=False)
    start_frame: np.ndarray = field(repr=False)
    end_frame: np.ndarray = field(repr=False)
    start: np.ndarray = field(repr=False)
    end: np.ndarray = field(repr=False)
    features: np.ndarray = field(repr=False)

    KEYS = ("track", "start_frame", "end_frame", "start", "end", "features")

    @classmethod
    def from_frames(cls, track, start_frame, end_frame, features, frame_times) -> ActionWindows:
        """Windows given by frames; their times are the frames' presentation times (a frame past the
        last decoded one, e.g. a padded window's, takes the last time)."""
        sf, ef = np.asarray(start_frame, np.int64), np.asarray(end_frame, np.int64)
        times = np.asarray(frame_times, np.float64)
        last = len(times) - 1
        if len(sf) and last < 0:
            raise ValueError("windows need the video's frame times, got none")
        t0 = times[np.minimum(sf, last)] if len(sf) else np.zeros(0)
        t1 = times[np.minimum(ef, last)] if len(ef) else np.zeros(0)
        return cls(np.asarray(track, np.int64), sf, ef, t0, t1, np.asarray(features))

    @classmethod
    def empty(cls, dim: int) -> ActionWindows:
        z = np.zeros(0, np.int64)
        return cls(z, z.copy(), z.copy(), np.zeros(0), np.zeros(0), np.zeros((0, dim), np.float32))

    def __len__(self) -> int:
        return len(self.track)

    def save(self, path: str | Path) -> None:
        from features.atomic import write_npz

        write_npz(path, **{k: getattr(self, k) for k in self.KEYS})

    @classmethod
    def load(cls, path: str | Path) -> ActionWindows:
        """Read what :meth:`save` wrote; a file without one of the arrays is refused by name."""
        with np.load(Path(path)) as d:
            missing = [k for k in cls.KEYS if k not in d.files]
            if missing:
                raise ValueError(f"{path}: not an action windows file (missing {', '.join(missing)}; "
                                 f"expected {', '.join(cls.KEYS)})")
            return cls(*(d[k] for k in cls.KEYS))


@dataclass(frozen=True)
class Extraction:
    """Everything ``features.extract`` found in one video; row ``i`` of each descriptor array is track ``i``."""

    video: VideoInfo
    shots: tuple[Shot, ...]
    tracks: tuple[Track, ...]
    face_descriptors: np.ndarray = field(repr=False)
    face_descriptor_kind: str = ""
    motion_descriptors: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0)))
    motion_descriptor_kind: str = ""
    frame_times: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    cache_dir: Path | None = None
    params: dict = field(default_factory=dict)
    face_descriptor_info: dict = field(default_factory=dict)  # kind, dim, weights_hash
    action_descriptors: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0), np.float32))
    action_descriptor_kind: str = ""  # empty when I3D did not run
    action_windows: ActionWindows | None = field(repr=False, default=None)  # I3D's, when it ran
    action_config: dict | None = None
