"""Reusable widgets of the wizard: one class per module, no domain logic."""
