"""Drawing the toy movie's frames: a set per shot and stick figures with photo heads.

Each person is a head image on a torso, with arms and legs; walking translates the figure and swings
the legs, sitting lowers it onto a chair, waving raises one forearm and swings it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from scriptalign.toy.faces import HEAD, Head
from scriptalign.toy.story import HEIGHT, WIDTH, Shot

HEAD_TOP = 40  # standing head top (y)
SIT_DROP = 36  # how far the figure drops when seated
TORSO_H = 62
TORSO_W = 46
LEG = 52


@dataclass(frozen=True)
class Pose:
    """Where a person is and what their limbs do in one frame."""

    x: float
    drop: float  # 0 standing .. 1 seated
    wave: float  # 0 .. 1 arm raised
    wave_phase: float
    walk_phase: float  # radians, 0 when not walking
    walking: bool


def pose_at(shot: Shot, person: str, frame: int) -> Pose:
    """The pose of ``person`` in ``frame`` of ``shot`` (frames before/after motions hold still)."""
    x0, seated0 = next((x, st) for p, x, st in shot.cast if p == person)
    x, drop = x0, 1.0 if seated0 else 0.0
    wave = wave_phase = walk_phase = 0.0
    walking = False
    for m in shot.motions:
        if m.person != person or frame < m.f0:
            continue
        n = max(1, m.f1 - m.f0)
        u = min(1.0, (frame - m.f0) / n)
        s = u * u * (3 - 2 * u)  # smoothstep
        active = frame < m.f1
        if m.kind == "walk":
            x = m.x0 + (m.x1 - m.x0) * u
            if active:
                walking = True
                walk_phase = 2 * math.pi * 1.6 * (frame - m.f0) / 12.0
        elif m.kind == "sit_down":
            drop = s
        elif m.kind == "stand_up":
            drop = 1.0 - s
        elif m.kind == "wave" and active:
            ramp = min(1.0, (frame - m.f0) / 4.0, (m.f1 - frame) / 4.0)
            wave = max(0.0, ramp)
            wave_phase = 2 * math.pi * 2.2 * (frame - m.f0) / 12.0
    return Pose(x, drop, wave, wave_phase, walk_phase, walking)


def head_origin(pose: Pose) -> tuple[int, int]:
    """Top-left corner of the head image for a pose."""
    bob = 2.0 * abs(math.sin(pose.walk_phase)) if pose.walking else 0.0
    return round(pose.x - HEAD / 2), round(HEAD_TOP + SIT_DROP * pose.drop - bob)


def background(shot: Shot) -> np.ndarray:
    """The set of a shot: a vertical gradient, a floor, a door and a window."""
    c1, c2 = (np.array(c, np.float32) for c in shot.colours)
    t = np.linspace(0.0, 1.0, HEIGHT, dtype=np.float32)[:, None, None]
    img = (c1 * (1 - t) + c2 * t) * np.ones((1, WIDTH, 1), np.float32)
    img = img.astype(np.uint8)
    floor_y = 212
    img[floor_y:] = (np.array(c2) * 0.6).astype(np.uint8)
    rng = np.random.default_rng(shot.index * 7919 + shot.scene)
    dx = int(rng.integers(10, WIDTH - 60))
    cv2.rectangle(img, (dx, 70), (dx + 40, floor_y), tuple(int(v) for v in (np.array(c1) * 0.5)), -1)
    wx = int(rng.integers(10, WIDTH - 80))
    cv2.rectangle(img, (wx, 12), (wx + 70, 48), (200, 220, 235), -1)
    cv2.line(img, (wx + 35, 12), (wx + 35, 48), (90, 90, 90), 2)
    return img


def _limb(img, p0, angle_deg, length, colour, thick):
    a = math.radians(angle_deg)
    p1 = (p0[0] + length * math.sin(a), p0[1] + length * math.cos(a))
    cv2.line(img, (round(p0[0]), round(p0[1])), (round(p1[0]), round(p1[1])), colour, thick, cv2.LINE_AA)
    return p1


def draw_chair(img: np.ndarray, x: float) -> None:
    seat_y = HEAD_TOP + HEAD + TORSO_H + SIT_DROP - 4
    brown = (110, 70, 40)
    cv2.rectangle(img, (int(x - 26), seat_y), (int(x + 26), seat_y + 6), brown, -1)
    cv2.rectangle(img, (int(x - 26), seat_y - 50), (int(x - 20), seat_y + 40), brown, -1)
    cv2.rectangle(img, (int(x + 20), seat_y), (int(x + 26), seat_y + 40), brown, -1)


def draw_person(img: np.ndarray, pose: Pose, head: Head, colour: tuple[int, int, int]) -> tuple[int, int]:
    """Draw one figure; returns the head image's top-left corner."""
    hx, hy = head_origin(pose)
    cx = pose.x
    neck_y = hy + HEAD - 4
    hip_y = neck_y + TORSO_H
    skin = (215, 180, 150)
    dark = tuple(int(c * 0.6) for c in colour)
    # legs
    if pose.drop > 0.5:
        for side in (-1, 1):
            knee = (cx + side * 8 + 24, hip_y + 2)
            cv2.line(img, (int(cx + side * 8), hip_y), (int(knee[0]), int(knee[1])), dark, 9, cv2.LINE_AA)
            _limb(img, knee, 0, LEG - 20, dark, 8)
    else:
        swing = 24 * math.sin(pose.walk_phase) if pose.walking else 0.0
        _limb(img, (cx - 8, hip_y), -swing - 3, LEG, dark, 9)
        _limb(img, (cx + 8, hip_y), swing + 3, LEG, dark, 9)
    # torso
    cv2.rectangle(img, (int(cx - TORSO_W / 2), neck_y), (int(cx + TORSO_W / 2), hip_y), colour, -1)
    # arms
    sh_y = neck_y + 6
    arm_swing = 18 * math.sin(pose.walk_phase) if pose.walking else 0.0
    _limb(img, (cx - TORSO_W / 2, sh_y), -8 + arm_swing, 50, colour, 8)
    if pose.wave > 0:
        upper = 8 + 122 * pose.wave  # from hanging to raised, pointing up and out
        elbow = _limb(img, (cx + TORSO_W / 2, sh_y), upper, 26, colour, 8)
        fore = (1 - pose.wave) * 8 + pose.wave * (180 + 35 * math.sin(pose.wave_phase))
        hand = _limb(img, elbow, fore, 24, skin, 7)
        cv2.circle(img, (int(hand[0]), int(hand[1])), 5, skin, -1, cv2.LINE_AA)
    else:
        _limb(img, (cx + TORSO_W / 2, sh_y), 8 - arm_swing, 50, colour, 8)
    # head (alpha blended, clipped to the frame)
    x0, y0 = max(hx, 0), max(hy, 0)
    x1, y1 = min(hx + HEAD, WIDTH), min(hy + HEAD, HEIGHT)
    if x1 > x0 and y1 > y0:
        a = head.alpha[y0 - hy : y1 - hy, x0 - hx : x1 - hx, None]
        src = head.rgb[y0 - hy : y1 - hy, x0 - hx : x1 - hx].astype(np.float32)
        dst = img[y0:y1, x0:x1].astype(np.float32)
        img[y0:y1, x0:x1] = (src * a + dst * (1 - a) + 0.5).astype(np.uint8)
    return hx, hy
