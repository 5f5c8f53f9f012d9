"""The interface language: English, Swedish or Norwegian, from gettext catalogs.

Messages are written in English in the code, inside ``_()`` (translated when called) or
``N_()`` (marked for extraction, translated later with ``gettext(lang, ...)``). Babel
extracts them to ``locale/guide_assistant.pot``; ``locale/<lang>/LC_MESSAGES/*.po`` hold
the translations and are compiled to ``.mo`` files, which the standard library's
``gettext`` reads (``make catalogs`` does all three; a test keeps them in step).

The language is the first of: ``--lang``, ``GUIDE_ASSISTANT_LANG``, the saved setting,
the locale (``LC_ALL`` / ``LC_MESSAGES`` / ``LANG``), English.
"""

from __future__ import annotations

import gettext as _gettext
import os
from functools import cache
from pathlib import Path

DOMAIN = "guide_assistant"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
LANGUAGES = ("en", "sv", "no")
ENV_LANG = "GUIDE_ASSISTANT_LANG"
# locale language codes -> ours (Norwegian Bokmål and Nynorsk both read the Norwegian catalog)
_LOCALE_CODES = {"en": "en", "sv": "sv", "no": "no", "nb": "no", "nn": "no"}


class UnknownLanguage(ValueError):
    def __init__(self, value: str):
        self.value = value
        super().__init__(value)


def N_(message: str) -> str:
    """Mark a message for extraction without translating it here."""
    return message


@cache
def translation(lang: str) -> _gettext.NullTranslations:
    if lang == "en":
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


_current = "en"


def set_language(lang: str) -> None:
    global _current
    _current = normalize(lang)


def current_language() -> str:
    return _current


def _(message: str) -> str:
    """``message`` in the interface language."""
    return translation(_current).gettext(message)


def gettext(lang: str, message: str) -> str:
    """``message`` in ``lang`` (for text in the asker's language, e.g. answers)."""
    return translation(lang).gettext(message)


def normalize(value: str) -> str:
    """'sv', 'SV', 'nb', 'no', 'en' -> ours; anything else raises UnknownLanguage."""
    code = _LOCALE_CODES.get(value.strip().lower())
    if code is None:
        raise UnknownLanguage(value)
    return code


def from_locale(environ: dict[str, str] | None = None) -> str | None:
    """The language of the POSIX locale, as gettext reads it (LANGUAGE is GNU-only; skipped)."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            code = value.split(".")[0].split("@")[0].split("_")[0].lower()
            return _LOCALE_CODES.get(code)  # the first one set decides, as in POSIX
    return None


def resolve_language(explicit: str | None = None, saved: str | None = None, environ: dict[str, str] | None = None) -> str:
    """The interface language by precedence; an unknown explicit or env value raises UnknownLanguage."""
    env = os.environ if environ is None else environ
    if explicit:
        return normalize(explicit)
    if env.get(ENV_LANG):
        return normalize(env[ENV_LANG])
    if saved:
        try:
            return normalize(saved)
        except UnknownLanguage:
            pass
    return from_locale(dict(env)) or "en"
