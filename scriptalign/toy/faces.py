"""Face images for the toy movie, all shipped inside installed packages (nothing is downloaded).

Named characters: Eileen Collins (``skimage.data.astronaut()``, NASA, public domain), Grace Hopper
(matplotlib's ``sample_data/grace_hopper.jpg``, public domain) and the cameraman
(``skimage.data.camera()``, a crop of his face). Extras: faces from ``skimage.data.lfw_subset()``
(small grey crops from Labeled Faces in the Wild, bundled with scikit-image), upscaled; they are
different people from the named characters, so a face descriptor can tell them apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image

HEAD = 64  # head image side in pixels (the face inside it is about 50 px high)

# Square crops (x0, y0, side) around each named face in its source image, and the face box that
# MTCNN finds in the source image (x1, y1, x2, y2), measured once with
# ``MTCNN(keep_all=True).detect(image)`` (facenet-pytorch 2.5.3).
_NAMED_SOURCES = {
    "astronaut": ((159, 52, 130), (181.1, 62.2, 267.7, 172.1)),
    "grace_hopper": ((145, 110, 240), (174.4, 119.6, 355.6, 340.5)),
    "camera": ((182, 110, 90), (199.2, 118.9, 254.3, 192.3)),
}


@dataclass(frozen=True)
class Head:
    """A head image (``HEAD`` x ``HEAD`` RGB), an alpha mask, and the face box inside it."""

    source: str
    rgb: np.ndarray
    alpha: np.ndarray
    face_box: tuple[float, float, float, float]


def _load_source(name: str) -> np.ndarray:
    import skimage.data

    if name == "astronaut":
        return skimage.data.astronaut()
    if name == "camera":
        return np.stack([skimage.data.camera()] * 3, axis=-1)
    if name == "grace_hopper":
        import matplotlib.cbook

        with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as fh:
            return np.asarray(Image.open(fh).convert("RGB"))
    raise KeyError(name)


def _ellipse_alpha(size: int, rx: float, ry: float) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    c = (size - 1) / 2.0
    d = ((xx - c) / rx) ** 2 + ((yy - c) / ry) ** 2
    return np.clip((1.0 - d) * 6.0, 0.0, 1.0).astype(np.float32)


@cache
def named_head(source: str) -> Head:
    """The head of a named character, cropped from its source image."""
    (x0, y0, side), (bx1, by1, bx2, by2) = _NAMED_SOURCES[source]
    img = _load_source(source)
    crop = Image.fromarray(img[y0 : y0 + side, x0 : x0 + side]).resize((HEAD, HEAD), Image.LANCZOS)
    s = HEAD / side
    box = ((bx1 - x0) * s, (by1 - y0) * s, (bx2 - x0) * s, (by2 - y0) * s)
    return Head(source, np.asarray(crop), _ellipse_alpha(HEAD, HEAD * 0.48, HEAD * 0.52), box)


N_EXTRAS = 100  # the first 100 images of lfw_subset are faces, the others are not

# lfw_subset faces that MTCNN finds with probability > 0.999 when drawn as an extra's head on four
# plain backgrounds (dark, light, brown, blue); measured once, the extras are drawn from these.
EXTRA_FACES: tuple[int, ...] = (0, 3, 11, 12, 17, 19, 24, 27, 29, 31, 37, 38, 46, 53, 54, 60, 61, 72, 73,
                                75, 80, 84, 92, 94, 98)


@cache
def extra_head(index: int) -> Head:
    """An extra's head: face ``index`` of ``skimage.data.lfw_subset()``, upscaled, on a dark backing."""
    import skimage.data

    if not 0 <= index < N_EXTRAS:
        raise ValueError(f"extra face index {index} out of range 0..{N_EXTRAS - 1}")
    face = (skimage.data.lfw_subset()[index] * 255).astype(np.uint8)
    inner = 56
    up = np.asarray(Image.fromarray(face).resize((inner, inner), Image.BICUBIC).convert("RGB"))
    rgb = np.full((HEAD, HEAD, 3), 60, np.uint8)
    o = (HEAD - inner) // 2
    rgb[o : o + inner, o : o + inner] = up
    alpha = _ellipse_alpha(HEAD, HEAD * 0.5, HEAD * 0.54)
    box = (o + 4.0, o + 0.0, o + inner - 4.0, o + inner + 2.0)
    return Head(f"lfw_subset[{index}]", rgb, alpha, box)
