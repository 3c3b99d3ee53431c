"""The hard toy preset's story: six named characters, eight extras, scenes cut into shots of varied
framing, actions that fill part of a shot, and a screenplay with the noise of real drafts.

Everything is drawn from the seed: which scenes each person is in, who is in each shot, how each
face looks in each shot (angle, yaw, scale, light, blur), costumes (one shared palette, reassigned
every scene), the actions, the words of the descriptions and of the dialogue, which lines are cut or
paraphrased, which scene the script misplaces, and the occluders.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scriptalign.toy.faces import EXTRA_FACES

FPS = 25
WIDTH = 640
HEIGHT = 360
ACTIONS = ("walk", "sit_down", "stand_up", "wave", "answer_phone", "hand_shake")
N_SCENES = 8
SHOTS_PER_SCENE = 3

# Costume colours shared by everyone; each scene deals them out afresh, so colour never names anyone.
PALETTE: tuple[tuple[int, int, int], ...] = (
    (190, 70, 50), (50, 80, 160), (60, 130, 70), (150, 150, 150), (120, 60, 130), (200, 170, 60),
    (40, 40, 40), (90, 160, 170), (170, 110, 80),
)


@dataclass(frozen=True)
class Person:
    """A person of the hard toy: a named character (cue name) or an extra (``EXTRAk``, with a role)."""

    name: str
    named: bool
    face: str  # "astronaut", "grace_hopper", "camera" or "lfw:<index>"
    full_name: str = ""
    aliases: tuple[str, ...] = ()
    pronoun: str = "she"
    role: str = ""


_NAMED = (  # cue, full name, pronoun, face ("lfw" faces are drawn from the seed)
    ("EILEEN", "Eileen Collins", "she", "astronaut"),
    ("GRACE", "Grace Hopper", "she", "grace_hopper"),
    ("MILES", "Miles Cameron", "he", "camera"),
    ("NORA", "Nora Quinn", "she", "lfw"),
    ("VICTOR", "Victor Hale", "he", "lfw"),
    ("OSCAR", "Oscar Brandt", "he", "lfw"),
)
N_EXTRAS = 8
ROLES = ("waiter", "guard", "clerk", "courier", "nurse", "porter", "tourist", "cook")
LOCATIONS = (
    "INT. CAFE - DAY", "INT. HOTEL LOBBY - NIGHT", "EXT. TRAIN STATION - DAY", "INT. OFFICE - DAY",
    "INT. HOSPITAL CORRIDOR - NIGHT", "EXT. MARKET - DAY", "INT. KITCHEN - NIGHT", "INT. MUSEUM HALL - DAY",
    "EXT. HARBOUR - EVENING", "INT. LIBRARY - DAY",
)

# Dialogue (no action verbs, no names); a second entry is the subtitle's paraphrase.
LINES: tuple[tuple[str, ...], ...] = (
    ("Did you bring the papers?", "Have you got the papers?"),
    ("We have less than an hour.", "We've got under an hour."),
    ("I told you this would happen.", "I said this would happen."),
    ("Nobody knows we are here.",),
    ("The train leaves at nine.", "Train's at nine."),
    ("Keep your voice low.", "Quiet."),
    ("Is that the letter from Paris?",),
    ("I never trusted him.", "I never did trust him."),
    ("What time is it now?",),
    ("You look tired.", "You seem exhausted."),
    ("Tell me everything from the start.",),
    ("The money is in the blue case.", "The cash is in the blue case."),
    ("I can explain all of this.",),
    ("We should not be seen together.", "We can't be seen together."),
    ("Where were you last night?",),
    ("That is not my problem.", "Not my problem."),
    ("The doctor said to rest.",),
    ("How long have you known?", "Since when did you know?"),
    ("Let me think about it.",),
    ("It is colder than yesterday.", "Colder than yesterday."),
    ("Someone has been following us.",),
    ("I kept the key for you.", "I saved you the key."),
    ("Are you sure about this?",),
    ("The museum closes early today.", "The museum shuts early."),
    ("Please, just listen to me.",),
    ("I found the map in the drawer.", "The map was in the drawer."),
    ("We need a better plan.",),
    ("Nothing here makes any sense.", "None of this makes sense."),
    ("Bring me the other file.",),
    ("The boat is late again.", "Boat's late again."),
    ("I will call you tomorrow.",),
    ("You were right about the clerk.", "You had the clerk right."),
    ("Why are you still here?",),
    ("This coffee is terrible.", "Awful coffee."),
    ("Do you remember the photograph?",),
    ("I can not do this alone.", "I can't do it alone."),
    ("They changed the schedule.",),
    ("Give it one more day.", "One more day."),
    ("It was never about the money.",),
    ("The lights went out at midnight.", "At midnight the lights failed."),
    ("I have a bad feeling.",),
    ("That is the last train.", "It's the last train."),
    ("Who else have you told?",),
    ("We are out of time.", "No more time."),
    ("Meet me at the harbour.",),
    ("The window was open.", "Somebody left the window open."),
    ("I only need five minutes.",),
    ("Everything is ready.", "It's all ready."),
    ("You should eat something.",),
    ("The guard saw nothing.", "The guard didn't see a thing."),
    ("I am done with secrets.",),
    ("Check the second floor.", "Look on the second floor."),
    ("She left before dawn.",),
    ("This is the wrong address.", "Wrong address."),
    ("I will wait outside.",),
    ("The ticket was in my coat.", "My ticket was in my coat."),
    ("Can you keep a secret?",),
    ("We leave first thing.", "We go at first light."),
    ("Nobody answered the door.",),
    ("I thought you were gone.", "I thought you'd left."),
    ("Say that again.",),
    ("The storm is getting worse.", "The storm's worse now."),
    ("I have heard enough.",),
    ("Put it back where it was.", "Put that back."),
    ("Is anyone there?",),
    ("Our friend is late.", "Our friend's running late."),
    ("Stay close to me.",),
    ("That was a mistake.", "That was wrong."),
    ("The car is waiting.",),
    ("Let us begin.", "Let's start."),
    ("I kept my promise.",),
    ("The clock is slow.", "That clock's slow."),
)

# Description phrases per action (each matched by the bundled lexicon) and negated forms.
VERBS = {
    "walk": ("walks to the window", "crosses to the door", "heads for the exit", "walks across the room"),
    "sit_down": ("sits down", "takes a seat"),
    "stand_up": ("stands up", "gets up", "rises"),
    "wave": ("waves", "waves at the others"),
    "answer_phone": ("answers the phone", "picks up the phone"),
    "hand_shake": ("shake hands",),
}
GROUP_VERBS = {"walk": "walk across the room", "sit_down": "sit down", "stand_up": "stand up", "wave": "wave"}
NEGATED = {"sit_down": "does not sit down", "stand_up": "does not get up", "wave": "does not wave",
           "answer_phone": "does not answer the phone", "walk": "does not walk away"}
CAMERAS = {"wide": (0.66, 0.8), "medium": (0.95, 1.2), "close": (1.55, 1.85)}


@dataclass(frozen=True)
class Look:
    """How one face looks in one shot: in-plane angle (degrees), yaw squeeze (1 = frontal) and side,
    light gain and side gradient, colour cast, blur sigma (pixels)."""

    angle: float
    squeeze: float
    yaw_side: int
    gain: float
    gradient: float
    cast: tuple[float, float, float]
    blur: float


@dataclass
class Act:
    """One person doing one action over frames ``f0..f1`` (exclusive); ``x0``/``x1`` the walk's ends,
    ``towards`` the partner's x for a hand shake; ``desc`` the description index (None: unscripted)."""

    person: str
    kind: str
    f0: int
    f1: int
    x0: float = 0.0
    x1: float = 0.0
    towards: float = 0.0
    desc: int | None = None


