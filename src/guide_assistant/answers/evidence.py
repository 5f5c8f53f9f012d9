"""The evidence an answer is made of, and how it is named in the asker's language.

``Evidence`` holds the knowledge and the search engine's items, ranks the items for a
question (dense + lexical relevance, the understood phase, kind and activity as boosts),
finds the lists and sentences that answer it, and names phases, roles, activities and
guides in the asker's language. The answer shapes (answers/intents/) and the composer
(answers/composer.py) use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from guide_assistant.answers.context import Citations, Ranked, md
from guide_assistant.answers.labels import HUKI_LETTER, LABELS
from guide_assistant.answers.sentences import matching_sentences, split_sentences
from guide_assistant.indexing.items import HUKI_KEYS
from guide_assistant.indexing.passages import Passage
from guide_assistant.kb.load import Guide, KnowledgeBase
from guide_assistant.kb.schema import Activity, PhaseEntry
from guide_assistant.kb.textnorm import fold
from guide_assistant.kb.tokens import doc_tokens, query_tokens, raw_tokens
from guide_assistant.retrieval.concepts import concept_weights, own_coverage
from guide_assistant.retrieval.hits import Hit
from guide_assistant.retrieval.search import SearchEngine, unit_hit
from guide_assistant.understanding.coverage import Vocabulary
from guide_assistant.understanding.reading import WANTED_KIND, Understander, Understanding, topic_tokens

# item ranking: dense similarity + LEX_WEIGHT x BM25 (normalised by the best) + boosts
LEX_WEIGHT = 0.05
COVER_WEIGHT = 0.04  # x the idf-weighted share of the question's topic words an item says (retrieval/concepts.py)
COVER_TOP = 120  # the items it is reckoned for, the best first
PHASE_BOOST = 0.02
ACTIVITY_BOOST = 0.05
KIND_BOOST = 0.02
LANGUAGE_BOOST = 0.01
TOOL_PENALTY = 0.05
# questions that ask what something contains: the whole list is the answer
CONTENTS = re.compile(
    r"\b(contain|contains|include|includes|consist|go into|goes into|innehalla|innehaller|inga|ingar|ha med|ta med|"
    r"inneholde|inneholder|inngar|besta|bestar|sta i)\b"
)
CONTENTS_LOOKUP = 30  # how far down the ranking a list's lead-in may stand
MIN_LIST = 3  # items on consecutive lines that make a list
LIST_GAP = 4  # lines between two items of one list (blank lines, a wrapped line)
DO_LINE = 170  # the longest first sentence shown as an activity's one-line "do this"
MIN_WORDS = 4  # a step or summary of fewer words is a heading or fragment, not evidence
SENTENCE_MARGIN = 0.01  # a passage this much better than the best item is quoted too
MERGE_GAP = 2  # items of one list whose lines are this close share a citation

TOOL_WORDS = {
    "tool",
    "tools",
    "template",
    "templates",
    "checklist",
    "verktyg",
    "mall",
    "mallar",
    "checklista",
    "verktoy",
    "verktøy",
    "mal",
    "maler",
    "sjekkliste",
}
LANG_OF_GUIDE = {"sv": "sv", "nb": "no"}


class Evidence:
    """The knowledge and the index's items, looked up by activity, and the helpers every
    answer shape uses."""

    def __init__(self, kb: KnowledgeBase, engine: SearchEngine):
        self.kb = kb
        self.engine = engine
        self.understander = Understander(kb, embed=engine.query_vector)
        self.detector = self.understander.detector
        self.phase: dict[str, PhaseEntry] = {p.id: p for p in kb.phases.phases}
        self.by_order = {p.order: p.id for p in kb.phases.phases}
        self.role = {r.id: r for r in kb.roles.roles}
        self.guide_of = {a.id: g for g, a in kb.activities}
        self.activity = {a.id: a for _, a in kb.activities}
        self.position = {a.id: i for i, (_, a) in enumerate(kb.activities)}
        self.vocabulary = Vocabulary((engine.lexical.vocab, engine.item_lexical.vocab), kb.glossary)
        self.units_of: dict[str, list[int]] = {}
        for i, u in enumerate(engine.items):
            self.units_of.setdefault(u.activities[0], []).append(i)

    # --- naming things in the asker's language -------------------------------------

    def phase_name(self, pid: str, lang: str) -> str:
        return str(getattr(self.phase[pid].name, lang))

    def role_name(self, rid: str, lang: str) -> str:
        r = self.role.get(rid)
        return getattr(r.name, lang) if r else rid

    def title(self, act: Activity, lang: str) -> str:
        return act.title if lang == "en" else act.title_original

    def guide_title(self, guide: Guide, lang: str) -> str:
        return guide.entry.title_en if lang == "en" else guide.entry.title

    def wording(self, unit: Passage, lang: str, originals: bool = False) -> str:
        """English askers read the English text (the guide's wording beside it with
        --originals); Swedish and Norwegian askers read the guide's own wording."""
        if lang == "en" and unit.english:
            text = md(unit.english)
            if originals:
                text += f" — «{md(unit.text)}»"
            return text
        if unit.detail == "reworded":  # the guide's new words; the knowledge awaits review
            return f"«{md(unit.text)}» _({LABELS[lang]['reworded']})_"
        return md(unit.text)

    def hit(self, unit: Passage) -> Hit:
        return unit_hit(unit, 0.0)

    def list_rows(self, units: list[Passage], lang: str, originals: bool, cites: Citations, gap: int | None = MERGE_GAP) -> list[str]:
        """Bullets for items; items of one list on lines close together share one citation,
        given after the last of them (``gap=None``: each item its own citation)."""
        groups = self.merged(units, gap) if gap is not None else [([u], self.hit(u)) for u in units]
        rows: list[str] = []
        for group, hit in groups:
            ref = cites.ref(hit)
            rows += [f"- {self.wording(x, lang, originals)}" for x in group[:-1]]
            rows.append(f"- {self.wording(group[-1], lang, originals)} {ref}")
        return rows

    def merged(self, units: list[Passage], gap: int = MERGE_GAP) -> list[tuple[list[Passage], Hit]]:
        """Consecutive units of one list whose lines lie close together share one citation."""
        groups: list[list[Passage]] = []
        for u in units:
            last = groups[-1][-1] if groups else None
            if (
                last is not None
                and last.source == u.source
                and last.activities == u.activities
                and 0 <= u.line_start - last.line_end <= gap
            ):
                groups[-1].append(u)
            else:
                groups.append([u])
        out = []
        for g in groups:
            first = g[0]
            h = unit_hit(first, 0.0)
            if len(g) > 1:
                h = h.model_copy(
                    update={
                        "line_start": min(u.line_start for u in g),
                        "line_end": max(u.line_end for u in g),
                        "text": "\n".join(u.text for u in g),
                        "english": " ".join(u.english for u in g),
                        "unit": ",".join(u.id for u in g),
                    }
                )
            out.append((g, h))
        return out

    def rank(self, u: Understanding, phases: list[str], dense: np.ndarray, lexical: np.ndarray, target: str | None) -> list[Ranked]:
        items = self.engine.items
        if not len(items):
            return []
        top = float(lexical.max()) if len(lexical) and lexical.max() > 0 else 1.0
        score = dense + LEX_WEIGHT * (lexical / top)
        wanted = WANTED_KIND.get(u.intent)
        tools_asked = bool(TOOL_WORDS & {fold(t) for t in raw_tokens(u.question)})
        for i, unit in enumerate(items):
            b = 0.0
            if phases and set(phases) & set(unit.phases):
                b += PHASE_BOOST
            if target and target in unit.activities:
                b += ACTIVITY_BOOST
            if wanted and unit.kind == wanted:
                b += KIND_BOOST
            if LANG_OF_GUIDE.get(unit.language) == u.language:
                b += LANGUAGE_BOOST
            if unit.kind == "tool" and not tools_asked:
                b -= TOOL_PENALTY
            score[i] += b
        concepts = concept_weights(self.engine.item_lexical, topic_tokens(u.query or u.question))
        for i in np.argsort(-score, kind="stable")[:COVER_TOP]:  # the rest stand too low to matter
            score[i] += COVER_WEIGHT * own_coverage(items[i], concepts)
        order = np.argsort(-score, kind="stable")
        return [Ranked(items[i], float(score[i]), float(lexical[i])) for i in order]

    def best_activity(
        self,
        ranked: list[Ranked],
        has: Callable[[Activity], bool] | None = None,
        phases: list[str] | None = None,
        target: str | None = None,
    ) -> Activity | None:
        if target and target in self.activity and (has is None or has(self.activity[target])):
            return self.activity[target]
        for r in ranked:
            act = self.activity.get(r.unit.activities[0])
            if act is None or (has is not None and not has(act)):
                continue
            if phases and act.phase not in phases and any(a.phase in phases and (has is None or has(a)) for _, a in self.kb.activities):
                continue
            return act
        return None

    def where(self, act: Activity, lang: str) -> str:
        L = LABELS[lang]
        p = self.phase[act.phase]
        return (
            f"_{L['where']}: {L['phase'].lower() if lang != 'en' else 'phase'} {p.order} "
            f"({self.phase_name(p.id, lang)}) — {md(self.title(act, lang))}, "
            f"{md(self.guide_title(self.guide_of[act.id], lang))}_"
        )

    def contents_list(self, ranked: list[Ranked]) -> list[Ranked]:
        """The list a guide introduces as the contents of something ('Projektplanen bör
        innehålla:', 'Gevinstrealiseringsplanen inneholder'): the best-ranked such lead-in
        and the items of its activity on the lines that follow it, whole."""
        score = {r.unit.id: r for r in ranked}
        for r in ranked[:CONTENTS_LOOKUP]:
            lead = r.unit
            words = re.findall(r"[^\W\d_]+", lead.text)
            if not (lead.text.rstrip().endswith(":") or (len(words) <= 6 and CONTENTS.search(fold(lead.text)))):
                continue
            units = sorted(
                (self.engine.items[i] for i in self.units_of.get(lead.activities[0], [])), key=lambda x: (x.line_start, x.line_end)
            )
            out, last = [lead], lead.line_end
            for x in units:
                if x.line_start <= lead.line_end or x.kind in ("roles", "tool"):
                    continue
                if x.line_start - last > LIST_GAP:
                    break
                out.append(x)
                last = max(last, x.line_end)
            if len(out) > MIN_LIST:
                return [score.get(x.id, Ranked(x, r.score)) for x in out]
        return []

    def whole_list(self, first: Ranked, ranked: list[Ranked]) -> list[Ranked]:
        """The list an item belongs to: its activity's items of the same kind on lines
        close together, in the guide's order (empty when it stands alone)."""
        kinds = {"summary", "step"} if first.unit.kind == "summary" else {first.unit.kind}  # a summary leads its activity's steps
        units = sorted(
            (self.engine.items[i] for i in self.units_of.get(first.unit.activities[0], []) if self.engine.items[i].kind in kinds),
            key=lambda x: (x.line_start, x.kind != first.unit.kind),
        )
        if first.unit.kind == "summary":  # a step on the summary's own lines says it again
            units = [x for x in units if x.kind == "summary" or (x.line_start, x.line_end) != (first.unit.line_start, first.unit.line_end)]
        k = next((i for i, x in enumerate(units) if x.id == first.unit.id), None)
        if k is None:
            return []
        lo = hi = k
        while lo > 0 and 0 <= units[lo].line_start - units[lo - 1].line_end <= LIST_GAP:
            lo -= 1
        while hi + 1 < len(units) and 0 <= units[hi + 1].line_start - units[hi].line_end <= LIST_GAP:
            hi += 1
        score = {r.unit.id: r for r in ranked}
        return [score.get(x.id, Ranked(x, first.score)) for x in units[lo : hi + 1]]

    def first_sentence(self, unit: Passage, lang: str) -> str:
        """The first whole sentence of an item, in the asker's language, if it is short enough
        for a one-line "do this"; "" otherwise (never cut mid-sentence)."""
        text = unit.english if lang == "en" and unit.english else unit.text
        sentence = next(iter(split_sentences(text)), "")  # a sentence ends before a capital: "e.g. the" does not end one
        return md(sentence) if len(sentence) <= DO_LINE and len(sentence.split()) >= MIN_WORDS else ""

    def is_evidence(self, unit: Passage, lang: str | None) -> bool:
        """Not a heading, a list lead-in or a fragment ('Avgränsningar', 'Gevinstrealiseringsplanen
        inneholder'), judged on the text the asker reads."""
        if unit.kind == "decision":
            return True
        shown = unit.english if lang == "en" and unit.english else unit.text
        return len(re.findall(r"[^\W\d_]+", shown)) >= MIN_WORDS and not unit.text.strip().endswith(":")

    def sentences(
        self,
        query_text: str,
        question: str,
        passages: list[Hit],
        best_item: float,
        cites: Citations,
        taken: set[tuple[str, int]],
        lang: str,
    ) -> str:
        """Whole sentences of the best passages, where a passage matches better than the best
        item (the guides' prose that no structured item covers). Sentences must share at
        least two words with the question itself (not its glossary expansion)."""
        wanted = set(query_tokens(question, None))
        out: list[str] = []
        for h in passages[:2]:
            if not h.unit or self.engine.unit_dense(query_text, h.unit) < best_item + SENTENCE_MARGIN:
                continue
            guide = self.kb.guides.get(h.unit.split(":")[0])
            if guide is None:
                continue
            if len(out) >= 2:
                break  # enough quoted: the next passage's sentences need not be located
            for s in matching_sentences(guide, h.text, h.line_start, h.line_end, wanted, limit=2):
                if len(out) >= 2:
                    break
                if any(src == h.source and s.line_start <= ln <= s.line_end for src, ln in taken):
                    continue
                hit = h.model_copy(update={"line_start": s.line_start, "line_end": s.line_end, "text": s.text})
                out.append(f"> «{md(s.text)}» {cites.ref(hit)}")
        if not out:
            return ""
        return f"**{LABELS[lang]['what_guides_say']}**\n" + "\n".join(out)

    def glossary_line(self, question: str, lang: str) -> str:
        qtok = " " + " ".join(fold(t) for t in raw_tokens(question)) + " "
        for t in self.kb.glossary.terms:
            names = [*t.en, *t.sv, *t.no]
            if any(" " + " ".join(fold(x) for x in raw_tokens(n)) + " " in qtok for n in names):
                parts = [f"en: {', '.join(t.en)}"]
                if t.sv:
                    parts.append(f"sv: {', '.join(t.sv)}")
                if t.no:
                    parts.append(f"no: {', '.join(t.no)}")
                return f"_{LABELS[lang]['term']}: " + "; ".join(md(p) for p in parts) + "_"
        return ""

    def has_huki(self, act: Activity) -> bool:
        return self.guide_of[act.id].entry.huki and act.roles.lines is not None

    def roles_unit(self, act: Activity) -> Passage | None:
        return next((self.engine.items[i] for i in self.units_of.get(act.id, []) if self.engine.items[i].kind == "roles"), None)

    def qualified(self, act: Activity, tokens: list[str]) -> list[str]:
        """Lines of a HUKI list that qualify a role in the guide's words and share a word
        with the question ('Verksamhetsägare/ Beställare (tecknar avtal)' for 'who signs')."""
        return [line for line, _ in self.qualified_lines(act, tokens)]

    def qualified_overlap(self, act: Activity, tokens: list[str]) -> int:
        """How many of the question's tokens the best qualified line of an activity's HUKI list
        holds ('tecknar avtal' holds two of 'who signs the contract', '(… Implementera avtal)' one)."""
        return max((n for _, n in self.qualified_lines(act, tokens)), default=0)

    def qualified_lines(self, act: Activity, tokens: list[str]) -> list[tuple[str, int]]:
        """Each line of the HUKI list that qualifies a role and shares a word with the question,
        with how many of the question's tokens it holds."""
        unit = self.roles_unit(act)
        if unit is None:
            return []
        lang = self.guide_of[act.id].entry.language
        wanted = set(tokens)
        out = []
        for ln in unit.text.split("\n"):
            if "(" in ln and len(ln) <= 90:
                n = len(wanted & set(doc_tokens(ln, lang)))
                if n:
                    out.append((ln.strip("- ").strip(), n))
        return out

    def huki_line(self, act: Activity, lang: str, cites: Citations, tokens: list[str]) -> str:
        """The HUKI list of an activity, cited to its lines; where a line of the list answers
        the question in the guide's words ('Verksamhetsägare/ Beställare (tecknar avtal)'),
        that line leads."""
        L = LABELS[lang]
        guide = self.guide_of[act.id]
        unit = self.roles_unit(act)
        ref = cites.ref(self.hit(unit)) if unit is not None else ""
        parts = [
            f"{L[k]} ({HUKI_LETTER[k]}): " + ", ".join(self.role_name(x, lang) for x in getattr(act.roles, k))
            for k in HUKI_KEYS
            if getattr(act.roles, k)
        ]
        where = f"**{md(self.title(act, lang))}** ({md(self.guide_title(guide, lang))})"
        qualified = self.qualified(act, tokens)
        if qualified:
            lead = "; ".join(f"«{md(x)}»" for x in qualified)
            return f"- {lead} — {where} {ref}\n  HUKI: " + "; ".join(parts)
        return f"- {where} — " + "; ".join(parts) + f" {ref}"

    def prose_roles(self, act: Activity, lang: str, cites: Citations, ranked: list[Ranked]) -> str:
        """A guide without HUKI lists: say so, and quote the sentence of the activity that
        names people and best matches the question (no role letters are inferred)."""
        L = LABELS[lang]
        gname = md(self.guide_title(self.guide_of[act.id], lang))
        name = md(self.title(act, lang))
        role_words = {w for rid in self.role for w in self.role_words(rid)}
        mine = [r.unit for r in ranked if r.unit.activities[0] == act.id and r.unit.kind != "tool"]
        naming = [x for x in mine if any(w in fold(x.text) for w in role_words)]
        said = (naming or mine)[:1]
        if not said:
            return f"- {L['no_roles'].format(guide=gname, act=name)}"
        unit = said[0]
        if lang == "en" and unit.kind != "roles" and unit.english:
            text = md(unit.english)
            return f"- **{name}** ({gname}): {text} {cites.ref(self.hit(unit))} — _{L['no_huki'].format(guide=gname, act=name)}_"
        text = self.wording(unit, lang) if unit.kind != "roles" else md(unit.text.lstrip("- "))
        return f"- **{name}** ({gname}): «{text}» {cites.ref(self.hit(unit))} — _{L['no_huki'].format(guide=gname, act=name)}_"

    def role_words(self, rid: str) -> list[str]:
        """The start of each Swedish/Norwegian name of a role, folded (`prosjektei` for prosjekteier)."""
        r = self.role.get(rid)
        if r is None:
            return []
        words = [r.name.sv, r.name.no, *r.aliases.sv, *r.aliases.no]
        # the whole word but its last two letters, so that inflections match ('prosjekteieren') and
        # other words on the same stem do not ('prosjektet' is not 'prosjekteier')
        return [fold(w.split()[0])[: max(5, len(w.split()[0]) - 2)] for w in words if w and len(w.split()[0]) >= 4]

    def sources_block(self, cites: Citations, lang: str) -> str:
        L = LABELS[lang]
        rows = []
        for n, h in enumerate(cites.hits, 1):
            guide = self.kb.guide_for_file(h.source)
            rows.append(f"- [{n}] {md(self.guide_title(guide, lang))} — {md(h.section)}, {L['lines']} {h.line_start}–{h.line_end}")
        return f"**{L['sources']}**\n" + "\n".join(rows)

    def topics(self, hits: list[Hit], lang: str, n: int = 3) -> list[str]:
        out: list[str] = []
        for h in hits:
            for aid in h.activities:
                act = self.activity.get(aid)
                if act is not None and self.title(act, lang) not in out:
                    out.append(self.title(act, lang))
        return out[:n]
