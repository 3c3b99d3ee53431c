"""Pairwise Frank-Wolfe that exploits the product structure of the constraint set.

The polytope is a product of small factors: each free track's simplex, each bag (or group of
overlapping bags) with its slack, the group of free tracks tied by the rho constraint, an ordering
block.  Pairwise FW with one active set over the whole product converges linearly in theory but
with a constant that degrades with the number of factors.  Here every factor keeps its own active
set (a free track's active set is its row of Z), and one iteration takes, in parallel in every
factor f, the pairwise direction d_f = S_f - V_f (S_f the oracle's vertex, V_f the active vertex
with the largest gradient inner product) with the step g_f minimizing the separable majorizer

    F(Z + sum_f g_f d_f) <= F + sum_f [ g_f <grad, d_f> + g_f^2 (||d_f||^2 / n + kappa ||dxi_f||^2) ],

valid because A <= lambda_max(A) I with lambda_max(A) <= 1/n (ridge residual operator; "n" below
stands for 1 / lambda_max, computed exactly by the objective) and the d_f have disjoint supports;
g_f is capped at the weight of V_f.  The steps are then rescaled by an exact line search in two
variables: t1 for the steps below their cap (allowed past 1 up to the first cap: the separable
model is conservative along the low-curvature directions spanned by the features), t2 in [0, 1]
for the capped ("drop") steps.  Each iteration decreases F at least as much as the majorizer promises; the
Frank-Wolfe duality gap of the whole problem is computed exactly at every iteration.
"""

from __future__ import annotations

import numpy as np

from .constraints import Block, Vertex


class _Factor:
    """A general factor: global rows, global slack indices, active set (dense vertices)."""

    __slots__ = ("rows", "xs", "verts", "vxi", "w", "keys")

    def __init__(self, rows: np.ndarray, xs: np.ndarray) -> None:
        self.rows = rows
        self.xs = xs
        self.verts: np.ndarray | None = None
        self.vxi: np.ndarray | None = None
        self.w = np.zeros(0)
        self.keys: list[bytes] = []


