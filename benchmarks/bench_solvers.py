"""Solver benchmarks on planted movie-like problems (one run, JSON to benchmarks/results/).

speed:    n = 500, 2,000, 5,000, L = 10, d = 128: time for factored pairwise FW to reach an objective
          within 1e-4 relative of the optimum vs cvxpy with Clarabel, OSQP and SCS (compile + solve),
          in the same run; F* = the lowest exact objective among FW (run to a 1e-6 gap) and Clarabel.
accuracy: rounded labels vs planted identities for FW, the cvxpy optimum, MIL max-pooling and the
          naive "only track" rule, on the same problems.
bcfw:     n = 200,000 tracks in 60 blocks, relative duality gap 1e-3; wall time and peak RSS
          (run in a subprocess so the RSS is its own); --bcfw-overlapping for the bags a script
          makes, --bcfw-solver pg for projected gradient on the same problem.
overlap:  the bags a script makes (windows of 2-8 adjacent tracks started every 1-4 tracks,
          L = 10, d = 128, n = 2,000, 5,000 and 20,000): time to within 1e-4 of the best objective
          for projected gradient (its projections by the dual Newton method, and by OSQP as before), factored FW, the exact path where it is within its size limit, and
          cvxpy with Clarabel, OSQP and SCS (up to --cvxpy-max-n), same run.
sweep:    the same race (projected gradient, FW, SCS) across reg 1e-3..1e-1 and feature scales
          0.1..10, on the overlapping family and on disjoint bags with L2-normalised rows.
background: the persons' background share rho over all tracks, chosen on toy seeds 10-12 and
          scored on seeds 0, 1, 2 (extras' tracks nameless, named and all-tracks accuracy).
crossover: the exact path against projected gradient, the choice solver="auto" makes (AUTO_EXACT_COST).
oracle_models: the oracles' HiGHS models on the overlapping family (n = 40,000 in 12 blocks): one LP per
          block (the build's feasibility check is that LP) against the former build, which also kept a
          model per overlapping component; build time, RSS growth, models kept, and the gap after
          the same BCFW epochs (the iterates must not change), each in a subprocess of its own.
dense:    the exact path's two solvers on the Z form (n <= 2 r), DAQP's dense active-set method against
          Clarabel (faer), on the overlapping family (L = 5 and 10, d = 128) from 100 to ~1,600
          entries of Z and slack: where DENSE_MAX_VARIABLES sits; time, objective and exact gap.
toy:      the bundled toy movie's two solves (persons, then actions with the pair bags) with the
          exact path (what solver="auto" picks) against cvxpy/Clarabel on the same problems.

Usage: python benchmarks/bench_solvers.py [speed] [bcfw] [overlap] [sweep] [crossover] [dense] [toy] [oracle_models] [--sizes 500 2000 5000]
       [--overlap-sizes 2000 5000 20000] [--cvxpy-limit 300] [--fw-limit 300] [--sweep-n 2000]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from solvers.baselines import MILMaxPool, NaiveOnlyTrack
from solvers.constraints import build_problem
from solvers.frank_wolfe import frank_wolfe
from solvers.objective import ExplicitObjective
from solvers.planted import make_planted
from solvers.reference import solve_reference
from solvers.rounding import round_constrained

RESULTS = ROOT / "benchmarks" / "results" / "bench_solvers.json"
REG = 1e-2
# a point counts in a race once every row of the polytope holds to this (units of alpha): a tenth of the
# 1e-4 objective accuracy timed; SCS's solutions fell short by up to 2.4e-6
RACE_FEASIBILITY = 1e-5
L, D = 10, 128


def load() -> float:
    return os.getloadavg()[0]


def speed(n: int, cvxpy_limit: float, seed: int = 0) -> dict:
    P = make_planted(n, L, D, random_state=seed)
    out: dict = {"n": n, "L": L, "d": D, "reg": REG, "bags": len(P.bags), "noise": P.noise,
                 "oracle_nearest_mean_accuracy": P.oracle_accuracy, "load_before": load()}
    t0 = time.perf_counter()
    problem = build_problem(n, L, P.bags, background=P.negatives)
    obj = ExplicitObjective(P.X[problem.order], REG, device="numpy")
    setup = time.perf_counter() - t0
    res = frank_wolfe(obj, problem, max_iter=20000, tol=1e-6, time_limit=300)
    inv = np.empty(n, dtype=np.int64)
    inv[problem.order] = np.arange(n)
    fw_labels = round_constrained(res.Z, problem)[inv]
    out["fw"] = {"setup_s": setup, "final_objective": res.objective, "final_rel_gap": res.gap_history[-1],
                 "iterations": res.n_iter, "converged_1e-6": res.converged, "total_s": setup + res.time_history[-1]}
    out["cvxpy"] = {}
    best = res.objective
    cv_labels = None
    for solver in ("CLARABEL", "OSQP", "SCS"):
        t = time.perf_counter()
        try:
            ref = solve_reference(P.X, REG, problem, solver, time_limit=cvxpy_limit)
            wall = time.perf_counter() - t
            Z = np.clip(ref.Z, 0, None)
            Z /= Z.sum(1, keepdims=True)
            val = obj.value(Z)
            viol = max(0.0, max((1 - Z[np.ix_(t_, lab)].sum(0)).max() for blk in problem.blocks
                                for t_, lab, _ in blk.bags))
            out["cvxpy"][solver] = {"status": ref.status, "compile_s": ref.compile_time, "solve_s": ref.solve_time,
                                    "wall_s": wall, "cvxpy_value": ref.value, "exact_objective": val,
                                    "max_bag_violation_after_normalizing": viol}
            if solver == "CLARABEL" and ref.status == "optimal":
                best = min(best, val)
                cv_labels = round_constrained(Z, problem)[inv]
        except Exception as e:  # noqa: BLE001 - time limit without a solution, solver failure: report it
            out["cvxpy"][solver] = {"status": f"failed: {type(e).__name__}: {e}", "wall_s": time.perf_counter() - t}
        print(n, solver, out["cvxpy"][solver], flush=True)
    target = best * (1 + 1e-4)
    F = np.asarray(res.objective_history)
    T = np.asarray(res.time_history)
    hit = np.flatnonzero(F <= target)
    fw_time = setup + float(T[hit[0]]) if hit.size else None
    out["optimum"] = best
    out["fw"]["time_to_1e-4_s"] = fw_time
    out["fw"]["iterations_to_1e-4"] = int(hit[0]) + 1 if hit.size else None
    ok = {s: r["wall_s"] for s, r in out["cvxpy"].items()
          if "exact_objective" in r and r["exact_objective"] <= target and r["status"].startswith("optimal")}
    allt = {s: r["wall_s"] for s, r in out["cvxpy"].items()}
    out["cvxpy_fastest_reaching_1e-4"] = min(ok.items(), key=lambda kv: kv[1]) if ok else None
    out["cvxpy_fastest_any"] = min(allt.items(), key=lambda kv: kv[1])
    if fw_time and ok:
        out["speedup_vs_fastest_reaching"] = min(ok.values()) / fw_time
    if fw_time:
        out["speedup_vs_fastest_any"] = min(allt.values()) / fw_time
    # accuracy table
    acc = {"fw": float(np.mean(fw_labels == P.y))}
    if cv_labels is not None:
        acc["cvxpy_optimum"] = float(np.mean(cv_labels == P.y))
    mil = MILMaxPool(L).fit(P.X, P.bags, background=P.negatives)
    acc["mil_maxpool"] = float(np.mean(mil.labels_ == P.y))
    nv = NaiveOnlyTrack(L).fit(P.X, P.bags, background=P.negatives)
    acc["naive_only_track"] = float(np.mean(nv.labels_ == P.y))
    acc["oracle_nearest_mean"] = P.oracle_accuracy
    out["accuracy"] = acc
    out["load_after"] = load()
    print(json.dumps(out, indent=1, default=str), flush=True)
    return out


BCFW_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
import numpy as np
from solvers.planted import make_planted
from solvers.constraints import build_problem
from solvers.objective import ExplicitObjective
from solvers.bcfw import bcfw
from solvers.projected import projected_gradient
t0 = time.perf_counter()
P = make_planted({n}, 10, 128, n_blocks={blocks}, random_state=0, overlapping={overlapping})
gen = time.perf_counter() - t0
t0 = time.perf_counter()
problem = build_problem({n}, 10, P.bags, blocks=P.blocks, background=P.negatives)
obj = ExplicitObjective(P.X[problem.order], {reg}, device={device!r})
del P
setup = time.perf_counter() - t0
if {solver!r} == "bcfw":
    res = bcfw(obj, problem, max_iter=100000, tol=1e-3, random_state=0, time_limit={limit})
else:
    res = projected_gradient(obj, problem, max_iter=100000, tol=1e-3, time_limit={limit})
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print(json.dumps(dict(generate_s=gen, setup_s=setup, solve_s=res.time_history[-1], epochs=res.n_iter,
                      converged=res.converged, rel_gap=res.gap_history[-1], objective=res.objective,
                      gap_checks=list(zip(res.time_history, res.gap_history)), peak_rss_mb=peak,
                      backend=obj.rows.name)))
"""


