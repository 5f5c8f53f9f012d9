"""The hunspell garble check (kb/garble.py) and the OCR residual it finds in the guides."""

from __future__ import annotations

from collections import Counter

import pytest

from guide_assistant.kb import garble, quality

MAX_GARBLED_SHARE = 0.002  # 0.2% of the words of each guide's readable text

GARBLED = {
    "sv": [
        "1art",
        "I16sningen",
        "l&dnge",
        "tjadnst",
        "dversatta",
        "majligheterna",
        "mé@natliga",
        "16sningar",
        "féréandringsprocesser",
        "Hdalsoframjande",
        "f&",
        "p&",
        "m3djligt",
        "Go6r",
        "|6sningsférslaget",
        "anvéndarna",
        "sd",
        "lara",
        "allman",
    ],
    "nb": ["Gjenngmfar", "arbeidsmgter", "vaere", "inngd", "Unngatte", "personalmgater", "samarbeidsmagter", "m&", "avgjgre", "bergrte"],
}
CORRECT = {
    "sv": [
        "lösningen",
        "tjänsteinnovation",
        "välfärdsteknik",
        "Upphandlingsmyndigheten",
        "verksamhetsutveckling",
        "förankring",
        "nyttorealisering",
        "Idéskapande",
        "idéer",
        "inköpsprocessen",
        "kravspecifikation",
        "vinstuppföljningen",
        "koldioxidutsläppsminskningar",
        "SLA",
        "IKT-arkitektur",
        "e-hälsa",
        "2a",
        "3e",
        "Træna",
        "velferdsteknologi",
        "Tenk",
        "och/eller",
        "ärendehanteringssystem",
        "SKR:s",
        "HUKI",
    ],
    "nb": [
        "gjennomfør",
        "Gjennomfør",
        "velferdsteknologi",
        "gevinstrealiseringsplan",
        "forankringsaktiviteter",
        "tjenesteinnovasjon",
        "anskaffelsesstrategien",
        "nullpunktsmåling",
        "noen",
        "være",
        "Prosjektveiviseren",
        "HUKI-matriser",
        "røykvarsler",
        "trygghetspakkene",
        "IKT-strategi",
        "Difi",
    ],
}


@pytest.fixture(scope="module", autouse=True)
def dictionaries() -> None:
    for lang in ("sv", "nb"):
        garble.load_dictionary(lang)  # DictionaryMissing names the Debian packages


@pytest.mark.parametrize("lang", ["sv", "nb"])
def test_flags_real_garble(lang: str) -> None:
    missed = [w for w in GARBLED[lang] if not garble.is_garbled(w, lang)]
    assert not missed, f"not flagged as garbled ({lang}): {missed}"


@pytest.mark.parametrize("lang", ["sv", "nb"])
def test_does_not_flag_correct_words(lang: str) -> None:
    flagged = [w for w in CORRECT[lang] if garble.is_garbled(w, lang)]
    assert not flagged, f"correct words flagged as garbled ({lang}): {flagged}"


def test_garbled_words_in_text() -> None:
    text = "Efter en pilotering bör ni reflektera över vad ni har 1art er, se https://www.x.se/e-halsostod-till-kommuner."
    assert garble.garbled_words(text, "sv") == ["1art"]
    assert garble.correction("l&dnge", "sv") == "länge"
    assert garble.correction("Gjenngmfar", "nb") == "Gjennomfør"


def test_missing_dictionary_names_the_packages(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(garble, "HUNSPELL_DIRS", (tmp_path,))
    with pytest.raises(garble.DictionaryMissing, match="hunspell-sv hunspell-no"):
        garble.dictionary_path("sv")


def test_readable_text_of_every_guide_is_nearly_free_of_garble(kb) -> None:
    failures = []
    for gid, guide in kb.guides.items():
        found = quality.garbled(guide)
        if found.share > MAX_GARBLED_SHARE:
            worst = ", ".join(f"{w} x{n}" for w, n in Counter(found.garbled).most_common(25))
            failures.append(f"{gid}: {found.share:.2%} of {found.words} words garbled (at most {MAX_GARBLED_SHARE:.1%}); worst: {worst}")
    assert not failures, "\n".join(failures)


def test_activity_originals_hold_no_garble(kb) -> None:
    problems = []
    for guide, act in kb.activities:
        lang = guide.entry.language
        items = [act.summary, act.decision, *act.steps, *act.deliverables, *act.tools]
        if act.decision is not None:
            items += act.decision.questions
        for item in items:
            if item is None:
                continue
            bad = garble.garbled_words(item.original, lang)
            if bad:
                problems.append(f"{act.id} lines {item.lines.start}-{item.lines.end}: {bad}")
    assert not problems, "garbled words in activity originals:\n" + "\n".join(problems)