class Factors:
    """The factors of a contiguous range of blocks, with their active sets."""

    def __init__(self, blocks: list[Block], xi_offsets: list[int], n_labels: int, kappa: float) -> None:
        self.blocks = blocks
        self.xo = xi_offsets
        self.L = n_labels
        self.kappa = kappa
        self.start = blocks[0].rows.start
        self.stop = blocks[-1].rows.stop
        self.rows = slice(self.start, self.stop)
        self.xs = slice(xi_offsets[0], xi_offsets[-1] + blocks[-1].n_slack)
        simplex, general, smallT, smallR, smallX = [], [], [], [], []
        for b, xo in zip(blocks, xi_offsets):
            s = b.rows.start
            if getattr(b.oracle, "whole_block", False):
                general.append(_Factor(np.arange(b.rows.start, b.rows.stop), xo + np.arange(b.n_slack)))
                continue
            free = np.flatnonzero(b.free)
            if b.rho > 0 and free.size:
                general.append(_Factor(s + free, np.zeros(0, dtype=np.int64)))
            else:
                simplex.append(s + free)
            comps = getattr(b.oracle, "multi", []) + [[k] for k in b.oracle.general]
            if b.oracle.simple:
                smallT.append(np.where(b.oracle.T >= 0, b.oracle.T + s, -1))
                smallR.append(b.oracle.R)
                smallX.append(np.where(b.oracle.X >= 0, b.oracle.X + xo, -1))
            for comp in comps:
                rows = np.unique(np.concatenate([b.bags[k][0] for k in comp]))
                xs = np.concatenate([b.slack_offsets[k] for k in comp])
                general.append(_Factor(s + rows, xo + xs[xs >= 0]))
        self.simplex = np.concatenate(simplex) if simplex else np.zeros(0, dtype=np.int64)
        self.general = general
        if smallT:
            sm = max(t.shape[1] for t in smallT)
            rm = max(t.shape[1] for t in smallR)
            pad = lambda a, w: np.pad(a, ((0, 0), (0, w - a.shape[1])), constant_values=-1)
            self.T = np.concatenate([pad(t, sm) for t in smallT])
            self.R = np.concatenate([pad(t, rm) for t in smallR])
            self.X = np.concatenate([pad(t, rm) for t in smallX])
        else:
            self.T = np.zeros((0, 1), dtype=np.int64)
            self.R = self.X = np.zeros((0, 1), dtype=np.int64)
        nb = self.T.shape[0]
        self.K = 1
        self.act_lab = np.zeros((nb, 1, self.T.shape[1]), dtype=np.int16)
        self.act_xi = np.zeros((nb, 1, self.R.shape[1]))
        self.act_w = np.zeros((nb, 1))

    def oracle(self, G: np.ndarray, gx: np.ndarray) -> Vertex:
        """Vertex of the product (rows self.rows, slack self.xs), from each block's exact oracle."""
        labs, xis, fr, fv = [], [], [], []
        for b, xo in zip(self.blocks, self.xo):
            lo = b.rows.start - self.start
            v = b.oracle(G[lo: lo + b.size], gx[xo - self.xs.start: xo - self.xs.start + b.n_slack])
            labs.append(v.labels)
            xis.append(v.xi)
            if v.frac_rows.size:
                fr.append(v.frac_rows + lo)
                fv.append(v.frac_vals)
        lab = np.concatenate(labs)
        xi = np.concatenate(xis) if xis else np.zeros(0)
        if fr:
            return Vertex(lab, xi, np.concatenate(fr), np.vstack(fv))
        return Vertex(lab, xi)

    def init(self, Z: np.ndarray, xi: np.ndarray) -> None:
        """Start at the oracle's vertex for zero costs (feasible; ties go to label 0)."""
        nb = self.stop - self.start
        v = self.oracle(np.zeros((nb, self.L)), np.zeros(self.xs.stop - self.xs.start))
        Z[self.rows] = v.dense(self.L)
        xi[self.xs] = v.xi
        if self.T.shape[0]:
            self.act_lab[:, 0, :] = self._labels_at(Z, self.T)
            self.act_xi[:, 0, :] = self._xi_at(xi, self.X)
            self.act_w[:, 0] = 1.0
        for f in self.general:
            f.verts = Z[f.rows][None].copy()
            f.vxi = xi[f.xs][None].copy()
            f.w = np.ones(1)
            f.keys = [self._key(f.verts[0], f.vxi[0])]

    @staticmethod
    def _labels_at(Z: np.ndarray, T: np.ndarray) -> np.ndarray:
        """Labels of the (integral) rows T of Z; 0 at pad positions."""
        lab = np.argmax(Z[np.where(T >= 0, T, 0)], axis=2)
        return np.where(T >= 0, lab, 0).astype(np.int16)

    @staticmethod
    def _xi_at(xi: np.ndarray, X: np.ndarray) -> np.ndarray:
        return np.where(X >= 0, xi[np.where(X >= 0, X, 0)] if xi.size else 0.0, 0.0)

    @staticmethod
    def _key(V: np.ndarray, x: np.ndarray) -> bytes:
        return np.round(V, 12).tobytes() + np.round(x, 12).tobytes()

    def direction(self, Z: np.ndarray, xi: np.ndarray, G: np.ndarray, gx: np.ndarray, n: float):
        """Gap and the combined pairwise direction; G, gx are the gradients on self.rows / self.xs.

        Returns (gap, D on self.rows, dxi on self.xs, plan) where plan records the per-factor steps.
        """
        L = self.L
        Zb = Z[self.rows]
        xb = xi[self.xs]
        S = self.oracle(G, gx)
        Sd = S.dense(L)
        gap = float(np.sum(G * (Zb - Sd))) + float(gx @ (xb - S.xi))
        D = np.zeros((2,) + Zb.shape)  # [0]: steps below their cap, [1]: capped (drop) steps
        dxi = np.zeros((2,) + xb.shape)
        t1max = np.inf
        # free rows: the active set of a simplex row is the row itself
        r = self.simplex
        plan_rows = None
        if r.size:
            lr = r - self.start
            Gr = G[lr]
            s = np.argmin(Gr, axis=1)
            v = np.argmax(np.where(Zb[lr] > 0, Gr, -np.inf), axis=1)
            lin = Gr[np.arange(r.size), s] - Gr[np.arange(r.size), v]
            raw = np.maximum(-lin * n / 4.0, 0.0)
            cap = Zb[lr, v]
            grp = (raw >= cap).astype(np.int64)
            g = np.minimum(raw, cap)
            g[s == v] = 0.0
            D[grp, lr, s] += g
            D[grp, lr, v] -= g
            unc = (grp == 0) & (g > 0)
            if unc.any():
                t1max = min(t1max, float(np.min(cap[unc] / g[unc])))
        plan = []
        xs0 = self.xs.start
        small = None
        if self.T.shape[0]:
            small = self._small_direction(G, gx, S, Sd, D, dxi, n)
        for f in self.general:
            lr = f.rows - self.start
            Gf = G[lr]
            gxf = gx[f.xs - xs0]
            Sf = Sd[lr]
            Sx = S.xi[f.xs - xs0]
            vals = np.einsum("krl,rl->k", f.verts, Gf) + f.vxi @ gxf
            k = int(np.argmax(vals))
            d = Sf - f.verts[k]
            dx = Sx - f.vxi[k]
            lin = float(np.sum(Gf * Sf)) + float(gxf @ Sx) - vals[k]
            c = float(np.sum(d * d)) / n + self.kappa * float(dx @ dx)
            if lin >= 0 or c <= 0:
                continue
            raw = -lin / (2 * c)
            grp = int(raw >= f.w[k])
            g = min(f.w[k], raw)
            if grp == 0:
                t1max = min(t1max, f.w[k] / g)
            D[grp][lr] += g * d
            dxi[grp][f.xs - xs0] += g * dx
            plan.append((f, k, g, Sf, Sx, grp))
        if small is not None:
            t1max = min(t1max, small[4])
        return gap, D, dxi, (plan, small), t1max

    def _small_direction(self, G, gx, S, Sd, D, dxi, n):
        """Vectorized pairwise directions for the small single bags (padded arrays)."""
        T, X = self.T - self.start, self.X - self.xs.start
        tv, xv = self.T >= 0, self.X >= 0
        Tc, Xc = np.where(tv, T, 0), np.where(xv, X, 0)
        nb, s = T.shape
        Gb = np.where(tv[:, :, None], G[Tc], 0.0)  # (nb, s, L)
        gxb = np.where(xv, gx[Xc], 0.0) if gx.size else np.zeros(X.shape)
        b_idx = np.arange(nb)[:, None, None]
        j_idx = np.arange(s)[None, None, :]
        vals = Gb[b_idx, j_idx, self.act_lab].sum(axis=2) + np.einsum("bkq,bq->bk", self.act_xi, gxb)
        vals = np.where(self.act_w > 0, vals, -np.inf)
        kv = np.argmax(vals, axis=1)
        S_lab = np.where(tv, S.labels[Tc].astype(np.int64), 0)
        S_xi = np.where(xv, S.xi[Xc], 0.0) if S.xi.size else np.zeros(X.shape)
        gS = np.take_along_axis(Gb, S_lab[:, :, None], axis=2)[:, :, 0].sum(axis=1) + (gxb * S_xi).sum(axis=1)
        V_lab = self.act_lab[np.arange(nb), kv].astype(np.int64)
        V_xi = self.act_xi[np.arange(nb), kv]
        lin = gS - vals[np.arange(nb), kv]
        nd = ((S_lab != V_lab) & tv).sum(axis=1)
        dx = S_xi - V_xi
        c = 2.0 * nd / n + self.kappa * (dx * dx).sum(axis=1)
        cap = self.act_w[np.arange(nb), kv]
        with np.errstate(divide="ignore", invalid="ignore"):
            raw = np.where((lin < 0) & (c > 0), -lin / (2 * c), 0.0)
        grp = (raw >= cap).astype(np.int64)
        g = np.minimum(raw, cap)
        unc = (grp == 0) & (g > 0)
        t1max = float(np.min(cap[unc] / g[unc])) if unc.any() else np.inf
        rows_b, cols_j = np.nonzero(tv & (S_lab != V_lab) & (g[:, None] > 0))
        r = T[rows_b, cols_j]
        gb = grp[rows_b]
        np.add.at(D, (gb, r, S_lab[rows_b, cols_j]), g[rows_b])
        np.add.at(D, (gb, r, V_lab[rows_b, cols_j]), -g[rows_b])
        if dxi.shape[1]:
            bb, qq = np.nonzero(xv)
            np.add.at(dxi, (grp[bb], X[bb, qq]), g[bb] * dx[bb, qq])
        return kv, g, S_lab.astype(np.int16), S_xi, t1max, grp

    def commit(self, plans, t1: float, t2: float) -> None:
        """Active-set bookkeeping of the step t1 * D[0] + t2 * D[1]."""
        plan, small = plans
        if small is not None:
            self._small_commit(small, t1, t2)
        for f, k, g, Sf, Sx, grp in plan:
            step = (t2 if grp else t1) * g
            if step <= 0:
                continue
            key = self._key(Sf, Sx)
            try:
                j = f.keys.index(key)
            except ValueError:
                f.verts = np.concatenate([f.verts, Sf[None]])
                f.vxi = np.concatenate([f.vxi, Sx[None]])
                f.w = np.append(f.w, 0.0)
                f.keys.append(key)
                j = len(f.keys) - 1
            f.w[j] += step
            f.w[k] -= step
            if f.w[k] <= 1e-12:
                keep = np.ones(f.w.size, dtype=bool)
                keep[k] = False
                f.verts, f.vxi, f.w = f.verts[keep], f.vxi[keep], f.w[keep]
                del f.keys[k]

    def _small_commit(self, small, t1: float, t2: float) -> None:
        kv, g, S_lab, S_xi, _, grp = small
        step = np.where(grp == 1, t2, t1) * g
        mv = np.flatnonzero(step > 0)
        if not mv.size:
            return
        lab, axi, w = self.act_lab[mv], self.act_xi[mv], self.act_w[mv]
        same = (lab == S_lab[mv][:, None, :]).all(axis=2) & (np.abs(axi - S_xi[mv][:, None, :]) < 1e-12).all(axis=2) & (w > 0)
        has = same.any(axis=1)
        j = np.where(has, np.argmax(same, axis=1), -1)
        empty = w <= 0
        if (~has & ~empty.any(axis=1)).any():  # grow the padded active sets
            self.act_lab = np.concatenate([self.act_lab, np.zeros_like(self.act_lab)], axis=1)
            self.act_xi = np.concatenate([self.act_xi, np.zeros_like(self.act_xi)], axis=1)
            self.act_w = np.concatenate([self.act_w, np.zeros_like(self.act_w)], axis=1)
            w = self.act_w[mv]
            empty = w <= 0
        j = np.where(has, j, np.argmax(empty, axis=1))
        new = ~has
        self.act_lab[mv[new], j[new]] = S_lab[mv[new]]
        self.act_xi[mv[new], j[new]] = S_xi[mv[new]]
        self.act_w[mv, j] += step[mv]
        self.act_w[mv, kv[mv]] -= step[mv]
        self.act_w[self.act_w <= 1e-12] = 0.0


