"""Run the generated builder scripts for every platform, with the toolchain replaced by stubs.

No docker engine is needed: the RUN scripts of the builder (and tini) stages execute in order
under ``sh`` in a temp dir, with ``TARGETPLATFORM`` set as BuildKit sets it, absolute paths
mapped into the temp dir, and stub ``cargo``, ``cargo-chef``, ``rustup``, ``apt-get``, ``dpkg``
and ``dpkg-deb`` that log their argv and the cross-compilation environment. The assertions are
what a real build relies on: the triple, the linker cargo sees in cook and build, exactly the
platform's packages, and the file the runtime stage copies existing where it copies it from.
"""

from __future__ import annotations

import json
import os
import platform as host
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rsdock.lint.knowledge import platforms, runtimes
from rsdock.wizard.generate.plan import Image, Plan, WorkspaceFacts
from rsdock.wizard.generate.render import BASE_STAGE, render
from tests.tools import parse_stages, stage

SERVER = Image("server", "bin", "server", "Dockerfile", "crates/server")
WEB = Image("web", "web", "web", "Dockerfile.web", "crates/web")
# Absolute paths the generated scripts write to, mapped under the temp root.
_MAPPED = re.compile(r"(?<![\w.$/-])/(?=(?:usr/local/etc|out|var/lib/apt|tini|app)\b)")

# What the sandbox's COPY --from=runtime-base of /var/lib/dpkg/status writes.
BASE_STATUS = "Package: base-files\nStatus: install ok installed\nArchitecture: any\n"

_STUB = r'''#!{python}
import json, os, pathlib, sys
name = pathlib.Path(sys.argv[0]).name
args = sys.argv[1:]
env = {{k: v for k, v in os.environ.items()
        if k.startswith(("CARGO_TARGET_", "CC_", "CXX_", "AR_", "PKG_CONFIG", "BINDGEN_"))}}
with open(os.environ["STUB_LOG"], "a") as log:
    log.write(json.dumps({{"tool": name, "args": args, "env": env}}) + "\n")
if name == "cargo" and args[:1] == ["chef"]:
    # Real cargo runs external subcommands as cargo-<name>.
    os.execvp("cargo-chef", ["cargo-chef", *args])
if name == "cargo" and args[:1] == ["build"]:
    # One binary per --bin, as cargo writes them (one build for many images names several).
    target = args[args.index("--target") + 1]
    profile = "release" if "--release" in args else "debug"
    for index, arg in enumerate(args):
        if arg == "--bin":
            out = pathlib.Path("target", target, profile, args[index + 1])
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text("ELF")
if name == "apt-get" and args[:1] == ["download"]:
    for wanted in args[1:]:
        package, arch = wanted.split(":")
        pathlib.Path(f"{{package}}_1.0_{{arch}}.deb").write_text(arch)
if name == "dpkg-deb":
    # The .deb the apt-get stub wrote: <package>_1.0_<arch>.deb holding its architecture.
    deb = pathlib.Path(args[1])
    package, arch = deb.name.split("_")[0], deb.read_text()
    control = {{"Package": package, "Architecture": arch, "Multi-Arch": "same",
               "Description": "stub"}}
    if args[0] == "-x":
        # libkeyutils1 stands for the packages that still ship files under /lib.
        where = ("usr/bin/tini-static" if package == "tini" else f"lib/stub/{{package}}"
                 if package == "libkeyutils1" else f"usr/lib/stub/{{package}}")
        out = pathlib.Path(args[2], where)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(arch)
    elif args[0] == "-e":
        pathlib.Path(args[2]).mkdir(parents=True)
        pathlib.Path(args[2], "control").write_text(
            "".join(f"{{k}}: {{v}}\n" for k, v in control.items()))
        pathlib.Path(args[2], "md5sums").write_text(f"0  usr/lib/stub/{{package}}\n")
    elif args[0] == "-f":
        print(control.get(args[2], "") if len(args) > 2 else "")
    elif args[0] == "--fsys-tarfile":
        import io, tarfile
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for member in ("./", "./usr/", "./usr/lib/", f"./usr/lib/stub/{{package}}"):
                info = tarfile.TarInfo(member.rstrip("/") or ".")
                info.type = tarfile.DIRTYPE if member.endswith("/") else tarfile.REGTYPE
                tar.addfile(info, io.BytesIO(b"") if info.isfile() else None)
        sys.stdout.buffer.write(buffer.getvalue())
if name == "trunk":
    dist = pathlib.Path(args[args.index("--dist") + 1])
    dist.mkdir(parents=True, exist_ok=True)
    (dist / "index.html").write_text("<html>")
'''