@dataclass
class Placed:
    """A person in a shot: x at the shot's start, seated or not, face look, costume colour."""

    person: str
    x: float
    seated: bool
    look: Look
    costume: tuple[int, int, int]


@dataclass
class Sweep:
    """A foreground occluder sliding in front of a face and back out: in over ``f0..f1``, held until
    ``f2``, out by ``f3``; from ``x_out`` to ``x_in`` (its centre), ``width`` pixels wide."""

    f0: int
    f1: int
    f2: int
    f3: int
    x_out: float
    x_in: float
    width: float
    colour: tuple[int, int, int]

    def centre(self, f: int) -> float | None:
        if f < self.f0 or f >= self.f3:
            return None
        if f < self.f1:
            u = (f - self.f0) / max(1, self.f1 - self.f0)
        elif f < self.f2:
            u = 1.0
        else:
            u = 1.0 - (f - self.f2) / max(1, self.f3 - self.f2)
        return self.x_out + (self.x_in - self.x_out) * u


@dataclass
class HardShot:
    index: int
    scene: int
    camera: str
    scale: float
    y0: float  # standing head top
    floor: int
    colours: tuple[tuple[int, int, int], tuple[int, int, int]]
    grade: tuple[float, float, float]  # frame colour cast (per channel gain)
    noise: float
    f0: int = 0
    f1: int = 0
    placed: list[Placed] = field(default_factory=list)
    acts: list[Act] = field(default_factory=list)
    sweep: Sweep | None = None
    patches: list[tuple[int, int, int, int, tuple[int, int, int]]] = field(default_factory=list)  # static occluders


