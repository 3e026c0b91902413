"""The one jinja2 environment rsdock renders with.

Delimiters are ``[[ ]]`` for values and ``[% %]`` for blocks so that GitHub's ``${{ }}`` and
metadata-action's ``{{ }}`` pass through the workflow template untouched. ``StrictUndefined``
turns a misspelt variable into an error instead of an empty string in a generated file.

Values are escaped for the language they land in: ``sh`` (a POSIX shell word in a ``RUN``),
``sh_dq`` (inside a double-quoted shell string), ``json_inner`` (inside an exec-form string),
``dockerfile_word`` (an argument of ``WORKDIR``/``COPY``, where BuildKit expands ``$``),
``dockerfile_quote`` (a double-quoted ``LABEL`` value, where BuildKit expands ``$`` too),
``dockerignore`` (a literal .dockerignore pattern), ``yaml`` and ``quote`` (YAML and JSON
strings). A newline or control character can be escaped in none of the line-based formats, so
every value is checked as it is rendered (:func:`_finalize`): one such value fails the rendering
instead of forging a ``RUN`` line. The plan refuses them long before (``Plan.problems``); this is
the second lock on the same door.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

import jinja2

from rsdock.lint.model.yaml_scalar import yaml_scalar
from rsdock.resources import templates_dir


def _quote(value: str) -> str:
    """A double-quoted string valid in YAML, JSON and Dockerfile exec form alike."""
    return json.dumps(str(value), ensure_ascii=False)


def _yaml(value: str) -> str:
    """``value`` as a YAML scalar: plain when YAML reads it back as this string, else
    double-quoted (:func:`rsdock.lint.model.yaml_scalar.yaml_scalar`)."""
    return yaml_scalar(str(value))


_SHELL_SAFE = re.compile(r"^[A-Za-z0-9_./:@%+=,-]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class UnsafeValue(ValueError):
    """A value that cannot be written safely into a generated file."""


def sh(value: str) -> str:
    """``value`` as one POSIX shell word: unchanged when plain, else single-quoted."""
    text = _one_line(value)
    if _SHELL_SAFE.match(text):
        return text
    return "'" + text.replace("'", "'\"'\"'") + "'"


def _sh_dq(value: str) -> str:
    """``value`` inside a double-quoted shell string: ``"``, ``$``, backquote and ``\\`` escaped."""
    return re.sub(r'([\\"$`])', r"\\\1", _one_line(value))


def _json_inner(value: str) -> str:
    """``value`` inside a JSON string (a Dockerfile exec form), without the quotes."""
    return _quote(_one_line(value))[1:-1]


def _dockerfile_word(value: str) -> str:
    """``value`` as one argument of ``COPY``/``WORKDIR``: quotes, ``$`` and ``\\`` escaped.

    Whitespace is refused: BuildKit splits ``COPY`` arguments on it whatever the escapes (only
    the JSON form could hold it), and a ``\\ `` at the end of a line continues the line.
    """
    text = _one_line(value)
    if re.search(r"\s", text):
        raise UnsafeValue(f"{text!r} holds whitespace, which a Dockerfile argument cannot")
    return re.sub(r"([\\$\"'])", r"\\\1", text)


def _dockerfile_quote(value: str) -> str:
    """``value`` as one double-quoted Dockerfile word (``LABEL k="v"``): BuildKit expands ``$``
    inside double quotes and unescapes ``\\"``, ``\\\\`` and ``\\$``, so those are escaped."""
    return '"' + re.sub(r'([\\"$])', r"\\\1", _one_line(value)) + '"'


def _dockerignore(value: str) -> str:
    """``value`` as a literal .dockerignore pattern (glob characters and a leading ``#``/``!``)."""
    text = re.sub(r"([\\*?\[\]])", r"\\\1", _one_line(value))
    return "\\" + text if text[:1] in ("#", "!") else text


def _one_line(value: object) -> str:
    text = str(value)
    if "\n" in text or "\r" in text or _CONTROL.search(text):
        raise UnsafeValue(f"{text!r} holds a newline or control character")
    return text


def _finalize(value: object) -> object:
    """Every ``[[ value ]]``: a string with a line break or control character is refused."""
    if isinstance(value, str):
        _one_line(value)
    return value


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The shared environment: strict, GitHub-safe delimiters, whitespace-controlled blocks.

    Returns:
        The environment loading templates from rsdock's ``templates/`` folder.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        variable_start_string="[[",
        variable_end_string="]]",
        block_start_string="[%",
        block_end_string="%]",
        comment_start_string="[#",
        comment_end_string="#]",
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # noqa: S701 - the outputs are Dockerfiles and YAML, not HTML
        finalize=_finalize,
    )
    env.filters["quote"] = _quote
    env.filters["yaml"] = _yaml
    env.filters["sh"] = sh
    env.filters["dockerfile_word"] = _dockerfile_word
    env.filters["sh_dq"] = _sh_dq
    env.filters["json_inner"] = _json_inner
    env.filters["dockerignore"] = _dockerignore
    env.filters["dockerfile_quote"] = _dockerfile_quote
    return env


def render_template(name: str, **context) -> str:
    """Render the template ``name`` (a file in ``templates/``) with ``context``.

    Args:
        name: the template's file name, e.g. ``Dockerfile.bin.j2``.
        **context: the variables the template reads; a missing one raises
            ``jinja2.UndefinedError``.

    Returns:
        The rendered text, ending in exactly one newline.
    """
    text = environment().get_template(name).render(**context)
    return text.rstrip("\n") + "\n"
