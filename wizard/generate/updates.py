"""The update bot configuration: ``.github/dependabot.yml`` or ``renovate.json``.

rsdock pins every action to a commit SHA and every base image to a tag; both are right the day
they are written. An update bot keeps them fresh: Dependabot's ``github-actions`` ecosystem
moves a SHA pin and its ``# vX.Y.Z`` comment together, its ``docker`` ecosystem moves
``rust:1.95-slim-bookworm`` to the next Rust keeping the suffix; Renovate's ``github-actions``
and ``dockerfile`` managers (on by default) do the same.

The file is the project's as much as rsdock's, so it is merged, never replaced:

- ``dependabot.yml`` is read with ruamel.yaml's round trip (comments, order and the user's
  entries kept); an ``updates`` entry is added for each ecosystem and directory no entry
  covers yet. An entry the user wrote for the same ecosystem and directory wins as it is.
- ``renovate.json`` (or ``.github/renovate.json``, ``.renovaterc.json``, ``.renovaterc``) is
  JSON: rsdock adds ``config:recommended`` to ``extends`` only when the file extends nothing,
  and adds ``github-actions`` and ``dockerfile`` to an ``enabledManagers`` list that leaves
  them out. A ``renovate.json5`` or a ``package.json`` configuration is left alone (a note
  says what to add).

Pinning base images by digest (``rust:1.95-slim-bookworm@sha256:...``) needs the registry to
resolve the digest, which rsdock does not call: Renovate's ``docker:pinDigests`` preset does it
(and keeps the tag in the reference), Dependabot updates a digest someone pinned.
"""

from __future__ import annotations

import io
import json
import posixpath
import re
from typing import Iterable

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

DEPENDABOT = ".github/dependabot.yml"
DEPENDABOT_FILES = (DEPENDABOT, ".github/dependabot.yaml")
RENOVATE = "renovate.json"
RENOVATE_FILES = (RENOVATE, ".github/renovate.json", ".renovaterc.json", ".renovaterc")
# Renovate configurations rsdock reads as present but does not rewrite.
RENOVATE_UNWRITTEN = ("renovate.json5", ".github/renovate.json5", ".renovaterc.json5")
ALL_FILES = (*DEPENDABOT_FILES, *RENOVATE_FILES, *RENOVATE_UNWRITTEN)
RENOVATE_MANAGERS = ("github-actions", "dockerfile")
_HEADER = ("# Keeps the action SHAs and base image tags the Docker workflow pins fresh "
           "(written by rsdock,\n# which merges its entries into this file and keeps yours).\n")


# Marks a configuration on disk that could not be read (the reason follows): never written over.
UNREADABLE = "\x00unreadable: "


class UpdatesError(ValueError):
    """An existing configuration rsdock cannot merge into, with the way out."""


def directories(dockerfiles: Iterable[str]) -> list[str]:
    """The ``/``-rooted folders holding ``dockerfiles`` (paths relative to the git root)."""
    found = []
    for path in dockerfiles:
        folder = "/" + posixpath.dirname(path).strip("/")
        if folder not in found:
            found.append(folder)
    return found


def _covers(entry: object, ecosystem: str, folder: str) -> bool:
    if not isinstance(entry, dict) or entry.get("package-ecosystem") != ecosystem:
        return False
    listed = entry.get("directories")
    folders = [str(d) for d in listed] if isinstance(listed, list) else []
    if entry.get("directory") is not None:
        folders.append(str(entry["directory"]))
    normal = {"/" + f.strip("/") for f in folders}
    # A glob such as "/**" covers every folder (Dependabot's `directories` accept globs).
    return folder in normal or "/**" in normal or any(
        f.endswith("/**") and folder.startswith(f[:-3]) for f in normal)


def _entry(ecosystem: str, folder: str) -> CommentedMap:
    entry = CommentedMap()
    entry["package-ecosystem"] = ecosystem
    entry["directory"] = folder
    schedule = CommentedMap()
    schedule["interval"] = "weekly"
    entry["schedule"] = schedule
    return entry


def dependabot(existing: str | None, dockerfiles: Iterable[str], where: str = DEPENDABOT) -> str:
    """``existing`` (or a new file) with a ``github-actions`` entry for ``/`` and a ``docker``
    entry for each folder of ``dockerfiles``, where no entry covers them yet.

    Raises:
        UpdatesError: when ``existing`` is not a Dependabot configuration rsdock can merge into.
    """
    yaml = YAML()  # round trip: comments and order survive
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    yaml.preserve_quotes = True
    if existing is None or not existing.strip():
        data = CommentedMap()
        data["version"] = 2
        data["updates"] = CommentedSeq()
        header = _HEADER
    else:
        try:
            data = yaml.load(existing)
        except YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = f":{mark.line + 1}" if mark is not None else ""
            raise UpdatesError(f"{where}{line}: not valid YAML ({getattr(error, 'problem', '')}); "
                               "fix it, or choose --updates none") from None
        if not isinstance(data, CommentedMap) or not isinstance(data.get("updates", []), list):
            raise UpdatesError(f"{where}: not a Dependabot configuration (a mapping with an "
                               "`updates` list); fix it, or choose --updates none")
        data.setdefault("version", 2)
        if "updates" not in data or data["updates"] is None:
            data["updates"] = CommentedSeq()
        header = ""
    updates = data["updates"]
    missing = [(ecosystem, folder) for ecosystem, folder in
               [("github-actions", "/")] + [("docker", f) for f in directories(dockerfiles)]
               if not any(_covers(entry, ecosystem, folder) for entry in updates)]
    if not missing and existing is not None and existing.strip():
        return existing  # nothing to add: the user's bytes, not a re-indented copy
    if existing is not None and existing.strip():
        appended = _append_entries(existing, missing)
        if appended is not None:
            return appended
    for ecosystem, folder in missing:
        updates.append(_entry(ecosystem, folder))
    out = io.StringIO()
    yaml.dump(data, out)
    return header + out.getvalue()