ORACLE_CHILD = r"""
import json, sys, time
sys.path.insert(0, {root!r})
import numpy as np
from solvers.planted import make_planted
from solvers.constraints import build_problem
from solvers.objective import ExplicitObjective
from solvers.bcfw import bcfw
def rss_mb():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
P = make_planted({n}, 10, 128, n_blocks={blocks}, random_state=0, overlapping=True)
r0, t0 = rss_mb(), time.perf_counter()
problem = build_problem({n}, 10, P.bags, blocks=P.blocks, background=P.negatives)
if {per_component}:  # the former build: besides the block's LP, a kept model per overlapping component
    for b in problem.blocks:
        for comp in b.oracle.multi:
            b.oracle._lp(comp, np.zeros((b.size, b.n_labels)), np.zeros(b.size, dtype=np.int64),
                         np.zeros(b.n_slack), np.zeros(b.n_slack), [], [])
build_s, build_mb = time.perf_counter() - t0, rss_mb() - r0
obj = ExplicitObjective(P.X[problem.order], {reg}, device="numpy")
t0 = time.perf_counter()
res = bcfw(obj, problem, max_iter={epochs}, tol=1e-9, random_state=0)
print(json.dumps(dict(build_s=build_s, build_rss_mb=build_mb, epochs_s=time.perf_counter() - t0,
                      epochs=res.n_iter, rel_gap=res.gap_history[-1],
                      models_kept=sum(len(b.oracle._lp_cache) for b in problem.blocks),
                      overlapping_components=sum(len(b.oracle.multi) for b in problem.blocks))))
"""