class Sandbox:
    """A temp root with stub tools on PATH, running a stage's RUN scripts like BuildKit."""

    TOOLS = ("cargo", "cargo-chef", "rustup", "apt-get", "dpkg", "dpkg-deb", "trunk")

    def __init__(self, root: Path, real: tuple[str, ...] = ()):
        self.root = root
        self.log = root / "stub.log"
        bin_dir = root / "stub-bin"
        bin_dir.mkdir()
        for tool in self.TOOLS:
            if tool in real:
                continue
            path = bin_dir / tool
            path.write_text(_STUB.format(python=sys.executable))
            path.chmod(0o755)
        for directory in ("usr/local/etc", "var/lib/apt/lists"):
            (root / directory).mkdir(parents=True)
        self.env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "STUB_LOG": str(self.log),
                    "HOME": str(root)}
        for tool in real:  # a real tool keeps its own installation (rustup's toolchains)
            self.env["PATH"] += ":" + os.path.dirname(shutil.which(tool))
            self.env.update({k: v for k, v in os.environ.items()
                             if k in ("HOME", "CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN")})

    def path(self, absolute: str) -> Path:
        """Where an absolute in-image path lives in the sandbox."""
        return self.root / absolute.lstrip("/")

    def run_stage(self, text: str, name: str, platform: str) -> subprocess.CompletedProcess:
        """Run every RUN of stage ``name`` in order, honouring its WORKDIRs; stop at a failure."""
        workdir = self._inherited_workdir(text, name)
        proc = None
        for command in stage(text, name).instructions:
            if command.cmd == "WORKDIR":
                workdir = self.path(command.value[0])
                workdir.mkdir(parents=True, exist_ok=True)
            elif command.cmd == "COPY" and "--from=planner" in command.flags:
                (workdir / command.value[1]).write_text("{}")
            elif command.cmd == "COPY" and f"--from={BASE_STAGE}" in command.flags:
                # The target base image's dpkg status: one package stands for all of them.
                copied = self.path(command.value[-1])
                copied.parent.mkdir(parents=True, exist_ok=True)
                copied.write_text(BASE_STATUS)
            elif command.cmd == "RUN":
                script = _MAPPED.sub(str(self.root).replace("\\", "/") + "/", command.value[0])
                proc = subprocess.run(["sh", "-ec", script], cwd=workdir, capture_output=True,
                                      text=True, env={**self.env, "TARGETPLATFORM": platform})
                if proc.returncode != 0:
                    return proc
        return proc

    def _inherited_workdir(self, text: str, name: str) -> Path:
        """The WORKDIR a stage starts in: the last one of the stage it is built FROM, if any."""
        by_name = {s.name: s for s in parse_stages(text)}
        base = by_name[name].base
        while base in by_name:
            dirs = [c.value[0] for c in by_name[base].instructions if c.cmd == "WORKDIR"]
            if dirs:
                workdir = self.path(dirs[-1])
                workdir.mkdir(parents=True, exist_ok=True)
                return workdir
            base = by_name[base].base
        return self.root

    def calls(self, tool: str) -> list[dict]:
        """The logged calls of ``tool``, in order."""
        if not self.log.exists():
            return []
        lines = self.log.read_text().splitlines()
        return [c for c in map(json.loads, lines) if c["tool"] == tool]


