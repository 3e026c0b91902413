"""The line-by-line wizard: the steps of :mod:`rsdock.wizard.generate.steps`, asked with questionary.

``rsdock init`` calls :func:`ask_plan` when ``--yes`` is not given. Every question is a
:class:`Question` handed to an ``ask`` callable, so tests answer from a script and only the
default ``ask`` touches the terminal. Answers change the plan only through the ``steps.set_*``
functions, exactly as the TUI does.
"""

from __future__ import annotations

from functools import partial

from typing import Any, Callable

from rsdock.records import record
from rsdock.wizard.generate import steps
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


def questionary_ask(question: Question) -> Any:
    """Ask ``question`` on the terminal; None when the user cancels (Ctrl-C)."""
    import questionary

    def choice(c: steps.Choice, checked: bool = False) -> questionary.Choice:
        return questionary.Choice(c.label, value=c.value, checked=checked,
                                  description=c.help or None)

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
        for step_id, walk in (("images", images), ("platforms", _ask_platforms),
                              ("runtime", _ask_runtime), ("cache", _ask_cache),
                              ("registry", _ask_registry)):
            plan = _until_valid(step_id, plan, lambda p, w=walk: w(p, ask, candidates), say)
    except _Cancelled:
        return None
    remaining = plan.problems()
    for problem in remaining:
        say(f"  ! {problem}")
    return None if remaining else plan


def _until_valid(step_id: str, plan: Plan, walk, say) -> Plan:
    for _ in range(MAX_TRIES):
        answered = walk(plan)
        # The runtime step's problems include platforms its answer cannot run.
        problems = steps.problems_for(answered, step_id)
        allowing = steps.runtimes_allowing(answered) if problems and step_id == "platforms" else []
        if allowing:
            pairs = ", ".join(f"{r} ({d})" if steps.asks_release(r) else r for r, d in allowing)
            say(f"  note: these platforms need one of these runtimes, chosen next: {pairs}")
            return answered
        if not problems:
            return answered
        for problem in problems:
            say(f"  ! {problem}")
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
        name = _answer(ask, Question(f"image:{image.name}", "text",
                                     f"Image name for {image.name} (empty: the registry default):",
                                     (), image.image))
        plan = steps.set_image_field(plan, image.name, dockerfile=dockerfile, image=name)
    return plan


def _ask_platforms(plan: Plan, ask, candidates) -> Plan:
    chosen = _answer(ask, Question("platforms", "checkbox", steps.step("platforms").question,
                                   steps.platform_choices(), list(plan.platforms)))
    plan = steps.set_platforms(plan, list(chosen))
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


def _ask_registry(plan: Plan, ask, candidates) -> Plan:
    registry = _answer(ask, Question("registry", "select", "Which registry receives the images?",
                                     steps.registry_choices(), plan.registry))
    plan = steps.set_choice(plan, "registry", registry)
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
