"""The HTTP API under /api/v1 (OpenAPI at /api/v1/openapi.json). Errors are
``application/problem+json`` with the messages the command line gives.

The handlers are plain functions: FastAPI runs them in its thread pool, so a question being
answered (CPU-bound: the search) never holds up the other requests."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, Field

from guide_assistant.common.i18n import N_
from guide_assistant.interfaces.web.base import Problem, viewer_url, web
from guide_assistant.service import (
    DEFAULT_PROJECT,
    ActivityOut,
    LinesOutOfRange,
    NextActivity,
    ProjectError,
    ProjectInfo,
    StoreError,
    UnknownConversation,
    UnknownGuide,
    UnknownStep,
    citations,
    readable_question,
    resolve_phase,
    resolve_role,
)


class ProblemOut(BaseModel):
    """An error (RFC 9457), as ``application/problem+json``."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str


PROBLEM = {"description": "A problem (RFC 9457)", "model": ProblemOut}
ERRORS: dict[int | str, dict] = {400: PROBLEM, 401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, 422: PROBLEM}

router = APIRouter(prefix="/api/v1", tags=["v1"], responses=ERRORS)


class CitationOut(BaseModel):
    n: int = Field(description="the [n] of the answer")
    guide: str = Field(description="the guide's id")
    source: str = Field(description="the guide's file in knowledge/sources")
    start: int
    end: int
    section: str
    kind: str
    language: str = Field(description="the language of text: sv, nb, ...")
    text: str = Field(description="the guide's words (readable)")
    english: str = ""
    url: str = Field(description="the source viewer, at the cited lines")


class AskIn(BaseModel):
    question: str = Field(max_length=5000)
    conversation_id: str | None = Field(default=None, max_length=100, description="continue this conversation (a follow-up)")
    originals: bool = False
    phase: list[str] = Field(default=[], max_length=10)
    role: list[str] = Field(default=[], max_length=10)
    project: str | None = Field(default=None, max_length=100)


class AskOut(BaseModel):
    question: str
    language: str
    intent: str
    covered: bool
    phases: list[str]
    answer: str = Field(description="Markdown; [n] are the citations")
    conversation_id: str
    citations: list[CitationOut]
    next_activities: list[NextActivity]


class HitOut(BaseModel):
    source: str
    line_start: int
    line_end: int
    score: float
    section: str
    phases: list[str]
    roles: list[str]
    text: str
    kind: str
    url: str


class LineOut(BaseModel):
    n: int
    raw: str
    text: str


class LinesOut(BaseModel):
    guide: str
    source: str
    title: str
    language: str
    start: int
    end: int
    total: int
    readable: str
    lines: list[LineOut]


class ProjectIn(BaseModel):
    name: str = Field(max_length=200)


class TickIn(BaseModel):
    step: str = Field(max_length=300, description="a step id (or an activity id: all its steps)")
    project: str | None = Field(default=None, max_length=100)
    user: str | None = Field(default=None, max_length=100, description="who is logged (default: web)")


class TickOut(BaseModel):
    project: str
    step: str
    done: bool
    changed: bool = Field(description="whether this request changed it (false: it already was so)")


class IndexStatusOut(BaseModel):
    present: bool
    fresh: bool
    reasons: list[str]
    embedder_id: str | None
    passages: int
    built_at: str | None


def error(text: str, **values: object) -> str:
    """A CLI message ('error: ...'), in English, as the command line prints it (the API speaks English)."""
    return text.format(**values)


def _resolve(request: Request, kind: str, values: list[str]) -> list[str]:
    from guide_assistant.service import UnknownValue

    kb = web(request).library.kb
    fn = resolve_phase if kind == "phase" else resolve_role
    try:
        return [fn(kb, v) for v in values]
    except UnknownValue as e:
        raise Problem(400, error(N_("error: {problem}"), problem=e)) from None


def _project(request: Request, name: str | None) -> str:
    from guide_assistant.interfaces.web.base import project_of

    project = (name or "").strip() or project_of(request)
    lib = web(request).library
    if project != DEFAULT_PROJECT:
        try:
            lib.store().require(project)
        except ProjectError as e:
            raise Problem(404, error(N_("error: {problem}"), problem=e)) from None
    return project


@router.post("/ask", response_model=AskOut, summary="Answer a question (a follow-up with conversation_id)")
def ask(request: Request, body: AskIn) -> AskOut:
    text = readable_question(body.question)
    if not text:
        raise Problem(400, error(N_("error: the question is empty")))
    lib = web(request).library
    phases, roles = _resolve(request, "phase", body.phase), _resolve(request, "role", body.role)
    project = _project(request, body.project)
    try:
        answer, conv = lib.ask(
            body.question, body.conversation_id, project, phases=phases or None, roles=roles or None, originals=body.originals
        )
    except UnknownConversation as e:
        raise Problem(404, error(N_("error: {problem}"), problem=e)) from None
    cites = [CitationOut(url=viewer_url(c.guide, c.start, c.end), **c.__dict__) for c in citations(lib.kb, answer)]
    return AskOut(
        question=answer.question,
        language=answer.language,
        intent=answer.intent,
        covered=answer.covered,
        phases=answer.phases,
        answer=answer.answer,
        conversation_id=conv.id,
        citations=cites,
        next_activities=answer.next_activities,
    )


