"""``guide-assistant serve``: uvicorn running the web app.

It binds 127.0.0.1 by default. Any other address needs an access token (``--token`` or
``GUIDE_ASSISTANT_TOKEN``), which every request must then carry. Each worker process loads
the knowledge, the index and the model once (``--workers 2`` answers two questions at once).
uvicorn's own access log is off: it would log addresses and query strings (a search's
words); the app logs one JSON line per request instead (app.py)."""

from __future__ import annotations

import ipaddress
import logging
import os
from pathlib import Path

ENV_TOKEN = "GUIDE_ASSISTANT_TOKEN"
ENV_STATE = "GUIDE_ASSISTANT_STATE"
ENV_CHAT = "GUIDE_ASSISTANT_CHAT"


class NeedsToken(ValueError):
    pass


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def app_from_env():
    """The app as a worker makes it (uvicorn's factory): its settings from the environment."""
    from guide_assistant.interfaces.web.app import create_app

    state = os.environ.get(ENV_STATE)
    chat = os.environ.get(ENV_CHAT)
    return create_app(state=Path(state) if state else None, chat=Path(chat) if chat else None, token=os.environ.get(ENV_TOKEN) or None)


LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(message)s"}, "default": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "access": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"},
        "default": {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"},
    },
    "loggers": {
        "guide_assistant.web.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
    },
}


def serve(host: str = "127.0.0.1", port: int = 8000, token: str | None = None, workers: int = 1, state: Path | None = None) -> None:
    """Run the server until interrupted; NeedsToken for a non-loopback host without a token."""
    import uvicorn

    token = token or os.environ.get(ENV_TOKEN) or None
    if not is_loopback(host) and not token:
        raise NeedsToken(host)
    if token:
        os.environ[ENV_TOKEN] = token
    if state is not None:
        os.environ[ENV_STATE] = str(state)
    logging.getLogger("guide_assistant.web.access").setLevel(logging.INFO)
    uvicorn.run(
        "guide_assistant.interfaces.web.server:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=max(1, workers),
        access_log=False,
        log_config=LOG_CONFIG,
        server_header=False,
        proxy_headers=False,
    )
