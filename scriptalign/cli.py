"""The ``scriptalign`` command: a thin shell over public functions, one module per verb.

Each verb lives in ``scriptalign.commands.<verb>`` and defines ``HELP``, ``add_arguments(parser)``
and ``run(args) -> int``. Command modules import nothing heavy at module level, so that
``scriptalign align`` starts fast (no torch, cv2 or cvxpy).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence

from scriptalign import __version__
from scriptalign.errors import InputError

VERBS: tuple[str, ...] = (
    "align",
    "parse",
    "labels",
    "tracks",
    "toy",
    "run",
    "evaluate",
    "batch",
    "demo",
)


def _load(verb: str):
    return importlib.import_module(f"scriptalign.commands.{verb}")


def _available_verbs() -> list[str]:
    verbs = []
    for verb in VERBS:
        if importlib.util.find_spec(f"scriptalign.commands.{verb}") is not None:
            verbs.append(verb)
    return verbs


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scriptalign",
        description="Weakly-supervised actor and action localization from movies, subtitles and screenplays.",
    )
    parser.add_argument("--version", action="version", version=f"scriptalign {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    sub.required = True
    for verb in _available_verbs():
        module = _load(verb)
        p = sub.add_parser(verb, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except InputError as err:
        print(f"scriptalign {args.verb}: error: {err}", file=sys.stderr)
        return 2
    except ValueError as err:
        # features raises its own errors (it never imports scriptalign); they read "file:frame N: ..."
        if type(err).__module__ != "features.errors":
            raise
        print(f"scriptalign {args.verb}: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        # e.g. an output folder that does not exist or cannot be written
        where = f"{err.filename}: " if err.filename else ""
        print(f"scriptalign {args.verb}: error: {where}{err.strerror or err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
