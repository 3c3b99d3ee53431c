"""``scriptalign demo``: the main job on the bundled example, end to end."""

from __future__ import annotations

import argparse

HELP = "run scriptalign on the bundled example and print what it found"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", default="demo-out", help="output directory (default: demo-out)")


def run(args: argparse.Namespace) -> int:
    from scriptalign.demo import run_demo

    run_demo(args.output)
    return 0
