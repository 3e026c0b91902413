"""What a stage adds to its file system, when that can be known: the paths its RUNs and COPYs
write, for one target platform.

A ``COPY --from=<stage> <path>`` of a path that stage never wrote fails the build ("not
found"). To call a path missing, every write of the stage (and the stages it is built FROM) must
be understood: each RUN command is one whose effect on the file system is modelled here
(``mkdir``, ``cp``, ``mv``, ``install``, ``ln``, ``touch``, redirections, archives unpacked into
a folder, downloads, ``cargo``, package managers, which write only system folders), and no
file a RUN sources is unreadable. Anything else (``make``, ``just``, a script, ``sh -c``, a
loop or function the simulation does not follow) makes the stage's writes unknown.

Even then the base image's own files are unknown: a path is judged only below a folder the
stage itself created (``mkdir``, ``WORKDIR``, ``install -d``) outside the folders an image
already has (``/usr``, ``/etc``, ...), on a base image whose layout is known (official rust,
debian, ubuntu, alpine, busybox, cargo-chef images, or ``scratch``).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from rsdock.lint.analysis import build
from rsdock.lint.analysis.dockerfacts import CARGO_HOME, workdir
from rsdock.lint.model.dockerfile import Dockerfile, Instruction, Stage, expand, image_name
from rsdock.lint.model.paths import glob_match
from rsdock.lint.model.shell import Command
from rsdock.records import field, record

# Folders a base image already holds: nothing below them is judged.
SYSTEM_DIRS = ("/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32",
               "/media", "/mnt", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys",
               "/tmp", "/usr", "/var")
# Base images whose folders outside SYSTEM_DIRS are empty (by the last part of the name).
KNOWN_BASES = ("scratch", "rust", "debian", "ubuntu", "alpine", "busybox", "cargo-chef",
               "buildpack-deps", "rust-musl-cross", "muslrust")
# Commands that create no file outside SYSTEM_DIRS (or change files in place).
_NO_NEW_FILES = {
    ":", "[", "[[", "true", "false", "test", "echo", "printf", "cat", "cd", "exit", "return",
    "set", "shift", "unset", "export", "read", "trap", "umask", "ls", "pwd", "id", "whoami",
    "uname", "date", "sleep", "env", "printenv", "which", "command", "type", "grep", "egrep",
    "head", "tail", "sort", "uniq", "wc", "cut", "tr", "basename", "dirname", "realpath",
    "readlink", "stat", "du", "df", "file", "ldd", "readelf", "objdump", "nm", "sha256sum",
    "sha512sum", "md5sum", "rm", "rmdir", "chmod", "chown", "chgrp", "strip", "upx", "patchelf",
    "sed", "awk", "ldconfig", "update-ca-certificates", "update-alternatives", "locale-gen",
    "groupadd", "addgroup", "adduser", "usermod", "chpasswd", "getent", "dpkg-query",
    "apt-cache", "apt-mark", "apt-key", "rustc", "rustup", ".", "source",
}
# cargo subcommands whose writes stay in the workspace's target folder, Cargo.lock and
# CARGO_HOME (`run`, `test` and custom subcommands run code that may write anywhere).
_CARGO_ACTIONS = {"build", "b", "check", "c", "chef", "cook", "prepare", "install", "fetch",
                  "generate-lockfile", "update", "doc", "rustc", "auditable", "zigbuild",
                  "clippy", "fmt", "metadata", "tree", "vendor", "--version", "-V", "version"}
_PREFIXES = ("env", "exec", "time", "nice", "sudo", "nohup")


@record
class Writes:
    """What a stage chain wrote: files (glob patterns allowed), folders whose whole content is
    unknown (``trees``), and the folders it created, with the line that created each."""

    files: set[str] = field(default_factory=set)
    trees: set[str] = field(default_factory=set)
    made: dict[str, int] = field(default_factory=dict)

    def covers(self, path: str) -> bool:
        """Whether ``path`` (maybe a glob) can exist after the writes."""
        for tree in self.trees:
            if path == tree or path.startswith(tree.rstrip("/") + "/") or _glob_meets(path, tree):
                return True
        for written in (*self.files, *self.made):
            if _glob_meets(path, written) or written.startswith(path.rstrip("/") + "/"):
                return True  # the path itself, or a folder holding what was written
        return False

    def creator(self, path: str) -> tuple[str, int] | None:
        """The nearest folder above ``path`` that the chain created and no image holds."""
        parent = posixpath.dirname(path)
        while parent not in ("/", ""):
            if parent in self.made:
                system = any(parent == d or parent.startswith(d + "/") for d in SYSTEM_DIRS)
                return None if system else (parent, self.made[parent])
            parent = posixpath.dirname(parent)
        return None

    def under(self, folder: str) -> list[str]:
        """What was written below ``folder``, sorted."""
        prefix = folder.rstrip("/") + "/"
        return sorted(p for p in (*self.files, *self.made, *self.trees) if p.startswith(prefix))


def _glob_meets(a: str, b: str) -> bool:
    return a == b or glob_match(a, b) or glob_match(b, a)


class _Unknown(Exception):
    """A write the model cannot place: the stage's files are not known."""


