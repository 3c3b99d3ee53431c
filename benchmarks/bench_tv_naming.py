"""Naming real TV face tracks from subtitles and transcripts: 6 episodes of The Big Bang Theory.

On ../shared/data/tv: real subtitles, real fan transcripts, real face-track times with hand-checked
identities. Each episode goes through the external-tracks path (``run_external``, what
``scriptalign run SUBS SCRIPT --tracks T.json --face-descriptors F.npy --speaker-bags`` calls).
The tracks have no pixels, so the face descriptors are a stated proxy: per identity a random mean
(the same in every episode), per track Gaussian noise whose scale is set (by bisection) so that a nearest-mean classifier is
right 60%, 70% or 85% of the time. A track's truth is its identity when that identity speaks in the
episode's transcript, else nobody. Compared: the pipeline, solved per episode and jointly over the
six with BCFW, against the naive rule "a speaker bag's name goes to its only overlapping track".

Which data each figure is tuned on: ``default`` uses the solver's defaults (chosen on toy seeds, never
on TV); ``leave_one_episode_out`` picks (person_rho, reg, kappa) from a small grid on five episodes by
their pooled accuracy over all tracks and scores the sixth with it, for each episode in turn, so every
number in it is on an episode its parameters were not chosen on. The default runs and the joint BCFW
solve use the defaults.

Usage: python benchmarks/bench_tv_naming.py [--levels 0.6 0.7 0.85] [--episodes ...] [--no-joint]
       [--joint-names bags|all] [--no-grid] [--update]
In the joint solve a track may take only the names of its own episode's bags (and nobody): the
people are the same labels across episodes, but a name absent from an episode is not allowed there.
Writes benchmarks/results/tv_naming.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "tv"
EPISODES = tuple(f"bbt_s01e0{k}" for k in range(1, 7))
DIM = 64
#: The leave-one-episode-out grid: background share, ridge, slack penalty.
GRID = tuple((rho, reg, kappa) for rho in (0.0, 0.05, 0.1, 0.2) for reg in (1e-3, 1e-2) for kappa in (1.0, 10.0))


def read_facetracks(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return [dict(r) for r in csv.DictReader(fh, delimiter="\t")]


def transcript_speakers(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return {m.group(1).strip().lower() for m in re.finditer(r"^([A-Za-z][A-Za-z .'-]*):", text, flags=re.M)}


def tracks_document(rows: list[dict]) -> dict:
    """A scriptalign.tracks/1 document without video: ids and times (the TSV has no boxes per frame)."""
    tracks = [{"id": int(r["track_index"]), "shot": -1, "start_time": float(r["start_time"]),
               "end_time": float(r["end_time"]), "start_frame": int(r["start_frame"]),
               "end_frame": int(r["end_frame"])} for r in rows]
    return {"schema": "scriptalign.tracks/1", "video": None, "shots": [], "tracks": tracks}


def nearest_mean_accuracy(X: np.ndarray, labels: np.ndarray, means: np.ndarray) -> float:
    d = ((X[:, None, :] - means[None]) ** 2).sum(-1)
    return float((d.argmin(1) == labels).mean())


def identity_means(identities: set[str], seed: int) -> dict[str, np.ndarray]:
    """One random mean (unit Gaussian, DIM dims) per identity, shared by all episodes (a person's face
    looks alike from one episode to the next, which the joint solve relies on)."""
    rng = np.random.default_rng(seed)
    return {name: rng.normal(size=DIM) for name in sorted(identities)}


def proxy_descriptors(identities: list[str], means: dict[str, np.ndarray], target: float,
                      seed: int) -> tuple[np.ndarray, float, float]:
    """Per track its identity's mean plus noise of scale sigma, sigma found by bisection so that the
    nearest-mean classifier (over this episode's identities) is right ``target`` of the time."""
    rng = np.random.default_rng(seed)
    kinds = sorted(set(identities))
    labels = np.asarray([kinds.index(i) for i in identities])
    M = np.stack([means[k] for k in kinds])
    noise = rng.normal(size=(len(identities), DIM))
    lo, hi = 0.01, 10.0
    for _ in range(40):
        mid = (lo + hi) / 2
        acc = nearest_mean_accuracy(M[labels] + mid * noise, labels, M)
        lo, hi = (mid, hi) if acc > target else (lo, mid)
    sigma = (lo + hi) / 2
    X = M[labels] + sigma * noise
    return X, sigma, nearest_mean_accuracy(X, labels, M)


def scores(names: list[str | None], confidence: list[float], truth: list[str | None],
           naive: list[str | None]) -> dict:
    """Accuracy over all tracks (nobody counts), precision at the naive rule's coverage, the curve."""
    from scriptalign.evaluation import naming_curve

    n = len(truth)
    right = np.asarray([p == t for p, t in zip(names, truth)])
    named = [i for i, p in enumerate(names) if p is not None]
    naive_named = [i for i, p in enumerate(naive) if p is not None]
    k = min(len(naive_named), len(named))
    # the k most confident names (naming_curve over the named tracks: tied scores in no order)
    among_named = naming_curve([names[i] for i in named], [truth[i] or "" for i in named],
                               [confidence[i] for i in named]) if k else None
    curve = naming_curve([p or "" for p in names], [t or "" for t in truth], confidence)
    pick = np.linspace(0, n - 1, 21).astype(int)
    return {
        "naming_accuracy_all_tracks": float(right.mean()),
        "naming_ap_all_tracks": curve.ap,
        "coverage": len(named) / n,
        "precision_at_naive_coverage": float(among_named.accuracy[k - 1]) if k else None,
        "bojanowski_curve": {"proportion": [float(curve.proportion[i]) for i in pick],
                             "accuracy": [float(curve.accuracy[i]) for i in pick]},
    }


def naive_scores(naive: list[str | None], truth: list[str | None]) -> dict:
    n = len(truth)
    named = [i for i, p in enumerate(naive) if p is not None]
    return {"naming_accuracy_all_tracks": float(np.mean([p == t for p, t in zip(naive, truth)])),
            "coverage": len(named) / n,
            "precision": float(np.mean([naive[i] == truth[i] for i in named])) if named else None}


def lower(x: str | None) -> str | None:
    return x.lower() if x else None


def leave_one_episode_out(prepared: dict, truth: dict[str, list]) -> dict:
    """Each episode scored with the GRID setting that is most accurate (over all tracks, pooled) on
    the other episodes: every figure here is on an episode its setting was not chosen on."""
    import warnings

    from scriptalign.pipeline import solve_prepared

    from solvers.types import ConstraintError

    solved: dict = {}
    failed: dict[str, str] = {}
    for setting in GRID:
        rho, reg, kappa = setting
        for ep, p in prepared.items():
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    res = solve_prepared(p, person_rho=rho, reg=reg, kappa=kappa)
            except ConstraintError as err:  # a setting the LP oracle fails on cannot be chosen
                failed[f"{rho},{reg},{kappa}"] = f"{ep}: {err}"
                solved[setting, ep] = None
                continue
            names = [lower(x) for x in res.track_names]
            solved[setting, ep] = (names, [float(c) for c in res.name_confidence],
                                   sum(a == b for a, b in zip(names, truth[ep])))

    def accuracy(setting, episodes) -> float | None:
        """Pooled accuracy of ``setting`` over ``episodes``; None where it failed on one of them."""
        if any(solved[setting, e] is None for e in episodes):
            return None
        return sum(solved[setting, e][2] for e in episodes) / sum(len(truth[e]) for e in episodes)

    # a setting the solver fails on anywhere is out of the running (a solver property, not a score)
    usable = [s for s in GRID if all(solved[s, e] is not None for e in prepared)]

    chosen, names, conf, all_truth, naive = {}, [], [], [], []
    for ep, p in prepared.items():
        best = max(usable, key=lambda s: accuracy(s, [e for e in prepared if e != ep]))
        chosen[ep] = {"person_rho": best[0], "reg": best[1], "kappa": best[2],
                      "held_out_accuracy": accuracy(best, [ep])}
        names += solved[best, ep][0]
        conf += solved[best, ep][1]
        all_truth += truth[ep]
        doc = json.loads((p.output / "assignments.json").read_text())
        naive += [lower(x) for x in doc["baseline_only_track"]]
    return {"chosen": chosen, "pooled": {"pipeline": scores(names, conf, all_truth, naive),
                                         "naive": naive_scores(naive, all_truth)},
            "failed_settings": failed,
            "grid_accuracy_all_episodes": {f"{r},{g},{k}": accuracy((r, g, k), list(prepared))
                                           for r, g, k in GRID}}


def joint_solve(prepared: list, block_names: str, **options):
    """One BCFW problem over the episodes, a block each; a bag covers only its own episode's tracks
    and, with ``block_names="bags"``, a track takes only its own episode's names."""
    from dataclasses import replace as dc_replace

    from scriptalign.assign import TrackSpan, assign

    spans, faces, bags, blocks, bag_blocks = [], [], [], [], []
    for k, p in enumerate(prepared):
        shift, offset = 10_000.0 * k, 1_000_000 * k  # episodes laid end to end in time
        spans += [TrackSpan(s.id + offset, s.start + shift, s.end + shift) for s in p.spans]
        faces.append(p.face_descriptors)
        bags += [dc_replace(b, start=b.start + shift, end=b.end + shift) for b in p.bags]
        blocks += [k] * len(p.spans)
        bag_blocks += [k] * len(p.bags)
    return assign(spans, np.concatenate(faces), np.zeros((len(spans), 1)), bags, actions=(),
                  blocks=blocks, bag_blocks=bag_blocks, block_names=block_names, **options)


#: the background shares the held-out joint solve chooses among (the default first: it wins ties)
JOINT_RHOS = (0.2, 0.1, 0.05, 0.0)


def joint_held_out_rho(prepared: dict, truth: dict[str, list], block_names: str, naive: list) -> dict:
    """The joint solve with person_rho chosen per episode on the other five: each episode takes the
    JOINT_RHOS value most accurate (pooled) on the other episodes solved alone, and is scored from
    the joint solve with that value. No episode's truth touches its own choice."""
    import warnings

    from scriptalign.pipeline import solve_prepared

    correct: dict[float, dict[str, int]] = {r: {} for r in JOINT_RHOS}
    for r in JOINT_RHOS:
        for ep, p in prepared.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = solve_prepared(p, person_rho=r)
            correct[r][ep] = sum(lower(a) == b for a, b in zip(res.track_names, truth[ep]))
    chosen = {ep: max(JOINT_RHOS, key=lambda r: (sum(correct[r][e] for e in prepared if e != ep),
                                                 -JOINT_RHOS.index(r))) for ep in prepared}
    solved = {}
    for r in sorted(set(chosen.values())):
        res = joint_solve(list(prepared.values()), block_names, person_rho=r)
        solved[r] = ([lower(x) for x in res.track_names], [float(c) for c in res.name_confidence], res.converged)
    names, conf, offsets = [], [], np.cumsum([0] + [len(truth[ep]) for ep in prepared])
    for j, ep in enumerate(prepared):
        n_, c_, _ = solved[chosen[ep]]
        names += n_[offsets[j]:offsets[j + 1]]
        conf += c_[offsets[j]:offsets[j + 1]]
    all_truth = [t for ep in prepared for t in truth[ep]]
    return {"chosen_rho": chosen, "converged": {str(r): v[2] for r, v in solved.items()},
            "per_episode_alone_accuracy": {str(r): {ep: c / len(truth[ep]) for ep, c in cs.items()}
                                           for r, cs in correct.items()},
            "joint_accuracy_by_rho": {str(r): float(np.mean([a == b for a, b in zip(v[0], all_truth)]))
                                      for r, v in solved.items()},
            "pipeline": scores(names, conf, all_truth, naive), "naive": naive_scores(naive, all_truth)}


def main(argv: list[str] | None = None) -> int:
    from scriptalign.pipeline import load_prepared, run_external

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--levels", type=float, nargs="+", default=[0.6, 0.7, 0.85])
    ap.add_argument("--episodes", nargs="+", default=list(EPISODES))
    ap.add_argument("--no-joint", action="store_true")
    ap.add_argument("--joint-names", choices=("bags", "all"), default="bags",
                    help="in the joint solve, a track may take the names of its own episode's bags (default) "
                         "or every episode's names")
    ap.add_argument("--joint-held-out-rho", action="store_true",
                    help="also the joint solve with person_rho chosen per episode on the other five")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-grid", action="store_true", help="skip the leave-one-episode-out selection")
    ap.add_argument("--update", action="store_true",
                    help="add the levels to the output file's (same seed) instead of starting it anew")
    ap.add_argument("-o", "--output", default=str(ROOT / "benchmarks" / "results" / "tv_naming.json"))
    args = ap.parse_args(argv)
    if not DATA.is_dir():
        print(f"no TV data at {DATA}", file=sys.stderr)
        return 1
    results: dict = {"data": str(DATA), "dim": DIM, "seed": args.seed,
                     "grid": [{"person_rho": r, "reg": g, "kappa": k} for r, g, k in GRID],
                     "load_before": os.getloadavg(),
                     "levels": {}}
    if args.update and Path(args.output).exists():
        previous = json.loads(Path(args.output).read_text())
        if previous.get("seed") == args.seed and previous.get("dim") == DIM:
            results["levels"] = previous["levels"]
    work = Path(tempfile.mkdtemp(prefix="bench_tv_"))
    eps = {}
    for ep in args.episodes:
        rows = read_facetracks(DATA / f"{ep}.facetracks.tsv")
        speakers = transcript_speakers(DATA / f"{ep}.transcript.txt")
        ids = [r["gt_identity"] for r in rows]
        truth = [i if i in speakers else None for i in ids]
        (work / ep).mkdir()
        (work / ep / "tracks.json").write_text(json.dumps(tracks_document(rows)))
        eps[ep] = {"ids": ids, "truth": truth}
    means = identity_means({i for ep in args.episodes for i in eps[ep]["ids"]}, args.seed * 100)
    for level in args.levels:
        per = {}
        joint_in = []
        for k, ep in enumerate(args.episodes):
            X, sigma, acc = proxy_descriptors(eps[ep]["ids"], means, level, args.seed * 100 + k + 1)
            face = work / ep / f"face_{level}.npy"
            np.save(face, X)
            out = work / ep / f"out_{level}"
            t0 = time.perf_counter()
            result = run_external(DATA / f"{ep}.srt", DATA / f"{ep}.transcript.txt", work / ep / "tracks.json",
                                  face, out, speaker_bags=True, report=False)
            wall = time.perf_counter() - t0
            doc = result.assignments
            names = [lower(r["name"]) for r in doc["tracks"]]
            conf = [r["name_score"] for r in doc["tracks"]]
            naive = [lower(x) for x in doc["baseline_only_track"]]
            truth = eps[ep]["truth"]
            per[ep] = {"n_tracks": len(truth), "n_bags": doc["n_person_bags"], "sigma": sigma,
                       "nearest_mean_accuracy": acc, "seconds": wall,
                       "pipeline": scores(names, conf, truth, naive), "naive": naive_scores(naive, truth)}
            print(f"{level:.2f} {ep}: pipeline acc {per[ep]['pipeline']['naming_accuracy_all_tracks']:.3f} "
                  f"P@naive {per[ep]['pipeline']['precision_at_naive_coverage']} naive acc "
                  f"{per[ep]['naive']['naming_accuracy_all_tracks']:.3f} P {per[ep]['naive']['precision']} "
                  f"cov {per[ep]['naive']['coverage']:.3f} ({wall:.0f} s)", flush=True)
            joint_in.append(load_prepared(out))
        entry: dict = {"episodes": per}
        truth_all = [t for ep in args.episodes for t in eps[ep]["truth"]]
        naive_all = [lower(x) for ep in args.episodes
                     for x in json.loads((work / ep / f"out_{level}" / "assignments.json").read_text())["baseline_only_track"]]
        if not args.no_joint:
            t0 = time.perf_counter()
            res = joint_solve(joint_in, args.joint_names)
            names = [lower(x) for x in res.track_names]
            conf = [float(c) for c in res.name_confidence]
            entry["joint_bcfw"] = {"seconds": time.perf_counter() - t0, "n_tracks": len(truth_all),
                                   "names_per_episode": args.joint_names, "converged": res.converged,
                                   "fits": list(res.fits),
                                   "pipeline": scores(names, conf, truth_all, naive_all),
                                   "naive": naive_scores(naive_all, truth_all)}
            print(f"{level:.2f} joint: acc {entry['joint_bcfw']['pipeline']['naming_accuracy_all_tracks']:.3f} "
                  f"P@naive {entry['joint_bcfw']['pipeline']['precision_at_naive_coverage']}", flush=True)
        if args.joint_held_out_rho:
            t0 = time.perf_counter()
            entry["joint_bcfw_held_out_rho"] = joint_held_out_rho(
                dict(zip(args.episodes, joint_in)), {ep: eps[ep]["truth"] for ep in args.episodes},
                args.joint_names, naive_all)
            entry["joint_bcfw_held_out_rho"]["seconds"] = time.perf_counter() - t0
            print(f"{level:.2f} joint, rho held out: acc "
                  f"{entry['joint_bcfw_held_out_rho']['pipeline']['naming_accuracy_all_tracks']:.3f}", flush=True)
        # all episodes pooled (each solved on its own)
        names, conf, truth, naive = [], [], [], []
        for ep, p in zip(args.episodes, joint_in):
            doc = json.loads((p.output / "assignments.json").read_text())
            names += [lower(r["name"]) for r in doc["tracks"]]
            conf += [r["name_score"] for r in doc["tracks"]]
            naive += [lower(x) for x in doc["baseline_only_track"]]
            truth += eps[ep]["truth"]
        entry["per_episode_pooled"] = {"pipeline": scores(names, conf, truth, naive),
                                       "naive": naive_scores(naive, truth)}
        if not args.no_grid:
            entry["leave_one_episode_out"] = leave_one_episode_out(
                {ep: p for ep, p in zip(args.episodes, joint_in)}, {ep: eps[ep]["truth"] for ep in args.episodes})
            print(f"{level:.2f} leave-one-episode-out: acc "
                  f"{entry['leave_one_episode_out']['pooled']['pipeline']['naming_accuracy_all_tracks']:.3f}", flush=True)
        old = results["levels"].get(f"{level:.2f}", {})
        # with --update, what this run skipped is kept from the earlier run when this run's per-episode
        # solves gave the same figures (checked: same code path, same descriptors), else dropped
        same = len(old.get("episodes", {})) == len(per) and all(
            old["episodes"].get(ep, {}).get("pipeline") == per[ep]["pipeline"] for ep in per)
        carried = [k for k in ("leave_one_episode_out", "joint_bcfw", "joint_bcfw_held_out_rho")
                   if same and k in old and k not in entry]
        for k in carried:
            entry[k] = old[k]
        if carried:
            entry["carried_from_earlier_run"] = carried
        entry["load_after"] = os.getloadavg()
        results["levels"][f"{level:.2f}"] = entry
        results["load_after"] = os.getloadavg()
        Path(args.output).write_text(json.dumps(results, indent=1) + "\n")
    results["load_after"] = os.getloadavg()
    Path(args.output).write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
