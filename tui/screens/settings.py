"""The settings form: edit the experiment, checked by the engine's own validation before it applies.

The screen dismisses with the new :class:`~engine.config.config.Config` (the app restarts training
with it) or with ``None`` when cancelled (nothing changes). The app trains on behind the form, so no
form event (a task switch, a keystroke, a tick) may raise: what the form holds is only ever judged,
each fault flagged next to its field, and nothing reaches the app before Apply.
"""

from __future__ import annotations

import dataclasses
import stat
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer, Input, Label, Select

from engine.config.config import DEFAULT, SETTING, SETTINGS, Config, ConfigError, phrase
from engine.config.estimate import memory_verdict, need_text
from engine.config.tasks import TASK_INFO
from engine.settings.declare import Setting, shorten

CHOICES: tuple[Setting, ...] = tuple(spec for spec in SETTINGS if spec.form and spec.kind == "choice")
"""Settings picked from a list (task, optimizer), shown as selects at the top of the form."""
MODELS = SETTING["models"]
FILES: frozenset[str] = frozenset(spec.name for spec in SETTINGS if spec.metavar == "FILE")
"""Settings that name a file the validation reads (``csv``, ``text``)."""
CARRIED: tuple[str, ...] = ("seed", "csv", "column", "text")
"""Fields whose text outlives a task switch: the seed, and the files (csv → sine → csv gets its file back)."""
OTHER = "other"
"""The key of a fault that belongs to no one field (shown under the grid)."""


def form_fields(task: str) -> tuple[Setting, ...]:
    """The text fields the form shows for ``task``, in declaration order."""
    return tuple(s for s in SETTINGS if s.form and s.kind not in ("list", "choice") and s.applies_to(task))


def draft_for(task: str) -> Config:
    """The defaults of ``task`` the form starts from, NOT validated: the csv task has no file yet, and its
    fields must show, empty and flagged, rather than ``for_task`` raising out of the form's event."""
    own = TASK_INFO[task].defaults if task in TASK_INFO else {}
    return dataclasses.replace(DEFAULT, task=task, **own)


def file_fault(raw: str) -> str | None:
    """Why the file named ``raw`` must not reach the engine's readers, or ``None`` (they judge it themselves).

    The readers name a missing, unreadable or binary file, but would read a device or a pipe (``/dev/zero``
    until memory runs out, ``/dev/stdin`` or a FIFO forever), on the form's thread, at every keystroke; and
    ``~nobody`` or a name longer than the OS allows raise before they can refuse it.
    """
    text = raw.strip()
    if not text:
        return None
    try:
        mode = Path(text).expanduser().stat().st_mode
    except RuntimeError:  # "~name" where no user is called name
        return "no such user's home folder"
    except (FileNotFoundError, NotADirectoryError, ValueError):  # the reader says "no such file"
        return None
    except OSError as error:
        return f"cannot be opened ({(error.strerror or 'unknown error').lower()})"
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return "not a regular file (a device, pipe or socket)"


def read_form(base: Config, texts: dict[str, str], models: tuple[str, ...]) -> tuple[Config | None, dict[str, str]]:
    """Turn the form's raw text into a validated config, or say what is wrong with which field.

    ``texts`` holds the text of every field and the value of every select (by setting name).
    Returns ``(config, {})`` when everything is valid, else ``(None, {field: message})``. Each
    field is first checked on its own against ``base`` so several bad fields are flagged at once;
    then all changes together, which catches combinations (a batch larger than the window allows).
    Messages name each setting by its label in the form, with the value as typed. ``base`` need not
    be valid (a task's draft): this never raises, whatever the texts.
    """
    values: dict[str, object] = {"models": models}
    errors: dict[str, str] = {}
    for spec in (*CHOICES, *form_fields(texts.get("task", base.task))):
        raw = texts.get(spec.name, "")
        if not raw.strip() and spec.kind != "text":
            errors[spec.name] = f"{spec.label}: empty; allowed: {_allowed(spec, base)}"
            continue
        if spec.name in FILES and (fault := file_fault(raw)) is not None:
            allowed = f"a readable UTF-8 {spec.label.removesuffix(' file')} file"  # the readers' words
            errors[spec.name] = phrase(ConfigError(spec.name, raw, allowed, fault), spec.label, raw)
            continue
        try:
            values[spec.name] = spec.parse(raw)
        except ConfigError as error:
            errors[spec.name] = phrase(error, spec.label, raw)
    for name, value in values.items():
        if name in errors:
            continue
        _, said = _judge(base, {name: value}, texts)
        if name in said:  # else a clash with base's other values: judged together below
            errors[name] = said[name]
    if errors:
        return None, errors
    config, said = _judge(base, values, texts)
    if config is None:
        return None, said
    verdict, words = memory_verdict(config)
    if verdict == "refuse":  # flagged at units, the setting that weighs most
        return None, {"units": f"units {config.units}, models and seeds: this run {words}"}
    return config, {}


