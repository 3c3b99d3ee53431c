"""The toy movie's story: scenes of dialogue and actions, laid out in time from a seed.

The story is fixed in outline (six scenes, three named characters, two extras); the seed picks the
order of scenes 2-6, which lines are cut from the film or paraphrased in the subtitles, the timing,
which side of the frame people stand on, the extras' faces and the set colours.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scriptalign.toy.faces import EXTRA_FACES

FPS = 12
WIDTH = 320
HEIGHT = 240
SLOTS = (40, 120, 200, 280)  # x centres where people stand


@dataclass(frozen=True)
class Character:
    """A named character: the cue name, full name, aliases used in descriptions, the face source."""

    name: str
    full_name: str
    aliases: tuple[str, ...]
    face: str
    colour: tuple[int, int, int]


CHARACTERS: tuple[Character, ...] = (
    Character("EILEEN", "Eileen Collins", ("Collins",), "astronaut", (200, 120, 40)),
    Character("GRACE", "Grace Hopper", ("Hopper",), "grace_hopper", (40, 60, 150)),
    Character("MILES", "Miles Cameron", ("Cameron",), "camera", (60, 130, 60)),
)
EXTRAS: tuple[str, ...] = ("EXTRA1", "EXTRA2")
EXTRA_COLOURS = {"EXTRA1": (120, 120, 120), "EXTRA2": (150, 90, 130)}


@dataclass(frozen=True)
class Say:
    """A dialogue line; ``variants`` are the subtitle's paraphrases; ``cuttable`` lines may be cut."""

    speaker: str
    text: str
    variants: tuple[str, ...] = ()
    cuttable: bool = False


@dataclass(frozen=True)
class Do:
    """A description sentence; ``actors`` truly perform ``action`` (``None``: nothing visible happens)."""

    text: str
    actors: tuple[str, ...] = ()
    action: str | None = None
    to_slot: tuple[int, ...] = ()  # walk destinations, one per actor
    negated: bool = False


@dataclass(frozen=True)
class Cut:
    """A hard cut to another camera angle inside a scene (people keep their places, mirrored)."""


@dataclass(frozen=True)
class SceneTemplate:
    heading: str
    cast: tuple[tuple[str, int, bool], ...]  # (person, slot, seated)
    events: tuple[Say | Do | Cut, ...]


