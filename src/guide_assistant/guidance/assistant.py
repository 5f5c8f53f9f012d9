"""One object that holds what an interactive session needs: knowledge, search engine,
answer composer, saved state and conversation. The TUI calls only this (and the models
it returns); the CLI calls the same functions directly."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from guide_assistant.config import Paths
from guide_assistant.guidance.answer_model import Answer
from guide_assistant.guidance.checklist import ActivityOut, checklist
from guide_assistant.guidance.conversation import Conversation, ConversationStore, ask_in, conversation_path, new_conversation
from guide_assistant.guidance.next_steps import NextActivity, done_steps, next_activities, phase_progress
from guide_assistant.guidance.state import ProjectInfo, ProjectState, ProjectStore, resolve_project, state_path
from guide_assistant.i18n import N_, _
from guide_assistant.kb.load import KnowledgeBase, load_knowledge

if TYPE_CHECKING:
    from guide_assistant.guidance.answer import Composer
    from guide_assistant.indexing.build import BuildResult, Status
    from guide_assistant.retrieval.search import SearchEngine

# The search machinery (numpy, faiss, the embedder, the index) is imported by the methods
# that use it, so that the UI is on screen before it loads (in a worker).

CHANGE_KINDS = {"reworded": N_("reworded: {what} (lines {start}–{end})"), "removed": N_("removed: {what} (lines {start}–{end})")}


class Assistant:
    def __init__(self, paths: Paths, state_file: Path | None = None, chat_file: Path | None = None,
                 project: str | None = None, user: str | None = None):
        """``project``: as ``--project`` (default: GUIDE_ASSISTANT_PROJECT, the saved setting,
        ``default``); ``user``: who is logged for changes (default: the OS user). Raises
        ``ProjectError`` for a project the store does not have and ``StoreError`` for a store
        that cannot be used (e.g. written by a newer version)."""
        self.paths = paths
        self.kb: KnowledgeBase = load_knowledge(paths)
        self.store = ProjectStore(state_path(state_file), user=user)
        self.project: str = resolve_project(project, self.store)
        self.state: ProjectState = self.store.load(self.project)
        self.chat_store = ConversationStore(conversation_path(chat_file))
        self.conversation: Conversation = self.chat_store.load()
        self._engine: SearchEngine | None = None
        self._composer: Composer | None = None

    @property
    def warnings(self) -> list[str]:
        return [*self.store.notices, *self.store.warnings, *([self.chat_store.warning] if self.chat_store.warning else [])]

    # --- index and search ------------------------------------------------------
    def index_status(self) -> Status:
        from guide_assistant.indexing.build import index_status

        return index_status(self.paths, check_knowledge=False)  # whether to rebuild; a build validates

    def rebuild_index(self, progress=None, full: bool = False) -> BuildResult:
        """Build (re-anchoring guides changed in place first), then reload the knowledge; a
        failure leaves the old index and knowledge in use."""
        from guide_assistant.indexing.build import build_index

        result = build_index(self.paths, full=full, progress=progress or False)
        self.kb = load_knowledge(self.paths)
        self._engine = None
        self._composer = None
        return result

    def load_engine(self) -> SearchEngine:
        if self._engine is None:
            from guide_assistant.guidance.answer import Composer
            from guide_assistant.retrieval.search import SearchEngine

            self._engine = SearchEngine(self.paths, kb=self.kb)
            self._engine.embedder  # load the model now, not at the first question
            self._composer = Composer(self.kb, self._engine)
        return self._engine

    def change_entries(self, result: BuildResult) -> list[tuple[str, str, int, int, str]]:
        """The changes of a re-anchoring build as entries people open: (label, source file,
        first line, last line, section) — reworded and removed items, new text, moves."""
        out: list[tuple[str, str, int, int, str]] = []
        for r in result.reanchored:
            for c in r.changes:
                if c.kind in ("reworded", "removed"):
                    a, b = c.new or c.old
                    label = _(CHANGE_KINDS[c.kind]).format(what=c.what, start=a, end=b)
                    out.append((label, r.source, a, b, c.section))
            for u in r.uncovered:
                words = " ".join(u.text.split()[:12])
                out.append((_("new text, lines {start}–{end}: {words} …").format(start=u.lines[0], end=u.lines[1], words=words),
                            r.source, u.lines[0], u.lines[1], _("new text")))
            moved = [c for c in r.changes if c.kind == "moved" and c.new]
            if moved:
                first = min(moved, key=lambda c: c.new[0])
                out.append((_("{count} references moved (first: {what}, now lines {start}–{end})").format(
                                count=len(moved), what=first.what, start=first.new[0], end=first.new[1]),
                            r.source, first.new[0], first.new[1], first.section))
        return out

    def unanchored_sources(self) -> list[str]:
        """Guides replaced in place that the knowledge has not been re-anchored to yet."""
        from guide_assistant.kb.anchored import changed_files

        return changed_files(self.paths, [g.entry.file for g in self.kb.guides.values()])

    # --- answers -----------------------------------------------------------------
    def ask(self, question: str) -> Answer:
        self.load_engine()
        assert self._composer is not None
        answer, self.conversation = ask_in(self.conversation, self.chat_store, self._composer, question, state=self.state)
        return answer

    def clear_conversation(self) -> None:
        self.conversation = new_conversation()  # saved, so that it is the latest after a restart
        self.chat_store.save(self.conversation)

    # --- progress ------------------------------------------------------------------
    def checklist(self, phases: list[str] | None = None, roles: list[str] | None = None) -> list[ActivityOut]:
        return checklist(self.kb, phases, roles, done_steps(self.kb, self.state.done))

    def next_activities(self) -> list[NextActivity]:
        return next_activities(self.kb, self.state.phase, self.state.done) if self.state.phase else []

    def phase_progress(self) -> dict[str, tuple[int, int]]:
        return phase_progress(self.kb, self.state.done)

    def toggle_step(self, sid: str) -> bool:
        """Tick or un-tick a step; returns whether it is now done. Saved at once (as one row
        change, so ticks by others meanwhile are kept), then the state is read again."""
        if sid in self.state.done:
            self.store.mark_undone(self.project, [sid])
        else:
            self.store.mark_done(self.project, [sid])
        self.reload()
        return sid in self.state.done

    def set_phase(self, phase: str | None) -> None:
        self.store.set_phase(self.project, phase)
        self.reload()

    def set_roles(self, roles: list[str]) -> None:
        self.store.set_roles(self.project, roles)
        self.reload()

    def reload(self) -> ProjectState:
        """Read the project's state again (others may have changed it)."""
        self.state = self.store.load(self.project)
        return self.state

    # --- projects --------------------------------------------------------------------
    def projects(self) -> list[ProjectInfo]:
        return self.store.projects()

    def create_project(self, name: str) -> None:
        self.store.create(name)

    def switch_project(self, name: str) -> None:
        """Work on another project from now on (also saved as the current project in the
        personal settings). ``ProjectError`` if the store has no such project."""
        from guide_assistant.settings import save_settings

        name = name.strip()
        state = self.store.load(name)  # raises UnknownProject (``default`` always exists)
        self.project, self.state = name, state
        save_settings(project=name)
