"""Many movies on a local Dask cluster: three toy movies of different seeds, one joint BCFW solve."""

from __future__ import annotations

import json
import shutil

import pytest

from scriptalign.batch import read_manifest, run_batch
from scriptalign.errors import InputError
from scriptalign.toy import default_toy_dir, generate_toy


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    shutil.copytree(default_toy_dir(), root / "seed0")
    for seed in (1, 2):
        generate_toy(root / f"seed{seed}", seed=seed)
    lines = ["name,video,subtitles,script,truth"]
    for seed in (0, 1, 2):
        d = f"seed{seed}"
        lines.append(f"{d},{d}/movie.mp4,{d}/movie.srt,{d}/script.txt,{d}/truth.json")
    path = root / "movies.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_batch_on_local_cluster_then_resume(manifest, tmp_path):
    out = tmp_path / "out"
    summary = run_batch(manifest, out, cache_dir=tmp_path / "cache", report=False)
    assert [m["name"] for m in summary["movies"]] == ["seed0", "seed1", "seed2"]
    assert summary["names"] == ["EILEEN", "GRACE", "MILES"]
    for movie in summary["movies"]:
        assert movie["n_tracks"] > 0
        assert movie["evaluation"]["naming_accuracy"] >= 0.9
        assert movie["evaluation"]["action_map"] >= 0.75
        assert (out / movie["name"] / "assignments.json").is_file()
        assert (out / movie["name"] / "prepared.json").is_file()
    assert json.loads((out / "summary.json").read_text())["schema"] == "scriptalign.batch/1"

    # Resume: finished movies are not prepared again (their files are left untouched).
    stamps = {m["name"]: (out / m["name"] / "tracks.json").stat().st_mtime_ns for m in summary["movies"]}
    again = run_batch(manifest, out, cache_dir=tmp_path / "cache", report=False)
    assert {m["name"]: (out / m["name"] / "tracks.json").stat().st_mtime_ns for m in again["movies"]} == stamps
    assert [m["evaluation"] for m in again["movies"]] == [m["evaluation"] for m in summary["movies"]]


def test_manifest_errors_name_file_and_line(tmp_path):
    bad = tmp_path / "m.csv"
    bad.write_text("video,subtitles\nx.mp4,x.srt\n")
    with pytest.raises(InputError, match=r"m\.csv:1: manifest header lacks script"):
        read_manifest(bad)
    bad.write_text("video,subtitles,script\nnope.mp4,nope.srt,nope.txt\n")
    with pytest.raises(InputError, match=r"m\.csv:2: video file not found"):
        read_manifest(bad)
    bad.write_text("video,subtitles,script\n")
    with pytest.raises(InputError, match="lists no movie"):
        read_manifest(bad)
