"""The wizard's screens and modal dialogs: one class per module."""
