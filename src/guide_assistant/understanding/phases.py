"""Which phase(s) a question is about: named phases, named events, and relative phrases.

Everything the detector knows is data: the phase names and aliases (en/sv/no) in
``knowledge/phases.yaml`` and the events and relation words in ``knowledge/events.yaml``.
A phase name counts as an event whose 'before' is the phase before it and whose 'after'
is the phase after it ("before tendering" -> prepare, "etter implementering" -> operate);
an event says for itself where a project stands before, during and after it ("after the
contract is signed" -> implement, "before the broad rollout" -> implement, because the
test period comes first).

Names are matched by their stems, stop words aside ("after the contract is signed" finds
"contract signed"). The relation word that stands nearest before a mention (within a few
words) gives the relation; relation words are never part of a name, so the Swedish
preposition "inför" is not read as "införande".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from guide_assistant.kb.load import KnowledgeBase
from guide_assistant.kb.textnorm import fold
from guide_assistant.kb.tokens import STOP, _stemmer, raw_tokens

LANG_OF = {"en": "en", "sv": "sv", "no": "nb"}
WINDOW = 6  # how many words a relation word may stand before the name it qualifies
MIN_STEM = 5  # one-word names with shorter stems must match the whole word
RELATIONS = ("before", "after", "during")
_COMPOUND = re.compile(r"^(.{5,}?)s?(?:fas|fase|fasen|faser|fasene|phase|plan|planen|planer)$")


@dataclass(frozen=True)
class Mention:
    phase: str  # the phase the question is about, relation applied
    position: int
    relation: str  # "is" | "before" | "after" | "during"
    name: str  # what was matched: a phase id or an event id
    length: int = 1  # how many words the matched name has


@dataclass(frozen=True)
class _Pattern:
    target: str  # phase id or event id
    lang: str
    stems: tuple[str, ...]
    folded: str
    mapping: Mapping[str, str | None]  # relation -> phase (every event names one for at least one relation)


class PhaseDetector:
    def __init__(self, kb: KnowledgeBase):
        self.order: dict[str, int] = {p.id: p.order for p in kb.phases.phases}
        self.by_order = {p.order: p.id for p in kb.phases.phases}
        self.patterns: list[_Pattern] = []
        for e in kb.events.events:  # events first: on a tie with a phase alias the event's mapping holds
            during = e.during or e.before or e.after
            mapping = {"is": during, "during": during, "before": e.before or during, "after": e.after or during}
            self._add(e.id, mapping, {f: getattr(e.names, f) for f in LANG_OF})
        for p in kb.phases.phases:
            prev, nxt = self.by_order.get(p.order - 1, p.id), self.by_order.get(p.order + 1, p.id)
            mapping = {"is": p.id, "during": p.id, "before": prev, "after": nxt}
            self._add(p.id, mapping, {f: [getattr(p.name, f), *getattr(p.aliases, f)] for f in LANG_OF})
        # longer names first, so 'inför upphandling' wins over 'upphandling' (stable: events stay first on a tie)
        self.patterns.sort(key=lambda t: -len(t.stems))
        self.single = {(t.lang, t.stems[0]) for t in self.patterns if len(t.stems) == 1}
        self.relation_words: dict[str, list[tuple[tuple[str, ...], str]]] = {f: [] for f in LANG_OF}
        for rel in RELATIONS:
            words = getattr(kb.events.relations, rel)
            for f in LANG_OF:
                for phrase in getattr(words, f):
                    toks = tuple(t.casefold() for t in raw_tokens(phrase))
                    if toks:
                        self.relation_words[f].append((toks, rel))
        for f in LANG_OF:
            self.relation_words[f].sort(key=lambda t: -len(t[0]))

    def _add(self, target: str, mapping: Mapping[str, str | None], names: dict[str, list[str]]) -> None:
        for field, lang in LANG_OF.items():
            for name in names[field]:
                stems = self._stems(name, lang)
                if stems:
                    self.patterns.append(_Pattern(target, lang, stems, fold(name.strip()), mapping))

    @staticmethod
    def _stems(text: str, lang: str) -> tuple[str, ...]:
        tokens = [t for t in raw_tokens(text) if fold(t) not in STOP]
        return tuple(fold(s) for s in _stemmer(lang).stemWords(tokens))

    def relations(self, raw: list[str], language: str) -> dict[int, str]:
        """Positions of relation words (first token of each phrase) in the question. Only
        the question's own language and English are read: Norwegian 'før' is 'before', but
        Swedish 'för' is 'for', and 'under' is 'during' only in Swedish and Norwegian."""
        lowered = [t.casefold() for t in raw]
        found: dict[int, str] = {}
        taken: set[int] = set()
        for lang in dict.fromkeys((language, "en")):
            for toks, rel in self.relation_words.get(lang, []):
                n = len(toks)
                for k in range(len(lowered) - n + 1):
                    if tuple(lowered[k : k + n]) == toks and not taken & set(range(k, k + n)):
                        found[k] = rel
                        taken |= set(range(k, k + n))
        return found

    def mentions(self, question: str, language: str = "en") -> list[Mention]:
        raw = raw_tokens(question)
        relations = self.relations(raw, language)
        relation_pos = {k for k in relations}
        kept = [(i, t) for i, t in enumerate(raw) if fold(t) not in STOP and i not in relation_pos]
        words = [t for _, t in kept]
        stemmed = {lang: [self._head(fold(s), lang) for s in _stemmer(lang).stemWords(words)] for lang in set(LANG_OF.values())}
        found: dict[int, _Pattern] = {}
        taken: set[int] = set()
        for pat in self.patterns:
            seq = stemmed[pat.lang]
            n = len(pat.stems)
            for k in range(len(seq) - n + 1):
                if n == 1 and len(pat.stems[0]) < MIN_STEM and fold(kept[k][1]) != pat.folded:
                    continue  # a short stem ('plan' from 'planera') only matches the word itself
                if tuple(seq[k : k + n]) == pat.stems and not taken & set(range(k, k + n)):
                    found[kept[k][0]] = pat
                    taken |= set(range(k, k + n))
        out = []
        for pos, pat in sorted(found.items()):
            relation = "is"
            near = [k for k in relations if pos - WINDOW <= k < pos]
            if near:
                relation = relations[max(near)]
            out.append(Mention(cast(str, pat.mapping[relation]), pos, relation, pat.target, len(pat.stems)))
        return out

    def _head(self, stem: str, lang: str) -> str:
        """A compound of a phase word and 'phase' or 'plan' stands for the phase word
        ('implementeringsfasen', 'implementeringsplan' -> 'implementering'), unless the
        compound is itself a name ('prosjektplan')."""
        if (lang, stem) in self.single:
            return stem
        m = _COMPOUND.match(stem)
        if m:
            head = fold(_stemmer(lang).stemWord(m.group(1)))
            if (lang, head) in self.single:
                return head
        return stem

    def phases(self, question: str, language: str = "en", closing: bool = False, mentions: list[Mention] | None = None) -> list[str]:
        """The phases the question is about, in canonical order; empty if it names none.

        Where the question qualifies a mention ("before X", "after X", "during X"), those
        mentions decide: "during the test period before the broad rollout" is one phase.
        ``closing`` (deliverables and decisions): "after X" asks what closes X, so it is X.
        """
        if mentions is None:
            mentions = self.mentions(question, language)
        if closing:  # "deliverables when we are done planning": what closes the named phase, not the next one
            mentions = [m if m.relation != "after" else self.restate(m, "is") for m in mentions]
        related = [m for m in mentions if m.relation not in ("is",)]
        if related:
            result = list(dict.fromkeys(m.phase for m in related))
            return sorted(result, key=self.order.__getitem__)
        if not mentions:
            return []
        # named without a relation: the most specific name (most words), then the last one
        # ('when should we plan archiving and decommissioning' is about decommissioning)
        best = max(mentions, key=lambda m: (m.length, m.position))
        return [best.phase]

    def restate(self, m: Mention, relation: str) -> Mention:
        pat = next(p for p in self.patterns if p.target == m.name)
        return Mention(cast(str, pat.mapping[relation]), m.position, relation, m.name, m.length)

    def relation(self, question: str, language: str = "en", mentions: list[Mention] | None = None) -> str | None:
        """The relation of the question to the phase it names, if any: before / after / during."""
        if mentions is None:
            mentions = self.mentions(question, language)
        rel = [m.relation for m in mentions if m.relation != "is"]
        return rel[0] if rel else None
