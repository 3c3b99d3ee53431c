"""Synthetic test videos: CC0/public-domain faces on textured bodies moving over textured backgrounds.

Faces: ``skimage.data.astronaut()`` and ``skimage.data.camera()`` (CC0) and matplotlib's
``grace_hopper.jpg`` (public domain). Each person has a head sprite, a textured body and an arm,
and performs one action: ``walk`` (moves sideways), ``wave`` (arm swings), ``sit`` (moves down),
``stand`` (moves up) or ``still``. The ground-truth face box of every frame is returned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import cv2
import numpy as np

# Face boxes (x1, y1, x2, y2) in the source images, as MTCNN finds them there (measured once).
FACE_BOXES = {
    "astronaut": (181.1, 62.2, 267.7, 172.1),
    "camera": (199.2, 118.9, 254.3, 192.3),
    "grace_hopper": (174.4, 119.6, 355.6, 340.5),
}
ACTIONS = ("walk", "wave", "sit", "stand", "still")


@cache
def source_image(name: str) -> np.ndarray:
    """The RGB source image of a face (shipped in scikit-image or matplotlib; no download)."""
    if name == "astronaut":
        from skimage.data import astronaut

        return astronaut()
    if name == "camera":
        from skimage.data import camera

        return np.repeat(camera()[:, :, None], 3, axis=2)
    if name == "grace_hopper":
        from matplotlib import cbook
        from PIL import Image

        with cbook.get_sample_data("grace_hopper.jpg") as f:
            return np.asarray(Image.open(f).convert("RGB"))
    raise ValueError(f"unknown face {name!r} (expected one of {sorted(FACE_BOXES)})")


def head_sprite(name: str, face_width: float) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Head crop scaled so the face is ``face_width`` px wide; returns (RGB patch, face box in the patch)."""
    img = source_image(name)
    x1, y1, x2, y2 = FACE_BOXES[name]
    w, h = x2 - x1, y2 - y1
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    cx1, cy1 = max(0, int(cx - 0.8 * w)), max(0, int(cy - 0.8 * h))
    cx2, cy2 = min(img.shape[1], int(cx + 0.8 * w)), min(img.shape[0], int(cy + 0.75 * h))
    s = face_width / w
    crop = img[cy1:cy2, cx1:cx2]
    patch = cv2.resize(crop, (max(1, round(crop.shape[1] * s)), max(1, round(crop.shape[0] * s))),
                       interpolation=cv2.INTER_AREA)
    sx, sy = patch.shape[1] / crop.shape[1], patch.shape[0] / crop.shape[0]
    return patch, ((x1 - cx1) * sx, (y1 - cy1) * sy, (x2 - cx1) * sx, (y2 - cy1) * sy)


