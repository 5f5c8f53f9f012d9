"""Tokens for BM25 (retrieval/bm25.py) that fold diacritics and OCR confusions, with glossary expansion.

Tokens are stemmed with the Snowball stemmer of the text's language (Swedish or
Norwegian; English for the English activity titles the passages carry), then folded.
A question is stemmed with all three stemmers, since its language is not known here,
and expanded with the trilingual glossary: a question that says "tendering" also
looks for upphandling / anskaffelse / konkurranse.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import Stemmer

from guide_assistant.kb.schema import GlossaryFile
from guide_assistant.kb.stopwords import STOPWORDS_EN, STOPWORDS_NORWEGIAN, STOPWORDS_SWEDISH
from guide_assistant.kb.textnorm import fold, ocr_fold

STEMMERS = {"sv": "swedish", "nb": "norwegian", "no": "norwegian", "da": "danish", "en": "english"}
STOP = {fold(w) for w in (*STOPWORDS_EN, *STOPWORDS_SWEDISH, *STOPWORDS_NORWEGIAN)}
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


@cache
def _stemmer(lang: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(STEMMERS[lang])


def raw_tokens(text: str) -> list[str]:
    # OCR symbols inside words ("tj@nst", "&r") fold to letters before splitting
    return [t for t in _TOKEN.findall(text.casefold().replace("&", "å").replace("@", "ä")) if len(t) > 1 or t.isdigit()]


@lru_cache(maxsize=200_000)
def _fold_stem(stem: str) -> str:
    """ocr_fold of one stem; stems repeat thousands of times across the passages and items."""
    return ocr_fold(stem)


def stems(tokens: list[str], lang: str) -> list[str]:
    out = []
    for stem in _stemmer(lang).stemWords(tokens):
        f = _fold_stem(stem)
        if f and f not in STOP:
            out.append(f)
    return out


def doc_tokens(text: str, lang: str, english: str = "") -> list[str]:
    return stems(raw_tokens(text), lang) + stems(raw_tokens(english), "en")


class Glossary:
    """Expands a question with every phrase of each glossary term it mentions.

    A term is mentioned when one of its phrases, stemmed, stands in the stemmed question
    ("signs the contract" mentions "sign the contract"); its phrases in all three
    languages are then added to the question.
    """

    LANGS = {"en": "en", "sv": "sv", "no": "nb"}

    def __init__(self, glossary: GlossaryFile):
        self.terms: list[tuple[list[tuple[str, tuple[str, ...]]], list[str]]] = []
        for t in glossary.terms:
            keys = []
            for field, lang in self.LANGS.items():
                for phrase in getattr(t, field):
                    stemmed = tuple(_stemmer(lang).stemWords(raw_tokens(phrase)))
                    if stemmed:
                        keys.append((lang, stemmed))
            self.terms.append((keys, [*t.en, *t.sv, *t.no]))

    def expand(self, question: str) -> list[str]:
        tokens = raw_tokens(question)
        stemmed = {lang: " " + " ".join(_stemmer(lang).stemWords(tokens)) + " " for lang in ("en", "sv", "nb")}
        extra: list[str] = []
        for keys, phrases in self.terms:
            if any(" " + " ".join(k) + " " in stemmed[lang] for lang, k in keys):
                extra.extend(phrases)
        return extra


def query_tokens(question: str, glossary: Glossary | None) -> list[str]:
    words = raw_tokens(question)
    if glossary is not None:
        for phrase in glossary.expand(question):
            words.extend(raw_tokens(phrase))
    seen: dict[str, None] = {}
    for lang in ("en", "sv", "nb"):
        for s in stems(words, lang):
            seen.setdefault(s, None)
    return list(seen)