def _judge(base: Config, changes: dict[str, object], texts: dict[str, str]) -> tuple[Config | None, dict[str, str]]:
    """``base.replace(**changes)``, or its refusal in the form's words, by field."""
    try:
        return base.replace(**changes), {}
    except ConfigError as error:
        return None, {error.field_name: _message(error, texts)}
    except Exception as error:  # a reader choking on text it did not expect: a flag here, never the app's end
        reason = f"cannot be checked ({type(error).__name__}: {shorten(str(error))})"
        field = next(iter(changes))
        if len(changes) == 1 and field in SETTING:
            return None, {field: _message(ConfigError(field, changes[field], SETTING[field].allowed(), reason), texts)}
        return None, {OTHER: f"the settings {reason}"}


def _allowed(spec: Setting, base: Config) -> str:
    """What ``spec`` allows in words, bounds worked out for ``base`` where it can be (a draft has no data yet)."""
    try:
        return spec.allowed(base)
    except Exception:  # a bound on the data's length, and base's data file is missing or unreadable
        return spec.allowed()


def _message(error: ConfigError, texts: dict[str, str]) -> str:
    """``error`` in the form's words: the field's label and the text in it."""
    spec = SETTING.get(error.field_name)
    typed = texts.get(error.field_name)
    return phrase(error, spec.label if spec else error.field_name, typed.strip() if typed is not None else None)


class ModelBox(Checkbox):
    """A model's checkbox whose state reads without colour: ``X`` inside when on, blank when off.

    Textual draws ``X`` both ways and tells on from off by colour alone, which ``NO_COLOR`` or a
    monochrome terminal loses (the charts already mark their curves by glyph as well as colour).
    """

    def __init__(self, kind: str, value: bool) -> None:
        super().__init__(kind, value, id=f"model-{kind}", compact=True)
        self.BUTTON_INNER = self._inner()

    def _inner(self) -> str:
        return "X" if self.value else " "

    def watch_value(self) -> None:
        """Redraw the box's inside with the new state (Textual then sets ``-on`` and posts ``Changed``)."""
        self.BUTTON_INNER = self._inner()
        super().watch_value()