@pytest.fixture
def sandbox(tmp_path) -> Sandbox:
    if shutil.which("sh") is None:
        pytest.skip("no POSIX sh to run the scripts with")
    return Sandbox(tmp_path)


def _cases():
    for platform in platforms.PLATFORMS:
        yield pytest.param("debian-slim", "trixie", platform, id=f"gnu-{platform.slug}")
        if platform.musl_triple:
            yield pytest.param("scratch", "bookworm", platform, id=f"musl-{platform.slug}")


@pytest.mark.parametrize("runtime, debian, platform", list(_cases()))
def test_builder_cross_compiles_for_the_platform(sandbox, runtime, debian, platform):
    plan = Plan(images=(SERVER,), platforms=platforms.names() if runtime == "debian-slim"
                else tuple(p.name for p in platforms.PLATFORMS if p.musl_triple),
                runtime=runtime, debian=debian)
    text = render(plan)["Dockerfile"]
    proc = sandbox.run_stage(text, "builder", platform.name)
    assert proc.returncode == 0, proc.stderr
    triple = platform.triple(plan.libc)

    assert [c["args"] for c in sandbox.calls("rustup")] == [["target", "add", triple]]
    installs = [c["args"] for c in sandbox.calls("apt-get") if c["args"][0] == "install"]
    assert installs == [["install", "-y", "--no-install-recommends", *platform.apt_packages]]

    linker_env = {
        platforms.linker_env_var(triple): platform.linker,
        f"CC_{platforms.cc_env_suffix(triple)}": platform.linker,
        f"AR_{platforms.cc_env_suffix(triple)}": platform.linker.removesuffix("gcc") + "ar",
        "PKG_CONFIG_ALLOW_CROSS": "1",
        # pkg-config reads the target's .pc files only (for musl: none, so probing crates
        # build their bundled copy instead of linking the build machine's library).
        f"PKG_CONFIG_LIBDIR_{platforms.cc_env_suffix(triple)}": (
            f"/usr/lib/{platform.multiarch}/pkgconfig:/usr/share/pkgconfig" if plan.libc == "gnu"
            else f"/usr/lib/{platform.linker.removesuffix('-gcc').replace('gnu', 'musl')}/pkgconfig"),
    }
    cook, = sandbox.calls("cargo-chef")
    build, = [c for c in sandbox.calls("cargo") if c["args"][0] == "build"]
    shared = ["--release", "--locked", "--target", triple, "--bin", "server"]
    assert cook["args"] == ["chef", "cook", *shared, "--recipe-path", "recipe.json"]
    assert build["args"] == ["build", *shared]
    assert cook["env"] == linker_env and build["env"] == linker_env

    runtime_stage = parse_stages(text)[-1]
    source, = runtime_stage.copies_from("builder")
    assert sandbox.path(source).read_text() == "ELF"


@pytest.mark.parametrize("platform", platforms.PLATFORMS, ids=lambda p: p.slug)
def test_tini_stage_fetches_tini_static_for_the_target_architecture(sandbox, platform):
    # scratch where a musl std exists, else distroless (s390x); the web image always has tini.
    runtime = "scratch" if platform.musl_triple else "distroless"
    plan = Plan(images=(SERVER, WEB), platforms=(platform.name,), runtime=runtime)
    for dockerfile_text in (render(plan)[image.dockerfile] for image in plan.images):
        names = [s.name for s in parse_stages(dockerfile_text)]
        if "tini" not in names:
            continue
        proc = sandbox.run_stage(dockerfile_text, "tini", platform.name)
        assert proc.returncode == 0, proc.stderr
        assert ["--add-architecture", platform.debian_arch] in [c["args"] for c in
                                                                sandbox.calls("dpkg")]
        downloads = [c["args"] for c in sandbox.calls("apt-get") if c["args"][0] == "download"]
        assert downloads[-1] == ["download", f"tini:{platform.debian_arch}"]
        tini_source = parse_stages(dockerfile_text)[-1].copies_from("tini")[0]
        assert sandbox.path(tini_source).read_text() == platform.debian_arch


