"""Personal settings kept between runs: the interface language and the current project.

A small JSON file in the user config folder (platformdirs), or the file named by
``GUIDE_ASSISTANT_SETTINGS``. Personal, so not in the project store a team shares.
Written atomically; a file that cannot be read is ignored with a warning, never lost.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ValidationError

from guide_assistant.common.fsutil import atomic_write_text

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


def save_settings(**changes: str | None) -> Settings:
    current = load_settings().model_copy(update=changes)
    atomic_write_text(settings_path(), current.model_dump_json(indent=2) + "\n")
    return current
