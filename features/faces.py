"""Face detection with facenet-pytorch's MTCNN (weights ship in the wheel), batched on the chosen device."""

from __future__ import annotations

import numpy as np
import torch

from features.device import resolve_device


class FaceDetector:
    """Batched MTCNN: ``detect(batch)`` takes an (N, H, W, 3) uint8 tensor, returns per frame (boxes, probs, landmarks)."""

    def __init__(
        self,
        device: str | torch.device = "auto",
        min_face_size: int = 20,
        thresholds: tuple[float, float, float] = (0.6, 0.7, 0.7),
        factor: float = 0.709,
        min_prob: float = 0.9,
    ) -> None:
        from facenet_pytorch import MTCNN

        self.device = resolve_device(device)
        # MTCNN() loads pnet/rnet/onet weights from files inside the facenet_pytorch package: no download.
        self._mtcnn = MTCNN(keep_all=True, device=self.device, min_face_size=min_face_size,
                            thresholds=list(thresholds), factor=factor)
        self._mtcnn.eval()
        self.min_face_size = min_face_size
        self.min_prob = min_prob

    def detect(self, batch: torch.Tensor) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Faces per frame: boxes (K, 4) x1,y1,x2,y2, probabilities (K,), landmarks (K, 5, 2)."""
        from facenet_pytorch.models.utils.detect_face import detect_face

        m = self._mtcnn
        with torch.inference_mode():
            boxes, points = detect_face(batch.to(self.device), m.min_face_size, m.pnet, m.rnet, m.onet,
                                        m.thresholds, m.factor, self.device)
        out = []
        for b, p in zip(boxes, points):
            b = np.asarray(b, dtype=np.float64).reshape(-1, 5)
            p = np.asarray(p, dtype=np.float64).reshape(-1, 5, 2)
            keep = b[:, 4] >= self.min_prob
            out.append((b[keep, :4], b[keep, 4], p[keep]))
        return out