def box_qp_2d(lin: np.ndarray, C: np.ndarray, t1max: float, t2max: float = 1.0) -> tuple[float, float]:
    """argmin of lin . t + t^T C t over [0, t1max] x [0, t2max] (C symmetric PSD), exactly."""
    def q(a: float, b: float) -> float:
        return lin[0] * a + lin[1] * b + C[0, 0] * a * a + 2 * C[0, 1] * a * b + C[1, 1] * b * b

    def best1(l: float, c: float, hi: float) -> float:
        if c <= 0:
            return hi if l < 0 else 0.0
        return float(np.clip(-l / (2 * c), 0.0, hi))

    cands = [(0.0, 0.0)]
    det = C[0, 0] * C[1, 1] - C[0, 1] ** 2
    if det > 1e-30 * max(C[0, 0] * C[1, 1], 1e-300):
        a, b = np.linalg.solve(2 * C, -lin)
        if 0 <= a <= t1max and 0 <= b <= t2max:
            cands.append((float(a), float(b)))
    for b in (0.0, t2max):
        cands.append((best1(lin[0] + 2 * C[0, 1] * b, C[0, 0], t1max), b))
    for a in (0.0, t1max) if np.isfinite(t1max) else (0.0,):
        cands.append((a, best1(lin[1] + 2 * C[0, 1] * a, C[1, 1], t2max)))
    cands = [c for c in cands if np.isfinite(c[0]) and np.isfinite(c[1])]
    return min(cands, key=lambda ab: q(*ab))


