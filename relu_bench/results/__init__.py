"""Results: what asv stored, read through asv's own modules, and the results branch that keeps them."""
