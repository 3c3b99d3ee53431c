"""Shot boundaries with PySceneDetect's ContentDetector, fed frame by frame (headless OpenCV)."""

from __future__ import annotations

import itertools
from pathlib import Path

import cv2
import numpy as np

from features.types import Shot

SHOT_WIDTH = 160  # the detector compares HSV means; a small frame gives the same cuts much faster


class ShotDetector:
    """Push frames in order; ``cuts`` holds the frame indices where a new shot starts."""

    def __init__(self, fps: float, threshold: float = 27.0, min_shot_frames: int = 15) -> None:
        from scenedetect.detectors import ContentDetector

        self.fps = fps if fps > 0 else 25.0
        self._detector = ContentDetector(threshold=threshold, min_scene_len=min_shot_frames)
        self.cuts: list[int] = []
        self._last = -1

    def push(self, index: int, rgb: np.ndarray) -> list[int]:
        """Feed frame ``index`` (RGB, any size); returns cuts found now (frame indices, maybe earlier ones)."""
        from scenedetect.common import FrameTimecode

        h, w = rgb.shape[:2]
        if w > SHOT_WIDTH:
            rgb = cv2.resize(rgb, (SHOT_WIDTH, max(2, round(h * SHOT_WIDTH / w))), interpolation=cv2.INTER_AREA)
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])
        found = self._detector.process_frame(FrameTimecode(index, fps=self.fps), bgr)
        self._last = index
        new = [int(c.frame_num) for c in found if int(c.frame_num) > 0]
        self.cuts.extend(new)
        return new

    def finish(self) -> list[int]:
        """Flush cuts the detector held back (flash filter); call once after the last frame."""
        from scenedetect.common import FrameTimecode

        new: list[int] = []
        post = getattr(self._detector, "post_process", None)
        if post is not None and self._last >= 0:
            found = post(FrameTimecode(self._last, fps=self.fps)) or []
            new = [int(c.frame_num) for c in found if int(c.frame_num) > 0]
            self.cuts.extend(new)
        return new


def shots_from_cuts(cuts: list[int], frame_times: np.ndarray, start: int = 0, first_index: int = 0) -> list[Shot]:
    """Shots between sorted cut frames over frames ``start..len(frame_times)-1``; end time is the next frame's."""
    n = len(frame_times)
    bounds = [start] + sorted(c for c in set(cuts) if start < c < n) + [n]
    shots = []
    step = float(np.median(np.diff(frame_times))) if n > 1 else 0.0
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        end_time = float(frame_times[b]) if b < n else float(frame_times[-1]) + step
        shots.append(Shot(first_index + i, a, b, float(frame_times[a]), end_time))
    return shots


def detect_shots(path: str | Path, max_width: int = SHOT_WIDTH) -> list[Shot]:
    """Shots of a whole video (standalone use; ``features.extract`` runs the detector in its own pass)."""
    from features.video import iter_frames, probe, working_size

    info = probe(path)
    det = ShotDetector(info.fps)
    times = []
    for fr in iter_frames(path, size=working_size(info, max_width)):
        det.push(fr.index, fr.rgb)
        times.append(fr.time)
    det.finish()
    return shots_from_cuts(det.cuts, np.asarray(times))
