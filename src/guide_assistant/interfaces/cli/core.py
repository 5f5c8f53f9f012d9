"""What the commands do, apart from the CLI framework: the global options settled, the
helpers every command uses (the knowledge, the progress store, the search engine, errors
with their exit status), the start of the UI and the bodies of ``ask``, ``search`` and
``index build``.

cli.py declares the commands with Typer and calls these; cli_fast.py calls the same
functions for a plain ``ask``, ``search`` or UI start without importing Typer. Nothing here imports
Typer: a message goes to the stream with ``echo``, an error exits with ``SystemExit``
(what Typer's ``Exit`` comes to).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NoReturn

from pydantic import BaseModel, StrictInt, StrictStr, ValidationError

from guide_assistant.common.config import ConfigError, Paths, find_paths
from guide_assistant.common.i18n import N_, _, set_language
from guide_assistant.common.safetext import for_terminal, json_for_terminal
from guide_assistant.common.startup import started
from guide_assistant.interfaces.cli.terminal import print_markdown


class BatchLine(BaseModel):
    """A line of ``search --batch``: ``{"id": "q1" or 1, "question": "..."}``."""

    id: StrictStr | StrictInt
    question: StrictStr


@dataclass
class Globals:
    """The global options, for every command (``ctx.obj``)."""

    lang: str = "en"
    project: str | None = None
    user: str | None = None
    state: Path | None = None


def echo(message: object, err: bool = False) -> None:
    """A line to standard output (or error), its control characters and escape sequences
    removed: guide text, notes and names never drive the terminal (common/safetext.py)."""
    print(for_terminal(str(message)), file=sys.stderr if err else sys.stdout, flush=True)


def err(message: str, code: int) -> SystemExit:
    """``message`` on stderr; the exit to raise, with status ``code``."""
    echo(message, err=True)
    return SystemExit(code)


def settle_globals(state: Path | None, lang: str | None, project: str | None, user: str | None) -> Globals:
    """The interface language (the option, else the saved setting, else the locale; an
    unknown one exits 2), the settings' warnings on stderr, and the global options."""
    from guide_assistant.common.i18n import LANGUAGES, UnknownLanguage, resolve_language
    from guide_assistant.common.settings import load_settings

    warnings: list[str] = []
    settings = load_settings(warnings)
    try:
        language = resolve_language(lang, settings.lang)
    except UnknownLanguage as e:
        raise err(
            _("error: unknown language '{value}'; valid languages: {valid}").format(value=e.value, valid=", ".join(LANGUAGES)), 2
        ) from None
    set_language(language)
    for w in warnings:
        echo(_("warning: {warning}").format(warning=w), err=True)
    return Globals(lang=language, project=project or os.environ.get("GUIDE_ASSISTANT_PROJECT") or None, user=user, state=state)


UiStarter = Callable[[Paths, "Path | None", "str | None", "str | None"], None]
_start_ui: UiStarter | None = None


def use_ui(start: UiStarter) -> None:
    """How the UI starts (paths, --state, --project, --user): said by the process entry
    point (interfaces/process.py), so that the command line does not import the UI."""
    global _start_ui
    _start_ui = start


def run_ui(g: Globals) -> None:
    """With no command: the terminal UI, for the chosen project."""
    from guide_assistant.service import KnowledgeError, ProjectError, StoreError

    if _start_ui is None:
        raise RuntimeError("no UI: the process entry point (interfaces/process.py) calls use_ui first")
    where = paths()
    try:
        _start_ui(where, g.state, g.project, g.user)
    except KnowledgeError as e:
        knowledge_invalid(e)
    except ProjectError as e:
        raise err(_("error: {problem}").format(problem=e), 2) from None
    except StoreError as e:
        raise err(_("error: {problem}").format(problem=e), 1) from None


ServerStarter = Callable[[str, int, "str | None", int, "Path | None"], None]
_start_server: ServerStarter | None = None


def use_server(start: ServerStarter) -> None:
    """How the web server starts (host, port, token, workers, --state): said by the process
    entry point, so that the command line does not import the web app."""
    global _start_server
    _start_server = start


