"""``scriptalign demo``: the main job on the bundled toy movie, end to end."""

from __future__ import annotations

import argparse

HELP = "run the whole pipeline on the bundled toy movie, print its evaluation, write the report"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", default="demo-out", help="output folder (default: demo-out)")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--cache", help="feature cache folder (default: the user cache folder)")


def run(args: argparse.Namespace) -> int:
    from scriptalign.demo import run_demo

    run_demo(args.output, device=args.device, cache_dir=args.cache)
    return 0
