"""Errors for unusable video input: the message names the file, the frame and what was expected."""

from __future__ import annotations

from pathlib import Path


class VideoError(ValueError):
    """A video that cannot be used; reads ``file:frame N: problem (expected ...)``.

    ``features`` does not import ``scriptalign``; the CLI turns this into its ``InputError``.
    """

    def __init__(
        self, message: str, path: str | Path | None = None, frame: int | None = None, expected: str | None = None
    ) -> None:
        self.path = str(path) if path is not None else None
        self.frame = frame
        self.problem = message
        self.expected = expected
        where = self.path or "<video>"
        if frame is not None:
            where = f"{where}:frame {frame}"
        text = f"{where}: {message}"
        if expected:
            text += f" (expected {expected})"
        super().__init__(text)


class DeviceError(ValueError):
    """A device that was asked for but is not available."""


class WeightsError(ValueError):
    """A face-descriptor weights file that is missing or is not an InceptionResnetV1 state dict."""
