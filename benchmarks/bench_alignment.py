"""Alignment quality on ../shared/data (TV speakers, film timing) and speed, against a difflib baseline.

Run: ``python benchmarks/bench_alignment.py [--data ../shared/data]``; it writes
``benchmarks/results/alignment.json`` (``--out`` to change).
The baseline is the obvious one: difflib.SequenceMatcher on the two word streams, times from matched
words, a majority vote of matched words per subtitle line, the same min_score rule.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import platform
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dataclasses import replace

from scriptalign.alignment import ConfidenceModel, MatchOptions, align, align_candidates, candidates
from scriptalign.screenplay.elements import ElementKind
from scriptalign.subtitles import read_subtitles
from scriptalign.words import words

TV_EPISODES = [f"bbt_s01e0{k}" for k in range(1, 7)]
FILMS = ["chinatown", "mission_impossible"]
_NO_NAME = {None, "", "unknown", "ignore"}


def _read_script(path: Path):
    from scriptalign.screenplay import read_script

    return read_script(path)


# --- a baseline: difflib word matcher, majority vote ---------------------------------------------------


#: The baseline's rule, fixed (not tuned): an element with at least this fraction of its words matched.
BASELINE_MIN_SCORE = 0.4


def difflib_align(subs, script, min_score: float = BASELINE_MIN_SCORE):
    """Per dialogue element position: (start, end, interpolated); per (cue position, line): speaker."""
    cues = subs.cues
    order = sorted(range(len(cues)), key=lambda k: (cues[k].start, k))
    s_words, s_owner = [], []
    for k in order:
        for li, cl in enumerate(cues[k].lines):
            for w in words(cl.text):
                s_words.append(w)
                s_owner.append((k, li))
    t_words, t_elem = [], []
    n_words = Counter()
    for p, el in enumerate(script.elements):
        if el.kind is ElementKind.DIALOGUE:
            for w in words(el.text):
                t_words.append(w)
                t_elem.append(p)
                n_words[p] += 1
    sm = difflib.SequenceMatcher(None, s_words, t_words, autojunk=False)
    by_elem = defaultdict(list)
    line_votes = defaultdict(Counter)
    for a, b, size in sm.get_matching_blocks():
        for d in range(size):
            by_elem[t_elem[b + d]].append(a + d)
            line_votes[s_owner[a + d]][t_elem[b + d]] += 1
    elems = {}
    for p, n in n_words.items():
        got = by_elem.get(p, [])
        if got and len(got) / n >= min_score:
            ks = {s_owner[i][0] for i in got}
            elems[p] = (min(cues[k].start for k in ks), max(cues[k].end for k in ks), False)
        else:
            elems[p] = (None, None, True)
    speakers = {key: script.elements[v.most_common(1)[0][0]].speaker for key, v in line_votes.items()}
    return elems, speakers


def _ours(subs, script, model=None, options=None, cands=None):
    import warnings

    from scriptalign.errors import InputError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if cands is not None:
                al = align_candidates(cands, subs, script, model=model)
            else:
                al = align(subs, script, model=model, options=options or MatchOptions())
    except InputError:
        return {}, {}
    elems = {p: (a.start, a.end, a.interpolated) for p, a in enumerate(al.elements)}
    speakers = {}
    for k, lines in enumerate(al.lines):
        for li, ln in enumerate(lines):
            speakers[(k, li)] = ln.speaker
    return elems, speakers


# --- TV: speaker of each subtitle line ------------------------------------------------------------------


def eval_tv(data: Path, method: Callable) -> dict:
    per = {}
    tot = Counter()
    for ep in TV_EPISODES:
        subs = read_subtitles(data / "tv" / f"{ep}.srt")
        script = _read_script(data / "tv" / f"{ep}.transcript.txt")
        _, speakers = method(subs, script)
        truth = [json.loads(line) for line in (data / "tv" / f"{ep}.truth.jsonl").read_text().splitlines()]
        c = _score_tv({"subs": subs, "truth": truth}, speakers)
        tot.update(c)
        per[ep] = _tv_summary(c)
    return {"episodes": per, "all": _tv_summary(tot)}


def _tv_summary(c: Counter) -> dict:
    return {
        "transcript_speaker_accuracy": round(c["transcript_ok"] / c["transcript_n"], 4)
        if c["transcript_n"]
        else None,
        "gt_speaker_accuracy": round(c["gt_ok"] / c["gt_n"], 4) if c["gt_n"] else None,
        "lines_with_transcript_speaker": c["transcript_n"],
        "lines_with_gt_speaker": c["gt_n"],
    }


# --- Films: timing of hand-labelled dialogue blocks ----------------------------------------------------


def block_elements(script, block_line: int) -> list[int]:
    """Positions of the dialogue elements of the block whose character cue is at ``block_line``."""
    els = script.elements
    for p, el in enumerate(els):
        if el.kind is ElementKind.CHARACTER and el.line_start <= block_line <= el.line_end:
            out = []
            for q in range(p + 1, len(els)):
                if els[q].kind is ElementKind.DIALOGUE:
                    out.append(q)
                elif els[q].kind is not ElementKind.PARENTHETICAL:
                    break
            return out
    return []


def eval_films(data: Path, method: Callable) -> dict:
    truth = defaultdict(list)
    for row in map(json.loads, (data / "films" / "alignment_truth.jsonl").read_text().splitlines()):
        truth[row["film"]].append(row)
    per = {}
    tot = Counter()
    failures = []
    for film in FILMS:
        subs = read_subtitles(data / "films" / f"{film}.srt")
        script = _read_script(data / "films" / f"{film}.txt")
        elems, _ = method(subs, script)
        c = Counter()
        for row in truth[film]:
            ps = block_elements(script, row["block_line"])
            timed = [elems[p] for p in ps if p in elems and not elems[p][2]]
            if not ps:
                c["no_block_found"] += 1
            if row["status"] == "matched":
                c["matched_n"] += 1
                ok = any(s is not None and s <= row["end"] and e >= row["start"] for s, e, _ in timed)
                c["matched_ok"] += ok
                if not ok:
                    failures.append(
                        {
                            "film": film,
                            "block_line": row["block_line"],
                            "status": "matched",
                            "got": [(round(s, 2), round(e, 2)) for s, e, _ in timed],
                            "truth": [row["start"], row["end"]],
                        }
                    )
            elif row["status"] == "absent":
                c["absent_n"] += 1
                ok = bool(ps) and not timed
                c["absent_ok"] += ok
                if not ok:
                    failures.append(
                        {
                            "film": film,
                            "block_line": row["block_line"],
                            "status": "absent",
                            "got": [(round(s, 2), round(e, 2)) for s, e, _ in timed],
                        }
                    )
        tot.update(c)
        per[film] = _film_summary(c)
    return {"films": per, "all": _film_summary(tot), "failures": failures}


def _film_summary(c: Counter) -> dict:
    return {
        "matched_timed_right": round(c["matched_ok"] / c["matched_n"], 4) if c["matched_n"] else None,
        "absent_interpolated": round(c["absent_ok"] / c["absent_n"], 4) if c["absent_n"] else None,
        "matched_blocks": c["matched_n"],
        "absent_blocks": c["absent_n"],
        "blocks_not_found_in_script": c["no_block_found"],
    }


# --- Leave-one-out: fit the confidence on the other films and episodes, score the held-out one --------


def _units(data: Path) -> list[dict]:
    """Every film and episode: its subtitles, script and labels (hand-checked blocks, transcript speakers)."""
    truth = defaultdict(list)
    for row in map(json.loads, (data / "films" / "alignment_truth.jsonl").read_text().splitlines()):
        truth[row["film"]].append(row)
    units = []
    for film in FILMS:
        units.append(
            {
                "name": film,
                "kind": "film",
                "subs": read_subtitles(data / "films" / f"{film}.srt"),
                "script": _read_script(data / "films" / f"{film}.txt"),
                "truth": truth[film],
            }
        )
    for ep in TV_EPISODES:
        rows = list(map(json.loads, (data / "tv" / f"{ep}.truth.jsonl").read_text().splitlines()))
        units.append(
            {
                "name": ep,
                "kind": "tv",
                "subs": read_subtitles(data / "tv" / f"{ep}.srt"),
                "script": _read_script(data / "tv" / f"{ep}.transcript.txt"),
                "truth": rows,
            }
        )
    return units


def _labelled(unit: dict, c) -> tuple[list[tuple[float, ...]], list[int]]:
    """Features and 0/1 labels of the candidates the unit's truth can judge."""
    X, y = [], []
    cues = unit["subs"].cues
    w = c.streams

    def interval(p):
        ks = {w.s_cue[i] for i in c.occurrence[p]}
        return min(cues[k].start for k in ks), max(cues[k].end for k in ks)

    if unit["kind"] == "film":
        for row in unit["truth"]:
            if row["status"] not in ("matched", "absent"):
                continue
            for p in block_elements(unit["script"], row["block_line"]):
                if p not in c.occurrence:
                    continue
                s, e = interval(p)
                ok = row["status"] == "matched" and s <= row["end"] and e >= row["start"]
                X.append(c.features[p])
                y.append(int(ok))
    else:
        pos_of = {cu.index: k for k, cu in enumerate(cues)}
        speaker_of = {}
        for row in unit["truth"]:
            ts = (row["transcript_speaker"] or "").lower()
            if ts not in _NO_NAME and row["cue"] in pos_of:
                speaker_of[(pos_of[row["cue"]], row["line"] - 1)] = ts
        for p, subs in c.occurrence.items():
            said = [speaker_of.get(w.s_line[i]) for i in subs]
            said = [x for x in said if x]
            if not said:
                continue
            me = (unit["script"].elements[p].speaker or "").lower()
            X.append(c.features[p])
            y.append(int(sum(x == me for x in said) * 2 > len(said)))
    return X, y


