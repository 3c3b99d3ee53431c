"""Drawing the hard toy preset: photo heads restyled per shot, scaled stick figures, occluders, grading.

Each face is turned grey and re-lit with one skin tint for everybody (so colour does not name
anyone), then per shot: a side light gradient and gain, a colour cast, an in-plane rotation, a
yaw-like perspective squeeze, the shot's scale, and blur; the whole frame gets a colour grade and
sensor noise. Occluders (static patches over part of a face, a foreground panel sliding in front
of one) hide faces partly or wholly.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np

from scriptalign.toy.faces import HEAD, Head, extra_head, named_head
from scriptalign.toy.hard_story import FPS, HEIGHT, WIDTH, HardShot, HardStory, Look, Placed

SKIN = np.array([1.0, 0.85, 0.72], np.float32)
TORSO_H, TORSO_W, LEG, SIT_DROP, ARM = 62, 46, 52, 36, 50


def source_head(face: str) -> Head:
    """The 64 px head of a face source: a named photo or ``lfw:<index>``."""
    return extra_head(int(face.split(":")[1])) if face.startswith("lfw:") else named_head(face)


@dataclass(frozen=True)
class StyledHead:
    """A head restyled for one shot: RGB and alpha patch (square, ``side`` px) and the face box
    relative to the patch centre (x1, y1, x2, y2)."""

    rgb: np.ndarray
    alpha: np.ndarray
    side: int
    box: tuple[float, float, float, float]


@cache
def _grey(face: str) -> tuple[np.ndarray, np.ndarray, tuple[float, float, float, float]]:
    head = source_head(face)
    grey = cv2.cvtColor(head.rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return grey, head.alpha, head.face_box


def styled_head(face: str, look: Look, size: float) -> StyledHead:
    """``face`` drawn ``size`` px tall under ``look``."""
    grey, alpha, (bx1, by1, bx2, by2) = _grey(face)
    xs = (np.arange(HEAD, dtype=np.float32) - HEAD / 2) / (HEAD / 2)
    light = look.gain * (1.0 + look.gradient * xs)[None, :, None]
    rgb = grey[..., None] * SKIN * light * np.asarray(look.cast, np.float32)
    rgba = np.dstack([np.clip(rgb, 0, 255), alpha * 255.0]).astype(np.float32)
    s = size / HEAD
    side = int(math.ceil(size * 1.45)) | 1
    k = look.yaw_side * (1.0 - look.squeeze) * 0.5 / (size / 2)
    a = math.radians(look.angle)
    to_origin = np.array([[s, 0, -HEAD / 2 * s], [0, s, -HEAD / 2 * s], [0, 0, 1]], np.float64)
    yaw = np.array([[look.squeeze, 0, 0], [0, 1, 0], [k, 0, 1]], np.float64)
    rot = np.array([[math.cos(a), -math.sin(a), side / 2], [math.sin(a), math.cos(a), side / 2], [0, 0, 1]])
    H = rot @ yaw @ to_origin
    out = cv2.warpPerspective(rgba, H, (side, side), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    if look.blur > 0.2:
        out = cv2.GaussianBlur(out, (0, 0), look.blur)
    c = H @ np.array([(bx1 + bx2) / 2, (by1 + by2) / 2, 1.0])
    cx, cy = c[0] / c[2] - side / 2, c[1] / c[2] - side / 2
    hw, hh = (bx2 - bx1) / 2 * s * look.squeeze, (by2 - by1) / 2 * s
    return StyledHead(out[..., :3], out[..., 3] / 255.0, side, (cx - hw, cy - hh, cx + hw, cy + hh))


@dataclass(frozen=True)
class Pose:
    """Where a person is and what their limbs do in one frame."""

    x: float
    drop: float  # 0 standing .. 1 seated
    wave: float
    wave_phase: float
    walk_phase: float
    walking: bool
    phone: float  # 0 .. 1 hand at the ear
    shake: float  # 0 .. 1 arm out to a partner
    shake_dir: float
    shake_phase: float


def pose_at(shot: HardShot, placed: Placed, frame: int) -> Pose:
    """The pose of a placed person in ``frame`` (motions before/after hold still)."""
    x, drop = placed.x, 1.0 if placed.seated else 0.0
    wave = wave_phase = walk_phase = phone = shake = shake_phase = 0.0
    shake_dir = 1.0
    walking = False
    for m in shot.acts:
        if m.person != placed.person or frame < m.f0:
            continue
        n = max(1, m.f1 - m.f0)
        u = min(1.0, (frame - m.f0) / n)
        sm = u * u * (3 - 2 * u)
        active = frame < m.f1
        ramp = max(0.0, min(1.0, (frame - m.f0) / 5.0, (m.f1 - frame) / 5.0)) if active else 0.0
        if m.kind == "walk":
            x = m.x0 + (m.x1 - m.x0) * u
            if active:
                walking, walk_phase = True, 2 * math.pi * 1.6 * (frame - m.f0) / FPS
        elif m.kind == "sit_down":
            drop = sm
        elif m.kind == "stand_up":
            drop = 1.0 - sm
        elif m.kind == "wave" and active:
            wave, wave_phase = ramp, 2 * math.pi * 2.2 * (frame - m.f0) / FPS
        elif m.kind == "answer_phone" and active:
            phone = ramp
        elif m.kind == "hand_shake" and active:
            shake, shake_dir = ramp, (1.0 if m.towards >= x else -1.0)
            shake_phase = 2 * math.pi * 2.5 * (frame - m.f0) / FPS
    return Pose(x, drop, wave, wave_phase, walk_phase, walking, phone, shake, shake_dir, shake_phase)


def head_top(shot: HardShot, pose: Pose) -> float:
    bob = 2.0 * shot.scale * abs(math.sin(pose.walk_phase)) if pose.walking else 0.0
    return shot.y0 + SIT_DROP * shot.scale * pose.drop - bob


def face_box(shot: HardShot, pose: Pose, head: StyledHead) -> tuple[float, float, float, float]:
    """The face box in frame pixels (not clipped)."""
    cx, cy = pose.x, head_top(shot, pose) + HEAD * shot.scale / 2
    x1, y1, x2, y2 = head.box
    return cx + x1, cy + y1, cx + x2, cy + y2


def covered_fraction(box: tuple[float, float, float, float], rects: list[tuple[float, float, float, float]]) -> float:
    """The share of ``box`` hidden by occluder rectangles or outside the frame (rectangles assumed
    not to overlap each other much; capped at 1)."""
    x1, y1, x2, y2 = box
    area = max(1e-9, (x2 - x1) * (y2 - y1))
    inside = max(0.0, min(x2, WIDTH) - max(x1, 0)) * max(0.0, min(y2, HEIGHT) - max(y1, 0))
    hidden = area - inside
    for r in rects:
        ix = max(0.0, min(x2, r[2], WIDTH) - max(x1, r[0], 0))
        iy = max(0.0, min(y2, r[3], HEIGHT) - max(y1, r[1], 0))
        hidden += ix * iy
    return min(1.0, hidden / area)


def occluder_rects(shot: HardShot, frame: int) -> list[tuple[float, float, float, float]]:
    rects = [(float(a), float(b), float(c), float(d)) for a, b, c, d, _ in shot.patches]
    if shot.sweep is not None:
        c = shot.sweep.centre(frame)
        if c is not None:
            rects.append((c - shot.sweep.width / 2, -10.0, c + shot.sweep.width / 2, HEIGHT + 10.0))
    return rects


def shot_heads(story: HardStory, shot: HardShot) -> dict[str, StyledHead]:
    return {pl.person: styled_head(story.people[pl.person].face, pl.look, HEAD * shot.scale) for pl in shot.placed}


def _background(shot: HardShot) -> np.ndarray:
    rng = np.random.default_rng(shot.index * 7919 + 17)
    c1, c2 = (np.array(c, np.float32) for c in shot.colours)
    t = np.linspace(0.0, 1.0, HEIGHT, dtype=np.float32)[:, None, None]
    img = (c1 * (1 - t) + c2 * t) * np.ones((1, WIDTH, 1), np.float32)
    img += rng.normal(0, 6, size=(HEIGHT // 4, WIDTH // 4, 1)).repeat(4, 0).repeat(4, 1)  # texture
    img = np.clip(img, 0, 255).astype(np.uint8)
    if shot.floor < HEIGHT:
        img[shot.floor - int(20 * shot.scale):] = (c2 * 0.6).astype(np.uint8)
    for _ in range(int(rng.integers(2, 5))):  # doors, windows, frames, shelves
        w, h = (int(v * shot.scale) for v in rng.uniform(40, 110, size=2))
        x, y = int(rng.integers(0, WIDTH - w)), int(rng.integers(0, max(1, HEIGHT // 2)))
        colour = tuple(int(v) for v in rng.integers(20, 235, size=3))
        cv2.rectangle(img, (x, y), (x + w, y + h), colour, -1)
        cv2.rectangle(img, (x, y), (x + w, y + h), tuple(int(v * 0.5) for v in colour), max(1, int(3 * shot.scale)))
    return img


def _chair(img: np.ndarray, shot: HardShot, x: float) -> None:
    s = shot.scale
    seat_y = int(shot.y0 + (HEAD + TORSO_H + SIT_DROP - 4) * s)
    brown = (110, 70, 40)
    cv2.rectangle(img, (int(x - 26 * s), seat_y), (int(x + 26 * s), seat_y + int(6 * s)), brown, -1)
    cv2.rectangle(img, (int(x - 26 * s), seat_y - int(50 * s)), (int(x - 20 * s), seat_y + int(40 * s)), brown, -1)
    cv2.rectangle(img, (int(x + 20 * s), seat_y), (int(x + 26 * s), seat_y + int(40 * s)), brown, -1)


def _limb(img, p0, angle_deg, length, colour, thick):
    a = math.radians(angle_deg)
    p1 = (p0[0] + length * math.sin(a), p0[1] + length * math.cos(a))
    cv2.line(img, (round(p0[0]), round(p0[1])), (round(p1[0]), round(p1[1])), colour, max(1, round(thick)),
             cv2.LINE_AA)
    return p1


def _figure(img: np.ndarray, shot: HardShot, pose: Pose, head: StyledHead, colour) -> None:
    s = shot.scale
    top = head_top(shot, pose)
    cx = pose.x
    neck_y = top + (HEAD - 4) * s
    hip_y = neck_y + TORSO_H * s
    skin = (215, 180, 150)
    dark = tuple(int(c * 0.6) for c in colour)
    if pose.drop > 0.5:
        for side in (-1, 1):
            knee = (cx + side * 8 * s + 24 * s, hip_y + 2 * s)
            cv2.line(img, (int(cx + side * 8 * s), int(hip_y)), (int(knee[0]), int(knee[1])), dark,
                     max(1, int(9 * s)), cv2.LINE_AA)
            _limb(img, knee, 0, (LEG - 20) * s, dark, 8 * s)
    else:
        swing = 24 * math.sin(pose.walk_phase) if pose.walking else 0.0
        _limb(img, (cx - 8 * s, hip_y), -swing - 3, LEG * s, dark, 9 * s)
        _limb(img, (cx + 8 * s, hip_y), swing + 3, LEG * s, dark, 9 * s)
    cv2.rectangle(img, (int(cx - TORSO_W / 2 * s), int(neck_y)), (int(cx + TORSO_W / 2 * s), int(hip_y)), colour, -1)
    sh_y = neck_y + 6 * s
    arm_swing = 18 * math.sin(pose.walk_phase) if pose.walking else 0.0
    left, right = (cx - TORSO_W / 2 * s, sh_y), (cx + TORSO_W / 2 * s, sh_y)
    if pose.phone > 0:  # left hand to the ear, holding a phone
        elbow = _limb(img, left, -8 - 140 * pose.phone, 26 * s, colour, 8 * s)
        hand = _limb(img, elbow, -8 + (180 - 8) * pose.phone * 0.9, 24 * s, skin, 7 * s)
        cv2.rectangle(img, (int(hand[0] - 4 * s), int(hand[1] - 10 * s)), (int(hand[0] + 4 * s), int(hand[1] + 10 * s)),
                      (20, 20, 25), -1)
    else:
        _limb(img, left, -8 + arm_swing, ARM * s, colour, 8 * s)
    if pose.wave > 0:
        elbow = _limb(img, right, 8 + 122 * pose.wave, 26 * s, colour, 8 * s)
        fore = (1 - pose.wave) * 8 + pose.wave * (180 + 35 * math.sin(pose.wave_phase))
        hand = _limb(img, elbow, fore, 24 * s, skin, 7 * s)
        cv2.circle(img, (int(hand[0]), int(hand[1])), max(1, int(5 * s)), skin, -1, cv2.LINE_AA)
    elif pose.shake > 0:  # the arm towards the partner, hand pumping
        base = right if pose.shake_dir > 0 else left
        elbow = _limb(img, base, pose.shake_dir * (8 + 60 * pose.shake), 26 * s, colour, 8 * s)
        hand = _limb(img, elbow, pose.shake_dir * (8 + 82 * pose.shake) + 12 * math.sin(pose.shake_phase), 26 * s,
                     skin, 7 * s)
        cv2.circle(img, (int(hand[0]), int(hand[1])), max(1, int(5 * s)), skin, -1, cv2.LINE_AA)
    else:
        _limb(img, right, 8 - arm_swing, ARM * s, colour, 8 * s)
    # head, alpha blended and clipped to the frame
    hx = int(round(cx - head.side / 2))
    hy = int(round(top + HEAD * s / 2 - head.side / 2))
    x0, y0 = max(hx, 0), max(hy, 0)
    x1, y1 = min(hx + head.side, WIDTH), min(hy + head.side, HEIGHT)
    if x1 > x0 and y1 > y0:
        a = head.alpha[y0 - hy: y1 - hy, x0 - hx: x1 - hx, None]
        src = head.rgb[y0 - hy: y1 - hy, x0 - hx: x1 - hx]
        dst = img[y0:y1, x0:x1].astype(np.float32)
        img[y0:y1, x0:x1] = (src * a + dst * (1 - a) + 0.5).astype(np.uint8)


def chairs(shot: HardShot) -> list[float]:
    """x of every chair in a shot: where people sit at its start or sit down during it."""
    xs = [pl.x for pl in shot.placed if pl.seated]
    xs += [a.x0 for a in shot.acts if a.kind in ("sit_down", "stand_up")]
    return sorted(set(round(x, 1) for x in xs))


def render_hard_frames(story: HardStory) -> Iterator[np.ndarray]:
    """Every frame of the hard toy as RGB ``uint8`` (HEIGHT x WIDTH x 3), in order."""
    for shot in story.shots:
        heads = shot_heads(story, shot)
        bg = _background(shot)
        for x in chairs(shot):
            _chair(bg, shot, x)
        rng = np.random.default_rng(shot.index * 104729 + story.seed)
        noise = rng.normal(0, shot.noise, size=(4, HEIGHT, WIDTH, 3)).astype(np.float32)
        grade = np.asarray(shot.grade, np.float32)
        for f in range(shot.f0, shot.f1):
            img = bg.copy()
            for pl in sorted(shot.placed, key=lambda p: p.seated):
                _figure(img, shot, pose_at(shot, pl, f), heads[pl.person], pl.costume)
            for x1, y1, x2, y2, colour in shot.patches:
                cv2.rectangle(img, (x1, y1), (x2, y2), colour, -1)
            if shot.sweep is not None and (c := shot.sweep.centre(f)) is not None:
                w = shot.sweep.width / 2
                cv2.rectangle(img, (int(c - w), 0), (int(c + w), HEIGHT), shot.sweep.colour, -1)
            out = img.astype(np.float32) * grade + noise[f % 4]
            yield np.clip(out, 0, 255).astype(np.uint8)
