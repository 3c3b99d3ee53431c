"""Files written whole or not at all: the text side's name for :mod:`features.atomic`, the one
atomic writer (it lives in ``features`` because ``features`` may not import ``scriptalign``)."""

from features.atomic import STALE_AFTER, _host, json_text, stale_temporaries, write_bytes, write_json, write_text

__all__ = ["STALE_AFTER", "_host", "json_text", "stale_temporaries", "write_bytes", "write_json", "write_text"]
