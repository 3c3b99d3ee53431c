"""Action descriptor: histograms of (normal) optical flow in an upper-body box below each face.

Flow per pixel is the normal flow ``-I_t grad(I) / |grad(I)|^2`` of blurred half-size grey frames,
binned into 8 directions weighted by speed plus one "textured but still" bin. Maps are pooled with
``roi_align`` on a 3x3 spatial grid, in volumes of 12 frames split into 2 temporal cells, and the
volume descriptors are averaged over the track. All of it is torch, so it runs on CUDA or the CPU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from features.types import Box

N_DIRECTIONS = 8
N_BINS = N_DIRECTIONS + 1
GRID = 3
VOLUME_FRAMES = 12
TEMPORAL_CELLS = 2
KIND = "hof-normalflow-ub3x3x2-9bins-v1"
DIM = TEMPORAL_CELLS * N_BINS * GRID * GRID


def upper_body_box(face: Box, width: int, height: int) -> Box:
    """Box around head, shoulders and arms: 3 face widths wide, from half a face above to 2.5 below."""
    x1, y1, x2, y2 = face
    w, h = x2 - x1, y2 - y1
    cx = (x1 + x2) / 2
    return (max(0.0, cx - 1.5 * w), max(0.0, y1 - 0.5 * h), min(float(width), cx + 1.5 * w), min(float(height), y2 + 2.5 * h))


def _gauss_kernel(device: torch.device, sigma: float = 1.0) -> torch.Tensor:
    r = 2
    x = torch.arange(-r, r + 1, dtype=torch.float32, device=device)
    k = torch.exp(-(x**2) / (2 * sigma**2))
    k = k / k.sum()
    return (k[:, None] * k[None, :])[None, None]


def flow_maps(grey: torch.Tensor, min_grad: float = 2.0, still_speed: float = 0.25, max_speed: float = 3.0) -> torch.Tensor:
    """(T, H, W) grey frames in [0, 255] -> (T-1, 9, H/2, W/2) per-pixel flow histograms between consecutive frames."""
    x = grey.float()[:, None]
    x = F.avg_pool2d(x, 2)
    x = F.conv2d(x, _gauss_kernel(x.device), padding=2)
    prev, cur = x[:-1], x[1:]
    mid = 0.5 * (prev + cur)
    gx = 0.5 * (F.pad(mid, (0, 2, 0, 0), mode="replicate")[..., 2:] - F.pad(mid, (2, 0, 0, 0), mode="replicate")[..., :-2])
    gy = 0.5 * (F.pad(mid, (0, 0, 0, 2), mode="replicate")[..., 2:, :] - F.pad(mid, (0, 0, 2, 0), mode="replicate")[..., :-2, :])
    gt = cur - prev
    mag2 = gx * gx + gy * gy
    valid = mag2 > min_grad**2
    inv = torch.where(valid, 1.0 / (mag2 + 1e-6), torch.zeros_like(mag2))
    vx, vy = -gt * gx * inv, -gt * gy * inv
    speed = torch.sqrt(vx * vx + vy * vy).clamp(max=max_speed)
    ang = torch.atan2(vy, vx)
    # bin k is centred on angle -pi + k * 2pi/8: 0 left, 2 up, 4 right, 6 down (image y grows downwards)
    b = torch.remainder(torch.floor((ang + math.pi) / (2 * math.pi) * N_DIRECTIONS + 0.5), N_DIRECTIONS).long()
    moving = valid & (speed > still_speed)
    still = valid & ~moving
    maps = torch.zeros(x.shape[0] - 1, N_BINS, x.shape[2], x.shape[3], device=x.device)
    maps[:, :N_DIRECTIONS].scatter_(1, b, (speed * moving).float())
    maps[:, N_DIRECTIONS:] = still.float() * still_speed
    return maps


def pool_cells(maps: torch.Tensor, rois: list[tuple[int, Box]]) -> np.ndarray:
    """Average each map over a 3x3 grid of each (map index, box in full-size working pixels) -> (K, 9, 3, 3)."""
    from torchvision.ops import roi_align

    if not rois:
        return np.zeros((0, N_BINS, GRID, GRID), np.float32)
    r = torch.tensor([[i, *b] for i, b in rois], dtype=torch.float32, device=maps.device)
    out = roi_align(maps, r, output_size=GRID, spatial_scale=0.5, sampling_ratio=2, aligned=True)
    return out.cpu().numpy()


@dataclass
class MotionAccumulator:
    """Streams one track's per-frame cell histograms into volume descriptors."""

    start_frame: int
    volumes: list[np.ndarray] = field(default_factory=list)
    _cur: np.ndarray = field(default_factory=lambda: np.zeros((TEMPORAL_CELLS, N_BINS, GRID, GRID), np.float64))
    _n: int = 0
    _vol: int = 0

    def add(self, frame: int, cells: np.ndarray) -> None:
        k = frame - self.start_frame
        v, half = divmod(k, VOLUME_FRAMES)
        if v != self._vol:
            self._close()
            self._vol = v
        self._cur[min(half * TEMPORAL_CELLS // VOLUME_FRAMES, TEMPORAL_CELLS - 1)] += cells
        self._n += 1

    def _close(self) -> None:
        if self._n >= 2 or (self._n and not self.volumes):
            v = self._cur.ravel()
            v = np.sqrt(v / max(v.sum(), 1e-9))
            self.volumes.append(v.astype(np.float32))
        self._cur = np.zeros_like(self._cur)
        self._n = 0

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        """(track descriptor (DIM,), volume descriptors (V, DIM))."""
        self._close()
        if not self.volumes:
            return np.zeros(DIM, np.float32), np.zeros((0, DIM), np.float32)
        vols = np.stack(self.volumes)
        m = vols.mean(0)
        return (m / (np.linalg.norm(m) + 1e-12)).astype(np.float32), vols


class MotionBoW:
    """Optional bag of words over volume descriptors (k-means) with an explicit chi-square feature map."""

    def __init__(self, n_words: int = 64, sample_steps: int = 2, random_state: int = 0) -> None:
        self.n_words = n_words
        self.sample_steps = sample_steps
        self.random_state = random_state

    def fit(self, volumes: list[np.ndarray]) -> MotionBoW:
        from sklearn.cluster import KMeans

        x = np.concatenate([v for v in volumes if len(v)])
        k = min(self.n_words, len(x))
        self.kmeans_ = KMeans(n_clusters=k, n_init=3, random_state=self.random_state).fit(x)
        return self

    def histograms(self, volumes: list[np.ndarray]) -> np.ndarray:
        k = self.kmeans_.n_clusters
        out = np.zeros((len(volumes), k))
        for i, v in enumerate(volumes):
            if len(v):
                out[i] = np.bincount(self.kmeans_.predict(v), minlength=k) / len(v)
        return out

    def transform(self, volumes: list[np.ndarray]) -> np.ndarray:
        from sklearn.kernel_approximation import AdditiveChi2Sampler

        return AdditiveChi2Sampler(sample_steps=self.sample_steps).fit_transform(self.histograms(volumes))


def load_volumes(cache_dir, track_ids) -> list[np.ndarray]:
    """Per track the volume descriptors (V, DIM) that ``extract`` saved in its cache (``motion_volumes.npz``).

    Volume ``v`` of a track covers its frames ``start_frame + 1 + VOLUME_FRAMES * v`` up to
    ``start_frame + VOLUME_FRAMES * (v + 1)`` (see :class:`MotionAccumulator`).
    """
    from pathlib import Path

    with np.load(Path(cache_dir) / "motion_volumes.npz") as data:
        return [data[f"track_{i}"] if f"track_{i}" in data else np.zeros((0, DIM), np.float32) for i in track_ids]
