"""How readable is the text? The share of words a word list does not know.

The word lists are wordfreq's Swedish and Norwegian (bokmål) lists, shipped inside the
wordfreq package. Counted over the sections' content (page furniture and URLs left out),
before (raw lines) and after the cleanup (OCR word fixes and hand-fixed passages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wordfreq import zipf_frequency

from guide_assistant.kb.load import Guide

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*|\S*[&@|\[6é][^\s.,;:!?()«»]*")
LANG = {"sv": "sv", "nb": "nb"}


@dataclass
class Quality:
    source: str
    words_before: int
    unknown_before: float
    words_after: int
    unknown_after: float


def _unknown_share(text: str, lang: str) -> tuple[int, float]:
    tokens = [t for t in _WORD.findall(text) if any(c.isalpha() for c in t)]
    if not tokens:
        return 0, 0.0
    unknown = sum(1 for t in tokens if zipf_frequency(t.lower().strip("-"), lang) == 0)
    return len(tokens), unknown / len(tokens)


def measure(guide: Guide) -> Quality:
    lang = LANG[guide.entry.language]
    root = guide.sections
    runs = [run for sec in root.walk() for run in sec.own_ranges()]
    raw = "\n".join(line for a, b in runs for line in guide.text.span(a, b))
    content = set(n for sec in root.walk() for n in sec.content)
    keep = lambda n, _raw: n in content  # noqa: E731
    clean = guide.cleaner.readable(guide.text.lines, 1, keep)
    nb, ub = _unknown_share(raw, lang)
    na, ua = _unknown_share(clean, lang)
    return Quality(guide.entry.file, nb, ub, na, ua)
