"""ask_plan walks the shared steps with an injected ``ask``: no terminal involved."""

from __future__ import annotations

import shutil

import pytest

from rsdock import resources
from rsdock.lint.model import cargo
from rsdock.wizard.generate import defaults, steps
from rsdock.wizard.prompts import ask as prompts


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("prompts") / "workspace"
    shutil.copytree(resources.example_workspace(), root)
    return cargo.scan(root)


class Script:
    """Answers questions by key; a key missing from the script takes the offered default."""

    def __init__(self, **answers):
        self.answers = {k: list(v) if isinstance(v, tuple) else [v] for k, v in answers.items()}
        self.asked: list[prompts.Question] = []

    def __call__(self, question: prompts.Question):
        self.asked.append(question)
        queue = self.answers.get(question.key.replace(":", "_"))
        if queue:
            return queue.pop(0) if len(queue) > 1 else queue[0]
        return question.default


def test_defaults_accepted_give_the_default_plan(workspace):
    base = defaults.default_plan(workspace)
    script = Script()
    assert prompts.ask_plan(workspace, base, ask=script, say=lambda line: None) == base
    keys = [q.key for q in script.asked]
    assert keys[:2] == ["images", "dockerfile:server"]
    assert {"platforms", "runtime", "debian", "cache", "registry", "branches", "tags",
            "pull_requests", "pin_actions"} <= set(keys)


def test_answers_reach_the_plan(workspace):
    base = defaults.default_plan(workspace)
    script = Script(images=["server", "web"], image_server="ghcr.io/acme/server",
                    platforms=["linux/riscv64", "linux/amd64"], runtime="debian-slim",
                    debian="trixie", cache="registry", registry="ghcr", branches="main, release",
                    tags=False, pull_requests=True, pin_actions="tag")
    plan = prompts.ask_plan(workspace, base, ask=script, say=lambda line: None)
    assert [i.name for i in plan.images] == ["server", "web"]
    assert plan.images[0].image == "ghcr.io/acme/server"
    assert plan.platforms == ("linux/amd64", "linux/riscv64")  # table order
    assert (plan.debian, plan.cache, plan.registry, plan.pin_actions) == (
        "trixie", "registry", "ghcr", "tag")
    assert plan.triggers.branches == ("main", "release") and not plan.triggers.tags


def test_choices_carry_the_research_explanations(workspace):
    script = Script()
    prompts.ask_plan(workspace, defaults.default_plan(workspace), ask=script, say=lambda _: None)
    by_key = {q.key: q for q in script.asked}
    riscv = next(c for c in by_key["platforms"].choices if c.value == "linux/riscv64")
    assert "trixie" in riscv.help and "gcc-riscv64-linux-gnu" in riscv.help
    assert [c.value for c in by_key["runtime"].choices] == ["debian-slim", "distroless",
                                                            "alpine", "scratch"]
    assert all(c.help for c in by_key["cache"].choices)


def test_platform_runtime_clash_is_explained_and_runtime_asked_again(workspace):
    lines: list[str] = []
    script = Script(platforms=["linux/amd64", "linux/riscv64"],
                    runtime=("distroless", "debian-slim"), debian="trixie")
    plan = prompts.ask_plan(workspace, defaults.default_plan(workspace), ask=script,
                            say=lines.append)
    # riscv64 is allowed at the platform step because a later runtime answer can run it ...
    assert any(line.startswith("  note:") and "debian-slim (trixie)" in line for line in lines)
    # ... and distroless, which cannot, is refused with the way out and asked again.
    clashes = [line for line in lines if "distroless" in line and "riscv64" in line]
    assert len(clashes) == 1
    assert [q.key for q in script.asked].count("runtime") == 2
    assert (plan.platforms, plan.runtime, plan.debian) == (
        ("linux/amd64", "linux/riscv64"), "debian-slim", "trixie")


def test_platform_no_runtime_can_run_is_asked_again(workspace):
    lines: list[str] = []
    script = Script(platforms=([], ["linux/arm64"]))
    plan = prompts.ask_plan(workspace, defaults.default_plan(workspace), ask=script,
                            say=lines.append)
    assert plan.platforms == ("linux/arm64",)
    assert any("no platform chosen" in line for line in lines)


def test_no_image_is_refused_and_asked_again(workspace):
    lines: list[str] = []
    script = Script(images=([], ["web"]))
    plan = prompts.ask_plan(workspace, defaults.default_plan(workspace), ask=script,
                            say=lines.append)
    assert [i.name for i in plan.images] == ["web"]
    assert any("no image chosen" in line for line in lines)


def test_cancel_returns_none(workspace):
    def cancel_at_cache(question):
        return None if question.key == "cache" else question.default

    assert prompts.ask_plan(workspace, defaults.default_plan(workspace),
                            ask=cancel_at_cache, say=lambda _: None) is None


