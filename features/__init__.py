"""features: the video side of scriptalign (decoding, shots, face tracks, face and motion descriptors).

``features.extract(video, ...)`` is the one call; see ``docs/features.md``. Heavy modules (torch,
MTCNN) load on first use, so ``import features`` stays cheap.
"""

from __future__ import annotations

from features.errors import DeviceError, VideoError

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


_TYPES = ("Detection", "Extraction", "Shot", "Track", "VideoInfo")


def __getattr__(name: str):
    # the types (numpy) and the pipeline (torch) load on first use: the text side imports
    # ``features.atomic`` and ``features.overlap`` without paying for either
    if name in ("extract", "write_outputs"):
        from features import pipeline

        return getattr(pipeline, name)
    if name in _TYPES:
        from features import types

        return getattr(types, name)
    raise AttributeError(f"module 'features' has no attribute {name!r}")
