"""What the pages and the API share: the request's context (language, project, person), the
errors (``Problem``: problem+json for the API, an error page for a page), the templates, and
the middleware.

What every request passes through, in this order (``Guard``): a request id; the access token
when the server was given one (a cookie set by the login form, or ``Authorization: Bearer``);
a CSRF token (a cookie, and the same value in every form: double submit); the security
headers; one access-log line of the request id, route, status and latency, never a
question, a name or an address.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from guide_assistant.common.i18n import LANGUAGES, N_, gettext
from guide_assistant.service import Library

HERE = Path(__file__).resolve().parent
ACCESS_LOG = logging.getLogger("guide_assistant.web.access")

TOKEN_COOKIE = "ga_token"
CSRF_COOKIE = "ga_csrf"
LANG_COOKIE = "ga_lang"
PROJECT_COOKIE = "ga_project"
USER_COOKIE = "ga_user"
ENV_TOKEN = "GUIDE_ASSISTANT_TOKEN"

# the language tag of text in each interface language (Norwegian is Bokmål)
HTML_LANG = {"en": "en", "sv": "sv", "no": "nb"}

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class Problem(Exception):
    """An error the API answers as ``application/problem+json`` (RFC 9457) and a page as an error page."""

    def __init__(self, status: int, detail: str, title: str | None = None):
        super().__init__(detail)
        self.status, self.detail = status, detail
        self.title = title or {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict"}.get(
            status, "Error"
        )


@dataclass
class Web:
    """What the routes share: the library, the templates, the token, replayed ticks."""

    library: Library
    token: str | None = None
    env: Environment = field(default_factory=lambda: _environment())
    idempotent: OrderedDict[str, Any] = field(default_factory=OrderedDict)
    idempotent_lock: threading.Lock = field(default_factory=threading.Lock)
    MAX_KEYS = 10_000

    def remember(self, key: str, value: Any) -> Any:
        """The first result stored under ``key`` (an Idempotency-Key): a replay gets it again."""
        with self.idempotent_lock:
            if key in self.idempotent:
                return self.idempotent[key]
            self.idempotent[key] = value
            while len(self.idempotent) > self.MAX_KEYS:
                self.idempotent.popitem(last=False)
            return value


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("guide_assistant.interfaces.web", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


# --- the request's context: language, project, person, CSRF token ------------------------------


def accepted_language(header: str | None) -> str | None:
    """The first of our languages in an Accept-Language header, by its q values."""
    if not header:
        return None
    choices: list[tuple[float, int, str]] = []
    for n, part in enumerate(header.split(",")):
        bits = part.strip().split(";")
        tag = bits[0].strip().lower()
        q = 1.0
        for b in bits[1:]:
            b = b.strip()
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        code = {"nb": "no", "nn": "no", "no": "no", "sv": "sv", "en": "en"}.get(tag.split("-")[0])
        if code and q > 0:
            choices.append((-q, n, code))
    return min(choices)[2] if choices else None


def language_of(request: Request) -> str:
    """The interface language: the switch (a cookie), else Accept-Language, else English."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return accepted_language(request.headers.get("accept-language")) or "en"


def project_of(request: Request) -> str:
    return (request.cookies.get(PROJECT_COOKIE) or "").strip() or "default"


def user_of(request: Request) -> str:
    return (request.cookies.get(USER_COOKIE) or "").strip()[:100] or "web"


def tr(request: Request, message: str) -> str:
    return gettext(language_of(request), message)


def viewer_url(guide: str, start: int, end: int) -> str:
    """The source viewer at a guide's lines (highlighted, scrolled to)."""
    return f"/guides/{quote(guide)}?lines={start}-{end}#L{start}"


def safe_next(value: str | None) -> str:
    """A path on this site to go back to (never another site)."""
    v = value or "/"
    return v if v.startswith("/") and not v.startswith("//") and "\\" not in v else "/"


def web(request: Request) -> Web:
    return request.app.state.web


# --- the middleware ----------------------------------------------------------------------------


