"""Screenplays in every supported layout, read into one model (``scriptalign.screenplay.elements``)."""

from scriptalign.screenplay.elements import ElementKind, Script, ScriptElement

__all__ = ["ElementKind", "Script", "ScriptElement"]