def oracle_models(n: int = 40_000, blocks: int = 12, epochs: int = 15) -> dict:
    """One HiGHS model per block against one more per overlapping component (the former build)."""
    out: dict = {"n": n, "blocks": blocks, "load_before": load()}
    for name, per_component in (("one_lp_per_block", False), ("model_per_component", True)):
        code = ORACLE_CHILD.format(root=str(ROOT), n=n, blocks=blocks, reg=REG, epochs=epochs,
                                   per_component=per_component)
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        out[name] = json.loads(proc.stdout.strip().splitlines()[-1])
    a, b = out["one_lp_per_block"], out["model_per_component"]
    out["build_rss_ratio"] = b["build_rss_mb"] / a["build_rss_mb"]
    out["same_gap"] = a["rel_gap"] == b["rel_gap"]
    out["load_after"] = load()
    print(json.dumps(out, indent=1), flush=True)
    return out


def bcfw_bench(n: int, blocks: int, device: str, limit: float, overlapping: bool = False, solver: str = "bcfw") -> dict:
    code = BCFW_CHILD.format(root=str(ROOT), n=n, blocks=blocks, reg=REG, device=device, limit=limit,
                             overlapping=overlapping, solver=solver)
    before = load()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:]}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out.update(n=n, blocks=blocks, device=device, overlapping=overlapping, solver=solver, load_before=before,
               load_after=load())
    print(json.dumps(out, indent=1), flush=True)
    return out