def stage_writes(model: Dockerfile, stage: Stage, platform: str | None) -> Writes | None:
    """What ``stage`` and the stages it is built FROM write for ``platform``, or None when
    some write cannot be known (see the module docstring)."""
    cache: dict[tuple[int, str | None], Writes | None] = model.__dict__.setdefault(
        "_stage_writes", {})
    key = (stage.index, platform)
    if key not in cache:
        try:
            cache[key] = _chain(model, stage, platform)
        except _Unknown:
            cache[key] = None
    return cache[key]


def _chain(model: Dockerfile, stage: Stage, platform: str | None) -> Writes:
    values = build.platform_args(platform) if platform else None
    chain = stage.ancestry(values)
    if any(s.candidates for s in chain) and platform is None:
        raise _Unknown  # `FROM build-$TARGETARCH` without a platform: which parent is unknown
    root = chain[-1].base
    if image_name(root)[0] not in KNOWN_BASES or "$" in root:
        raise _Unknown
    writes = Writes()
    for ancestor in reversed(chain):
        run = build.simulate_stage(model, ancestor, platform)
        if run.stopped_at is not None:
            raise _Unknown  # the stage fails for this platform: nothing to compare with
        outcomes = {id(r.instruction): r.outcomes for r in run.runs}
        args = build.platform_args(platform)
        for inst in ancestor.instructions:
            here = workdir(ancestor, inst)
            if inst.cmd == "WORKDIR":
                _made(writes, _next_dir(ancestor, inst), inst.line)
            elif inst.cmd in ("COPY", "ADD"):
                _copy_into(writes, ancestor, inst, here, args)
            elif inst.cmd == "RUN":
                if id(inst) not in outcomes:
                    if model.script(inst) is None:
                        continue
                    raise _Unknown
                for outcome in outcomes[id(inst)]:
                    if outcome.exit_code:
                        continue
                    if outcome.opaque or outcome.unfollowed:
                        raise _Unknown
                    for path in outcome.written:
                        if path is None:
                            raise _Unknown
                        writes.files.add(path)
                    for command in outcome.commands:
                        _command(writes, command)
    return writes


def _next_dir(stage: Stage, inst: Instruction) -> str:
    """The folder a WORKDIR instruction makes (and moves to)."""
    value = inst.value[0] if inst.value else "/"
    return posixpath.normpath(posixpath.join(workdir(stage, inst), expand(value, stage.scope_before(inst))))


def _made(writes: Writes, path: str, line: int) -> None:
    if "$" in path:
        return  # not known: judge nothing below it
    writes.made.setdefault(path, line)


