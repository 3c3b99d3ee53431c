"""Tears of Steel (CC BY 3.0, Blender Foundation): 10 s of real footage from ../shared/data."""

from __future__ import annotations

import numpy as np
import pytest

import features

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def clip(shared_data):
    path = shared_data / "video" / "tears_of_steel" / "clip.mp4"
    if not path.exists():
        pytest.skip(f"{path} not found")
    return path


def test_tracks_found_identical_across_runs_and_cache_reused(clip, tmp_path):
    first = features.extract(clip, cache_dir=tmp_path / "a", device="cpu", stride=5)
    assert first.video.width == 640 and first.video.height == 360
    assert len(first.frame_times) == 240
    assert len(first.shots) >= 3
    # Three faces, each confidently seen for >= 1 s in its shot (checked on a contact sheet).
    long = [t for t in first.tracks if t.end_time - t.start_time >= 0.4 and t.mean_score > 0.99]
    assert len(long) >= 3
    for t in first.tracks:
        s = first.shots[t.shot]
        assert s.start_frame <= t.start_frame <= t.end_frame < s.end_frame
    assert first.face_descriptors.shape == (len(first.tracks), first.face_descriptor_info["dim"])
    assert np.all(np.isfinite(first.motion_descriptors))

    second = features.extract(clip, cache_dir=tmp_path / "b", device="cpu", stride=5)
    assert second.params["stats"]["tracks_from_cache"] is False
    assert second.tracks == first.tracks and second.shots == first.shots
    np.testing.assert_allclose(second.face_descriptors, first.face_descriptors, atol=1e-6)
    np.testing.assert_allclose(second.motion_descriptors, first.motion_descriptors, atol=1e-6)

    again = features.extract(clip, cache_dir=tmp_path / "a", device="cpu", stride=5)
    assert again.params["stats"]["tracks_from_cache"] and again.params["stats"]["motion_from_cache"]
    assert "pass1_seconds" not in again.params["stats"]
    assert again.tracks == first.tracks
