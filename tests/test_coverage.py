"""The rare-word rule of ``covered`` (understanding/coverage.py) sees inflections, compounds
and typing slips of the guides' own words, and still finds the words they never use."""

from __future__ import annotations

import pytest

from guide_assistant.common.config import find_paths
from guide_assistant.retrieval.search import SearchEngine
from guide_assistant.understanding.coverage import Vocabulary


@pytest.fixture(scope="module")
def vocabulary(kb, paths):
    engine = SearchEngine(find_paths(paths.root), kb=kb)
    return Vocabulary((engine.lexical.vocab, engine.item_lexical.vocab), kb.glossary)


@pytest.mark.parametrize(
    "word,lang",
    [
        ("avtalsspärren", "sv"),  # definite form
        ("upphandlingsdokumenten", "sv"),  # definite plural
        ("nollpunktsmätningen", "sv"),
        ("leveransene", "no"),
        ("konkurransegrunnlagene", "no"),
        ("kommunikasjonsmål", "no"),  # compound with a linking s and a short last part
        ("kommunikationsmål", "sv"),
        ("kontraktseir", "no"),  # one letter missing
        ("suport", "en"),
        ("välfärdsteknikprojekt", "sv"),
    ],
)
def test_forms_of_the_guides_words_are_not_unknown(vocabulary, word, lang):
    assert vocabulary.unknown(f"Vad gäller för {word}?", lang) == []


@pytest.mark.parametrize(
    "question,lang,word",
    [
        ("Hur parkopplar man en dörrsensor med basenheten?", "sv", "parkopplar"),
        ("Hvordan oppdaterer jeg fastvaren på en medisindispenser?", "no", "medisindispenser"),
        ("Which Zigbee channel should the gateway use?", "en", "zigbee"),
    ],
)
def test_words_the_guides_never_use_are_still_found(vocabulary, question, lang, word):
    assert word in vocabulary.unknown(question, lang)
