"""``scriptalign align SUBS SCRIPT``: put times on every script line and speakers on every subtitle line."""

from __future__ import annotations

import argparse
import sys

from scriptalign.alignment import DEFAULT_MIN_SCORE

HELP = "align subtitles with a screenplay (JSON, SRT, VTT or TSV)"

FORMATS = ("json", "srt", "vtt", "tsv")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("subtitles", metavar="SUBS", help="subtitle file (.srt or .vtt)")
    parser.add_argument(
        "script", metavar="SCRIPT", help="screenplay or transcript (plain text, Fountain, FDX)"
    )
    parser.add_argument("-o", "--output", metavar="OUT", help="output file (default: standard output)")
    parser.add_argument(
        "--format", choices=FORMATS, help="output format (default: from the extension of OUT, else json)"
    )
    parser.add_argument(
        "--min-score",
        type=float,
        default=None,
        metavar="S",
        help="dialogue with a smaller fraction of matched words gets interpolated times "
        f"(default: {DEFAULT_MIN_SCORE})",
    )
    parser.add_argument(
        "--min-confidence",
        type=float,
        default=None,
        metavar="C",
        help="dialogue with a smaller confidence gets interpolated times (default: the fitted model's threshold)",
    )
    parser.add_argument(
        "--lemmas", action="store_true", help="match words by their lemma too (lemminflect; about 0.7 s more)"
    )
    parser.add_argument(
        "--semantic",
        action="store_true",
        help="compare still unmatched lines by meaning too (sentence embeddings; needs the 'semantic' extra, "
        "loads torch: seconds)",
    )
    parser.add_argument(
        "--semantic-threshold",
        type=float,
        default=None,
        metavar="T",
        help="cosine similarity a pair needs in the semantic pass (default 0.6; a prior, see docs/alignment.md)",
    )
    parser.add_argument("--lenient", action="store_true", help="skip malformed subtitle cues with a warning")
    parser.add_argument(
        "--script-format",
        default=None,
        metavar="F",
        help="screenplay layout: imsdb, fountain, fdx or transcript (default: detected)",
    )


def run(args: argparse.Namespace) -> int:
    import warnings
    from pathlib import Path

    from scriptalign.alignment import MatchOptions, align
    from scriptalign.atomic import write_text
    from scriptalign.errors import InputError
    from scriptalign.export import render
    from scriptalign.screenplay import read_script
    from scriptalign.subtitles import read_subtitles

    fmt = args.format
    if fmt is None:
        suffix = Path(args.output).suffix.lower().lstrip(".") if args.output else ""
        fmt = suffix if suffix in FORMATS else "json"
    min_score = DEFAULT_MIN_SCORE if args.min_score is None else args.min_score
    if not 0.0 <= min_score <= 1.0:
        raise InputError(f"--min-score {min_score} is out of range", expected="a number between 0 and 1")
    if args.min_confidence is not None and not 0.0 <= args.min_confidence <= 1.0:
        raise InputError(
            f"--min-confidence {args.min_confidence} is out of range", expected="a number between 0 and 1"
        )
    if args.semantic_threshold is not None:
        if not args.semantic:
            raise InputError(
                "--semantic-threshold needs --semantic", expected="--semantic --semantic-threshold T"
            )
        if not -1.0 <= args.semantic_threshold <= 1.0:
            raise InputError(
                f"--semantic-threshold {args.semantic_threshold} is out of range",
                expected="a number between -1 and 1",
            )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        subtitles = read_subtitles(args.subtitles, lenient=args.lenient)
    for w in caught:
        print(f"scriptalign align: warning: {w.message}", file=sys.stderr)
    if subtitles.skipped:
        print(f"scriptalign align: skipped {subtitles.skipped} malformed cue(s)", file=sys.stderr)
    script = read_script(args.script, format=args.script_format)
    # the policy (no match is an error, low coverage a warning) is align()'s; the shell reports it
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        alignment = align(
            subtitles,
            script,
            min_score=min_score,
            min_confidence=args.min_confidence,
            options=MatchOptions(lemmas=args.lemmas),
            semantic=args.semantic,
            semantic_threshold=args.semantic_threshold,
        )
    for w in caught:
        print(f"scriptalign align: warning: {w.message}", file=sys.stderr)
    text = render(alignment, fmt)
    if args.output:
        write_text(args.output, text)
    else:
        sys.stdout.write(text)
    return 0
