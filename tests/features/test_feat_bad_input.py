"""Bad input and interruptions: truncated/corrupt files, no faces, resume, missing GPU."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import features
from features.errors import DeviceError, VideoError, WeightsError
from features.synthetic import ShotSpec, render, two_shot_video


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    d = tmp_path_factory.mktemp("small")
    return two_shot_video(d / "small.mp4", frames_per_shot=32)


def test_truncated_file_names_the_frame_and_cache_stays_incomplete(small, tmp_path):
    data = small.path.read_bytes()
    bad = tmp_path / "truncated.mp4"
    bad.write_bytes(data[: int(len(data) * 0.6)])
    with pytest.raises(VideoError) as err:
        features.extract(bad, cache_dir=tmp_path / "cache", device="cpu", stride=4)
    assert err.value.frame is not None and 0 < err.value.frame < small.n_frames
    assert f"truncated.mp4:frame {err.value.frame}:" in str(err.value)
    manifests = list((tmp_path / "cache").glob("*/manifest.json"))
    assert len(manifests) == 1
    stage = json.loads(manifests[0].read_text())["stages"]["tracks"]
    assert stage["complete"] is False
    assert not list((tmp_path / "cache").glob("*/tracks.json"))


def test_corrupt_stream_names_the_frame(small, tmp_path):
    b = bytearray(small.path.read_bytes())
    start = int(len(b) * 0.4)
    for i in range(start, start + 5000):
        b[i] = (b[i] * 7 + 13) % 256
    bad = tmp_path / "corrupt.mp4"
    bad.write_bytes(bytes(b))
    with pytest.raises(VideoError) as err:
        features.extract(bad, cache_dir=tmp_path / "cache", device="cpu", stride=4, motion=False)
    assert err.value.frame is not None and 0 < err.value.frame < small.n_frames
    assert "frame" in str(err.value)


def test_not_a_video_and_missing_file(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(VideoError, match=r"junk\.mp4: cannot open as a video"):
        features.extract(junk, cache_dir=tmp_path / "cache", device="cpu")
    with pytest.raises(VideoError, match=r"nope\.mp4: no such file"):
        features.extract(tmp_path / "nope.mp4", cache_dir=tmp_path / "cache", device="cpu")


def test_cli_reports_bad_video_with_exit_2(tmp_path, capsys):
    from scriptalign.cli import main

    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00" * 4000)
    assert main(["tracks", str(junk), "-q", "--cache", str(tmp_path / "c")]) == 2
    assert "junk.mp4: cannot open as a video" in capsys.readouterr().err


def test_no_faces_gives_zero_tracks(tmp_path):
    video = render([ShotSpec(24, 5)], tmp_path / "empty.mp4", width=160, height=120)
    result = features.extract(video.path, cache_dir=tmp_path / "cache", device="cpu", stride=4)
    assert result.tracks == ()
    assert len(result.shots) == 1 and result.shots[0].n_frames == 24
    assert result.face_descriptors.shape == (0, result.face_descriptor_info["dim"])
    assert result.face_descriptor_info["dim"] in (128, 512, 516)
    assert result.motion_descriptors.shape[0] == 0
    doc = json.loads(features.write_outputs(result, tmp_path / "out").read_text())
    assert doc["tracks"] == []


class _Stop(Exception):
    pass


def test_interrupted_run_resumes_at_the_last_shot_boundary(small, tmp_path):
    reference = features.extract(small.path, cache_dir=tmp_path / "ref", device="cpu", stride=4, motion=False)

    def stop_late(index: int) -> None:
        if index == 50:
            raise _Stop

    with pytest.raises(_Stop):
        features.extract(small.path, cache_dir=tmp_path / "cache", device="cpu", stride=4, motion=False,
                         checkpoint_every=0.0, on_frame=stop_late)
    seen: list[int] = []
    resumed = features.extract(small.path, cache_dir=tmp_path / "cache", device="cpu", stride=4, motion=False,
                               on_frame=seen.append)
    assert resumed.params["stats"]["resumed_at_frame"] == 32  # the cut: shot 0 was not redone
    assert seen[0] == 32 and seen[-1] == small.n_frames - 1
    assert resumed.tracks == reference.tracks
    assert resumed.shots == reference.shots
    np.testing.assert_array_equal(resumed.face_descriptors, reference.face_descriptors)
    np.testing.assert_array_equal(resumed.frame_times, reference.frame_times)
    assert not list((tmp_path / "cache").glob("*/tracks.checkpoint*"))


def test_motion_stage_resumes_after_tracks_stage(small, tmp_path):
    def stop_in_motion(index: int, calls=[0]) -> None:  # noqa: B006 - counts calls across both passes
        calls[0] += 1
        if calls[0] == small.n_frames + 5:
            raise _Stop

    with pytest.raises(_Stop):
        features.extract(small.path, cache_dir=tmp_path / "cache", device="cpu", stride=4, on_frame=stop_in_motion)
    result = features.extract(small.path, cache_dir=tmp_path / "cache", device="cpu", stride=4)
    assert result.params["stats"]["tracks_from_cache"] is True
    assert result.params["stats"]["motion_from_cache"] is False
    assert result.motion_descriptors.shape == (len(result.tracks), 162)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA GPU is present here")
def test_cuda_without_gpu_is_a_clear_error(small, tmp_path, capsys):
    from scriptalign.cli import main

    with pytest.raises(DeviceError, match="no CUDA GPU is available"):
        features.extract(small.path, cache_dir=tmp_path / "c", device="cuda")
    assert main(["tracks", str(small.path), "--device", "cuda", "-q", "--cache", str(tmp_path / "c")]) == 2
    assert "--device: device 'cuda' was asked for but no CUDA GPU is available" in capsys.readouterr().err


def test_bad_device_name():
    from features.device import resolve_device

    with pytest.raises(DeviceError, match="unknown device 'tpu'"):
        resolve_device("tpu")
    assert resolve_device("cpu") == torch.device("cpu")


def test_face_weights_file_gives_facenet_descriptors(small, tmp_path):
    from facenet_pytorch import InceptionResnetV1

    torch.manual_seed(0)
    weights = tmp_path / "irv1.pt"
    torch.save(InceptionResnetV1(pretrained=None).state_dict(), weights)  # random weights: shape check only
    result = features.extract(small.path, cache_dir=tmp_path / "c", device="cpu", stride=8, motion=False,
                              face_weights=weights)
    from features.weights import content_hash

    assert result.face_descriptor_kind == f"facenet-inceptionresnetv1:{content_hash(weights)}"
    assert result.face_descriptor_info["weights_hash"] == content_hash(weights)
    assert result.face_descriptors.shape == (len(result.tracks), 512) and len(result.tracks) == 4
    np.testing.assert_allclose(np.linalg.norm(result.face_descriptors, axis=1), 1.0, atol=1e-5)
    bad = tmp_path / "bad.pt"
    torch.save({"foo": torch.zeros(1)}, bad)
    with pytest.raises(WeightsError, match="not an InceptionResnetV1 state dict"):
        features.extract(small.path, cache_dir=tmp_path / "c", device="cpu", face_weights=bad)
    from scriptalign.cli import main

    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a torch file")
    assert main(["tracks", str(small.path), "-q", "--face-weights", str(junk), "--cache", str(tmp_path / "c")]) == 2
