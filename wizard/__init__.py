"""The generator and editor: build plan, rendering, writing and the interactive front ends."""