class SettingsScreen(ModalScreen[Config | None]):
    """A modal form for the experiment's settings; invalid fields are flagged next to themselves."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="settings_cancel"),
        Binding("ctrl+s", "apply", "Apply", id="settings_apply"),
    ]

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.opened = config
        """What the app runs with: the form returns a new config on Apply and changes nothing before."""
        self.draft = config
        """The values of the task shown that the fields start from (another task's draft is not validated)."""
        self.carried: dict[str, str] = {}
        """Text of the ``CARRIED`` fields as last typed, shown again after a task switch."""
        self.ticked = config.models
        """The model boxes as last ticked, kept through a task switch."""
        self.estimate = ""
        """The last estimate of a valid form, kept while the form is not valid (and through a task switch)."""
        self.live = False
        """Whether the flags follow every change: from the first Apply or task switch on (not while first typing)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="settings-dialog"):
            yield Label("Settings — applying restarts training", id="settings-title")
            with Grid(id="settings-grid"):
                for spec in CHOICES:
                    yield Label(spec.label, classes="field-label")
                    options = [(choice, choice) for choice in spec.choices]
                    current = getattr(self.draft, spec.name)
                    select = Select(options, value=current, allow_blank=False, id=f"field-{spec.name}", compact=True)
                    select.tooltip = spec.help
                    yield select
                    yield Label("", id=f"error-{spec.name}", classes="field-error")
                for spec in form_fields(self.draft.task):
                    yield Label(spec.label, classes="field-label")
                    value = self.carried.get(spec.name, spec.default_text(getattr(self.draft, spec.name)))
                    yield Input(value, id=f"field-{spec.name}", compact=True, tooltip=spec.help)
                    yield Label("", id=f"error-{spec.name}", classes="field-error")
                yield Label(MODELS.label, classes="field-label")
                with Horizontal(id="field-models"):
                    for kind in MODELS.choices:
                        yield ModelBox(kind, kind in self.ticked)
                yield Label("", id="error-models", classes="field-error")
            yield Label("", id="error-other", classes="field-error")
            yield Label(self.estimate, id="estimate")
            with Horizontal(id="settings-buttons"):
                yield Button("Apply", variant="primary", id="apply", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        yield Footer()  # the app's Footer sits on the screen below and shows that screen's keys

    def on_mount(self) -> None:
        self.changed()

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def changed(self) -> None:
        """Keep the memory estimate in step with what the form holds (once it holds a valid run), and the flags
        once they are live."""
        config, errors = self.read()
        if config is not None:
            self.estimate = f"Estimated peak memory: {need_text(config, short=True)}"
            self.query_one("#estimate", Label).update(self.estimate)
        if self.live:
            self.show_flags(errors)

    @on(Select.Changed, "#field-task")
    async def task_changed(self, event: Select.Changed) -> None:
        """Another task has other fields and defaults: show the new task's form, its faults flagged at once (a csv
        run needs a file). The seed, the files and the ticked models are kept; the app hears nothing of it."""
        task = str(event.value)
        if task == self.draft.task:
            return
        self.carried.update({name: text for name, text in self.texts().items() if name in CARRIED})
        self.ticked = self.models()
        self.draft = self.opened if task == self.opened.task else draft_for(task)
        await self.recompose()
        self.query_one("#field-task", Select).focus()
        self.live = True
        self.changed()

    def texts(self) -> dict[str, str]:
        """What each field and select holds now, as text."""
        texts = {spec.name: str(self.query_one(f"#field-{spec.name}", Select).value) for spec in CHOICES}
        for spec in form_fields(self.draft.task):
            texts[spec.name] = self.query_one(f"#field-{spec.name}", Input).value
        return texts

    def models(self) -> tuple[str, ...]:
        """The models ticked now, in the declared order."""
        return tuple(kind for kind in MODELS.choices if self.query_one(f"#model-{kind}", Checkbox).value)

    def read(self) -> tuple[Config | None, dict[str, str]]:
        """What the form holds now: a valid config, or the errors per field."""
        return read_form(self.draft, self.texts(), self.models())

    @on(Button.Pressed, "#apply")
    @on(Input.Submitted)
    def action_apply(self) -> None:
        """Apply valid settings (the app restarts training); otherwise flag each bad field and stay."""
        config, errors = self.read()
        self.live = True
        self.show_flags(errors)
        if config is not None:
            self.dismiss(config)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close the form and change nothing."""
        self.dismiss(None)

    def show_flags(self, errors: dict[str, str]) -> None:
        """Each message next to its field; one that belongs to no field of the form under the grid."""
        known = {spec.name for spec in (*CHOICES, *form_fields(self.draft.task))} | {MODELS.name}
        for name in known:
            self._flag(f"#error-{name}", errors.get(name, ""))
        self._flag("#error-other", " ".join(m for f, m in errors.items() if f not in known))

    def _flag(self, selector: str, message: str) -> None:
        label = self.query_one(selector, Label)
        label.update(message)
        label.set_class(bool(message), "-shown")
