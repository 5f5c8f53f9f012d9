"""Personal settings kept between runs: the interface language and the current project.

A small JSON file in the user config folder (platformdirs), or the file named by
``GUIDE_ASSISTANT_SETTINGS``. Personal, so not in the project store a team shares.
Written atomically; a file that cannot be read is ignored with a warning, never lost.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ValidationError

from guide_assistant.common.fsutil import aside_path, atomic_write_text

ENV_SETTINGS = "GUIDE_ASSISTANT_SETTINGS"


class Settings(BaseModel):
    lang: str | None = None
    project: str | None = None


def settings_path() -> Path:
    env = os.environ.get(ENV_SETTINGS)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_path

    return user_config_path("guide-assistant", appauthor=False) / "settings.json"


def load_settings(warnings: list[str] | None = None) -> Settings:
    path = settings_path()
    try:
        return Settings.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return Settings()
    except (OSError, ValidationError, ValueError) as e:
        if warnings is not None:
            warnings.append(f"{path}: the settings cannot be read ({type(e).__name__}); defaults are used")
        return Settings()


def save_settings(kept: list[Path] | None = None, **changes: str | None) -> Settings:
    """Save ``changes`` over the current settings. A settings file that cannot be read is
    not overwritten: it is kept beside as ``settings.json.corrupt-<time>`` (added to
    ``kept``, for the interface to tell), and the new file holds the changes."""
    path = settings_path()
    problems: list[str] = []
    current = load_settings(problems).model_copy(update=changes)
    if problems and path.exists():
        aside = aside_path(path, "corrupt")
        os.replace(path, aside)
        if kept is not None:
            kept.append(aside)
    atomic_write_text(path, current.model_dump_json(indent=2) + "\n")
    return current
