"""Checks of user-given names shared by every edge (flags, rsdock.toml, the TUI, edit mode).

Each check returns what is wrong in words a user can act on, or "" when the value is fine, so
callers wrap it in their own located error (``path:line: error: ...``) or a plan problem.

The grammar of an image reference is Docker's (distribution/reference, ``reference.go``)::

    reference  := name [ ":" tag ] [ "@" digest ]
    name       := [domain "/"] path-component ("/" path-component)*
    domain     := host [":" port]   (a first component with "." or ":", or "localhost")
    path-component := [a-z0-9]+ (("." | "_" | "__" | "-"+) [a-z0-9]+)*
    tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}

GitHub expressions (``${{ github.repository_owner }}``) stand for text the workflow fills in;
they are accepted anywhere and checked as if they were one lowercase word, as long as each is a
plain context value (``vars``, ``secrets``, ``github``, ``env`` and a name): operators, function
calls and quotes are refused, so no value can smuggle shell or YAML syntax into the workflow.
"""

from __future__ import annotations

import re

_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
_CONTEXT_VALUE = re.compile(r"\$\{\{ ?(?:vars|secrets|github|env)\.[A-Za-z_][A-Za-z0-9_]* ?\}\}")
_PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_DOMAIN_COMPONENT = r"(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])"
_DOMAIN = re.compile(rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*(?::[0-9]+)?")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_MAX_NAME = 255
REFERENCE_SOURCE = "https://docs.docker.com/reference/cli/docker/image/tag/"


def image_repository_problem(ref: str, *, tag_allowed: bool = False) -> str:
    """What is wrong with ``ref`` as an image repository (``ghcr.io/acme/server``), or "".

    Args:
        ref: the reference as the user wrote it.
        tag_allowed: accept a ``:tag`` (and ``@digest``) after the name; rsdock's ``image``
            answers are repositories without a tag, since the workflow adds ``latest`` and the
            commit SHA itself.
    """
    for expression in _EXPRESSION.findall(ref):
        if not _CONTEXT_VALUE.fullmatch(expression):
            return (f"{ref!r}: only a plain context value such as ${{{{ vars.IMAGE }}}} may "
                    "stand for a part of an image name (no operators, functions or quotes)")
    text = _EXPRESSION.sub("x", ref.strip())
    if "${{" in text or "}}" in text:
        return f"{ref!r} has an unclosed ${{{{ expression"
    if not text:
        return "the image reference is empty"
    if any(c.isspace() for c in text):
        return f"{ref!r} contains a space"
    name, tag, digest = _split(text)
    if len(name) > _MAX_NAME:
        return f"{ref!r} is longer than Docker's {_MAX_NAME} characters"
    components = name.split("/")
    if len(components) > 1 and _is_domain(components[0]):
        if not _DOMAIN.fullmatch(components[0]):
            return f"registry host {components[0]!r} of {ref!r} is not a host name"
        components = components[1:]
    for component in components:
        if _PATH_COMPONENT.fullmatch(component):
            continue
        if component != component.lower():
            return (f"{component!r} in {ref!r} has uppercase letters; image names are "
                    f"lowercase ({component.lower()!r})")
        if not component:
            return f"{ref!r} has an empty path component (a doubled or trailing '/')"
        return (f"{component!r} in {ref!r} is not a valid name component: lowercase letters "
                "and digits, separated by one '.', one or two '_', or '-'")
    if (tag or digest) and not tag_allowed:
        extra = f":{tag}" if tag else f"@{digest}"
        return (f"{ref!r} has a tag ({extra!r}); give the repository alone, the workflow tags "
                "each image with latest and the commit SHA")
    if tag and not _TAG.fullmatch(tag):
        return f"tag {tag!r} of {ref!r} is not a valid tag (letters, digits, '_', '.', '-')"
    return ""


def _split(text: str) -> tuple[str, str, str]:
    name, _, digest = text.partition("@")
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = name[: len(name) - len(last)] + last.split(":", 1)[0], last.split(":", 1)[1]
        return name, tag, digest
    return name, "", digest


def _is_domain(component: str) -> bool:
    # Docker's rule: a first component is a registry host when it has a '.' or a ':' (a port),
    # is "localhost", or has uppercase letters (which a repository path cannot have).
    return ("." in component or ":" in component or component == "localhost"
            or component != component.lower())


# The hosts Docker resolves a name without a registry to, and those that mean Docker Hub.
DOCKER_HUB_HOSTS = ("docker.io", "index.docker.io", "registry-1.docker.io")


def image_registry_host(ref: str) -> str:
    """The registry host an image reference pushes to, as Docker resolves it.

    ``acme/api`` and ``docker.io/acme/api`` are on ``docker.io``; ``ghcr.io/acme/api`` on
    ``ghcr.io``; ``localhost:5000/api`` on ``localhost:5000``. A GitHub expression standing for
    the first component (``${{ secrets.DOCKERHUB_USERNAME }}/api``) is a namespace, not a host.

    Args:
        ref: an image reference (a tag or digest may follow the name).
    """
    first, sep, _rest = ref.strip().partition("/")
    if not sep or _EXPRESSION.fullmatch(first) or not _is_domain(first):
        return "docker.io"
    return "docker.io" if first.lower() in DOCKER_HUB_HOSTS else first.lower()
