"""The exact linear minimization oracle (LMO) over one block's constraint set.

Given costs C (n_b x L) on Z and g on the slack xi, return a vertex minimizing <C, Z> + <g, xi>
over: rows of Z on the simplex; fixed rows = background; per bag b and required label l,
sum_{i in b} Z[i,l] >= alpha - xi[b,l] with 0 <= xi <= alpha (xi = 0 without slack); and
sum_{free i} Z[i,0] >= rho * #free.

Why it is exact.
1. Separability.  Tracks in no bag interact only through the rho row; tracks of bags that share
   no track (the connected components of the "bags share a track" graph) share no constraint.  So
   the LP splits into independent LPs: free rows, and one per component.
2. Free rows (rho).  Let m_i = min_l C[i,l] and e_i = C[i,0] - m_i >= 0.  Any feasible z costs
   sum_i m_i + sum_i e_i z[i,0] at least, and the constraint asks sum z[i,0] >= rho #free with
   0 <= z[i,0] <= 1: a fractional knapsack with unit weights, solved exactly by taking the rows of
   smallest e_i first (exchange argument); at most one row is fractional.
3. One bag (a component with a single bag).  Every row takes one label.  Write the cost of an
   integral z as sum_i m_i + sum_i (C[i,z_i] - m_i).  For each required label l pick alpha rows
   labelled l ("slots"; with slack a slot may stay empty at cost g[b,l] >= 0, each empty slot
   raising xi by one).  Rows outside the chosen slots cost at least m_i, so
   cost(z) >= sum m_i + (cost of a slot-to-distinct-row matching).  Conversely the optimal
   matching (scipy.optimize.linear_sum_assignment on slots x (rows + dummies)) with every other row
   at its argmin is feasible and attains that bound.  The integral optimum is also the LP optimum:
   the constraint matrix (rows supply one unit; labels of the bag demand alpha units; slack arcs)
   is a network matrix, hence totally unimodular, so the LP has an integral optimal vertex.
   If g[b,l] < 0 the slack is at its upper bound alpha and label l imposes nothing.
4. Overlapping bags (a component with several bags).  The constraint matrix is no longer
   totally unimodular (a row in two bags requiring the same label), so the component's LP is
   solved as is by HiGHS's simplex (`solvers.lp.FixedLP`: the model is built once, each call only
   changes the costs and restarts from the last basis), which returns a basic, i.e. vertex, solution; it may be fractional, which is correct: the FW domain is the
   relaxed polytope itself.
5. Labels a block may not take (`Block.allowed`) cost +inf in 2-3 and have upper bound 0 in the
   LPs of 4: the same exact minimum over the restricted set.
6. Exclusive pairs (Z[i, l] + Z[j, l] <= 1) and rho over all tracks tie the block together: its LP
   is solved whole by HiGHS (`_whole`), unless the rows' argmins already meet every row.
"""

from __future__ import annotations

import numpy as np
import scipy.optimize
import scipy.sparse as sp

from .lp import FixedLP, csc_from_triplets
from .types import Block, ConstraintError, Vertex