def serve(g: Globals, host: str, port: int, token: str | None, workers: int) -> None:
    """``serve``: the web app on ``host``:``port`` until interrupted. A host that is not a
    loopback address needs an access token (exit 2 without one)."""
    from guide_assistant.service import KnowledgeError, StoreError

    if _start_server is None:
        raise RuntimeError("no web server: the process entry point (interfaces/process.py) calls use_server first")
    paths()  # the guides must be found from here (exit 2 otherwise)
    try:
        _start_server(host, port, token, workers, g.state)
    except KnowledgeError as e:
        knowledge_invalid(e)
    except StoreError as e:
        raise err(_("error: {problem}").format(problem=e), 1) from None
    except ValueError as e:  # NeedsToken
        raise err(
            _("error: {host} is not a loopback address: give an access token (--token or GUIDE_ASSISTANT_TOKEN)").format(host=e), 2
        ) from None


def check_format(fmt: str | None, valid: tuple[str, ...]) -> str | None:
    """``fmt`` if it is one of ``valid`` (None: the command's default), else exit 2 listing them."""
    if fmt is not None and fmt not in valid:
        raise err(_("error: unknown format '{fmt}'; valid formats: {valid}").format(fmt=fmt, valid=", ".join(valid)), 2)
    return fmt


def paths() -> Paths:
    try:
        return find_paths()
    except ConfigError as e:
        raise err(_("error: {problem}").format(problem=e), 2) from None


def knowledge_invalid(e: Exception, message: str = N_("error: the knowledge base is invalid:")) -> NoReturn:
    """Exit 1 with ``message`` and the problems (``file:line: message``) on stderr."""
    echo(_(message), err=True)
    for p in getattr(e, "problems", []):
        echo(str(p), err=True)
    raise SystemExit(1) from None


def kb():
    from guide_assistant.service import KnowledgeError, knowledge

    try:
        return knowledge(paths())
    except KnowledgeError as e:
        knowledge_invalid(e)


def print_json(data) -> None:
    sys.stdout.write(json_for_terminal(json.dumps(data, ensure_ascii=False, indent=2)) + "\n")


def resolve(kb, kind: str, values: list[str] | None) -> list[str]:
    from guide_assistant.service import UnknownValue, resolve_phase, resolve_role

    fn = resolve_phase if kind == "phase" else resolve_role
    out: list[str] = []
    for v in values or []:
        try:
            out.append(fn(kb, v))
        except UnknownValue as e:
            raise err(_("error: {problem}").format(problem=e), 2) from None
    return out


def store_for(g: Globals, state: Path | None):
    """The progress store: the command's --state, else the global --state, else
    GUIDE_ASSISTANT_STATE, else the user data folder; changes logged as --user."""
    from guide_assistant.service import progress_store

    return progress_store(state or g.state, user=g.user)


def project_of(g: Globals, store) -> str:
    """The chosen project: --project, GUIDE_ASSISTANT_PROJECT, `projects use` (if ``store``
    holds it), else default."""
    from guide_assistant.service import current_project

    return current_project(g.project, store)


def store_do(store, action):
    """``action()`` on the store; what the store reports goes to stderr, its errors exit
    with 2 (a project that cannot be used) or 1 (a store that cannot be read or written)."""
    import sqlite3

    from guide_assistant.service import ProjectError, StoreError

    failure: tuple[str, int] | None = None
    try:
        result = action()
    except ProjectError as e:
        failure = (_("error: {problem}").format(problem=e), 2)
    except StoreError as e:
        failure = (_("error: {problem}").format(problem=e), 1)
    except (OSError, sqlite3.Error) as e:
        failure = (
            _("error: cannot use the progress store {path}: {problem}").format(path=store.path, problem=getattr(e, "strerror", None) or e),
            1,
        )
    for n in store.notices:
        echo(_("note: {notice}").format(notice=n), err=True)
    for w in store.warnings:
        echo(_("warning: {warning}").format(warning=w), err=True)
    store.notices.clear()
    store.warnings.clear()
    if failure is not None:
        raise err(*failure)
    return result


def load_state(store, g: Globals):
    """The chosen project's saved state."""
    project = project_of(g, store)
    return store_do(store, lambda: store.load(project))


def warn_if_guidance_changed(kb) -> None:
    """A guide replaced in place and not yet re-anchored: its line references are stale."""
    from guide_assistant.service import unanchored_guides

    changed = unanchored_guides(kb)
    if changed:
        echo(
            _(
                "warning: the guidance changed ({files}) since the knowledge was anchored; line references may "
                "point at old text until `guide-assistant index build` moves them"
            ).format(files=", ".join(changed)),
            err=True,
        )


