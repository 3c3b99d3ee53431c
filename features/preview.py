"""Contact sheet: sampled frames with each track's box and id drawn, tiled into one PNG."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from features.types import Track

_COLOURS = [(230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48), (145, 30, 180),
            (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212)]


def choose_frames(tracks: list[Track], n_frames: int, count: int = 12) -> list[int]:
    """Frames to show: the middle frame of each track first, then evenly spaced frames, sorted."""
    chosen = {t.frames[len(t.frames) // 2] for t in tracks}
    if len(chosen) > count:
        chosen = set(sorted(chosen)[:: max(1, len(chosen) // count)][:count])
    extra = np.linspace(0, max(0, n_frames - 1), num=max(0, count - len(chosen)) + 2)[1:-1]
    chosen |= {round(f) for f in extra}
    return sorted(chosen)[:count]


def draw(rgb: np.ndarray, frame: int, tracks: list[Track], scale: tuple[float, float] = (1.0, 1.0)) -> np.ndarray:
    """Copy of ``rgb`` with the boxes and ids of tracks present at ``frame``."""
    img = np.ascontiguousarray(rgb.copy())
    for t in tracks:
        b = t.box_at(frame)
        if b is None:
            continue
        c = _COLOURS[t.id % len(_COLOURS)]
        x1, y1, x2, y2 = int(b[0] * scale[0]), int(b[1] * scale[1]), int(b[2] * scale[0]), int(b[3] * scale[1])
        cv2.rectangle(img, (x1, y1), (x2, y2), c, 2)
        cv2.putText(img, f"#{t.id}", (x1, max(12, y1 - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, c, 1, cv2.LINE_AA)
    cv2.putText(img, f"frame {frame}", (4, img.shape[0] - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1,
                cv2.LINE_AA)
    return img


def contact_sheet(video: str | Path, tracks: list[Track], out_path: str | Path, count: int = 12,
                  tile_width: int = 320, columns: int = 4) -> Path:
    """Write a PNG grid of ``count`` frames with track boxes; returns its path (written atomically)."""
    from features.atomic import write_bytes
    from features.video import iter_frames, probe

    info = probe(video)
    tw = min(tile_width, info.width)
    th = max(2, round(info.height * tw / info.width))
    wanted = set(choose_frames(list(tracks), info.n_frames or int(info.duration * info.fps) or 1, count))
    tiles = []
    for fr in iter_frames(video, size=(tw, th), want=lambda i: i in wanted):
        if fr.rgb is not None:
            tiles.append(draw(fr.rgb, fr.index, list(tracks), (tw / info.width, th / info.height)))
        if len(tiles) == len(wanted):
            break
    if not tiles:
        tiles = [np.zeros((th, tw, 3), np.uint8)]
    rows = -(-len(tiles) // columns)
    sheet = np.zeros((rows * th, min(columns, len(tiles)) * tw, 3), np.uint8)
    for k, tile in enumerate(tiles):
        r, c = divmod(k, columns)
        sheet[r * th:(r + 1) * th, c * tw:(c + 1) * tw] = tile
    ok, png = cv2.imencode(".png", cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    if not ok:
        raise RuntimeError("PNG encoding failed")
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(out, png.tobytes())
    return out
