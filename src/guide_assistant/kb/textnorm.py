"""Tokenising and folding text so that comparisons do not depend on OCR noise.

Used by the OCR cleanup (which tokens to replace), the fidelity check (does a cited
line still hold an item's wording) and lexical retrieval (tokens that fold diacritics).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# A token for OCR correction: a run of anything but space and sentence punctuation,
# so that garbled words such as "I6sning", "tj@nster", "[6sningar" or "&r" are one token.
OCR_TOKEN_RE = re.compile(r"[^\s.,;:!?()«»\"“”‘’'/=>…]+")
WORD_RE = re.compile(r"\w+", re.UNICODE)
# Edge characters that are punctuation, not part of the word ("[delvis", "IKT-arkitektur—").
WORD_EDGE = "-–—*\"'`´[]{}#%+_~^<>|\\"

_FOLD = str.maketrans({"ø": "o", "æ": "ae", "å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u"})
# OCR confusions seen in the two scanned guides, folded onto what they stand for.
_OCR_FOLD = str.maketrans({"&": "a", "@": "a", "6": "o", "|": "l", "[": "l", "8": "o"})


def strip_accents(text: str) -> str:
    if text.isascii():  # nothing to decompose (most words, once ø, æ, å, ä, ö, é, ü are folded)
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Case and diacritics folded: 'Gjør' -> 'gjor', 'Förankring' -> 'forankring'."""
    return strip_accents(text.casefold().translate(_FOLD))


def ocr_fold(text: str) -> str:
    """fold() plus the OCR symbol confusions ('tj@nst' -> 'tjanst', '&r' -> 'ar')."""
    return fold(text.casefold().translate(_OCR_FOLD))


def words(text: str) -> list[str]:
    return WORD_RE.findall(text)


def match_case(template: str, word: str) -> str:
    """Give ``word`` the capitalisation pattern of ``template``."""
    if len(template) > 1 and template.isupper():
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word
