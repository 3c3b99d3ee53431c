"""Shared test fixtures: paths to bundled test data and to ../shared/data (skipped when absent), and
the toy pipeline run once per session (the pipeline, notebook and batch tests all read it).

Tiers: unit tests build what they need in milliseconds; the integration tests below share one
session-scoped feature cache, one run of the bundled toy movie and one generation of the other toy
seeds, so the video side of each toy movie is extracted once per session, not once per test.
Tests that still take more than a few seconds are marked ``slow`` (``make test`` runs them too;
``pytest -m "not slow"`` is the quick tier).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = Path(__file__).resolve().parent / "data"
SHARED_DATA = ROOT.parent / "shared" / "data"

#: Toy seeds besides the bundled one (seed 0) that the integration tests use.
OTHER_SEEDS = (1,)


@pytest.fixture(scope="session")
def test_data() -> Path:
    return TEST_DATA


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The evaluation data beside the project; tests using it skip in a user's clone."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"evaluation data not found at {SHARED_DATA} (only present on the developers' machines)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def feature_cache(tmp_path_factory) -> Path:
    """One feature cache for the session: each toy video's tracks and descriptors are computed once
    (the cache is keyed by the video's bytes and the extraction parameters).

    ``SCRIPTALIGN_TEST_FEATURE_CACHE=DIR`` keeps it in DIR across sessions instead, for running one
    integration file alone (e.g. tests/test_batch.py) without extracting its toy videos again; the
    key does not cover the extraction code, so leave it unset when features/ changes (and in CI)."""
    keep = os.environ.get("SCRIPTALIGN_TEST_FEATURE_CACHE")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        return Path(keep)
    return tmp_path_factory.mktemp("feature-cache")


@pytest.fixture(scope="session")
def toy_movies(tmp_path_factory) -> dict[int, Path]:
    """Folders of toy movies by seed: 0 is a copy of the bundled one, the others are generated once."""
    from scriptalign.toy import default_toy_dir, generate_toy

    root = tmp_path_factory.mktemp("toys")
    movies = {0: root / "seed0"}
    shutil.copytree(default_toy_dir(), movies[0])
    for seed in OTHER_SEEDS:
        generate_toy(root / f"seed{seed}", seed=seed)
        movies[seed] = root / f"seed{seed}"
    return movies


@pytest.fixture(scope="session")
def toy_features(toy_movies, feature_cache, tmp_path_factory) -> Path:
    """The session's feature cache once it holds the tracks and descriptors of every toy movie of
    ``toy_movies`` (the pipeline's defaults, through ``prepare_movie``: the key ``run_movie`` and
    ``run_batch`` look up). The extraction is a fixture's set-up, so that a test's own time is its
    own, whichever test asks first (the batch tests); ~1 min a toy here, most of it dlib's face
    embedding (one worker process per core, features.embeddings)."""
    from scriptalign.pipeline import prepare_movie

    for seed, toy in toy_movies.items():
        prepare_movie(toy / "movie.mp4", toy / "movie.srt", toy / "script.txt",
                      tmp_path_factory.mktemp(f"prepared-seed{seed}"), cache_dir=feature_cache)
    return feature_cache


@pytest.fixture(scope="session")
def toy_run(tmp_path_factory, feature_cache):
    """The bundled toy movie through ``run_movie`` (with its truth and the report), once per session:
    (toy folder, output folder, RunResult). Tests only read the output folder."""
    from scriptalign.pipeline import run_movie
    from scriptalign.toy import default_toy_dir

    toy = default_toy_dir()
    out = tmp_path_factory.mktemp("run")
    result = run_movie(toy / "movie.mp4", toy / "movie.srt", toy / "script.txt", out,
                       truth=toy / "truth.json", cache_dir=feature_cache)
    return toy, out, result
