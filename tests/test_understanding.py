"""Question understanding: language, intent and phase for 123 phrasings in three languages.

The table (tests/data/phrasings.yaml) was written from the guides' own vocabulary and
everyday speech, not from the evaluation questions; the mapping from events to phases
it relies on is data (knowledge/events.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from guide_assistant.understanding.reading import Understander

ROOT = Path(__file__).resolve().parents[1]
ROWS = yaml.safe_load((ROOT / "tests/data/phrasings.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def understander(kb):
    return Understander(kb)


def test_the_table_is_large_and_covers_every_language_and_intent():
    assert len(ROWS) >= 80
    for lang in ("en", "sv", "no"):
        assert sum(r["lang"] == lang for r in ROWS) >= 25
    for intent in ("phase", "who", "deliverables", "decision", "when", "how", "definition"):
        assert sum(r["intent"] == intent for r in ROWS) >= 8


@pytest.mark.parametrize("row", ROWS, ids=[r["q"][:60] for r in ROWS])
def test_phrasing(understander, row):
    u = understander.understand(row["q"])
    assert u.language == row["lang"]
    assert u.intent == row["intent"]
    assert u.phases == ([row["phase"]] if row["phase"] else [])


@pytest.mark.parametrize(
    "question,back,bare",
    [
        ("and who is responsible for that?", True, None),
        ("och vad gör vi efter det?", True, "after"),
        ("og hva skjer etter det?", True, "after"),
        ("Hvem har ansvaret for dette?", True, None),
        ("Who signs the contract?", False, None),
        ("Vem är huvudansvarig för att följa upp IoT-tjänsten?", False, None),
        ("Og hvem bør være prosjekteier når vi går videre etter behovsfasen?", False, None),
    ],
)
def test_follow_ups_are_recognised(understander, question, back, bare):
    u = understander.understand(question)
    assert u.refers_back is back and u.bare_relation == bare


def test_inför_is_before_not_införande(understander):
    assert understander.understand("Vad gör vi inför upphandlingen?").phases == ["prepare"]
    assert understander.understand("Vad gör vi under införandet?").phases == ["implement"]


def test_search_preference_carries_phase_and_item_kind(understander):
    p = understander.preference("Vilka leveranser ska vara klara innan vi annonserar?")
    assert p.phases == ["prepare"] and p.kind == "deliverable"


@pytest.mark.parametrize(
    "question, lang",
    [
        # English questions that name the guides' Swedish and Norwegian terms are English
        # (lingua alone says Norwegian for the first, with confidence 1.0)
        ("What does Veien say about the nullpunktsmåling in Planlegge prosjektet?", "en"),
        ("Who signs the avtal after the tilldelningsbeslut?", "en"),
        # and a short question with one function word of its language is still read right
        ("Vem signerar avtalet?", "sv"),
        ("Hvem signerer avtalen?", "no"),
    ],
)
def test_the_askers_language_with_the_guides_terms_in_it(understander, question, lang):
    assert understander.understand(question).language == lang


def test_the_saved_function_words_are_what_wordfreq_makes():
    """understanding/function_words.json is made by scripts/function_words.py from the installed wordfreq."""
    import json

    from guide_assistant.understanding.language import FUNCTION_WORDS, function_words_from_wordfreq

    assert json.loads(FUNCTION_WORDS.read_text(encoding="utf-8")) == function_words_from_wordfreq(), "run scripts/function_words.py"