def _token_ok(request: Request, token: str) -> bool:
    given = request.cookies.get(TOKEN_COOKIE) or ""
    auth = request.headers.get("authorization") or ""
    if auth.lower().startswith("bearer "):
        given = auth[7:].strip()
    return bool(given) and secrets.compare_digest(given.encode(), token.encode())


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


class Guard(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        started = time.perf_counter()
        request_id = secrets.token_hex(8)
        request.state.request_id = request_id
        csrf = request.cookies.get(CSRF_COOKIE) or ""
        new_csrf = not csrf
        request.state.csrf = csrf or secrets.token_urlsafe(24)
        token = web(request).token
        path = request.url.path
        response: Response
        if token and not (path.startswith("/static/") or path == "/login") and not _token_ok(request, token):
            if is_api(request):
                response = problem_response(Problem(401, N_("error: an access token is required")))
                response.headers["WWW-Authenticate"] = "Bearer"
            else:
                response = RedirectResponse("/login?next=" + quote(path), status_code=303)
        else:
            try:
                response = await call_next(request)
            except Exception:
                ACCESS_LOG.exception("request %s failed", request_id)
                response = problem_response(Problem(500, "internal error", "Internal Server Error"))
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        response.headers["X-Request-ID"] = request_id
        if not is_api(request):
            response.headers.setdefault("Cache-Control", "no-store")
        if new_csrf and not is_api(request):
            response.set_cookie(CSRF_COOKIE, request.state.csrf, httponly=True, samesite="strict", secure=request.url.scheme == "https")
        route = request.scope.get("route")
        ACCESS_LOG.info(
            json.dumps(
                {
                    "request_id": request_id,
                    "method": request.method,
                    "route": getattr(route, "path", None) or ("/static" if path.startswith("/static/") else "unmatched"),
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                }
            )
        )
        return response


def check_csrf(request: Request, value: str | None) -> None:
    """A form's CSRF field must be the cookie's value (double submit)."""
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    if not cookie or not value or not secrets.compare_digest(cookie.encode(), value.encode()):
        raise Problem(403, tr(request, N_("The form has expired: reload the page and try again.")))


# --- errors --------------------------------------------------------------------------------------


def problem_response(p: Problem) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": p.title, "status": p.status, "detail": p.detail},
        status_code=p.status,
        media_type="application/problem+json",
    )


def _error_page(request: Request, status: int, detail: str) -> Response:
    return render(request, "error.html", {"status": status, "detail": detail}, status=status)


LANGUAGE_NAMES = {"en": "English", "sv": "Svenska", "no": "Norsk"}


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """A page (or a fragment) in the request's language; guide text escaped (autoescape)."""
    lang = language_of(request)
    base = {
        "_": lambda message: gettext(lang, message),
        "lang": lang,
        "html_lang": HTML_LANG[lang],
        "csrf": getattr(request.state, "csrf", ""),
        "project": project_of(request),
        "user": user_of(request),
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "path": request.url.path,
        "languages": [(code, LANGUAGE_NAMES[code], HTML_LANG[code]) for code in LANGUAGES],
        "token_required": bool(web(request).token),
        "quote": quote,
    }
    html = web(request).env.get_template(name).render(**base, **context)
    return HTMLResponse(html, status_code=status)


async def on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    if is_api(request):
        return problem_response(exc)
    return _error_page(request, exc.status, exc.detail)


async def on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = str(exc.detail) if exc.status_code != 404 else tr(request, N_("Not found."))
    response: Response
    if is_api(request):
        response = problem_response(Problem(exc.status_code, detail))
    else:
        response = _error_page(request, exc.status_code, detail)
    for k, v in (exc.headers or {}).items():
        response.headers[k] = v
    return response


async def on_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    parts = []
    for e in exc.errors():
        where = ".".join(str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path"))
        parts.append(f"{where}: {e.get('msg')}" if where else str(e.get("msg")))
    detail = "error: " + "; ".join(parts)
    if is_api(request):
        return problem_response(Problem(422, detail, "Unprocessable Content"))
    return _error_page(request, 400, detail)
