"""dlib's face embedding across worker processes against in one process, on the bundled toy movie.

Run: ``python benchmarks/bench_dlib_workers.py [--out FILE]``; writes ``benchmarks/results/dlib_workers.json``.
Each configuration extracts the toy from an empty feature cache in a child process of its own
(``SCRIPTALIGN_DLIB_WORKERS=1``, then the default: one worker per core), same run; the face
descriptors of both must be equal (each chip is embedded alone either way).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "dlib_workers.json"

CHILD = r"""
import json, sys, time
import numpy as np
sys.path.insert(0, {root!r})
import features
from features.embeddings import default_workers
from scriptalign.toy import default_toy_dir
t = time.perf_counter()
ex = features.extract(default_toy_dir() / "movie.mp4", device="cpu", cache_dir={cache!r}, face_descriptor="dlib")
wall = time.perf_counter() - t
np.save({desc!r}, ex.face_descriptors)
print(json.dumps(dict(seconds=wall, workers=default_workers(), n_tracks=len(ex.tracks))))
"""


def run(workers: str | None, tmp: Path, name: str) -> dict:
    env = dict(os.environ)
    env.pop("SCRIPTALIGN_DLIB_WORKERS", None)
    if workers:
        env["SCRIPTALIGN_DLIB_WORKERS"] = workers
    desc = tmp / f"{name}.npy"
    code = CHILD.format(root=str(ROOT), cache=str(tmp / f"cache-{name}"), desc=str(desc))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    import numpy as np

    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        load = os.getloadavg()[0]
        one, many = run("1", tmp, "one"), run(None, tmp, "many")
        same = bool(np.array_equal(np.load(tmp / "one.npy"), np.load(tmp / "many.npy")))
    out = {"benchmark": "dlib embedding in worker processes, toy movie extraction from an empty cache",
           "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
           "load_before": load, "load_after": os.getloadavg()[0], "one_process": one, "workers": many,
           "speedup": one["seconds"] / many["seconds"], "descriptors_equal": same}
    print(json.dumps(out, indent=1))
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
