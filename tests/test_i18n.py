"""The interface catalogs: every message the code marks is translated to Swedish and
Norwegian, the compiled .mo files are those of the .po files, and the language is chosen
by --lang, GUIDE_ASSISTANT_LANG, the saved setting and the locale, in that order."""

from __future__ import annotations

import gettext
import re

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from guide_assistant.common.i18n import LOCALE_DIR, UnknownLanguage, resolve_language

PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _catalog(lang: str):
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / "guide_assistant.po", "rb") as f:
        return read_po(f, locale=lang)


@pytest.mark.parametrize("lang", ["sv", "no"])
def test_every_marked_message_is_translated(extracted, lang):
    cat = _catalog(lang)
    have = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in cat if m.id}
    missing = sorted(extracted - have.keys())
    assert not missing, f"not in the {lang} catalog (run `make catalogs`): {missing[:10]}"
    untranslated = sorted(i for i in extracted if not have[i].string or have[i].fuzzy)
    assert not untranslated, f"untranslated or fuzzy in {lang}: {untranslated[:10]}"
    for i in extracted:
        strings = have[i].string if isinstance(have[i].string, tuple) else (have[i].string,)
        for s in strings:
            assert sorted(PLACEHOLDER.findall(s)) == sorted(PLACEHOLDER.findall(i)), f"{lang}: placeholders differ in {i!r} -> {s!r}"


@pytest.mark.parametrize("lang", ["sv", "no"])
def test_compiled_catalog_is_the_po_file(tmp_path, lang):
    """The package reads the .mo files: they must say what the .po files say (`make catalogs`)."""
    fresh = tmp_path / "fresh.mo"
    with open(fresh, "wb") as f:
        write_mo(f, _catalog(lang))
    with open(fresh, "rb") as a, open(LOCALE_DIR / lang / "LC_MESSAGES" / "guide_assistant.mo", "rb") as b:
        want, have = gettext.GNUTranslations(a), gettext.GNUTranslations(b)
    # the messages and what the header says about them, not which Babel wrote the header
    # (its Generated-By line names the version: any newer Babel on a fresh machine differs)
    messages = [{k: v for k, v in t._catalog.items() if k != ""} for t in (want, have)]  # type: ignore[attr-defined]
    assert messages[0] == messages[1]
    info = [{k: v for k, v in t.info().items() if k != "generated-by"} for t in (want, have)]
    assert info[0]["plural-forms"] and info[0] == info[1]
    assert [want.ngettext("a", "b", n) for n in range(3)] == [have.ngettext("a", "b", n) for n in range(3)]


def test_language_precedence():
    env = {"LANG": "nb_NO.UTF-8"}
    assert resolve_language(None, None, env) == "no"
    assert resolve_language(None, "sv", env) == "sv"  # the saved setting beats the locale
    assert resolve_language(None, "sv", {**env, "GUIDE_ASSISTANT_LANG": "en"}) == "en"
    assert resolve_language("no", "sv", {**env, "GUIDE_ASSISTANT_LANG": "en"}) == "no"
    assert resolve_language(None, None, {"LC_ALL": "sv_SE.UTF-8", "LANG": "en_US.UTF-8"}) == "sv"
    assert resolve_language(None, None, {"LANG": "C.UTF-8"}) == "en"
    assert resolve_language(None, None, {"LANG": "nn_NO"}) == "no"
    with pytest.raises(UnknownLanguage):
        resolve_language("de", None, {})
