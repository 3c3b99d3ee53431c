"""``scriptalign batch``: many movies, prepared on Dask, solved jointly (one BCFW block per movie)."""

from __future__ import annotations

import argparse

HELP = "run many movies listed in a CSV manifest on Dask and solve them jointly"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("manifest", help="CSV with columns video,subtitles,script[,name,truth]")
    parser.add_argument("-o", "--output", required=True, help="output folder (one sub-folder per movie)")
    parser.add_argument("--scheduler", default="local",
                        help="'local' (a LocalCluster on this machine) or a Dask scheduler address; on a shared "
                             "cluster use tls://HOST:PORT with the --tls-* options (see docs/batch.md)")
    parser.add_argument("--tls-ca-file", metavar="PEM", help="the cluster's CA certificate (TLS scheduler)")
    parser.add_argument("--tls-cert", metavar="PEM", help="this client's certificate (TLS scheduler)")
    parser.add_argument("--tls-key", metavar="PEM", help="this client's private key, unless in --tls-cert")
    parser.add_argument("--workers", type=int, default=2, help="local cluster size (default 2)")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--stride", type=int, default=5)
    parser.add_argument("--cache", help="feature cache folder shared by the workers")
    parser.add_argument("--lexicon", help="verb lexicon (YAML/JSON) replacing the bundled one")
    parser.add_argument("--no-report", action="store_true")


def run(args: argparse.Namespace) -> int:
    import sys

    from scriptalign.batch import run_batch, tls_security
    from scriptalign.errors import InputError

    security = None
    if args.tls_ca_file or args.tls_cert or args.tls_key:
        if not (args.tls_ca_file and args.tls_cert):
            raise InputError("--tls-ca-file and --tls-cert go together",
                             expected="the cluster's CA certificate and this client's certificate")
        security = tls_security(args.tls_ca_file, args.tls_cert, args.tls_key)
    elif args.scheduler != "local" and not args.scheduler.startswith("tls://"):
        print("scriptalign batch: warning: the connection to the scheduler is not encrypted and not "
              "authenticated; on a shared cluster use tls:// and --tls-ca-file/--tls-cert (docs/batch.md)",
              file=sys.stderr)
    summary = run_batch(args.manifest, args.output, scheduler=args.scheduler, n_workers=args.workers,
                        device=args.device, stride=args.stride, cache_dir=args.cache, lexicon=args.lexicon,
                        report=not args.no_report, security=security)
    for movie in summary["movies"]:
        ev = movie["evaluation"]
        score = "" if not ev else f"  naming {ev['naming_accuracy']:.3f}  action mAP {ev['action_map']:.3f}"
        print(f"{movie['name']}: {movie['n_tracks']} tracks{score}")
    print(f"summary: {args.output}/summary.json")
    return 0
