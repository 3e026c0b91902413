"""The line-by-line wizard: the steps of :mod:`rsdock.wizard.generate.steps`, asked with questionary.

``rsdock init`` calls :func:`ask_plan` when ``--yes`` is not given. Every question is a
:class:`Question` handed to an ``ask`` callable, so tests answer from a script and only the
default ``ask`` touches the terminal. Answers change the plan only through the ``steps.set_*``
functions, exactly as the TUI does.
"""

from __future__ import annotations

import shutil
import textwrap
from functools import partial

from typing import Any, Callable

from rsdock.records import record
from rsdock.wizard.generate import steps
from rsdock.wizard.generate.defaults import problem_lines
from rsdock.wizard.generate.plan import Plan

# A step whose answers stay invalid after this many tries is abandoned (ask_plan returns None):
# a scripted ``ask`` that keeps giving the same bad answer must not loop forever.
MAX_TRIES = 5


@record(frozen=True)
class Question:
    """One question: what the answer is for, how it is asked, and what it offers.

    Attributes:
        key: which answer this is (``images``, ``platforms``, ``runtime``, ``dockerfile:backend``).
        kind: ``checkbox`` (a list of values), ``select`` (one value), ``text`` or ``confirm``.
        message: the question as shown.
        choices: the values offered, with their explanations (checkbox and select).
        default: the current answer: a list for checkbox, a value for select, text or a bool.
    """

    key: str
    kind: str
    message: str
    choices: tuple[steps.Choice, ...] = ()
    default: Any = None


# questionary shows a choice's help after this label, under the list.
DESCRIPTION_LABEL = "  Description: "


def wrap_description(text: str, width: int) -> str:
    """``text`` wrapped to ``width`` columns after questionary's "  Description: " label, its
    continuation lines under the first (questionary cuts one long line at the terminal's edge).
    """
    indent = " " * len(DESCRIPTION_LABEL)
    lines = textwrap.wrap(text, width=max(width - 1, len(indent) + 20), initial_indent=indent,
                          subsequent_indent=indent, break_on_hyphens=False)
    return "\n".join(lines)[len(indent):]


def questionary_ask(question: Question) -> Any:
    """Ask ``question`` on the terminal; None when the user cancels (Ctrl-C)."""
    import questionary

    width = shutil.get_terminal_size().columns

    def choice(c: steps.Choice, checked: bool = False) -> questionary.Choice:
        return questionary.Choice(c.label, value=c.value, checked=checked,
                                  description=wrap_description(c.help, width) if c.help
                                  else None)

    if question.kind == "checkbox":
        chosen = set(question.default or ())
        return questionary.checkbox(
            question.message, [choice(c, c.value in chosen) for c in question.choices]).ask()
    if question.kind == "select":
        return questionary.select(question.message, [choice(c) for c in question.choices],
                                  default=question.default).ask()
    if question.kind == "confirm":
        return questionary.confirm(question.message, default=bool(question.default)).ask()
    return questionary.text(question.message, default=str(question.default or "")).ask()


class _Cancelled(Exception):
    pass


def ask_plan(workspace, defaults: Plan, *, ask: Callable[[Question], Any] = questionary_ask,
             say: Callable[[str], None] = print) -> Plan | None:
    """Walk the wizard's steps with ``ask`` and return the chosen, valid plan.

    Args:
        workspace: the scanned ``rsdock.lint.model.cargo.Workspace``.
        defaults: the plan whose values are offered as the defaults.
        ask: answers one :class:`Question`; returning None cancels the wizard.
        say: prints one line (problems with an answer, and what a choice means).

    Returns:
        The plan, or None when the user cancelled or kept giving an invalid answer.
    """
    candidates = steps.candidate_images(workspace, defaults)
    plan = defaults
    try:
        images = partial(_ask_images, left_out=steps.left_out_by_default(workspace))
        for step_id, walk in (("images", images), ("platforms", partial(_ask_platforms, say=say)),
                              ("runtime", _ask_runtime), ("cache", _ask_cache),
                              ("registry", partial(_ask_registry, say=say))):
            plan = _until_valid(step_id, plan, lambda p, w=walk: w(p, ask, candidates), say)
    except _Cancelled:
        return None
    remaining = plan.problems()
    if remaining:
        _say_problems(remaining, say)
    return None if remaining else plan


def _say_problems(problems, say) -> None:
    """Each problem under ``!``, wrapped to the terminal with hanging indents (a refusal with
    its ways out below it; one refusal for several images said once)."""
    text = problem_lines(problems, shutil.get_terminal_size().columns, indent="    ")
    for line in text.splitlines():  # an item's first line starts right after the indent
        say("  ! " + line[4:] if line[4:5] != " " else line)


def _platforms_accepted(plan: Plan, say) -> bool:
    """Whether the platforms answer stands: no problem, or one a runtime chosen next avoids
    (riscv64 on bookworm: trixie has it), which is said."""
    problems = steps.problems_for(plan, "platforms")
    if not problems:
        return True
    allowing = steps.runtimes_allowing(plan)
    if allowing:
        pairs = ", ".join(f"{r} ({d})" if steps.asks_release(r) else r for r, d in allowing)
        say(f"  note: these platforms need one of these runtimes, chosen next: {pairs}")
        return True
    _say_problems(problems, say)
    return False


