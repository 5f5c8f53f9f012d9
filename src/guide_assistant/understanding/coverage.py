"""Does a question ask about something the guides never mention?

Dense similarity alone cannot tell a near-domain question the guides do not answer ("how
do I pair a door sensor with the base station?", "what does the KOFA fee cost?") from one
they do: both sound like welfare-technology procurement. What tells them apart is a
specific word the guides never use. A word of the question is *unknown to the guides*
when none of its stems (Swedish, Norwegian, English) is in the indexed vocabulary (the
guides' text and the English text of every item) or the glossary, it is not a compound
of two known words ("välfärdsteknikprojekt", "kommunikasjons|mål"), it is not a typing slip
away from one of their words (one edit: "egentlien", "kontraktseir"),
and it is a rare word in the question's language (wordfreq Zipf frequency below
``RARE_ZIPF``): common words ("configure", "price") are not evidence either way.
scripts/calibrate_coverage.py measures the effect; tests/test_ask.py tries inflected,
compound and misspelt forms.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from functools import cached_property, lru_cache

from guide_assistant.kb.schema import GlossaryFile
from guide_assistant.kb.textnorm import fold
from guide_assistant.kb.tokens import STOP, raw_tokens, stems
from guide_assistant.understanding.language import WORDFREQ_LANG

RARE_ZIPF = 2.5
COMMON_ZIPF = 3.0
MIN_LEN = 4
SHORT_TAIL = 3  # the last part of a compound may be this short when the guides use it
TYPO_MIN_LEN = 6  # shorter words are not taken for typing slips
STEM_LANGS = ("en", "sv", "nb")


@lru_cache(maxsize=4096)
def _zipf(word: str, lang: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, lang)


class Vocabulary:
    def __init__(self, vocabularies: Iterable[Collection[str]], glossary: GlossaryFile):
        """``vocabularies``: the indexes' tokens (read as they are, not copied)."""
        self.vocabularies = tuple(vocabularies)
        self.glossary = glossary

    @cached_property
    def glossary_stems(self) -> set[str]:
        """Every glossary word, stemmed once per language (made when a word is first not
        among the indexes' tokens: most questions never need it)."""
        words = list(dict.fromkeys(w for t in self.glossary.terms for phrase in [*t.en, *t.sv, *t.no] for w in raw_tokens(phrase)))
        return {s for lang in STEM_LANGS for s in stems(words, lang)}

    def known(self, word: str) -> bool:
        candidates = [s for lang in STEM_LANGS for s in stems([word], lang)]
        return any(s in v for s in candidates for v in self.vocabularies) or any(s in self.glossary_stems for s in candidates)

    def compound(self, word: str, lang: str) -> bool:
        """Two words joined, with or without a linking s ('nollpunkts|mätningen',
        'kommunikasjons|mål'), one of them used by the guides and the other used by them or
        common in the language ('hemtjänst|besök', 'tilbuds|frist'); a last part of three
        letters only when the guides use it."""

        def ok(part: str) -> tuple[bool, bool]:
            known = self.known(part)
            return known, known or _zipf(part, lang) >= COMMON_ZIPF

        for i in range(MIN_LEN, len(word) - SHORT_TAIL + 1):
            head, tail = word[:i], word[i:]
            heads = [head] + ([head[:-1]] if head.endswith("s") and len(head) > MIN_LEN else [])
            tails = [tail] + ([tail[1:]] if tail[:1] == "s" and len(tail) > MIN_LEN else [])
            for h in heads:
                hk, hc = ok(h)
                for t in tails:
                    if len(t) < MIN_LEN:  # 'kommunikasjons|mål': a short last part the guides use
                        if hc and self.known(t):
                            return True
                        continue
                    tk, tc = ok(t)
                    if (hk and tc) or (tk and hc):
                        return True
        return False

    @cached_property
    def _stem_list(self) -> list[str]:
        return sorted({s for v in self.vocabularies for s in v} | self.glossary_stems)

    def misspelt(self, word: str) -> bool:
        """One edit (a letter wrong, missing, extra, or two swapped) from a stem the guides use."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        if len(word) < TYPO_MIN_LEN:
            return False
        for stem in dict.fromkeys(s for lang in STEM_LANGS for s in stems([word], lang)):
            if len(stem) >= TYPO_MIN_LEN - 1 and process.extractOne(stem, self._stem_list, scorer=OSA.distance, score_cutoff=1):
                return True
        return False

    def unknown(self, question: str, language: str) -> list[str]:
        """The question's rare words that the guides never use."""
        out = []
        for w in raw_tokens(question):
            if len(w) < MIN_LEN or w.isdigit() or fold(w) in STOP or self.known(w):
                continue
            lang = WORDFREQ_LANG.get(language, "en")
            if _zipf(w, lang) >= RARE_ZIPF or self.compound(w, lang) or self.misspelt(w):
                continue
            out.append(w)
        return list(dict.fromkeys(out))
