"""Pairwise Frank-Wolfe that exploits the product structure of the constraint set.

The polytope is a product of small factors: each free track's simplex, each bag (or group of
overlapping bags) with its slack, the group of free tracks tied by the rho constraint, an ordering
block.  Pairwise FW with one active set over the whole product converges linearly in theory but
with a constant that degrades with the number of factors.  Here one iteration takes, in parallel in
every factor f, a pairwise direction d_f = S_f - V_f: S_f the oracle's vertex, V_f an "away"
vertex.  For the general factors V_f is the active vertex with the largest gradient inner product
(each keeps its own active set).  For free tracks and for the small single bags (the bulk of a
movie) no active set is kept: V_f is the vertex of the minimal face containing the current point
with the largest gradient inner product (decomposition-invariant pairwise FW, Garber & Meshi,
NeurIPS 2016; for a free track, the worst label in the row's support), found by the same
enumeration as the oracle, and the step is capped by the largest feasible step along d_f (ratio
test) instead of by an active weight.  An active set of a bag would gain a vertex almost every
iteration (a vertex fixes the labels of all the bag's tracks), which made it the bottleneck.
The step g_f minimizes the separable majorizer

    F(Z + sum_f g_f d_f) <= F + sum_f [ g_f <grad, d_f> + g_f^2 (||d_f||^2 / n + kappa ||dxi_f||^2) ],

valid because A <= lambda_max(A) I with lambda_max(A) <= 1/n (ridge residual operator; "n" below
stands for 1 / lambda_max, computed exactly by the objective) and the d_f have disjoint supports;
g_f is capped (weight of V_f, or the ratio test).  The steps are then rescaled by an exact line search in two
variables: t1 for the steps below their cap (allowed past 1 up to the first cap: the separable
model is conservative along the low-curvature directions spanned by the features), t2 in [0, 1]
for the capped ("drop") steps.  Each iteration decreases F at least as much as the majorizer promises; the
Frank-Wolfe duality gap of the whole problem is computed exactly at every iteration.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .oracle import slot_maps
from .types import Block, Vertex


class _Factor:
    """A general factor: global rows, global slack indices, active set (dense vertices)."""

    __slots__ = ("keys", "need", "rows", "single", "verts", "vxi", "w", "xs")

    def __init__(self, rows: np.ndarray, xs: np.ndarray, single=None) -> None:
        self.rows = rows
        self.xs = xs
        self.single = single  # (labels, has slack per label, alpha) for a single bag: face steps, no active set
        self.need: float | None = None  # the rho group: sum of Z[rows, 0] >= need; face steps, no active set
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
        simplex, simplex_allowed, general, smallT, smallR, smallX = [], [], [], [], [], []
        for b, xo in zip(blocks, xi_offsets):
            s = b.rows.start
            if getattr(b.oracle, "whole_block", False):
                general.append(_Factor(np.arange(b.rows.start, b.rows.stop), xo + np.arange(b.n_slack)))
                continue
            free = np.flatnonzero(b.free)
            if b.rho > 0 and free.size:
                general.append(_Factor(s + free, np.zeros(0, dtype=np.int64)))
                general[-1].need = b.rho * free.size
            else:
                simplex.append(s + free)
                simplex_allowed.append(np.broadcast_to(~b.disallowed(), (free.size, n_labels)))
            comps = getattr(b.oracle, "multi", []) + [[k] for k in b.oracle.general]
            singles = {k for k in b.oracle.general}
            if b.oracle.simple:
                smallT.append(np.where(b.oracle.T >= 0, b.oracle.T + s, -1))
                smallR.append(b.oracle.R)
                smallX.append(np.where(b.oracle.X >= 0, b.oracle.X + xo, -1))
            for comp in comps:
                rows = np.unique(np.concatenate([b.bags[k][0] for k in comp]))
                xs = np.concatenate([b.slack_offsets[k] for k in comp])
                single = None
                if len(comp) == 1 and comp[0] in singles:
                    lab, offs = b.bags[comp[0]][1], b.slack_offsets[comp[0]]
                    single = (lab, offs >= 0, b.alpha)
                general.append(_Factor(s + rows, xo + xs[xs >= 0], single))
        self.simplex = np.concatenate(simplex) if simplex else np.zeros(0, dtype=np.int64)
        # per free row, the labels its block allows (the others are fixed to zero)
        self.simplex_allowed = np.concatenate(simplex_allowed) if simplex else np.ones((0, n_labels), dtype=bool)
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
        self.groups = _small_groups(self.T - self.start, self.R,
                                    np.where(self.X >= 0, self.X - self.xs.start, -1))

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
        for f in self.general:
            f.verts = Z[f.rows][None].copy()
            f.vxi = xi[f.xs][None].copy()
            f.w = np.ones(1)
            f.keys = [self._key(f.verts[0], f.vxi[0])]

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
        if r.size:
            lr = r - self.start
            Gr = G[lr]
            s = np.argmin(np.where(self.simplex_allowed, Gr, np.inf), axis=1)  # the oracle's label
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
        if self.groups:
            small = self._small_direction(Zb, xb, G, gx, S, D, dxi, n)
        for f in self.general:
            lr = f.rows - self.start
            Gf = G[lr]
            gxf = gx[f.xs - xs0]
            Sf = Sd[lr]
            Sx = S.xi[f.xs - xs0]
            if f.need is not None:
                t1max = min(t1max, self._rho_face_step(f, Zb[lr], Gf, Sf, D, lr, n))
                continue
            if f.single is not None:
                t1max = min(t1max, self._single_face_step(f, Zb[lr], xb[f.xs - xs0], Gf, gxf, Sf, Sx, D, dxi, lr, n))
                continue
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
            t1max = min(t1max, small)
        return gap, D, dxi, plan, t1max

    def _single_face_step(self, f, Zf, xf, Gf, gxf, Sf, Sx, D, dxi, lr, n) -> float:
        """Decomposition-invariant pairwise step for a large single bag (`_single_face_away`), capped
        by the ratio test.  Returns the factor by which its uncapped step may be scaled."""
        lab, hasx, a = f.single
        L = Zf.shape[1]
        r = lab.size
        xv = np.zeros(r)
        xv[hasx] = xf
        gv = np.zeros(r)
        gv[hasx] = gxf
        found = _single_face_away(Zf, xv, Gf, gv, lab, hasx, a)
        if found is None:
            return np.inf
        V_lab, V_xi, cov = found
        S_lab = np.argmax(Sf, axis=1)
        S_xi = np.zeros(r)
        S_xi[hasx] = Sx
        diff = S_lab != V_lab
        dx = S_xi - V_xi
        lin = float(Gf[diff, S_lab[diff]].sum() - Gf[diff, V_lab[diff]].sum() + gv @ dx)
        c = 2.0 * diff.sum() / n + self.kappa * float(dx @ dx)
        if not (lin < 0 and c > 0):
            return np.inf
        slope = (np.bincount(S_lab, minlength=L) - np.bincount(V_lab, minlength=L))[lab] + dx
        with np.errstate(divide="ignore", invalid="ignore"):
            cap = min(float(np.min(Zf[diff, V_lab[diff]], initial=np.inf)),
                      float(np.min(np.where(dx < 0, xv / -dx, np.where(dx > 0, (a - xv) / dx, np.inf)), initial=np.inf)),
                      float(np.min(np.where(slope < 0, np.maximum(cov - a, 0.0) / -slope, np.inf), initial=np.inf)))
        if not cap > 0:
            return np.inf
        raw = -lin / (2 * c)
        grp = int(raw >= cap)
        g = min(cap, raw)
        rows = lr[diff]
        D[grp, rows, S_lab[diff]] += g
        D[grp, rows, V_lab[diff]] -= g
        dxi[grp][f.xs - self.xs.start] += g * dx[hasx]
        return cap / g if grp == 0 else np.inf

    def _rho_face_step(self, f, Zf, Gf, Sf, D, lr, n) -> float:
        """Decomposition-invariant pairwise step for the rho group (`_rho_face_away`), capped by the
        ratio test.  Returns the factor by which its uncapped step may be scaled."""
        V = _rho_face_away(Zf, Gf, f.need)
        d = Sf - V
        d[np.abs(d) < 1e-15] = 0.0
        lin = float(np.sum(Gf * d))
        c = float(np.sum(d * d)) / n
        if not (lin < 0 and c > 0):
            return np.inf
        slope = float(d[:, 0].sum())
        with np.errstate(divide="ignore", invalid="ignore"):
            cap = float(np.min(np.where(d < 0, np.maximum(Zf, 0.0) / -d, np.inf), initial=np.inf))
        if slope < 0:
            cap = min(cap, max(float(Zf[:, 0].sum()) - f.need, 0.0) / -slope)
        if not cap > 0:
            return np.inf
        raw = -lin / (2 * c)
        grp = int(raw >= cap)
        g = min(cap, raw)
        D[grp][lr] += g * d
        return cap / g if grp == 0 else np.inf

    def _small_direction(self, Zb, xb, G, gx, S, D, dxi, n) -> float:
        """Decomposition-invariant pairwise directions S - V for the small single bags.

        V is the vertex of the minimal face of the bag's polytope containing the current point
        that maximizes <G, V> (`_face_away`), so no active set is kept (Garber & Meshi, NeurIPS
        2016); the step cap is the largest feasible step along S - V (ratio test).  Returns the
        largest factor by which the uncapped steps may be scaled.
        """
        t1max = np.inf
        for grp_ in self.groups:
            T, R, X = grp_.T, grp_.R, grp_.X
            ng, s = T.shape
            hasx = X >= 0
            Xc = np.where(hasx, X, 0)
            xv = np.where(hasx, xb[Xc], 0.0) if xb.size else np.zeros(X.shape)
            gxv = np.where(hasx, gx[Xc], 0.0) if gx.size else np.zeros(X.shape)
            Zg, Gg = Zb[T], G[T]
            V_lab, V_xi, ok, cov = _face_away(grp_, Zg, Gg, xv, gxv, hasx)
            S_lab = S.labels[T].astype(np.int64)
            S_xi = np.where(hasx, S.xi[Xc], 0.0) if S.xi.size else np.zeros(X.shape)
            bi = np.arange(ng)[:, None]
            ji = np.arange(s)[None, :]
            diff = S_lab != V_lab
            dx = S_xi - V_xi
            lin = (np.where(diff, Gg[bi, ji, S_lab] - Gg[bi, ji, V_lab], 0.0).sum(1) + (gxv * dx).sum(1))
            c = 2.0 * diff.sum(1) / n + self.kappa * (dx * dx).sum(1)
            # ratio test: entries leaving V's support, slack bounds, coverage constraints
            cap = np.where(diff, Zg[bi, ji, V_lab], np.inf).min(1)
            with np.errstate(divide="ignore", invalid="ignore"):
                cap = np.minimum(cap, np.where(dx < 0, xv / -dx, np.where(dx > 0, (1.0 - xv) / dx, np.inf)).min(1))
                slope = ((S_lab[:, :, None] == R[:, None, :]).sum(1) - (V_lab[:, :, None] == R[:, None, :]).sum(1)
                         + dx)
                cap = np.minimum(cap, np.where(slope < 0, np.maximum(cov - 1.0, 0.0) / -slope, np.inf).min(1))
                move = ok & (lin < 0) & (c > 0) & (cap > 0)
                raw = np.where(move, -lin / (2 * c), 0.0)
            cap = np.minimum(cap, 1.0)
            grp = (raw >= cap).astype(np.int64)
            g = np.minimum(raw, cap)
            unc = (grp == 0) & (g > 0)
            if unc.any():
                t1max = min(t1max, float(np.min(cap[unc] / g[unc])))
            b, j = np.nonzero(diff & (g[:, None] > 0))
            r = T[b, j]
            D[grp[b], r, S_lab[b, j]] += g[b]
            D[grp[b], r, V_lab[b, j]] -= g[b]
            if dxi.shape[1]:
                b, q = np.nonzero(hasx & (dx != 0) & (g[:, None] > 0))
                dxi[grp[b], X[b, q]] += g[b] * dx[b, q]
        return t1max

    def commit(self, plan, t1: float, t2: float) -> None:
        """Active-set bookkeeping of the step t1 * D[0] + t2 * D[1] (general factors only)."""
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


EPS = 1e-12  # entries of Z (and slack values) at or below EPS count as zero when finding faces
TIGHT = 1e-9  # a coverage constraint within TIGHT of its bound counts as tight


@dataclass
class _SmallGroup:
    """Small single bags of one shape (s tracks, r required labels), in factor-local indices."""

    T: np.ndarray  # (ng, s) rows
    R: np.ndarray  # (ng, r) required labels
    X: np.ndarray  # (ng, r) slack index or -1
    combos: np.ndarray  # (nc, r) slot -> track position, s = unfilled
    unused: np.ndarray  # (s, nc) 1.0 where the track takes no slot in the combo


def _small_groups(T: np.ndarray, R: np.ndarray, X: np.ndarray) -> list[_SmallGroup]:
    if not T.shape[0]:
        return []
    sizes = np.stack([(T >= 0).sum(1), (R >= 0).sum(1)], axis=1)
    out = []
    for s, r in np.unique(sizes, axis=0):
        idx = np.flatnonzero((sizes[:, 0] == s) & (sizes[:, 1] == r))
        combos = slot_maps(int(s), int(r))
        used = np.zeros((combos.shape[0], s + 1), dtype=bool)
        for q in range(r):
            used[np.arange(combos.shape[0]), combos[:, q]] = True
        out.append(_SmallGroup(T[idx, :s], R[idx, :r], X[idx, :r], combos, (~used[:, :s]).T.astype(np.float64)))
    return out


def _face_away(grp: _SmallGroup, Zg, Gg, xv, gxv, hasx):
    """Per bag, the vertex of the minimal face containing (Zg, xv) that maximizes <G, V> + <gx, xi>.

    The face keeps the zero entries of Z at zero, the slack at its bound where it is at a bound,
    and the tight coverage constraints tight (sum_i V[i, l] + xi_l = 1: the slot's track, or the
    slack, and no other track takes l).  Its vertices are the bag's vertices obeying that (the
    polytope is integral, see oracle.py), so enumerating the slot maps as the oracle does, with
    the other tracks at their best label allowed in the face, is exact.
    Returns (labels (ng, s), slack (ng, r), feasible (ng,), coverage sum_i Z[i, l] + xi_l (ng, r)).
    """
    T, R, combos = grp.T, grp.R, grp.combos
    ng, s = T.shape
    r = R.shape[1]
    L = Zg.shape[2]
    bi = np.arange(ng)[:, None, None]
    ZR = Zg[bi, np.arange(s)[None, :, None], R[:, None, :]]  # (ng, s, r)
    cov = ZR.sum(1) + xv
    eq = np.zeros((ng, L), dtype=bool)
    eq[np.arange(ng)[:, None], R] = cov <= 1.0 + TIGHT
    Cfree = np.where((Zg > EPS) & ~eq[:, None, :], -Gg, np.inf)
    marg = np.argmin(Cfree, axis=2)
    m = np.take_along_axis(Cfree, marg[:, :, None], axis=2)[:, :, 0]
    E = np.empty((ng, s + 1, r))
    must_unfill = hasx & (xv >= 1.0 - EPS)
    E[:, :s, :] = np.where((ZR > EPS) & ~must_unfill[:, None, :], -Gg[bi, np.arange(s)[None, :, None], R[:, None, :]],
                           np.inf)
    E[:, s, :] = np.where(hasx & (xv > EPS), -gxv, np.inf)
    cost = E[:, combos[:, 0], 0]
    for q in range(1, r):
        cost = cost + E[:, combos[:, q], q]
    fin = np.isfinite(m)
    cost = cost + np.where(fin, m, 0.0) @ grp.unused
    cost[(~fin).astype(np.float64) @ grp.unused > 0] = np.inf
    best = np.argmin(cost, axis=1)
    ok = np.isfinite(cost[np.arange(ng), best])
    ch = combos[best]
    V_lab = marg.copy()
    b, q = np.nonzero(ch < s)
    V_lab[b, ch[b, q]] = R[b, q]
    V_xi = np.where(hasx & (ch == s), 1.0, 0.0)
    return V_lab, V_xi, ok, cov


def _single_face_away(Zf, xv, Gf, gv, lab, hasx, a):
    """For one bag (any size, any alpha): the vertex of the minimal face containing (Zf, xv) that
    maximizes <G, V> + <gx, xi> (face as in `_face_away`), by a square assignment: rows are the
    tracks and one 'unfilled' dummy per slot (alpha slots per label), columns the slots and one
    'own best label' column per track.  Returns (labels, slack, coverage) or None if none is found.
    """
    import scipy.optimize

    s, L = Zf.shape
    r = lab.size
    cov = Zf[:, lab].sum(0) + xv
    eq = np.zeros(L, dtype=bool)
    eq[lab] = cov <= a + TIGHT
    allowed = Zf > EPS
    Cfree = np.where(allowed & ~eq[None, :], -Gf, np.inf)
    marg = np.argmin(Cfree, axis=1)
    m = Cfree[np.arange(s), marg]
    slot_lab = np.repeat(np.arange(r), a)
    ns = slot_lab.size
    must_unfill = hasx & (xv >= a - EPS)
    can_unfill = hasx & (xv > EPS)
    big = np.full((s + ns, ns + s), np.inf)
    big[:s, :ns] = np.where(allowed[:, lab[slot_lab]] & ~must_unfill[slot_lab][None, :], -Gf[:, lab[slot_lab]], np.inf)
    big[np.arange(s), ns + np.arange(s)] = m
    big[s + np.arange(ns), np.arange(ns)] = np.where(can_unfill[slot_lab], -gv[slot_lab], np.inf)
    big[s:, ns:] = 0.0
    try:
        ri, ci = scipy.optimize.linear_sum_assignment(big)
    except ValueError:
        return None
    if not np.isfinite(big[ri, ci]).all():
        return None
    V_lab = marg.copy()
    to_slot = (ri < s) & (ci < ns)
    V_lab[ri[to_slot]] = lab[slot_lab[ci[to_slot]]]
    unf = (ri >= s) & (ci < ns)
    V_xi = np.bincount(slot_lab[ci[unf]], minlength=r).astype(np.float64)
    return V_lab, V_xi, cov


def _rho_face_away(Zf, Gf, need):
    """The rho group's vertex of the minimal face containing Zf that maximizes <G, V>: zero entries
    stay zero and, if sum_i Z[i, 0] = need is tight, it stays tight.  Each row takes label 0 or its
    best allowed other label; the rows gaining most by label 0 take it (all with a gain when the
    constraint is not tight, but at least `need`), one row possibly fractional (as in oracle._rho)."""
    nr, L = Zf.shape
    C = np.where(Zf > EPS, -Gf, np.inf)
    other = 1 + np.argmin(C[:, 1:], axis=1)
    m = C[np.arange(nr), other]
    e = C[:, 0] - m  # cost of label 0 instead of the best other label (-inf: must be 0, inf: cannot)
    e = np.where(np.isnan(e), np.inf, e)
    order = np.argsort(e, kind="stable")
    tight = Zf[:, 0].sum() <= need + TIGHT
    k = int(np.floor(need + 1e-9))
    if not tight:
        k = max(k, int(np.sum(e < 0)))
    z0 = np.zeros(nr)
    z0[order[:k]] = 1.0
    rest = need - k
    if rest > 1e-9 and k < nr:
        z0[order[k]] = rest
    V = np.zeros((nr, L))
    V[:, 0] = z0
    V[np.arange(nr), other] += 1.0 - z0
    return V


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
