"""The build lab: a Docker engine, a local registry and stand-in base images, all offline.

Set up (idempotently) as root, from the shell or as a session-scoped pytest fixture:

    python -m tests.e2e.lab check      # can it be set up here? (exit 2 saying why not)
    python -m tests.e2e.lab setup      # install, start, make the base images (cached)
    python -m tests.e2e.lab status
    python -m tests.e2e.lab teardown   # stop engine and registry, disable our binfmts, prune
    python -m tests.e2e.lab teardown --purge   # also delete the engine's and registry's data

One user at a time (``LOCK``, an flock on /run/rsdock-lab.lock): a pytest session holds it from
setup through teardown; another waits (RSDOCK_LAB_WAIT s, default 3600) and the CLI's teardown
refuses while someone else holds it.

What it makes (see ../../../shared/research/BUILD-LAB.md for why each step is so):

- Debian's ``docker.io`` (dockerd 20.10) on overlay2 -- never vfs, which copies every layer whole
  and once filled the disk -- with its own data root under /var/lib/rsdock-lab, its own socket,
  ``--iptables=false --bridge=none``; builds run with ``--network host``.
- Debian's ``docker-registry`` on localhost:5000, the engine's Docker Hub mirror, so an unmodified
  ``FROM debian:bookworm-slim`` resolves there, per platform.
- Base images for linux/amd64, linux/arm64 and linux/arm/v7, made from debootstrap or Debian
  packages and pushed as annotated multi-platform manifests under the names the templates use.
  Each stand-in says below what differs from the real image.
- QEMU through binfmt_misc (``qemu-user-static``), enabled here and disabled again at teardown.

Only /usr/bin/docker (the 20.10 client of docker.io) is used: another client may be first on PATH
and needs a buildx plugin that is not packaged.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

LAB = Path(os.environ.get("RSDOCK_LAB_DIR", "/var/lib/rsdock-lab"))
CACHE = Path(os.environ.get("RSDOCK_LAB_CACHE", "/var/cache/rsdock-lab"))
RUN = Path("/run/rsdock-lab")
# One lab user at a time, machine-wide: the engine, registry and binfmts are shared by every
# checkout on the machine, so a pytest session (setup through teardown) and the CLI's setup and
# teardown hold an exclusive flock on this file. The kernel drops it when its holder dies.
LOCK = Path(os.environ.get("RSDOCK_LAB_LOCK", "/run/rsdock-lab.lock"))
SOCKET = RUN / "docker.sock"
DOCKER = "/usr/bin/docker"
REGISTRY = "localhost:5000"
MIRROR = "http://deb.debian.org/debian"
SECURITY = "http://deb.debian.org/debian-security"
PACKAGES = ["docker.io", "docker-registry", "debootstrap", "qemu-user-static", "binfmt-support"]

# Docker platform -> (Debian architecture, manifest annotation arch, variant, GNU tuple).
ARCHES = {
    "linux/amd64": ("amd64", "amd64", None, "x86_64-linux-gnu"),
    "linux/arm64": ("arm64", "arm64", "v8", "aarch64-linux-gnu"),
    "linux/arm/v7": ("armhf", "arm", "v7", "arm-linux-gnueabihf"),
}
PLATFORMS = tuple(ARCHES)
# The Rust versions whose ``rust:<v>-slim-bookworm`` tag the builder stand-in carries. Its real
# toolchain is Debian trixie's rustc/cargo (1.85.x) whatever the tag says; the lab workspaces set
# ``rust-version = "1.85"`` so the generated FROM names the version that is really inside.
RUST_TAGS = ("1.85", "1.85.1", "1.86")
# What wizard/render.py pins.
ALPINE_VERSION = "3.22"
BUSYBOX_VERSION = "1.37"
QEMU_BINFMTS = ("qemu-aarch64", "qemu-arm")

_lock = threading.Lock()


class LabUnavailable(Exception):
    """The lab cannot be set up here; the message says why (tests skip with it)."""


class LabBusy(LabUnavailable):
    """Another process holds the lab (LOCK) and did not let go in time."""


# --------------------------------------------------------------------------- the lock
def lock_holder(path: Path | None = None) -> str:
    """Who holds (or last held) the lab lock, as its holder wrote it: pid, command, since."""
    try:
        info = json.loads((path or LOCK).read_text() or "{}")
    except (OSError, ValueError):
        return "an unknown process"
    if not info:
        return "an unknown process"
    return f"pid {info.get('pid')} ({info.get('cmd', '?')}, since {info.get('since', '?')})"


class LabLock:
    """An exclusive, machine-wide hold on the lab.

    Held from setup through teardown by one pytest session (or one CLI setup/teardown), so one
    run's teardown never stops the engine under another's build: the other run waits here until
    the holder is done, then sets the lab up again (idempotent, seconds when warm). Whoever holds
    the lock is the only user, hence always the last one, and may tear down.
    """

    def __init__(self, path: Path | None = None):
        self.path = path or LOCK
        self.fd: int | None = None

    def acquire(self, wait: float | None = None, poll: float = 1.0) -> None:
        """Take the lock, waiting up to ``wait`` seconds (None: as long as it takes, 0: not at
        all); raise LabBusy, naming the holder, when it stays taken."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = None if wait is None else time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    holder = lock_holder(self.path)
                    os.close(fd)
                    raise LabBusy(f"the build lab is in use by {holder} ({self.path}); "
                                  f"waited {wait:.0f} s") from None
                if not told:
                    log(f"waiting for the build lab: in use by {lock_holder(self.path)}")
                    told = True
                time.sleep(poll)
        info = {"pid": os.getpid(), "cmd": " ".join(sys.argv)[:200],
                "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        self.fd = fd

    def release(self) -> None:
        if self.fd is None:
            return
        os.ftruncate(self.fd, 0)
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        self.fd = None

    def __enter__(self):
        if self.fd is None:
            self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()


def lock_wait() -> float | None:
    """How long a session waits for the lab: RSDOCK_LAB_WAIT seconds (default 3600)."""
    return float(os.environ.get("RSDOCK_LAB_WAIT", "3600"))


@contextlib.contextmanager
def held(wait: float | None = None):
    lock = LabLock()
    lock.acquire(wait)
    try:
        yield lock
    finally:
        lock.release()


def log(msg: str) -> None:
    with _lock:
        print(f"[lab {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def docker_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DOCKER_HOST=f"unix://{SOCKET}",
        DOCKER_BUILDKIT="1",
        DOCKER_CLI_EXPERIMENTAL="enabled",
        # A config of our own: no credential helpers or buildx defaults of another client.
        DOCKER_CONFIG=str(LAB / "client"),
    )
    return env


def run(cmd, *, check=True, capture=False, env=None, input=None, timeout=None, cwd=None):
    """Run a command; on failure raise with its output."""
    res = subprocess.run(
        cmd, check=False, text=True, env=env, input=input, timeout=timeout, cwd=cwd,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.PIPE if capture else None,
    )
    if check and res.returncode != 0:
        out = (res.stdout or "") + (res.stderr or "") if capture else ""
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited {res.returncode}\n{out[-4000:]}")
    return res


def docker(*args, check=True, capture=True, input=None, timeout=None):
    return run([DOCKER, *args], check=check, capture=capture, env=docker_env(), input=input,
               timeout=timeout)


# --------------------------------------------------------------------------- state
def _state() -> dict:
    try:
        return json.loads((LAB / "state.json").read_text())
    except (OSError, ValueError):
        return {}


def _save_state(state: dict) -> None:
    LAB.mkdir(parents=True, exist_ok=True)
    (LAB / "state.json").write_text(json.dumps(state, indent=1, sort_keys=True))


def _pid_alive(pidfile: Path) -> int | None:
    try:
        pid = int(pidfile.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


# --------------------------------------------------------------------------- preconditions
def check_possible() -> None:
    """Raise LabUnavailable with the reason when this machine cannot host the lab."""
    if os.geteuid() != 0:
        raise LabUnavailable("the build lab needs root (dockerd, debootstrap, binfmt_misc)")
    if not shutil.which("apt-get") and not Path(DOCKER).exists():
        raise LabUnavailable("no apt-get to install docker.io and no /usr/bin/docker")
    free = shutil.disk_usage("/var/lib").free
    if free < 20 * 2**30:
        raise LabUnavailable(f"only {free / 2**30:.1f} GiB free under /var/lib; the lab needs 20")


def install_packages() -> None:
    missing = [p for p in PACKAGES
               if run(["dpkg-query", "-W", "-f=${Status}", p], check=False, capture=True)
               .stdout.strip() != "install ok installed"]
    if not missing:
        return
    log(f"apt-get install {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for _attempt in range(3):
        res = run(["apt-get", "update", "-q"], check=False, capture=True, env=env)
        if res.returncode == 0:
            break
        time.sleep(10)  # another apt may hold the lock
    res = run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
              check=False, capture=True, env=env)
    if res.returncode != 0:
        raise LabUnavailable(f"apt-get install {' '.join(missing)} failed: {res.stderr[-800:]}")


def check_overlay() -> None:
    """overlay2 or nothing: mount a tiny overlay under the lab's own directory to be sure."""
    probe = LAB / "overlay-probe"
    shutil.rmtree(probe, ignore_errors=True)
    for d in ("lower", "upper", "work", "merged"):
        (probe / d).mkdir(parents=True)
    res = run(["mount", "-t", "overlay", "overlay", "-o",
               f"lowerdir={probe}/lower,upperdir={probe}/upper,workdir={probe}/work",
               str(probe / "merged")], check=False, capture=True)
    if res.returncode == 0:
        run(["umount", str(probe / "merged")], check=False)
    shutil.rmtree(probe, ignore_errors=True)
    if res.returncode != 0:
        raise LabUnavailable("overlayfs cannot be mounted under /var/lib/rsdock-lab "
                             f"({res.stderr.strip()}); the lab never falls back to vfs")


# --------------------------------------------------------------------------- binfmt
def enable_binfmt() -> None:
    state = _state()
    if not Path("/proc/sys/fs/binfmt_misc/status").exists():
        run(["mount", "-t", "binfmt_misc", "binfmt_misc", "/proc/sys/fs/binfmt_misc"])
        state["mounted_binfmt_misc"] = True
    enabled = set(state.get("enabled_binfmts", []))
    for name in QEMU_BINFMTS:
        entry = Path("/proc/sys/fs/binfmt_misc") / name
        if entry.exists() and entry.read_text().startswith("enabled"):
            continue
        run(["update-binfmts", "--enable", name], capture=True)
        enabled.add(name)
        flags = [ln for ln in entry.read_text().splitlines() if ln.startswith("flags:")]
        # F (fix binary): the interpreter is opened now, so it works inside containers too.
        if not flags or "F" not in flags[0]:
            raise LabUnavailable(f"binfmt {name} lacks the F flag ({flags}); QEMU would not "
                                 "run inside containers")
    state["enabled_binfmts"] = sorted(enabled)
    _save_state(state)


def disable_binfmt() -> None:
    state = _state()
    for name in state.get("enabled_binfmts", []):
        run(["update-binfmts", "--disable", name], check=False, capture=True)
    state["enabled_binfmts"] = []
    _save_state(state)


BINFMT_DIR = Path("/proc/sys/fs/binfmt_misc")


def qemu_binfmts(root: Path = BINFMT_DIR) -> dict[str, bool]:
    """``{handler: enabled}`` for every binfmt_misc handler whose interpreter is a QEMU (any
    package may have registered one, not only the lab's ``update-binfmts``)."""
    found = {}
    for entry in sorted(root.iterdir()) if root.is_dir() else ():
        if entry.name in ("register", "status"):
            continue
        text = entry.read_text()
        if re.search(r"^interpreter .*qemu", text, re.M):
            found[entry.name] = text.startswith("enabled")
    return found


@contextlib.contextmanager
def binfmt_off(root: Path = BINFMT_DIR):
    """Every enabled QEMU binfmt handler disabled (machine-wide) inside the block, and enabled
    again after it: a build that succeeds inside ran nothing for a foreign architecture (a
    foreign RUN fails with "exec format error"). Yields the handlers it turned off."""
    turned = [name for name, enabled in qemu_binfmts(root).items() if enabled]
    for name in turned:
        (root / name).write_text("0")
    try:
        still = [name for name, enabled in qemu_binfmts(root).items() if enabled]
        if still:
            raise LabUnavailable(f"could not disable the binfmt handlers {still}")
        yield turned
    finally:
        for name in turned:
            (root / name).write_text("1")


# --------------------------------------------------------------------------- registry
def registry_up() -> bool:
    try:
        with urllib.request.urlopen(f"http://{REGISTRY}/v2/", timeout=2) as r:
            return r.status == 200
    except (OSError, urllib.error.URLError):
        return False


def start_registry() -> None:
    RUN.mkdir(parents=True, exist_ok=True)
    if registry_up():
        return
    storage = LAB / "registry"
    storage.mkdir(parents=True, exist_ok=True)
    config = LAB / "registry.yml"
    # No auth (the packaged config asks for htpasswd), loopback only, deletes allowed.
    config.write_text(
        "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n"
        f"    rootdirectory: {storage}\n  delete:\n    enabled: true\n"
        "http:\n  addr: 127.0.0.1:5000\n"
    )
    logf = open(LAB / "registry.log", "ab")
    proc = subprocess.Popen(["/usr/bin/docker-registry", "serve", str(config)],
                            stdout=logf, stderr=logf, start_new_session=True)
    (RUN / "registry.pid").write_text(str(proc.pid))
    for _ in range(50):
        if registry_up():
            log(f"registry up on {REGISTRY} (pid {proc.pid})")
            return
        time.sleep(0.2)
    raise LabUnavailable(f"docker-registry did not answer; see {LAB / 'registry.log'}")


def registry_has(repo: str, tag: str) -> bool:
    req = urllib.request.Request(
        f"http://{REGISTRY}/v2/{repo}/manifests/{tag}", method="HEAD",
        headers={"Accept": "application/vnd.docker.distribution.manifest.list.v2+json,"
                           "application/vnd.docker.distribution.manifest.v2+json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status == 200
    except (OSError, urllib.error.URLError):
        return False


# --------------------------------------------------------------------------- engine
def engine_up() -> bool:
    if not SOCKET.exists():
        return False
    return docker("version", "--format", "{{.Server.Version}}", check=False,
                  timeout=20).returncode == 0


def start_engine() -> None:
    RUN.mkdir(parents=True, exist_ok=True)
    (LAB / "client").mkdir(parents=True, exist_ok=True)
    if engine_up():
        return
    daemon_json = LAB / "daemon.json"
    daemon_json.write_text("{}\n")  # never read /etc/docker/daemon.json
    logf = open(LAB / "dockerd.log", "ab")
    cmd = ["dockerd", "--config-file", str(daemon_json),
           "--data-root", str(LAB / "docker"), "--exec-root", str(RUN / "exec"),
           "--pidfile", str(RUN / "dockerd.pid"), "-H", f"unix://{SOCKET}",
           "--storage-driver", "overlay2", "--iptables=false", "--ip-masq=false",
           "--bridge=none", "--registry-mirror", f"http://{REGISTRY}",
           "--insecure-registry", REGISTRY]
    subprocess.Popen(cmd, stdout=logf, stderr=logf, start_new_session=True)
    for _ in range(120):
        if engine_up():
            break
        time.sleep(0.5)
    else:
        raise LabUnavailable(f"dockerd did not start; see {LAB / 'dockerd.log'}")
    driver = docker("info", "--format", "{{.Driver}}").stdout.strip()
    if driver != "overlay2":
        stop_engine()
        raise LabUnavailable(f"dockerd chose storage driver {driver!r}, not overlay2")
    log(f"dockerd up on {SOCKET}, storage driver {driver}")


def _stop_pidfile(pidfile: Path, name: str, grace: float = 30) -> None:
    pid = _pid_alive(pidfile)
    if pid is None:
        return
    os.kill(pid, 15)
    for _ in range(int(grace * 10)):
        if _pid_alive(pidfile) is None:
            break
        try:
            os.kill(pid, 0)
        except OSError:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, 9)
    log(f"stopped {name} (pid {pid})")
    pidfile.unlink(missing_ok=True)


def stop_engine() -> None:
    _stop_pidfile(RUN / "dockerd.pid", "dockerd")


def stop_registry() -> None:
    _stop_pidfile(RUN / "registry.pid", "docker-registry")


# --------------------------------------------------------------------------- root file systems
# What debuerreotype does to make the official *-slim images, so sizes compare.
_DPKG_SLIM = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
"""
_APT_DOCKER = {
    "docker-clean": 'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb '
                    '/var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };\n'
                    'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb '
                    '/var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };\n'
                    'Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";\n',
    "docker-no-languages": 'Acquire::Languages "none";\n',
    "docker-gzip-indexes": 'Acquire::GzipIndexes "true";\n',
    "docker-autoremove-suggests": 'Apt::AutoRemove::SuggestsImportant "false";\n',
}


def mounts_under(root: Path, mountinfo: str | None = None) -> list[Path]:
    """Mount points at or below ``root`` (from /proc/self/mountinfo), deepest first."""
    if mountinfo is None:
        mountinfo = Path("/proc/self/mountinfo").read_text()
    root = Path(os.path.abspath(root))
    found = []
    for line in mountinfo.splitlines():
        fields = line.split()
        if len(fields) < 5:
            continue
        # The kernel writes space, tab, newline and backslash as octal escapes (\040 ...).
        point = Path(re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4]))
        if point == root or root in point.parents:
            found.append(point)
    return sorted(set(found), key=lambda p: len(p.parts), reverse=True)


def unmount_under(root: Path) -> None:
    """Unmount everything mounted at or below ``root``; raise if anything stays mounted.

    A foreign-architecture debootstrap can leave the target's /proc mounted when it exits (seen
    on a fresh machine: arm64 and armhf, three debootstraps at once; the cleanup below then
    failed on /proc/stat). Nothing under a mount point may be deleted: a bind-mounted /dev
    would take the host's device nodes with it.
    """
    points = mounts_under(root)
    if points:
        log(f"unmounting what was left mounted under {root}: {', '.join(map(str, points))}")
    for point in points:
        if run(["umount", str(point)], check=False, capture=True).returncode:
            run(["umount", "--lazy", str(point)], check=False, capture=True)
    left = mounts_under(root)
    if left:
        raise RuntimeError(f"still mounted under {root}: {', '.join(map(str, left))}; "
                           "not deleting anything there")


def rootfs_tarball(suite: str, arch: str) -> Path:
    """A cached, slimmed ``debootstrap --variant=minbase`` of ``suite`` for ``arch``."""
    tar = CACHE / f"{suite}-{arch}.tar"
    if tar.exists():
        return tar
    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"rootfs-{suite}-{arch}-", dir=CACHE))
    root = work / "root"
    t0 = time.time()
    log(f"debootstrap {suite} {arch} (cold; cached afterwards in {tar})")
    try:
        res = run(["debootstrap", "--variant=minbase", f"--arch={arch}", suite, str(root), MIRROR],
                  check=False, capture=True)
        unmount_under(root)
        if res.returncode != 0:
            raise RuntimeError(f"debootstrap {suite} {arch} failed:\n{res.stdout[-3000:]}")
        (root / "etc/dpkg/dpkg.cfg.d/docker").write_text(_DPKG_SLIM)
        for name, text in _APT_DOCKER.items():
            (root / "etc/apt/apt.conf.d" / name).write_text(text)
        (root / "etc/apt/sources.list").unlink(missing_ok=True)
        (root / "etc/apt/sources.list.d/debian.sources").write_text(
            f"Types: deb\nURIs: {MIRROR}\nSuites: {suite} {suite}-updates\nComponents: main\n"
            "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n"
            f"Types: deb\nURIs: {SECURITY}\nSuites: {suite}-security\nComponents: main\n"
            "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n")
        for pattern in ("usr/share/doc/*", "usr/share/man/*", "usr/share/info/*",
                        "usr/share/locale/*", "usr/share/groff/*", "usr/share/lintian/*",
                        "var/lib/apt/lists/*", "var/cache/apt/*.bin",
                        "var/cache/apt/archives/*.deb", "var/log/*.log", "var/log/apt/*"):
            for p in root.glob(pattern):
                if p.is_dir() and not p.is_symlink():
                    if pattern.startswith("usr/share/doc"):
                        for f in p.iterdir():
                            if f.name != "copyright":
                                shutil.rmtree(f) if f.is_dir() else f.unlink()
                        continue
                    shutil.rmtree(p)
                else:
                    p.unlink()
        for d in ("dev", "proc", "sys", "run", "tmp"):
            for p in (root / d).glob("*"):
                shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
        part = tar.with_suffix(".tar.part")
        run(["tar", "--numeric-owner", "-C", str(root), "-cf", str(part), "."])
        part.rename(tar)
    finally:
        unmount_under(work)  # raises, deleting nothing, if something stays mounted there
        shutil.rmtree(work, ignore_errors=True)
    log(f"rootfs {suite} {arch}: {tar.stat().st_size / 2**20:.0f} MB in {time.time() - t0:.0f} s")
    return tar


# --------------------------------------------------------------------------- images
def _inputs_hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def _up_to_date(repo: str, tag: str, digest: str) -> bool:
    return _state().get("images", {}).get(f"{repo}:{tag}") == digest and registry_has(repo, tag)


def _covers(repo: str, tag: str, digest: str, platforms) -> bool:
    """The registry holds ``repo:tag`` built from ``digest`` for every one of ``platforms``
    (build_image records ``<digest>@<platform>,...``)."""
    recorded = _state().get("images", {}).get(f"{repo}:{tag}", "")
    have, _, plats = recorded.partition("@")
    return (have == digest and set(platforms) <= set(plats.split(","))
            and registry_has(repo, tag))


def _mark(repo: str, tag: str, digest: str) -> None:
    with _lock:
        state = _state()
        state.setdefault("images", {})[f"{repo}:{tag}"] = digest
        _save_state(state)


def push_manifest(repo: str, tags: tuple[str, ...], per_platform: dict[str, str]) -> None:
    """Push ``per_platform`` (platform -> pushed single-platform ref) as one list under each tag."""
    for tag in tags:
        name = f"{REGISTRY}/{repo}:{tag}"
        docker("manifest", "rm", name, check=False)
        docker("manifest", "create", "--insecure", name, *per_platform.values())
        for platform, ref in per_platform.items():
            _, arch, variant, _ = ARCHES[platform]
            extra = ["--variant", variant] if variant else []
            docker("manifest", "annotate", name, ref, "--os", "linux", "--arch", arch, *extra)
        docker("manifest", "push", "--purge", "--insecure", name)
    # The registry has them now; local copies only take disk and could shadow base names.
    for ref in per_platform.values():
        docker("rmi", ref, check=False)


def debian_image(suite: str, platforms=PLATFORMS) -> str:
    """``debian:<suite>-slim`` for each platform, from the cached debootstrap tarballs.

    Differs from the official image: made today from the mirror (not a dated snapshot), by this
    script rather than debuerreotype; the same slimming (no docs, man pages or locales; apt's
    docker-* settings), so its size is within a few MB of the real one.
    """
    repo, tag = "library/debian", f"{suite}-slim"
    tars = {p: rootfs_tarball(suite, ARCHES[p][0]) for p in platforms}
    digest = _inputs_hash("debian-v1", *(f"{p}={t.stat().st_mtime_ns}" for p, t in tars.items()))
    if _up_to_date(repo, tag, digest):
        return f"{REGISTRY}/{repo}:{tag}"
    refs = {}
    for platform, tar in tars.items():
        ref = f"{REGISTRY}/{repo}:{tag}-{ARCHES[platform][0]}"
        with open(tar, "rb") as f:
            res = subprocess.run([DOCKER, "import", "--platform", platform,
                                  "--change", 'CMD ["bash"]', "-", ref], stdin=f,
                                 env=docker_env(), capture_output=True, text=True)
        if res.returncode:
            raise RuntimeError(f"docker import {ref}: {res.stderr}")
        docker("push", ref)
        refs[platform] = ref
    push_manifest(repo, (tag,), refs)
    _mark(repo, tag, digest)
    log(f"pushed {REGISTRY}/{repo}:{tag} for {', '.join(platforms)}")
    return f"{REGISTRY}/{repo}:{tag}"


def build_image(context: Path, repo: str, tags: tuple[str, ...], platforms=PLATFORMS,
                extra_inputs: str = "") -> None:
    """``docker build`` ``context`` once per platform, push, and join them in one manifest.

    Up to date when the registry holds these inputs for at least ``platforms``: a builder made
    for all three platforms (``setup --peer-builders``) serves a later amd64-only setup."""
    files = sorted(p for p in context.rglob("*") if p.is_file())
    digest = _inputs_hash(repo, extra_inputs,
                          *(f"{p.relative_to(context)}:{p.read_text()}" for p in files))
    if all(_covers(repo, t, digest, platforms) for t in tags):
        return
    refs = {}
    for platform in platforms:
        ref = f"{REGISTRY}/{repo}:{tags[0]}-{ARCHES[platform][0]}"
        t0 = time.time()
        # --pull, always: the 20.10 engine's local image store keeps one platform per tag, and
        # a local `debian:bookworm-slim` of another platform would silently win over the
        # registry's multi-platform list (seen: an amd64 build ran armhf apt under QEMU).
        res = run([DOCKER, "build", "--pull", "--network", "host", "--platform", platform,
                   "-t", ref, str(context)], check=False, capture=True, env=docker_env())
        if res.returncode:
            raise RuntimeError(f"building {ref} failed:\n{res.stderr[-5000:]}")
        docker("push", ref)
        refs[platform] = ref
        log(f"built {ref} in {time.time() - t0:.0f} s")
    push_manifest(repo, tags, refs)
    for t in tags:
        _mark(repo, t, f"{digest}@{','.join(platforms)}")
    log(f"pushed {REGISTRY}/{repo}:{', '.join(tags)}")


IMAGES_DIR = Path(__file__).with_name("images")


# The stand-ins no lab build can use today, made only on request (``setup --all-images``):
# alpine serves the musl runtimes and busybox the trunk web apps, and the lab has neither a musl
# Rust std nor trunk (docs/e2e.md), so every such case is skipped before it builds. On a fresh
# machine they cost about 3 of the cold setup's minutes (6 single-platform builds).
UNUSED_STAND_INS = ("alpine", "busybox")


def make_images(all_images: bool = False, timings: dict | None = None,
                peer_builders: bool = False) -> None:
    """Every base image the lab's builds use (``all_images``: every one the templates name),
    built once and kept in the registry; ``timings`` gets each step's seconds.
    ``peer_builders``: the rust builder for arm64 and arm/v7 too (built under QEMU, slow the
    first time), which a Dockerfile whose builder is not on $BUILDPLATFORM pulls (the build
    benchmark's peers, benchmarks/build/); rsdock's own Dockerfiles need only amd64."""
    timings = {} if timings is None else timings
    t0 = time.time()
    # debootstrap: the foreign ones run under QEMU; two at a time on two cores.
    with ThreadPoolExecutor(max_workers=3) as pool:
        jobs = [pool.submit(rootfs_tarball, "bookworm", a) for a in ("amd64", "arm64", "armhf")]
        jobs += [pool.submit(rootfs_tarball, "trixie", a)
                 for a in (("amd64", "arm64", "armhf") if peer_builders else ("amd64",))]
        for j in jobs:
            j.result()
    timings["rootfs_seconds"] = round(time.time() - t0, 1)

    def step(name, fn, *args, **kw):
        t = time.time()
        fn(*args, **kw)
        timings[f"{name}_seconds"] = round(time.time() - t, 1)

    step("debian_bookworm", debian_image, "bookworm")
    # The rust builder stand-in's base: for arm64 and arm/v7 only with peer_builders.
    step("debian_trixie", debian_image, "trixie",
         platforms=PLATFORMS if peer_builders else ("linux/amd64",))
    # The stand-ins built by Dockerfiles under images/ (each one's Dockerfile says what differs).
    step("rust", build_image, IMAGES_DIR / "rust", "library/rust",
         tuple(f"{v}-slim-bookworm" for v in RUST_TAGS),
         platforms=PLATFORMS if peer_builders else ("linux/amd64",))
    step("distroless", build_image, IMAGES_DIR / "distroless", "gcr.io/distroless/cc-debian12",
         ("nonroot",))
    if not all_images:
        return
    if (IMAGES_DIR / "alpine").exists():
        step("alpine", build_image, IMAGES_DIR / "alpine", "library/alpine", (ALPINE_VERSION,))
    if (IMAGES_DIR / "busybox").exists():
        step("busybox", build_image, IMAGES_DIR / "busybox", "library/busybox", (BUSYBOX_VERSION,))


# --------------------------------------------------------------------------- entry points
def setup(all_images: bool = False, peer_builders: bool = False) -> dict:
    """Set the lab up (idempotent); return timings. Raises LabUnavailable with the reason.

    ``all_images`` also makes the stand-ins no lab build uses (UNUSED_STAND_INS);
    ``peer_builders`` the rust builder for every platform (see make_images)."""
    t0 = time.time()
    timings: dict = {}
    check_possible()
    install_packages()
    timings["packages_seconds"] = round(time.time() - t0, 1)
    LAB.mkdir(parents=True, exist_ok=True)
    check_overlay()
    enable_binfmt()
    start_registry()
    start_engine()
    make_images(all_images, timings, peer_builders=peer_builders)
    took = time.time() - t0
    log(f"lab ready in {took:.0f} s")
    return {"setup_seconds": round(took, 1), **timings}


def status() -> dict:
    state = _state()
    probe = LabLock()
    try:
        probe.acquire(wait=0)
        in_use = None
        probe.release()
    except LabBusy:
        in_use = lock_holder()
    except OSError:
        in_use = "unknown (the lock cannot be opened)"
    return {
        "in_use_by": in_use,
        "engine": engine_up(),
        "registry": registry_up(),
        "binfmts_enabled_by_lab": state.get("enabled_binfmts", []),
        "images": state.get("images", {}),
        "rootfs_cache": sorted(p.name for p in CACHE.glob("*.tar")),
        "disk_lab_MB": _du(LAB),
        "disk_cache_MB": _du(CACHE),
    }


def _du(path: Path) -> int:
    if not path.exists():
        return 0
    res = run(["du", "-sm", str(path)], check=False, capture=True)
    return int(res.stdout.split()[0]) if res.returncode == 0 and res.stdout else 0


def teardown(purge: bool = False) -> None:
    """Prune, stop engine and registry, disable the binfmts the lab enabled.

    Keeps the rootfs tarballs (and, unless ``purge``, the registry's images) so the next setup is
    fast.
    """
    if engine_up():
        for c in docker("ps", "-aq").stdout.split():
            docker("rm", "-f", c, check=False)
        docker("builder", "prune", "-af", check=False, timeout=600)
        docker("system", "prune", "-af", check=False, timeout=600)
    stop_engine()
    stop_registry()
    disable_binfmt()
    if purge:
        shutil.rmtree(LAB / "docker", ignore_errors=True)
        shutil.rmtree(LAB / "registry", ignore_errors=True)
        state = _state()
        state.pop("images", None)
        _save_state(state)
    log("lab torn down")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.e2e.lab", description=__doc__.split("\n")[0])
    ap.add_argument("action", choices=["check", "setup", "status", "teardown"],
                    help="check: can this machine host the lab (root, disk, overlayfs)? exit 2 "
                         "saying why not")
    ap.add_argument("--purge", action="store_true", help="teardown: also delete engine/registry data")
    ap.add_argument("--all-images", action="store_true",
                    help="setup: also make the stand-ins no lab build uses today "
                         f"({', '.join(UNUSED_STAND_INS)}: no musl Rust std, no trunk)")
    ap.add_argument("--peer-builders", action="store_true",
                    help="setup: also make the rust builder for linux/arm64 and linux/arm/v7 "
                         "(under QEMU; the build benchmark's peers pull it)")
    ap.add_argument("--wait", type=float, default=None,
                    help="seconds to wait for another lab user (setup: RSDOCK_LAB_WAIT or 3600; "
                         "teardown: 0, it refuses while the lab is in use)")
    args = ap.parse_args(argv)
    try:
        if args.action == "check":
            check_possible()
            LAB.mkdir(parents=True, exist_ok=True)
            check_overlay()
            print("the build lab can be set up here (root, disk, overlayfs)")
        elif args.action == "setup":
            with held(lock_wait() if args.wait is None else args.wait):
                print(json.dumps(setup(all_images=args.all_images,
                                       peer_builders=args.peer_builders)))
        elif args.action == "status":
            print(json.dumps(status(), indent=1))
        else:
            # Never under another user's build: wait (0 s by default) for the lab to be free.
            with held(0 if args.wait is None else args.wait):
                teardown(purge=args.purge)
    except LabUnavailable as exc:
        print(f"lab unavailable: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