_TOP_KEY = re.compile(r"^[^\s#-]")
_PLAIN_FOLDER = re.compile(r"^/[A-Za-z0-9._/-]*$")


def _append_entries(existing: str, missing: list[tuple[str, str]]) -> str | None:
    """``existing`` with the ``missing`` entries appended as text after its last line, in the
    indentation of its own first entry, when ``updates:`` is its last top-level key: every line
    of the project's stays as it was (a dump re-indents them all). None when the layout is
    another one, or the result would not read back as the same entries plus the new ones."""
    lines = existing.splitlines()
    at = next((i for i, line in enumerate(lines) if re.match(r"^updates\s*:\s*(#.*)?$", line)),
              None)
    if at is None or any(_TOP_KEY.match(line) for line in lines[at + 1:]):
        return None
    first = next((i for i in range(at + 1, len(lines)) if lines[i].lstrip().startswith("- ")),
                 None)
    if first is None:
        return None
    item = lines[first]
    dash = len(item) - len(item.lstrip())
    key = dash + 1 + len(item.lstrip()[1:]) - len(item.lstrip()[1:].lstrip())
    deeper = [len(line) - len(line.lstrip()) for line in lines[first + 1:]
              if line.strip() and not line.lstrip().startswith("#")
              and len(line) - len(line.lstrip()) > key]
    step = (min(deeper) - key) if deeper else 2
    added = []
    for ecosystem, folder in missing:
        shown = folder if _PLAIN_FOLDER.match(folder) else json.dumps(folder)
        added += [f"{' ' * dash}- package-ecosystem: {ecosystem}", f"{' ' * key}directory: {shown}",
                  f"{' ' * key}schedule:", f"{' ' * (key + step)}interval: weekly"]
    text = existing if existing.endswith("\n") else existing + "\n"
    text += "\n".join(added) + "\n"
    try:
        before, after = YAML(typ="safe").load(existing), YAML(typ="safe").load(text)
    except YAMLError:
        return None
    wanted = list(before.get("updates") or []) + [
        {"package-ecosystem": e, "directory": f, "schedule": {"interval": "weekly"}}
        for e, f in missing]
    return text if isinstance(after, dict) and after.get("updates") == wanted else None


def renovate(existing: str | None, where: str = RENOVATE) -> str:
    """``existing`` (or a new file) extending ``config:recommended`` and enabling the
    ``github-actions`` and ``dockerfile`` managers; the user's settings kept.

    Raises:
        UpdatesError: when ``existing`` is not a JSON object.
    """
    if existing is None or not existing.strip():
        data: dict[str, object] = {
            "$schema": "https://docs.renovatebot.com/renovate-schema.json",
            "extends": ["config:recommended"],
        }
    else:
        try:
            data = json.loads(existing)
        except json.JSONDecodeError as error:
            raise UpdatesError(f"{where}:{error.lineno}: not valid JSON ({error.msg}); fix it, "
                               "or choose --updates none") from None
        if not isinstance(data, dict):
            raise UpdatesError(f"{where}: not a Renovate configuration (a JSON object); fix it, "
                               "or choose --updates none")
        before = json.dumps(data, sort_keys=True)
        if not data.get("extends"):
            data["extends"] = ["config:recommended"]
        managers = data.get("enabledManagers")
        if isinstance(managers, list):
            managers += [m for m in RENOVATE_MANAGERS if m not in managers]
        if json.dumps(data, sort_keys=True) == before:
            return existing  # nothing to add: the user's bytes as they are
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render(updates: str, files: dict[str, str], dockerfiles: Iterable[str]
           ) -> tuple[str, str] | None:
    """The update configuration to write: ``(path relative to the git root, text)``, or None.

    Args:
        updates: ``dependabot``, ``renovate`` or ``none``.
        files: the configurations on disk (``{path: text}``, see :data:`ALL_FILES`).
        dockerfiles: the Dockerfiles the plan writes, relative to the git root.

    Raises:
        UpdatesError: when the configuration on disk cannot be merged into.
    """
    for path, text in files.items():
        if text.startswith(UNREADABLE) and (updates == "dependabot") == (path in DEPENDABOT_FILES) \
                and updates != "none":
            raise UpdatesError(f"{path} cannot be read ({text[len(UNREADABLE):]})")
    if updates == "dependabot":
        path = next((p for p in DEPENDABOT_FILES if p in files), DEPENDABOT)
        return path, dependabot(files.get(path), dockerfiles, path)
    if updates == "renovate":
        unwritten = next((p for p in RENOVATE_UNWRITTEN if p in files), None)
        found = next((p for p in RENOVATE_FILES if p in files), None)
        if found is None and unwritten is not None:
            return None  # JSON5: rsdock does not rewrite it (notes() says what to add)
        found = found or RENOVATE
        return found, renovate(files.get(found), found)
    return None


def notes(updates: str, files: dict[str, str]) -> list[str]:
    """What the user should hear about the update configuration."""
    if updates == "renovate" and not any(p in files for p in RENOVATE_FILES):
        unwritten = next((p for p in RENOVATE_UNWRITTEN if p in files), None)
        if unwritten:
            return [f"{unwritten} is JSON5, which rsdock does not rewrite: make sure it extends "
                    "config:recommended (or enables the github-actions and dockerfile managers)"]
    if updates == "renovate":
        return ["Renovate needs its GitHub app on the repository; add \"docker:pinDigests\" to "
                "`extends` to pin base images by digest as well"]
    return []