def race(X: np.ndarray, problem, reg: float, cvxpy_limit: float, fw_limit: float,
         cvxpy_solvers: tuple[str, ...] = ("CLARABEL", "OSQP", "SCS"), with_exact: bool = True) -> dict:
    """One problem solved by projected gradient, factored FW, the exact path (if within its limit)
    and cvxpy's solvers, in one run: each one's time to within 1e-4 of the best objective found, at a
    point that meets every row to `RACE_FEASIBILITY` (FW's iterates are feasible, projected gradient
    records each iterate's shortfall, the others' is measured)."""
    from solvers.exact import EXACT_MAX_COST, exact_cost, solve_exact
    from solvers.polytope import shortfall_of
    from solvers.projected import projected_gradient

    n, d = X.shape
    shortfall = shortfall_of(problem)
    runs: dict = {}
    hist: dict = {}
    pg_osqp = functools.partial(projected_gradient, projection="osqp")  # the former projections, same run
    for name, solve in (("pg", projected_gradient), ("pg_osqp", pg_osqp), ("fw", frank_wolfe)):
        obj = ExplicitObjective(X[problem.order], reg, device="numpy")
        t = time.perf_counter()
        res = solve(obj, problem, max_iter=10**7, tol=1e-6, time_limit=fw_limit)
        runs[name] = {"wall_s": time.perf_counter() - t, "objective": res.objective, "iterations": res.n_iter,
                      "final_rel_gap": res.gap_history[-1], "converged_1e-6": res.converged}
        steps = (np.asarray(res.iterates) if res.iterates else
                 np.stack([res.time_history, res.objective_history, np.zeros(len(res.time_history))], 1))
        runs[name]["shortfall"] = shortfall(res.Z, res.xi)
        runs[name]["iterates"] = np.round(steps, 12).tolist()  # (seconds, objective, shortfall)
        hist[name] = (steps[:, 1], steps[:, 0], steps[:, 2], np.asarray(res.time_history), np.asarray(res.gap_history))
        print(n, name, runs[name], flush=True)
    obj = ExplicitObjective(X[problem.order], reg, device="numpy")
    if with_exact and exact_cost(n, d, problem.n_labels) <= EXACT_MAX_COST:
        t = time.perf_counter()
        ex = solve_exact(obj.rows.X, reg, problem)
        runs["exact"] = {"wall_s": time.perf_counter() - t, "objective": obj.value(ex.Z), "status": ex.status,
                         "shortfall": shortfall(ex.Z, ex.xi)}
    elif with_exact:
        runs["exact"] = {"skipped": f"beyond the exact path's limit ({exact_cost(n, d, problem.n_labels):,} > "
                                    f"{EXACT_MAX_COST:,})"}
    for solver in cvxpy_solvers:
        t = time.perf_counter()
        try:
            ref = solve_reference(X, reg, problem, solver, time_limit=cvxpy_limit)
            Z = np.clip(ref.Z, 0, None)
            Z /= Z.sum(1, keepdims=True)
            runs[solver] = {"wall_s": time.perf_counter() - t, "status": ref.status, "objective": obj.value(Z),
                            "shortfall": shortfall(Z, np.clip(ref.xi, 0.0, None))}
        except Exception as e:  # noqa: BLE001 - time limit without a solution: report it
            runs[solver] = {"wall_s": time.perf_counter() - t, "status": f"failed: {type(e).__name__}: {e}"}
        print(n, solver, runs[solver], flush=True)
    feasible = {k: r for k, r in runs.items() if r.get("shortfall", np.inf) <= RACE_FEASIBILITY}
    best = min(r["objective"] for r in feasible.values() if "objective" in r)
    target = best * (1 + 1e-4)
    out: dict = {"runs": runs, "best_objective": best, "feasibility_tol": RACE_FEASIBILITY}
    for name, (O, T, S, TG, G) in hist.items():
        hit = np.flatnonzero((O <= target) & (S <= RACE_FEASIBILITY))
        runs[name]["time_to_1e-4_s"] = float(T[hit[0]]) if hit.size else None
        cert = np.flatnonzero(G <= 1e-4)
        runs[name]["time_to_rel_gap_1e-4_s"] = float(TG[cert[0]]) if cert.size else None
    reach = {k: r["wall_s"] for k, r in feasible.items() if k in cvxpy_solvers and r.get("objective", np.inf) <= target}
    out["cvxpy_fastest_reaching_1e-4"] = min(reach.items(), key=lambda kv: kv[1]) if reach else None
    for name in hist:
        if runs[name]["time_to_1e-4_s"] and reach:
            out[f"{name}_speedup_vs_fastest_cvxpy"] = min(reach.values()) / runs[name]["time_to_1e-4_s"]
    return out


