"""``scriptalign evaluate``: score a run folder against a truth file."""

from __future__ import annotations

import argparse
import json

HELP = "score the output folder of scriptalign run against a truth.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("output", help="the output folder of scriptalign run")
    parser.add_argument("--truth", required=True, help="truth.json of a toy movie")
    parser.add_argument("--json", action="store_true", help="print the evaluation as JSON")


def print_evaluation(evaluation: dict) -> None:
    """A short table: naming accuracy and AP, per-character accuracy, per-action AP and mean."""

    def fmt(v):
        return "n/a" if v is None else f"{v:.3f}"

    print(f"naming accuracy {fmt(evaluation.get('naming_accuracy'))}  naming AP {fmt(evaluation.get('naming_ap'))}"
          f"  ({evaluation['n_named_tracks']} tracks of named characters)")
    if "baseline_only_track_accuracy" in evaluation:
        print(f"baseline 'a name goes to the bag's only track': accuracy "
              f"{fmt(evaluation['baseline_only_track_accuracy'])}")
    for name, acc in evaluation.get("per_character_accuracy", {}).items():
        print(f"  {name:<12} accuracy {fmt(acc)}")
    print(f"action mAP {fmt(evaluation.get('action_map'))}")
    for action, ap in evaluation.get("per_action_ap", {}).items():
        print(f"  {action:<12} AP {fmt(ap)}")
    if "temporal_action_map" in evaluation:
        print(f"temporal action mAP {fmt(evaluation['temporal_action_map'])} at tIoU 0.3, "
              f"{fmt(evaluation['temporal_action_map_05'])} at 0.5 ({evaluation['n_action_instances']} instances)")
        for action, ap in evaluation.get("per_action_temporal_ap", {}).items():
            print(f"  {action:<12} AP {fmt(ap.get('0.3'))} / {fmt(ap.get('0.5'))}")


def run(args: argparse.Namespace) -> int:
    from scriptalign.pipeline import evaluate_output

    evaluation = evaluate_output(args.output, args.truth).scores
    if args.json:
        print(json.dumps(evaluation, indent=1))
    else:
        print_evaluation(evaluation)
    return 0
