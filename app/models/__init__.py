"""Piccolo tables, one module per capability. Columns and constraints only: no rules."""