SCENES: tuple[SceneTemplate, ...] = (
    SceneTemplate(
        "INT. MISSION CONTROL - DAY",
        (("EILEEN", 0, False), ("GRACE", 3, False)),
        (
            Do("Rows of screens glow. EILEEN COLLINS, an astronaut, waits by the wall. GRACE HOPPER types."),
            Say("EILEEN", "Good morning. Are the numbers ready?", ("Morning. Have you got the numbers?",)),
            Say("GRACE", "Almost. The machine is slow today.", ("Nearly. The machine's slow today.",)),
            Do("Eileen walks to the console.", ("EILEEN",), "walk", (1,)),
            Say("EILEEN", "Then we wait together.", cuttable=True),
            Do("GRACE sits down.", ("GRACE",), "sit_down"),
            Say("GRACE", "Pull up a chair. It could take an hour.", ("Grab a chair, this could take an hour.",)),
            Do("She waves at the screen.", ("GRACE",), "wave"),
        ),
    ),
    SceneTemplate(
        "EXT. LAUNCH PAD - DAY",
        (("MILES", 0, True), ("EILEEN", 1, False), ("EXTRA1", 3, False)),
        (
            Do("MILES CAMERON, a cameraman, rests on a crate."),
            Say("MILES", "They moved the launch to Friday."),
            Do("Miles stands up.", ("MILES",), "stand_up"),
            Say("EILEEN", "Friday works for me.", ("Friday's fine by me.",)),
            Do("Someone waves from the crowd.", ("EXTRA1",), "wave"),
            Say("MILES", "Who was that?", cuttable=True),
            Say("EILEEN", "No idea. Come on, let's go."),
            Do("Eileen and Miles walk to the gate.", ("EILEEN", "MILES"), "walk", (2, 1)),
        ),
    ),
    SceneTemplate(
        "INT. GRACE'S OFFICE - NIGHT",
        (("EXTRA2", 0, True), ("GRACE", 1, False), ("MILES", 3, False)),
        (
            Do("Hopper's office is full of paper tape."),
            Say("GRACE", "You're late, Mr. Cameron."),
            Say("MILES", "The traffic was terrible.", ("Traffic was awful.",)),
            Do("Grace does not sit.", negated=True),
            Do("Hopper walks to the window.", ("GRACE",), "walk", (2,)),
            Say("GRACE", "Look at that moon.", cuttable=True),
            Do("MILES sits down.", ("MILES",), "sit_down"),
            Say("MILES", "I could sleep for a week.", ("I could sleep a week.",)),
        ),
    ),
    SceneTemplate(
        "EXT. STREET - NIGHT",
        (("EILEEN", 0, False), ("EXTRA1", 3, False)),
        (
            Do("EILEEN walks across the street.", ("EILEEN",), "walk", (2,)),
            Say("EILEEN", "Taxi! Over here!"),
            Do("Nobody stops. Eileen waves.", ("EILEEN",), "wave"),
            Say("EILEEN", "Fine. I will walk.", ("Fine, I'll walk then.",)),
        ),
    ),
    SceneTemplate(
        "INT. CAFE - DAY",
        (("GRACE", 0, True), ("EILEEN", 1, False), ("MILES", 3, True)),
        (
            Say("GRACE", "Sit, both of you.", ("Sit down, the two of you.",)),
            Do("Collins sits down.", ("EILEEN",), "sit_down"),
            Say("EILEEN", "So what's the news?"),
            Cut(),
            Say("GRACE", "The launch is go."),
            Do("Grace stands up.", ("GRACE",), "stand_up"),
            Say("MILES", "Then I'm coming with you.", cuttable=True),
            Do("Miles waves.", ("MILES",), "wave"),
        ),
    ),
    SceneTemplate(
        "INT. HANGAR - NIGHT",
        (("MILES", 1, False), ("GRACE", 2, False), ("EXTRA2", 3, False)),
        (
            Do("Miles walks to the door.", ("MILES",), "walk", (0,)),
            Say("MILES", "Are you ready?"),
            Say("GRACE", "I have been ready for years.", ("I've been ready for years.",)),
            Do("GRACE waves.", ("GRACE",), "wave"),
            Do("The hangar doors open."),
        ),
    ),
)


@dataclass
class Motion:
    """What one person does over a frame range: ``kind`` in walk/sit_down/stand_up/wave."""

    person: str
    kind: str
    f0: int
    f1: int  # exclusive
    x0: float = 0.0
    x1: float = 0.0


@dataclass
class Shot:
    index: int
    scene: int
    f0: int
    f1: int  # exclusive
    mirrored: bool
    colours: tuple[tuple[int, int, int], tuple[int, int, int]]
    cast: list[tuple[str, float, bool]]  # (person, x at shot start, seated at shot start)
    motions: list[Motion] = field(default_factory=list)
    chairs: list[str] = field(default_factory=list)  # people who sit at some point in the shot


@dataclass
class TimedLine:
    scene: int
    speaker: str
    text: str
    subtitle: str | None
    paraphrased: bool
    f0: int
    f1: int


@dataclass
class TimedDo:
    scene: int
    do: Do
    f0: int | None
    f1: int | None


@dataclass
class Story:
    seed: int
    scene_order: list[int]
    extra_faces: dict[str, int]
    shots: list[Shot]
    lines: list[TimedLine]
    dos: list[TimedDo]
    n_frames: int


def _words(text: str) -> int:
    return len(text.split())


