"""Many movies: per-movie alignment and feature extraction as Dask tasks, then one block-coordinate
Frank-Wolfe solve per cast (one block per movie, Miech et al. ICCV 2017).

The manifest is a CSV with a header and the columns ``video``, ``subtitles``, ``script`` and, optionally,
``name`` (the movie's output folder; default the video's file stem), ``truth`` and ``cast``: movies
with the same ``cast`` (e.g. the episodes of a series) share their people, so their names are solved
together (one label per name, but a movie's tracks may take only the names of its own script); a movie
without one has its own people (the same name in two movies is two people). Relative paths are
relative to the manifest. A name is one folder name inside the output folder: ``./x`` is ``x``; a path
(``a/b``), ``..``, an absolute path or a name that differs from another only in case is refused. Each
movie's folder under the output gets the files of ``scriptalign run``; a movie whose preparation
finished (``prepared.json`` there, for the same inputs and parameters) is not prepared again, so an
interrupted batch resumes where it stopped.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scriptalign.atomic import write_json, write_text
from scriptalign.errors import InputError

SUMMARY_SCHEMA = "scriptalign.batch/1"
SUMMARY_FILE = "summary.json"
_REQUIRED = ("video", "subtitles", "script")


@dataclass(frozen=True)
class MovieEntry:
    """One manifest row: the movie's name and input files, and the manifest line it came from."""

    name: str
    video: Path
    subtitles: Path
    script: Path
    truth: Path | None
    line: int
    cast: str | None = None  # movies of one cast share their people (a name is one person across them)


_SEPARATORS = re.compile(r"[\\/]")
_DRIVE = re.compile(r"^[A-Za-z]:")


def folder_name(name: str) -> str:
    """A manifest ``name`` as the one folder name it stands for inside the output folder
    (NFC, ``./`` dropped); ValueError for a path, ``..``, an absolute path or a control character."""
    name = unicodedata.normalize("NFC", name.strip())
    if _SEPARATORS.match(name) or _DRIVE.match(name):
        raise ValueError(f"movie name {name!r} is an absolute path")
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise ValueError(f"movie name {name!r} has a control character")
    parts = [p for p in _SEPARATORS.split(name) if p not in ("", ".")]
    if ".." in parts:
        raise ValueError(f"movie name {name!r} leaves the output folder")
    if len(parts) != 1:
        raise ValueError(f"movie name {name!r} is not one folder name")
    if parts[0] == SUMMARY_FILE:
        raise ValueError(f"movie name {name!r} is the batch summary's file name")
    return parts[0]


def read_manifest(path: str | Path) -> list[MovieEntry]:
    """Rows of a batch manifest; InputError naming the file and line of a bad row or a missing file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read manifest: {err}", path) from err
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in _REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(f"manifest header lacks {', '.join(missing)}", path, 1,
                         expected="a CSV header with video,subtitles,script[,name,truth,cast]")
    entries: list[MovieEntry] = []
    names: dict[str, int] = {}  # case-folded folder name -> manifest line
    for k, row in enumerate(reader, start=2):
        files = {}
        for col in (*_REQUIRED, "truth"):
            value = (row.get(col) or "").strip()
            if not value:
                if col == "truth":
                    files[col] = None
                    continue
                raise InputError(f"empty {col}", path, k)
            f = Path(value) if Path(value).is_absolute() else path.parent / value
            if not f.is_file():
                raise InputError(f"{col} file not found: {f}", path, k)
            files[col] = f
        try:
            name = folder_name((row.get("name") or "").strip() or files["video"].stem)
        except ValueError as err:
            raise InputError(str(err), path, k, expected="a folder name inside the output folder") from None
        first = names.setdefault(name.casefold(), k)
        if first != k:
            raise InputError(f"movie name {name!r} used twice (also on line {first})", path, k,
                             expected="one output folder per movie")
        cast = (row.get("cast") or "").strip() or None
        entries.append(MovieEntry(name, files["video"], files["subtitles"], files["script"], files["truth"], k, cast))
    if not entries:
        raise InputError("manifest lists no movie", path, expected="one row per movie")
    return entries


def _fingerprint(entry: MovieEntry, params: dict) -> str:
    h = hashlib.sha256(json.dumps(params, sort_keys=True).encode())
    for f in (entry.video, entry.subtitles, entry.script):
        st = f.stat()
        h.update(f"{f.resolve()}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()


def _is_prepared(entry: MovieEntry, output: str, params: dict) -> bool:
    """Whether an earlier run prepared this movie from the same inputs and parameters."""
    marker = Path(output) / entry.name / "prepared.json"
    try:
        return json.loads(marker.read_text()).get("fingerprint") == _fingerprint(entry, params)
    except (OSError, json.JSONDecodeError):
        return False


def _prepare_task(entry: MovieEntry, output: str, params: dict) -> str:
    """Dask task: prepare one movie unless an earlier run already did; returns its folder."""
    from scriptalign.pipeline import prepare_movie

    out = Path(output) / entry.name
    if _is_prepared(entry, output, params):
        return str(out)
    prepare_movie(entry.video, entry.subtitles, entry.script, out, **params)
    write_json(out / "prepared.json", {"fingerprint": _fingerprint(entry, params), "movie": entry.name})
    return str(out)


def _check_scheduler(scheduler: str, security) -> None:
    """InputError for TLS settings without a remote scheduler, or a tls:// scheduler without certificates."""
    import dask

    if scheduler == "local":
        if security is not None:
            raise InputError("TLS settings are for a remote --scheduler", expected="--scheduler tls://HOST:PORT")
        return
    if scheduler.startswith("tls://") and security is None and not dask.config.get("distributed.comm.tls.ca-file",
                                                                                   None):
        raise InputError("a tls:// scheduler needs the cluster's certificates", scheduler,
                         expected="--tls-ca-file and --tls-cert, or Dask's distributed.comm.tls settings "
                                  "(see docs/batch.md)")


