"""The settings form: edit the experiment, checked by the engine's own validation before it applies.

The screen dismisses with the new :class:`~engine.config.config.Config` (the app restarts training
with it) or with ``None`` when cancelled (nothing changes).
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer, Input, Label, Select

from engine.config.config import SETTING, SETTINGS, Config, ConfigError, phrase
from engine.config.estimate import memory_verdict, need_text
from engine.config.tasks import for_task
from engine.settings.declare import Setting

CHOICES: tuple[Setting, ...] = tuple(spec for spec in SETTINGS if spec.form and spec.kind == "choice")
"""Settings picked from a list (task, optimizer), shown as selects at the top of the form."""
MODELS = SETTING["models"]


def form_fields(task: str) -> tuple[Setting, ...]:
    """The text fields the form shows for ``task``, in declaration order."""
    return tuple(s for s in SETTINGS if s.form and s.kind not in ("list", "choice") and s.applies_to(task))


def read_form(base: Config, texts: dict[str, str], models: tuple[str, ...]) -> tuple[Config | None, dict[str, str]]:
    """Turn the form's raw text into a validated config, or say what is wrong with which field.

    ``texts`` holds the text of every field and the value of every select (by setting name).
    Returns ``(config, {})`` when everything is valid, else ``(None, {field: message})``. Each
    field is first checked on its own against ``base`` so several bad fields are flagged at once;
    then all changes together, which catches combinations (a batch larger than the window allows).
    Messages name each setting by its label in the form, with the value as typed.
    """
    values: dict[str, object] = {"models": models}
    errors: dict[str, str] = {}
    for spec in (*CHOICES, *form_fields(texts.get("task", base.task))):
        raw = texts.get(spec.name, "")
        if not raw.strip() and spec.kind != "text":
            errors[spec.name] = f"{spec.label}: empty; allowed: {spec.allowed(base)}"
            continue
        try:
            values[spec.name] = spec.parse(raw)
        except ConfigError as error:
            errors[spec.name] = phrase(error, spec.label, raw)
    for name, value in values.items():
        if name in errors:
            continue
        try:
            base.replace(**{name: value})
        except ConfigError as error:
            if error.field_name == name:  # else a clash with base's other values: judged together below
                errors[name] = _message(error, texts)
    if errors:
        return None, errors
    try:
        config = base.replace(**values)
    except ConfigError as error:
        return None, {error.field_name: _message(error, texts)}
    verdict, said = memory_verdict(config)
    if verdict == "refuse":  # flagged at units, the setting that weighs most
        return None, {"units": f"units {config.units}, models and seeds: this run {said}"}
    return config, {}


def _message(error: ConfigError, texts: dict[str, str]) -> str:
    """``error`` in the form's words: the field's label and the text in it."""
    spec = SETTING[error.field_name]
    typed = texts.get(error.field_name)
    return phrase(error, spec.label, typed.strip() if typed is not None else None)


class SettingsScreen(ModalScreen[Config | None]):
    """A modal form for the experiment's settings; invalid fields are flagged next to themselves."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="settings_cancel"),
        Binding("ctrl+s", "apply", "Apply", id="settings_apply"),
    ]

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config

    def compose(self) -> ComposeResult:
        with Vertical(id="settings-dialog"):
            yield Label("Settings — applying restarts training", id="settings-title")
            with Grid(id="settings-grid"):
                for spec in CHOICES:
                    yield Label(spec.label, classes="field-label")
                    options = [(choice, choice) for choice in spec.choices]
                    current = getattr(self.config, spec.name)
                    select = Select(options, value=current, allow_blank=False, id=f"field-{spec.name}", compact=True)
                    select.tooltip = spec.help
                    yield select
                    yield Label("", id=f"error-{spec.name}", classes="field-error")
                for spec in form_fields(self.config.task):
                    yield Label(spec.label, classes="field-label")
                    value = spec.default_text(getattr(self.config, spec.name))
                    yield Input(value, id=f"field-{spec.name}", compact=True, tooltip=spec.help)
                    yield Label("", id=f"error-{spec.name}", classes="field-error")
                yield Label(MODELS.label, classes="field-label")
                with Horizontal(id="field-models"):
                    for kind in MODELS.choices:
                        yield Checkbox(kind, kind in self.config.models, id=f"model-{kind}", compact=True)
                yield Label("", id="error-models", classes="field-error")
            yield Label("", id="error-other", classes="field-error")
            yield Label("", id="estimate")
            with Horizontal(id="settings-buttons"):
                yield Button("Apply", variant="primary", id="apply", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        yield Footer()  # the app's Footer sits on the screen below and shows that screen's keys

    def on_mount(self) -> None:
        self.show_estimate()

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def show_estimate(self) -> None:
        """Keep the memory estimate in step with what the form holds (once it holds a valid run)."""
        config, _ = self.read()
        if config is not None:
            self.query_one("#estimate", Label).update(f"Estimated peak memory: {need_text(config, short=True)}")

    @on(Select.Changed, "#field-task")
    async def task_changed(self, event: Select.Changed) -> None:
        """Another task has other fields and defaults: show the new task's form (models and seed kept)."""
        if event.value != self.config.task:
            self.config = for_task(str(event.value), models=self.config.models, seed=self.config.seed)
            await self.recompose()
            self.query_one("#field-task", Select).focus()

    def texts(self) -> dict[str, str]:
        """What each field and select holds now, as text."""
        texts = {spec.name: str(self.query_one(f"#field-{spec.name}", Select).value) for spec in CHOICES}
        for spec in form_fields(self.config.task):
            texts[spec.name] = self.query_one(f"#field-{spec.name}", Input).value
        return texts

    def read(self) -> tuple[Config | None, dict[str, str]]:
        """What the form holds now: a valid config, or the errors per field."""
        texts = self.texts()
        models = tuple(kind for kind in MODELS.choices if self.query_one(f"#model-{kind}", Checkbox).value)
        return read_form(self.config, texts, models)

    @on(Button.Pressed, "#apply")
    @on(Input.Submitted)
    def action_apply(self) -> None:
        """Apply valid settings (the app restarts training); otherwise flag each bad field and stay."""
        config, errors = self.read()
        known = {spec.name for spec in (*CHOICES, *form_fields(self.config.task))} | {MODELS.name}
        for name in known:
            self._flag(f"#error-{name}", errors.get(name, ""))
        self._flag("#error-other", " ".join(m for f, m in errors.items() if f not in known))
        if config is not None:
            self.dismiss(config)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close the form and change nothing."""
        self.dismiss(None)

    def _flag(self, selector: str, message: str) -> None:
        label = self.query_one(selector, Label)
        label.update(message)
        label.set_class(bool(message), "-shown")
