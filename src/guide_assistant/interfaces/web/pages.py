"""The pages: server-rendered, every one working with plain forms and links (JavaScript off);
with HTMX, asking, ticking a step and following up replace only what changed.

A form posts, then redirects to the page that shows the result (post/redirect/get); an
HTMX request (``HX-Request``) gets the changed fragment instead. The interface words come
from the gettext catalogs in the request's language; the guides' text is always escaped
(autoescape), with the guide's language on it."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from guide_assistant.common.i18n import LANGUAGES, N_, gettext
from guide_assistant.interfaces.web.base import (
    HTML_LANG,
    LANG_COOKIE,
    PROJECT_COOKIE,
    TOKEN_COOKIE,
    USER_COOKIE,
    Problem,
    check_csrf,
    language_of,
    project_of,
    render,
    safe_next,
    tr,
    user_of,
    viewer_url,
    web,
)
from guide_assistant.interfaces.web.render import markdown_tree
from guide_assistant.service import (
    DEFAULT_PROJECT,
    Conversation,
    LinesOutOfRange,
    ProjectError,
    UnknownConversation,
    UnknownGuide,
    UnknownStep,
    citations,
    guide_lines,
    phase_title,
    readable_question,
    role_names,
    without_sources,
)

router = APIRouter(include_in_schema=False)

NEXT_KINDS = {"activity": N_("activity"), "decision": N_("decision"), "next-phase": N_("next-phase"), "track": N_("track")}
ONE_YEAR = 365 * 24 * 3600


def _htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _guide_langs(request: Request) -> dict[str, str]:
    """Each guide's language tag by its file name (the checklist's rows name their file)."""
    return {g.entry.file: g.entry.language for g in web(request).library.kb.guides.values()}


def _turns(request: Request, conv: Conversation | None) -> list[dict[str, Any]]:
    kb = web(request).library.kb
    out = []
    for n, turn in enumerate(conv.turns if conv else [], 1):
        a = turn.answer
        out.append(
            {
                "n": n,
                "question": turn.question,
                "answer": a,
                "lang": HTML_LANG.get(a.language, a.language),
                "tree": markdown_tree(without_sources(a.answer)),
                "cites": [(c, viewer_url(c.guide, c.start, c.end)) for c in citations(kb, a)],
            }
        )
    return out


def _next_items(request: Request, conv: Conversation | None) -> list[dict[str, Any]]:
    lib = web(request).library
    lang = language_of(request)
    items = lib.next_activities(project_of(request)) or (conv.last_answer.next_activities if conv and conv.last_answer else [])
    langs = {g.entry.file: g.entry.language for g in lib.kb.guides.values()}
    return [
        {
            "kind": gettext(lang, NEXT_KINDS.get(i.kind, i.kind)),
            "title": i.title if lang == "en" else (i.title_original or i.title),
            "lang": "en" if lang == "en" or not i.title_original else langs.get(i.source, "sv"),
            "url": viewer_url(lib.kb.guide_for_file(i.source).entry.id, i.line_start, i.line_end) if i.source else None,
        }
        for i in list({i.id: i for i in items}.values())[:8]
    ]


def _ask_page(request: Request, conv: Conversation | None, originals: bool, status: int = 200, problem: str | None = None) -> HTMLResponse:
    lib = web(request).library
    return render(
        request,
        "ask.html",
        {
            "conversation": conv,
            "turns": _turns(request, conv),
            "recent": lib.chats.recent(15),
            "next_items": _next_items(request, conv),
            "originals": originals,
            "problem": problem,
        },
        status=status,
    )


# --- asking -----------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return _ask_page(request, None, request.query_params.get("originals") == "1")


@router.get("/c/{cid}", response_class=HTMLResponse)
def conversation_page(request: Request, cid: str) -> HTMLResponse:
    try:
        conv = web(request).library.conversation(cid)
    except UnknownConversation:
        raise Problem(404, tr(request, N_("No such conversation."))) from None
    return _ask_page(request, conv, request.query_params.get("originals") == "1")


@router.post("/ask")
def ask(
    request: Request,
    question: Annotated[str, Form(max_length=5000)] = "",
    conversation: Annotated[str, Form(max_length=100)] = "",
    originals: Annotated[str, Form(max_length=10)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf)
    lib = web(request).library
    show_originals = originals in ("1", "on", "true")
    conv: Conversation | None = None
    if conversation:
        try:
            conv = lib.conversation(conversation)
        except UnknownConversation:
            raise Problem(404, tr(request, N_("No such conversation."))) from None
    if not readable_question(question):
        message = tr(request, N_("Type a question first."))
        if _htmx(request):
            return render(request, "problem_fragment.html", {"problem": message}, status=200)
        return _ask_page(request, conv, show_originals, status=400, problem=message)
    try:
        _answer, conv = lib.ask(question, conversation or None, project_of(request), originals=show_originals)
    except ProjectError as e:
        raise Problem(400, str(e)) from None
    url = f"/c/{quote(conv.id)}" + ("?originals=1" if show_originals else "")
    if _htmx(request):
        turns = _turns(request, conv)
        response = render(
            request,
            "turn_fragment.html",
            {"t": turns[-1], "conversation": conv, "originals": show_originals, "next_items": _next_items(request, conv)},
        )
        response.headers["HX-Push-Url"] = url
        return response
    return _see(f"{url}#t{len(conv.turns)}")


@router.get("/c/{cid}/conversation.docx")
def conversation_docx(request: Request, cid: str) -> Response:
    from guide_assistant.service import write_conversation_docx

    try:
        conv = web(request).library.conversation(cid)
    except UnknownConversation:
        raise Problem(404, tr(request, N_("No such conversation."))) from None
    data = _written(lambda path: write_conversation_docx(conv, path, language_of(request)), ".docx")
    return _download(data, f"conversation-{cid}.docx", DOCX)


# --- the source viewer ----------------------------------------------------------------------------


def _range(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    a, _sep, b = value.replace("L", "").partition("-")
    try:
        start = int(a)
        end = int(b) if b else start
    except ValueError:
        return None
    return (start, end) if 0 < start <= end else None


@router.get("/guides", response_class=HTMLResponse)
def guides(request: Request) -> HTMLResponse:
    kb = web(request).library.kb
    return render(request, "guides.html", {"guides": [g.entry for g in kb.guides.values()]})


@router.get("/guides/{gid}", response_class=HTMLResponse)
def guide(request: Request, gid: str) -> HTMLResponse:
    kb = web(request).library.kb
    cited = _range(request.query_params.get("lines"))
    try:
        whole = guide_lines(kb, gid)
    except UnknownGuide:
        raise Problem(404, tr(request, N_("No such guide."))) from None
    excerpt = None
    if cited is not None:
        try:
            excerpt = guide_lines(kb, gid, *cited)
        except LinesOutOfRange:
            raise Problem(404, tr(request, N_("Those lines are not in the guide."))) from None
    return render(request, "guide.html", {"g": whole, "cited": cited, "excerpt": excerpt})


# --- the checklist ------------------------------------------------------------------------------------


def _filters(request: Request) -> tuple[str | None, str | None]:
    kb = web(request).library.kb
    phase = request.query_params.get("phase") or None
    role = request.query_params.get("role") or None
    return (phase if phase in phase_title(kb, "en") else None, role if role in role_names(kb, "en") else None)


def _step_context(request: Request, step: Any, activity: Any, langs: dict[str, str]) -> dict[str, Any]:
    lang = language_of(request)
    return {
        "step": step,
        "text": step.text if lang == "en" else step.original,
        "text_lang": "en" if lang == "en" else langs.get(activity.source, "sv"),
        "back": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }


@router.get("/checklist", response_class=HTMLResponse)
def checklist_page(request: Request) -> HTMLResponse:
    lib = web(request).library
    lang = language_of(request)
    project = project_of(request)
    phase, role = _filters(request)
    try:
        state = lib.state(project)
    except ProjectError as e:
        raise Problem(404, str(e)) from None
    rows = lib.checklist(project, [phase] if phase else None, [role] if role else None)
    langs = _guide_langs(request)
    titles = phase_title(lib.kb, lang)
    progress = lib.phase_progress(project)
    groups = []
    for pid, title in titles.items():
        acts = [a for a in rows if a.phase == pid]
        if not acts:
            continue
        groups.append(
            {
                "id": pid,
                "title": title,
                "progress": progress.get(pid, (0, 0)),
                "activities": [
                    {
                        "a": a,
                        "title": a.title_in(lang),
                        "title_lang": "en" if lang == "en" else langs.get(a.source, "sv"),
                        "steps": [_step_context(request, s, a, langs) for s in a.steps],
                    }
                    for a in acts
                ],
            }
        )
    query = urlencode({k: v for k, v in (("phase", phase), ("role", role)) if v})
    return render(
        request,
        "checklist.html",
        {
            "groups": groups,
            "phases": titles,
            "roles": role_names(lib.kb, lang),
            "phase": phase,
            "role": role,
            "state": state,
            "progress": [(titles[p], n, t) for p, (n, t) in progress.items() if p in titles],
            "next_items": _next_items(request, None),
            "export_query": query,
        },
    )


@router.post("/checklist/tick")
def tick(
    request: Request,
    step: Annotated[str, Form(max_length=300)],
    done: Annotated[str, Form(max_length=5)] = "1",
    back: Annotated[str, Form(max_length=2000)] = "/checklist",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf)
    lib = web(request).library
    project = project_of(request)
    try:
        lib.tick(project, [step], done == "1", user=user_of(request))
    except UnknownStep as e:
        raise Problem(400, str(e)) from None
    except ProjectError as e:
        raise Problem(404, str(e)) from None
    if _htmx(request):
        for a in lib.checklist(project):
            for s in a.steps:
                if s.id == step:
                    ctx = _step_context(request, s, a, _guide_langs(request))
                    ctx["back"] = safe_next(back)
                    return render(request, "step_fragment.html", ctx)
    return _see(safe_next(back) + f"#s-{quote(step)}")


@router.post("/checklist/phase")
def set_phase(
    request: Request,
    phase: Annotated[str, Form(max_length=100)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf)
    lib = web(request).library
    pid = phase if phase in phase_title(lib.kb, "en") else None
    try:
        lib.set_phase(project_of(request), pid, user=user_of(request))
    except ProjectError as e:
        raise Problem(404, str(e)) from None
    return _see("/checklist")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _written(write: Any, suffix: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="guide-assistant-web-") as folder:
        path = Path(folder) / f"export{suffix}"
        write(path)
        return path.read_bytes()


def _download(data: bytes, name: str, media: str) -> Response:
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/checklist/checklist.{fmt}")
def checklist_export(request: Request, fmt: str) -> Response:
    from guide_assistant.service import write_checklist

    if fmt not in ("xlsx", "docx"):
        raise Problem(404, tr(request, N_("Not found.")))
    lib = web(request).library
    phase, role = _filters(request)
    rows = lib.checklist(project_of(request), [phase] if phase else None, [role] if role else None)
    lang = language_of(request)
    data = _written(lambda path: write_checklist(lib.kb, rows, path, fmt, [role] if role else None, lang), f".{fmt}")
    return _download(data, f"checklist.{fmt}", XLSX if fmt == "xlsx" else DOCX)


# --- projects, the person, the language, the login ------------------------------------------------


@router.get("/projects", response_class=HTMLResponse)
def projects_page(request: Request) -> HTMLResponse:
    lib = web(request).library
    project = project_of(request)
    try:
        log = list(reversed(lib.log(project, 50)))
    except ProjectError:
        log = []
    names = phase_title(lib.kb, language_of(request))
    return render(request, "projects.html", {"projects": lib.projects(), "log": log, "phase_names": names})


@router.post("/projects/new")
def new_project(
    request: Request, name: Annotated[str, Form(max_length=200)] = "", csrf: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    check_csrf(request, csrf)
    try:
        web(request).library.create_project(name, user=user_of(request))
    except ProjectError as e:
        raise Problem(400, str(e)) from None
    return _switch_to(request, name.strip())


@router.post("/projects/switch")
def switch_project(
    request: Request, name: Annotated[str, Form(max_length=200)] = "", csrf: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    check_csrf(request, csrf)
    name = name.strip() or DEFAULT_PROJECT
    if name != DEFAULT_PROJECT:
        try:
            web(request).library.store().require(name)
        except ProjectError as e:
            raise Problem(404, str(e)) from None
    return _switch_to(request, name)


def _switch_to(request: Request, name: str) -> Response:
    response = _see("/projects")
    response.set_cookie(PROJECT_COOKIE, name, max_age=ONE_YEAR, httponly=True, samesite="strict")
    return response


@router.post("/me")
def set_user(
    request: Request, user: Annotated[str, Form(max_length=100)] = "", csrf: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    check_csrf(request, csrf)
    response = _see("/projects")
    name = " ".join(user.split())[:100]
    if name:
        response.set_cookie(USER_COOKIE, name, max_age=ONE_YEAR, httponly=True, samesite="strict")
    else:
        response.delete_cookie(USER_COOKIE)
    return response


@router.get("/lang/{code}")
def set_language(request: Request, code: str) -> Response:
    if code not in LANGUAGES:
        raise Problem(404, tr(request, N_("Not found.")))
    response = _see(safe_next(request.query_params.get("next")))
    response.set_cookie(LANG_COOKIE, code, max_age=ONE_YEAR, httponly=True, samesite="lax")
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return render(request, "login.html", {"next": safe_next(request.query_params.get("next")), "failed": False})


@router.post("/login")
def login(
    request: Request,
    token: Annotated[str, Form(max_length=500)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    import secrets

    check_csrf(request, csrf)
    expected = web(request).token
    if not expected:
        return _see(safe_next(next))
    if not token or not secrets.compare_digest(token.encode(), expected.encode()):
        return render(request, "login.html", {"next": safe_next(next), "failed": True}, status=401)
    response = _see(safe_next(next))
    # Lax: a link from elsewhere (a mail, the intranet) opens signed in; the forms have their CSRF token
    response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return response