def test_an_answer_that_stays_invalid_gives_up(workspace):
    script = Script(images=[])
    assert prompts.ask_plan(workspace, defaults.default_plan(workspace), ask=script,
                            say=lambda _: None) is None
    assert [q.key for q in script.asked].count("images") == prompts.MAX_TRIES


def test_questionary_ask_maps_each_kind(monkeypatch):
    import questionary

    seen = {}

    class Fake:
        def __init__(self, kind, *args, **kwargs):
            seen[kind] = (args, kwargs)

        def ask(self):
            return "answer"

    for kind in ("checkbox", "select", "confirm", "text"):
        monkeypatch.setattr(questionary, kind, lambda *a, _k=kind, **kw: Fake(_k, *a, **kw))
    choices = steps.cache_choices()
    assert prompts.questionary_ask(prompts.Question("c", "checkbox", "m", choices, ["gha"])) == "answer"
    checked = [c.checked for c in seen["checkbox"][0][1]]
    assert checked == [True, False, False, False]
    prompts.questionary_ask(prompts.Question("s", "select", "m", choices, "local"))
    assert seen["select"][1]["default"] == "local"
    described = seen["select"][0][1][0].description
    assert " ".join(described.split()) == " ".join(choices[0].help.split())
    prompts.questionary_ask(prompts.Question("b", "confirm", "m", (), True))
    assert seen["confirm"][1]["default"] is True
    prompts.questionary_ask(prompts.Question("t", "text", "m", (), "main"))
    assert seen["text"][1]["default"] == "main"


@pytest.mark.parametrize("width", [80, 120])
def test_descriptions_wrap_under_their_label_within_the_terminal(width):
    # issue 26 item 11: questionary cut the one-line description at the terminal's edge.
    for choice in (*steps.platform_choices(), *steps.runtime_choices("bookworm"),
                   *steps.cache_choices(), *steps.registry_choices(),
                   *steps.strategy_choices()):
        wrapped = prompts.wrap_description(choice.help, width)
        lines = (prompts.DESCRIPTION_LABEL + wrapped).split("\n")
        assert max(len(line) for line in lines) < width, choice.value
        assert all(line.startswith(" " * len(prompts.DESCRIPTION_LABEL)) for line in lines[1:])
        assert wrapped.split() == choice.help.split()  # every word kept, in order


def test_a_refused_platform_answer_is_asked_again_before_the_next_question(workspace):
    # issue 26 item 4: the platforms were checked only after the strategy question.
    script = Script(platforms=([], ["linux/amd64"]))
    said: list[str] = []
    plan = prompts.ask_plan(workspace, defaults.default_plan(workspace), ask=script,
                            say=said.append)
    keys = [q.key for q in script.asked]
    first = keys.index("platforms")
    assert keys[first:first + 3] == ["platforms", "platforms", "strategy"]
    assert keys.count("strategy") == 1
    assert any("no platform chosen" in line for line in said)
    assert plan.platforms == ("linux/amd64",)


def test_image_names_are_asked_after_the_registry_with_the_default_shown(workspace):
    # issue 26 item 11: the image name came before the registry and hid its default.
    script = Script(registry="ghcr")
    prompts.ask_plan(workspace, defaults.default_plan(workspace), ask=script, say=lambda _: None)
    keys = [q.key for q in script.asked]
    assert keys.index("registry") < keys.index("image:server")
    asked = next(q for q in script.asked if q.key == "image:server")
    assert asked.message == "Image name for server (empty: ghcr.io/<repository owner>/server):"


def test_a_wrong_image_name_is_asked_again_at_once(workspace):
    script = Script(image_server=("Bad Name", "ghcr.io/acme/server"))
    said: list[str] = []
    plan = prompts.ask_plan(workspace, defaults.default_plan(workspace), ask=script,
                            say=said.append)
    keys = [q.key for q in script.asked]
    assert keys.count("image:server") == 2 and said[0].startswith("  ! ")
    assert plan.images[0].image == "ghcr.io/acme/server" and plan.registry == "ghcr"
    assert any("so the workflow logs in there" in line for line in said)


def test_a_wrong_image_name_does_not_move_the_registry(workspace):
    # Seen at 80x24 on shadowsocks-rust: "Bad Name" after choosing ghcr switched the login to
    # Docker Hub (a name without a host reads as docker.io) before it was refused.
    script = Script(registry="ghcr", image_server=("Bad Name", ""))
    plan = prompts.ask_plan(workspace, defaults.default_plan(workspace), ask=script,
                            say=lambda _: None)
    asked = [q.message for q in script.asked if q.key == "image:server"]
    assert asked == ["Image name for server (empty: ghcr.io/<repository owner>/server):"] * 2
    assert plan.registry == "ghcr"
