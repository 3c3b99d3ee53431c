"""Decoding with PyAV: frames in presentation order, times from container timestamps, stride, batches on a device."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from features.errors import VideoError
from features.types import VideoInfo

if TYPE_CHECKING:  # torch is imported where frames are batched, not when decoding only
    import torch


@dataclass(frozen=True)
class Frame:
    """One decoded frame: its 0-based index in presentation order, time in seconds, RGB pixels (H, W, 3)."""

    index: int
    time: float
    rgb: np.ndarray | None


def _open(path: str | Path):
    import av

    p = Path(path)
    if not p.exists():
        raise VideoError("no such file", p, expected="a readable video file")
    if not p.is_file() or not os.access(p, os.R_OK):
        raise VideoError("not a readable file", p, expected="a readable video file")
    try:
        container = av.open(str(p))
    except av.error.FFmpegError as err:
        raise VideoError(f"cannot open as a video: {err}", p, expected="a container PyAV/FFmpeg reads") from err
    if not container.streams.video:
        container.close()
        raise VideoError("no video stream", p, expected="a file with a video stream")
    stream = container.streams.video[0]
    if stream.codec_context is None or not stream.codec_context.name:
        container.close()
        raise VideoError("unsupported video codec", p, expected="a codec FFmpeg decodes")
    return container, stream


def probe(path: str | Path) -> VideoInfo:
    """Read the container's description of the first video stream without decoding."""
    container, stream = _open(path)
    try:
        rate = stream.average_rate or stream.guessed_rate or 0
        fps = float(rate) if rate else 0.0
        duration = 0.0
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        n = int(stream.frames or 0)
        return VideoInfo(
            path=str(path),
            width=int(stream.codec_context.width),
            height=int(stream.codec_context.height),
            fps=fps,
            n_frames=n,
            duration=duration,
            codec=str(stream.codec_context.name),
        )
    finally:
        container.close()


def working_size(info: VideoInfo, max_width: int | None) -> tuple[int, int]:
    """Size the frames are analysed at: at most ``max_width`` wide, even sizes, aspect kept."""
    if not max_width or info.width <= max_width:
        return info.width, info.height
    w = int(max_width) // 2 * 2
    h = max(2, round(info.height * w / info.width / 2) * 2)
    return w, h


def iter_frames(
    path: str | Path,
    size: tuple[int, int] | None = None,
    want: callable | None = None,  # type: ignore[valid-type]
    start_index: int = 0,
    start_pts: float | None = None,
) -> Iterator[Frame]:
    """Decode every frame in presentation order; pixels are converted only where ``want(index)`` is true.

    Raises VideoError naming the frame when decoding fails or the stream ends before the container
    said it would (a truncated file). ``start_pts``/``start_index`` resume from a known frame.
    """
    import av

    container, stream = _open(path)
    stream.thread_type = "AUTO"
    tb = float(stream.time_base) if stream.time_base else None
    rate = stream.average_rate or stream.guessed_rate
    fps = float(rate) if rate else 25.0
    expected = int(stream.frames or 0)
    # Without a frame count, the video stream's own duration (never the container's: audio may be longer).
    stream_end = float(stream.duration * stream.time_base) + float(stream.start_time or 0) * (tb or 0) \
        if stream.duration is not None and tb else None
    index = start_index
    last_time = -math.inf
    try:
        if start_pts is not None and tb:
            container.seek(int(start_pts / tb), stream=stream, backward=True, any_frame=False)
        try:
            for frame in container.decode(stream):
                if frame.pts is not None and tb:
                    t = float(frame.pts * tb)
                else:
                    t = last_time + 1.0 / fps if last_time > -math.inf else 0.0
                if start_pts is not None and t < start_pts - 1e-6:
                    continue
                last_time = t
                rgb = None
                if want is None or want(index):
                    if size is None:
                        rgb = frame.to_ndarray(format="rgb24")
                    else:
                        rgb = frame.reformat(width=size[0], height=size[1], format="rgb24").to_ndarray()
                yield Frame(index, t, rgb)
                index += 1
        except av.error.FFmpegError as err:
            raise VideoError(f"decoding failed: {err}", path, frame=index, expected="an intact video stream") from err
        # Containers with a frame count: fewer frames decoded means truncated or corrupt data.
        if expected and index < expected:
            raise VideoError(
                f"stream ended after {index} of {expected} frames (truncated or corrupt file)",
                path,
                frame=index,
                expected=f"{expected} frames",
            )
        if not expected and stream_end is not None and last_time < stream_end - max(1.0, 3.0 / fps):
            raise VideoError(
                f"stream ended at {last_time:.3f} s, before its stated end {stream_end:.3f} s (truncated or corrupt file)",
                path, frame=index, expected=f"frames up to {stream_end:.3f} s")
        if index == 0:
            raise VideoError("no frame could be decoded", path, frame=0, expected="at least one frame")
    finally:
        container.close()


def to_batch(frames: list[np.ndarray], device: torch.device | str) -> torch.Tensor:
    """Stack same-size RGB uint8 frames into one (N, H, W, 3) tensor on ``device``."""
    import torch

    arr = np.ascontiguousarray(np.stack(frames))
    return torch.from_numpy(arr).to(device, non_blocking=True)
