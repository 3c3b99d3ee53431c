"""Weak labels on toy movies: pair precision and recall against the truth, beside a naive baseline.

Run: ``python benchmarks/bench_labels.py [--seeds 0-8] [--out benchmarks/results/labels.json]``.

For each seed the toy movie's text files are generated (no video), aligned with the real aligner,
and turned into bags. A bag's pairs are compared with the truth's actions of named characters, keyed
by (person, action, script line). The baseline pairs every name found in the sentence with every
lexicon action found in it: no pronouns, no subjects, no negation. Also counted: truth actions whose
bag span overlaps the true interval, and the time of ``weak_labels`` beside the time of ``align``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scriptalign.alignment import align
from scriptalign.labels import (
    NameIndex,
    alias_sources,
    alignment_from_json,
    characters_of,
    learn_aliases,
    split_sentences,
    tokenize,
    weak_labels,
)
from scriptalign.lexicon import Lexicon, find_phrases
from scriptalign.screenplay import read_script
from scriptalign.subtitles import read_subtitles
from scriptalign.toy import generate_toy


def naive_pairs(doc: dict, lexicon: Lexicon) -> set[tuple[str, str, int]]:
    typed = alignment_from_json(doc).elements
    index = NameIndex(characters_of(typed))
    sentences, lowercase = alias_sources(typed)
    learn_aliases(sentences, index, lowercase)
    out = set()
    for e in doc["elements"]:
        if e["kind"] != "action":
            continue
        for s in split_sentences(e["text"]):
            tokens = tokenize(s)
            names = {m[1] for i in range(len(tokens)) if (m := index.match(tokens, i))}
            actions = {ph.action for _, _, ph in find_phrases(tokens, lexicon)}
            out |= {(n, a, e["line_start"]) for n in names for a in actions}
    return out


def prf(got: set, want: set) -> dict:
    tp = len(got & want)
    return {"true_positives": tp, "predicted": len(got), "truth": len(want),
            "precision": round(tp / len(got), 4) if got else 0.0, "recall": round(tp / len(want), 4) if want else 0.0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="0-8", help="range a-b of toy seeds")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "labels.json"))
    args = ap.parse_args()
    a, b = (int(x) for x in args.seeds.split("-"))
    lexicon = Lexicon.default()
    load_before = os.getloadavg()
    got_all, naive_all, want_all = set(), set(), set()
    overlap, n_actions, t_align, t_labels = 0, 0, 0.0, 0.0
    per_seed = {}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(a, b + 1):
            movie = generate_toy(Path(tmp) / str(seed), seed, video=False)
            truth = json.loads(movie.truth.read_text())
            subs, script = read_subtitles(movie.subtitles), read_script(movie.script)
            t = time.perf_counter()
            doc = align(subs, script).to_json()
            t_align += time.perf_counter() - t
            t = time.perf_counter()
            bags = weak_labels(doc, lexicon)
            t_labels += time.perf_counter() - t
            got = {(seed, p, act, bag.line_start) for bag in bags for p, act in bag.pairs}
            want = {(seed, x["actor"], x["action"], x["line_start"]) for x in truth["actions"] if x["named"]}
            naive = {(seed, *k) for k in naive_pairs(doc, lexicon)}
            spans = {bag.line_start: (bag.start, bag.end) for bag in bags if bag.actions}
            ok = sum(1 for x in truth["actions"] if x["line_start"] in spans
                     and spans[x["line_start"]][0] <= x["end"] and spans[x["line_start"]][1] >= x["start"])
            overlap += ok
            n_actions += len(truth["actions"])
            per_seed[seed] = {"pairs": prf(got, want), "naive": prf(naive, want), "span_overlaps": ok,
                              "actions": len(truth["actions"])}
            got_all |= got
            naive_all |= naive
            want_all |= want
    result = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()]},
        "seeds": [a, b],
        "weak_labels": prf(got_all, want_all),
        "naive_baseline": prf(naive_all, want_all),
        "span_overlap": {"overlapping": overlap, "actions": n_actions, "rate": round(overlap / n_actions, 4)},
        "time_s": {"align": round(t_align, 3), "weak_labels": round(t_labels, 3),
                   "labels_over_align": round(t_labels / t_align, 3)},
        "per_seed": per_seed,
    }
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "per_seed"}, indent=1))


if __name__ == "__main__":
    main()
