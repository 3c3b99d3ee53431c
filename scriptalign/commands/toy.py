"""``scriptalign toy``: write a synthetic toy movie with its script, subtitles and ground truth."""

from __future__ import annotations

import argparse

HELP = "generate a toy movie (movie.mp4, movie.srt, script.txt, truth.json) for a seed"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0: the bundled toy movie)")
    parser.add_argument("-o", "--output", required=True, help="output directory (created if needed)")
    parser.add_argument("--no-video", action="store_true", help="write only the text files and truth.json")
    parser.add_argument("--preset", choices=("default", "hard"), default="default",
                        help="default: the small regression toy; hard: 6 named characters, 8 extras, restyled "
                             "faces, occlusions, 6 action classes, noisy script (3-5 min at 640x360, 25 fps)")
    parser.add_argument("--scenes", type=int, default=None,
                        help="hard preset only: number of scenes of three shots (default 8; 2 gives about a minute)")


def run(args: argparse.Namespace) -> int:
    from scriptalign.errors import InputError
    from scriptalign.toy import generate_toy

    if args.seed < 0:
        raise InputError(f"seed {args.seed} is negative", expected="a seed >= 0")
    if args.preset == "hard":
        from scriptalign.toy.hard import generate_hard_toy
        from scriptalign.toy.hard_story import N_SCENES

        scenes = N_SCENES if args.scenes is None else args.scenes
        if scenes < 2:
            raise InputError(f"--scenes {scenes}", expected="at least 2 scenes")
        movie = generate_hard_toy(args.output, args.seed, video=not args.no_video, scenes=scenes)
    else:
        if args.scenes is not None:
            raise InputError("--scenes goes with --preset hard", expected="scriptalign toy --preset hard --scenes N")
        movie = generate_toy(args.output, args.seed, video=not args.no_video)
    files = [movie.subtitles, movie.script, movie.truth] + ([] if args.no_video else [movie.movie])
    print(f"toy movie ({args.preset} preset), seed {movie.seed}: {movie.duration:.1f} s, {movie.n_frames} frames")
    for path in sorted(files):
        print(f"  wrote {path}")
    return 0