def test_web_builder_builds_wasm_once_into_the_path_the_runtime_copies(sandbox):
    text = render(Plan(images=(WEB,)))["Dockerfile.web"]
    proc = sandbox.run_stage(text, "builder", "linux/arm/v7")
    assert proc.returncode == 0, proc.stderr
    assert [c["args"] for c in sandbox.calls("rustup")] == [["target", "add",
                                                            "wasm32-unknown-unknown"]]
    cook, = sandbox.calls("cargo-chef")
    assert "wasm32-unknown-unknown" in cook["args"] and "--bin" not in cook["args"]
    trunk, = sandbox.calls("trunk")
    assert trunk["args"][:2] == ["build", "--release"]
    source, = parse_stages(text)[-1].copies_from("builder")
    assert (sandbox.path(source) / "index.html").exists()


@pytest.mark.parametrize("requested", ["linux/s390x", "linux/mips64le", ""])
def test_an_unsupported_platform_stops_the_build_with_the_reason(sandbox, requested):
    plan = Plan(images=(SERVER,))  # the default three platforms
    proc = sandbox.run_stage(render(plan)["Dockerfile"], "builder", requested)
    assert proc.returncode != 0
    assert f"unsupported TARGETPLATFORM '{requested}'" in proc.stderr
    assert ", ".join(platforms.DEFAULT_PLATFORMS) in proc.stderr
    assert sandbox.calls("apt-get") == [] and sandbox.calls("cargo") == []
    tini_plan = plan.with_changes(runtime="distroless")
    proc = sandbox.run_stage(render(tini_plan)["Dockerfile"], "tini", requested)
    assert proc.returncode != 0 and "unsupported TARGETPLATFORM" in proc.stderr
    assert sandbox.calls("dpkg") == []


def test_the_env_file_is_the_only_state_shared_between_runs(sandbox):
    text = render(Plan(images=(SERVER,)))["Dockerfile"]
    assert sandbox.run_stage(text, "builder", "linux/arm64").returncode == 0
    env_file = sandbox.path("/usr/local/etc/cargo-target.env").read_text()
    assert "export TARGET_TRIPLE=aarch64-unknown-linux-gnu\n" in env_file


def test_the_native_build_really_compiles_the_example_with_real_cargo(tmp_path):
    """The builder's cargo RUNs, verbatim, with the real cargo on the example workspace.

    Proves what stubs cannot: cargo accepts the flags and the linker variable, ``--locked``
    holds for the example's Cargo.lock, and the binary lands where the runtime stage copies it.
    """
    native = platforms.get(platforms.NATIVE_PLATFORM)
    if shutil.which("cargo") is None or shutil.which(native.linker) is None:
        pytest.skip(f"needs cargo and {native.linker} to build for {native.name}")
    if host.machine() not in ("x86_64", "AMD64"):
        pytest.skip(f"the host cannot run {native.name} binaries")
    from rsdock.resources import example_workspace

    sandbox = Sandbox(tmp_path, real=("cargo",))
    shutil.copytree(example_workspace(), sandbox.path("/app"),
                    ignore=shutil.ignore_patterns("target"))
    text = render(Plan(images=(SERVER,), platforms=(native.name,)))["Dockerfile"]
    proc = sandbox.run_stage(text, "builder", native.name)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sandbox.calls("cargo-chef"), "cargo did not dispatch `cargo chef` to cargo-chef"
    source, = parse_stages(text)[-1].copies_from("builder")
    binary = sandbox.path(source)
    assert binary.read_bytes()[:4] == b"\x7fELF"


def _with_crates(plan: Plan, *names: str) -> Plan:
    found = tuple((name, f"server -> {name}") for name in names)
    return plan.with_changes(workspace=WorkspaceFacts(c_crates=(("server", found),)))


C_PLATFORMS = [p for p in platforms.PLATFORMS if runtimes.debian("bookworm").has(p)]


