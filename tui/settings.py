"""The settings form: edit the experiment, checked by the engine's own validation before it applies.

The screen dismisses with the new :class:`~engine.config.Config` (the app restarts training
with it) or with ``None`` when cancelled (nothing changes).
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer, Input, Label

from engine.cli import INT_FIELDS, OPTION_OF_FIELD, UsageError, message_for, parse_float, parse_int
from engine.config import MODEL_KINDS, Config, ConfigError

FORM_FIELDS: tuple[tuple[str, str], ...] = (
    ("epochs", "epochs"),
    ("batch_size", "batch size"),
    ("learning_rate", "learning rate"),
    ("window", "window"),
    ("units", "units"),
    ("tau", "τ (decay)"),
    ("seed", "seed"),
)
"""(Config field, label) of the text fields, in form order; models are checkboxes."""


def read_form(base: Config, texts: dict[str, str], models: tuple[str, ...]) -> tuple[Config | None, dict[str, str]]:
    """Turn the form's raw text into a validated config, or say what is wrong with which field.

    Returns ``(config, {})`` when everything is valid, else ``(None, {field: message})``. Each
    field is first checked on its own against ``base`` so several bad fields are flagged at once;
    then all changes together, which catches combinations (a batch larger than the window allows).
    Messages are the engine's (the same a user sees on the command line).
    """
    values: dict[str, object] = {"models": models}
    errors: dict[str, str] = {}
    for name, _ in FORM_FIELDS:
        option, raw = OPTION_OF_FIELD[name], texts.get(name, "")
        if not raw.strip():
            errors[name] = f"{option}: empty; enter a value"
            continue
        try:
            values[name] = parse_int(option, raw) if name in INT_FIELDS else parse_float(option, raw)
        except UsageError as error:
            errors[name] = str(error)
    for name, value in values.items():
        if name in errors:
            continue
        try:
            base.replace(**{name: value})
        except ConfigError as error:
            if error.field_name == name:  # else a clash with base's other values: judged together below
                errors[name] = message_for(error)
    if errors:
        return None, errors
    try:
        return base.replace(**values), {}
    except ConfigError as error:
        return None, {error.field_name: message_for(error)}


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
                for name, label in FORM_FIELDS:
                    yield Label(label, classes="field-label")
                    yield Input(str(getattr(self.config, name)), id=f"field-{name}", compact=True)
                    yield Label("", id=f"error-{name}", classes="field-error")
                yield Label("models", classes="field-label")
                with Horizontal(id="field-models"):
                    for kind in MODEL_KINDS:
                        yield Checkbox(kind, kind in self.config.models, id=f"model-{kind}", compact=True)
                yield Label("", id="error-models", classes="field-error")
            yield Label("", id="error-other", classes="field-error")
            with Horizontal(id="settings-buttons"):
                yield Button("Apply", variant="primary", id="apply", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        yield Footer()  # the app's Footer sits on the screen below and shows that screen's keys

    def read(self) -> tuple[Config | None, dict[str, str]]:
        """What the form holds now: a valid config, or the errors per field."""
        texts = {name: self.query_one(f"#field-{name}", Input).value for name, _ in FORM_FIELDS}
        models = tuple(kind for kind in MODEL_KINDS if self.query_one(f"#model-{kind}", Checkbox).value)
        return read_form(self.config, texts, models)

    @on(Button.Pressed, "#apply")
    @on(Input.Submitted)
    def action_apply(self) -> None:
        """Apply valid settings (the app restarts training); otherwise flag each bad field and stay."""
        config, errors = self.read()
        known = {name for name, _ in FORM_FIELDS} | {"models"}
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
