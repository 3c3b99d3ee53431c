"""Baselines with the estimator's interface (fit(X, bags, blocks=None, background=None), labels_,
scores_, predict):

- `MILMaxPool`: multiple-instance learning with max-pooling over each bag's tracks (Oquab et al.
  CVPR 2015 style): a linear scorer s = X W + b; a bag's score for label l is the max of s[:, l]
  over its tracks; logistic loss with target 1 for its required labels and 0 for the other
  labels > 0; known background tracks are single-track examples of label 0.  torch, full batch, Adam.
- `NaiveOnlyTrack`: "a name goes to the bag's only track": bags with one track and one required
  label give labelled examples; with the background tracks they train a logistic regression
  that labels every track.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .constraints import BagLike, as_bags


def _check_X(X) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or not np.isfinite(X).all():
        raise ValueError("X must be a finite 2-D array (n_tracks x n_features)")
    return X


class MILMaxPool:
    """Max-pooling MIL with a linear scorer trained by logistic loss (torch, CPU or CUDA)."""

    def __init__(self, n_labels: int, reg: float = 1e-4, max_iter: int = 300, lr: float = 0.05,
                 device: str = "cpu", random_state: int | None = 0) -> None:
        self.n_labels = n_labels
        self.reg = reg
        self.max_iter = max_iter
        self.lr = lr
        self.device = device
        self.random_state = random_state

    def fit(self, X, bags: Sequence[BagLike], blocks=None, background=None):
        import torch

        X = _check_X(X)
        d = X.shape[1]
        L = self.n_labels
        bag_list = as_bags(bags)
        if background is not None and len(background):
            bag_list = bag_list + [type(bag_list[0])((int(i),), (0,), "bg") for i in np.asarray(background)]
        size = max(len(b.track_indices) for b in bag_list)
        idx = np.full((len(bag_list), size), -1)
        target = np.zeros((len(bag_list), L))
        weight = np.ones((len(bag_list), L))
        for k, b in enumerate(bag_list):
            idx[k, : len(b.track_indices)] = b.track_indices
            target[k, list(b.required_labels)] = 1.0
            if 0 not in b.required_labels:
                weight[k, 0] = 0.0  # a bag may or may not contain background: no label-0 target
        dev = torch.device(self.device)
        gen = torch.Generator().manual_seed(0 if self.random_state is None else int(self.random_state))
        mu, sd = X.mean(0), X.std(0) + 1e-12
        Xt = torch.as_tensor((X - mu) / sd, dtype=torch.float32, device=dev)
        W = (0.01 * torch.randn(d, L, generator=gen)).to(dev).requires_grad_()
        b = torch.zeros(L, device=dev, requires_grad=True)
        it = torch.as_tensor(np.where(idx >= 0, idx, 0), device=dev)
        mask = torch.as_tensor(idx >= 0, device=dev)
        tt = torch.as_tensor(target, dtype=torch.float32, device=dev)
        ww = torch.as_tensor(weight, dtype=torch.float32, device=dev)
        opt = torch.optim.Adam([W, b], lr=self.lr)
        threads = torch.get_num_threads()
        if dev.type == "cpu":
            torch.set_num_threads(1)  # small products: intra-op threads only spin on a shared CPU
        try:
            self._train(opt, Xt, W, b, it, mask, tt, ww)
        finally:
            torch.set_num_threads(threads)
        self.coef_ = W.detach().cpu().numpy().astype(np.float64) / sd[:, None]
        self.intercept_ = b.detach().cpu().numpy().astype(np.float64) - mu @ self.coef_
        self.scores_ = X @ self.coef_ + self.intercept_
        self.labels_ = np.argmax(self.scores_, axis=1)
        return self

    def _train(self, opt, Xt, W, b, it, mask, tt, ww) -> None:
        import torch

        for _ in range(self.max_iter):
            opt.zero_grad()
            s = Xt @ W + b
            pooled = s[it].masked_fill(~mask[:, :, None], float("-inf")).amax(dim=1)
            loss = (torch.nn.functional.binary_cross_entropy_with_logits(pooled, tt, weight=ww, reduction="sum")
                    / ww.sum() + self.reg * (W**2).sum())
            loss.backward()
            opt.step()

    def predict(self, X_new) -> np.ndarray:
        return np.argmax(_check_X(X_new) @ self.coef_ + self.intercept_, axis=1)


class NaiveOnlyTrack:
    """Label tracks from bags that have a single track and a single name, then generalize."""

    def __init__(self, n_labels: int, C: float = 1.0) -> None:
        self.n_labels = n_labels
        self.C = C

    def fit(self, X, bags: Sequence[BagLike], blocks=None, background=None):
        from sklearn.linear_model import LogisticRegression

        X = _check_X(X)
        rows, ys = [], []
        for b in as_bags(bags):
            if len(b.track_indices) == 1 and len(set(b.required_labels)) == 1:
                rows.append(b.track_indices[0])
                ys.append(b.required_labels[0])
        if background is not None:
            for i in np.asarray(background):
                rows.append(int(i))
                ys.append(0)
        if len(set(ys)) < 2:
            raise ValueError("the naive rule needs labelled examples of at least two labels "
                             "(bags with one track and one name, or background tracks)")
        clf = LogisticRegression(C=self.C, max_iter=1000).fit(X[rows], ys)
        self.classes_ = clf.classes_
        self.scores_ = np.full((X.shape[0], self.n_labels), -np.inf)
        self.scores_[:, clf.classes_] = clf.decision_function(X) if clf.classes_.size > 2 else \
            np.stack([-clf.decision_function(X), clf.decision_function(X)], 1)
        self.labels_ = np.argmax(self.scores_, axis=1)
        self.labels_[rows] = ys
        self._clf = clf
        return self

    def predict(self, X_new) -> np.ndarray:
        return self._clf.predict(_check_X(X_new))
