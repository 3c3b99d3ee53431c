"""``scriptalign labels``: weak labels (bags of names and actions) from an aligned screenplay."""

from __future__ import annotations

import argparse

HELP = "turn an aligned script (scriptalign align JSON) into weak labels: bags of names and actions"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("aligned", help="alignment JSON written by `scriptalign align`")
    parser.add_argument("--lexicon", help="verb lexicon, YAML or JSON (default: the bundled one)")
    parser.add_argument("--margin", type=float, default=None, help="seconds added on each side of a span (default 2)")
    parser.add_argument("--speakers", action="store_true", help="also a bag per aligned dialogue turn (the speaker appears)")
    parser.add_argument("--alias", action="append", default=[], metavar="ALIAS=NAME",
                        help="another name for a character, e.g. --alias Jake=GITTES (repeatable)")
    parser.add_argument("-o", "--output", help="write the JSON here instead of printing it")


def run(args: argparse.Namespace) -> int:
    from scriptalign.atomic import json_text, write_text
    from scriptalign.errors import InputError
    from scriptalign.labels import DEFAULT_MARGIN, labels_json, read_alignment, weak_labels
    from scriptalign.lexicon import Lexicon

    margin = DEFAULT_MARGIN if args.margin is None else args.margin
    if margin < 0:
        raise InputError(f"--margin {margin} is negative", expected="seconds >= 0")
    aliases = {}
    for item in args.alias:
        alias, sep, name = item.partition("=")
        if not sep or not alias.strip() or not name.strip():
            raise InputError(f"--alias {item!r}", expected="ALIAS=NAME, e.g. Jake=GITTES")
        aliases[alias.strip()] = name.strip()
    doc = read_alignment(args.aligned)
    lexicon = Lexicon.load(args.lexicon) if args.lexicon else Lexicon.default()
    bags = weak_labels(doc, lexicon, margin=margin, speaker_bags=args.speakers, aliases=aliases, source=args.aligned)
    text = json_text(labels_json(bags, doc, lexicon, margin=margin, aliases=aliases))
    if args.output:
        write_text(args.output, text)
        print(f"{len(bags)} bags written to {args.output}")
    else:
        print(text, end="")
    return 0
