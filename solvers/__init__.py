"""solvers: convex discriminative clustering (DIFFRAC) under weak "at least once" constraints."""