def _fit(X, y, films_for_threshold, options) -> "ConfidenceModel":
    """A logistic model on standardised features; its threshold the one that best serves the training
    films' blocks (matched timed right + absent interpolated), the nearest to 0.5 on a tie."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=1.0, max_iter=2000).fit((X - mean) / scale, y)
    model = ConfidenceModel(
        tuple(float(v) for v in lr.coef_[0]), float(lr.intercept_[0]), tuple(map(float, mean)),
        tuple(map(float, scale)), 0.5,
    )
    best = None
    for t in [round(0.1 * k, 1) for k in range(1, 10)]:
        m = replace(model, threshold=t)
        got = [eval_film_unit(u, m, options) for u in films_for_threshold]
        rate = sum((g["matched_timed_right"] or 0) + (g["absent_interpolated"] or 0) for g in got)
        key = (rate, -abs(t - 0.5))
        if best is None or key > best[0]:
            best = (key, t)
    if best is None:
        return model, 0.0
    return replace(model, threshold=best[1]), best[0][0]


def eval_film_unit(unit: dict, model, options) -> dict:
    elems, _ = _ours(unit["subs"], unit["script"], model=model, options=options, cands=unit.get("_cands"))
    return _score_film(unit, elems)


def _score_film(unit: dict, elems: dict) -> dict:
    c = Counter()
    for row in unit["truth"]:
        ps = block_elements(unit["script"], row["block_line"])
        timed = [elems[p] for p in ps if p in elems and not elems[p][2]]
        if row["status"] == "matched":
            c["matched_n"] += 1
            c["matched_ok"] += any(s is not None and s <= row["end"] and e >= row["start"] for s, e, _ in timed)
        elif row["status"] == "absent":
            c["absent_n"] += 1
            c["absent_ok"] += bool(ps) and not timed
    return _film_summary(c)


def _score_tv(unit: dict, speakers: dict) -> Counter:
    pos_of = {cu.index: k for k, cu in enumerate(unit["subs"].cues)}
    c = Counter()
    for row in unit["truth"]:
        k = pos_of.get(row["cue"])
        got = speakers.get((k, row["line"] - 1)) if k is not None else None
        got = got.lower() if got else None
        ts, gs = row["transcript_speaker"], row["gt_speaker"]
        if (ts or "").lower() not in _NO_NAME:
            c["transcript_n"] += 1
            c["transcript_ok"] += got == ts.lower()
        if (gs or "").lower() not in _NO_NAME:
            c["gt_n"] += 1
            c["gt_ok"] += got == gs.lower()
    return c


#: The grid the leave-one-out picks the rescue window from, per fold (ties: the wider window).
RESCUE_SLACKS = (0, 30, 60, 90)


def leave_one_out(units: list[dict], options=None, *, curve: bool = False, slacks=RESCUE_SLACKS) -> dict:
    """Per unit, the score of the model (weights, threshold, rescue window) fitted on all the other units,
    never on its own data."""
    base = options or MatchOptions()
    grid = [replace(base, rescue_slack=k) for k in slacks] if base.anchored else [base]
    per_opt = []
    for opt in grid:
        cands = {u["name"]: candidates(u["subs"], u["script"], opt) for u in units}
        labelled = {u["name"]: _labelled(u, cands[u["name"]]) for u in units}
        negatives = _negatives(units, opt)
        per_opt.append((opt, cands, labelled, negatives))
    out: dict = {"films": {}, "tv": {}, "models": {}}
    folds: dict = {}
    tv_total = Counter()
    held_conf: list[tuple[float, int]] = []
    for u in units:
        train = [v for v in units if v["name"] != u["name"]]
        names = {v["name"] for v in train}
        train_films = [v for v in train if v["kind"] == "film"]
        best = None
        for opt, cands, labelled, negatives in per_opt:
            for v in units:
                v["_cands"] = cands[v["name"]]
            X, y = [], []
            for v in train:
                X += labelled[v["name"]][0]
                y += labelled[v["name"]][1]
            for (a, b), feats in negatives.items():
                if a in names and b in names:
                    X += feats
                    y += [0] * len(feats)
            model, rate = _fit(X, y, train_films, opt)
            key = (rate, opt.rescue_slack)
            if best is None or key > best[0]:
                best = (key, opt, model, cands, labelled, len(y))
        _, opt, model, cands, labelled, n_train = best
        best_negatives = next(neg for o, _, _, neg in per_opt if o == opt)
        out["models"][u["name"]] = {
            "threshold": model.threshold, "rescue_slack": opt.rescue_slack, "train_candidates": n_train
        }
        folds[u["name"]] = (model, opt, cands)  # for the semantic pass's leave-one-out (not written out)
        held_conf += [(model(f), lab) for f, lab in zip(*labelled[u["name"]])]
        # its subtitles against other scripts: wrong placements this fold never trained on
        held_conf += [(model(f), 0) for (a, _), feats in best_negatives.items() if a == u["name"] for f in feats]
        u["_cands"] = cands[u["name"]]
        if u["kind"] == "film":
            out["films"][u["name"]] = eval_film_unit(u, model, opt)
        else:
            _, speakers = _ours(u["subs"], u["script"], model=model, cands=u["_cands"])
            c = _score_tv(u, speakers)
            tv_total.update(c)
            out["tv"][u["name"]] = _tv_summary(c)
    out["tv_all"] = _tv_summary(tv_total)
    out["_folds"] = folds
    if curve:
        out["reliability"] = _reliability(held_conf)
    return out


def _negatives(units: list[dict], opt) -> dict:
    """Each unit's subtitles against the script of another film or show: every placement there is wrong."""
    films = [u for u in units if u["kind"] == "film"]
    tv = [u for u in units if u["kind"] == "tv"]
    negatives = {}
    for u in units:
        for v in (tv[:2] if u["kind"] == "film" else films):
            cn = candidates(u["subs"], v["script"], opt)
            negatives[(u["name"], v["name"])] = [cn.features[p] for p in cn.occurrence]
    return negatives