def _copy_into(writes: Writes, stage: Stage, inst: Instruction, here: str,
               args: dict[str, str]) -> None:
    words = [w for w in inst.value if w and not w.startswith("<<")]
    if not words:
        return
    dest = expand(words[-1], stage.scope_before(inst, args))
    if "$" in dest:
        raise _Unknown
    path = posixpath.normpath(posixpath.join(here, dest))
    # A file or a folder's content, from the context or a stage: its names are not followed.
    writes.trees.add(path)
    writes.made.setdefault(path, inst.line)


def _command(writes: Writes, command: Command) -> None:
    argv = list(command.argv)
    while argv and (posixpath.basename(argv[0]) in _PREFIXES or "=" in argv[0]):
        argv.pop(0)
        while argv and argv[0].startswith("-"):
            argv.pop(0)
    if not argv:
        return
    name = posixpath.basename(argv[0])
    cwd = command.cwd

    def at(word: str) -> str:
        if "$" in word or "`" in word:
            raise _Unknown
        return posixpath.normpath(posixpath.join(cwd, word))

    operands = [w for w in argv[1:] if not w.startswith("-")]
    if name in _NO_NEW_FILES:
        if name == "sed" and any(w.startswith("-") and "w" in w.lstrip("-") for w in argv[1:]):
            raise _Unknown  # sed's w command writes a file
        return
    if name == "mkdir":
        parents = any(w in ("-p", "--parents") or w.startswith("-") and not w.startswith("--")
                      and "p" in w for w in argv[1:])
        for word in _without_values(argv[1:], ("-m", "--mode")):
            path = posixpath.normpath(posixpath.join(cwd, word))
            while path not in ("/", ""):
                _made(writes, path, command.line)
                path = posixpath.dirname(path) if parents else ""
    elif name == "touch":
        writes.files |= {at(w) for w in _without_values(argv[1:], ("-d", "-r", "-t"))}
    elif name in ("cp", "mv", "install", "ln"):
        _copy_command(writes, name, argv, cwd, command.line)
    elif name == "tee":
        writes.files |= {at(w) for w in operands}
    elif name in ("tar", "unzip", "bsdtar"):
        folder = _value(argv, ("-C", "--directory", "-d")) or "."
        writes.trees.add(at(folder))
        archive = _value(argv, ("-f", "--file"))
        if archive and name != "unzip":
            writes.files.add(at(archive))
    elif name in ("dpkg-deb", "dpkg") and any(w in ("-x", "-X", "--extract", "--vextract",
                                                    "-R", "--raw-extract") for w in argv):
        writes.trees.add(at(argv[-1]))
    elif name == "dpkg-deb":
        if any(w in ("-b", "--build") for w in argv):
            raise _Unknown
    elif name in ("apt-get", "apt", "aptitude"):
        if "download" in operands:
            writes.files.add(at("*.deb"))
        elif "source" in operands:
            writes.trees.add(at("."))
    elif name in ("apk", "dpkg", "pip", "pip3", "gem"):
        if name == "pip" or name == "pip3":
            if any(w in ("-t", "--target", "--root", "--prefix", "download", "wheel")
                   for w in argv):
                raise _Unknown
        return  # system folders
    elif name == "curl":
        out = _value(argv, ("-o", "--output"))
        if out is not None:
            writes.files.add(at(out))
        elif any(w in ("-O", "--remote-name", "-J") or (w.startswith("-") and not
                                                         w.startswith("--") and "O" in w)
                 for w in argv):
            writes.files.add(at(_value(argv, ("--output-dir",)) or ".") + "/*")
    elif name == "wget":
        document = _value(argv, ("-O", "--output-document"))
        prefix = _value(argv, ("-P", "--directory-prefix"))
        writes.files.add(at(document) if document else at(prefix or ".") + "/*")
    elif name == "git":
        writes.trees.add(at(operands[-1] if operands[:1] == ["clone"] and len(operands) > 2
                            else "."))
    elif name in build.CARGO_TOOLS or name == "cargo-chef":
        _cargo(writes, argv, command, at)
    elif name == "useradd":
        home = _value(argv, ("-d", "--home-dir", "--home"))
        if home:
            writes.trees.add(at(home))
    else:
        raise _Unknown


