"""Pure rules: no I/O, no framework, no database, no clock (``now`` is always an argument)."""
