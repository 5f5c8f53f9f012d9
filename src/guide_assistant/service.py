"""The one facade every interface calls: the command line, the terminal UI and the web.

It is the only place that wires the knowledge, the index, the stores and the answers
together. Two shapes, for the two ways the interfaces work:

- ``Assistant``: one interactive session (the UI, the web): the knowledge, the search
  engine, the composer, the chosen project's state and the conversation, held open.
- the functions below it: what one command does (``ask``, ``search``, ``checklist``,
  ``next``, ``progress``, ``projects``, exports, ``index``, ``kb``), each loading only what
  it needs, so that a command starts as fast as before.

The interfaces import the result models and the errors they catch from here too, never
from the layers below (an import-linter contract in pyproject.toml). The heavy parts (the
search machinery, the extractors, the office formats) are imported where they are used:
the UI is on screen, and a plain ``ask`` answers, before they load.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guide_assistant.answers.model import Answer, without_sources
from guide_assistant.checklist.next_steps import NextActivity, done_steps, next_activities, phase_progress
from guide_assistant.checklist.rows import HUKI_NAMES, ActivityOut, checklist, phase_title, review_mark, role_names
from guide_assistant.checklist.state import ProjectState
from guide_assistant.common.config import Paths
from guide_assistant.common.i18n import N_, _
from guide_assistant.exports.markdown import checklist_markdown, conversation_markdown
from guide_assistant.indexing.layout import IndexBusy, IndexError_
from guide_assistant.indexing.snapshot import load_knowledge
from guide_assistant.kb.errors import KnowledgeError
from guide_assistant.kb.load import Guide, KnowledgeBase
from guide_assistant.stores.base import ConversationLog, ProgressStore
from guide_assistant.stores.conversations import (
    Conversation,
    ConversationStore,
    ConversationSummary,
    UnknownConversation,
    add_turn,
    conversation_path,
    new_conversation,
)
from guide_assistant.stores.progress import (
    DEFAULT_PROJECT,
    ENV_PROJECT,
    LogEntry,
    ProjectError,
    ProjectInfo,
    ProjectStore,
    StoreError,
    state_path,
)

if TYPE_CHECKING:
    from guide_assistant.answers.composer import Composer
    from guide_assistant.indexing.build import BuildResult, Status
    from guide_assistant.kb.anchoring import Report
    from guide_assistant.kb.ingest import AddResult
    from guide_assistant.kb.ingest.draft import DraftResult
    from guide_assistant.kb.quality import Quality
    from guide_assistant.retrieval.hits import Hit
    from guide_assistant.retrieval.search import SearchEngine

__all__ = [
    "DEFAULT_PROJECT",
    "HUKI_NAMES",
    "ActivityOut",
    "Answer",
    "Assistant",
    "Citation",
    "Conversation",
    "ConversationStore",
    "ConversationSummary",
    "Guide",
    "GuideLine",
    "GuideLines",
    "IndexBusy",
    "IndexError_",
    "KnowledgeBase",
    "KnowledgeError",
    "Library",
    "LinesOutOfRange",
    "LogEntry",
    "NextActivity",
    "Paths",
    "ProjectError",
    "ProjectInfo",
    "ProjectState",
    "ProjectStore",
    "StoreError",
    "UnknownConversation",
    "UnknownGuide",
    "UnknownStep",
    "checklist",
    "checklist_markdown",
    "conversation_markdown",
    "done_steps",
    "new_conversation",
    "next_activities",
    "phase_progress",
    "phase_title",
    "review_mark",
    "role_names",
    "without_sources",
]


def resolve_project(explicit: str | None = None, store: ProgressStore | None = None) -> str:
    """Which project: ``explicit`` (``--project``), ``GUIDE_ASSISTANT_PROJECT``, the saved
    setting (``projects use``), else ``default``. A saved project that ``store`` does not
    hold (it was chosen in another store) gives ``default``, with a warning in the store's
    ``warnings``; a project named explicitly must exist (the store's methods say so)."""
    if explicit and explicit.strip():
        return explicit.strip()
    env = os.environ.get(ENV_PROJECT, "").strip()
    if env:
        return env
    from guide_assistant.common.settings import load_settings

    saved = (load_settings().project or "").strip()
    if saved and store is not None and saved != DEFAULT_PROJECT and not store.exists(saved):
        store.warnings.append(
            _("the current project '{name}' (your saved setting) is not in {path}; '{default}' is used").format(
                name=saved, path=store.path, default=DEFAULT_PROJECT
            )
        )
        return DEFAULT_PROJECT
    return saved or DEFAULT_PROJECT


def ask_in(
    conversation: Conversation,
    store: ConversationLog,
    composer: Composer,
    question: str,
    *,
    phases: list[str] | None = None,
    roles: list[str] | None = None,
    state: ProjectState | None = None,
    originals: bool = False,
) -> tuple[Answer, Conversation]:
    """Answer a question as the next turn of a conversation ("that" refers to its last
    answer) and log the turn. The CLI and the UI both ask through this."""
    answer = composer.ask(question, phases, roles, state, previous=conversation.last_answer, originals=originals)
    conv = add_turn(conversation, answer)
    try:
        store.save(conv)
    except OSError as e:  # the answer still counts; the log could not be written
        store.warning = _("the conversation could not be saved to {path}: {error}").format(path=store.path, error=e)
    return conv.turns[-1].answer, conv


CHANGE_KINDS = {"reworded": N_("reworded: {what} (lines {start}–{end})"), "removed": N_("removed: {what} (lines {start}–{end})")}


class Assistant:
    def __init__(
        self,
        paths: Paths,
        state_file: Path | None = None,
        chat_file: Path | None = None,
        project: str | None = None,
        user: str | None = None,
    ):
        """``project``: as ``--project`` (default: GUIDE_ASSISTANT_PROJECT, the saved setting,
        ``default``); ``user``: who is logged for changes (default: the OS user). Raises
        ``ProjectError`` for a project the store does not have and ``StoreError`` for a store
        that cannot be used (e.g. written by a newer version)."""
        self.paths = paths
        self.kb: KnowledgeBase = load_knowledge(paths)
        self.store: ProgressStore = ProjectStore(state_path(state_file), user=user)
        self.project: str = resolve_project(project, self.store)
        self.state: ProjectState = self.store.load(self.project)
        self.chat_store: ConversationLog = ConversationStore(conversation_path(chat_file))
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

    def rebuild_index(self, progress: Any = None, full: bool = False) -> BuildResult:
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
            from guide_assistant.answers.composer import Composer
            from guide_assistant.retrieval.search import SearchEngine

            self._engine = SearchEngine(self.paths, kb=self.kb)
            _ = self._engine.embedder  # load the model now, not at the first question
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
                out.append(
                    (
                        _("new text, lines {start}–{end}: {words} …").format(start=u.lines[0], end=u.lines[1], words=words),
                        r.source,
                        u.lines[0],
                        u.lines[1],
                        _("new text"),
                    )
                )
            moved = [(c, c.new) for c in r.changes if c.kind == "moved" and c.new]
            if moved:
                first, (start, end) = min(moved, key=lambda m: m[1][0])
                out.append(
                    (
                        _("{count} references moved (first: {what}, now lines {start}–{end})").format(
                            count=len(moved), what=first.what, start=start, end=end
                        ),
                        r.source,
                        start,
                        end,
                        first.section,
                    )
                )
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
        self.set_step(sid, sid not in self.state.done)
        return sid in self.state.done

    def done_steps(self) -> set[str]:
        """The steps done in the project (an activity ticked whole counts for its steps)."""
        return done_steps(self.kb, self.state.done)

    def set_step(self, sid: str, done: bool) -> bool:
        """Tick (``done``) or un-tick a step as the person asked, whatever it was meanwhile: a
        step a colleague ticked since it was shown stays ticked when ticked again (nothing is
        undone by a stale view). Saved at once, then the state is read again."""
        if done:
            self.store.mark_done(self.project, [sid])
        else:
            self.store.mark_undone(self.project, [sid])
        self.reload()
        return sid in self.done_steps()

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
        from guide_assistant.common.settings import save_settings

        name = name.strip()
        state = self.store.load(name)  # raises UnknownProject (``default`` always exists)
        self.project, self.state = name, state
        save_settings(project=name)


# --- the errors the commands catch, from the layers that raise them (imported when caught) ----


def __getattr__(name: str) -> Any:
    """The errors of the heavier parts, imported only when a command catches one: a plain
    ``ask`` does not load the extractors, the re-anchoring or the embedders to name them."""
    if name in ("EmbedderError",):
        from guide_assistant.indexing.embedders import EmbedderError

        return EmbedderError
    if name in ("IndexMissing",):
        from guide_assistant.indexing.layout import IndexMissing

        return IndexMissing
    if name == "AnchorError":
        from guide_assistant.kb.anchoring import AnchorError

        return AnchorError
    if name == "IngestError":
        from guide_assistant.kb.ingest import IngestError

        return IngestError
    if name == "DraftError":
        from guide_assistant.kb.ingest.draft import DraftError

        return DraftError
    if name == "DictionaryMissing":
        from guide_assistant.kb.garble import DictionaryMissing

        return DictionaryMissing
    if name == "UnknownValue":
        from guide_assistant.kb.lookup import UnknownValue

        return UnknownValue
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- knowledge ----------------------------------------------------------------------------


def knowledge(paths: Paths) -> KnowledgeBase:
    """The knowledge base (from the index's snapshot when it matches the files);
    KnowledgeError with every problem."""
    return load_knowledge(paths)


def validate_knowledge(paths: Paths, fidelity: bool = True) -> tuple[KnowledgeBase | None, list[Any], list[Any]]:
    """``kb validate``: the knowledge parsed and checked (never the snapshot), its problems
    and its warnings (items under review)."""
    from guide_assistant.kb.load import validate_knowledge as validate

    return validate(paths, check_fidelity=fidelity)


def resolve_phase(kb: KnowledgeBase, value: str) -> str:
    """A phase id from an id, number, name or alias; UnknownValue listing the valid ones."""
    from guide_assistant.kb.lookup import resolve_phase as resolve

    return resolve(kb, value)


def resolve_role(kb: KnowledgeBase, value: str) -> str:
    from guide_assistant.kb.lookup import resolve_role as resolve

    return resolve(kb, value)


def unanchored_guides(kb: KnowledgeBase) -> list[str]:
    """Guides replaced in place that the knowledge has not been re-anchored to yet: their
    line references may point at old text until the next ``index build``."""
    from guide_assistant.kb.anchored import changed_files

    return changed_files(kb.paths, [g.entry.file for g in kb.guides.values()])


def find_guide(kb: KnowledgeBase, source: str) -> Guide | None:
    """A guide by its id or its file name."""
    return kb.guides.get(source) or next((g for g in kb.guides.values() if g.entry.file == source), None)


def step_ids(kb: KnowledgeBase) -> set[str]:
    """Every activity id and step id that ``progress done`` and ``undo`` accept."""
    from guide_assistant.kb.load import step_id

    return {a.id for _, a in kb.activities} | {step_id(a, i) for _, a in kb.activities for i in range(len(a.steps))}


def update_guide(paths: Paths, source_id: str, new_file: Path, force: bool = False) -> Report:
    """``kb update``: install a new version of a guide, every reference re-anchored;
    AnchorError with the problems (the knowledge left as it was): an empty file, or
    (without ``force``) one that would remove most references, is refused."""
    from guide_assistant.kb.anchoring import update_source

    return update_source(paths, source_id, new_file, force=force)


class UnknownGuide(ValueError):
    def __init__(self, value: str, valid: list[str]):
        super().__init__(value)
        self.value, self.valid = value, valid


@dataclass
class GuideChanges:
    """One guide's changes since the knowledge was anchored: ``markdown`` None for none."""

    title: str
    file: str
    markdown: str | None


def guide_changes(paths: Paths, source_id: str | None = None) -> list[GuideChanges]:
    """``kb changes``: what changed in each guide (or one): the pending report of a guide
    saved in place, else the report of its last update. UnknownGuide for an id the
    registry does not have; KnowledgeError for a registry that cannot be read; AnchorError."""
    from guide_assistant.kb.anchoring import load_report, pending_report
    from guide_assistant.kb.change_report import render
    from guide_assistant.kb.schema import SourcesFile
    from guide_assistant.kb.yamlio import load_model

    reg, _lines, problems = load_model(paths.knowledge / "sources.yaml", "knowledge/sources.yaml", SourcesFile)
    if reg is None:
        raise KnowledgeError(problems)
    ids = [s.id for s in reg.sources]
    if source_id is not None and source_id not in ids:
        raise UnknownGuide(source_id, ids)
    out: list[GuideChanges] = []
    for s in reg.sources:
        if source_id is not None and s.id != source_id:
            continue
        pending = pending_report(paths, s.id)
        report = pending or load_report(paths, s.id)
        out.append(GuideChanges(s.title, s.file, None if report is None else render(report, s.title, pending=pending is not None)))
    return out


def guide_quality(kb: KnowledgeBase) -> list[Quality]:
    """``kb quality``: unknown and garbled words per guide, before and after cleanup;
    DictionaryMissing without the hunspell dictionaries."""
    from guide_assistant.kb.quality import measure

    return [measure(g) for g in kb.guides.values()]


def add_guide(
    paths: Paths,
    file: Path,
    source_id: str | None = None,
    title: str | None = None,
    language: str | None = None,
    publisher: str | None = None,
    log: Callable[[str], None] = lambda s: None,
) -> AddResult:
    """``kb add``: a guide in the format it arrived in, extracted, registered, its sections'
    phases suggested with the default embedder; IngestError, KnowledgeError, EmbedderError,
    OSError (nothing added)."""
    from guide_assistant.indexing.embedders import load_embedder
    from guide_assistant.kb.ingest import add_guide as add

    return add(paths, file, source_id, title, language, publisher, load_embedder=load_embedder, log=log)


def draft_activities(kb: KnowledgeBase, source: str, force: bool = False) -> DraftResult:
    """``kb draft``: activities drafted from a guide's headings and lists (review: draft)."""
    from guide_assistant.indexing.embedders import load_embedder
    from guide_assistant.kb.ingest.draft import draft

    return draft(kb, source, force, load_embedder=load_embedder)


# --- the index --------------------------------------------------------------------------------


def build_index(paths: Paths, embedder: str | None = None, full: bool = False, progress: Any = False) -> BuildResult:
    """``index build``: re-anchor guides changed in place, then build or update the index
    (only changed passages embedded); KnowledgeError, IndexBusy, EmbedderError, OSError."""
    from guide_assistant.indexing.build import build_index as build

    return build(paths, embedder, full=full, progress=progress)


def index_status(paths: Paths, embedder: str | None = None, check_knowledge: bool = True) -> Status:
    from guide_assistant.indexing.build import index_status as status

    return status(paths, embedder, check_knowledge=check_knowledge)


def search_engine(paths: Paths, embedder: str | None = None, kb: KnowledgeBase | None = None) -> SearchEngine:
    """The search engine over the current index; IndexMissing when there is none yet,
    IndexError_ for one that cannot be used."""
    from guide_assistant.retrieval.search import SearchEngine

    return SearchEngine(paths, embedder, kb=kb)


# --- answers and search --------------------------------------------------------------------


def ask(
    kb: KnowledgeBase,
    engine: SearchEngine,
    chats: ConversationLog,
    conversation: Conversation,
    question: str,
    *,
    phases: list[str] | None = None,
    roles: list[str] | None = None,
    state: ProjectState | None = None,
    originals: bool = False,
) -> tuple[Answer, Conversation]:
    """``ask``: the answer to ``question`` as the next turn of ``conversation`` (a follow-up
    refers to its last answer), the turn logged in ``chats``."""
    from guide_assistant.answers.composer import Composer

    return ask_in(conversation, chats, Composer(kb, engine), question, phases=phases, roles=roles, state=state, originals=originals)


def readable_question(text: str) -> str:
    """The question as it is read and searched: control characters dropped, cut to its
    first 1,000 characters; "" when nothing is left."""
    from guide_assistant.retrieval.query import clean_question

    return clean_question(text)[0]


def conversations(path: Path | None = None) -> ConversationLog:
    """The conversation store: ``path``, else GUIDE_ASSISTANT_CHAT, else the user data folder."""
    return ConversationStore(conversation_path(path))


def searcher(
    kb: KnowledgeBase,
    engine: SearchEngine,
    top_k: int = 10,
    mode: str = "hybrid",
    phases: list[str] | None = None,
    roles: list[str] | None = None,
) -> Callable[[str], list[Hit]]:
    """``search``: a function from a question to its ranked passages, the question read
    first for the phase and kind of item it prefers (the same reading ``ask`` makes)."""
    from guide_assistant.understanding.reading import Understander

    understander = Understander(kb, embed=engine.query_vector)

    def run(question: str) -> list[Hit]:
        return engine.search(question, top_k, mode, phases, roles, prefer=understander.preference(question))  # type: ignore[arg-type]

    return run


# --- progress, projects, exports --------------------------------------------------------------


def progress_store(path: Path | None = None, user: str | None = None) -> ProgressStore:
    """The progress store: ``path``, else GUIDE_ASSISTANT_STATE, else the user data folder;
    changes logged as ``user`` (default: the OS user)."""
    return ProjectStore(state_path(path), user=user)


def current_project(explicit: str | None, store: ProgressStore | None = None) -> str:
    """--project, GUIDE_ASSISTANT_PROJECT, `projects use` (if ``store`` holds it), else default."""
    return resolve_project(explicit, store)


def write_checklist(kb: KnowledgeBase, rows: list[ActivityOut], path: Path, fmt: str, roles: list[str] | None, lang: str) -> None:
    """The checklist as a spreadsheet (``xlsx``) or a Word document (``docx``); OSError."""
    from guide_assistant.exports.docx import write_docx
    from guide_assistant.exports.xlsx import write_xlsx

    (write_xlsx if fmt == "xlsx" else write_docx)(kb, rows, path, roles, lang)


def write_conversation_docx(conversation: Conversation, path: Path, lang: str) -> None:
    from guide_assistant.exports.docx import conversation_docx

    conversation_docx(conversation, path, lang)


def label(lang: str, key: str) -> str:
    """A word of the answers' own vocabulary (answers/labels.py) in the answer's language."""
    from guide_assistant.answers.labels import LABELS

    return LABELS[lang][key]


def phase_names(kb: KnowledgeBase, lang: str) -> dict[str, str]:
    return {p.id: getattr(p.name, lang) for p in kb.phases.phases}


def activities_by_id(kb: KnowledgeBase) -> dict[str, Any]:
    """Every activity by its id."""
    return {a.id: a for _g, a in kb.activities}


# --- a guide's lines and an answer's citations, as the web shows and serves them ----------------


class LinesOutOfRange(ValueError):
    def __init__(self, start: int, end: int, total: int):
        self.start, self.end, self.total = start, end, total
        super().__init__(_("lines {start}–{end} are not in the guide (it has {total} lines)").format(start=start, end=end, total=total))


@dataclass
class GuideLine:
    n: int
    raw: str  # the line as the source file holds it
    text: str  # the same line with OCR words fixed


@dataclass
class GuideLines:
    """Lines of one guide: the raw and the cleaned line each, and the readable text of the range."""

    guide: str  # the guide's id
    source: str  # its file name
    title: str
    language: str  # the guide's language tag: sv, nb, ...
    start: int
    end: int
    total: int
    lines: list[GuideLine]
    readable: str


def guide_lines(kb: KnowledgeBase, guide: str, start: int | None = None, end: int | None = None) -> GuideLines:
    """Lines ``start``..``end`` (1-based, inclusive; default: the whole guide) of a guide given by
    its id or file name; UnknownGuide, LinesOutOfRange."""
    g = find_guide(kb, guide)
    if g is None:
        raise UnknownGuide(guide, list(kb.guides))
    total = len(g.text.lines)
    a, b = start or 1, end or (total if start is None else start)
    if not g.text.in_range(a, b):
        raise LinesOutOfRange(a, b, total)
    lines = [GuideLine(n, raw, g.cleaner.clean_line(raw)[0] if raw.strip() else "") for n, raw in enumerate(g.text.span(a, b), a)]
    return GuideLines(g.entry.id, g.entry.file, g.entry.title, g.entry.language, a, b, total, lines, g.readable(a, b))


@dataclass
class Citation:
    """A citation of an answer as a page links it: ``[n]``, the guide (id and file), its lines and text."""

    n: int
    guide: str
    source: str
    title: str
    language: str  # the guide's language tag (the text is in it)
    start: int
    end: int
    section: str
    kind: str
    text: str  # the guide's words (readable)
    english: str  # an item's English text ("" for passages)


def citations(kb: KnowledgeBase, answer: Answer) -> list[Citation]:
    out: list[Citation] = []
    for n, h in enumerate(answer.citations, 1):
        g = find_guide(kb, h.source)
        gid, title, lang = (g.entry.id, g.entry.title, g.entry.language) if g else (h.source, h.source, h.language)
        out.append(Citation(n, gid, h.source, title, lang, h.line_start, h.line_end, h.section, h.kind, h.text, h.english))
    return out


def guide_languages(kb: KnowledgeBase) -> dict[str, str]:
    """Each guide's language tag, by its id."""
    return {gid: g.entry.language for gid, g in kb.guides.items()}


# --- one process serving many people (the web) -------------------------------------------------


class Library:
    """What a web server holds once per process and shares between its requests: the
    knowledge, the search engine and the composer (loaded once), the progress store (one
    connection per person, so the log names who changed what) and the conversations. Each
    request names its project and conversation; nothing here is one person's.

    The search engine keeps the last question's vectors and scores, so answers and searches
    run one at a time in a process (``engine_lock``); the stores are safe to use from many
    threads (each has its own lock; SQLite serialises the writers)."""

    MAX_STORES = 64  # connections kept open, one per person who changed something

    def __init__(self, paths: Paths, state_file: Path | None = None, chat_file: Path | None = None):
        import threading

        self.paths = paths
        self.kb: KnowledgeBase = load_knowledge(paths)
        self.state_file = state_path(state_file)
        self.chats: ConversationLog = ConversationStore(conversation_path(chat_file))
        self.engine_lock = threading.Lock()
        self._stores_lock = threading.Lock()
        self._stores: dict[str, ProgressStore] = {}
        self._engine: SearchEngine | None = None
        self._composer: Composer | None = None
        self._understander: Any = None
        self._step_ids: set[str] | None = None

    # --- search and answers ----------------------------------------------------------------
    def load_engine(self) -> SearchEngine:
        """The search engine, its model loaded (IndexMissing, IndexError_)."""
        with self.engine_lock:
            return self._load_engine()

    def _load_engine(self) -> SearchEngine:
        if self._engine is None:
            from guide_assistant.answers.composer import Composer
            from guide_assistant.retrieval.search import SearchEngine
            from guide_assistant.understanding.reading import Understander

            engine = SearchEngine(self.paths, kb=self.kb)
            _ = engine.embedder
            self._composer = Composer(self.kb, engine)
            self._understander = Understander(self.kb, embed=engine.query_vector)
            self._engine = engine
        return self._engine

    def ask(
        self,
        question: str,
        conversation: str | None = None,
        project: str = DEFAULT_PROJECT,
        *,
        phases: list[str] | None = None,
        roles: list[str] | None = None,
        originals: bool = False,
    ) -> tuple[Answer, Conversation]:
        """The answer as the next turn of conversation ``conversation`` (None: a new one),
        with the project's state; UnknownConversation, ProjectError, IndexError_."""
        state = self.store().load(project)
        with self.engine_lock:
            self._load_engine()
            assert self._composer is not None
            conv = self.chats.get(conversation) if conversation else new_conversation()
            return ask_in(conv, self.chats, self._composer, question, phases=phases, roles=roles, state=state, originals=originals)

    def search(
        self, question: str, top_k: int = 10, mode: str = "hybrid", phases: list[str] | None = None, roles: list[str] | None = None
    ) -> list[Hit]:
        with self.engine_lock:
            engine = self._load_engine()
            prefer = self._understander.preference(question)
            return engine.search(question, top_k, mode, phases, roles, prefer=prefer)  # type: ignore[arg-type]

    def conversation(self, cid: str) -> Conversation:
        return self.chats.get(cid)

    # --- progress ------------------------------------------------------------------------------
    def store(self, user: str | None = None) -> ProgressStore:
        """The progress store, changes logged as ``user`` (None: the reader's store)."""
        key = (user or "").strip()
        with self._stores_lock:
            store = self._stores.get(key)
            if store is None:
                if len(self._stores) >= self.MAX_STORES:
                    old = next(k for k in self._stores if k)
                    self._stores.pop(old).close()
                store = self._stores[key] = ProjectStore(self.state_file, user=key or None)
            return store

    def state(self, project: str) -> ProjectState:
        return self.store().load(project)

    def checklist(self, project: str, phases: list[str] | None = None, roles: list[str] | None = None) -> list[ActivityOut]:
        return checklist(self.kb, phases, roles, done_steps(self.kb, self.state(project).done))

    def next_activities(self, project: str, phase: str | None = None) -> list[NextActivity]:
        state = self.state(project)
        pid = phase or state.phase
        return next_activities(self.kb, pid, state.done) if pid else []

    def phase_progress(self, project: str) -> dict[str, tuple[int, int]]:
        return phase_progress(self.kb, self.state(project).done)

    def step_ids(self) -> set[str]:
        if self._step_ids is None:
            self._step_ids = step_ids(self.kb)
        return self._step_ids

    def tick(self, project: str, ids: list[str], done: bool, user: str | None = None) -> list[str]:
        """Tick (or un-tick) steps of ``project`` as ``user``: saved and logged at once; returns
        those that changed. UnknownStep for an id the checklist does not have."""
        valid = self.step_ids()
        for i in ids:
            if i not in valid:
                raise UnknownStep(i, valid)
        store = self.store(user)
        if project != DEFAULT_PROJECT:
            store.require(project)
        return store.mark_done(project, ids) if done else store.mark_undone(project, ids)

    def set_phase(self, project: str, phase: str | None, user: str | None = None) -> None:
        store = self.store(user)
        if project != DEFAULT_PROJECT:
            store.require(project)
        store.set_phase(project, phase)

    def log(self, project: str, limit: int | None = 50) -> list[LogEntry]:
        return self.store().log(project, limit)

    def projects(self) -> list[ProjectInfo]:
        return self.store().projects()

    def create_project(self, name: str, user: str | None = None) -> None:
        self.store(user).create(name)

    def close(self) -> None:
        with self._stores_lock:
            for s in self._stores.values():
                s.close()
            self._stores.clear()


class UnknownStep(ValueError):
    """A step or activity id the checklist does not have; ``near``: the closest ones."""

    def __init__(self, value: str, valid: set[str]):
        from difflib import get_close_matches

        self.value = value
        self.near = get_close_matches(value, sorted(valid), n=3)
        super().__init__(value)

    def __str__(self) -> str:
        if self.near:
            return _("error: unknown step or activity id '{value}'; did you mean: {near} (see `guide-assistant checklist`)").format(
                value=self.value, near=", ".join(self.near)
            )
        return _("error: unknown step or activity id '{value}' (see `guide-assistant checklist`)").format(value=self.value)
