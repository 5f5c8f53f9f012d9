"""The asker's language: en, sv or no.

A question with at least two function words that only one of the three languages uses,
and none of the others' ("who signs the contract?", "hva er en nullpunktsmåling?"), is
in that language: lingua is not asked, and its statistical models (~30 ms to load, at
every start) are not loaded. This settles most questions, and the mixed ones the right
way: an English question naming Norwegian phases is English. Otherwise lingua
(restricted to English, Swedish and Bokmål, low-accuracy mode: fast and right on all of
our questions) decides, except for very short questions where lingua guesses: there
the function words decide ("etter implementering" is Norwegian because of "etter").
"""

from __future__ import annotations

import re
from functools import lru_cache

from guide_assistant.retrieval.stopwords import STOPWORDS_EN, STOPWORDS_NORWEGIAN, STOPWORDS_SWEDISH

LANGS = ("en", "sv", "no")
_STOP = {"en": set(STOPWORDS_EN), "sv": set(STOPWORDS_SWEDISH), "no": set(STOPWORDS_NORWEGIAN)}
_ONLY = {lang: words - set().union(*(w for other, w in _STOP.items() if other != lang)) for lang, words in _STOP.items()}
_WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    langs = {Language.ENGLISH: "en", Language.SWEDISH: "sv", Language.BOKMAL: "no"}
    return LanguageDetectorBuilder.from_languages(*langs).with_low_accuracy_mode().build(), langs


def function_word_votes(text: str) -> dict[str, int]:
    words = _WORD.findall(text.casefold())
    return {lang: sum(w in _ONLY[lang] for w in words) for lang in LANGS}


SETTLED = 2  # function words of one language, and none of the others', that settle it


def detect_language(text: str, default: str = "en") -> str:
    if not _WORD.search(text):
        return default
    votes = function_word_votes(text)
    top = max(votes, key=votes.get)
    others = max(v for k, v in votes.items() if k != top)
    if votes[top] >= SETTLED and others == 0:
        return top
    detector, names = _detector()
    values = detector.compute_language_confidence_values(text)
    best = names[values[0].language] if values else default
    confidence = values[0].value if values else 0.0
    if votes[top] >= 1 and votes[top] > others and (confidence < 0.99 or len(_WORD.findall(text)) <= 3) and top != best:
        return top
    return best
