"""Learned action features: I3D (Kinetics-400) on an upper-body tube per track, in windows of frames.

Each track's tube is the upper-body box below its face (``motion.upper_body_box``) cropped on every
frame and resized to ``size`` x ``size``; windows of ``window`` consecutive frames start every ``step``
frames (a track shorter than a window, or a last part of at least half a window, is padded by repeating
its last frame). Each window gives the 1024-d Mixed_5c mean, so an action can be placed inside a track;
the track's descriptor is the renormalised mean of its windows. Windows of all tracks are batched.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch

from features.descriptors import pool
from features.i3d import DIM, load_i3d
from features.types import ActionWindows, Box

KIND = "i3d-kinetics400-mixed5c-ubtube"


@dataclass(frozen=True)
class ActionConfig:
    """What determines the action features (with the tracks' key, the cache key of the ``actions`` stage)."""

    weights_hash: str
    window: int = 16
    step: int = 16
    size: int = 112

    def __post_init__(self) -> None:
        if not 8 <= self.window <= 64 or not 1 <= self.step <= self.window or self.size < 64:
            raise ValueError(f"bad action window settings: window {self.window} (8-64), step {self.step} (1-window), "
                             f"size {self.size} (>= 64)")

    @property
    def kind(self) -> str:
        return f"{KIND}-w{self.window}s{self.step}p{self.size}:{self.weights_hash}"


def tube_crop(rgb: np.ndarray, box: Box, size: int) -> np.ndarray:
    """``box`` (pixels of ``rgb``) resized to ``size`` x ``size``; an empty box gives a black crop."""
    h, w = rgb.shape[:2]
    x1, y1 = max(0, int(np.floor(box[0]))), max(0, int(np.floor(box[1])))
    x2, y2 = min(w, int(np.ceil(box[2]))), min(h, int(np.ceil(box[3])))
    if x2 - x1 < 2 or y2 - y1 < 2:
        return np.zeros((size, size, 3), np.uint8)
    return cv2.resize(rgb[y1:y2, x1:x2], (size, size), interpolation=cv2.INTER_AREA)


class I3DFeaturizer:
    """Collects tube crops per track and runs I3D on full windows, ``batch`` windows per forward pass."""

    def __init__(self, config: ActionConfig, device: torch.device, batch: int = 4, model=None) -> None:
        self.config, self.device, self.batch = config, device, max(1, batch)
        self.model = model if model is not None else load_i3d(device=device)[0]
        self._open: dict[int, list[tuple[int, np.ndarray]]] = {}
        self._pending: list[tuple[int, int, int, np.ndarray]] = []
        self._rows: list[tuple[int, int, int, np.ndarray]] = []

    def add(self, track: int, frame: int, crop: np.ndarray) -> None:
        """Crop of ``track`` on ``frame`` (frames of one track arrive in order)."""
        buf = self._open.setdefault(track, [])
        buf.append((frame, crop))
        cfg = self.config
        if len(buf) == cfg.window:
            self._queue(track, buf)
            del buf[: cfg.step]

    def close(self, track: int) -> None:
        """End of ``track``: its rest becomes a padded window when long enough (or the track has none yet)."""
        buf = self._open.pop(track, [])
        done = any(r[0] == track for r in self._rows) or any(p[0] == track for p in self._pending)
        if buf and (not done or len(buf) >= self.config.window // 2):
            self._queue(track, buf)
        self._run(all_=False)

    def _queue(self, track: int, buf: list[tuple[int, np.ndarray]]) -> None:
        crops = [c for _, c in buf]
        crops += [crops[-1]] * (self.config.window - len(crops))
        self._pending.append((track, buf[0][0], buf[-1][0], np.stack(crops)))
        self._run(all_=False)

    def _run(self, all_: bool) -> None:
        while self._pending and (all_ or len(self._pending) >= self.batch):
            chunk, self._pending = self._pending[: self.batch], self._pending[self.batch:]
            x = torch.from_numpy(np.stack([c[3] for c in chunk])).to(self.device)
            x = x.permute(0, 4, 1, 2, 3).float().div_(127.5).sub_(1.0)  # (B, 3, T, S, S) in [-1, 1]
            with torch.inference_mode():
                f = self.model.features(x).float().cpu().numpy()
            self._rows.extend((t, s, e, v) for (t, s, e, _), v in zip(chunk, f))

    def finish(self, n_tracks: int, frame_times) -> tuple[np.ndarray, ActionWindows]:
        """(per-track pooled descriptors (n_tracks, 1024), all windows sorted by track then start, timed
        by ``frame_times``)."""
        for t in list(self._open):
            self.close(t)
        self._run(all_=True)
        rows = sorted(self._rows, key=lambda r: (r[0], r[1]))
        if not rows:
            return np.zeros((n_tracks, DIM), np.float32), ActionWindows.empty(DIM)
        feats = np.stack([r[3] for r in rows]).astype(np.float32)
        win = ActionWindows.from_frames([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], feats,
                                        frame_times)
        desc = np.zeros((n_tracks, DIM), np.float32)
        for t in range(n_tracks):
            sel = win.track == t
            if sel.any():
                desc[t] = pool(feats[sel] / (np.linalg.norm(feats[sel], axis=1, keepdims=True) + 1e-12))
        return desc, win
