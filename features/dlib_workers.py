"""dlib's face embedding in worker processes.

dlib's ResNet runs on one core and holds the GIL (two threads embed no faster than one), so a
batch of chips is split across processes; each loads the model once. This module imports only
numpy and dlib, so a spawned worker starts in well under a second.
"""

from __future__ import annotations

import numpy as np

_MODEL = None


def load(model_path: str) -> None:
    """Worker initializer: the dlib ResNet from its .dat file."""
    global _MODEL
    import dlib

    _MODEL = dlib.face_recognition_model_v1(model_path)


def descriptors(model, chips: list[np.ndarray]) -> np.ndarray:
    """dlib's 128-d descriptors of aligned 150x150 chips (not normalised), one row per chip."""
    return np.asarray(model.compute_face_descriptor(chips), np.float32).reshape(len(chips), -1)


def embed(chips: list[np.ndarray]) -> np.ndarray:
    """`descriptors` with the worker's model."""
    return descriptors(_MODEL, chips)