def build_story(seed: int) -> Story:
    """Lay the story out in frames, deterministically for ``seed``."""
    rng = np.random.default_rng(seed)
    order = [0] + [int(i) + 1 for i in rng.permutation(len(SCENES) - 1)]
    faces = rng.choice(len(EXTRA_FACES), size=len(EXTRAS), replace=False)
    extra_faces = {name: EXTRA_FACES[int(f)] for name, f in zip(EXTRAS, faces)}

    # Which lines are cut from the film and which subtitles are paraphrased: at least 2 of each.
    cuttable = [(s, k) for s in order for k, e in enumerate(SCENES[s].events) if isinstance(e, Say) and e.cuttable]
    para = [(s, k) for s in order for k, e in enumerate(SCENES[s].events) if isinstance(e, Say) and e.variants]
    n_cut = int(rng.integers(2, len(cuttable) + 1))
    cut_set = {cuttable[i] for i in rng.choice(len(cuttable), size=n_cut, replace=False)}
    n_para = int(rng.integers(3, len(para) + 1))
    para_set = {para[i] for i in rng.choice(len(para), size=n_para, replace=False)}

    def secs(a: float, b: float) -> int:
        return round(float(rng.uniform(a, b)) * FPS)

    frame = 0
    shots: list[Shot] = []
    lines: list[TimedLine] = []
    dos: list[TimedDo] = []
    for s in order:
        tpl = SCENES[s]
        mirrored = bool(rng.integers(0, 2))
        state = {p: (float(SLOTS[slot]), seated) for p, slot, seated in tpl.cast}

        def new_shot(start: int, mirror: bool, state=state, s=s) -> Shot:
            c1 = tuple(int(v) for v in (rng.uniform(40, 220, size=3)))
            c2 = tuple(int(v) for v in (np.array(c1) * rng.uniform(0.35, 0.7)))
            cast = []
            for p, (x, seated) in state.items():
                cast.append((p, (WIDTH - x) if mirror else x, seated))
            return Shot(len(shots), s, start, start, mirror, (c1, c2), cast)  # type: ignore[arg-type]

        shot = new_shot(frame, mirrored)
        frame += secs(0.8, 1.4)
        for k, ev in enumerate(tpl.events):
            if isinstance(ev, Cut):
                frame += secs(0.3, 0.6)
                shot.f1 = frame
                shots.append(shot)
                mirrored = not mirrored
                shot = new_shot(frame, mirrored)
                frame += secs(0.6, 1.0)
                continue
            if isinstance(ev, Say):
                if (s, k) in cut_set:
                    lines.append(TimedLine(s, ev.speaker, ev.text, None, False, frame, frame))
                    continue
                dur = min(3.6, 0.9 + 0.3 * _words(ev.text)) + float(rng.uniform(-0.2, 0.3))
                f1 = frame + round(dur * FPS)
                para_ = (s, k) in para_set
                sub = ev.variants[0] if para_ else ev.text
                lines.append(TimedLine(s, ev.speaker, ev.text, sub, para_, frame, f1))
                frame = f1 + secs(0.25, 0.6)
                continue
            # a description
            if ev.action is None:
                dos.append(TimedDo(s, ev, None, None))
                frame += secs(0.4, 0.8)
                continue
            if ev.action == "walk":
                dist = max(abs(SLOTS[t] - state[p][0]) for p, t in zip(ev.actors, ev.to_slot))
                dur_f = round(dist / float(rng.uniform(35, 50)) * FPS)
            elif ev.action in ("sit_down", "stand_up"):
                dur_f = secs(1.2, 1.6)
            else:
                dur_f = secs(2.0, 2.8)
            f0, f1 = frame, frame + dur_f
            for j, p in enumerate(ev.actors):
                x, seated = state[p]
                sx = (lambda v: WIDTH - v) if shot.mirrored else (lambda v: v)
                if ev.action == "walk":
                    x1 = float(SLOTS[ev.to_slot[j]])
                    shot.motions.append(Motion(p, "walk", f0, f1, sx(x), sx(x1)))
                    state[p] = (x1, seated)
                else:
                    shot.motions.append(Motion(p, ev.action, f0, f1, sx(x), sx(x)))
                    if ev.action == "sit_down":
                        state[p] = (x, True)
                    elif ev.action == "stand_up":
                        state[p] = (x, False)
            dos.append(TimedDo(s, ev, f0, f1))
            frame = f1 + secs(0.3, 0.7)
        frame += secs(0.6, 1.2)
        shot.f1 = frame
        shots.append(shot)
    for shot in shots:
        seated = {p for p, _, st in shot.cast if st}
        sitters = {m.person for m in shot.motions if m.kind in ("sit_down", "stand_up")}
        shot.chairs = sorted(seated | sitters)
    return Story(seed, order, extra_faces, shots, lines, dos, frame)