@router.get("/search", response_model=list[HitOut], summary="Ranked passages for a question")
def search(
    request: Request,
    q: Annotated[str, Query(max_length=5000)],
    top_k: Annotated[int, Query(ge=1, le=200)] = 10,
    mode: Literal["hybrid", "dense", "lexical"] = "hybrid",
    phase: Annotated[list[str] | None, Query(max_length=10)] = None,
    role: Annotated[list[str] | None, Query(max_length=10)] = None,
) -> list[HitOut]:
    if not readable_question(q):
        raise Problem(400, error(N_("error: the question is empty")))
    lib = web(request).library
    phases, roles = _resolve(request, "phase", phase or []), _resolve(request, "role", role or [])
    hits = lib.search(q, top_k, mode, phases or None, roles or None)
    out = []
    for h in hits:
        g = lib.kb.guide_for_file(h.source)
        out.append(HitOut(url=viewer_url(g.entry.id, h.line_start, h.line_end), **h.model_dump(include=set(HitOut.model_fields) - {"url"})))
    return out


@router.get("/guides/{guide}/lines", response_model=LinesOut, summary="A guide's lines: raw, cleaned, and readable")
def lines(
    request: Request,
    guide: str,
    start: Annotated[int | None, Query(ge=1)] = None,
    end: Annotated[int | None, Query(ge=1)] = None,
) -> LinesOut:
    from guide_assistant.service import guide_lines

    try:
        gl = guide_lines(web(request).library.kb, guide, start, end)
    except UnknownGuide as e:
        raise Problem(
            404, error(N_("error: unknown guide '{value}'; valid ids: {valid}"), value=e.value, valid=", ".join(e.valid))
        ) from None
    except LinesOutOfRange as e:
        raise Problem(
            400,
            "error: "
            + N_("lines {start}–{end} are not in the guide (it has {total} lines)").format(start=e.start, end=e.end, total=e.total),
        ) from None
    return LinesOut(
        guide=gl.guide,
        source=gl.source,
        title=gl.title,
        language=gl.language,
        start=gl.start,
        end=gl.end,
        total=gl.total,
        readable=gl.readable,
        lines=[LineOut(n=x.n, raw=x.raw, text=x.text) for x in gl.lines],
    )


@router.get("/checklist", response_model=list[ActivityOut], summary="Activities with steps, roles, deliverables, done marks")
def checklist(
    request: Request,
    phase: Annotated[list[str] | None, Query(max_length=10)] = None,
    role: Annotated[list[str] | None, Query(max_length=10)] = None,
    project: Annotated[str | None, Query(max_length=100)] = None,
) -> list[ActivityOut]:
    phases, roles = _resolve(request, "phase", phase or []), _resolve(request, "role", role or [])
    return web(request).library.checklist(_project(request, project), phases or None, roles or None)


@router.get("/next", response_model=list[NextActivity], summary="What comes next in a phase (default: the project's phase)")
def next_(
    request: Request,
    phase: Annotated[str | None, Query(max_length=100)] = None,
    project: Annotated[str | None, Query(max_length=100)] = None,
) -> list[NextActivity]:
    pid = _resolve(request, "phase", [phase])[0] if phase else None
    name = _project(request, project)
    lib = web(request).library
    if pid is None and lib.state(name).phase is None:
        raise Problem(400, error(N_("error: no phase: give --phase or save one with `guide-assistant progress set-phase PHASE`")))
    return lib.next_activities(name, pid)


@router.get("/projects", response_model=list[ProjectInfo], summary="The projects of the progress store")
def projects(request: Request) -> list[ProjectInfo]:
    return web(request).library.projects()


@router.post("/projects", response_model=ProjectInfo, status_code=201, summary="Create a project")
def create_project(request: Request, body: ProjectIn) -> ProjectInfo:
    lib = web(request).library
    try:
        lib.create_project(body.name)
    except ProjectError as e:
        raise Problem(409 if type(e).__name__ == "ProjectExists" else 400, error(N_("error: {problem}"), problem=e)) from None
    except StoreError as e:
        raise Problem(500, error(N_("error: {problem}"), problem=e)) from None
    name = body.name.strip()
    return next((p for p in lib.projects() if p.name == name), ProjectInfo(name=name, created_at=""))


def _tick(request: Request, body: TickIn, done: bool, key: str | None) -> TickOut:
    w = web(request)
    project = _project(request, body.project)

    def run() -> TickOut:
        try:
            changed = w.library.tick(project, [body.step], done, user=(body.user or "").strip() or "web")
        except UnknownStep as e:
            raise Problem(400, str(e)) from None
        return TickOut(project=project, step=body.step, done=done, changed=bool(changed))

    if not key:
        return run()
    scope = f"{'tick' if done else 'untick'}:{key}"
    with w.idempotent_lock:
        if scope in w.idempotent:
            return w.idempotent[scope]
    return w.remember(scope, run())


@router.post("/progress/tick", response_model=TickOut, summary="Tick a step (saved and logged at once)")
def tick(request: Request, body: TickIn, idempotency_key: Annotated[str | None, Header(max_length=200)] = None) -> TickOut:
    return _tick(request, body, True, idempotency_key)


@router.post("/progress/untick", response_model=TickOut, summary="Un-tick a step")
def untick(request: Request, body: TickIn, idempotency_key: Annotated[str | None, Header(max_length=200)] = None) -> TickOut:
    return _tick(request, body, False, idempotency_key)


@router.get("/index/status", response_model=IndexStatusOut, summary="Whether the index is present and fresh")
def index_status(request: Request) -> IndexStatusOut:
    from guide_assistant.service import index_status as status

    st = status(web(request).library.paths, check_knowledge=False)
    return IndexStatusOut(
        present=st.present, fresh=st.fresh, reasons=st.reasons, embedder_id=st.embedder_id, passages=st.passages, built_at=st.built_at
    )
