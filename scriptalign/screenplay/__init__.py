"""Screenplays in every supported layout, read into one model (``scriptalign.screenplay.elements``).

``read_script(path)`` detects the layout (IMSDb-style plain text, Fountain, Final Draft FDX, TV fan
transcript) and returns a ``Script`` of ``ScriptElement`` records that keep their source lines.
"""

from scriptalign.screenplay.elements import ElementKind, Script, ScriptElement
from scriptalign.screenplay.reader import FORMATS, read_script
from scriptalign.screenplay.source import MAX_SCRIPT_BYTES

__all__ = ["FORMATS", "MAX_SCRIPT_BYTES", "ElementKind", "Script", "ScriptElement", "read_script"]
