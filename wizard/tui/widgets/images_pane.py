"""Step 2: which binaries and web apps become images, and each one's Dockerfile and name."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Label, SelectionList, Static

from rsdock.wizard.tui.widgets.ticks import TickList
from rsdock.wizard.generate import steps
from rsdock.wizard.generate.plan import Plan
from rsdock.wizard.tui.widgets.step_pane import StepPane


class ImagesPane(StepPane):
    """Tick images with Space; the highlighted one's Dockerfile path and image name are below."""

    STEP_ID = "images"

    def compose_body(self) -> ComposeResult:
        left_out = steps.left_out_by_default(self.session.workspace)
        choices = steps.image_choices(self.session.candidates, left_out)
        if left_out:
            yield Static(steps.left_out_line(left_out), id="left-out-note", classes="help")
        self._help = {c.value: c.help for c in choices}
        yield TickList[str](*((c.label, c.value) for c in choices), id="image-list")
        yield Static(id="image-help", classes="help")
        yield Label("Dockerfile", id="dockerfile-label")
        yield Input(id="dockerfile")
        yield Label("Image name (empty: the registry's default)")
        yield Input(id="image-name", placeholder="e.g. ghcr.io/acme/server")

    @property
    def highlighted_name(self) -> str | None:
        """The image whose fields are shown, or None."""
        selection = self.query_one("#image-list", SelectionList)
        if selection.highlighted is None:
            return None
        return selection.get_option_at_index(selection.highlighted).value

    def sync(self, plan: Plan) -> None:
        selection = self.query_one("#image-list", SelectionList)
        chosen = {image.name for image in plan.images}
        if set(selection.selected) != chosen:
            selection.deselect_all()
            for name in chosen:
                selection.select(name)
        if selection.highlighted is None and selection.option_count:
            selection.highlighted = 0
        self._show_fields(plan)

    def _show_fields(self, plan: Plan) -> None:
        name = self.highlighted_name
        self.query_one("#image-help", Static).update(self._help.get(name or "", ""))
        image = next((i for i in plan.images if i.name == name), None)
        for field_id, value in (("#dockerfile", image.dockerfile if image else ""),
                                ("#image-name", image.image if image else "")):
            field = self.query_one(field_id, Input)
            field.disabled = image is None
            if field.value != value:
                field.value = value

    def on_selection_list_selection_highlighted(
        self, event: SelectionList.SelectionHighlighted
    ) -> None:
        event.stop()
        with self.muted():
            self._show_fields(self.plan)

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        event.stop()
        selected = list(event.selection_list.selected)
        self.edit(steps.set_images(self.plan, self.session.candidates, selected))
        with self.muted():
            self._show_fields(self.plan)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        name = self.highlighted_name
        if name is None:
            return
        if event.input.id == "dockerfile":
            self.edit(steps.set_image_field(self.plan, name, dockerfile=event.value))
        else:
            self.edit(steps.set_image_field(self.plan, name, image=event.value))
