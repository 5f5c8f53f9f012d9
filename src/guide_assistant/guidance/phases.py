"""Which phase(s) a question is about: named phases and relative phrases.

Phase names and aliases (en/sv/no, from knowledge/phases.yaml) are found in the
question by their stems, stop words aside ("after the contract is signed" finds "contract
signed"). A 'before' word in front of a phase means the phase before it ("innan vi
annonserar" -> prepare); an 'after' word means the phase after it ("etter
implementering" -> operate).
"""

from __future__ import annotations

from dataclasses import dataclass

from guide_assistant.kb.load import KnowledgeBase
from guide_assistant.retrieval.lexical import STOP, _stemmer, raw_tokens
from guide_assistant.kb.textnorm import fold

BEFORE = {"before", "prior", "ahead", "innan", "före", "inför", "förrän", "før", "forut", "forkant", "until", "tills"}
AFTER = {"after", "once", "following", "afterwards", "efter", "sedan", "etter", "etterpå", "since"}
LANG_OF = {"en": "en", "sv": "sv", "no": "nb"}
WINDOW = 6
MIN_STEM = 5  # one-word aliases with shorter stems must match the whole word  # how many words a before/after word may stand from the phase it qualifies


@dataclass(frozen=True)
class PhaseMention:
    phase: str
    position: int
    relation: str  # "is" | "before" | "after"


class PhaseDetector:
    def __init__(self, kb: KnowledgeBase):
        self.order = {p.id: p.order for p in kb.phases.phases}
        self.by_order = {p.order: p.id for p in kb.phases.phases}
        self.patterns: list[tuple[str, str, tuple[str, ...], str]] = []  # (phase, stem lang, stems, folded name)
        for p in kb.phases.phases:
            for field, lang in LANG_OF.items():
                names = [getattr(p.name, field), *getattr(p.aliases, field)]
                for name in names:
                    stems = self._stems(name, lang)
                    if stems:
                        self.patterns.append((p.id, lang, stems, fold(name.strip())))
        # longer phrases first, so 'inför upphandling' wins over 'upphandling'
        self.patterns.sort(key=lambda t: -len(t[2]))

    @staticmethod
    def _stems(text: str, lang: str) -> tuple[str, ...]:
        tokens = [t for t in raw_tokens(text) if fold(t) not in STOP]
        return tuple(fold(s) for s in _stemmer(lang).stemWords(tokens))

    def mentions(self, question: str) -> list[PhaseMention]:
        raw = raw_tokens(question)
        kept = [(i, t) for i, t in enumerate(raw) if fold(t) not in STOP]
        words = [t for _, t in kept]
        stemmed = {lang: [fold(s) for s in _stemmer(lang).stemWords(words)] for lang in set(LANG_OF.values())}
        found: dict[int, str] = {}
        taken: set[int] = set()
        for phase, lang, pattern, name in self.patterns:
            seq = stemmed[lang]
            n = len(pattern)
            for k in range(len(seq) - n + 1):
                if n == 1 and len(pattern[0]) < MIN_STEM and fold(kept[k][1]) != name:
                    continue  # a short stem ('plan' from 'planera') only matches the word itself
                if tuple(seq[k : k + n]) == pattern and not taken & set(range(k, k + n)):
                    found[kept[k][0]] = phase
                    taken |= set(range(k, k + n))
        out = []
        for pos, phase in sorted(found.items()):
            relation = "is"
            for j in range(max(0, pos - WINDOW), pos):
                w = raw[j].casefold()  # not folded: Norwegian 'før' (before) is not Swedish 'för' (for)
                if w in BEFORE:
                    relation = "before"
                elif w in AFTER:
                    relation = "after"
            out.append(PhaseMention(phase, pos, relation))
        return out

    def phases(self, question: str) -> list[str]:
        """The phases the question is about, in canonical order; empty if it names none."""
        result: list[str] = []
        for m in self.mentions(question):
            o = self.order[m.phase]
            if m.relation == "before":
                o = max(1, o - 1)
            elif m.relation == "after":
                o = min(7, o + 1)
            phase = self.by_order[o]
            if phase not in result:
                result.append(phase)
        return sorted(result, key=self.order.__getitem__)