def _cargo(writes: Writes, argv: list[str], command: Command, at: Callable[[str], str]) -> None:
    words = [w for w in argv[1:] if not w.startswith("+")]
    action = next((w for w in words if not w.startswith("-") or w in ("--version", "-V")), "")
    if action not in _CARGO_ACTIONS:
        raise _Unknown
    home = command.env.get("CARGO_HOME") or CARGO_HOME
    writes.trees.add(at(home))
    if action == "install" and "--path" not in words:
        root = _value(argv, ("--root",)) or command.env.get("CARGO_INSTALL_ROOT") or home
        writes.trees.add(at(root))
        return  # built in a temporary folder
    # The workspace's root is cwd or a folder above it: its target/ and Cargo.lock.
    folder = command.cwd
    while True:
        writes.trees.add(posixpath.join(folder, "target"))
        writes.files.add(posixpath.join(folder, "Cargo.lock"))
        if folder == "/":
            break
        folder = posixpath.dirname(folder)
    if action == "vendor":
        writes.trees.add(at(next((w for w in words[1:] if not w.startswith("-")), "vendor")))
    for flag in ("--target-dir", "--root", "--out-dir", "--artifact-dir", "--recipe-path"):
        value = _value(argv, (flag,))
        if value:
            writes.trees.add(at(value))
    for var in ("CARGO_TARGET_DIR", "CARGO_INSTALL_ROOT", "CARGO_BUILD_TARGET_DIR"):
        if command.env.get(var):
            writes.trees.add(at(command.env[var]))


def _copy_command(writes: Writes, name: str, argv: list[str], cwd: str, line: int) -> None:
    def at(word: str) -> str:
        if "$" in word or "`" in word:
            raise _Unknown
        return posixpath.normpath(posixpath.join(cwd, word))

    flags = [w for w in argv[1:] if w.startswith("-")]
    if name == "install" and any(f in ("-d", "--directory") for f in flags):
        for word in _without_values(argv[1:], ("-m", "--mode", "-o", "--owner", "-g", "--group")):
            _made(writes, posixpath.normpath(posixpath.join(cwd, word)), line)
        return
    target = _value(argv, ("-t", "--target-directory"))
    words = _without_values(argv[1:], ("-m", "--mode", "-o", "--owner", "-g", "--group", "-t",
                                       "--target-directory", "-S", "--suffix"))
    if target is not None:
        dest, sources = target, words
    elif len(words) >= 2:
        dest, sources = words[-1], words[:-1]
    elif words and name == "ln":
        dest, sources = ".", words  # `ln -s /opt/tool/bin/tool`: a link in cwd
    else:
        return  # a malformed line: it fails, and writes nothing
    folder = at(dest)
    recursive = name == "mv" or any(f in ("-r", "-R", "-a", "--recursive", "--archive") or
                                    (not f.startswith("--") and ("r" in f or "R" in f or "a" in f))
                                    for f in flags)
    kind = writes.trees if recursive else writes.files
    kind.add(folder)  # the destination as a name: a file, or (recursive) a copied folder
    for source in sources:
        base = posixpath.basename(source.rstrip("/")) if "$" not in source else "*"
        kind.add(posixpath.join(folder, base))  # or the source's name inside a folder
    if name == "install" and any(not f.startswith("--") and "D" in f for f in flags):
        _made(writes, posixpath.dirname(folder), line)


def _value(argv: list[str], names: tuple[str, ...]) -> str | None:
    """The value of the first option in ``names`` (``-o FILE``, ``--output=FILE``, ``-oFILE``)."""
    for index, word in enumerate(argv):
        for flag in names:
            if word == flag and index + 1 < len(argv):
                return argv[index + 1]
            if flag.startswith("--") and word.startswith(flag + "="):
                return word.split("=", 1)[1]
    return None


def _without_values(words: list[str], valued: tuple[str, ...]) -> list[str]:
    """The operands of ``words``: without flags, and without the values of ``valued`` flags."""
    out, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word in valued:
            skip = True
        elif not word.startswith("-"):
            out.append(word)
    return out
