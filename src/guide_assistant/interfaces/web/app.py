"""The web app: ``create_app`` builds it around one ``service.Library`` (the knowledge, the
index and the model, loaded once per process), the pages (pages.py) and the API (api.py);
what every request passes through is in base.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from guide_assistant.common.config import Paths, find_paths
from guide_assistant.interfaces.web import api, pages
from guide_assistant.interfaces.web.base import HERE, Guard, Problem, Web, on_http, on_problem, on_validation
from guide_assistant.service import Library

# --- the app ---------------------------------------------------------------------------------------


def create_app(
    paths: Paths | None = None,
    state: Path | None = None,
    chat: Path | None = None,
    token: str | None = None,
    library: Library | None = None,
) -> FastAPI:
    """The app over the guides in ``paths`` (default: found from the working folder), the
    progress store ``state`` and the conversation store ``chat`` (default: as the CLI's);
    with ``token``, every request must carry it. The model is loaded here, once."""
    lib = library or Library(paths or find_paths(), state, chat)
    lib.load_engine()
    app = FastAPI(
        title="guide-assistant",
        version="1",
        summary="Grounded guidance for procuring and introducing welfare technology, every point cited to guide lines.",
        docs_url=None,  # Swagger UI loads its code from a CDN: the schema is at /api/v1/openapi.json
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.web = Web(library=lib, token=token or None)
    app.add_middleware(Guard)
    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    _problem_schema(app)
    return app


def _problem_schema(app: FastAPI) -> None:
    """The OpenAPI schema says what the errors are: ``application/problem+json`` (FastAPI
    would call them ``application/json``); the validation errors (422) are problems too."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for item in schema.get("paths", {}).values():
                for op in item.values():
                    for status, resp in op.get("responses", {}).items():
                        if status[0] in "45":
                            resp["content"] = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemOut"}}}
            for name in ("HTTPValidationError", "ValidationError"):
                schema.get("components", {}).get("schemas", {}).pop(name, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
