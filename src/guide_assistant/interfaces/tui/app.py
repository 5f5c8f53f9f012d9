"""The terminal UI. Widgets only: every decision is made by the service (guide_assistant.service).

`guide-assistant` with no arguments starts it. Loading the model, answering and building
the index run in thread workers, so the screen never freezes.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Footer,
    Header,
    Input,
    Label,
    OptionList,
    ProgressBar,
    Select,
    Static,
    TabbedContent,
    TabPane,
    Tree,
)
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from guide_assistant.common.config import Paths
from guide_assistant.common.fsutil import atomic_write_text
from guide_assistant.common.i18n import N_, _, current_language, set_language
from guide_assistant.common.startup import started
from guide_assistant.interfaces.tui.localize import localize_bindings
from guide_assistant.interfaces.tui.screens import BuildScreen, MessageScreen, Picker, Prompt, SourceViewer, help_text
from guide_assistant.service import (
    ActivityOut,
    Answer,
    Assistant,
    Guide,
    IndexBusy,
    IndexError_,
    KnowledgeError,
    ProjectError,
    StoreError,
    checklist_markdown,
    conversation_markdown,
    phase_title,
    role_names,
)

POLL_S = 2.0  # how often the shared progress store is read again for teammates' changes
NEXT_KINDS = {"activity": N_("activity"), "decision": N_("decision"), "next-phase": N_("next-phase"), "track": N_("track")}


def __getattr__(name: str):
    """``AnswerView`` and ``linked`` as before, imported on first use (see answer_view.py)."""
    if name in ("AnswerView", "linked", "CITE"):
        from guide_assistant.interfaces.tui import answer_view

        return getattr(answer_view, name)
    raise AttributeError(name)


class ChecklistTree(Tree[dict]):
    """Space ticks the step under the cursor (as enter and a click do); elsewhere it opens/closes."""

    BINDINGS = [Binding("space", "toggle_step", N_("Tick step"), show=True)]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        localize_bindings(self)

    def action_toggle_step(self) -> None:
        node = self.cursor_node
        if node is not None and node.data and node.data.get("kind") == "step":
            self.select_node(node)
        elif node is not None:
            node.toggle()


class GuideApp(App[None]):
    TITLE = "guide-assistant"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("f1", "help", N_("Help"), id="help"),
        Binding("f2", "pick_phase", N_("Phase"), id="phase"),
        Binding("f3", "pick_role", N_("Role"), id="role"),
        Binding("f4", "pick_project", N_("Project"), id="project"),
        Binding("f5", "tab('chat')", N_("Chat"), show=False, id="tab-chat"),
        Binding("f6", "tab('checklist')", N_("Checklist"), show=False, id="tab-checklist"),
        Binding("f7", "tab('sources')", N_("Sources"), show=False, id="tab-sources"),
        Binding("ctrl+r", "rebuild", N_("Rebuild index"), id="rebuild"),
        Binding("ctrl+o", "open_citation", N_("Citations"), id="citations"),
        Binding("ctrl+y", "copy_answer", N_("Copy answer"), show=False, id="copy"),
        Binding("ctrl+l", "clear_chat", N_("Clear chat"), show=False, id="clear"),
        Binding("ctrl+e", "export", N_("Export"), id="export"),
    ]

    def __init__(
        self,
        paths: Paths,
        state_file: Path | None = None,
        chat_file: Path | None = None,
        check_index: bool = True,
        lang: str | None = None,
        project: str | None = None,
        user: str | None = None,
    ):
        if lang:
            set_language(lang)
        self.lang = current_language()
        super().__init__()
        localize_bindings(self)
        self.paths = paths
        self.assistant = Assistant(paths, state_file, chat_file, project=project, user=user)
        self.check_index = check_index
        self.engine_lock = threading.Lock()
        self.last_answer: Answer | None = None
        self.role_filter: str | None = None
        self.current_guide: Guide | None = None  # the guide in the Sources tab, shown when the tab is first opened
        self.ready = threading.Event()

    # --- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(initial="chat", id="tabs"):
            with TabPane(_("Chat"), id="chat"), Horizontal():
                with Vertical(id="chat-col"):
                    yield VerticalScroll(id="conversation")
                    yield Input(placeholder=_("Ask: what should we do before tendering? (en / sv / no)"), id="question")
                with Vertical(id="side"):
                    yield Label(_("Next for you"), classes="side-title")
                    yield OptionList(id="next")
                    yield Label("", id="status")
            with TabPane(_("Checklist"), id="checklist"), Horizontal():
                with Vertical(id="tree-col"):
                    yield Select([], prompt=_("All roles"), id="role-filter", allow_blank=True)
                    yield ChecklistTree(_("Checklist"), id="checklist-tree")
                with Vertical(id="detail-col"):
                    with Vertical(id="phase-bars"):
                        for pid, title in phase_title(self.assistant.kb, self.lang).items():
                            with Horizontal(classes="bar-row"):
                                yield Label(Text(title), classes="bar-label", id=f"label-{pid}")
                                yield ProgressBar(id=f"bar-{pid}", show_eta=False, classes="phase-bar")
                    with VerticalScroll(id="detail-scroll"):  # the activity's Markdown replaces the hint
                        yield Static(Text(_("Choose an activity to see its roles, deliverables and decision.")), id="detail-hint")
            with TabPane(_("Sources"), id="sources"), Horizontal():
                with Vertical(id="guide-col"):
                    yield OptionList(*[Option(Text(g.entry.title), id=g.entry.id) for g in self.assistant.kb.guides.values()], id="guides")
                    yield Tree(_("Outline"), id="outline")
                with Vertical(id="text-col"):
                    yield Input(placeholder=_("Find in this guide"), id="find")
                    yield VerticalScroll(id="guide-text")
        yield Footer()

    def on_mount(self) -> None:
        self.update_subtitle()
        self.query_one("#role-filter", Select).set_options([(name, rid) for rid, name in role_names(self.assistant.kb, self.lang).items()])
        self.fill_checklist()
        self.update_bars()
        self.update_next()
        conv = self.query_one("#conversation", VerticalScroll)
        if self.assistant.conversation.turns:
            from guide_assistant.interfaces.tui.answer_view import AnswerView
        for turn in self.assistant.conversation.turns:
            conv.mount(Static(Text(f"> {turn.question}"), classes="question"))
            conv.mount(AnswerView(turn.answer))
            self.last_answer = turn.answer
        for w in self.assistant.warnings:
            self.notify(w, severity="warning", markup=False)
        changed = self.assistant.unanchored_sources()
        if changed:
            self.notify(
                _(
                    "The guidance changed: {files}. Line references may point at old text until the index is rebuilt "
                    "(ctrl+r), which moves them to the new text."
                ).format(files=", ".join(changed)),
                severity="warning",
                markup=False,
                timeout=15,
            )
        self.query_one("#question", Input).focus()
        self.set_interval(POLL_S, self.poll_shared_state)
        started()  # the UI is on screen: from here on it runs, and collects garbage as usual
        self.prepare_index()

    def update_subtitle(self) -> None:
        st = self.assistant.state
        not_set = _("not set")
        phase = phase_title(self.assistant.kb, self.lang).get(st.phase or "", not_set)
        names = role_names(self.assistant.kb, self.lang)
        roles = ", ".join(names.get(r, r) for r in st.roles) or not_set
        self.sub_title = _("project: {project} · phase: {phase} · role: {roles}").format(
            project=self.assistant.project, phase=phase, roles=roles
        )

    # --- index and engine -----------------------------------------------------------------

    @work(thread=True, exclusive=True, group="engine")
    def prepare_index(self, force: bool = False) -> None:
        status = self.assistant.index_status()
        if force or (self.check_index and not status.fresh):
            reason = _("rebuild asked for") if force else "; ".join(status.reasons[:2]) or _("no index yet")
            self.build(reason, full=False)
        try:
            with self.engine_lock:
                self.assistant.load_engine()
        except IndexError_ as e:
            self.call_from_thread(self.notify, str(e), severity="error", markup=False, timeout=15)
            return
        self.ready.set()
        self.call_from_thread(self.set_status, _("ready"))

    def build(self, reason: str, full: bool) -> None:
        from guide_assistant.service import AnchorError

        screen = BuildScreen(reason)
        self.call_from_thread(self.push_screen, screen)
        result = None
        try:
            with self.engine_lock:
                result = self.assistant.rebuild_index(progress=lambda d, t: self.call_from_thread(screen.progress, d, t), full=full)
            self.call_from_thread(
                self.notify,
                _("index built: {passages} passages, {embedded} embedded, {reused} reused").format(
                    passages=result.passages, embedded=result.embedded, reused=result.reused
                ),
                markup=False,
            )
            self.call_from_thread(self.after_knowledge_reload)
        except KnowledgeError as e:
            body = "\n".join(str(p) for p in e.problems)
            self.call_from_thread(self.push_screen, MessageScreen(_("The knowledge is invalid; the old index keeps working."), body))
        except AnchorError as e:
            body = "\n".join(e.problems)
            self.call_from_thread(self.push_screen, MessageScreen(_("error: cannot re-anchor; the knowledge is left as it was:"), body))
        except (IndexBusy, IndexError_, OSError) as e:
            self.call_from_thread(self.notify, _("index not built: {error}").format(error=e), severity="error", markup=False, timeout=15)
        finally:
            self.call_from_thread(screen.dismiss)
        if result is not None and result.reanchored:
            self.call_from_thread(self.show_guidance_changes, result)

    def show_guidance_changes(self, result) -> None:
        """The guidance was updated: each change an entry that opens the source at its lines
        (the whole report: `guide-assistant kb changes`)."""
        entries = self.assistant.change_entries(result)
        options = [(str(n), label) for n, (label, *_rest) in enumerate(entries)]

        def chosen(value: str | None) -> None:
            if value is not None:
                _, source, a, b, section = entries[int(value)]
                self.push_screen(SourceViewer(self.assistant.kb.guide_for_file(source), a, b, section))

        title = _(
            "The guidance was updated: every reference was moved to the new text; changed items are marked "
            "for review. Choose one to see it in the guide (esc closes; the full report: `kb changes`)."
        )
        self.push_screen(Picker(title, options), chosen)

    def after_knowledge_reload(self) -> None:
        self.fill_checklist()
        self.update_bars()
        self.update_next()

    def set_status(self, text: str) -> None:
        self.query_one("#status", Label).update(Text(text))

    # --- chat -------------------------------------------------------------------------------

    @on(Input.Submitted, "#question")
    def submit_question(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        if not question:
            self.notify(_("Type a question first."), severity="warning")
            return
        event.input.clear()
        conv = self.query_one("#conversation", VerticalScroll)
        conv.mount(Static(Text(f"> {question}"), classes="question"))
        conv.mount(Static(Text("…"), classes="pending"))
        conv.scroll_end(animate=False)
        self.answer_question(question)

    @work(thread=True, exclusive=False, group="ask")
    def answer_question(self, question: str) -> None:
        worker = get_current_worker()
        try:
            with self.engine_lock:
                answer = self.assistant.ask(question[:5000])
        except (IndexError_, ValueError, OSError) as e:
            self.call_from_thread(self.show_error, str(e))
            return
        if not worker.is_cancelled:
            self.call_from_thread(self.show_answer, answer)  # type: ignore[arg-type]  # Textual awaits a coroutine function too

    def show_error(self, message: str) -> None:
        for w in self.query(".pending"):
            w.remove()
        self.notify(message, severity="error", markup=False)

    async def show_answer(self, answer: Answer) -> None:
        from guide_assistant.interfaces.tui.answer_view import AnswerView

        conv = self.query_one("#conversation", VerticalScroll)
        await conv.query(".pending").remove()
        view = AnswerView(answer)
        await conv.mount(view)
        self.last_answer = answer
        self.update_next()
        # show the answer from its first line (its question just above it)
        self.call_after_refresh(lambda: conv.scroll_to_widget(view, top=True, animate=False))

    def on_markdown_link_clicked(self, event) -> None:
        """A click on a [n] of an answer (Markdown.LinkClicked, handled by its name: the
        Markdown widget is imported with the first answer)."""
        from guide_assistant.interfaces.tui.answer_view import AnswerView

        m = re.fullmatch(r"cite:(\d+)", event.href)
        view = event.markdown
        if m and isinstance(view, AnswerView):
            n = int(m.group(1))
            if 1 <= n <= len(view.answer.citations):
                self.open_hit(view.answer.citations[n - 1])

    def open_hit(self, hit) -> None:
        guide = self.assistant.kb.guide_for_file(hit.source)
        self.push_screen(SourceViewer(guide, hit.line_start, hit.line_end, hit.section, hit.text))

    def action_open_citation(self) -> None:
        if self.last_answer is None or not self.last_answer.citations:
            self.notify(_("No citations yet: ask a question first."))
            return
        cites = self.last_answer.citations
        options = [(str(n), f"[{n}] {h.source} {h.line_start}–{h.line_end} · {h.section}") for n, h in enumerate(cites, 1)]

        def chosen(value: str | None) -> None:
            if value is not None:
                self.open_hit(cites[int(value) - 1])

        self.push_screen(Picker(_("Open a citation of the last answer"), options), chosen)

    def action_copy_answer(self) -> None:
        if self.last_answer is None:
            self.notify(_("Nothing to copy yet."))
            return
        self.copy_to_clipboard(self.last_answer.answer)
        self.notify(_("Answer copied to the clipboard."))

    def action_clear_chat(self) -> None:
        self.assistant.clear_conversation()
        self.query_one("#conversation", VerticalScroll).remove_children()
        self.last_answer = None
        self.notify(_("Conversation cleared."))

    def update_next(self) -> None:
        """Next activities for the saved phase, else for the phase of the last answer."""
        nxt = self.query_one("#next", OptionList)
        nxt.clear_options()
        items = self.assistant.next_activities() or (self.last_answer.next_activities if self.last_answer else [])
        if not items:
            nxt.add_option(Option(Text(_("Set your phase with F2 to see what comes next.")), disabled=True))
        for i in items:
            title = i.title if self.lang == "en" else i.title_original
            nxt.add_option(Option(Text(f"{_(NEXT_KINDS.get(i.kind, i.kind))}: {title}"), id=f"{i.kind}:{i.id}"))

    # --- checklist ------------------------------------------------------------------------

    def fill_checklist(self) -> None:
        tree = self.query_one("#checklist-tree", ChecklistTree)
        tree.clear()
        tree.show_root = False
        roles = [self.role_filter] if self.role_filter else None
        rows = self.assistant.checklist(roles=roles)
        nodes = {}
        for pid, title in phase_title(self.assistant.kb, self.lang).items():
            nodes[pid] = tree.root.add(Text(title), data={"kind": "phase", "id": pid}, expand=pid == self.assistant.state.phase)
        for a in rows:
            label = Text(f"{a.title_in(self.lang)} ({a.source.split('-')[0]})")
            if a.role_match:
                label.append(f"  [{', '.join(a.role_match)}]", style="italic")
            an = nodes[a.phase].add(label, data={"kind": "activity", "activity": a})
            for s in a.steps:
                text = s.text if self.lang == "en" else s.original
                an.add_leaf(self.step_label(text, s.done), data={"kind": "step", "id": s.id, "text": text, "activity": a, "done": s.done})
        self.shown_state = self.state_key()

    def state_key(self) -> tuple:
        """What the screen shows of the project's shared state: a change by anyone makes it differ."""
        st = self.assistant.state
        return (self.assistant.project, st.phase, tuple(st.roles), frozenset(st.done), st.updated_at)

    def poll_shared_state(self) -> None:
        """Every few seconds: read the project again; when a teammate (or another window, or
        the command line) changed it, show their ticks, the bars and what comes next."""
        try:
            self.assistant.reload()
        except (ProjectError, StoreError, OSError):
            return  # a busy or vanished store: the next poll tries again; a change reports its own error
        self.show_shared_state()

    def show_shared_state(self) -> None:
        """Redraw what changed in the state last read (ticks, bars, next, the subtitle)."""
        if self.state_key() == self.shown_state:
            return
        done = self.assistant.done_steps()
        tree = self.query_one("#checklist-tree", ChecklistTree)
        stack = list(tree.root.children)
        while stack:
            node = stack.pop()
            stack.extend(node.children)
            data = node.data or {}
            if data.get("kind") == "step":
                now = data["id"] in done
                if now != data.get("done"):
                    data["done"] = now
                    node.set_label(self.step_label(data["text"], now))
        self.shown_state = self.state_key()
        self.update_bars()
        self.update_next()
        self.update_subtitle()

    @staticmethod
    def step_label(text: str, done: bool) -> Text:
        return Text(f"[{'x' if done else ' '}] {text}")

    def update_bars(self) -> None:
        names = phase_title(self.assistant.kb, self.lang)
        for pid, (n, total) in self.assistant.phase_progress().items():
            self.query_one(f"#bar-{pid}", ProgressBar).update(total=max(total, 1), progress=n)
            self.query_one(f"#label-{pid}", Label).update(Text(f"{names[pid][:24]:24} {n:3d}/{total}"))

    @on(Tree.NodeSelected, "#checklist-tree")
    def tree_selected(self, event: Tree.NodeSelected) -> None:
        node = event.node
        data = node.data or {}
        if data.get("kind") == "step":  # the step as shown is what is toggled, never a state changed meanwhile
            now = self.saved(self.assistant.set_step, data["id"], not data.get("done", False))
            if now is None:
                return
            data["done"] = now
            node.set_label(self.step_label(data["text"], now))
            self.show_shared_state()  # the state read after the change holds others' changes too: shown at once
            self.update_bars()
            self.update_next()

    @on(Tree.NodeHighlighted, "#checklist-tree")
    def tree_highlighted(self, event: Tree.NodeHighlighted) -> None:
        data = event.node.data or {}
        act: ActivityOut | None = data.get("activity")
        if act is not None:
            from textual.widgets import Markdown

            text = self.activity_markdown(act)
            shown = self.query("#detail")
            if shown:
                shown.first(Markdown).update(text)
            else:  # the first activity chosen: the Markdown view replaces the hint
                scroll = self.query_one("#detail-scroll", VerticalScroll)
                scroll.remove_children()
                scroll.mount(Markdown(text, id="detail", open_links=False))

    def activity_markdown(self, a: ActivityOut) -> str:
        kb = self.assistant.kb
        return checklist_markdown(kb, [a], [self.role_filter] if self.role_filter else None, self.lang).split("\n", 2)[2]

    @on(Select.Changed, "#role-filter")
    def role_changed(self, event: Select.Changed) -> None:
        self.role_filter = event.value if isinstance(event.value, str) else None
        self.fill_checklist()

    # --- sources ----------------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#guides")
    async def guide_chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            await self.show_guide(event.option.id)

    @on(TabbedContent.TabActivated, "#tabs")
    async def tab_activated(self, event: TabbedContent.TabActivated) -> None:
        # the first guide's text (hundreds of blocks) is laid out when the tab is first opened, not at start
        if event.pane.id == "sources" and self.current_guide is None:
            await self.show_guide(next(iter(self.assistant.kb.guides)))

    async def show_guide(self, gid: str) -> None:
        guide = self.assistant.kb.guides[gid]
        self.current_guide = guide
        outline = self.query_one("#outline", Tree)
        outline.clear()
        outline.root.set_label(Text(guide.entry.title))
        box = self.query_one("#guide-text", VerticalScroll)
        await box.remove_children()  # the previous guide's blocks are gone before this one's ids are mounted
        blocks = []
        stack = {0: outline.root}
        for sec in guide.sections.walk():
            if sec.level == 0:
                continue
            parent = stack.get(sec.level - 1, outline.root)
            node = parent.add(Text(sec.title), data={"line": sec.line_start}, expand=sec.level < 2)
            stack[sec.level] = node
            text = guide.readable(sec.line_start, sec.line_end, set(sec.content)) if sec.content else ""
            block = Static(
                Text(f"{sec.path_text}  [{sec.line_start}–{sec.line_end}]\n", style="bold") + Text(text),
                classes="guide-block",
                id=f"sec-{sec.line_start}",
            )
            block.plain = text  # type: ignore[attr-defined]
            blocks.append(block)
        await box.mount_all(blocks)
        outline.root.expand()

    @on(Tree.NodeSelected, "#outline")
    def outline_selected(self, event: Tree.NodeSelected) -> None:
        line = (event.node.data or {}).get("line")
        if line:
            target = self.query(f"#sec-{line}")
            if target:
                self.query_one("#guide-text", VerticalScroll).scroll_to_widget(target.first(), top=True, animate=False)

    @on(Input.Submitted, "#find")
    def find(self, event: Input.Submitted) -> None:
        term = event.value.strip()
        if not term:
            return
        first = None
        for block in self.query(".guide-block").results(Static):
            plain = getattr(block, "plain", "")
            if term.casefold() in plain.casefold():
                text = Text(plain)
                text.highlight_regex(re.compile(re.escape(term), re.IGNORECASE), style="reverse")
                block.update(text)
                first = first or block
        if first is None:
            self.notify(_("'{term}' is not in this guide.").format(term=term), markup=False)
        else:
            self.query_one("#guide-text", VerticalScroll).scroll_to_widget(first, top=True, animate=False)

    # --- commands ---------------------------------------------------------------------------

    TAB_FOCUS = {"chat": "#question", "checklist": "#checklist-tree", "sources": "#guides"}

    def action_tab(self, tab: str) -> None:
        # a pane whose widget has focus stays active, so move the focus into the new pane too
        self.query_one("#tabs", TabbedContent).active = tab
        self.query_one(self.TAB_FOCUS[tab]).focus()

    def action_help(self) -> None:
        self.push_screen(MessageScreen(_("Help"), help_text()))

    def action_pick_phase(self) -> None:
        options = list(phase_title(self.assistant.kb, self.lang).items())

        def chosen(value: str | None) -> None:
            if value:
                if self.saved(self.assistant.set_phase, value) is None:
                    return
                self.update_subtitle()
                self.update_next()
                self.fill_checklist()

        self.push_screen(Picker(_("Which phase is your project in?"), options), chosen)

    def action_pick_role(self) -> None:
        options = list(role_names(self.assistant.kb, self.lang).items())

        def chosen(value: str | None) -> None:
            if value:
                if self.saved(self.assistant.set_roles, [value]) is None:
                    return
                self.update_subtitle()

        self.push_screen(Picker(_("Which is your role?"), options), chosen)

    def action_rebuild(self) -> None:
        self.prepare_index(force=True)

    def action_pick_project(self) -> None:
        new = "\x00new"
        options = [(pr.name, f"{pr.name}  · {pr.done} ✓" + (f" · {pr.phase}" if pr.phase else "")) for pr in self.assistant.projects()]
        options.append((new, _("+ New project …")))

        def chosen(value: str | None) -> None:
            if value == new:
                self.push_screen(Prompt(_("Name of the new project"), _("e.g. Digital supervision 2027")), created)
            elif value:
                switch(value)

        def created(name: str | None) -> None:
            if name and self.saved(self.assistant.create_project, name) is not None:
                switch(name)

        def switch(name: str) -> None:
            if self.saved(self.assistant.switch_project, name) is None:
                return
            self.update_subtitle()
            self.after_knowledge_reload()
            self.notify(_("project: {project}").format(project=name), markup=False)

        self.push_screen(Picker(_("Which project?"), options), chosen)

    def saved(self, change, *args):
        """Run a change of the saved progress; a store that refuses it (unknown project, locked
        or unwritable file) is reported, and None returned, instead of ending the app."""
        try:
            result = change(*args)
        except (ProjectError, StoreError, OSError) as e:
            self.notify(str(e), severity="error", markup=False, timeout=10)
            return None
        return True if result is None else result

    def action_pick_language(self) -> None:
        options = [("en", "English"), ("sv", "Svenska"), ("no", "Norsk")]

        def chosen(value: str | None) -> None:
            if value:
                from guide_assistant.common.settings import save_settings

                save_settings(lang=value)
                set_language(value)
                self.notify(_("Saved: the interface shows this language from the next start."), markup=False)
                set_language(self.lang)

        self.push_screen(Picker(_("Language"), options), chosen)

    def action_export(self) -> None:
        self.export_as("md")

    def export_as(self, fmt: str) -> None:
        """The checklist tab exports the checklist, the chat tab the conversation (XLSX: always the checklist)."""
        from guide_assistant import service

        roles = [self.role_filter] if self.role_filter else None
        checklist_tab = self.query_one("#tabs", TabbedContent).active == "checklist" or fmt == "xlsx"
        what = "checklist" if checklist_tab else "conversation"
        path = Path.cwd() / f"guide-assistant-{what}.{fmt}"
        try:
            if checklist_tab:
                rows = self.assistant.checklist(roles=roles)
                if fmt == "md":
                    atomic_write_text(path, checklist_markdown(self.assistant.kb, rows, roles, self.lang))
                elif fmt == "xlsx":
                    service.write_checklist(self.assistant.kb, rows, path, "xlsx", roles, self.lang)
                else:
                    service.write_checklist(self.assistant.kb, rows, path, "docx", roles, self.lang)
            elif fmt == "md":
                atomic_write_text(path, conversation_markdown(self.assistant.conversation))
            else:
                service.write_conversation_docx(self.assistant.conversation, path, self.lang)
        except OSError as e:
            self.notify(_("cannot write {path}: {error}").format(path=path, error=e), severity="error", markup=False)
            return
        self.notify(_("exported to {path}").format(path=path), markup=False)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for c in super().get_system_commands(screen):  # Textual's own, in the interface language
            yield SystemCommand(_(c.title), _(c.help), c.callback, c.discover)
        yield SystemCommand(_("Set phase"), _("Choose the phase your project is in (F2)"), self.action_pick_phase)
        yield SystemCommand(_("Set role"), _("Choose your role (F3)"), self.action_pick_role)
        yield SystemCommand(_("Switch project"), _("Choose or create the project whose progress you see (F4)"), self.action_pick_project)
        yield SystemCommand(_("Language"), _("Show the interface in English, Swedish or Norwegian"), self.action_pick_language)
        yield SystemCommand(_("Rebuild index"), _("Rebuild the search index after guidance is updated (ctrl+r)"), self.action_rebuild)
        yield SystemCommand(_("Clear conversation"), _("Forget the chat (ctrl+l)"), self.action_clear_chat)
        yield SystemCommand(_("Export to Markdown"), _("Export the conversation or checklist (ctrl+e)"), self.action_export)
        yield SystemCommand(_("Export to Excel (XLSX)"), _("Export the checklist as a spreadsheet"), lambda: self.export_as("xlsx"))
        yield SystemCommand(
            _("Export to Word (DOCX)"), _("Export the conversation or checklist as a Word document"), lambda: self.export_as("docx")
        )
        yield SystemCommand(_("Copy last answer"), _("Copy the last answer to the clipboard (ctrl+y)"), self.action_copy_answer)
        yield SystemCommand(_("Open a citation"), _("Open a citation of the last answer (ctrl+o)"), self.action_open_citation)
        yield SystemCommand(_("Keys"), _("Show all keys (F1)"), self.action_help)


def run_tui(paths: Paths, state_file: Path | None = None, project: str | None = None, user: str | None = None) -> None:
    GuideApp(paths, state_file, project=project, user=user).run()
