"""Files written whole or not at all: a temporary file in the same folder, then an atomic rename.

The one writer of the project's outputs and cache files (``scriptalign.atomic`` is this module:
``features`` may not import ``scriptalign``, so it lives here). Files get the usual permissions
(0666 less the umask, as ``open`` gives), not the 0600 of ``mkstemp``.

The temporary file is ``.NAME.HOST.PID.RANDOM.tmp``. A process killed between the write and the
rename leaves it behind; the next write of the same output removes such leftovers of dead
processes on this host (and any older than a day, e.g. from another host of a shared folder).
"""

from __future__ import annotations

import io
import json
import os
import socket
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

#: Leftover temporaries of other hosts are removed once they are this old (seconds).
STALE_AFTER = 24 * 3600.0


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _host() -> str:
    return "".join(c if c.isalnum() or c == "-" else "_" for c in socket.gethostname()) or "host"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def stale_temporaries(path: str | Path) -> list[Path]:
    """Temporaries of ``path`` left by writers that died before their rename."""
    path = Path(path)
    prefix = f".{path.name}."
    host = _host()
    out = []
    try:
        candidates = [p for p in path.parent.iterdir() if p.name.startswith(prefix) and p.name.endswith(".tmp")]
    except OSError:
        return []
    for p in candidates:
        fields = p.name[len(prefix):-len(".tmp")].rsplit(".", 2)  # HOST, PID, RANDOM
        try:
            if len(fields) == 3 and fields[0] == host and fields[1].isdigit():
                dead = int(fields[1]) != os.getpid() and not _alive(int(fields[1]))
            else:  # another host, or the older ``.NAME.RANDOM.tmp`` form
                dead = time.time() - p.stat().st_mtime > STALE_AFTER
        except OSError:
            continue
        if dead:
            out.append(p)
    return out


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (a reader never sees a half-written file).

    Errors name ``path`` (e.g. a missing output folder), not the temporary file."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    for leftover in stale_temporaries(path):
        leftover.unlink(missing_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{_host()}.{os.getpid()}.", suffix=".tmp", dir=folder)
    except OSError as err:  # e.g. a missing folder: named by the output path, not the temporary's
        raise type(err)(err.errno, err.strerror or str(err), str(path)) from err
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically."""
    write_bytes(path, text.encode(encoding))


_ROW = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(", ", ": "))


def json_text(doc: Any) -> str:
    """Standard JSON (no NaN: a NaN is a ValueError) laid out by rows: objects one key per line, each
    item of an array on a line of its own, written compactly. As diffable as ``indent=1`` and about 3x
    faster to write (62 -> 20 ms for chinatown's alignment): ``json.dumps`` with an indent falls back to
    the pure-Python encoder."""
    parts: list[str] = []
    _layout(doc, "", parts)
    parts.append("\n")
    return "".join(parts)


def _layout(value: Any, pad: str, parts: list[str]) -> None:
    if isinstance(value, dict) and value:
        inner = pad + " "
        parts.append("{")
        for n, (key, item) in enumerate(value.items()):
            parts.append(("\n" if n == 0 else ",\n") + inner + _ROW.encode(_key(key)) + ": ")
            _layout(item, inner, parts)
        parts.append("\n" + pad + "}")
    elif isinstance(value, (list, tuple)) and value and any(isinstance(v, (dict, list, tuple)) for v in value):
        inner = pad + " "
        parts.append("[\n" + inner + (",\n" + inner).join(map(_ROW.encode, value)) + "\n" + pad + "]")
    else:
        parts.append(_ROW.encode(value))


def _key(key: Any) -> str:
    """An object key as ``json.dumps`` writes it."""
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, (bool, int, float)):
        return _ROW.encode(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def write_json(path: str | Path, doc: Any) -> None:
    """Write ``doc`` atomically as :func:`json_text` (UTF-8)."""
    write_text(path, json_text(doc))


def write_npy(path: str | Path, array: np.ndarray) -> None:
    """Write one array as ``.npy`` (no pickled objects)."""
    buf = io.BytesIO()
    import numpy as np

    np.save(buf, np.asarray(array), allow_pickle=False)
    write_bytes(path, buf.getvalue())


def write_npz(path: str | Path, **arrays: np.ndarray) -> None:
    """Write named arrays as a compressed ``.npz``."""
    buf = io.BytesIO()
    import numpy as np

    np.savez_compressed(buf, **arrays)
    write_bytes(path, buf.getvalue())


def write_torch(path: str | Path, obj: Any) -> None:
    """Write a torch object (e.g. a state dict) with ``torch.save``."""
    import torch

    buf = io.BytesIO()
    torch.save(obj, buf)
    write_bytes(path, buf.getvalue())
