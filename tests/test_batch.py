"""Many movies on a local Dask cluster: two toy movies of different seeds, solved together when the
manifest says they share a cast (the toy seeds have the same characters), else one solve per movie."""

from __future__ import annotations

import json
import pytest

from scriptalign.batch import cast_groups, read_manifest, run_batch
from scriptalign.errors import InputError
from scriptalign.jsonfile import validate


@pytest.fixture(scope="module")
def manifest(toy_movies):
    """A manifest of the session's toy movies (seeds 0 and 1, whose features the pipeline tests share
    through the session's cache), beside them (relative paths), one cast."""
    root = toy_movies[0].parent
    lines = ["name,video,subtitles,script,truth,cast"]
    for seed in (0, 1):
        d = toy_movies[seed].name
        lines.append(f"{d},{d}/movie.mp4,{d}/movie.srt,{d}/script.txt,{d}/truth.json,toy")
    path = root / "movies.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.slow
def test_batch_on_local_cluster_then_resume(manifest, tmp_path, toy_features):
    feature_cache = toy_features  # holds both toys' features (the extraction is the fixture's)
    out = tmp_path / "out"
    # one worker process: both movies still go through the local Dask cluster. On the 2-core machine two
    # workers cost more than they gave (this file alone, load 5-7, features cached: 63 s -> 35 s, the two
    # workers' shutdown also hitting the nanny's 4 s kill timeout)
    summary = run_batch(manifest, out, cache_dir=feature_cache, report=False, n_workers=1)
    assert [m["name"] for m in summary["movies"]] == ["seed0", "seed1"]
    assert summary["names"] == ["EILEEN", "GRACE", "MILES"]
    for movie in summary["movies"]:
        assert movie["cast"] == "toy" and movie["names"] == ["EILEEN", "GRACE", "MILES"]
        assert movie["n_tracks"] > 0
        assert movie["evaluation"]["naming_accuracy"] >= 0.9
        assert movie["evaluation"]["action_map"] >= 0.75
        assert (out / movie["name"] / "assignments.json").is_file()
        assert (out / movie["name"] / "prepared.json").is_file()
    written = json.loads((out / "summary.json").read_text())
    assert written["schema"] == "scriptalign.batch/1"
    validate(written, "batch", out / "summary.json")

    # Resume: finished movies are not prepared again (their files are left untouched).
    stamps = {m["name"]: (out / m["name"] / "tracks.json").stat().st_mtime_ns for m in summary["movies"]}
    again = run_batch(manifest, out, cache_dir=feature_cache, report=False)
    assert {m["name"]: (out / m["name"] / "tracks.json").stat().st_mtime_ns for m in again["movies"]} == stamps
    assert [m["evaluation"] for m in again["movies"]] == [m["evaluation"] for m in summary["movies"]]

    # Without a cast, a name is a person of its movie only: one solve per movie, its own classes.
    lines = manifest.read_text().splitlines()
    own = manifest.parent / "own_casts.csv"
    own.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n")
    alone = run_batch(own, out, cache_dir=feature_cache, report=False)
    assert {m["name"]: (out / m["name"] / "tracks.json").stat().st_mtime_ns for m in alone["movies"]} == stamps
    for movie in alone["movies"]:
        bags = json.loads((out / movie["name"] / "bags.json").read_text())["bags"]
        assert movie["cast"] is None and movie["names"] == sorted({x for b in bags for x in b["names"]})
        assert movie["evaluation"]["naming_accuracy"] >= 0.9
    validate(json.loads((out / "summary.json").read_text()), "batch", out / "summary.json")


def test_names_are_per_movie_unless_the_manifest_gives_a_cast(tmp_path):
    for f in ("m.mp4", "m.srt", "m.txt"):
        (tmp_path / f).write_text("x")
    manifest = tmp_path / "m.csv"
    manifest.write_text("name,video,subtitles,script,cast\n"
                        "a,m.mp4,m.srt,m.txt,series\nb,m.mp4,m.srt,m.txt,\nc,m.mp4,m.srt,m.txt, series \n"
                        "d,m.mp4,m.srt,m.txt,other\ne,m.mp4,m.srt,m.txt,\n")
    entries = read_manifest(manifest)
    assert [e.cast for e in entries] == ["series", None, "series", "other", None]
    assert cast_groups(entries) == [[0, 2], [1], [3], [4]]


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