def warn_if_index_stale(search_engine) -> None:
    """The index was built from other guides or knowledge than now (after `kb update`, or
    while a build re-anchors): say so, and whether the cited lines were moved to the current text."""
    stale = search_engine.index_stale
    if not stale:
        return
    if search_engine.lines_mapped:
        message = _(
            "warning: the index was built from an earlier version of {files}; the cited lines are mapped to the "
            "current text; run `guide-assistant index build`"
        )
    else:
        message = _(
            "warning: the index was built from an earlier version of {files}; cited lines may be out of date "
            "until you run `guide-assistant index build`"
        )
    echo(message.format(files=", ".join(stale)), err=True)


def index_build(full: bool, embedder: str | None) -> None:
    """``index build``: build or update the index, its figures on stderr."""
    from guide_assistant.service import AnchorError, EmbedderError, IndexBusy, KnowledgeError, build_index

    where = paths()
    try:
        result = build_index(where, embedder, full=full, progress=True)
    except KnowledgeError as e:
        knowledge_invalid(e, N_("error: the knowledge base is invalid; the old index is left as it was:"))
    except AnchorError as e:
        echo(_("error: cannot re-anchor; the knowledge is left as it was:"), err=True)
        for p in e.problems:
            echo(p, err=True)
        raise err(_("the old index is left as it was"), 1) from None
    except (IndexBusy, EmbedderError) as e:
        raise err(_("error: {problem}").format(problem=e), 1) from None
    except OSError as e:
        raise err(_("error: cannot write the index in {path}: {problem}").format(path=where.index, problem=e.strerror or e), 1) from None
    for report in result.reanchored:
        echo(_("guide updated: {summary}; see `guide-assistant kb changes`").format(summary=report.summary()), err=True)
    if result.unchanged:
        echo(
            _("index is up to date: {passages} passages (nothing to embed) [{seconds}s]").format(
                passages=result.passages, seconds=f"{result.seconds:.2f}"
            ),
            err=True,
        )
    else:
        echo(
            _("index built: {passages} passages, {embedded} embedded, {reused} reused [{seconds}s] -> {folder}").format(
                passages=result.passages,
                embedded=result.embedded,
                reused=result.reused,
                seconds=f"{result.seconds:.1f}",
                folder=where.rel(result.folder) if result.folder else "",
            ),
            err=True,
        )


def engine(embedder: str | None, kb=None):
    """The search engine over the current index (built first if there is none)."""
    from guide_assistant.service import IndexError_, IndexMissing, search_engine

    where = paths()
    try:
        return search_engine(where, embedder, kb=kb)
    except IndexMissing:
        echo(_("no index yet: building it (once)..."), err=True)
        index_build(full=False, embedder=embedder)
        try:
            return search_engine(where, embedder, kb=kb)
        except IndexError_ as e:
            raise err(_("error: {problem}").format(problem=e), 1) from None
    except IndexError_ as e:
        raise err(_("error: {problem}").format(problem=e), 1) from None


ASK_FORMATS = ("text", "md", "json")