def overlap(n: int, cvxpy_limit: float, fw_limit: float, seed: int = 0, with_cvxpy: bool = True) -> dict:
    """The overlapping family: projected gradient, FW, exact and cvxpy to 1e-4 of the best objective."""
    from solvers.oracle import components

    P = make_planted(n, L, D, random_state=seed, overlapping=True)
    problem = build_problem(n, L, P.bags, background=P.negatives)
    comps = components(n, problem.blocks[0].bags)
    out: dict = {"n": n, "L": L, "d": D, "reg": REG, "bags": len(P.bags), "largest_component_bags": max(map(len, comps)),
                 "load_before": load()}
    out.update(race(P.X, problem, REG, cvxpy_limit, fw_limit, cvxpy_solvers=("CLARABEL", "OSQP", "SCS") if with_cvxpy
                    else (), with_exact=with_cvxpy))
    out["load_after"] = load()
    print(json.dumps(out, indent=1, default=str), flush=True)
    return out


def sweep(n: int, cvxpy_limit: float, fw_limit: float, seed: int = 0) -> dict:
    """Projected gradient, FW and SCS (the fastest cvxpy solver on both families at n = 2,000) across
    reg and feature scalings, on the overlapping family and on disjoint bags with L2-normalised rows."""
    out: dict = {"n": n, "L": L, "d": D, "load_before": load(), "settings": []}
    for family in ("overlapping", "disjoint, rows L2-normalised"):
        P = make_planted(n, L, D, random_state=seed, overlapping=family == "overlapping")
        problem = build_problem(n, L, P.bags, background=P.negatives)
        X0 = P.X if family == "overlapping" else P.X / np.linalg.norm(P.X, axis=1, keepdims=True)
        for reg in (1e-3, 1e-2, 1e-1):
            for scale in (0.1, 1.0, 10.0):
                r = race(scale * X0, problem, reg, cvxpy_limit, fw_limit, cvxpy_solvers=("SCS",), with_exact=False)
                row = {"family": family, "reg": reg, "feature_scale": scale, **r, "load": load()}
                out["settings"].append(row)
                print(json.dumps({k: v for k, v in row.items() if k != "runs"}, default=str), flush=True)
    out["load_after"] = load()
    return out


