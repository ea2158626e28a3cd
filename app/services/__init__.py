"""Use cases: load through the scope, apply domain rules, write, audit; no web framework here."""
