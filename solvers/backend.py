"""Array backends for the O(n d L) products: numpy on the CPU, or torch (CUDA when present, else CPU).

Only the products with the (centred) feature matrix go through a backend; everything of size
O(n L) or O(d L) stays in numpy, so the oracles and the Frank-Wolfe bookkeeping are backend-free.
"""

from __future__ import annotations

import functools

import numpy as np
from threadpoolctl import ThreadpoolController

DEVICES = ("auto", "numpy", "cpu", "cuda")


def resolve_backend(device: str) -> str:
    """The array backend a solver's ``device`` option names: 'numpy', or a torch device ('cpu',
    'cuda[:k]'); 'auto' -> 'cuda' when torch sees a GPU, else 'numpy'. (Not the video side's
    ``features.device.resolve_device``, which always gives a torch device.)"""
    if device == "numpy":
        return "numpy"
    if device == "auto":
        try:
            import torch

            return "cuda" if torch.cuda.is_available() else "numpy"
        except ImportError:  # pragma: no cover - torch is a dependency
            return "numpy"
    if device == "cpu" or device.startswith("cuda"):
        if device.startswith("cuda"):
            import torch

            if not torch.cuda.is_available():
                raise ValueError(f"device={device!r} requested but torch sees no CUDA device")
        return device
    raise ValueError(f"unknown device {device!r} (expected one of auto, numpy, cpu, cuda, cuda:N)")


def single_blas_thread(fn):
    """Run `fn` with one BLAS thread.

    The products here are thin (L or 2L columns): OpenBLAS's threads cost more than they save,
    and on a busy CPU they thrash (5000 x 128 @ 128 x 10: 0.6 ms with one thread, 4.7 ms with two
    at load 2 on the 2-core development machine).
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        global _CONTROLLER
        if _CONTROLLER is None:  # finding the BLAS libraries costs ~10 ms: once per process
            _CONTROLLER = ThreadpoolController()
        with _CONTROLLER.limit(limits=1, user_api="blas"):
            return fn(*args, **kwargs)

    return wrapper


_CONTROLLER: ThreadpoolController | None = None


class NumpyRows:
    """Products with row blocks of a fixed matrix X (n x d), in numpy float64."""

    name = "numpy"

    def __init__(self, X: np.ndarray) -> None:
        self.X = np.ascontiguousarray(X, dtype=np.float64)

    def rows_matmul(self, rows: slice | np.ndarray, W: np.ndarray) -> np.ndarray:
        """X[rows] @ W."""
        return self.X[rows] @ W

    def rows_tmatmul(self, rows: slice | np.ndarray, D: np.ndarray) -> np.ndarray:
        """X[rows].T @ D."""
        return self.X[rows].T @ D


class TorchRows:
    """The same products with X held by torch on `device` (float64 so results match numpy)."""

    def __init__(self, X: np.ndarray, device: str = "cpu") -> None:
        import torch

        self.torch = torch
        self.device = torch.device(device)
        self.name = f"torch:{self.device}"
        self.X = torch.as_tensor(np.ascontiguousarray(X, dtype=np.float64), device=self.device)

    def _rows(self, rows: slice | np.ndarray):
        if isinstance(rows, slice):
            return self.X[rows]
        return self.X[self.torch.as_tensor(rows, device=self.device)]

    def rows_matmul(self, rows: slice | np.ndarray, W: np.ndarray) -> np.ndarray:
        Wt = self.torch.as_tensor(W, dtype=self.torch.float64, device=self.device)
        return (self._rows(rows) @ Wt).cpu().numpy()

    def rows_tmatmul(self, rows: slice | np.ndarray, D: np.ndarray) -> np.ndarray:
        Dt = self.torch.as_tensor(np.ascontiguousarray(D), dtype=self.torch.float64, device=self.device)
        return (self._rows(rows).T @ Dt).cpu().numpy()


def make_rows(X: np.ndarray, device: str = "auto") -> NumpyRows | TorchRows:
    """The backend for `device` (see resolve_backend)."""
    dev = resolve_backend(device)
    if dev == "numpy":
        return NumpyRows(X)
    return TorchRows(X, dev)
