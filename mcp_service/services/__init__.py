"""Use cases. They take ports as arguments and are the only place that commits."""