@pytest.mark.parametrize("platform", C_PLATFORMS, ids=lambda p: p.slug)
def test_a_system_c_library_gets_its_target_packages_and_pkg_config_env(sandbox, platform):
    plan = _with_crates(Plan(images=(SERVER,), platforms=(platform.name,)), "openssl-sys",
                        "librocksdb-sys")
    text = render(plan)["Dockerfile"]
    proc = sandbox.run_stage(text, "builder", platform.name)
    assert proc.returncode == 0, proc.stderr
    assert ["--add-architecture", platform.debian_arch] in [c["args"] for c in
                                                            sandbox.calls("dpkg")]
    installs = [c["args"] for c in sandbox.calls("apt-get") if c["args"][0] == "install"]
    assert installs == [["install", "-y", "--no-install-recommends", *platform.apt_packages,
                         "pkg-config", "libclang-dev", "clang", platform.gxx_package,
                         f"libssl-dev:{platform.debian_arch}"]]
    triple = platform.gnu_triple
    suffix = triple.replace("-", "_")
    sysroot = "/usr/" + platform.linker.removesuffix("-gcc")
    expected = {
        f"PKG_CONFIG_LIBDIR_{suffix}":
            f"/usr/lib/{platform.multiarch}/pkgconfig:/usr/share/pkgconfig",
        f"CXX_{suffix}": platform.linker.removesuffix("gcc") + "g++",
        f"BINDGEN_EXTRA_CLANG_ARGS_{suffix}": f"--sysroot={sysroot}",
    }
    cook, = sandbox.calls("cargo-chef")
    build, = [c for c in sandbox.calls("cargo") if c["args"][0] == "build"]
    for call in (cook, build):
        assert {k: call["env"].get(k) for k in expected} == expected
        assert call["env"]["PKG_CONFIG_ALLOW_CROSS"] == "1"
    # The runtime runs nothing: libssl3 is unpacked for the target on the build machine.
    assert parse_stages(text)[-1].runs() == []
    proc = sandbox.run_stage(text, "tini", platform.name)
    assert proc.returncode == 0, proc.stderr
    downloads = [c["args"] for c in sandbox.calls("apt-get") if c["args"][0] == "download"]
    assert downloads[-1] == ["download", f"libssl3:{platform.debian_arch}"]


@pytest.mark.parametrize("platform", [p for p in C_PLATFORMS if p.name in (
    "linux/amd64", "linux/arm64", "linux/arm/v7")], ids=lambda p: p.slug)
def test_debian_slim_registers_the_unpacked_libraries_in_the_targets_dpkg_status(sandbox,
                                                                                  platform):
    plan = _with_crates(Plan(images=(SERVER,), platforms=(platform.name,)), "pq-sys")
    text = render(plan)["Dockerfile"]
    arch = platform.debian_arch
    proc = sandbox.run_stage(text, "tini", platform.name)
    assert proc.returncode == 0, proc.stderr
    download, = [c["args"] for c in sandbox.calls("apt-get") if c["args"][0] == "download"
                 and c["args"][1] != f"tini:{arch}"]
    assert download[1] == f"libpq5:{arch}" and f"libldap-2.5-0:{arch}" in download
    # The target base's own database (COPY --from=runtime-base), then the unpacked packages.
    status = sandbox.path("/tini/libs/var/lib/dpkg/status")
    stanzas = [s for s in status.read_text().split("\n\n") if s.strip()]
    assert stanzas[0] + "\n" == BASE_STATUS
    packages = [s.splitlines()[:2] for s in stanzas[1:]]
    assert packages == [[f"Package: {w.split(':')[0]}", "Status: install ok installed"]
                        for w in download[1:]]
    listing = sandbox.path(f"/tini/libs/var/lib/dpkg/info/libpq5:{arch}.list").read_text()
    assert listing.splitlines() == ["/.", "/usr", "/usr/lib", "/usr/lib/stub/libpq5"]
    assert sandbox.path(f"/tini/libs/var/lib/dpkg/info/libpq5:{arch}.md5sums").exists()
    assert sandbox.path("/tini/libs/usr/lib/stub/libpq5").read_text() == arch
    # debian-slim's /lib is a link to usr/lib: nothing may stay under the root's /lib.
    assert not sandbox.path("/tini/libs/lib").exists()
    assert sandbox.path("/tini/libs/usr/lib/stub/libkeyutils1").read_text() == arch
    final = parse_stages(text)[-1]
    assert final.runs() == [] and "/tini/libs/" in final.copies_from("tini")


