"""Whole sentences of a passage that answer a question, placed on the raw lines that hold them.

Where no structured item covers a question, the answer quotes the passage's sentences
that share the most words with the question (stems, glossary-expanded), whole, never cut.
Link lists, page furniture and fragments are not sentences. Each sentence is cited to
the raw lines that hold its words, checked with the same containment test ``kb validate``
uses; a sentence the lines do not hold is not quoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from guide_assistant.kb.load import Guide
from guide_assistant.kb.tokens import doc_tokens

_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖÆØ0-9\"«“(–-])|\n+")
_URLISH = re.compile(r"https?://|www\.|\.se\b|\.no\b|\.pdf\b", re.I)
MIN_WORDS = 6
MAX_CHARS = 420


@dataclass(frozen=True)
class Sentence:
    text: str
    line_start: int
    line_end: int
    overlap: int


def split_sentences(text: str) -> list[str]:
    out = []
    for part in _SPLIT.split(text):
        s = " ".join(part.split()).lstrip("-•· ").strip()
        if s:
            out.append(s)
    return out


def is_evidence(sentence: str) -> bool:
    """A real sentence: enough words, not a link or a heading-like fragment."""
    words = re.findall(r"[^\W\d_]+", sentence)
    if len(words) < MIN_WORDS or len(sentence) > MAX_CHARS or _URLISH.search(sentence):
        return False
    return sentence[-1:] in '.!?:)»”"' or len(words) >= 10


def locate(guide: Guide, sentence: str, start: int, end: int) -> tuple[int, int] | None:
    """The smallest run of raw lines in start..end that holds the sentence (containment
    test of kb/fidelity.py on the OCR-corrected lines); None if no run does."""
    from guide_assistant.kb import fidelity  # rapidfuzz: only for answers that quote whole sentences

    best: tuple[int, int] | None = None
    for a in range(start, end + 1):
        for b in range(a, min(end, a + 12) + 1):
            if fidelity.containment(sentence, guide.cleaned_span(a, b)) >= fidelity.THRESHOLD:
                if best is None or (b - a) < (best[1] - best[0]):
                    best = (a, b)
                break
    return best


def matching_sentences(
    guide: Guide, text: str, start: int, end: int, wanted: set[str], limit: int = 2, min_overlap: int = 2
) -> list[Sentence]:
    scored = []
    for k, s in enumerate(split_sentences(text)):
        if not is_evidence(s):
            continue
        overlap = len(wanted & set(doc_tokens(s, guide.entry.language)))
        if overlap >= min_overlap:
            scored.append((-overlap, k, s))
    out: list[Sentence] = []
    for neg, _, s in sorted(scored)[: limit * 2]:
        where = locate(guide, s, start, end)
        if where is not None:
            out.append(Sentence(s, where[0], where[1], -neg))
        if len(out) >= limit:
            break
    return out