def crossover(window_prep: str | None) -> dict:
    """The exact path against projected gradient through the estimator (what solver="auto" chooses
    between, AUTO_EXACT_COST): planted overlapping problems with slack and rho over all tracks (planted
    seed 1, as the pipeline's persons solve), the same without slack, disjoint bags, and the window
    solve of a prepared hard-toy run (`--window-prep`: the pipeline's window problem, its persons
    solved first as the pipeline does)."""
    import warnings

    from solvers.estimator import DiscriminativeClustering, lp_rows
    from solvers.exact import exact_cost, known_rows

    cases = []
    for n, l, d in [(20, 4, 20), (60, 5, 32), (150, 6, 64), (300, 10, 128), (600, 10, 128)]:
        P = make_planted(n, l, d, random_state=1, overlapping=True)
        cases.append(("overlapping, kappa 10, rho 0.2 all", P.X, P.bags, P.negatives, l,
                      {"kappa": 10.0, "rho": 0.2, "rho_scope": "all", "reg": REG}))
    for overlapping in (True, False):
        P = make_planted(2000, L, D, random_state=1, overlapping=overlapping)
        cases.append(("overlapping, hard bags" if overlapping else "disjoint, hard bags", P.X, P.bags, P.negatives,
                      L, {"reg": REG}))
    if window_prep:
        from scriptalign.assign import assign, standardize
        from scriptalign.pipeline import load_prepared
        from scriptalign.temporal import unit_rows, window_bags

        m = load_prepared(window_prep)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = assign(m.spans, m.face_descriptors, m.motion_descriptors, m.bags)
        cases.append((f"window solve of {window_prep}", standardize(unit_rows(m.windows.features)),
                      window_bags(m.windows, m.bags, res.track_names, res.actions), None, len(res.actions) + 1,
                      {"kappa": 10.0, "rho": 1.0, "rho_scope": "free", "reg": 1e-2}))
    out: dict = {"load_before": load(), "cases": []}
    for name, X, bags, neg, nl, kw in cases:
        problem = build_problem(X.shape[0], nl, bags, background=neg, alpha=1, kappa=kw.get("kappa"),
                                rho=kw.get("rho", 0.0), rho_scope=kw.get("rho_scope", "free"))
        row = {"case": name, "n": X.shape[0], "d": X.shape[1], "L": nl, "lp_rows": lp_rows(problem),
               "exact_cost": exact_cost(X.shape[0], X.shape[1], nl, int((~known_rows(problem)).sum())), "runs": {}}
        fits = {}
        for solver in ("exact", "pg"):
            t = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fits[solver] = m = DiscriminativeClustering(nl, solver=solver, tol=1e-5, max_iter=5000, **kw).fit(
                    X, bags, background=neg)
            row["runs"][solver] = {"wall_s": time.perf_counter() - t, "converged": bool(m.converged_),
                                   "iterations": int(m.n_iter_), "rel_gap": float(m.gap_history_[-1]),
                                   "objective": m.objective_ + (kw.get("kappa") or 0.0) * float(m.slack_ @ m.slack_)}
        row["max_abs_dZ"] = float(np.abs(fits["exact"].Z_ - fits["pg"].Z_).max())
        row["load"] = load()
        out["cases"].append(row)
        print(json.dumps(row, default=str), flush=True)
    out["load_after"] = load()
    return out


