"""``scriptalign run``: the whole pipeline on one movie."""

from __future__ import annotations

import argparse

HELP = "align, weak labels, face tracks and the joint actor/action solve for one movie"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("video", help="the movie file")
    parser.add_argument("subtitles", help="its subtitles (.srt or .vtt)")
    parser.add_argument("script", help="its screenplay")
    parser.add_argument("-o", "--output", required=True, help="output folder")
    parser.add_argument("--truth", help="a truth.json (toy movies) to evaluate against")
    parser.add_argument("--lexicon", help="verb lexicon (YAML/JSON) replacing the bundled one")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--stride", type=int, default=5, help="run the face detector every K-th frame")
    parser.add_argument("--cache", help="feature cache folder (default: the user cache folder)")
    parser.add_argument("--speaker-bags", action="store_true",
                        help="also use each matched dialogue turn as a bag: its speaker appears")
    parser.add_argument("--no-report", action="store_true", help="skip the HTML report")


def run(args: argparse.Namespace) -> int:
    from scriptalign.evaluation import format_scores
    from scriptalign.pipeline import run_movie

    result = run_movie(args.video, args.subtitles, args.script, args.output, truth=args.truth,
                       lexicon=args.lexicon, device=args.device, stride=args.stride, cache_dir=args.cache,
                       report=not args.no_report, progress=True,
                       speaker_bags=args.speaker_bags)
    named = sum(r["name"] is not None for r in result.assignments["tracks"])
    print(f"{len(result.assignments['tracks'])} tracks, {named} named; outputs in {result.output}")
    if result.evaluation:
        print(format_scores(result.evaluation))
    return 0
