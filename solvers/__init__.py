"""solvers: convex discriminative clustering (DIFFRAC) under weak "at least once" constraints.

See docs/solvers.md.  Knows nothing of video or text: tracks are rows of a feature matrix,
bags are (track indices, required labels).
"""

from .constraints import Bag, ConstraintError, build_problem
from .estimator import DiscriminativeClustering
from .objective import ExplicitObjective, KernelObjective

__all__ = ["Bag", "ConstraintError", "DiscriminativeClustering", "ExplicitObjective", "KernelObjective",
           "build_problem"]
