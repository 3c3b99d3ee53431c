"""How far the TV proxy descriptors can go with full supervision: a context figure for bench_tv_naming.

Same episodes, proxy descriptors (same seeds) and truth (speaker identity, else nobody) as
``bench_tv_naming.py``, standardized as ``assign`` does. A ridge classifier (the DIFFRAC model's
classifier) trained on the true labels: in-sample and 5-fold cross-validated per episode, and over the
six episodes pooled: in-sample, and trained on five episodes and scored on the sixth (its own cast).
No weak label is used: it bounds what a linear model on these descriptors reaches, not the pipeline.

Usage: python benchmarks/tv_supervised_ceiling.py [--levels 0.6 0.7 0.85] -> benchmarks/results/tv_supervised_ceiling.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tv_naming import (DATA, EPISODES, ROOT, identity_means, proxy_descriptors,  # noqa: E402
                             read_facetracks, transcript_speakers)


def ridge(X: np.ndarray, Y: np.ndarray, reg: float) -> np.ndarray:
    Xc = np.hstack([X, np.ones((len(X), 1))])
    return np.linalg.solve(Xc.T @ Xc / len(X) + reg * np.eye(Xc.shape[1]), Xc.T @ Y / len(X))


def predict(W: np.ndarray, X: np.ndarray, allowed: np.ndarray | None = None) -> np.ndarray:
    S = np.hstack([X, np.ones((len(X), 1))]) @ W
    if allowed is not None:
        S[:, ~allowed] = -np.inf
    return np.argmax(S, axis=1)


def ceiling(ids: dict, truth: dict, means: dict, level: float, reg: float, seed: int) -> dict:
    """The supervised figures at one proxy level (see the module docstring)."""
    from scriptalign.assign import standardize

    raw = {}
    for k, ep in enumerate(EPISODES):
        raw[ep] = proxy_descriptors(ids[ep], means, level, seed * 100 + k + 1)[0]
    classes = sorted({t for ep in EPISODES for t in truth[ep]})
    out: dict = {"level": level, "reg": reg, "per_episode": {}}
    right_in = right_cv = n_all = 0
    for ep in EPISODES:
        X = standardize(raw[ep])
        y = np.asarray([classes.index(t) for t in truth[ep]])
        Y = np.eye(len(classes))[y]
        ins = float(np.mean(predict(ridge(X, Y, reg), X) == y))
        idx = np.random.default_rng(0).permutation(len(y))
        cv = 0
        for f in range(5):
            te = idx[f::5]
            tr = np.setdiff1d(idx, te)
            cv += int(np.sum(predict(ridge(X[tr], Y[tr], reg), X[te]) == y[te]))
        out["per_episode"][ep] = {"in_sample": ins, "cross_validated": cv / len(y)}
        right_in += ins * len(y)
        right_cv += cv
        n_all += len(y)
    out["per_episode_pooled"] = {"in_sample": right_in / n_all, "cross_validated": right_cv / n_all}
    X = standardize(np.concatenate([raw[ep] for ep in EPISODES]))
    y = np.asarray([classes.index(t) for ep in EPISODES for t in truth[ep]])
    Y = np.eye(len(classes))[y]
    block = np.concatenate([[k] * len(truth[ep]) for k, ep in enumerate(EPISODES)])
    out["six_pooled_in_sample"] = float(np.mean(predict(ridge(X, Y, reg), X) == y))
    right = 0
    for k, ep in enumerate(EPISODES):
        tr, te = block != k, block == k
        allowed = np.asarray([c in set(truth[ep]) for c in classes])
        right += int(np.sum(predict(ridge(X[tr], Y[tr], reg), X[te], allowed) == y[te]))
    out["train_on_five_score_the_sixth"] = right / len(y)
    return out


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--levels", type=float, nargs="+", default=[0.6, 0.7, 0.85])
    ap.add_argument("--reg", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-o", "--output", default=str(ROOT / "benchmarks" / "results" / "tv_supervised_ceiling.json"))
    args = ap.parse_args(argv)
    ids, truth = {}, {}
    for ep in EPISODES:
        rows = read_facetracks(DATA / f"{ep}.facetracks.tsv")
        speakers = transcript_speakers(DATA / f"{ep}.transcript.txt")
        ids[ep] = [r["gt_identity"] for r in rows]
        truth[ep] = [i if i in speakers else "nobody" for i in ids[ep]]
    means = identity_means({i for ep in EPISODES for i in ids[ep]}, args.seed * 100)
    results = {"reg": args.reg, "seed": args.seed, "levels": {}}
    for level in args.levels:
        results["levels"][f"{level:.2f}"] = ceiling(ids, truth, means, level, args.reg, args.seed)
    Path(args.output).write_text(json.dumps(results, indent=1) + "\n")
    for level, out in results["levels"].items():
        print(level, json.dumps({k: v for k, v in out.items() if k != "per_episode"}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
