"""Face tracking inside one shot: link detections by overlap and appearance, bridge gaps, filter, smooth."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.optimize import linear_sum_assignment

from features.overlap import box_iou
from features.types import Box, Detection, Track


@dataclass(frozen=True)
class TrackerParams:
    """Linking gates and filters; gaps are counted in sampled (detector) frames."""

    min_iou: float = 0.2
    appearance_weight: float = 0.5
    max_appearance_distance: float = 1.2
    max_gap: int = 2
    min_detections: int = 3
    min_mean_score: float = 0.95
    smooth_sigma_frames: float | None = None  # default: half the stride


def appearance_vector(rgb: np.ndarray, box: Box, size: int = 16) -> np.ndarray:
    """A cheap linking cue: the face crop in grey at 16x16 plus a coarse hue histogram, unit norm."""
    h, w = rgb.shape[:2]
    x1, y1, x2, y2 = (round(v) for v in box)
    x1, y1, x2, y2 = max(0, x1), max(0, y1), min(w, x2), min(h, y2)
    if x2 - x1 < 2 or y2 - y1 < 2:
        return np.zeros(size * size + 8, dtype=np.float32)
    crop = rgb[y1:y2, x1:x2]
    grey = cv2.resize(cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY), (size, size), interpolation=cv2.INTER_AREA)
    g = grey.astype(np.float32).ravel()
    g -= g.mean()
    g /= np.linalg.norm(g) + 1e-6
    hsv = cv2.cvtColor(crop, cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0], None, [8], [0, 180]).ravel().astype(np.float32)
    hist /= np.linalg.norm(hist) + 1e-6
    v = np.concatenate([g, hist])
    return v / (np.linalg.norm(v) + 1e-6)


@dataclass
class _Open:
    det_ids: list[int] = field(default_factory=list)
    frames: list[int] = field(default_factory=list)
    boxes: list[np.ndarray] = field(default_factory=list)
    app: np.ndarray | None = None

    def predict(self, frame: int) -> np.ndarray:
        last = self.boxes[-1]
        if len(self.boxes) < 2:
            return last
        vel = (self.boxes[-1] - self.boxes[-2]) / max(1, self.frames[-1] - self.frames[-2])
        return last + vel * (frame - self.frames[-1])


def link(
    detections: list[Detection], appearance: np.ndarray, sampled_frames: list[int], stride: int,
    params: TrackerParams = TrackerParams(),
) -> list[list[int]]:
    """Group detection indices into chains by Hungarian matching frame to frame (one shot only)."""
    by_frame: dict[int, list[int]] = {}
    for i, d in enumerate(detections):
        by_frame.setdefault(d.frame, []).append(i)
    open_: list[_Open] = []
    done: list[_Open] = []
    max_dt = (params.max_gap + 1) * max(1, stride)
    for f in sorted(set(sampled_frames) | set(by_frame)):
        still = []
        for t in open_:
            (still if f - t.frames[-1] <= max_dt else done).append(t)
        open_ = still
        ids = by_frame.get(f, [])
        if not ids:
            continue
        boxes = np.array([detections[i].box for i in ids])
        assigned: set[int] = set()
        if open_:
            pred = np.array([t.predict(f) for t in open_])
            ov = box_iou(pred[:, None], boxes[None])
            app_t = np.array([t.app for t in open_])
            app_d = appearance[ids]
            dist = np.linalg.norm(app_t[:, None, :] - app_d[None, :, :], axis=2)
            cost = (1.0 - ov) + params.appearance_weight * dist
            bad = (ov < params.min_iou) | (dist > params.max_appearance_distance)
            cost[bad] = 1e6
            rows, cols = linear_sum_assignment(cost)
            for r, c in zip(rows, cols):
                if cost[r, c] >= 1e6:
                    continue
                t = open_[r]
                i = ids[c]
                t.det_ids.append(i)
                t.frames.append(f)
                t.boxes.append(boxes[c])
                t.app = 0.7 * t.app + 0.3 * appearance[i]
                assigned.add(c)
        for c, i in enumerate(ids):
            if c not in assigned:
                open_.append(_Open([i], [f], [boxes[c]], appearance[i].copy()))
    done.extend(open_)
    chains = [t.det_ids for t in done]
    chains.sort(key=lambda ch: (detections[ch[0]].frame, detections[ch[0]].box[0]))
    return chains


def build_track(
    track_id: int, shot: int, detections: list[Detection], frame_times: np.ndarray, stride: int,
    params: TrackerParams = TrackerParams(), shot_bounds: tuple[int, int] | None = None, extend: int | None = None,
) -> Track:
    """One box per frame from half a stride before the first detection to half a stride after the last
    (within ``shot_bounds`` = [start, end)): interpolated centre/size, Gaussian-smoothed.

    Values are rounded as ``tracks.json`` stores them (boxes 0.01 px, times 1 us), so a cached run is identical.
    """
    dets = sorted(detections, key=lambda d: d.frame)
    extend = stride // 2 if extend is None else extend
    key = np.array([d.frame for d in dets])
    b = np.array([d.box for d in dets], dtype=np.float64)
    cxcywh = np.stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2, b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]], 1)
    first, last = int(key[0]), int(key[-1])
    if extend:
        # The face was seen at the sampled frames only: extend half a stride each way, within the shot.
        first = max(shot_bounds[0] if shot_bounds else 0, first - extend)
        last = min(shot_bounds[1] - 1 if shot_bounds else len(frame_times) - 1, last + extend)
    frames = np.arange(first, last + 1)
    per = np.stack([np.interp(frames, key, cxcywh[:, k]) for k in range(4)], 1)
    if len(key) >= 2:  # linear extrapolation at the extended ends, from the nearest two detections
        v0 = (cxcywh[1] - cxcywh[0]) / (key[1] - key[0])
        v1 = (cxcywh[-1] - cxcywh[-2]) / (key[-1] - key[-2])
        before, after = frames < key[0], frames > key[-1]
        per[before] = cxcywh[0] + (frames[before] - key[0])[:, None] * v0
        per[after] = cxcywh[-1] + (frames[after] - key[-1])[:, None] * v1
    sigma = params.smooth_sigma_frames if params.smooth_sigma_frames is not None else max(1.0, stride / 2)
    if len(frames) > 2 and sigma > 0:
        per = _smooth(per, sigma)
    boxes = np.stack([per[:, 0] - per[:, 2] / 2, per[:, 1] - per[:, 3] / 2,
                      per[:, 0] + per[:, 2] / 2, per[:, 1] + per[:, 3] / 2], 1)
    score_at = {d.frame: d.score for d in dets}
    return Track.from_frames(
        id=track_id,
        shot=shot,
        frames=tuple(int(f) for f in frames),
        times=tuple(round(float(frame_times[f]), 6) for f in frames),
        boxes=tuple(tuple(round(float(v), 2) for v in row) for row in boxes),  # type: ignore[misc]
        scores=tuple(round(float(score_at.get(int(f), 0.0)), 5) for f in frames),
        detected=tuple(int(f) in score_at for f in frames),
    )


def _smooth(x: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian smoothing along axis 0 with point-symmetric padding, so linear motion is kept at the ends."""
    r = min(int(4 * sigma + 0.5), len(x) - 1)
    left = 2 * x[0] - x[1:r + 1][::-1]
    right = 2 * x[-1] - x[-r - 1:-1][::-1]
    padded = np.concatenate([left, x, right])
    return gaussian_filter1d(padded, sigma, axis=0, mode="nearest")[r:r + len(x)]


def keep_chain(detections: list[Detection], params: TrackerParams = TrackerParams()) -> bool:
    """Drop short or weak tracks."""
    if len(detections) < params.min_detections:
        return False
    return float(np.mean([d.score for d in detections])) >= params.min_mean_score