def factored_step(obj, fac: Factors, xi: np.ndarray, kappa: float) -> tuple[float, float]:
    """One factored pairwise step on fac's rows with exact 2-D line search; returns (gap, change of F).

    The uncapped steps (D[0]) may be scaled past 1 up to the first cap; the capped (drop) steps
    (D[1]) up to 1: the quadratic in (t1, t2) is minimized exactly over that box.
    """
    rows, xs = fac.rows, fac.xs
    G = obj.grad(rows)
    gx = 2.0 * kappa * xi[xs]
    gap, D, dxi, plan, t1max = fac.direction(obj.Z, xi, G, gx, 1.0 / obj.curv_bound)
    lin = np.array([float(np.sum(G * D[k])) + float(gx @ dxi[k]) for k in (0, 1)])
    if lin.min() >= 0.0:
        return gap, 0.0
    C, aux = obj.curvature_pair(rows, D[0], D[1])
    C = C + kappa * np.array([[dxi[0] @ dxi[0], dxi[0] @ dxi[1]], [dxi[0] @ dxi[1], dxi[1] @ dxi[1]]])
    t1, t2 = box_qp_2d(lin, C, t1max, 1.0)
    if t1 == 0.0 and t2 == 0.0:
        return gap, 0.0
    obj.update(rows, t1 * D[0] + t2 * D[1], 1.0, tuple(t1 * a + t2 * b for a, b in zip(*aux)))
    xi[xs] += t1 * dxi[0] + t2 * dxi[1]
    fac.commit(plan, t1, t2)
    t = np.array([t1, t2])
    return gap, float(lin @ t + t @ C @ t)