def _reliability(pairs: list[tuple[float, int]], bins: int = 10) -> dict:
    """Held-out confidence against the share of right placements, per confidence bin, and the precision
    of "trusted at threshold t" for a few t."""
    rows = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        got = [(c, y) for c, y in pairs if lo <= c < hi or (b == bins - 1 and c == 1.0)]
        if got:
            rows.append(
                {"bin": [lo, hi], "n": len(got), "mean_confidence": round(sum(c for c, _ in got) / len(got), 4),
                 "share_right": round(sum(y for _, y in got) / len(got), 4)}
            )
    precision = {}
    for t in (0.3, 0.5, 0.7, 0.9):
        kept = [y for c, y in pairs if c >= t]
        precision[str(t)] = {"kept": len(kept), "precision": round(sum(kept) / len(kept), 4) if kept else None}
    return {"bins": rows, "precision_at_threshold": precision, "n": len(pairs)}


def fit_all(units: list[dict], options=None, slacks=RESCUE_SLACKS) -> tuple["ConfidenceModel", MatchOptions]:
    """The shipped model and rescue window: fitted on every unit (never reported as a score)."""
    base = options or MatchOptions()
    films = [u for u in units if u["kind"] == "film"]
    best = None
    for opt in [replace(base, rescue_slack=k) for k in slacks]:
        X, y = [], []
        for u in units:
            c = u["_cands"] = candidates(u["subs"], u["script"], opt)
            a, b = _labelled(u, c)
            X += a
            y += b
        for feats in _negatives(units, opt).values():
            X += feats
            y += [0] * len(feats)
        model, rate = _fit(X, y, films, opt)
        if best is None or (rate, opt.rescue_slack) > best[0]:
            best = ((rate, opt.rescue_slack), model, opt)
    return best[1], best[2]