def _client(scheduler: str, n_workers: int, security=None):
    """A Dask client: on a new LocalCluster for ``"local"``, else connected to the scheduler at that
    address with ``security`` (a ``distributed.security.Security``; None: Dask's configuration)."""
    from distributed import Client, LocalCluster

    _check_scheduler(scheduler, security)
    if scheduler == "local":
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None)
        return Client(cluster), cluster
    try:
        return (Client(scheduler, security=security) if security is not None else Client(scheduler)), None
    except (OSError, TimeoutError, ValueError) as err:
        raise InputError(f"cannot connect to the Dask scheduler: {err}", scheduler,
                         expected="a running scheduler; tls:// with the cluster's certificates on a shared one "
                                  "(see docs/batch.md)") from err


def tls_security(ca_file: str | Path, cert: str | Path, key: str | Path | None = None):
    """``distributed.security.Security`` for a client of a TLS cluster: the cluster's CA certificate,
    this client's certificate and key (PEM files); encryption required. InputError for a missing file."""
    from distributed.security import Security

    files = {"CA certificate": ca_file, "client certificate": cert}
    if key is not None:
        files["client key"] = key
    for what, f in files.items():
        if not Path(f).is_file():
            raise InputError(f"{what} file not found", f, expected="a PEM file")
    return Security(tls_ca_file=str(ca_file), tls_client_cert=str(cert),
                    tls_client_key=None if key is None else str(key), require_encryption=True)


def run_batch(
    manifest: str | Path,
    output: str | Path,
    *,
    scheduler: str = "local",
    n_workers: int = 2,
    device: str = "auto",
    stride: int = 5,
    cache_dir: str | Path | None = None,
    lexicon: str | Path | None = None,
    report: bool = True,
    security=None,
) -> dict:
    """Prepare every movie of ``manifest`` on Dask, solve each cast (see :func:`cast_groups`), write
    per-movie results and ``summary.json`` to ``output``; returns the summary. ``security``: a
    ``distributed.security.Security`` for a remote ``scheduler`` (see :func:`tls_security`)."""
    from scriptalign.assign import assign
    from scriptalign.pipeline import check_stride, load_prepared, write_results

    check_stride(stride)
    if n_workers < 1:
        raise InputError(f"--workers must be >= 1, got {n_workers}", expected="a positive integer")
    entries = read_manifest(manifest)
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    params = {"device": device, "stride": stride, "lexicon": str(lexicon) if lexicon else None,
              "cache_dir": str(cache_dir) if cache_dir else None}
    _check_scheduler(scheduler, security)  # before anything runs, even when no cluster is needed
    todo = [e for e in entries if not _is_prepared(e, str(out), params)]
    if todo:  # a resumed batch whose movies are all prepared starts no cluster
        client, cluster = _client(scheduler, min(n_workers, len(todo)), security)
        try:
            futures = [client.submit(_prepare_task, e, str(out), params, pure=False, key=f"prepare-{e.name}")
                       for e in todo]
            client.gather(futures)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    movies = [load_prepared(out / e.name) for e in entries]
    parts = {}
    for group in cast_groups(entries):  # one solve per cast: a name means one person only inside it
        ms = [movies[k] for k in group]
        blocks = bag_blocks = None
        if len(ms) > 1:  # one block per movie, each taking the names of its own bags (assign's default)
            blocks = np.concatenate([np.full(len(m.tracks), j) for j, m in enumerate(ms)])
            bag_blocks = [j for j, m in enumerate(ms) for _ in m.bags]
        offsets = np.cumsum([0] + [len(m.tracks) for m in ms])
        result = assign([s for m in ms for s in m.spans], np.concatenate([m.face_descriptors for m in ms]),
                        np.concatenate([m.motion_descriptors for m in ms]), [b for m in ms for b in m.bags],
                        blocks=blocks, bag_blocks=bag_blocks, device=device)
        for j, k in enumerate(group):
            parts[k] = result.select(range(offsets[j], offsets[j + 1]))
    summary: dict = {"schema": SUMMARY_SCHEMA, "names": sorted({x for p in parts.values() for x in p.names}),
                     "actions": sorted({x for p in parts.values() for x in p.actions}), "movies": []}
    for k, (entry, m) in enumerate(zip(entries, movies)):
        _, evaluation = write_results(m, parts[k], truth=entry.truth, report=report)
        summary["movies"].append({"name": entry.name, "folder": str(m.output), "n_tracks": len(m.tracks),
                                  "cast": entry.cast, "names": list(parts[k].names), "evaluation": evaluation})
    write_json(out / SUMMARY_FILE, summary)
    return summary


def cast_groups(entries: list[MovieEntry]) -> list[list[int]]:
    """Indices of the movies solved together: those of one ``cast`` (the user says their people are
    the same: a name is one person across them), and every movie without a cast on its own (the same
    name in two movies is two people unless the user says otherwise)."""
    groups: dict[tuple[str, str], list[int]] = {}
    for k, e in enumerate(entries):
        groups.setdefault(("cast", e.cast) if e.cast else ("movie", e.name), []).append(k)
    return list(groups.values())