def test_a_bundled_c_library_needs_nothing_but_the_cross_compiler(sandbox):
    plan = _with_crates(Plan(images=(SERVER,), platforms=("linux/arm64",)), "zstd-sys")
    text = render(plan)["Dockerfile"]
    assert sandbox.run_stage(text, "builder", "linux/arm64").returncode == 0
    assert sandbox.calls("dpkg") == []
    installs = [c["args"] for c in sandbox.calls("apt-get") if c["args"][0] == "install"]
    assert installs == [["install", "-y", "--no-install-recommends",
                         *platforms.get("linux/arm64").apt_packages]]


@pytest.mark.parametrize("platform", [p for p in C_PLATFORMS if runtimes.require("distroless").supports(p, "bookworm")],
                         ids=lambda p: p.slug)
def test_distroless_gets_the_shared_library_unpacked_for_the_target(sandbox, platform):
    plan = _with_crates(Plan(images=(SERVER,), platforms=(platform.name,),
                             runtime="distroless"), "libsqlite3-sys", "openssl-sys")
    text = render(plan)["Dockerfile"]
    proc = sandbox.run_stage(text, "tini", platform.name)
    assert proc.returncode == 0, proc.stderr
    downloads = [c["args"] for c in sandbox.calls("apt-get") if c["args"][0] == "download"]
    # distroless/cc already has libssl3: only SQLite is fetched.
    assert downloads == [["download", f"tini:{platform.debian_arch}"],
                         ["download", f"libsqlite3-0:{platform.debian_arch}"]]
    runtime = parse_stages(text)[-1]
    assert "/tini/libs/" in runtime.copies_from("tini")
    assert [c["args"][2] for c in sandbox.calls("dpkg-deb") if c["args"][0] == "-x"] == [
        str(sandbox.path("/tini/root")), str(sandbox.path("/tini/libs"))]
    recorded = sandbox.path("/tini/libs/var/lib/dpkg/status.d/libsqlite3-0").read_text()
    assert recorded.splitlines()[:2] == ["Package: libsqlite3-0", "Status: install ok installed"]


@pytest.mark.parametrize("platform", [p for p in platforms.PLATFORMS
                                      if not Plan(images=(SERVER,), platforms=(p.name,)).problems()],
                         ids=lambda p: p.slug)
def test_debian_slim_gets_tini_certificates_and_user_from_the_build_machine(sandbox, platform):
    plan = Plan(images=(SERVER,), platforms=(platform.name,))
    text = render(plan)["Dockerfile"]
    proc = sandbox.run_stage(text, "tini", platform.name)
    assert proc.returncode == 0, proc.stderr
    downloads = [c["args"] for c in sandbox.calls("apt-get") if c["args"][0] == "download"]
    assert downloads == [["download", f"tini:{platform.debian_arch}"]]
    installs = [c["args"] for c in sandbox.calls("apt-get") if c["args"][0] == "install"]
    assert installs == [["install", "-y", "--no-install-recommends", "ca-certificates"]]
    passwd = sandbox.path("/tini/etc/passwd").read_text().splitlines()
    assert passwd[-1] == "app:x:10001:10001:app:/nonexistent:/usr/sbin/nologin"
    assert sandbox.path("/tini/etc/group").read_text().splitlines()[-1] == "app:x:10001:"
    runtime = parse_stages(text)[-1]
    assert runtime.runs() == []
    assert sandbox.path("/tini/root/usr/bin/tini-static").read_text() == platform.debian_arch
