"""Modal screens: source viewer, pickers, a one-line prompt, index build progress, invalid knowledge, help."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from guide_assistant.common.i18n import N_, _
from guide_assistant.interfaces.tui.localize import localize_bindings
from guide_assistant.service import Guide


class SourceViewer(ModalScreen[None]):
    """A cited passage: the readable text beside the raw source lines, cited lines highlighted."""

    BINDINGS = [Binding("escape", "dismiss", N_("Close")), Binding("q", "dismiss", N_("Close"), show=False)]

    def __init__(self, guide: Guide, line_start: int, line_end: int, section: str, readable: str | None = None):
        super().__init__()
        localize_bindings(self)
        self.guide = guide
        self.line_start = line_start
        self.line_end = line_end
        self.section = section
        self.readable_text = readable if readable is not None else guide.readable(line_start, line_end)

    def compose(self) -> ComposeResult:
        with Vertical(id="viewer"):
            yield Label(
                Text(
                    _("{guide} — {section}, lines {start}–{end}").format(
                        guide=self.guide.entry.title, section=self.section, start=self.line_start, end=self.line_end
                    )
                ),
                id="viewer-title",
            )
            with Horizontal(id="viewer-panes"):
                with VerticalScroll(id="readable-pane"):
                    yield Static(Text(self.readable_text), id="readable-text")
                with VerticalScroll(id="raw-pane"):
                    yield Static(self.raw_text(), id="raw-text")
            yield Label(Text(_("Esc closes · left: readable text · right: the guide's raw lines")), id="viewer-help")

    def raw_text(self) -> Text:
        text = Text()
        for n, line in enumerate(self.guide.text.lines, 1):
            cited = self.line_start <= n <= self.line_end
            text.append(f"{n:5d} ", style="bold" if cited else "dim")
            text.append(line + "\n", style="reverse" if cited else "")
        return text

    def on_mount(self) -> None:
        pane = self.query_one("#raw-pane", VerticalScroll)
        self.call_after_refresh(lambda: pane.scroll_to(y=max(0, self.line_start - 3), animate=False))


class _Ask(ModalScreen[str | None]):
    """A question with one answer (the value chosen or typed); esc cancels (None)."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, title: str):
        super().__init__()
        localize_bindings(self)
        self.title_text = title

    def action_cancel(self) -> None:
        self.dismiss(None)


class Picker(_Ask):
    """Choose one of a list (phase, role, citation)."""

    def __init__(self, title: str, options: list[tuple[str, str]]):
        super().__init__(title)
        self.options = options

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Label(Text(self.title_text))
            yield OptionList(*[Option(Text(label), id=value) for value, label in self.options], id="picker-list")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class Prompt(_Ask):
    """Ask for one line of text (a new project's name)."""

    def __init__(self, title: str, placeholder: str = ""):
        super().__init__(title)
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Label(Text(self.title_text))
            yield Input(placeholder=self.placeholder, id="prompt-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)


class BuildScreen(ModalScreen[None]):
    """Progress while the index is (re)built in a worker."""

    def __init__(self, reason: str):
        super().__init__()
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(id="build"):
            yield Label(Text(_("Building the search index: {reason}").format(reason=self.reason)))
            yield ProgressBar(id="build-progress", show_eta=False)
            yield Label(Text(_("This happens once after the guidance changes.")), id="build-note")

    def progress(self, done: int, total: int) -> None:
        self.query_one(ProgressBar).update(total=total, progress=done)


class MessageScreen(ModalScreen[None]):
    """Plain text (knowledge errors, help); never interpreted as markup."""

    BINDINGS = [Binding("escape", "dismiss", N_("Close")), Binding("q", "dismiss", N_("Close"), show=False)]

    def __init__(self, title: str, body: str):
        super().__init__()
        localize_bindings(self)
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(id="message"):
            yield Label(Text(self.title_text), id="message-title")
            with VerticalScroll():
                yield Static(Text(self.body), id="message-body")
            yield Label(Text(_("Esc closes")))


HELP = N_("""Keys (also in the command palette, ctrl+p)

  F1         this help
  F2         set your project's phase
  F3         set your role
  F4         switch projects, or create one
  F5 F6 F7   Chat · Checklist · Sources
  ctrl+r     rebuild the index (after guidance is updated)
  ctrl+p     command palette: export to Excel or Word, language
  ctrl+q     quit

Chat
  enter      ask the question in the input box
  ctrl+o     open a citation of the last answer (or click [n] in an answer)
  ctrl+y     copy the last answer to the clipboard
  ctrl+l     clear the conversation
  ctrl+e     export the conversation to Markdown

Checklist
  up/down    move · right/left open/close
  space      tick or un-tick the step (saved at once)
  enter      same as space on a step; open an activity
  ctrl+e     export the checklist to Markdown

Sources
  choose a guide, then a section in the outline; type in Find and press enter

Source viewer
  esc        close
""")


def help_text() -> str:
    return _(HELP)
