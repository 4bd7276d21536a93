"""Pure functions, grouped by stage in subpackages (feed, language, extract, topics); no Beam and no I/O in here."""