def texture(h: int, w: int, seed: int, scale: float = 6.0) -> np.ndarray:
    """Smooth coloured noise (RGB uint8): gives optical flow something to see."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, size=(max(2, int(h / scale)), max(2, int(w / scale)), 3)).astype(np.uint8)
    big = cv2.resize(base, (w, h), interpolation=cv2.INTER_CUBIC)
    fine = rng.integers(-25, 26, size=(h, w, 3))
    return np.clip(big.astype(np.int32) + fine, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class Person:
    """One character in a shot: face, action, start position (head top-left) and face width in px."""

    face: str
    action: str
    x: float
    y: float
    face_width: float = 64.0
    speed: float = 2.0  # px per frame for walk/sit/stand
    seed: int = 0

    def offset(self, k: int) -> tuple[float, float]:
        if self.action == "walk":
            return self.x + self.speed * k, self.y
        if self.action == "sit":
            return self.x, self.y + self.speed * 0.5 * k
        if self.action == "stand":
            return self.x, self.y - self.speed * 0.5 * k
        return self.x, self.y

    def arm_angle(self, k: int) -> float:
        if self.action == "wave":
            return math.radians(-120 + 50 * math.sin(2 * math.pi * k / 12))
        return math.radians(100)


@dataclass(frozen=True)
class ShotSpec:
    """A shot: length in frames, background seed and the people in it."""

    n_frames: int
    background_seed: int
    people: tuple[Person, ...] = ()


@dataclass(frozen=True)
class TruthTrack:
    """Ground truth of one person in one shot: face box per frame."""

    face: str
    action: str
    shot: int
    frames: tuple[int, ...]
    boxes: tuple[tuple[float, float, float, float], ...]


@dataclass(frozen=True)
class SyntheticVideo:
    path: Path
    width: int
    height: int
    fps: float
    n_frames: int
    cuts: tuple[int, ...]
    truth: tuple[TruthTrack, ...] = field(default_factory=tuple)


def _draw_person(frame: np.ndarray, p: Person, k: int) -> tuple[float, float, float, float] | None:
    head, fb = head_sprite(p.face, p.face_width)
    hx, hy = p.offset(k)
    hx, hy = round(hx), round(hy)
    H, W = frame.shape[:2]
    hh = head.shape[0]
    fw = fb[2] - fb[0]
    body_w, body_h = int(fw * 1.8), int(fw * 2.6)
    bx = hx + int((fb[0] + fb[2]) / 2 - body_w / 2)
    by = hy + hh - 2
    body = texture(body_h, body_w, seed=1000 + p.seed)
    _paste(frame, body, bx, by)
    # Arm: a textured quadrilateral hinged at the right shoulder.
    sx, sy = bx + body_w - 4, by + int(0.15 * body_h)
    a = p.arm_angle(k)
    length, thick = fw * 1.5, fw * 0.35
    dx, dy = math.cos(a) * length, math.sin(a) * length
    nx, ny = -math.sin(a) * thick / 2, math.cos(a) * thick / 2
    poly = np.array([[sx + nx, sy + ny], [sx - nx, sy - ny], [sx + dx - nx, sy + dy - ny], [sx + dx + nx, sy + dy + ny]])
    mask = np.zeros((H, W), np.uint8)
    cv2.fillConvexPoly(mask, np.round(poly).astype(np.int32), 1)
    arm_tex = texture(H, W, seed=2000 + p.seed, scale=3.0)
    frame[mask > 0] = arm_tex[mask > 0]
    _paste(frame, head, hx, hy)
    box = (hx + fb[0], hy + fb[1], hx + fb[2], hy + fb[3])
    if box[0] < 0 or box[1] < 0 or box[2] > W or box[3] > H:
        return None
    return box


def _paste(frame: np.ndarray, patch: np.ndarray, x: int, y: int) -> None:
    H, W = frame.shape[:2]
    h, w = patch.shape[:2]
    x1, y1, x2, y2 = max(0, x), max(0, y), min(W, x + w), min(H, y + h)
    if x2 > x1 and y2 > y1:
        frame[y1:y2, x1:x2] = patch[y1 - y:y2 - y, x1 - x:x2 - x]


def render(shots: list[ShotSpec], path: str | Path, width: int = 320, height: int = 240, fps: int = 24,
           codec: str = "libx264", crf: int = 18) -> SyntheticVideo:
    """Write the shots one after the other to ``path`` (H.264 MP4, moov atom first) and return the truth."""
    import av

    path = Path(path)
    truth: list[TruthTrack] = []
    cuts: list[int] = []
    index = 0
    with av.open(str(path), "w", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if codec == "libx264":
            stream.options = {"crf": str(crf), "preset": "veryfast"}
        for si, spec in enumerate(shots):
            if si:
                cuts.append(index)
            bg = texture(height, width, seed=spec.background_seed, scale=12.0)
            per: list[tuple[list[int], list]] = [([], []) for _ in spec.people]
            for k in range(spec.n_frames):
                frame = bg.copy()
                for pi, person in enumerate(spec.people):
                    box = _draw_person(frame, person, k)
                    if box is not None:
                        per[pi][0].append(index)
                        per[pi][1].append(box)
                for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                    out.mux(packet)
                index += 1
            for person, (frames, boxes) in zip(spec.people, per):
                if frames:
                    truth.append(TruthTrack(person.face, person.action, si, tuple(frames), tuple(boxes)))
        for packet in stream.encode():
            out.mux(packet)
    return SyntheticVideo(path, width, height, float(fps), index, tuple(cuts), tuple(truth))


def two_shot_video(path: str | Path, frames_per_shot: int = 48, width: int = 320, height: int = 240) -> SyntheticVideo:
    """The standard test video: shot 0 astronaut walks + Grace Hopper waves; shot 1 camera walks + astronaut waves."""
    shots = [
        ShotSpec(frames_per_shot, 1, (Person("astronaut", "walk", 10, 20, 56, seed=1),
                                      Person("grace_hopper", "wave", 200, 30, 56, seed=2))),
        ShotSpec(frames_per_shot, 2, (Person("camera", "walk", 10, 30, 56, seed=3),
                                      Person("astronaut", "wave", 200, 20, 56, seed=1))),
    ]
    return render(shots, path, width, height)
