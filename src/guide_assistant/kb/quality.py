"""How readable is the text? Unknown words and OCR garble, before and after cleanup.

Two figures per guide, each counted over the sections' content and titles (page
furniture and URLs left out), before (raw lines) and after the cleanup (OCR word fixes
and hand-fixed passages), i.e. over the readable text users see:
- *unknown*: the share of words wordfreq's Swedish or Norwegian (bokmål) list does not
  know (rare compounds and names count too, so it never reaches zero);
- *garbled*: the share of words that are OCR garble by the hunspell check in
  ``kb/garble.py`` (a dictionary with compounding does not know the word, and it has OCR
  symbols in it or an OCR confusion turns it into a dictionary word).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wordfreq import zipf_frequency

from guide_assistant.kb import garble
from guide_assistant.kb.load import Guide

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*|\S*[&@|\[6é][^\s.,;:!?()«»]*")
LANG = {"sv": "sv", "nb": "nb", "da": "da", "en": "en"}  # wordfreq's language codes


@dataclass
class Quality:
    source: str
    words_before: int
    unknown_before: float
    words_after: int
    unknown_after: float
    garbled_before: float
    garbled_after: float


def _unknown_share(text: str, lang: str) -> tuple[int, float]:
    tokens = [t for t in _WORD.findall(text) if any(c.isalpha() for c in t)]
    if not tokens:
        return 0, 0.0
    unknown = sum(1 for t in tokens if zipf_frequency(t.lower().strip("-"), lang) == 0)
    return len(tokens), unknown / len(tokens)


def texts(guide: Guide) -> tuple[str, str]:
    """The guide's text as the raw lines have it and as readers see it (readable text of
    every section's own content, and the section titles)."""
    sections = [sec for sec in guide.sections.walk() if sec.level > 0]
    runs = [run for sec in guide.sections.walk() for run in sec.own_ranges()]
    raw = "\n".join(line for a, b in runs for line in guide.text.span(a, b))
    content = set(n for sec in guide.sections.walk() for n in sec.content)
    keep = lambda n, raw_line: n in content or not raw_line.strip()  # noqa: E731  (blank lines break paragraphs, as in Guide.readable)
    clean = guide.cleaner.readable(guide.text.lines, 1, keep)
    raw_titles = "\n".join(guide.text.span(sec.line_start, sec.line_start)[0] for sec in sections)
    titles = "\n".join(sec.title for sec in sections)
    return raw + "\n\n" + raw_titles, clean + "\n\n" + titles


def _garble_count(text: str, lang: str) -> garble.GarbleCount:
    """The garble check where the language has one (sv, nb); elsewhere nothing counts as garbled."""
    if not garble.supports(lang):
        return garble.GarbleCount(len(garble.words(text)), [])
    return garble.count(text, lang)


def garbled(guide: Guide) -> garble.GarbleCount:
    """The garbled words of the guide's readable text (content and titles); none for a
    language without a garble check (da, en)."""
    return _garble_count(texts(guide)[1], LANG.get(guide.entry.language, guide.entry.language))


def measure(guide: Guide) -> Quality:
    lang = LANG.get(guide.entry.language, guide.entry.language)
    raw, clean = texts(guide)
    nb, ub = _unknown_share(raw, lang)
    na, ua = _unknown_share(clean, lang)
    gb, ga = _garble_count(raw, lang), _garble_count(clean, lang)
    return Quality(guide.entry.file, nb, ub, na, ua, gb.share, ga.share)
