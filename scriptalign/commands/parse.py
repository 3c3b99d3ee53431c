"""``scriptalign parse SCRIPT``: print a screenplay's structure as JSON."""

from __future__ import annotations

import argparse
import sys

HELP = "read a screenplay or transcript and print its structure as JSON"

SCRIPT_FORMATS = ("imsdb", "fountain", "fdx", "transcript")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "script", metavar="SCRIPT", help="screenplay: IMSDb-style text, Fountain, FDX or transcript"
    )
    parser.add_argument(
        "--script-format",
        choices=SCRIPT_FORMATS,
        default=None,
        metavar="F",
        help="layout of SCRIPT: " + ", ".join(SCRIPT_FORMATS) + " (default: detected)",
    )
    parser.add_argument(
        "-o", "--output", metavar="OUT", help="write the JSON here (default: standard output)"
    )
    parser.add_argument("--compact", action="store_true", help="one-line JSON")


def run(args: argparse.Namespace) -> int:
    from scriptalign.screenplay import read_script
    from scriptalign.screenplay.export import script_to_json

    script = read_script(args.script, format=args.script_format)
    for warning in script.warnings:
        print(f"scriptalign parse: warning: {warning}", file=sys.stderr)
    text = script_to_json(script, indent=None if args.compact else 1)
    if args.output:
        from scriptalign.atomic import write_text
        from scriptalign.errors import InputError

        try:
            write_text(args.output, text)
        except OSError as err:
            raise InputError(
                f"cannot write the output ({err.strerror})",
                args.output,
                expected="a path in an existing, writable folder",
            ) from None
    else:
        sys.stdout.write(text)
    return 0