# --- The semantic pass, leave-one-out ---------------------------------------------------------------


#: The thresholds of cosine similarity the leave-one-out chooses from (None: the pass off).
SEMANTIC_THRESHOLDS = (None, 0.5, 0.6, 0.7, 0.8)


def _cached(encode):
    """``encode`` with each text embedded once (the threshold grid re-uses the same sentences)."""
    import numpy as np

    memo: dict = {}

    def run(texts):
        new = [t for t in dict.fromkeys(texts) if t not in memo]
        if new:
            memo.update(zip(new, encode(new)))
        return np.stack([memo[t] for t in texts])

    return run


def _unit_score(u: dict, model, cands, threshold, encode) -> dict:
    """A unit's figures with the semantic pass at ``threshold`` (None: off), its candidates given."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        al = align_candidates(cands, u["subs"], u["script"], model=model, semantic=threshold, encode=encode)
    placed = sum(1 for a in al.elements if a.similarity is not None)
    if u["kind"] == "film":
        got = _score_film(u, {p: (a.start, a.end, a.interpolated) for p, a in enumerate(al.elements)})
        rate = (got["matched_timed_right"] or 0) + (got["absent_interpolated"] or 0)
    else:
        speakers = {(k, li): ln.speaker for k, lines in enumerate(al.lines) for li, ln in enumerate(lines)}
        c = _score_tv(u, speakers)
        got = _tv_summary(c)
        got["counts"] = dict(c)
        rate = got["transcript_speaker_accuracy"] or 0
    return {"score": got, "rate": rate, "placed_by_meaning": placed}


def eval_semantic(units: list[dict], folds: dict, encode, thresholds=SEMANTIC_THRESHOLDS) -> dict:
    """Per held-out unit: the threshold chosen on the other units (sum of their film block rates and TV
    speaker accuracies; ties: the pass off, then the higher threshold), its score there and with the pass
    off. ``folds``: per unit, the model, options and candidates of its fold (from :func:`leave_one_out`)."""
    encode = _cached(encode)
    table = {}  # (fold, unit, threshold) -> result
    for u in units:
        model, _, cands = folds[u["name"]]
        for v in units:
            for t in thresholds:
                table[(u["name"], v["name"], t)] = _unit_score(v, model, cands[v["name"]], t, encode)
    out = {}
    tv_off, tv_on = Counter(), Counter()
    for u in units:
        train = [v["name"] for v in units if v["name"] != u["name"]]

        def key(t):
            return (sum(table[(u["name"], v, t)]["rate"] for v in train), t is None, t or 0.0)

        chosen = max(thresholds, key=key)

        def placed(t):
            return table[(u["name"], u["name"], t)]["placed_by_meaning"]

        def figures(t):
            return {k: v for k, v in table[(u["name"], u["name"], t)]["score"].items() if k != "counts"}

        out[u["name"]] = {
            "chosen_threshold": chosen,
            "held_out_off": figures(None),
            "held_out_on": figures(chosen),
            "placed_by_meaning": placed(chosen),
            "per_threshold_held_out": {
                str(t): {**figures(t), "placed_by_meaning": placed(t)}
                for t in thresholds
            },
        }
        if u["kind"] == "tv":
            tv_off.update(table[(u["name"], u["name"], None)]["score"]["counts"])
            tv_on.update(table[(u["name"], u["name"], chosen)]["score"]["counts"])
    return {"units": out, "tv_all_off": _tv_summary(tv_off), "tv_all_on": _tv_summary(tv_on)}


def eval_semantic_speed(data: Path, encode, repeat: int = 3) -> dict:
    """The semantic pass timed apart: align chinatown with and without it (model loaded, no cache),
    best of ``repeat``; and the model's load time."""
    import warnings

    subs = read_subtitles(data / "films" / "chinatown.srt")
    script = _read_script(data / "films" / "chinatown.txt")

    def run(on):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return align(subs, script, semantic=on, encode=encode if on else None)

    out = {"load_average_before": [round(x, 2) for x in os.getloadavg()]}
    out["align_s"] = round(_best(lambda: run(False), repeat), 3)
    out["align_with_semantic_s"] = round(_best(lambda: run(True), repeat), 3)
    out["semantic_pass_s"] = round(out["align_with_semantic_s"] - out["align_s"], 3)
    out["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return out


# --- Other movie: subtitles of one film against the other's script -------------------------------------


def eval_other_movie(data: Path) -> dict:
    """Subtitles against the other film's script: how much the shipped model trusts there (all wrong)."""
    import warnings

    from scriptalign.errors import InputError

    out = {}
    pairs = [(FILMS[0], FILMS[1]), (FILMS[1], FILMS[0])] + [(f, f) for f in FILMS]
    for a, b in pairs:
        subs = read_subtitles(data / "films" / f"{a}.srt")
        script = _read_script(data / "films" / f"{b}.txt")
        key = f"{a}_own" if a == b else f"{a}_subs_vs_{b}_script"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                st = align(subs, script).stats()
            out[key] = {k: st[k] for k in ("coverage", "dialogue_coverage", "mean_score")}
        except InputError as err:
            out[key] = {"refused": str(err).split(": ", 1)[-1]}
    return out


# --- Speed ----------------------------------------------------------------------------------------------


def _times(fn: Callable, repeat: int, clock: Callable[[], float] = time.perf_counter) -> list[float]:
    """``repeat`` timings of ``fn``, sorted."""
    out = []
    for _ in range(repeat):
        t = clock()
        fn()
        out.append(clock() - t)
    return sorted(out)


def _best(fn: Callable, repeat: int, clock: Callable[[], float] = time.perf_counter) -> float:
    return _times(fn, repeat, clock)[0]


def _median(xs: list[float]) -> float:
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def _children_cpu() -> float:
    """User + system CPU time of the finished child processes."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def eval_speed(data: Path, repeat: int = 15) -> dict:
    """Best and median times, wall clock and CPU time of this process (the CPU is shared, so CPU time
    is the steadier figure); difflib is timed on the same two word streams, alternating with align.

    The pipeline is: read the subtitles, read the script, align (times transferred to every element and
    speakers to every subtitle line); ``pipeline_with_to_json_s`` adds building the JSON document."""
    srt = data / "films" / "chinatown.srt"
    txt = data / "films" / "chinatown.txt"
    subs = read_subtitles(srt)
    script = _read_script(txt)
    s_words = [w for c in subs.cues for cl in c.lines for w in words(cl.text)]
    t_words = [w for el in script.elements if el.kind is ElementKind.DIALOGUE for w in words(el.text)]

    def pipeline():
        align(read_subtitles(srt), _read_script(txt))

    def pipeline_json():
        align(read_subtitles(srt), _read_script(txt)).to_json()

    def difflib_match():
        difflib.SequenceMatcher(None, s_words, t_words, autojunk=False).get_matching_blocks()

    # matcher against matcher on one pair of streams: the canonical token ids both sides (what align matches)
    from scriptalign.alignment import _match

    w = candidates(subs, script).streams

    def ours_ids():
        _match(w.s_ids, w.t_ids, w.idf)

    def difflib_ids():
        difflib.SequenceMatcher(None, w.s_ids, w.t_ids, autojunk=False).get_matching_blocks()

    out: dict = {
        "film": "chinatown",
        "cues": len(subs.cues),
        "script_bytes": txt.stat().st_size,
        "subtitle_words": len(s_words),
        "script_dialogue_words": len(t_words),
        "repeat": repeat,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    for name, clock in (("wall", time.perf_counter), ("cpu", time.process_time)):
        # align and difflib alternate, so that both see the same load
        t_align, t_difflib = [], []
        for _ in range(max(3, repeat // 3)):
            t_align += _times(lambda: align(subs, script), 3, clock)
            t_difflib += _times(difflib_match, 1, clock)
        t_align.sort()
        t_difflib.sort()
        t_ours_ids, t_difflib_ids = [], []
        for _ in range(3):
            t_ours_ids += _times(ours_ids, 3, clock)
            t_difflib_ids += _times(difflib_ids, 1, clock)
        t_ours_ids.sort()
        t_difflib_ids.sort()
        t_pipeline = _times(pipeline, repeat, clock)
        out[name] = {
            "pipeline_s": round(t_pipeline[0], 4),
            "pipeline_median_s": round(_median(t_pipeline), 4),
            "pipeline_with_to_json_s": round(_best(pipeline_json, repeat, clock), 4),
            "read_subtitles_s": round(_best(lambda: read_subtitles(srt), repeat, clock), 4),
            "read_script_s": round(_best(lambda: _read_script(txt), repeat, clock), 4),
            "align_s": round(t_align[0], 4),
            "align_median_s": round(_median(t_align), 4),
            "align_runs": len(t_align),
            "difflib_word_streams_s": round(t_difflib[0], 4),
            "difflib_word_streams_median_s": round(_median(t_difflib), 4),
            "difflib_runs": len(t_difflib),
            "difflib_over_align": round(t_difflib[0] / t_align[0], 1),
            "difflib_over_align_median": round(_median(t_difflib) / _median(t_align), 1),
            "difflib_over_pipeline": round(t_difflib[0] / t_pipeline[0], 1),
            "matcher_on_token_ids": {
                "tokens": [len(w.s_ids), len(w.t_ids)],
                "ours_s": round(t_ours_ids[0], 4),
                "difflib_s": round(t_difflib_ids[0], 4),
                "difflib_over_ours": round(t_difflib_ids[0] / t_ours_ids[0], 1),
                "difflib_over_ours_median": round(_median(t_difflib_ids) / _median(t_ours_ids), 1),
            },
        }
    # the package's bytecode compiled first, as pip leaves an installed package (this machine sets
    # PYTHONDONTWRITEBYTECODE, so a source tree would otherwise be compiled again in every process)
    import compileall

    compileall.compile_dir(str(ROOT / "scriptalign"), quiet=1)
    cli = [sys.executable, "-m", "scriptalign", "align", str(srt), str(txt), "-o", os.devnull]

    def run_cli():
        subprocess.run(cli, check=True, capture_output=True)

    wall = _times(run_cli, 7)
    out["cli_process_wall_s"] = round(wall[0], 3)
    out["cli_process_wall_median_s"] = round(_median(wall), 3)
    out["cli_process_cpu_s"] = round(_best(run_cli, 5, _children_cpu), 3)
    startup = [sys.executable, "-c", "pass"]
    out["python_startup_wall_s"] = round(_best(lambda: subprocess.run(startup, check=True), 5), 3)
    out["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return out


# --- Long inputs: a season-length pair -------------------------------------------------------------


_LONG_CHILD = r"""
import json, random, resource, sys, time
sys.path.insert(0, sys.argv[1])
from scriptalign.alignment import align
from scriptalign.cues import Cue, CueLine, Subtitles
from scriptalign.screenplay.elements import ElementKind as K, Script, ScriptElement
n_words = int(sys.argv[2])
rng = random.Random(7)
vocab = [f"w{k}" for k in range(6000)]
weights = [1.0 / (k + 1) for k in range(len(vocab))]  # Zipf: a few common words, many rare ones
lines, total = [], 0
while total < n_words:
    line = rng.choices(vocab, weights, k=rng.randint(3, 14))
    lines.append(line)
    total += len(line)
elements, cues, t = [], [], 0.0
for k, line in enumerate(lines):
    elements.append(ScriptElement(2 * k, K.CHARACTER, "A", 2 * k + 1, 2 * k + 1, speaker="a"))
    elements.append(ScriptElement(2 * k + 1, K.DIALOGUE, " ".join(line), 2 * k + 2, 2 * k + 2, speaker="a"))
    said = [w if rng.random() > 0.1 else rng.choice(vocab) for w in line if rng.random() > 0.1]
    if rng.random() < 0.1 or not said:  # a cut line
        continue
    cues.append(Cue(len(cues) + 1, t, t + 2.0, (CueLine(" ".join(said), " ".join(said), len(cues) + 1),), 1))
    t += 2.5
subs, script = Subtitles(tuple(cues)), Script(tuple(elements))
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
walls, cpus = [], []
for _ in range(5):
    t0, c0 = time.perf_counter(), time.process_time()
    al = align(subs, script)
    walls.append(time.perf_counter() - t0)
    cpus.append(time.process_time() - c0)
walls.sort(); cpus.sort()
best, best_cpu = walls[0], cpus[0]
rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
right = sum(1 for a in al.dialogue if not a.interpolated)
print(json.dumps({"script_words": total, "subtitle_words": sum(len(c.text.split()) for c in cues),
                  "align_s": round(best, 3), "align_cpu_s": round(best_cpu, 3),
                  "align_median_s": round(walls[2], 3), "align_cpu_median_s": round(cpus[2], 3),
                  "peak_rss_mb": round(rss1 / 1024, 1),
                  "rss_before_align_mb": round(rss0 / 1024, 1), "dialogue_trusted": right,
                  "dialogue": len(al.dialogue)}))
"""


def eval_long(n_words: int = 40_000) -> dict:
    """A season-length synthetic pair (about ``n_words`` x ``n_words``), aligned in a fresh process:
    best and median of five runs (wall and CPU time), and the process's peak resident memory."""
    out = subprocess.run(
        [sys.executable, "-c", _LONG_CHILD, str(ROOT), str(n_words)], capture_output=True, text=True, check=True
    )
    res = json.loads(out.stdout)
    res["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return res


def plot_reliability(rel: dict, path: Path) -> None:
    """The held-out reliability curve as a small PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bins = rel["bins"]
    fig, ax = plt.subplots(figsize=(4.2, 3.4), dpi=90)
    ax.plot([0, 1], [0, 1], color="0.7", lw=1, ls="--", label="perfect calibration")
    ax.plot([b["mean_confidence"] for b in bins], [b["share_right"] for b in bins], "o-", label="held-out")
    for b in bins:
        ax.annotate(str(b["n"]), (b["mean_confidence"], b["share_right"]), fontsize=7,
                    xytext=(3, -9), textcoords="offset points")
    ax.set_xlabel("confidence (bin mean)")
    ax.set_ylabel("share placed right")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.legend(loc="upper left", fontsize=7)
    ax.set_title("Alignment confidence, leave-one-out", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


#: Variants scored leave-one-out beside the full method: each part of the paraphrase tolerance and
#: the matcher (global LCS = today's LCS-plus-filters, with the same confidence).
VARIANTS = {
    "no_canonical_forms": {"canonical": False},
    "no_near_spelling": {"near_spelling": False},
    "with_lemmas": {"lemmas": True},
    "global_lcs": {"anchored": False},
    "no_rescue": {"rescue": False},
}


def _semantic_section(units: list[dict], folds: dict, data: Path) -> dict:
    """The semantic pass's leave-one-out and its time, or why it was not measured."""
    from scriptalign.errors import InputError
    from scriptalign.semantic import load_encoder

    try:
        t0 = time.perf_counter()
        encode = load_encoder("cpu")
        load_s = time.perf_counter() - t0
    except InputError as err:
        return {"not_measured": str(err)}
    t0 = time.perf_counter()
    out = eval_semantic(units, folds, encode)
    out["leave_one_out_seconds"] = round(time.perf_counter() - t0, 1)
    out["speed"] = eval_semantic_speed(data, encode)
    out["speed"]["model_load_s"] = round(load_s, 2)
    out["device"] = "cpu"
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "alignment.json")
    ap.add_argument("--plot", type=Path, default=ROOT / "docs" / "alignment_reliability.png")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-variants", action="store_true")
    ap.add_argument("--skip-semantic", action="store_true", help="do not score the semantic pass")
    ap.add_argument("--only-semantic", action="store_true", help="score the semantic pass only, into OUT")
    ap.add_argument("--fit", action="store_true", help="also fit the shipped model on every unit and print it")
    ap.add_argument("--only-speed", action="store_true", help="re-measure speed and long inputs into OUT")
    args = ap.parse_args(argv)
    if not args.data.is_dir():
        print(f"no evaluation data at {args.data}", file=sys.stderr)
        return 1
    if args.only_speed:
        result = json.loads(args.out.read_text())
        result["speed"] = eval_speed(args.data)
        result["long"] = eval_long()
        tmp = args.out.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(result, indent=2) + "\n")
        os.replace(tmp, args.out)
        print(json.dumps({"speed": result["speed"], "long": result["long"]}, indent=2))
        return 0
    units = _units(args.data)
    t0 = time.perf_counter()
    loo = leave_one_out(units, curve=True)
    folds = loo.pop("_folds")
    if args.only_semantic:
        result = json.loads(args.out.read_text())
        result["semantic"] = _semantic_section(units, folds, args.data)
        tmp = args.out.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(result, indent=2) + "\n")
        os.replace(tmp, args.out)
        print(json.dumps(result["semantic"], indent=1))
        return 0
    result = {
        "machine": {
            "python": platform.python_version(),
            "cpu": platform.processor() or platform.machine(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "protocol": "leave-one-out over 2 films and 6 episodes: each unit scored by the model (weights, "
        "threshold, rescue window) fitted on the other seven; difflib baseline untuned (min_score 0.4)",
        "held_out": loo,
        "held_out_seconds": round(time.perf_counter() - t0, 1),
        "difflib": {"tv": eval_tv(args.data, difflib_align), "films": eval_films(args.data, difflib_align)},
        "other_movie": eval_other_movie(args.data),
    }
    if not args.skip_variants:
        result["variants"] = {}
        for name, change in VARIANTS.items():
            opt = replace(MatchOptions(), **change)
            r = leave_one_out(units, opt, slacks=(MatchOptions().rescue_slack,))
            result["variants"][name] = {"films": r["films"], "tv_all": r["tv_all"]}
    if not args.skip_semantic:
        result["semantic"] = _semantic_section(units, folds, args.data)
    if not args.skip_speed:
        result["speed"] = eval_speed(args.data)
        result["long"] = eval_long()
    if args.fit:
        model, opt = fit_all(units)
        result["shipped_fit"] = {"model": repr(model), "options": repr(opt)}
        print(repr(model), repr(opt), file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    os.replace(tmp, args.out)
    plot_reliability(loo["reliability"], args.plot)
    summary = {
        "films_held_out": loo["films"],
        "tv_held_out": loo["tv_all"],
        "difflib_films": result["difflib"]["films"]["films"],
        "difflib_tv": result["difflib"]["tv"]["all"],
        "variants": result.get("variants"),
        "speed": result.get("speed"),
        "long": result.get("long"),
    }
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
