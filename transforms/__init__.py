"""Pure functions, one module per stage; no Beam and no I/O in here."""
