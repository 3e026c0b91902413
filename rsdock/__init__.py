"""rsdock: Rust cargo workspaces into multi-platform container images, done right."""

__version__ = "0.1.0"
