"""The joint actor/action model (Bojanowski et al. ICCV 2013): the one used by the pipeline,
the batch and the notebook.

Persons Z (tracks x persons, label 0 = nobody known) from person bags ("a name in this scene");
actions T (tracks x actions, label 0 = no action) from action bags; and person-action pair bags
("Rick opens the door": some track of the bag is Rick AND opens the door), a bilinear
constraint sum_i Z[i,p] T[i,a] >= 1.  Once persons are fixed (rounded), a pair bag becomes linear:
an action bag over the bag's tracks labelled p.  So:

1. fit persons;
2. fit actions with the derived bags: each pair bag requires its action among the bag's tracks
   given its person; when no track of the bag got the person, among all the bag's tracks
   (counted in `unmatched_pairs_`: the pair still says the action happens there);
3. alternate `n_alternations` times: refit persons with pair bags made linear by the rounded
   actions (the tracks doing the action must include the person; a pair none of whose tracks
   does the action is skipped in that round), then refit actions as in 2.

Tracks fixed to background (no action / no person) are left out of the derived bags.  Derived
bags rest on rounded labels that may be wrong and may contradict each other, so a fit that uses
them is soft: slack `pair_kappa` (unless `kappa` is set, which then applies to every fit).
`person_rho`/`action_rho` are the background shares of `DiscriminativeClustering` (`rho`), with
their scopes: by default persons count every track (a track inside a bag can be nobody: the
background class of Bojanowski et al. 2013) and actions the tracks in no action bag.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .constraints import BagLike
from .estimator import DiscriminativeClustering


@dataclass(frozen=True)
class PairBag:
    """Some track of `track_indices` shows `person` doing `action`."""

    track_indices: tuple[int, ...]
    person: int
    action: int
    name: str | None = None


class JointActorAction:
    """Persons then actions with pair constraints, plus alternating refinement (see module docstring)."""

    def __init__(self, n_persons: int, n_actions: int, reg: float = 1e-2, solver: str = "auto",
                 kappa: float | None = None, pair_kappa: float = 1.0, person_rho: float = 0.0,
                 person_rho_scope: str = "all", action_rho: float = 0.0, action_rho_scope: str = "free",
                 n_alternations: int = 1, max_iter: int = 1000, tol: float = 1e-4, time_limit: float | None = None,
                 device: str = "auto", random_state: int | None = None) -> None:
        self.n_persons = n_persons
        self.n_actions = n_actions
        self.reg = reg
        self.solver = solver
        self.kappa = kappa
        self.pair_kappa = pair_kappa
        self.person_rho = person_rho
        self.person_rho_scope = person_rho_scope
        self.action_rho = action_rho
        self.action_rho_scope = action_rho_scope
        self.n_alternations = n_alternations
        self.max_iter = max_iter
        self.tol = tol
        self.time_limit = time_limit
        self.device = device
        self.random_state = random_state

    def _model(self, n_labels: int, rho: float, scope: str, derived: bool = False) -> DiscriminativeClustering:
        kappa = self.kappa if (self.kappa is not None or not derived) else self.pair_kappa
        return DiscriminativeClustering(n_labels, reg=self.reg, solver=self.solver, kappa=kappa, rho=rho,
                                        rho_scope=scope, max_iter=self.max_iter, tol=self.tol,
                                        time_limit=self.time_limit, device=self.device,
                                        random_state=self.random_state)

    def _fit_one(self, kind: str, X, bags, derived: bool, blocks, background,
                 block_labels=None, exclusive=None) -> DiscriminativeClustering:
        """One fit; its ConvergenceWarning is collected (the joint fit warns once, at its end)."""
        if kind == "persons":
            model = self._model(self.n_persons, self.person_rho, self.person_rho_scope, derived)
        else:
            model = self._model(self.n_actions, self.action_rho, self.action_rho_scope, derived)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            if derived:  # derived bags may leave a label unrequired: that is expected, not news
                warnings.simplefilter("ignore", UserWarning)
            model.fit(X, bags, blocks, background, block_labels, exclusive)
        self.fits_.append({"fit": kind, "solver": model.solver_, "converged": bool(model.converged_),
                           "n_iter": int(model.n_iter_), "rel_gap": float(model.gap_history_[-1]),
                           "objective": float(model.objective_)})
        return model

    def fit(self, X_person: np.ndarray, X_action: np.ndarray, person_bags: Sequence[BagLike],
            action_bags: Sequence[BagLike] = (), pair_bags: Sequence[PairBag | tuple] = (),
            blocks: Sequence[int] | None = None, person_background=None, action_background=None,
            person_block_labels=None, person_exclusive=None):
        """Fit persons, then actions (see the module docstring). `person_block_labels`: block id ->
        the persons its tracks may be (e.g. one episode's cast in a joint solve; unlisted blocks: all).
        `person_exclusive`: pairs of tracks that are two people (on screen together): never one name."""
        pairs = [p if isinstance(p, PairBag) else PairBag(tuple(p[0]), int(p[1]), int(p[2])) for p in pair_bags]
        for k, p in enumerate(pairs):
            if not 0 < p.person < self.n_persons or not 0 < p.action < self.n_actions:
                raise ValueError(f"{p.name or f'pair bag {k}'}: person {p.person} / action {p.action} out of range "
                                 f"(expected 1..{self.n_persons - 1} / 1..{self.n_actions - 1})")
        person_bags, action_bags = list(person_bags), list(action_bags)
        n = np.asarray(X_person).shape[0]
        fixed_p, fixed_a = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        if person_background is not None:
            fixed_p[np.asarray(person_background)] = True
        if action_background is not None:
            fixed_a[np.asarray(action_background)] = True
        self.history_, self.fits_ = [], []
        persons = self._fit_one("persons", X_person, person_bags, False, blocks, person_background,
                                person_block_labels, person_exclusive)
        actions = None
        if self.n_actions < 2:  # no action classes: persons only
            self.persons_, self.actions_ = persons, None
            self.Z_, self.T_ = persons.Z_, np.ones((n, 1))
            self.person_labels_, self.action_labels_ = persons.labels_, np.zeros(n, dtype=np.int64)
            self.unmatched_pairs_ = 0
            return self._finish()
        for round_ in range(self.n_alternations + 1):
            derived, unmatched = [], 0
            for p in pairs:
                t = [i for i in p.track_indices if persons.labels_[i] == p.person and not fixed_a[i]]
                if not t:
                    unmatched += 1
                    t = [i for i in p.track_indices if not fixed_a[i]]
                if t:
                    derived.append((t, [p.action]))
            actions = self._fit_one("actions", X_action, action_bags + derived, bool(derived), blocks,
                                    action_background)
            self.history_.append({"round": round_, "person_objective": persons.objective_,
                                  "action_objective": actions.objective_, "unmatched_pairs": unmatched})
            self.unmatched_pairs_ = unmatched
            if round_ == self.n_alternations:
                break
            derived_p = []
            for p in pairs:
                t = [i for i in p.track_indices if actions.labels_[i] == p.action and not fixed_p[i]]
                if t:
                    derived_p.append((t, [p.person]))
            persons = self._fit_one("persons", X_person, person_bags + derived_p, bool(derived_p), blocks,
                                    person_background, person_block_labels, person_exclusive)
        self.persons_, self.actions_ = persons, actions
        self.Z_, self.T_ = persons.Z_, actions.Z_
        self.person_labels_, self.action_labels_ = persons.labels_, actions.labels_
        return self._finish()

    def _finish(self):
        self.converged_ = all(f["converged"] for f in self.fits_)
        if not self.converged_:
            bad = [f for f in self.fits_ if not f["converged"]]
            warnings.warn(f"{len(bad)} of {len(self.fits_)} fits stopped before convergence (worst relative gap "
                          f"{max(f['rel_gap'] for f in bad):.2e} > tol={self.tol:g}): see fits_",
                          ConvergenceWarning, stacklevel=2)
        return self
