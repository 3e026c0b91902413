"""The one jinja2 environment rsdock renders with.

Delimiters are ``[[ ]]`` for values and ``[% %]`` for blocks so that GitHub's ``${{ }}`` and
metadata-action's ``{{ }}`` pass through the workflow template untouched. ``StrictUndefined``
turns a misspelt variable into an error instead of an empty string in a generated file.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

import jinja2

from rsdock.resources import templates_dir


# Plain YAML scalars that can never be read as anything but this string.
_PLAIN_YAML = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def _quote(value: str) -> str:
    """A double-quoted string valid in YAML, JSON and Dockerfile exec form alike."""
    return json.dumps(str(value), ensure_ascii=False)


def _yaml(value: str) -> str:
    """``value`` as a YAML scalar: plain when unambiguous, else double-quoted."""
    text = str(value)
    if _PLAIN_YAML.match(text) and text.lower() not in _YAML_WORDS and not _is_number(text):
        return text
    return _quote(text)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


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
    )
    env.filters["quote"] = _quote
    env.filters["yaml"] = _yaml
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
