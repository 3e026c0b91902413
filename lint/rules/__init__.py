"""Lint rules, one module per rule, named by its stable ID."""
