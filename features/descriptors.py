"""Face descriptors per detection, pooled per track.

The learning-free fallback: HOG + uniform LBP + hue/saturation histogram on a crop aligned by the
five MTCNN landmarks; and InceptionResnetV1 (facenet-pytorch) embeddings from a weights file.
The learned descriptors and the choice among them are in ``features.embeddings``; the kind (with a
hash of the weights' content) is recorded with the output so two descriptors are never mixed.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch

from features.types import Detection

# Landmark template (eyes, nose, mouth corners) of the common 112x112 aligned-face crop.
_TEMPLATE_112 = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float32,
)


def align_face(rgb: np.ndarray, det: Detection, size: int, scale: float = 1.0) -> np.ndarray:
    """Crop the face to ``size`` x ``size`` with a similarity transform mapping its landmarks to the template.

    ``scale`` maps the detection's original-pixel coordinates onto ``rgb`` (working size / original size).
    Falls back to the square box crop when landmarks are missing or degenerate.
    """
    dst = _TEMPLATE_112 * (size / 112.0)
    if det.landmarks:
        src = np.asarray(det.landmarks, dtype=np.float32) * scale
        m, _ = cv2.estimateAffinePartial2D(src, dst, method=cv2.LMEDS)
        if m is not None:
            return cv2.warpAffine(rgb, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    x1, y1, x2, y2 = (v * scale for v in det.box)
    cx, cy, s = (x1 + x2) / 2, (y1 + y2) / 2, max(x2 - x1, y2 - y1) * 1.1
    src = np.float32([[cx - s / 2, cy - s / 2], [cx + s / 2, cy - s / 2], [cx - s / 2, cy + s / 2]])
    m = cv2.getAffineTransform(src, np.float32([[0, 0], [size, 0], [0, size]]))
    return cv2.warpAffine(rgb, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


class HogLbpDescriptor:
    """Learning-free face descriptor: HOG (shape) + LBP (texture) + colour, on a 64x64 aligned crop."""

    kind = "hog-lbp-colour-aligned64-v1"
    size = 64

    def describe(self, rgb: np.ndarray, dets: list[Detection], scale: float = 1.0) -> np.ndarray:
        from skimage.feature import hog, local_binary_pattern

        out = []
        for d in dets:
            crop = align_face(rgb, d, self.size, scale)
            grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
            h = hog(grey, orientations=9, pixels_per_cell=(16, 16), cells_per_block=(2, 2), feature_vector=True)
            lbp = local_binary_pattern(grey, P=8, R=1, method="uniform")
            cells = []
            for i in range(4):
                for j in range(4):
                    c = lbp[i * 16:(i + 1) * 16, j * 16:(j + 1) * 16]
                    cells.append(np.bincount(c.astype(np.int64).ravel(), minlength=10)[:10] / c.size)
            lb = np.sqrt(np.concatenate(cells))
            hsv = cv2.cvtColor(crop[12:52, 12:52], cv2.COLOR_RGB2HSV)
            col = cv2.calcHist([hsv], [0, 1], None, [8, 4], [0, 180, 0, 256]).ravel()
            col = np.sqrt(col / max(col.sum(), 1.0))
            parts = [v / (np.linalg.norm(v) + 1e-9) for v in (h, lb, col)]
            v = np.concatenate(parts).astype(np.float32)
            out.append(v / (np.linalg.norm(v) + 1e-9))
        return np.stack(out) if out else np.zeros((0, self.dim), np.float32)

    def describe_batch(self, items: list[tuple[np.ndarray, list[Detection]]], scale: float = 1.0) -> np.ndarray:
        rows = [self.describe(rgb, dets, scale) for rgb, dets in items if dets]
        return np.concatenate(rows) if rows else np.zeros((0, self.dim), np.float32)

    weights_hash = None

    @property
    def dim(self) -> int:
        return 324 + 160 + 32


class FacenetDescriptor:
    """InceptionResnetV1 embeddings (512-d) from a local weights file the user passes; never downloads."""

    size = 160

    def __init__(self, weights: str | Path, device: torch.device) -> None:
        from facenet_pytorch import InceptionResnetV1

        from features.errors import WeightsError

        p = Path(weights)
        if not p.is_file():
            raise WeightsError(f"{p}: face weights file not found (expected a local InceptionResnetV1 state dict)")
        try:
            state = torch.load(p, map_location="cpu", weights_only=True)
        except Exception as err:  # torch raises several types for a file it cannot read
            raise WeightsError(f"{p}: cannot be read by torch.load ({err.__class__.__name__}: {err})") from err
        if isinstance(state, dict) and "state_dict" in state:
            state = state["state_dict"]
        if not isinstance(state, dict):
            raise WeightsError(f"{p}: not an InceptionResnetV1 state dict (a {type(state).__name__})")
        state = {k: v for k, v in state.items() if not k.startswith("logits.")}
        self.model = InceptionResnetV1(pretrained=None, classify=False)
        try:
            missing, _ = self.model.load_state_dict(state, strict=False)
        except RuntimeError as err:
            raise WeightsError(f"{p}: not an InceptionResnetV1 state dict ({str(err).splitlines()[0]})") from err
        if missing:
            raise WeightsError(f"{p}: not an InceptionResnetV1 state dict (missing {len(missing)} keys, e.g. {missing[0]})")
        self.model.eval().to(device)
        self.device = device
        from features.weights import content_hash

        self.weights_hash = content_hash(p)  # the content, not the name: new weights at one path are new
        self.kind = f"facenet-inceptionresnetv1:{self.weights_hash}"

    @property
    def dim(self) -> int:
        return 512

    def describe(self, rgb: np.ndarray, dets: list[Detection], scale: float = 1.0) -> np.ndarray:
        return self.describe_batch([(rgb, dets)], scale)

    def describe_batch(self, items: list[tuple[np.ndarray, list[Detection]]], scale: float = 1.0) -> np.ndarray:
        """Embeddings of all faces of a batch of frames in one forward pass (on the model's device)."""
        crops = [align_face(rgb, d, self.size, scale) for rgb, dets in items for d in dets]
        return self.embed(crops)

    def embed(self, crops: list[np.ndarray]) -> np.ndarray:
        """Unit 512-d embeddings of aligned 160x160 RGB crops."""
        if not crops:
            return np.zeros((0, 512), np.float32)
        x = torch.from_numpy(np.stack(crops)).to(self.device).permute(0, 3, 1, 2).float()
        x = (x - 127.5) / 128.0
        with torch.inference_mode():
            e = self.model(x)
        return torch.nn.functional.normalize(e, dim=1).cpu().numpy().astype(np.float32)


def pool(vectors: np.ndarray) -> np.ndarray:
    """Track descriptor: mean of unit vectors, renormalised."""
    if len(vectors) == 0:
        return vectors
    m = np.asarray(vectors, dtype=np.float64).mean(0)
    return (m / (np.linalg.norm(m) + 1e-12)).astype(np.float32)