def components(n_rows: int, bags: list[tuple[np.ndarray, np.ndarray, str]]) -> list[list[int]]:
    """Bags grouped by connected components of the shared-track relation (union-find)."""
    parent = list(range(len(bags)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    owner = -np.ones(n_rows, dtype=np.int64)
    for k, (t, _, _) in enumerate(bags):
        prev = owner[t]
        for p in np.unique(prev[prev >= 0]):
            ra, rb = find(int(p)), find(k)
            if ra != rb:
                parent[ra] = rb
        owner[t] = k
    groups: dict[int, list[int]] = {}
    for k in range(len(bags)):
        groups.setdefault(find(k), []).append(k)
    return list(groups.values())


_COMBOS: dict[tuple[int, int], np.ndarray] = {}


def slot_maps(s: int, r: int) -> np.ndarray:
    """All maps of r label slots to s tracks or 'unfilled' (= s), injective on the tracks."""
    key = (s, r)
    if key not in _COMBOS:
        import itertools

        out = [c for c in itertools.product(range(s + 1), repeat=r)
               if len([x for x in c if x < s]) == len({x for x in c if x < s})]
        _COMBOS[key] = np.asarray(out, dtype=np.int64).reshape(-1, r)
    return _COMBOS[key]


SMALL_TRACKS, SMALL_LABELS = 8, 3


class AtLeastOnceOracle:
    """LMO for bags with "at least alpha" requirements, background rows and the rho fraction.

    Single bags with alpha = 1, at most 8 tracks and 3 required labels are solved all at once by
    enumerating the injective slot-to-track maps (at most 9^3 per bag; the same minimum-cost
    assignment as linear_sum_assignment, vectorized over bags); larger ones by
    linear_sum_assignment, overlapping ones by the LP.
    """

    def __init__(self, block: Block) -> None:
        self.block = block
        # rho over all tracks ties every bag to the rho row, exclusive pairs tie tracks across bags: the
        # block's LP is solved as one (HiGHS), and factored FW treats the block as one factor with an active set
        self.pair_rows = block.exclusive_rows()
        self.whole_block = (block.rho_scope == "all" and block.rho > 0 and bool(block.bags)) or bool(self.pair_rows[1].size)
        if self.whole_block:
            if not (block.slack_offsets and (block.slack_offsets[0] >= 0).any()):
                self._whole(np.zeros((block.size, block.n_labels)), np.zeros(block.n_slack))
            return
        comps = components(block.size, block.bags)
        self.multi = [c for c in comps if len(c) > 1]
        # all of them in one (block-diagonal) LP: the one model the oracle keeps, keyed by this list
        self.multi_bags = [k for comp in self.multi for k in comp]
        singles = [c[0] for c in comps if len(c) == 1]
        is_small = [block.alpha == 1 and block.bags[k][0].size <= SMALL_TRACKS
                    and block.bags[k][1].size <= SMALL_LABELS for k in singles]
        hard = [comp for comp in self.multi if all((block.slack_offsets[k] < 0).all() for k in comp)]
        if hard:
            self._check_feasible(hard)
        self.simple = [k for k, sm in zip(singles, is_small) if sm]
        self.general = [k for k, sm in zip(singles, is_small) if not sm]
        nb = len(self.simple)
        s = max([block.bags[k][0].size for k in self.simple], default=1)
        r = max([block.bags[k][1].size for k in self.simple], default=1)
        # padded layout (also used by factored.Factors): pad track -1, pad label -1, no slack -1
        self.T = -np.ones((nb, s), dtype=np.int64)
        self.R = -np.ones((nb, r), dtype=np.int64)
        self.X = -np.ones((nb, r), dtype=np.int64)
        for j, k in enumerate(self.simple):
            t, lab, _ = block.bags[k]
            self.T[j, : t.size] = t
            self.R[j, : lab.size] = lab
            self.X[j, : lab.size] = block.slack_offsets[k]
        sizes = np.stack([(self.T >= 0).sum(1), (self.R >= 0).sum(1)], axis=1) if nb else np.zeros((0, 2), int)
        self.groups = [(int(a), int(b), np.flatnonzero((sizes[:, 0] == a) & (sizes[:, 1] == b)))
                       for a, b in (np.unique(sizes, axis=0) if nb else [])]

    def __getstate__(self) -> dict:
        # the cached HiGHS models cannot be pickled; they are rebuilt on first use
        return {k: v for k, v in self.__dict__.items() if k not in ("_whole_lp", "_whole_xo", "_lp_cache")}

    def __call__(self, C: np.ndarray, gxi: np.ndarray) -> Vertex:
        if self.whole_block:
            return self._whole(C, gxi)
        blk = self.block
        C = np.array(C, dtype=np.float64)
        if blk.fixed.any():
            C[blk.fixed, 1:] = np.inf
        if blk.allowed is not None:  # labels the block may not take cost +inf: never chosen
            C[:, blk.disallowed()] = np.inf
        labels = np.argmin(C, axis=1)
        m = C[np.arange(C.shape[0]), labels]
        xi = np.zeros(blk.n_slack)
        frac_rows: list[int] = []
        frac_vals: list[np.ndarray] = []
        if blk.rho > 0 and blk.free.any():
            self._rho(C, m, labels, frac_rows, frac_vals)
        if self.simple:
            self._small(C, m, labels, gxi, xi)
        for k in self.general:
            self._single(k, C, m, labels, gxi, xi)
        if self.multi:  # all overlapping components in one (block-diagonal) HiGHS call
            self._lp(self.multi_bags, C, labels, gxi, xi, frac_rows, frac_vals)
        labels = labels.astype(np.int16)
        if frac_rows:
            labels[frac_rows] = -1
            return Vertex(labels, xi, np.asarray(frac_rows, dtype=np.int64), np.vstack(frac_vals))
        return Vertex(labels, xi)

    def _rho(self, C, m, labels, frac_rows, frac_vals) -> None:
        free = np.flatnonzero(self.block.free)
        need = self.block.rho * free.size
        e = C[free, 0] - m[free]
        order = np.argsort(e, kind="stable")
        k = int(np.floor(need + 1e-9))
        labels[free[order[:k]]] = 0
        rest = need - k
        if rest > 1e-9 and k < free.size:
            i = free[order[k]]
            if e[order[k]] <= 0:
                labels[i] = 0
            else:
                row = np.zeros(self.block.n_labels)
                row[labels[i]] = 1.0 - rest
                row[0] = rest
                frac_rows.append(int(i))
                frac_vals.append(row)

    def small_assign(self, C: np.ndarray, m: np.ndarray, gxi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For the small bags: chosen slot -> track position (or unfilled = row width) and slack.

        Bags are grouped by (tracks, labels) so each group enumerates exactly its own maps.
        """
        T, R, X = self.T, self.R, self.X
        width = T.shape[1]
        choice = np.full(R.shape, width, dtype=np.int64)
        slack = np.zeros(R.shape)
        for s, r, idx in self.groups:
            Tg, Rg, Xg = T[idx, :s], R[idx, :r], X[idx, :r]
            E = np.empty((idx.size, s + 1, r))
            E[:, :s, :] = C[Tg[:, :, None], Rg[:, None, :]] - m[Tg][:, :, None]
            if gxi.size:
                E[:, s, :] = np.where(Xg >= 0, gxi[np.where(Xg >= 0, Xg, 0)], np.inf)
            else:
                E[:, s, :] = np.inf
            combos = slot_maps(s, r)
            if r == 1:
                cost = E[:, :, 0]
            else:
                cost = E[:, combos[:, 0], 0]
                for q in range(1, r):
                    cost = cost + E[:, combos[:, q], q]
            best = combos[np.argmin(cost, axis=1)] if r > 1 else np.argmin(cost, axis=1)[:, None]
            unf = best == s
            choice[idx, :r] = np.where(unf, width, best)
            slack[idx, :r] = np.where((Xg >= 0) & unf, 1.0, 0.0)
        return choice, slack

    def _small(self, C, m, labels, gxi, xi) -> None:
        choice, slack = self.small_assign(C, m, gxi)
        s = self.T.shape[1]
        filled = (choice < s) & (self.R >= 0)
        b, q = np.nonzero(filled)
        labels[self.T[b, choice[b, q]]] = self.R[b, q]
        has = self.X >= 0
        xi[self.X[has]] = slack[has]

    def _single(self, k, C, m, labels, gxi, xi) -> None:
        blk = self.block
        t, lab, name = blk.bags[k]
        offs = blk.slack_offsets[k]
        a = blk.alpha
        slot_lab, slot_g = [], []
        for l, o in zip(lab, offs):
            if o >= 0 and gxi[o] < 0:
                xi[o] = a
                continue
            slot_lab += [int(l)] * a
            slot_g += [gxi[o] if o >= 0 else np.inf] * a
        if not slot_lab:
            return
        slot_lab_a = np.asarray(slot_lab)
        cost = np.full((len(slot_lab), t.size + len(slot_lab)), np.inf)
        cost[:, : t.size] = (C[np.ix_(t, slot_lab_a)] - m[t][:, None]).T
        cost[:, t.size:] = np.asarray(slot_g)[:, None]
        try:
            r, c = scipy.optimize.linear_sum_assignment(cost)
        except ValueError:
            raise ConstraintError(f"{name}: infeasible (expected enough tracks for its required labels)") from None
        filled = c < t.size
        labels[t[c[filled]]] = slot_lab_a[r[filled]]
        for l, o in zip(lab, offs):
            if o >= 0 and gxi[o] >= 0:
                xi[o] = a - int(np.sum(slot_lab_a[r[filled]] == l))

    def _check_feasible(self, hard: list[list[int]]) -> None:
        """Raise ConstraintError naming the bags of an infeasible component among `hard` (components
        without slack). One LP over every overlapping component, the one `__call__` solves and keeps
        (a component with slack is always feasible); a model per component is built only to name the
        culprit, and not kept: kept for each of a corpus's thousands of components, the HiGHS models
        held most of BCFW's memory (200,000 tracks: 2 GB)."""
        blk = self.block

        def args():  # zero costs, and the outputs _lp fills in
            return (np.zeros((blk.size, blk.n_labels)), np.zeros(blk.size, dtype=np.int64),
                    np.zeros(blk.n_slack), np.zeros(blk.n_slack), [], [])

        try:
            self._lp(self.multi_bags, *args())
        except ConstraintError:
            for comp in hard:
                self._lp(comp, *args(), keep=False)
            raise

    def _lp_data(self, comp: list[int], keep: bool = True) -> dict:
        """The component LP's constant parts (built once per set of bags and kept unless `keep` is
        False; only the costs change between calls)."""
        key = tuple(comp)
        if getattr(self, "_lp_cache", None) is None:
            self._lp_cache = {}
        if key in self._lp_cache:
            return self._lp_cache[key]
        blk = self.block
        cov = blk.cover()
        in_comp = np.zeros(len(blk.bags), dtype=bool)
        in_comp[comp] = True
        q = np.flatnonzero(in_comp[cov.bag])  # the component's bag rows
        ent = np.flatnonzero(in_comp[cov.bag[cov.entry_row]])
        rows = np.unique(cov.entry_track[ent])
        loc = -np.ones(blk.size, dtype=np.int64)
        loc[rows] = np.arange(rows.size)
        qloc = -np.ones(cov.n_rows, dtype=np.int64)
        qloc[q] = np.arange(q.size)
        xo = cov.slack[q][cov.slack[q] >= 0]
        data = {"rows": rows, "nr": rows.size, "nz": rows.size * blk.n_labels, "xo": xo,
                "q": q, "solver": _cover_lp(blk, rows, loc, q, qloc, ent, xo)}
        if keep:
            self._lp_cache[key] = data
        return data

    def _lp(self, comp, C, labels, gxi, xi, frac_rows, frac_vals, keep: bool = True) -> None:
        blk = self.block
        L = blk.n_labels
        lp = self._lp_data(comp, keep)
        rows, nr, nz, xo = lp["rows"], lp["nr"], lp["nz"], lp["xo"]
        if _relaxed_vertex_fits(blk, labels, gxi, xi, lp["q"]):  # the rows' argmins meet every bag: optimal
            return
        Cr = C[rows]
        c = np.concatenate([np.where(np.isfinite(Cr), Cr, 0.0).ravel(), gxi[xo]])
        ok, x, message = lp["solver"].solve(c)
        if not ok:
            names = ", ".join(blk.bags[k][2] for k in comp)
            raise ConstraintError(f"overlapping bags [{names}]: no assignment satisfies them together "
                                  f"({message}) (expected jointly feasible requirements, or slack kappa)")
        z = x[:nz].reshape(nr, L)
        z = np.where(np.abs(z) < 1e-9, 0.0, z)
        z = np.where(np.abs(z - 1) < 1e-9, 1.0, z)
        top = np.argmax(z, axis=1)
        whole = z[np.arange(nr), top] == 1.0
        labels[rows[whole]] = top[whole]
        if not whole.all():
            frac = np.flatnonzero(~whole)
            frac_rows.extend(rows[frac].tolist())
            frac_vals.extend(z[frac] / z[frac].sum(axis=1, keepdims=True))
        xi[xo] = x[nz:]


    def whole_lp(self) -> tuple[FixedLP, np.ndarray]:
        """(the block's whole LP, the block's slack offsets of its slack columns): Z row-major, then
        the slack; simplex, bag, rho and exclusive pair rows (built once, kept)."""
        if getattr(self, "_whole_lp", None) is None:
            blk = self.block
            cov = blk.cover()
            q = np.arange(cov.n_rows)
            rr = np.flatnonzero(blk.rho_rows()) if blk.rho > 0 else np.zeros(0, dtype=np.int64)
            self._whole_xo = cov.slack[cov.slack >= 0]
            self._whole_lp = _cover_lp(blk, np.arange(blk.size), np.arange(blk.size), q, q,
                                       np.arange(cov.entry_row.size), self._whole_xo, rho_rows=rr,
                                       pair_rows=self.pair_rows)
        return self._whole_lp, self._whole_xo

    def _whole(self, C: np.ndarray, gxi: np.ndarray) -> Vertex:
        """The whole block's LP (bags, slack, fixed rows, rho over all rows) by HiGHS dual simplex."""
        blk = self.block
        Cf = np.array(C, dtype=np.float64)
        Cf[blk.fixed, 1:] = np.inf
        if blk.allowed is not None:  # labels the block may not take are never the rows' argmin
            Cf[:, blk.disallowed()] = np.inf
        labels = np.argmin(Cf, axis=1)
        xi = np.zeros(blk.n_slack)
        rr = blk.rho_rows()
        pp, pl = self.pair_rows
        if (_relaxed_vertex_fits(blk, labels, gxi, xi, np.arange(blk.cover().n_rows))
                and np.count_nonzero(labels[rr] == 0) >= blk.rho * np.count_nonzero(rr) - 1e-9
                and not np.any((labels[pp[:, 0]] == pl) & (labels[pp[:, 1]] == pl))):
            return Vertex(labels.astype(np.int16), xi)  # the rows' argmins meet every row: optimal
        lp, xo = self.whole_lp()
        nz = blk.size * blk.n_labels
        c = np.concatenate([np.asarray(C, dtype=np.float64).ravel(), gxi[xo]])
        ok, x, message = lp.solve(c)
        if not ok:
            pairs = f" and {self.pair_rows[0].shape[0]} exclusive pair rows" if self.pair_rows[1].size else ""
            raise ConstraintError(f"block of {blk.size} tracks: its bags, rho={blk.rho} ({blk.rho_scope} tracks){pairs} "
                                  f"cannot be satisfied together ({message}) (expected a smaller rho, fewer exclusive "
                                  "pairs, or slack kappa)")
        z = x[:nz].reshape(blk.size, blk.n_labels)
        z = np.where(np.abs(z) < 1e-9, 0.0, z)
        z = np.where(np.abs(z - 1) < 1e-9, 1.0, z)
        top = np.argmax(z, axis=1)
        whole = z[np.arange(blk.size), top] == 1.0
        labels = top.astype(np.int16)
        xi = np.zeros(blk.n_slack)
        xi[xo] = np.clip(x[nz:], 0.0, blk.alpha)
        if whole.all():
            return Vertex(labels, xi)
        frac = np.flatnonzero(~whole)
        labels[frac] = -1
        return Vertex(labels, xi, frac.astype(np.int64), z[frac] / z[frac].sum(axis=1, keepdims=True))


def _relaxed_vertex_fits(block: Block, labels: np.ndarray, gxi: np.ndarray, xi: np.ndarray, q: np.ndarray) -> bool:
    """Whether the vertex of the relaxation without bag (and rho) rows meets the bag rows q.

    Dropping those rows leaves rows on their simplex and xi in its box: each row at its argmin
    (`labels`), each slack at alpha where its cost is <= 0, else 0.  That minimum is a lower bound
    of the LP; when the vertex also meets the dropped rows it is feasible, hence optimal, and no LP
    is solved.  On True, xi (block order) holds the slack of rows q.
    """
    cov = block.cover()
    a = block.alpha
    s = cov.slack[q]
    x = np.where(s >= 0, np.where(gxi[np.maximum(s, 0)] <= 0, float(a), 0.0) if gxi.size else 0.0, 0.0)
    in_q = np.zeros(cov.n_rows, dtype=bool)
    in_q[q] = True
    e = in_q[cov.entry_row]
    hit = np.bincount(cov.entry_row[e], weights=labels[cov.entry_track[e]] == cov.label[cov.entry_row[e]],
                      minlength=cov.n_rows)[q]
    if not np.all(hit + x >= a - 1e-9):
        return False
    xi[s[s >= 0]] = x[s >= 0]
    return True


def _cover_lp(block: Block, rows: np.ndarray, loc: np.ndarray, q: np.ndarray, qloc: np.ndarray,
              ent: np.ndarray, xo: np.ndarray, rho_rows: np.ndarray | None = None,
              pair_rows: tuple[np.ndarray, np.ndarray] | None = None) -> FixedLP:
    """The LP over Z[rows] (row-major, local index loc[track]) and the slack xi[xo] of the bag rows q
    (entries ent of the block's cover; qloc: their local numbers), with a rho row over rho_rows and
    the rows Z[i, l] + Z[j, l] <= 1 of `pair_rows` (`Block.exclusive_rows`): simplex rows, then the
    bag rows, the rho row, the pair rows."""
    cov = block.cover()
    L, a = block.n_labels, block.alpha
    nr, nq, n_xi = rows.size, q.size, xo.size
    nz = nr * L
    xcol = -np.ones(cov.n_rows, dtype=np.int64)  # bag row -> its slack column
    has = q[cov.slack[q] >= 0]
    xcol[has] = nz + np.arange(has.size)
    er = cov.entry_row[ent]
    parts_r = [np.repeat(np.arange(nr), L), nr + qloc[er], nr + qloc[has]]
    parts_c = [np.arange(nz), loc[cov.entry_track[ent]] * L + cov.label[er], xcol[has]]
    n_rows = nr + nq
    lo = [np.ones(nr), np.full(nq, -np.inf)]
    hi = [np.ones(nr), np.full(nq, -float(a))]
    if rho_rows is not None and rho_rows.size:
        parts_r.append(np.full(rho_rows.size, n_rows)); parts_c.append(loc[rho_rows] * L)
        lo.append([-np.inf]); hi.append([-block.rho * rho_rows.size])
        n_rows += 1
    n_neg = sum(p.size for p in parts_r) - nz  # simplex rows +1, bag and rho rows -1 (as <= -bound)
    if pair_rows is not None and pair_rows[1].size:
        pp, pl = pair_rows
        pr = n_rows + np.arange(pl.size)
        parts_r += [pr, pr]; parts_c += [loc[pp[:, 0]] * L + pl, loc[pp[:, 1]] * L + pl]
        lo.append(np.full(pl.size, -np.inf)); hi.append(np.ones(pl.size))
        n_rows += pl.size
    r_all, c_all = np.concatenate(parts_r), np.concatenate(parts_c)
    vals = np.ones(r_all.size)
    vals[nz:nz + n_neg] = -1.0
    A = csc_from_triplets(r_all, c_all, vals, (n_rows, nz + n_xi))
    ub = np.ones(nz + n_xi)
    ub[nz:] = a
    ub[:nz].reshape(nr, L)[block.fixed[rows], 1:] = 0.0
    ub[:nz].reshape(nr, L)[:, block.disallowed()] = 0.0
    return FixedLP(A, np.concatenate(lo), np.concatenate(hi), np.stack([np.zeros(nz + n_xi), ub], axis=1))


def lp_oracle(block: Block, C: np.ndarray, gxi: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Reference: the whole block's LP solved by HiGHS (for tests). Returns (value, Z, xi)."""
    L, a, nb = block.n_labels, block.alpha, block.size
    nz = nb * L
    pairs = [(k, int(l), int(o)) for k in range(len(block.bags)) for l, o in zip(block.bags[k][1], block.slack_offsets[k])]
    n_xi = block.n_slack
    c = np.concatenate([C.ravel(), gxi])
    A_eq = sp.hstack([sp.kron(sp.eye(nb), np.ones((1, L))), sp.csr_matrix((nb, n_xi))]).tocsr()
    rows_ub, b_ub = [], []
    for k, l, o in pairs:
        r = np.zeros(nz + n_xi)
        r[block.bags[k][0] * L + l] = -1.0
        if o >= 0:
            r[nz + o] = -1.0
        rows_ub.append(r); b_ub.append(-a)
    free = np.flatnonzero(block.rho_rows())
    if block.rho > 0 and free.size:
        r = np.zeros(nz + n_xi)
        r[free * L] = -1.0
        rows_ub.append(r); b_ub.append(-block.rho * free.size)
    for (i, j), l in zip(*block.exclusive_rows()):
        r = np.zeros(nz + n_xi)
        r[[i * L + l, j * L + l]] = 1.0
        rows_ub.append(r); b_ub.append(1.0)
    ub = np.ones(nz + n_xi)
    ub[nz:] = a
    ub[:nz].reshape(nb, L)[block.fixed, 1:] = 0.0
    ub[:nz].reshape(nb, L)[:, block.disallowed()] = 0.0
    res = scipy.optimize.linprog(c, A_ub=np.array(rows_ub) if rows_ub else None, b_ub=b_ub or None,
                                 A_eq=A_eq, b_eq=np.ones(nb),
                                 bounds=np.stack([np.zeros(nz + n_xi), ub], axis=1), method="highs")
    if res.status != 0:
        raise ConstraintError(f"LP infeasible: {res.message}")
    return float(res.fun), res.x[:nz].reshape(nb, L), res.x[nz:]