def ask(
    g: Globals,
    question: list[str],
    phase: list[str] | None = None,
    role: list[str] | None = None,
    json_out: bool = False,
    fmt: str | None = None,
    state: Path | None = None,
    continue_: bool = False,
    conversation: str | None = None,
    originals: bool = False,
    chat: Path | None = None,
    embedder: str | None = None,
) -> None:
    """``ask``: the answer (Markdown, or JSON), the turn logged in the conversation store."""
    from guide_assistant import service
    from guide_assistant.service import UnknownConversation, new_conversation

    fmt = check_format(fmt, ASK_FORMATS)
    json_out = json_out or fmt == "json"
    text = " ".join(question)
    if text == "-":  # the question on standard input
        data = sys.stdin.buffer.read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise err(_("error: the question on standard input is not UTF-8 text (byte {byte})").format(byte=e.start), 2) from None
    from guide_assistant.service import readable_question

    if not readable_question(text):  # nothing but blanks or control characters
        raise err(_("error: the question is empty"), 2)
    knowledge = kb()
    warn_if_guidance_changed(knowledge)
    phases, roles = resolve(knowledge, "phase", phase), resolve(knowledge, "role", role)
    st = load_state(store_for(g, state), g)
    chats = service.conversations(chat)
    try:
        conv = chats.get(conversation) if conversation else chats.latest() if continue_ else new_conversation()
    except UnknownConversation as e:
        raise err(_("error: {problem}").format(problem=e), 2) from None
    search_engine = engine(embedder, knowledge)
    warn_if_index_stale(search_engine)
    answer, conv = service.ask(
        knowledge, search_engine, chats, conv, text, phases=phases or None, roles=roles or None, state=st, originals=originals
    )
    if chats.warning:
        echo(_("warning: {warning}").format(warning=chats.warning), err=True)
    if json_out:
        data = answer.model_dump(mode="json")
        if search_engine.index_stale:  # contracts.md, extended: present (true) only when the index is out of date
            data["index_stale"] = True
            data["lines_mapped"] = search_engine.lines_mapped
        print_json(data)
        return
    # the answer is written in the question's language (not the interface language), Markdown
    markdown = answer.answer + "\n"
    if st.phase and answer.intent != "phase" and answer.next_activities:
        from guide_assistant.service import label

        label_ = label(answer.language, "next_short")
        shown = list({n.id: n for n in answer.next_activities}.values())[:4]  # an activity once, also when it is next twice
        names = [n.title if answer.language == "en" else n.title_original for n in shown]
        markdown += f"\n{label_}: " + "; ".join(f"{t} ({n.id})" for t, n in zip(names, shown)) + "\n"
    print_markdown(markdown, fmt)


SEARCH_MODES = ("hybrid", "dense", "lexical")


def search(
    query: str | None = None,
    batch: BinaryIO | None = None,
    top_k: int = 10,
    mode: str = "hybrid",
    phase: list[str] | None = None,
    role: list[str] | None = None,
    json_out: bool = False,
    embedder: str | None = None,
) -> None:
    """``search``: ranked passages for a question, or a JSON line per question of ``batch``."""
    if mode not in SEARCH_MODES:
        raise err(_("error: unknown mode '{mode}'; valid modes: {valid}").format(mode=mode, valid=", ".join(SEARCH_MODES)), 2)
    if (query is None) == (batch is None):
        raise err(_("error: give a QUERY or --batch FILE (not both)"), 2)
    knowledge = kb()
    phases, roles = resolve(knowledge, "phase", phase), resolve(knowledge, "role", role)
    from guide_assistant.service import searcher

    search_engine = engine(embedder, knowledge)
    warn_if_index_stale(search_engine)
    stale = {"index_stale": True} if search_engine.index_stale else {}  # on each hit, only when the index is out of date
    run = searcher(knowledge, search_engine, top_k, mode, phases, roles)

    if batch is not None:
        started()  # one process for many questions: collect garbage as usual
        name = getattr(batch, "name", "-")
        for n, raw in enumerate(batch, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise err(_("error: {file}:{line}: not UTF-8 text (byte {byte})").format(file=name, line=n, byte=e.start), 2) from None
            if not line.strip():
                continue
            try:
                row = BatchLine.model_validate_json(line)
                qid, question = row.id, row.question
            except ValidationError as e:  # not JSON, too deeply nested, or not {"id": str | int, "question": str}
                first = e.errors()[0]
                where = ".".join(str(x) for x in first["loc"][:1])
                raise err(
                    _("error: {file}:{line}: expected a JSON object with 'id' and 'question' ({problem})").format(
                        file=name, line=n, problem=f"{where}: {first['msg']}" if where else first["msg"]
                    ),
                    2,
                ) from None
            hits = run(question)
            sys.stdout.write(
                json_for_terminal(json.dumps({"id": qid, "hits": [{**h.model_dump(), **stale} for h in hits]}, ensure_ascii=False)) + "\n"
            )
        return
    hits = run(query or "")
    if json_out:
        print_json([{**h.model_dump(), **stale} for h in hits])
        return
    if not hits:
        echo(_("no passages found"))
    score_word = _("score")
    for r, h in enumerate(hits, 1):
        echo(f"{r:2d}. {h.source}:{h.line_start}-{h.line_end}  {h.section}  [{', '.join(h.phases)}]  {score_word} {h.score:.4f}")
        snippet = " ".join(h.text.split())
        echo(f"    {snippet[:220]}{'…' if len(snippet) > 220 else ''}")
