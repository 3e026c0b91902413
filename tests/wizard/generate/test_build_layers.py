"""Issue #24: what a rebuild after a one-line change compiles, and what the image carries.

- The builder layers the ``.rs`` files of the workspace crates a Dockerfile's binaries need
  after cook (libraries first, then each binary's package), so a change to a binary's code
  recompiles that crate alone; benchmarks/build/bench_rebuild_scope.py measures it with cargo.
- CA certificates only when a crate in Cargo.lock reads the system certificate store (RS302's
  test), so an image of a program that makes no TLS connection is no larger than it needs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from rsdock.lint.model.cargo import scan
from rsdock.wizard.generate import defaults
from rsdock.wizard.generate.plan import Image, Plan, WorkspaceFacts
from rsdock.wizard.generate.render import member_layers, render

REPO = Path(__file__).resolve().parents[3]
CLI = Image("labcli", "bin", "labcli", "Dockerfile", "crates/cli")
SERVER = Image("server", "bin", "server", "Dockerfile", "crates/server")
# the e2e lab's pure workspace: a library used by two binaries' packages
PURE = (("lab-ident", "crates/ident", ()), ("labcli", "crates/cli", ("crates/ident",)),
        ("server", "crates/server", ("crates/ident",)))


def section(text: str, name: str) -> list[str]:
    """The lines of stage ``name`` (its FROM line first)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("FROM ") and
                 line.endswith(f" AS {name}"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("FROM ")),
               len(lines))
    return lines[start:end]


def dockerfile(images, **facts) -> str:
    plan = Plan(images=images, runtime="debian-slim").with_changes(
        workspace=WorkspaceFacts(**facts))
    return render(plan)["Dockerfile"]


def test_libraries_then_each_binary_package_get_a_layer():
    plan = Plan(images=(CLI, SERVER)).with_changes(workspace=WorkspaceFacts(members=PURE))
    assert member_layers(plan, (CLI, SERVER)) == (("crates/ident",), ("crates/cli",),
                                                  ("crates/server",))
    text = dockerfile((CLI, SERVER), members=PURE)
    builder = section(text, "builder")
    body = "\n".join(builder)
    # the rest of the sources, then the layers; COPY . . no longer in the builder
    assert "COPY --from=sources /app/ ./" in body and "COPY . ." not in body
    copies = [line for line in builder if line.startswith("COPY --from=sources /layers/")]
    assert copies == [f"COPY --from=sources /layers/{i}/ ./" for i in (1, 2, 3)]
    # every build step builds the same binaries (features unify as in the final build) and
    # touches the files its layer copied (cargo-chef's dummies were compiled before them)
    builds = [line for line in builder if "cargo build" in line]
    assert len(builds) == 3 and len(set(b.strip(" \\") for b in builds)) == 1
    assert body.index("find crates/cli -name '*.rs' -type f -exec touch {} +") > \
        body.index("COPY --from=sources /layers/2/ ./")
    assert "find crates/ident -name '*.rs' -type f -exec cp --parents {} /layers/1/ \\; -delete" \
        in "\n".join(section(text, "sources"))


def test_a_single_package_or_the_root_package_keeps_one_copy_and_one_build():
    one = (("labcli", "crates/cli", ()),)
    plan = Plan(images=(CLI,)).with_changes(workspace=WorkspaceFacts(members=one))
    assert member_layers(plan, (CLI,)) == ()
    root = (("app", ".", ("crates/lib",)), ("lib", "crates/lib", ()))
    app = Image("app", "bin", "app", "Dockerfile", ".")
    plan = Plan(images=(app,)).with_changes(workspace=WorkspaceFacts(members=root))
    assert member_layers(plan, (app,)) == ()
    text = dockerfile((app,), members=root)
    assert "FROM chef AS sources" not in text and "\nCOPY . .\n" in text
    # a member inside a needed member's directory: its files would move with the outer one
    nested = PURE + (("plugin", "crates/cli/plugin", ()),)
    plan = Plan(images=(CLI,)).with_changes(workspace=WorkspaceFacts(members=nested))
    assert member_layers(plan, (CLI,)) == ()
    # a build that reads git keeps its single build step (the GIT_COMMIT argument sits there)
    plan = Plan(images=(CLI,)).with_changes(workspace=WorkspaceFacts(members=PURE, git="commit"))
    assert member_layers(plan, (CLI,)) == ()


def test_one_binary_of_the_pure_workspace_layers_its_library_then_its_package(tmp_path):
    ws = tmp_path / "pure"
    shutil.copytree(REPO / "tests/e2e/workspaces/pure", ws)
    facts = defaults.workspace_facts(scan(ws))
    plan = Plan(images=(CLI,)).with_changes(workspace=facts)
    assert member_layers(plan, (CLI,)) == (("crates/ident",), ("crates/cli",))


def test_ca_certificates_only_for_a_program_that_reads_the_system_store(tmp_path):
    ws = tmp_path / "pure"
    shutil.copytree(REPO / "tests/e2e/workspaces/pure", ws)
    assert defaults.workspace_facts(scan(ws)).system_certs is False
    without = dockerfile((CLI,), system_certs=False)
    assert "/etc/ssl/certs" not in without and "ca-certificates" not in without.replace(
        "No CA certificates", "")
    assert "apt-get download \"tini:$arch\"" in without  # tini stays: RS304's init
    lock = ws / "Cargo.lock"
    lock.write_text(lock.read_text() + '\n[[package]]\nname = "openssl-sys"\nversion = "0.9.1"\n')
    assert defaults.workspace_facts(scan(ws)).system_certs is True
    with_certs = dockerfile((CLI,), system_certs=True)
    assert "COPY --from=tini /etc/ssl/certs /etc/ssl/certs" in with_certs
    assert "apt-get install -y --no-install-recommends ca-certificates" in with_certs
