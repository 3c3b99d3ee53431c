"""On-disk cache: one directory per video keyed by a content hash, a manifest of finished stages, atomic writes."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

SCHEMA = "scriptalign.features.cache/1"
_CHUNK = 4 * 1024 * 1024


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask



def default_cache_root() -> Path:
    """``$SCRIPTALIGN_CACHE`` or ``~/.cache/scriptalign/features``."""
    env = os.environ.get("SCRIPTALIGN_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "scriptalign" / "features"


def video_key(path: str | Path) -> str:
    """BLAKE2b of the file's size and bytes; files over 12 MiB hash their first, middle and last 4 MiB.

    Sampling keeps hashing a 2-hour movie instant; any re-encode or truncation changes size or bytes.
    """
    p = Path(path)
    size = p.stat().st_size
    h = hashlib.blake2b(digest_size=12)
    h.update(str(size).encode())
    with open(p, "rb") as f:
        if size <= 3 * _CHUNK:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        else:
            for off in (0, size // 2 - _CHUNK // 2, size - _CHUNK):
                f.seek(off)
                h.update(f.read(_CHUNK))
    return h.hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` then rename over it: readers see all or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are 0644 less the umask, like open() would
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_bytes(path, (json.dumps(obj, indent=1, sort_keys=False) + "\n").encode())


def atomic_save_npy(path: Path, arr: np.ndarray) -> None:
    import io

    buf = io.BytesIO()
    np.save(buf, np.asarray(arr), allow_pickle=False)
    atomic_write_bytes(path, buf.getvalue())


def atomic_save_npz(path: Path, **arrays: np.ndarray) -> None:
    import io

    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    atomic_write_bytes(path, buf.getvalue())


def atomic_save_torch(path: Path, obj: Any) -> None:
    import io

    import torch

    buf = io.BytesIO()
    torch.save(obj, buf)
    atomic_write_bytes(path, buf.getvalue())


class VideoCache:
    """``root/<video key>/`` with ``manifest.json``: per stage its parameters, files and completion."""

    def __init__(self, root: str | Path, video: str | Path) -> None:
        self.video = str(video)
        self.key = video_key(video)
        self.dir = Path(root) / self.key
        self.dir.mkdir(parents=True, exist_ok=True)
        self.manifest_path = self.dir / "manifest.json"

    def manifest(self) -> dict:
        if self.manifest_path.exists():
            try:
                m = json.loads(self.manifest_path.read_text())
                if m.get("schema") == SCHEMA:
                    return m
            except (OSError, json.JSONDecodeError):
                pass
        return {"schema": SCHEMA, "key": self.key, "video": self.video, "stages": {}}

    def is_complete(self, stage: str, params: dict) -> bool:
        s = self.manifest()["stages"].get(stage)
        if not s or not s.get("complete") or s.get("params") != params:
            return False
        return all((self.dir / f).exists() for f in s.get("files", []))

    def mark(self, stage: str, params: dict, files: list[str], complete: bool = True) -> None:
        m = self.manifest()
        m["video"] = self.video
        m["stages"][stage] = {"params": params, "files": files, "complete": complete}
        atomic_write_json(self.manifest_path, m)

    def invalidate(self, stage: str) -> None:
        m = self.manifest()
        if stage in m["stages"]:
            m["stages"][stage]["complete"] = False
            atomic_write_json(self.manifest_path, m)

    def path(self, name: str) -> Path:
        return self.dir / name
