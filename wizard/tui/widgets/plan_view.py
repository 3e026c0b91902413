"""The inferred plan, field by field: each known value with the file and line it came from."""

from __future__ import annotations


from rsdock.records import replace

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from rsdock.wizard.tui.widgets.text import Hanging


def plan_text(inferred, drift: list[str]) -> Text:
    """``inferred`` (an ``InferredPlan``) as styled text: unknown fields stand out with why.

    Args:
        inferred: the plan read from the files.
        drift: where ``rsdock.toml`` disagrees with the files.
    """
    text = Text()

    def row(label: str, fact, prefix: str = "") -> None:
        text.append(f"{label:<13}", style="bold")
        if fact.known:
            value = ", ".join(fact.value) if isinstance(fact.value, tuple) else str(fact.value)
            text.append(prefix + value)
            if fact.source:
                text.append(f"  from {fact.source}", style="dim")
        else:
            text.append("unknown", style="bold yellow")
            text.append(f": {fact.reason}", style="yellow")
        text.append("\n")

    if not inferred.images:
        text.append(f"{'image':<13}", style="bold")
        text.append("unknown", style="bold yellow")
        text.append(": no Dockerfile found\n", style="yellow")
    for image in inferred.images:
        row("image", _image_fact(image))
    row("platforms", inferred.platforms)
    for path, fact in sorted(inferred.dockerfile_platforms.items()):
        row("  case arms", fact, prefix=f"{path}: ")
    row("runtime", inferred.runtime)
    row("rust", inferred.rust_version)
    row("cache", inferred.cache)
    row("registry", inferred.registry)
    row("workflow", inferred.workflow)
    text.append(f"{'secrets':<13}", style="bold")
    text.append((", ".join(inferred.secrets) or "none") + "\n")
    for note in inferred.notes:
        text.append(f"note: {note}\n", style="dim")
    for note in drift:
        text.append(f"drift: {note}\n", style="yellow")
    return text


def _image_fact(image):
    """The image's fact with its Dockerfile and kind folded into the value."""
    if not image.name.known:
        return replace(image.name, reason=f"{image.dockerfile}: {image.name.reason}")
    return replace(image.name, value=f"{image.name.value} [{image.kind}] <- {image.dockerfile}")


class PlanView(Static):
    """Shows an ``InferredPlan``; :meth:`show` replaces it (:attr:`text` holds it unwrapped)."""

    text: Text = Text()

    def show(self, inferred, drift: list[str]) -> None:
        """Draw ``inferred`` and the ``rsdock.toml`` drift notes."""
        # Each fact's wrapped lines continue under its value, past the 13-column label.
        self.text = plan_text(inferred, drift)
        lines = self.text.split("\n")
        self.update(Group(*(Hanging(line, indent=13) for line in lines)))
