"""Joint actor/action model (Bojanowski et al. ICCV 2013), solved as the paper does.

Persons Z (tracks x persons, label 0 = background) from person bags ("a name in this scene");
actions T (tracks x actions, label 0 = no action) from action bags; and person-action pair bags
("Rick opens the door": some track of the bag is Rick AND opens the door), a bilinear
constraint sum_i Z[i,p] T[i,a] >= 1.  Once persons are fixed (rounded), a pair bag becomes linear:
an action bag over the bag's tracks labelled p.  So: (1) fit persons; (2) fit actions with the
derived bags; then alternate: refit persons with pair bags made linear by the rounded actions
(tracks doing a must include p), refit actions, `n_alternations` times.  Tracks fixed to background
(no action / no person) are left out of the derived bags; a pair bag whose filtered track set is empty cannot be enforced in that round and is counted in `dropped_pairs_`.  Derived bags rest on rounded labels that may be wrong and may
contradict each other, so a fit that uses them is soft: slack with `pair_kappa` (unless `kappa`
is set, which then applies to every fit).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

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

    def __init__(self, n_persons: int, n_actions: int, reg: float = 1e-2, solver: str = "fw",
                 kappa: float | None = None, pair_kappa: float = 1.0, n_alternations: int = 1, max_iter: int = 1000, tol: float = 1e-4,
                 device: str = "auto", random_state: int | None = None) -> None:
        self.n_persons = n_persons
        self.n_actions = n_actions
        self.reg = reg
        self.solver = solver
        self.kappa = kappa
        self.pair_kappa = pair_kappa
        self.n_alternations = n_alternations
        self.max_iter = max_iter
        self.tol = tol
        self.device = device
        self.random_state = random_state

    def _model(self, n_labels: int, derived: bool = False) -> DiscriminativeClustering:
        kappa = self.kappa if (self.kappa is not None or not derived) else self.pair_kappa
        return DiscriminativeClustering(n_labels, reg=self.reg, solver=self.solver, kappa=kappa,
                                        max_iter=self.max_iter, tol=self.tol, device=self.device,
                                        random_state=self.random_state)

    def fit(self, X_person: np.ndarray, X_action: np.ndarray, person_bags: Sequence[BagLike],
            action_bags: Sequence[BagLike] = (), pair_bags: Sequence[PairBag | tuple] = (),
            blocks: Sequence[int] | None = None, person_background=None, action_background=None):
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
        self.history_ = []
        persons = self._model(self.n_persons).fit(X_person, person_bags, blocks, person_background)
        actions = None
        for round_ in range(self.n_alternations + 1):
            derived, dropped = [], 0
            for p in pairs:
                t = [i for i in p.track_indices if persons.labels_[i] == p.person and not fixed_a[i]]
                if t:
                    derived.append((t, [p.action]))
                else:
                    dropped += 1
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                actions = self._model(self.n_actions, bool(derived)).fit(X_action, action_bags + derived, blocks, action_background)
            self.history_.append({"round": round_, "person_objective": persons.objective_,
                                  "action_objective": actions.objective_, "dropped_pairs": dropped})
            self.dropped_pairs_ = dropped
            if round_ == self.n_alternations:
                break
            derived_p = []
            for p in pairs:
                t = [i for i in p.track_indices if actions.labels_[i] == p.action and not fixed_p[i]]
                if t:
                    derived_p.append((t, [p.person]))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                persons = self._model(self.n_persons, bool(derived_p)).fit(X_person, person_bags + derived_p, blocks, person_background)
        self.persons_, self.actions_ = persons, actions
        self.Z_, self.T_ = persons.Z_, actions.Z_
        self.person_labels_, self.action_labels_ = persons.labels_, actions.labels_
        return self