@pytest.mark.parametrize("names,problem", [
    (["../escaped"], "movie name '../escaped' leaves the output folder"),
    (["/tmp/abs"], "movie name '/tmp/abs' is an absolute path"),
    (["C:/movies"], "movie name 'C:/movies' is an absolute path"),
    (["a/b"], "movie name 'a/b' is not one folder name"),
    (["."], "movie name '.' is not one folder name"),
    (["summary.json"], "movie name 'summary.json' is the batch summary's file name"),
    (["x", "./x"], "movie name 'x' used twice \\(also on line 2\\)"),
    (["Film", "film"], "movie name 'film' used twice \\(also on line 2\\)"),
])
def test_manifest_names_are_folder_names_inside_the_output(tmp_path, names, problem):
    for f in ("m.mp4", "m.srt", "m.txt"):
        (tmp_path / f).write_text("x")
    manifest = tmp_path / "m.csv"
    manifest.write_text("name,video,subtitles,script\n" + "".join(f"{n},m.mp4,m.srt,m.txt\n" for n in names))
    with pytest.raises(InputError, match=rf"m\.csv:{len(names) + 1}: {problem}"):
        read_manifest(manifest)


def test_manifest_names_are_normalised(tmp_path):
    for f in ("m.mp4", "m.srt", "m.txt"):
        (tmp_path / f).write_text("x")
    manifest = tmp_path / "m.csv"
    manifest.write_text("name,video,subtitles,script\n./x,m.mp4,m.srt,m.txt\n y/ ,m.mp4,m.srt,m.txt\n,m.mp4,m.srt,m.txt\n")
    assert [e.name for e in read_manifest(manifest)] == ["x", "y", "m"]


@pytest.mark.slow
def test_batch_on_a_tls_scheduler_with_client_certificates(toy_movies, toy_features, tmp_path, capsys):
    """A shared cluster: the scheduler speaks TLS and asks for a client certificate; ``batch`` connects
    with --tls-ca-file/--tls-cert/--tls-key and is refused (exit 2, a clear error) without them."""
    feature_cache = toy_features
    import dask
    from distributed import LocalCluster
    from distributed.security import Security

    from scriptalign.cli import main

    security = Security.temporary()  # a CA, and a certificate for scheduler, workers and clients
    flags = []
    for flag, field in (("--tls-ca-file", "tls_ca_file"), ("--tls-cert", "tls_client_cert"),
                        ("--tls-key", "tls_client_key")):
        pem = tmp_path / f"{field}.pem"
        pem.write_text(getattr(security, field))
        flags += [flag, str(pem)]
    d = toy_movies[0]
    manifest = tmp_path / "one.csv"
    manifest.write_text(f"name,video,subtitles,script,truth\nseed0,{d}/movie.mp4,{d}/movie.srt,{d}/script.txt,"
                        f"{d}/truth.json\n")
    out = tmp_path / "out"
    common = ["batch", str(manifest), "-o", str(out), "--cache", str(feature_cache), "--no-report"]
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tls", security=security,
                      dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tls://")
        assert main([*common, "--scheduler", address]) == 2
        assert f"{address}: a tls:// scheduler needs the cluster's certificates" in capsys.readouterr().err
        other = Security.temporary()  # certificates of another CA: the handshake fails
        wrong = []
        for flag, field in (("--tls-ca-file", "tls_ca_file"), ("--tls-cert", "tls_client_cert"),
                            ("--tls-key", "tls_client_key")):
            pem = tmp_path / f"other_{field}.pem"
            pem.write_text(getattr(other, field))
            wrong += [flag, str(pem)]
        with dask.config.set({"distributed.comm.timeouts.connect": "3s"}):
            assert main([*common, "--scheduler", address, *wrong]) == 2
        assert f"{address}: cannot connect to the Dask scheduler" in capsys.readouterr().err
        assert main([*common, "--scheduler", address, *flags]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert [m["name"] for m in summary["movies"]] == ["seed0"]
    assert summary["movies"][0]["evaluation"]["naming_accuracy"] >= 0.9
    assert main([*common, "--scheduler", "local", *flags]) == 2
    assert "TLS settings are for a remote --scheduler" in capsys.readouterr().err
