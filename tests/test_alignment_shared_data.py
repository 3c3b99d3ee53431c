"""Alignment quality floors on the real evaluation data (../shared/data); skipped when it is absent.

The evaluation itself lives in benchmarks/bench_alignment.py, so that the test and the published
figures are computed by the same code. These run the shipped model, which was fitted on this data:
they are regression floors. The published figures are the benchmark's held-out (leave-one-out) ones.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.shared_data

_BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_alignment.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_alignment", _BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tv_speakers(shared_data, bench):
    result = bench.eval_tv(shared_data, bench._ours)["all"]
    assert result["lines_with_transcript_speaker"] == 2932
    assert result["lines_with_gt_speaker"] == 3210
    assert result["transcript_speaker_accuracy"] >= 0.997
    assert result["gt_speaker_accuracy"] >= 0.985


def test_film_blocks(shared_data, bench):
    result = bench.eval_films(shared_data, bench._ours)
    summary = result["all"]
    assert (summary["matched_blocks"], summary["absent_blocks"]) == (53, 25)
    assert summary["blocks_not_found_in_script"] == 0
    assert summary["matched_timed_right"] >= 0.95, result["failures"]
    assert summary["absent_interpolated"] >= 0.95, result["failures"]


def test_subtitles_of_another_film_give_low_coverage(shared_data, bench):
    result = bench.eval_other_movie(shared_data)
    for name, stats in result.items():
        if name.endswith("_own"):
            assert stats["coverage"] >= 0.8 and stats["dialogue_coverage"] >= 0.5, (name, stats)
        elif "refused" not in stats:  # align() refuses when nothing is trusted
            assert stats["coverage"] <= 0.05 and stats["dialogue_coverage"] <= 0.05, (name, stats)
        else:
            assert "no dialogue line of the script matched" in stats["refused"]
