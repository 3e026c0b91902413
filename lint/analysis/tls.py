"""Whether a workspace's programs verify TLS certificates against the system store, so the
runtime image needs CA certificates (RS302 asks it of a Dockerfile, the generator of the image
it writes: one answer for both)."""

from __future__ import annotations

import re
from pathlib import Path

from rsdock import fs
from rsdock.errors import UserError

# Crates that verify certificates against the system store (/etc/ssl/certs). A program on
# rustls with webpki-roots carries its roots in the binary and needs none.
SYSTEM_STORE_CRATES = frozenset({"native-tls", "openssl-sys", "openssl-probe",
                                 "rustls-native-certs", "rustls-platform-verifier"})


def lock_reads_system_store(root: Path) -> bool:
    """Whether ``root``'s Cargo.lock names a crate that reads the system certificate store
    (True when there is no readable lock: cannot tell, so assume it does, as most services do)."""
    try:  # confined to the workspace and bounded, like every read of rsdock
        data = fs.read_bytes(root, "Cargo.lock")
        text = data.decode("utf-8") if data is not None else None
    except (UserError, UnicodeDecodeError):
        text = None
    if text is None:
        return True
    names = set(re.findall(r'^name = "([^"]+)"', text, re.MULTILINE))
    return bool(names & SYSTEM_STORE_CRATES)