@dataclass
class HardLine:
    scene: int
    speaker: str
    text: str
    subtitle: str | None
    paraphrased: bool
    off_screen: bool
    f0: int
    f1: int
    paraphrase: str | None = None  # the subtitle's wording when the line is paraphrased


@dataclass
class HardDesc:
    scene: int
    text: str
    action: str | None
    actors: tuple[str, ...]
    kind: str  # intro, named, pronoun, two_names, group, unnamed, negated
    f0: int | None
    f1: int | None
    negated: bool = False


@dataclass
class HardStory:
    seed: int
    people: dict[str, Person]
    shots: list[HardShot]
    lines: list[HardLine]  # film order
    descs: list[HardDesc]
    events: list[list[tuple[str, int]]]  # per scene, in order: ("say", line index) / ("do", desc index)
    scene_cast: list[tuple[str, ...]]
    headings: list[str]
    script_order: list[int]
    moved_scene: int
    n_frames: int


def _people(rng: np.random.Generator) -> dict[str, Person]:
    pick = [EXTRA_FACES[int(i)] for i in rng.choice(len(EXTRA_FACES), size=3 + N_EXTRAS, replace=False)]
    out: dict[str, Person] = {}
    lfw = iter(pick)
    for cue, full, pron, face in _NAMED:
        src = f"lfw:{next(lfw)}" if face == "lfw" else face
        out[cue] = Person(cue, True, src, full, (full.split()[1],), pron)
    roles = [ROLES[int(i)] for i in rng.permutation(len(ROLES))]
    for k in range(N_EXTRAS):
        out[f"EXTRA{k + 1}"] = Person(f"EXTRA{k + 1}", False, f"lfw:{next(lfw)}", role=roles[k])
    return out


def _look(rng: np.random.Generator, camera: str) -> Look:
    blur_hi = {"wide": 1.0, "medium": 1.6, "close": 2.2}[camera]
    cast = tuple(float(v) for v in rng.uniform(0.8, 1.2, size=3))
    return Look(float(rng.uniform(-22, 22)), float(rng.uniform(0.68, 1.0)), int(rng.choice([-1, 1])),
                float(rng.uniform(0.6, 1.25)), float(rng.uniform(-0.35, 0.35)), cast,  # type: ignore[arg-type]
                float(rng.uniform(0.0, blur_hi)))