def _until_valid(step_id: str, plan: Plan, walk, say) -> Plan:
    for _ in range(MAX_TRIES):
        answered = walk(plan)
        # The runtime step's problems include platforms its answer cannot run; the platforms
        # answer was checked as soon as it was given (_ask_platforms).
        problems = steps.problems_for(answered, step_id)
        if not problems or step_id == "platforms":
            return answered
        _say_problems(problems, say)
        plan = answered  # the next round offers the invalid answers back, to be corrected
    raise _Cancelled


def _answer(ask, question: Question) -> Any:
    answer = ask(question)
    if answer is None:
        raise _Cancelled
    return answer


def _ask_images(plan: Plan, ask, candidates, left_out: dict[str, str]) -> Plan:
    step = steps.step("images")
    chosen = _answer(ask, Question("images", "checkbox", step.question,
                                   steps.image_choices(candidates, left_out),
                                   [image.name for image in plan.images]))
    plan = steps.set_images(plan, candidates, list(chosen))
    for image in plan.images:
        dockerfile = _answer(ask, Question(f"dockerfile:{image.name}", "text",
                                           f"Dockerfile for {image.name}:", (), image.dockerfile))
        plan = steps.set_image_field(plan, image.name, dockerfile=dockerfile)
    return plan


def registry_default(plan: Plan, name: str) -> str:
    """The image name the workflow uses for ``name`` when none is given, as the prompt shows
    it (the workflow's expressions written as what they stand for)."""
    if plan.registry == "ghcr":
        return f"ghcr.io/<repository owner>/{name}"
    return f"<DOCKERHUB_USERNAME>/{name}"


def _ask_image_names(plan: Plan, ask, say) -> Plan:
    """Each image's name, asked once the registry is known, so the default can be shown."""
    for index, image in enumerate(plan.images):
        for _ in range(MAX_TRIES):
            name = _answer(ask, Question(
                f"image:{image.name}", "text", f"Image name for {image.name} (empty: "
                f"{registry_default(plan, image.name)}):", (), image.image))
            answered = steps.set_image_field(plan, image.name, image=name)
            wrong = [p for p in answered.problems()
                     if p.image_index == index and p.image_key == "image"]
            if wrong:
                _say_problems(wrong, say)
            else:
                if answered.registry != plan.registry:
                    say(f"  note: registry = {answered.registry!r}: {name.strip()} is on "
                        f"{answered.registry}, so the workflow logs in there")
                plan = answered
                break
            # not kept: a wrong name must not move the login (Bad Name reads as Docker Hub's)
        else:
            raise _Cancelled
    return plan


def _ask_platforms(plan: Plan, ask, candidates, say) -> Plan:
    # Checked right after the answer, before the next question: a refused platform is asked
    # again at once, not after the strategy question.
    for _ in range(MAX_TRIES):
        chosen = _answer(ask, Question("platforms", "checkbox", steps.step("platforms").question,
                                       steps.platform_choices(), list(plan.platforms)))
        plan = steps.set_platforms(plan, list(chosen))
        if _platforms_accepted(plan, say):
            break
    else:
        raise _Cancelled
    strategy = _answer(ask, Question("strategy", "select", "How should CI build them?",
                                     steps.strategy_choices(), plan.strategy))
    return steps.set_choice(plan, "strategy", strategy)


def _ask_runtime(plan: Plan, ask, candidates) -> Plan:
    runtime = _answer(ask, Question("runtime", "select", steps.step("runtime").question,
                                    steps.runtime_choices(plan.debian), plan.runtime))
    plan = steps.set_choice(plan, "runtime", runtime)
    if steps.asks_release(plan.runtime):
        debian = _answer(ask, Question("debian", "select", "Which Debian release?",
                                       steps.debian_choices(), plan.debian))
        plan = steps.set_choice(plan, "debian", debian)
    return plan


def _ask_cache(plan: Plan, ask, candidates) -> Plan:
    cache = _answer(ask, Question("cache", "select", steps.step("cache").question,
                                  steps.cache_choices(), plan.cache))
    return steps.set_choice(plan, "cache", cache)


def _ask_registry(plan: Plan, ask, candidates, say) -> Plan:
    registry = _answer(ask, Question("registry", "select", "Which registry receives the images?",
                                     steps.registry_choices(), plan.registry))
    plan = _ask_image_names(steps.set_choice(plan, "registry", registry), ask, say)
    branches = _answer(ask, Question("branches", "text", "Push images from which branches?",
                                     (), " ".join(plan.triggers.branches)))
    tags = _answer(ask, Question("tags", "confirm", f"Push {steps.tags_label(plan)} as images too?",
                                 (), plan.triggers.tags))
    pulls = _answer(ask, Question("pull_requests", "confirm",
                                  "Build (without pushing) on pull requests?", (),
                                  plan.triggers.pull_requests))
    plan = steps.set_triggers(plan, branches=branches, tags=bool(tags), pull_requests=bool(pulls))
    pin = _answer(ask, Question("pin_actions", "select", "How should the workflow pin actions?",
                                steps.pin_choices(), plan.pin_actions))
    plan = steps.set_choice(plan, "pin_actions", pin)
    signing = _answer(ask, Question("signing", "select", "How should pushed images be signed?",
                                    steps.signing_choices(), plan.signing))
    plan = steps.set_choice(plan, "signing", signing)
    updates = _answer(ask, Question("updates", "select",
                                    "Which bot keeps the pinned actions and base images fresh?",
                                    steps.updates_choices(), plan.updates))
    return steps.set_choice(plan, "updates", updates)
