"""Errors for bad input: each names the file, the line (or frame) and what was expected."""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Input that cannot be used; the message reads ``file:line: problem (expected ...)``."""

    def __init__(
        self,
        message: str,
        path: str | Path | None = None,
        line: int | None = None,
        expected: str | None = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.expected = expected
        self.problem = message
        where = self.path or "<input>"
        if line is not None:
            where = f"{where}:{line}"
        text = f"{where}: {message}"
        if expected:
            text += f" (expected {expected})"
        super().__init__(text)


class SubtitleError(InputError):
    """A subtitle file that cannot be read."""


class ScriptError(InputError):
    """A screenplay that cannot be read."""