def dense(repeats: int = 3, seed: int = 1) -> dict:
    """DAQP against Clarabel on the exact path's Z form, same problems, best of `repeats` each."""
    import warnings

    from solvers.exact import DENSE_MAX_VARIABLES, solve_exact
    from solvers.frank_wolfe import duality_gap

    out: dict = {"dense_max_variables": DENSE_MAX_VARIABLES, "seed": seed, "load_before": load(), "runs": []}
    for n, n_labels, kappa in [(20, 5, 10.0), (40, 5, 10.0), (30, 10, None), (60, 5, 10.0), (50, 10, None),
                               (60, 10, None), (70, 10, None), (100, 10, None), (150, 10, 10.0)]:
        P = make_planted(n, n_labels, D, random_state=seed, overlapping=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # small planted problems leave some labels in no bag
            problem = build_problem(n, n_labels, P.bags, background=P.negatives, kappa=kappa)
        obj = ExplicitObjective(P.X[problem.order], REG)
        row: dict = {"n": n, "L": n_labels, "kappa": kappa, "variables": n * n_labels + problem.n_slack}
        for method in ("daqp", "faer"):
            times = []
            for _ in range(repeats):
                t = time.perf_counter()
                r = solve_exact(obj.rows.X, REG, problem, method=method)
                times.append(time.perf_counter() - t)
            F = obj.value(r.Z) + (kappa or 0.0) * float(r.xi @ r.xi)
            row[method] = {"best_of_s": min(times), "objective": F, "iterations": r.iterations,
                           "gap": duality_gap(obj, problem, r.Z, r.xi)}
        row["clarabel_over_daqp"] = row["faer"]["best_of_s"] / row["daqp"]["best_of_s"]
        print(json.dumps(row), flush=True)
        out["runs"].append(row)
    out["load_after"] = load()
    return out


def toy_solves(repeats: int = 10) -> dict:
    """The bundled toy movie's persons and actions solves: exact path vs cvxpy/Clarabel, same bags,
    interleaved, best of `repeats` (wall and process CPU time: the CPU time is less sensitive to
    the other jobs of a shared machine)."""
    import warnings

    from scriptalign.assign import PERSON_RHO, assign
    from scriptalign.pipeline import prepare_movie
    from scriptalign.toy import default_toy_dir
    from solvers.estimator import DiscriminativeClustering

    toy = default_toy_dir()
    with tempfile.TemporaryDirectory() as tmp:
        m = prepare_movie(toy / "movie.mp4", toy / "movie.srt", toy / "script.txt", tmp, device="cpu")
        res = assign(m.spans, m.face_descriptors, m.motion_descriptors, m.bags, n_alternations=0)
    from scriptalign.assign import standardize

    Xf, Xm = standardize(m.face_descriptors), standardize(m.motion_descriptors)
    n_p, n_a = len(res.names) + 1, len(res.actions) + 1
    action_bags = [b for b in res.action_bags]
    out: dict = {"n_tracks": len(m.spans), "load_before": load()}
    runs: dict = {solver: {"times_s": [], "cpu_s": []} for solver in ("exact", "cvxpy")}
    for _ in range(repeats):
        for solver in ("exact", "cvxpy"):
            t, c = time.perf_counter(), time.process_time()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                p = DiscriminativeClustering(n_p, solver=solver, kappa=10.0, rho=PERSON_RHO, rho_scope="all").fit(
                    Xf, list(res.person_bags))
                a = DiscriminativeClustering(n_a, solver=solver, kappa=10.0, rho=1.0).fit(Xm, action_bags)
            runs[solver]["times_s"].append(time.perf_counter() - t)
            runs[solver]["cpu_s"].append(time.process_time() - c)
            runs[solver]["objectives"] = [p.objective_, a.objective_]
            runs[solver]["with_slack_penalty"] = [p.objective_ + 10.0 * float(p.slack_ @ p.slack_),
                                                  a.objective_ + 10.0 * float(a.slack_ @ a.slack_)]
            runs[solver]["converged"] = [bool(p.converged_), bool(a.converged_)]
            runs[solver]["rel_gaps"] = [p.gap_history_[-1], a.gap_history_[-1]]
    for solver, r in runs.items():
        out[solver] = {"best_of_s": min(r["times_s"]), "best_cpu_s": min(r["cpu_s"]), **r}
    out["speedup_cpu_exact_vs_cvxpy_clarabel"] = out["cvxpy"]["best_cpu_s"] / out["exact"]["best_cpu_s"]
    out["speedup_exact_vs_cvxpy_clarabel"] = out["cvxpy"]["best_of_s"] / out["exact"]["best_of_s"]
    out["load_after"] = load()
    print(json.dumps(out, indent=1), flush=True)
    return out


def background(toys_dir: Path, tune: list[int], score: list[int], rhos: list[float]) -> dict:
    """Per-movie solves of toy movies for each rho; movies are generated and prepared into toys_dir
    (kept, so a re-run reuses them)."""
    import warnings

    from scriptalign.assign import PERSON_RHO, assign, only_track_baseline
    from scriptalign.evaluation import evaluate_assignment
    from scriptalign.pipeline import load_prepared, prepare_movie, read_truth
    from scriptalign.toy import default_toy_dir, generate_toy

    out: dict = {"tune_seeds": tune, "score_seeds": score, "rhos": rhos, "chosen": PERSON_RHO, "runs": [],
                 "load_before": load()}
    for seed in tune + score:
        d = toys_dir / f"seed{seed}"
        if not (d / "out" / "tracks.json").exists():
            if seed == 0:
                import shutil

                shutil.copytree(default_toy_dir(), d, dirs_exist_ok=True)
            else:
                generate_toy(d, seed=seed)
            prepare_movie(d / "movie.mp4", d / "movie.srt", d / "script.txt", d / "out", cache_dir=toys_dir / "cache",
                          device="cpu")
        m, truth = load_prepared(d / "out"), read_truth(d / "truth.json")
        named = {c["name"] for c in truth["characters"]}
        for rho in (rhos if seed in tune else [0.0, PERSON_RHO]):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t = time.perf_counter()
                r = assign(m.spans, m.face_descriptors, m.motion_descriptors, m.bags, person_rho=rho)
                wall = time.perf_counter() - t
            ev = evaluate_assignment(r.rows(), m.tracks, truth, only_track_baseline(m.spans, m.bags))
            extras = [i for i, w in enumerate(ev.identities) if w is not None and w not in named]
            run = {"seed": seed, "set": "tune" if seed in tune else "score", "rho": rho, "n_tracks": len(m.spans),
                   "n_extra_tracks": len(extras),
                   "extras_nameless": sum(r.track_names[i] is None for i in extras) / max(len(extras), 1),
                   "solve_s": wall, "converged": r.converged, "load": load(),
                   **{k: ev.scores[k] for k in ("naming_accuracy", "naming_accuracy_all_tracks", "naming_ap_all_tracks",
                                                "background_precision", "background_recall", "action_map")}}
            out["runs"].append(run)
            print(json.dumps(run, default=str), flush=True)
    out["load_after"] = load()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("parts", nargs="*", default=["speed", "bcfw"])
    ap.add_argument("--sizes", nargs="*", type=int, default=[500, 2000, 5000])
    ap.add_argument("--cvxpy-limit", type=float, default=300.0)
    ap.add_argument("--fw-limit", type=float, default=300.0)
    ap.add_argument("--overlap-sizes", nargs="*", type=int, default=[2000, 5000, 20000])
    ap.add_argument("--cvxpy-max-n", type=int, default=5000, help="overlap sizes above this run without cvxpy")
    ap.add_argument("--overlap-seed", type=int, default=0, help="the planted problems' seed (0: the one the projected "
                    "gradient's settings were tried on)")
    ap.add_argument("--sweep-n", type=int, default=2000)
    ap.add_argument("--window-prep", default=None, help="crossover: a prepared hard-toy run (its prep folder)")
    ap.add_argument("--toys-dir", default=None, help="where the background part keeps its toy movies")
    ap.add_argument("--bcfw-n", type=int, default=200_000)
    ap.add_argument("--bcfw-blocks", type=int, default=60)
    ap.add_argument("--bcfw-device", default="numpy")
    ap.add_argument("--bcfw-limit", type=float, default=900.0)
    ap.add_argument("--bcfw-overlapping", action="store_true", help="the bags a script makes (see overlap)")
    ap.add_argument("--bcfw-solver", default="bcfw", choices=["bcfw", "pg"])
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args()
    path = Path(args.out)
    results = json.loads(path.read_text()) if path.exists() else {}
    results["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    if "speed" in args.parts:
        results["speed"] = {str(n): speed(n, args.cvxpy_limit) for n in args.sizes}
    if "overlap" in args.parts:
        key = "overlap" if args.overlap_seed == 0 else f"overlap_seed{args.overlap_seed}"
        results[key] = {str(n): overlap(n, args.cvxpy_limit, args.fw_limit, seed=args.overlap_seed,
                                        with_cvxpy=n <= args.cvxpy_max_n) for n in args.overlap_sizes}
    if "sweep" in args.parts:
        results["sweep"] = sweep(args.sweep_n, args.cvxpy_limit, args.fw_limit)
    if "background" in args.parts:
        toys = Path(args.toys_dir) if args.toys_dir else Path(tempfile.mkdtemp(prefix="toys"))
        results["background"] = background(toys, [10, 11, 12], [0, 1, 2], [0.0, 0.05, 0.1, 0.15, 0.2, 0.25])
    if "crossover" in args.parts:
        results["crossover"] = crossover(args.window_prep)
    if "dense" in args.parts:
        results["dense"] = dense()
    if "toy" in args.parts:
        results["toy"] = toy_solves()
    if "oracle_models" in args.parts:
        results["oracle_models"] = oracle_models()
    if "bcfw" in args.parts:
        key = f"bcfw_{args.bcfw_device}" + ("_overlapping" if args.bcfw_overlapping else "") + (
            "" if args.bcfw_solver == "bcfw" else f"_{args.bcfw_solver}")
        results[key] = bcfw_bench(args.bcfw_n, args.bcfw_blocks, args.bcfw_device, args.bcfw_limit,
                                  args.bcfw_overlapping, args.bcfw_solver)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as f:
        json.dump(results, f, indent=1, default=str)
    os.replace(f.name, path)


if __name__ == "__main__":
    main()
