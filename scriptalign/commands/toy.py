"""``scriptalign toy``: write a synthetic toy movie with its script, subtitles and ground truth."""

from __future__ import annotations

import argparse

HELP = "generate a toy movie (movie.mp4, movie.srt, script.txt, truth.json) for a seed"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0: the bundled toy movie)")
    parser.add_argument("-o", "--output", required=True, help="output directory (created if needed)")
    parser.add_argument("--no-video", action="store_true", help="write only the text files and truth.json")


def run(args: argparse.Namespace) -> int:
    from scriptalign.errors import InputError
    from scriptalign.toy import generate_toy

    if args.seed < 0:
        raise InputError(f"seed {args.seed} is negative", expected="a seed >= 0")
    movie = generate_toy(args.output, args.seed, video=not args.no_video)
    files = [movie.subtitles, movie.script, movie.truth] + ([] if args.no_video else [movie.movie])
    print(f"toy movie, seed {movie.seed}: {movie.duration:.1f} s, {movie.n_frames} frames")
    for path in sorted(files):
        print(f"  wrote {path}")
    return 0
