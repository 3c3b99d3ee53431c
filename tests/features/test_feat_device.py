"""The device tier (``pytest -m device``): the same code on each accelerator present gives the CPU's results.

Runs on every CUDA device torch sees and skips where there is none. ``SCRIPTALIGN_TEST_DEVICE=cpu``
runs it against the CPU itself (a check of the code path only, not of a device).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

import features
from features.synthetic import two_shot_video

pytestmark = pytest.mark.device
REFERENCE = Path(__file__).parent / "data" / "i3d_toy_reference.npz"


def _devices() -> list[str]:
    forced = os.environ.get("SCRIPTALIGN_TEST_DEVICE")
    if forced:
        return [forced]
    return [f"cuda:{i}" for i in range(torch.cuda.device_count())] or ["cuda"]


def _device(name: str) -> torch.device:
    if name.startswith("cuda") and not torch.cuda.is_available():
        pytest.skip("no CUDA GPU here: the device tier runs where there is one")
    return torch.device(name)


# TF32 convolutions (torch's default on CUDA) change the 4th significant digit of deep nets
def _atol(dev: torch.device, cpu: float, gpu: float) -> float:
    return cpu if dev.type == "cpu" else gpu


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return two_shot_video(tmp_path_factory.mktemp("dev") / "small.mp4", frames_per_shot=32)


@pytest.mark.parametrize("name", _devices())
def test_i3d_on_device_matches_the_reference(name):
    from features.i3d import load_i3d

    dev = _device(name)
    ref = np.load(REFERENCE)
    model, _ = load_i3d(device=dev)
    x = torch.from_numpy(ref["clip"]).to(dev).permute(0, 4, 1, 2, 3).float() / 127.5 - 1.0
    with torch.inference_mode():
        out = model.features(torch.cat([x, x])).cpu().numpy()  # a batch of two: batching changes nothing
    np.testing.assert_allclose(out, np.repeat(ref["mixed_5c_mean"], 2, 0), atol=_atol(dev, 1e-4, 3e-2))


@pytest.mark.parametrize("name", _devices())
def test_detection_flow_and_embedding_on_device_match_the_cpu(name, small, tmp_path):
    from features.embeddings import FacenetCasiaDescriptor
    from features.faces import FaceDetector
    from features.motion import flow_maps
    from features.video import iter_frames, to_batch

    dev, cpu = _device(name), torch.device("cpu")
    frames = [f.rgb for f in iter_frames(small.path) if f.index in (4, 5, 40)]
    got = FaceDetector(dev).detect(to_batch(frames, dev))
    want = FaceDetector(cpu).detect(to_batch(frames, cpu))
    for (b1, p1, _), (b2, p2, _) in zip(got, want):
        assert b1.shape == b2.shape and b1.shape[0] >= 1
        np.testing.assert_allclose(b1, b2, atol=1.0)
    grey = torch.from_numpy(np.stack([f.mean(2) for f in frames[:2]]).astype(np.float32))
    np.testing.assert_allclose(flow_maps(grey.to(dev)).cpu().numpy(), flow_maps(grey).numpy(), atol=1e-3)
    from features.types import Detection

    dets = [Detection(0, 0.0, tuple(map(float, b)), 1.0, tuple(map(tuple, lm)))
            for b, lm in zip(want[0][0], want[0][2])]
    a = FacenetCasiaDescriptor(dev, tmp_path).describe_batch([(frames[0], dets)])
    b = FacenetCasiaDescriptor(cpu, tmp_path).describe_batch([(frames[0], dets)])
    assert np.min(np.sum(a * b, 1)) > 0.999


@pytest.mark.parametrize("name", _devices())
def test_whole_extraction_on_device_finds_the_cpu_tracks(name, small, tmp_path):
    dev = _device(name)
    kw = dict(stride=4, face_descriptor="facenet-casia", actions="i3d", action_window=16)
    on_dev = features.extract(small.path, cache_dir=tmp_path / "d", device=dev, **kw)
    on_cpu = features.extract(small.path, cache_dir=tmp_path / "c", device="cpu", **kw)
    assert on_dev.params["stats"]["device"] == str(dev)
    assert len(on_dev.tracks) == len(on_cpu.tracks) == 4
    for a, b in zip(on_dev.tracks, on_cpu.tracks):
        assert a.frames == b.frames
        np.testing.assert_allclose(np.array(a.boxes), np.array(b.boxes), atol=1.5)
    assert np.min(np.sum(on_dev.face_descriptors * on_cpu.face_descriptors, 1)) > 0.995
    np.testing.assert_array_equal(on_dev.action_windows.start_frame, on_cpu.action_windows.start_frame)
    np.testing.assert_allclose(on_dev.action_descriptors, on_cpu.action_descriptors, atol=_atol(dev, 1e-5, 2e-2))
