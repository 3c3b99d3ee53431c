"""Reading the project's JSON files, with errors that name the file and line."""

from __future__ import annotations

import json
from pathlib import Path

from scriptalign.errors import InputError


def read_json(path: str | Path, expected: str | None = None):
    """The parsed JSON of ``path``; InputError naming the file (and line) when it cannot be read."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror}", path, expected=expected) from err
    except UnicodeDecodeError as err:
        raise InputError("not UTF-8 text", path, expected=expected) from err
    except json.JSONDecodeError as err:
        raise InputError(f"invalid JSON: {err.msg}", path, err.lineno, expected=expected) from err
