"""``scriptalign evaluate``: score a run folder against a truth file."""

from __future__ import annotations

import argparse
import json

HELP = "score the output folder of scriptalign run against a truth.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("output", help="the output folder of scriptalign run")
    parser.add_argument("--truth", required=True, help="truth.json of a toy movie")
    parser.add_argument("--json", action="store_true", help="print the evaluation as JSON")


def run(args: argparse.Namespace) -> int:
    from scriptalign.evaluation import format_scores
    from scriptalign.pipeline import evaluate_output

    evaluation = evaluate_output(args.output, args.truth).scores
    if args.json:
        print(json.dumps(evaluation, indent=1))
    else:
        print(format_scores(evaluation))
    return 0