class _Builder:
    """Lays the story out frame by frame (one instance per seed)."""

    def __init__(self, seed: int, n_scenes: int) -> None:
        self.rng = np.random.default_rng(seed + 7_000_003)
        self.seed = seed
        self.people = _people(self.rng)
        self.named = [p for p in self.people if self.people[p].named]
        self.extras = [p for p in self.people if not self.people[p].named]
        self.n_scenes = n_scenes
        self.frame = 0
        self.shots: list[HardShot] = []
        self.lines: list[HardLine] = []
        self.descs: list[HardDesc] = []
        self.events: list[list[tuple[str, int]]] = []
        self.line_pool = [int(i) for i in self.rng.permutation(len(LINES))]

    def secs(self, a: float, b: float) -> int:
        return round(float(self.rng.uniform(a, b)) * FPS)

    # ------------------------------------------------------------------ scenes and shots
    def build(self) -> HardStory:
        rng = self.rng
        casts: list[tuple[str, ...]] = []
        headings = [LOCATIONS[int(i)] for i in rng.permutation(len(LOCATIONS))[: self.n_scenes]]
        for s in range(self.n_scenes):
            named = [self.named[int(i)] for i in rng.choice(len(self.named), size=int(rng.integers(3, 5)),
                                                            replace=False)]
            extras = [self.extras[int(i)] for i in rng.choice(len(self.extras), size=int(rng.integers(3, 5)),
                                                              replace=False)]
            casts.append(tuple(named + extras))
            self.events.append([])
            self.scene(s, named, extras)
        order = list(range(self.n_scenes))
        moved = int(rng.integers(1, self.n_scenes))
        order.remove(moved)
        choices = [j for j in range(self.n_scenes) if abs(j - moved) >= 2 or self.n_scenes < 4]
        choices = [j for j in choices if j != moved] or [0]
        order.insert(int(rng.choice(choices)) if self.n_scenes > 2 else 0, moved)
        if order == list(range(self.n_scenes)):  # two scenes: the move must change the order
            order = order[::-1]
        self.cut_and_paraphrase()
        return HardStory(self.seed, self.people, self.shots, self.lines, self.descs, self.events, casts, headings,
                         order, moved, self.frame)

    def scene(self, s: int, named: list[str], extras: list[str]) -> None:
        rng = self.rng
        palette = [PALETTE[int(i)] for i in rng.permutation(len(PALETTE))]
        costume = {p: palette[k % len(palette)] for k, p in enumerate(named + extras)}
        self.events[s].append(("do", self.add_desc(HardDesc(s, "", None, tuple(named), "intro", None, None))))
        cameras = ["wide", "medium", "close"]
        rng.shuffle(cameras)
        for camera in cameras:
            if camera == "wide":
                vis_named, vis_extras = list(named), list(extras)
            elif camera == "medium":
                vis_named = [named[int(i)] for i in rng.choice(len(named), size=2, replace=False)]
                vis_extras = [extras[int(i)] for i in rng.choice(len(extras), size=2, replace=False)]
            else:
                vis_named = [named[int(rng.integers(len(named)))]]
                vis_extras = [extras[int(rng.integers(len(extras)))]]
            self.shot(s, camera, vis_named, vis_extras, named, costume)

    def shot(self, s: int, camera: str, vis_named: list[str], vis_extras: list[str], scene_named: list[str],
             costume: dict) -> None:
        rng = self.rng
        lo, hi = CAMERAS[camera]
        scale = float(rng.uniform(lo, hi))
        height = 174 * scale
        if camera == "close":
            floor = HEIGHT + 200
            y0 = float(rng.uniform(30, 70))
        else:
            floor = int(rng.uniform(HEIGHT - 40, HEIGHT - 8))
            y0 = floor - height
        c1 = tuple(int(v) for v in rng.uniform(40, 220, size=3))
        c2 = tuple(int(v) for v in np.array(c1) * rng.uniform(0.35, 0.7))
        grade = tuple(float(v) for v in rng.uniform(0.85, 1.15, size=3))
        shot = HardShot(len(self.shots), s, camera, scale, y0, floor, (c1, c2), grade,  # type: ignore[arg-type]
                        float(rng.uniform(2.0, 9.0)), self.frame)
        who = vis_named + vis_extras
        order = [who[int(i)] for i in rng.permutation(len(who))]
        n = len(order)
        margin = 50 * scale + 20
        xs = np.linspace(margin, WIDTH - margin, n) if n > 1 else np.array([float(rng.uniform(200, 440))])
        jitter = (WIDTH - 2 * margin) / max(n, 2) * 0.15
        for p, x in zip(order, xs):
            shot.placed.append(Placed(p, float(x + rng.uniform(-jitter, jitter)), bool(rng.random() < 0.4),
                                      _look(rng, camera), costume[p]))
        self.shots.append(shot)
        self.beats(shot, vis_named, scene_named)
        shot.f1 = self.frame
        self.occluders(shot)

    # ------------------------------------------------------------------ beats: dialogue and descriptions
    def beats(self, shot: HardShot, vis_named: list[str], scene_named: list[str]) -> None:
        rng = self.rng
        self.frame += self.secs(0.6, 1.0)
        state = {pl.person: [pl.x, pl.seated, 0] for pl in shot.placed}  # x, seated, number of actions
        for kind in ["say", "do", "say", "do"]:
            if kind == "say":
                self.say(shot, vis_named, scene_named, state)
            else:
                single = self.do(shot, state, None)
                if single is not None and rng.random() < 0.4:  # "Grace stands up. She waves."
                    self.do(shot, state, single)
        self.frame += self.secs(0.4, 0.8)

    def say(self, shot: HardShot, vis_named: list[str], scene_named: list[str], state: dict) -> None:
        rng = self.rng
        hidden = [p for p in scene_named if p not in vis_named]
        off = bool(hidden) and rng.random() < 0.25
        speaker = hidden[int(rng.integers(len(hidden)))] if off else vis_named[int(rng.integers(len(vis_named)))]
        text = LINES[self.line_pool.pop(0) if self.line_pool else int(rng.integers(len(LINES)))]
        dur = min(3.0, 0.9 + 0.28 * len(text[0].split())) + float(rng.uniform(-0.2, 0.2))
        f0, f1 = self.frame, self.frame + round(dur * FPS)
        k = len(self.lines)
        self.lines.append(HardLine(shot.scene, speaker, text[0], text[0], False, off, f0, f1,
                                   text[1] if len(text) > 1 else None))
        self.events[shot.scene].append(("say", k))
        if rng.random() < 0.35:  # an extra does something unscripted while people talk
            extras = [p for p in state if not self.people[p].named and state[p][2] < 3]
            if extras:
                p = extras[int(rng.integers(len(extras)))]
                action = ["wave", "answer_phone", "walk"][int(rng.integers(3))]
                if not self.feasible(state, p, action):
                    action = "wave"
                self.act(shot, state, p, action, f0 + self.secs(0.0, 0.4), None)
        self.frame = f1 + self.secs(0.2, 0.4)

    def duration(self, action: str) -> int:
        return {"walk": self.secs(1.6, 2.6), "sit_down": self.secs(1.2, 1.6), "stand_up": self.secs(1.2, 1.6),
                "wave": self.secs(1.6, 2.6), "answer_phone": self.secs(2.0, 3.0),
                "hand_shake": self.secs(1.6, 2.4)}[action]

    def feasible(self, state: dict, p: str, action: str) -> bool:
        x, seated, n = state[p]
        if n >= 3:
            return False
        if action in ("walk", "sit_down", "hand_shake"):
            return not seated
        if action == "stand_up":
            return seated
        return True

    def act(self, shot: HardShot, state: dict, p: str, action: str, f0: int, desc: int | None,
            dur: int | None = None, towards: float = 0.0) -> int:
        x, seated, n = state[p]
        f1 = f0 + (dur or self.duration(action))
        x1 = x
        if action == "walk":
            step = float(self.rng.uniform(60, 150)) * shot.scale * float(self.rng.choice([-1, 1]))
            lo, hi = 40 * shot.scale + 10, WIDTH - 40 * shot.scale - 10
            x1 = float(np.clip(x + step, lo, hi))
            if abs(x1 - x) < 30 * shot.scale:
                x1 = float(np.clip(x - step, lo, hi))
        shot.acts.append(Act(p, action, f0, f1, x, x1, towards, desc))
        state[p] = [x1, seated or action == "sit_down", n + 1] if action != "stand_up" else [x1, False, n + 1]
        return f1

    def name_of(self, p: str) -> str:
        person = self.people[p]
        return person.aliases[0] if self.rng.random() < 0.3 else person.full_name.split()[0]

    def do(self, shot: HardShot, state: dict, last_single: str | None) -> str | None:
        rng = self.rng
        s = shot.scene
        named = [p for p in state if self.people[p].named]
        extras = [p for p in state if not self.people[p].named]
        weights = {"named": 0.38, "two_names": 0.14, "group": 0.12, "unnamed": 0.26, "negated": 0.1}
        kinds = list(weights)
        probs = np.array([weights[k] for k in kinds])
        kind = "pronoun" if last_single else kinds[int(rng.choice(len(kinds), p=probs / probs.sum()))]
        f0 = self.frame
        end = f0
        result: str | None = None
        if kind in ("named", "pronoun"):
            pool = [last_single] if kind == "pronoun" else named
            options = [(p, a) for p in pool for a in ACTIONS if a != "hand_shake" and self.feasible(state, p, a)]
            if not options:
                kind = "unnamed"
            else:
                p, a = self.pick(options)
                subject = self.people[p].pronoun.capitalize() if kind == "pronoun" else self.name_of(p)
                verbs = VERBS[a]
                text = f"{subject} {verbs[int(rng.integers(len(verbs)))]}."
                k = self.add_desc(HardDesc(s, text, a, (p,), kind, None, None))
                end = self.act(shot, state, p, a, f0, k)
                self.set_time(k, f0, end)
                result = p
        if kind == "two_names":
            standing = [p for p in state if self.feasible(state, p, "hand_shake")]
            pairs = [(a, b) for a in standing for b in standing if a < b and (self.people[a].named or self.people[b].named)]
            if not pairs:
                kind = "group"
            else:
                a, b = pairs[int(rng.integers(len(pairs)))]
                dur = self.duration("hand_shake")
                label = {p: (self.name_of(p) if self.people[p].named else f"the {self.people[p].role}") for p in (a, b)}
                text = f"{label[a]} and {label[b]} shake hands."
                text = text[0].upper() + text[1:]
                k = self.add_desc(HardDesc(s, text, "hand_shake", (a, b), kind, None, None))
                xa, xb = state[a][0], state[b][0]
                end = max(self.act(shot, state, a, "hand_shake", f0, k, dur, xb),
                          self.act(shot, state, b, "hand_shake", f0, k, dur, xa))
                self.set_time(k, f0, end)
        if kind == "group":
            doable = [a for a in GROUP_VERBS if sum(self.feasible(state, p, a) for p in state) >= 2]
            action = doable[int(rng.integers(len(doable)))] if doable else "wave"
            able = [p for p in state if self.feasible(state, p, action)]
            if len(able) < 2:
                kind = "unnamed"
            else:
                who = [able[int(i)] for i in rng.choice(len(able), size=2, replace=False)]
                dur = self.duration(action)
                k = self.add_desc(HardDesc(s, f"They {GROUP_VERBS[action]}.", action, tuple(who), kind, None, None))
                end = max(self.act(shot, state, p, action, f0 + j * self.secs(0.0, 0.3), k, dur)
                          for j, p in enumerate(who))
                self.set_time(k, f0, end)
        if kind == "unnamed":
            options = [(p, a) for p in extras for a in ("walk", "wave", "answer_phone", "sit_down", "stand_up")
                       if self.feasible(state, p, a)]
            if not options:
                kind = "negated"
            else:
                p, a = self.pick(options)
                verbs = VERBS[a]
                text = f"A {self.people[p].role} {verbs[int(rng.integers(len(verbs)))]}."
                k = self.add_desc(HardDesc(s, text, a, (p,), kind, None, None))
                end = self.act(shot, state, p, a, f0, k)
                self.set_time(k, f0, end)
        if kind == "negated":
            p = named[int(rng.integers(len(named)))]
            a = list(NEGATED)[int(rng.integers(len(NEGATED)))]
            k = self.add_desc(HardDesc(s, f"{self.name_of(p)} {NEGATED[a]}.", a, (), kind, None, None, negated=True))
            end = f0 + self.secs(0.8, 1.2)
            self.set_time(k, f0, end)
        self.frame = end + self.secs(0.2, 0.5)
        return result if kind in ("named", "pronoun") else None

    def pick(self, options: list[tuple[str, str]]) -> tuple[str, str]:
        """An action uniformly among the feasible ones, then a person who can do it."""
        actions = sorted({a for _, a in options}, key=ACTIONS.index)
        a = actions[int(self.rng.integers(len(actions)))]
        people = [p for p, b in options if b == a]
        return people[int(self.rng.integers(len(people)))], a

    def add_desc(self, d: HardDesc) -> int:
        self.descs.append(d)
        if d.kind != "intro":
            self.events[d.scene].append(("do", len(self.descs) - 1))
        return len(self.descs) - 1

    def set_time(self, k: int, f0: int, f1: int) -> None:
        self.descs[k].f0, self.descs[k].f1 = f0, f1

    # ------------------------------------------------------------------ occluders and text noise
    def occluders(self, shot: HardShot) -> None:
        rng = self.rng
        n = shot.f1 - shot.f0
        if rng.random() < 0.6 and n > 4 * FPS:
            target = shot.placed[int(rng.integers(len(shot.placed)))]
            width = 64 * shot.scale * 1.5 + 24
            f0 = shot.f0 + int(rng.integers(FPS, n - 3 * FPS))
            f1 = f0 + self.secs(0.4, 0.7)
            f2 = f1 + self.secs(1.2, 1.8)
            f3 = min(shot.f1, f2 + self.secs(0.4, 0.7))
            x_out = -width if target.x < WIDTH / 2 else WIDTH + width
            shade = int(rng.integers(20, 70))
            shot.sweep = Sweep(f0, f1, f2, f3, x_out, target.x, width, (shade, shade, shade + 10))
        for pl in shot.placed:
            if rng.random() < 0.22:
                hs = 64 * shot.scale
                top = shot.y0 + (36 * shot.scale if pl.seated else 0.0)
                fx1, fy1, fx2, fy2 = pl.x - 0.35 * hs, top + 0.15 * hs, pl.x + 0.35 * hs, top + 0.95 * hs
                colour = tuple(int(v) for v in rng.integers(30, 200, size=3))
                if rng.random() < 0.5:  # lower part of the face
                    cut = fy2 - (fy2 - fy1) * float(rng.uniform(0.3, 0.45))
                    shot.patches.append((int(fx1 - 8), int(cut), int(fx2 + 8), int(fy2 + 6), colour))  # type: ignore[arg-type]
                else:  # one side
                    w = (fx2 - fx1) * float(rng.uniform(0.25, 0.4))
                    if rng.random() < 0.5:
                        shot.patches.append((int(fx1 - 20), int(fy1 - 10), int(fx1 + w), int(fy2 + 10), colour))  # type: ignore[arg-type]
                    else:
                        shot.patches.append((int(fx2 - w), int(fy1 - 10), int(fx2 + 20), int(fy2 + 10), colour))  # type: ignore[arg-type]

    def cut_and_paraphrase(self) -> None:
        """10-20% of the dialogue lines differ from the film: about half cut, half paraphrased."""
        rng = self.rng
        n = len(self.lines)
        total = max(2, round(n * float(rng.uniform(0.12, 0.18))))
        with_variant = [i for i, ln in enumerate(self.lines) if ln.paraphrase]
        n_para = min(len(with_variant), total // 2 + total % 2)
        para = set(int(i) for i in rng.choice(with_variant, size=n_para, replace=False)) if n_para else set()
        rest = [i for i in range(n) if i not in para]
        cut = set(int(i) for i in rng.choice(rest, size=min(len(rest), total - n_para), replace=False))
        for i, ln in enumerate(self.lines):
            if i in para:
                ln.subtitle, ln.paraphrased = ln.paraphrase, True
            elif i in cut:
                ln.subtitle = None


def build_hard_story(seed: int, n_scenes: int = N_SCENES) -> HardStory:
    """The hard preset's story for ``seed`` (``n_scenes`` of three shots each; 8 gives 3-5 minutes)."""
    if n_scenes < 2:
        raise ValueError(f"the hard preset needs at least 2 scenes, got {n_scenes}")
    return _Builder(seed, n_scenes).build()
