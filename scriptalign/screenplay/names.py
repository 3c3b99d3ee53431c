"""Character cues: split "ANATOLY (CONT'D)" into the speaker and its extensions."""

from __future__ import annotations

import re

_TRAILING_PAREN = re.compile(r"\s*\(([^()]*)\)\s*$")
_TRAILING_BARE = re.compile(r"(?<=\S)\s+(CONT'D|CONTD|CONT\.|CONT'D\.|V\.O\.|VO|O\.S\.|O\.C\.)$")
_KNOWN = {
    "CONT'D": "CONT'D",
    "CONTD": "CONT'D",
    "CONT": "CONT'D",
    "CONT.": "CONT'D",
    "CONT'D.": "CONT'D",
    "CONTINUED": "CONT'D",
    "CONTINUING": "CONT'D",
    "V.O.": "V.O.",
    "V.O": "V.O.",
    "VO": "V.O.",
    "V/O": "V.O.",
    "O.S.": "O.S.",
    "O.S": "O.S.",
    "OS": "O.S.",
    "O/S": "O.S.",
    "O.C.": "O.C.",
    "O.C": "O.C.",
    "OC": "O.C.",
    "O/C": "O.C.",
    "OFF": "O.S.",
    "OS/VO": "O.S. V.O.",
}


def normalise_extension(ext: str) -> str:
    """``"cont'd"`` -> ``"CONT'D"``, ``"V/O"`` -> ``"V.O."``; unknown ones are kept, upper-cased."""
    key = ext.strip().upper().replace("’", "'").replace(" ", "")
    return _KNOWN.get(key, " ".join(ext.split()).upper())


def is_known_extension(ext: str) -> bool:
    return ext.strip().upper().replace("’", "'").replace(" ", "") in _KNOWN


def split_cue(cue: str) -> tuple[str, str | None]:
    """Return ``(speaker, extension)`` for a character cue line, extensions joined by a space."""
    text = " ".join(cue.split())
    exts: list[str] = []
    while True:
        m = _TRAILING_PAREN.search(text)
        if m is not None and m.start() > 0:
            exts.insert(0, normalise_extension(m.group(1)))
            text = text[: m.start()]
            continue
        m = _TRAILING_BARE.search(text)
        if m is not None:
            exts.insert(0, normalise_extension(m.group(1)))
            text = text[: m.start()]
            continue
        break
    speaker = text.strip().rstrip(":").strip()
    return speaker, (" ".join(exts) if exts else None)
