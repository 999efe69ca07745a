"""Benchmarks run by `scripts/bench <name>`; each module has a `main(argv)`."""
