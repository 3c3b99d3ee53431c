"""On-disk cache: one directory per video keyed by a content hash, a manifest of finished stages
(files written by :mod:`features.atomic`)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from features.atomic import write_json

SCHEMA = "scriptalign.features.cache/1"
_CHUNK = 4 * 1024 * 1024


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
        write_json(self.manifest_path, m)

    def invalidate(self, stage: str) -> None:
        m = self.manifest()
        if stage in m["stages"]:
            m["stages"][stage]["complete"] = False
            write_json(self.manifest_path, m)

    def path(self, name: str) -> Path:
        return self.dir / name
