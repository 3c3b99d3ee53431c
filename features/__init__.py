"""features: the video side of scriptalign (decoding, shots, face tracks, face and motion descriptors).

``features.extract(video, ...)`` is the one call; see ``docs/features.md``. Heavy modules (torch,
MTCNN) load on first use, so ``import features`` stays cheap.
"""

from __future__ import annotations

from features.errors import DeviceError, VideoError
from features.types import Detection, Extraction, Shot, Track, VideoInfo

__all__ = [
    "Detection",
    "DeviceError",
    "Extraction",
    "Shot",
    "Track",
    "VideoError",
    "VideoInfo",
    "extract",
    "write_outputs",
]


def __getattr__(name: str):
    if name in ("extract", "write_outputs"):
        from features import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'features' has no attribute {name!r}")
