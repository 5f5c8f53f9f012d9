"""The asker's language: en, sv or no.

The function words: the words frequent in one of the three languages and not among the
frequent words of the other two, from wordfreq's lists (``function_words.json``; 169-204
words a language). A question with at least two function words of one language and none
of the others' ("who should sign the contract?", "hva må vi gjøre før ..."), is
in that language: lingua is not asked, and its statistical models (~30 ms to load, at
every start) are not loaded. This settles most questions, and the mixed ones the right
way: an English question naming Norwegian phases is English. Otherwise lingua
(restricted to English, Swedish and Bokmål, low-accuracy mode: fast and right on all of
our questions) decides, except for very short questions where lingua guesses: there
the function words decide ("etter implementering" is Norwegian because of "etter").
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

LANGS = ("en", "sv", "no")
WORDFREQ_LANG = {"en": "en", "sv": "sv", "no": "nb"}
FUNCTION_WORDS = Path(__file__).with_name("function_words.json")  # scripts/function_words.py writes it
TOP, AMONG = 300, 3000  # a language's 300 most frequent words that are not among the others' 3000
_WORD = re.compile(r"[^\W\d_]+")


def function_words_from_wordfreq() -> dict[str, Any]:
    """The words that tell the three languages apart, from wordfreq's frequency lists:
    the ``TOP`` most frequent words of each language (letters only) that are not among the
    ``AMONG`` most frequent of either other language. Loading wordfreq's lists takes ~0.3 s,
    so scripts/function_words.py saves them and a start reads the saved file."""
    from importlib.metadata import version

    from wordfreq import top_n_list

    lists = {lang: top_n_list(WORDFREQ_LANG[lang], AMONG) for lang in LANGS}
    common = {lang: set(words) for lang, words in lists.items()}
    only = {
        lang: sorted(w for w in lists[lang][:TOP] if w.isalpha() and all(w not in common[o] for o in LANGS if o != lang)) for lang in LANGS
    }
    return {"made_by": f"wordfreq {version('wordfreq')}: top {TOP} of each language, none among the top {AMONG} of the others", **only}


@lru_cache(maxsize=1)
def _only() -> dict[str, frozenset[str]]:
    data = json.loads(FUNCTION_WORDS.read_text(encoding="utf-8"))
    return {lang: frozenset(data[lang]) for lang in LANGS}


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    langs = {Language.ENGLISH: "en", Language.SWEDISH: "sv", Language.BOKMAL: "no"}
    return LanguageDetectorBuilder.from_languages(*langs).with_low_accuracy_mode().build(), langs


def _votes(words: list[str]) -> dict[str, int]:
    """How many of the (casefolded) words are function words of each language."""
    only = _only()
    return {lang: sum(w in only[lang] for w in words) for lang in LANGS}


SETTLED = 2  # function words of one language, and none of the others', that settle it


def detect_language(text: str, default: str = "en") -> str:
    words = _WORD.findall(text.casefold())
    if not words:
        return default
    votes = _votes(words)
    top = max(votes, key=lambda lang: votes[lang])
    others = max(v for k, v in votes.items() if k != top)
    if votes[top] >= SETTLED and others == 0:
        return top
    detector, names = _detector()
    values = detector.compute_language_confidence_values(text)
    best = names[values[0].language] if values else default
    confidence = values[0].value if values else 0.0
    if votes[top] >= 1 and votes[top] > others and (confidence < 0.99 or len(words) <= 3) and top != best:
        return top
    return best
