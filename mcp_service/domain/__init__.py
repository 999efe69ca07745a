"""Pure domain logic: no I/O, standard library only."""
