"""Grounded answers built from item-level evidence, shaped by what the question asks.

No language model: the answer is assembled from what the guides say. The question is
understood first (guidance/understanding.py: language, intent, phase, follow-up); the
structured items (steps, deliverables, decisions, HUKI role lists, tools, summaries) are
ranked by dense + lexical relevance with the understood phase, intent and activity as
boosts; the answer is then shaped by intent, the answer first:

- how / when / definition: the 3–7 items that answer it, grouped by guide, each cited,
  with one line saying where it sits (and, where no item covers it, the passage's whole
  sentences that match);
- who: the HUKI roles of the matching activity, cited to the HUKI lines (a guide without
  HUKI lists is said to have none, and its sentence naming people is quoted);
- deliverables: the complete list of the matching activity or phase;
- decision: the decision, its questions, who decides, what it rests on;
- phase (what now / before / after): where the asker is, the next activities, the
  decision that closes the phase, and where the whole checklist is.

Every citation listed is referred to in the text. When the question matches the guides
too weakly, ``covered`` is false, nothing is cited and the nearest topics are suggested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from guide_assistant.guidance.answer_model import Answer, without_sources  # noqa: F401 - without_sources: re-exported
from guide_assistant.guidance.coverage import Vocabulary
from guide_assistant.guidance.labels import HUKI_LETTER, LABELS
from guide_assistant.guidance.next_steps import done_steps, is_finished, next_activities
from guide_assistant.guidance.sentences import matching_sentences, split_sentences
from guide_assistant.guidance.state import ProjectState
from guide_assistant.guidance.understanding import ANAPHORS, WANTED_KIND, Understander, Understanding
from guide_assistant.indexing.items import HUKI_KEYS
from guide_assistant.indexing.passages import Passage
from guide_assistant.kb.load import Guide, KnowledgeBase
from guide_assistant.kb.schema import Activity
from guide_assistant.kb.textnorm import fold
from guide_assistant.retrieval.lexical import doc_tokens, query_tokens, raw_tokens
from guide_assistant.retrieval.query import MAX_QUESTION_CHARS
from guide_assistant.retrieval.hits import Hit, Preference
from guide_assistant.retrieval.search import SearchEngine, unit_hit

# How strongly the best passage or item must match for the guides to cover a question:
# the best dense similarity plus a small share of the best BM25 score; and the question
# must not turn on a word the guides never use (guidance/coverage.py). Figures for
# in-scope and near-domain out-of-scope questions: scripts/calibrate_coverage.py.
RELEVANCE_THRESHOLD = 0.87
LEXICAL_SHARE = 0.01
# item ranking: dense similarity + LEX_WEIGHT x BM25 (normalised by the best) + boosts
LEX_WEIGHT = 0.05
PHASE_BOOST = 0.02
ACTIVITY_BOOST = 0.05
KIND_BOOST = 0.02
LANGUAGE_BOOST = 0.01
TOOL_PENALTY = 0.05
# evidence for how / when / definition
MAX_ITEMS = 7
ITEM_MARGIN = 0.022  # items within this of the best item's score are evidence (scores: dense cosine + boosts)
CLOSE_MARGIN = 0.01  # an item this close to the best is evidence even without a shared word
# questions that ask what something contains: the whole list is the answer
CONTENTS = re.compile(r"\b(contain|contains|include|includes|consist|go into|goes into|innehalla|innehaller|inga|ingar|ha med|ta med|"
                      r"inneholde|inneholder|inngar|besta|bestar|sta i)\b")
OTHER_GUIDES = 2  # items from other guides shown beside a whole list
CONTENTS_LOOKUP = 30  # how far down the ranking a list's lead-in may stand
MIN_LIST = 3  # items on consecutive lines that make a list
LIST_GAP = 4  # lines between two items of one list (blank lines, a wrapped line)
DO_LINE = 170  # the longest first sentence shown as an activity's one-line "do this"
MIN_WORDS = 4  # a step or summary of fewer words is a heading or fragment, not evidence
SENTENCE_MARGIN = 0.01  # a passage this much better than the best item is quoted too
NEXT_LIMIT = 7
MAX_ACTIVITIES_WHO = 2
ITEM_SPAN = 12  # an item citation this short stands for the items inside it
MERGE_GAP = 2  # items of one list whose lines are this close share a citation

TOOL_WORDS = {"tool", "tools", "template", "templates", "checklist", "verktyg", "mall", "mallar", "checklista",
              "verktoy", "verktøy", "mal", "maler", "sjekkliste"}
LANG_OF_GUIDE = {"sv": "sv", "nb": "no"}


def _md(text: str) -> str:
    """Text from the guides shown as Markdown text, never as markup."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", " ".join(text.split()))


class _Cites:
    """Numbered citations in the order the text refers to them."""

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self.index: dict[tuple[str, int, int], int] = {}

    def ref(self, hit: Hit) -> str:
        key = (hit.source, hit.line_start, hit.line_end)
        for (src, a, b), n in self.index.items():  # an item inside an item already cited shares its number
            if (src == hit.source and a <= hit.line_start and hit.line_end <= b and b - a <= ITEM_SPAN
                    and self.hits[n - 1].kind != "passage" and hit.kind != "passage"):
                return f"[{n}]"
        if key not in self.index:
            self.hits.append(hit)
            self.index[key] = len(self.hits)
        return f"[{self.index[key]}]"


@dataclass
class Ranked:
    unit: Passage
    score: float
    lexical: float = 0.0  # the item's BM25 score: > 0 when it shares a word with the question


class Composer:
    def __init__(self, kb: KnowledgeBase, engine: SearchEngine):
        self.kb = kb
        self.engine = engine
        self.understander = Understander(kb)
        self.detector = self.understander.detector
        self.phase = {p.id: p for p in kb.phases.phases}
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
        return getattr(self.phase[pid].name, lang)

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
            text = _md(unit.english)
            if originals:
                text += f" — «{_md(unit.text)}»"
            return text
        if unit.detail == "reworded":  # the guide's new words; the knowledge awaits review
            return f"«{_md(unit.text)}» _({LABELS[lang]['reworded']})_"
        return _md(unit.text)

    def hit(self, unit: Passage) -> Hit:
        return unit_hit(unit, 0.0)

    def list_rows(self, units: list[Passage], lang: str, originals: bool, cites: _Cites, gap: int | None = MERGE_GAP) -> list[str]:
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
            if (last is not None and last.source == u.source and last.activities == u.activities
                    and 0 <= u.line_start - last.line_end <= gap):
                groups[-1].append(u)
            else:
                groups.append([u])
        out = []
        for g in groups:
            first = g[0]
            h = unit_hit(first, 0.0)
            if len(g) > 1:
                h = h.model_copy(update={"line_start": min(u.line_start for u in g), "line_end": max(u.line_end for u in g),
                                         "text": "\n".join(u.text for u in g), "english": " ".join(u.english for u in g),
                                         "unit": ",".join(u.id for u in g)})
            out.append((g, h))
        return out

    # --- the answer -----------------------------------------------------------------

    def ask(self, question: str, phases: list[str] | None = None, roles: list[str] | None = None,
            state: ProjectState | None = None, previous: Answer | None = None, originals: bool = False) -> Answer:
        u = self.understander.understand(question, phases)
        lang = u.language
        L = LABELS[lang]
        state = state or ProjectState()
        roles = roles or list(state.roles)
        context = previous if u.refers_back and previous is not None and previous.covered else None
        if u.refers_back and previous is None:
            return self.unclear(u)
        phases_, source = list(u.phases), u.phase_source
        if context is not None and not phases_:
            base = context.phases or ([self.activity[context.activity].phase] if context.activity in self.activity else [])
            if base:
                phases_, source = self.relative(base, u), "context"
        query = f"{context.question} {u.question}" if context is not None else u.question
        u = u.model_copy(update={"query": query})
        retrieval = self.engine.retrieve(query, 20, prefer=Preference(phases=phases_, kind=WANTED_KIND.get(u.intent)))
        tokens = query_tokens(query, self.engine.glossary)
        dense, lexical = self.engine.item_scores(query, tokens)
        top_dense = max(retrieval.top_dense, float(dense.max()) if len(dense) else 0.0)
        top_lex = max(retrieval.top_lexical, float(lexical.max()) if len(lexical) else 0.0)
        relevance = top_dense + LEXICAL_SHARE * min(top_lex, 10.0)
        unknown = self.vocabulary.unknown(u.question, lang)
        covered = (relevance >= RELEVANCE_THRESHOLD and not unknown) or context is not None
        done = done_steps(self.kb, state.done)
        if not covered:
            return Answer(question=u.question, language=lang, phases=phases_, covered=False, intent=u.intent,
                          answer=self.not_covered(retrieval.hits, lang, unknown), citations=[], next_activities=[],
                          phase_source=source, relevance=round(relevance, 4), relation=u.relation)
        if not phases_ and u.intent == "phase" and state.phase:
            phases_, source = [state.phase], "saved"
        target = context.activity if context is not None else None
        ranked = self.rank(u, phases_, dense, lexical, target)
        if not phases_ and u.intent == "phase" and ranked:
            phases_, source = [ranked[0].unit.phases[0]], "retrieval"
        cites = _Cites()
        shape = {"who": self.who, "deliverables": self.deliverables, "decision": self.decision,
                 "phase": self.phase_answer}.get(u.intent, self.topic)
        body, activity = shape(u, phases_, ranked, retrieval.hits, cites, done, roles, originals, tokens, target, source)
        if not body:  # nothing of that shape: answer with the evidence itself
            body, activity = self.topic(u, phases_, ranked, retrieval.hits, cites, done, roles, originals, tokens, target, source)
        parts = [body]
        if cites.hits:
            parts.append(self.sources_block(cites, lang))
        if u.shortened:
            parts.insert(0, f"_{L['shortened'].format(n=MAX_QUESTION_CHARS)}_")
        current = phases_[0] if source in ("saved", "question", "option", "context") and phases_ else state.phase
        nexts = next_activities(self.kb, current, state.done) if current else []
        return Answer(question=u.question, language=lang, phases=phases_, covered=True, answer="\n\n".join(p for p in parts if p),
                      citations=cites.hits, next_activities=nexts, intent=u.intent, phase_source=source,
                      relevance=round(relevance, 4), activity=activity, relation=u.relation)

    def relative(self, phases: list[str], u: Understanding) -> list[str]:
        """A follow-up's phase: the previous turn's, moved by 'after that' / 'before that'."""
        o = self.phase[phases[0]].order
        if u.relation == "after" or (u.bare_relation == "after"):
            return [self.by_order.get(o + 1, phases[0])]
        if u.bare_relation == "before":
            return [self.by_order.get(o - 1, phases[0])]
        return list(phases)

    def rank(self, u: Understanding, phases: list[str], dense: np.ndarray, lexical: np.ndarray,
             target: str | None) -> list[Ranked]:
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
        order = np.argsort(-score, kind="stable")
        return [Ranked(items[i], float(score[i]), float(lexical[i])) for i in order]

    def best_activity(self, ranked: list[Ranked], has=None, phases: list[str] | None = None,
                      target: str | None = None) -> Activity | None:
        if target and target in self.activity and (has is None or has(self.activity[target])):
            return self.activity[target]
        for r in ranked:
            act = self.activity.get(r.unit.activities[0])
            if act is None or (has is not None and not has(act)):
                continue
            if phases and act.phase not in phases and any(
                    a.phase in phases and (has is None or has(a)) for _, a in self.kb.activities):
                continue
            return act
        return None

    def where(self, act: Activity, lang: str) -> str:
        L = LABELS[lang]
        p = self.phase[act.phase]
        return (f"_{L['where']}: {L['phase'].lower() if lang != 'en' else 'phase'} {p.order} "
                f"({self.phase_name(p.id, lang)}) — {_md(self.title(act, lang))}, "
                f"{_md(self.guide_title(self.guide_of[act.id], lang))}_")

    # --- shapes -------------------------------------------------------------------------

    def topic(self, u, phases, ranked, passages, cites, done, roles, originals, tokens, target, source):
        """how / when / definition: the items that answer it, the best first, grouped by
        guide; a list the question asks the contents of is given whole."""
        lang = u.language
        evidence = [r for r in ranked if r.unit.kind != "roles" and self.is_evidence(r.unit, lang)]
        if not evidence:
            return "", None
        best = evidence[0].score
        best_dense = self.engine.unit_dense(u.query, evidence[0].unit.id)
        chosen: list[Ranked] = []
        for r in evidence[: MAX_ITEMS * 4]:
            if r.score < best - ITEM_MARGIN or len(chosen) >= MAX_ITEMS:
                break
            if chosen and r.lexical <= 0 and r.score < best - CLOSE_MARGIN:
                continue  # shares no word with the question and is not close to the best: not evidence
            if any(c.unit.source == r.unit.source and c.unit.line_start <= r.unit.line_end and r.unit.line_start <= c.unit.line_end
                   for c in chosen):
                continue  # the same lines already stand as evidence
            chosen.append(r)
        if CONTENTS.search(fold(u.question)):  # "what should X contain?": the list the guide gives for it, whole
            whole = self.contents_list([r for r in ranked if r.score >= best - ITEM_MARGIN])
            if not whole:  # no lead-in: the longest list one of the chosen items belongs to
                whole = max((self.whole_list(r, ranked) for r in chosen), key=len, default=[])
            if len(whole) > MIN_LIST:  # the list, then what other guides say of it
                others = [r for r in chosen if r.unit.source != whole[0].unit.source][:OTHER_GUIDES]
                chosen = whole + others
        lines: list[str] = []
        head_act = self.activity.get(chosen[0].unit.activities[0])
        if u.intent == "definition":
            term = self.glossary_line(u.question, lang)
            if term:
                lines.append(term)
        by_guide: dict[str, list[Ranked]] = {}
        for r in chosen:  # in score order: the guide with the best evidence first, its best item first
            by_guide.setdefault(r.unit.source_id, []).append(r)
        for gid, rs in by_guide.items():
            guide = self.kb.guides[gid]
            block = [f"**{_md(self.guide_title(guide, lang))}**"]
            listed = len(rs) > MAX_ITEMS or len(chosen) > MIN_LIST and all(r.unit.activities == rs[0].unit.activities for r in rs)
            block += self.list_rows([r.unit for r in rs], lang, originals, cites, LIST_GAP if listed else None)
            lines.append("\n".join(block))
        quoted = self.sentences(u.query, u.question, passages, best_dense, cites, {(r.unit.source, r.unit.line_start) for r in chosen}, lang)
        if quoted:
            lines.append(quoted)
        if head_act is not None:
            lines.append(self.where(head_act, lang))
        return "\n\n".join(lines), head_act.id if head_act else None

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
            units = sorted((self.engine.items[i] for i in self.units_of.get(lead.activities[0], [])),
                           key=lambda x: (x.line_start, x.line_end))
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
        units = sorted((self.engine.items[i] for i in self.units_of.get(first.unit.activities[0], [])
                        if self.engine.items[i].kind == first.unit.kind), key=lambda x: x.line_start)
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
        return _md(sentence) if len(sentence) <= DO_LINE and len(sentence.split()) >= MIN_WORDS else ""

    def is_evidence(self, unit: Passage, lang: str | None) -> bool:
        """Not a heading, a list lead-in or a fragment ('Avgränsningar', 'Gevinstrealiseringsplanen
        inneholder'), judged on the text the asker reads."""
        if unit.kind == "decision":
            return True
        shown = unit.english if lang == "en" and unit.english else unit.text
        return len(re.findall(r"[^\W\d_]+", shown)) >= MIN_WORDS and not unit.text.strip().endswith(":")

    def sentences(self, query_text: str, question: str, passages: list[Hit], best_item: float, cites: _Cites,
                  taken: set[tuple[str, int]], lang: str) -> str:
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
                out.append(f"> «{_md(s.text)}» {cites.ref(hit)}")
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
                return f"_{LABELS[lang]['term']}: " + "; ".join(_md(p) for p in parts) + "_"
        return ""

    def who(self, u, phases, ranked, passages, cites, done, roles, originals, tokens, target, source):
        """The roles of the activity asked about: HUKI lists where the guide has them (a
        list whose own wording answers the question, '(tecknar avtal)', leads); for a guide
        without HUKI lists, that it has none and the sentence that names people."""
        lang = u.language
        L = LABELS[lang]
        top = self.best_activity(ranked, None, phases, target)
        order: list[tuple[int, str, bool]] = []  # (priority, activity id, has HUKI)
        if top is not None:
            order.append((1, top.id, self.has_huki(top)))
        if target is None:
            for r in ranked[:40]:
                aid = r.unit.activities[0]
                if r.unit.kind == "roles" and self.has_huki(self.activity[aid]) and aid not in [o[1] for o in order]:
                    order.append((2, aid, True))
                    break
        order = [(0 if huki and self.qualified(self.activity[aid], tokens) else p, aid, huki) for p, aid, huki in order]
        order.sort(key=lambda t: t[0])
        lines = [self.huki_line(self.activity[aid], lang, cites, tokens) if huki else self.prose_roles(self.activity[aid], lang, cites, ranked)
                 for _, aid, huki in order[:MAX_ACTIVITIES_WHO]]
        if not lines:
            return "", None
        return f"**{L['who']}**\n" + "\n".join(lines), order[0][1]

    def has_huki(self, act: Activity) -> bool:
        return self.guide_of[act.id].entry.huki and act.roles.lines is not None

    def roles_unit(self, act: Activity) -> Passage | None:
        return next((self.engine.items[i] for i in self.units_of.get(act.id, []) if self.engine.items[i].kind == "roles"), None)

    def qualified(self, act: Activity, tokens: list[str]) -> list[str]:
        """Lines of a HUKI list that qualify a role in the guide's words and share a word
        with the question ('Verksamhetsägare/ Beställare (tecknar avtal)' for 'who signs')."""
        unit = self.roles_unit(act)
        if unit is None:
            return []
        lang = self.guide_of[act.id].entry.language
        wanted = set(tokens)
        return [ln.strip("- ").strip() for ln in unit.text.split("\n")
                if "(" in ln and len(ln) <= 90 and wanted & set(doc_tokens(ln, lang))]

    def huki_line(self, act: Activity, lang: str, cites: _Cites, tokens: list[str]) -> str:
        """The HUKI list of an activity, cited to its lines; where a line of the list answers
        the question in the guide's words ('Verksamhetsägare/ Beställare (tecknar avtal)'),
        that line leads."""
        L = LABELS[lang]
        guide = self.guide_of[act.id]
        unit = self.roles_unit(act)
        ref = cites.ref(self.hit(unit)) if unit is not None else ""
        parts = [f"{L[k]} ({HUKI_LETTER[k]}): " + ", ".join(self.role_name(x, lang) for x in getattr(act.roles, k))
                 for k in HUKI_KEYS if getattr(act.roles, k)]
        where = f"**{_md(self.title(act, lang))}** ({_md(self.guide_title(guide, lang))})"
        qualified = self.qualified(act, tokens)
        if qualified:
            lead = "; ".join(f"«{_md(x)}»" for x in qualified)
            return f"- {lead} — {where} {ref}\n  HUKI: " + "; ".join(parts)
        return f"- {where} — " + "; ".join(parts) + f" {ref}"

    def prose_roles(self, act: Activity, lang: str, cites: _Cites, ranked: list[Ranked]) -> str:
        """A guide without HUKI lists: say so, and quote the sentence of the activity that
        names people and best matches the question (no role letters are inferred)."""
        L = LABELS[lang]
        gname = _md(self.guide_title(self.guide_of[act.id], lang))
        name = _md(self.title(act, lang))
        role_words = {w for rid in self.role for w in self.role_words(rid)}
        mine = [r.unit for r in ranked if r.unit.activities[0] == act.id and r.unit.kind != "tool"]
        naming = [x for x in mine if any(w in fold(x.text) for w in role_words)]
        said = (naming or mine)[:1]
        if not said:
            return f"- {L['no_roles'].format(guide=gname, act=name)}"
        unit = said[0]
        if lang == "en" and unit.kind != "roles" and unit.english:
            text = _md(unit.english)
            return f"- **{name}** ({gname}): {text} {cites.ref(self.hit(unit))} — _{L['no_huki'].format(guide=gname, act=name)}_"
        text = self.wording(unit, lang) if unit.kind != "roles" else _md(unit.text.lstrip("- "))
        return f"- **{name}** ({gname}): «{text}» {cites.ref(self.hit(unit))} — _{L['no_huki'].format(guide=gname, act=name)}_"

    def role_words(self, rid: str) -> list[str]:
        """The start of each Swedish/Norwegian name of a role, folded ('prosje' for prosjekteier)."""
        r = self.role.get(rid)
        if r is None:
            return []
        words = [r.name.sv, r.name.no, *r.aliases.sv, *r.aliases.no]
        return [fold(w.split()[0])[:7] for w in words if w and len(w.split()[0]) >= 4]

    def deliverables(self, u, phases, ranked, passages, cites, done, roles, originals, tokens, target, source):
        lang = u.language
        L = LABELS[lang]
        if phases and source in ("question", "option", "saved") and target is None and not self.understander.own_topic(u.question):
            acts = [(g, a) for g, a in self.kb.activities if a.phase in phases and a.deliverables]
        else:
            act = self.best_activity(ranked, lambda a: bool(a.deliverables), phases, target)
            acts = [(self.guide_of[act.id], act)] if act else []
        if not acts:
            return "", None
        blocks = []
        for guide, act in acts:
            units = [self.engine.items[i] for i in self.units_of[act.id] if self.engine.items[i].kind == "deliverable"]
            rows = self.list_rows(units, lang, originals, cites)
            blocks.append(f"**{_md(self.title(act, lang))}** ({_md(self.guide_title(guide, lang))})\n" + "\n".join(rows))
        head = f"**{L['deliverables']}**"
        if phases and len(acts) > 1:
            p = self.phase[phases[0]]
            head += f" — {L['phase'].lower()} {p.order} ({self.phase_name(p.id, lang)})"
        return head + "\n\n" + "\n\n".join(blocks), acts[0][1].id

    def decision(self, u, phases, ranked, passages, cites, done, roles, originals, tokens, target, source):
        lang = u.language
        L = LABELS[lang]
        act = self.best_activity(ranked, lambda a: a.decision is not None, phases, target)
        if act is None:
            return "", None
        guide = self.guide_of[act.id]
        units = [self.engine.items[i] for i in self.units_of[act.id]]
        dec = next(x for x in units if x.kind == "decision" and x.detail != "question")
        out = [f"**{L['the_decision']}** — {_md(self.title(act, lang))} ({_md(self.guide_title(guide, lang))})",
               f"{self.wording(dec, lang, originals)} {cites.ref(self.hit(dec))}"]
        # a question that only repeats the decision's own wording is not listed twice
        questions = [x for x in units if x.kind == "decision" and x.detail == "question" and x.text != dec.text]
        if questions:
            rows = self.list_rows(questions, lang, originals, cites)
            out.append(f"**{L['questions']}**\n" + "\n".join(rows))
        if self.has_huki(act) and act.roles.accountable:
            out.append(f"**{L['decides']}**\n" + self.huki_line(act, lang, cites, tokens))
        elif any(x.kind == "roles" for x in units):
            out.append(f"**{L['decides']}**\n" + self.prose_roles(act, lang, cites, ranked))
        delivs = [x for x in units if x.kind == "deliverable"]
        if delivs:
            rows = self.list_rows(delivs, lang, originals, cites)
            out.append(f"**{L['rests_on']}**\n" + "\n".join(rows))
        return "\n\n".join(out), act.id

    def phase_answer(self, u, phases, ranked, passages, cites, done, roles, originals, tokens, target, source):
        lang = u.language
        L = LABELS[lang]
        if not phases:
            return "", None
        pid = phases[0]
        p = self.phase[pid]
        lead = L["you_are"].format(n=p.order, name=self.phase_name(pid, lang))
        if source == "saved":
            lead += f" ({L['saved']})"
        if p.order > 1 and u.relation == "before":
            lead += " " + L["before_note"].format(n=p.order - 1)
        # the phase's unfinished activities, the most relevant to the question first, shown in the guides' order
        best: dict[str, float] = {}
        for r in ranked:
            aid = r.unit.activities[0]
            if aid not in best:
                best[aid] = r.score
        acts = [(g, a) for g, a in self.kb.activities if a.phase == pid and not is_finished(a, done)]
        main = [t for t in acts if not {"anchoring", "benefits"} & set(t[1].tracks)] or acts
        pick = sorted(main, key=lambda t: -best.get(t[1].id, -1.0))[:NEXT_LIMIT]
        pick.sort(key=lambda t: self.position[t[1].id])
        rows = []
        for n, (guide, act) in enumerate(pick, 1):
            units = [self.engine.items[i] for i in self.units_of.get(act.id, [])]
            first = next((x for x in units if x.kind == "summary"), None) or next((x for x in units if x.kind == "step"), None) or units[0]
            do = self.first_sentence(first, lang)
            row = f"{n}. **{_md(self.title(act, lang))}** ({_md(self.guide_title(guide, lang))})"
            row += f": {do} {cites.ref(self.hit(first))}" if do else f" {cites.ref(self.hit(first))}"
            roles_unit = self.roles_unit(act) if self.has_huki(act) and act.roles.accountable else None
            if roles_unit is not None:  # the role claim is cited to the HUKI lines
                mine = [L[k] for k in HUKI_KEYS if roles and set(roles) & set(getattr(act.roles, k))]
                you = f" ({L['you']}: {', '.join(mine)})" if mine else ""
                row += (f" — {L['accountable']}: " + ", ".join(self.role_name(x, lang) for x in act.roles.accountable)
                        + f"{you} {cites.ref(self.hit(roles_unit))}")
            rows.append(row)
        out = [lead, f"**{L['next']}**\n" + "\n".join(rows)]
        decisions = [(g, a) for g, a in self.kb.activities if a.phase == pid and a.decision is not None]
        if decisions:
            decisions.sort(key=lambda t: (-best.get(t[1].id, -1.0)))
            g, a = decisions[0]
            dec = next(self.engine.items[i] for i in self.units_of[a.id]
                       if self.engine.items[i].kind == "decision" and self.engine.items[i].detail != "question")
            out.append(f"**{L['decision']}**\n- {self.wording(dec, lang, originals)} — {_md(self.title(a, lang))}, "
                       f"{_md(self.guide_title(g, lang))} {cites.ref(self.hit(dec))}")
        out.append(L["checklist"].format(p=pid))
        return "\n\n".join(out), pick[0][1].id if pick else None

    # --- the ends ---------------------------------------------------------------------

    def sources_block(self, cites: _Cites, lang: str) -> str:
        L = LABELS[lang]
        rows = []
        for n, h in enumerate(cites.hits, 1):
            guide = self.kb.guide_for_file(h.source)
            rows.append(f"- [{n}] {_md(self.guide_title(guide, lang))} — {_md(h.section)}, {L['lines']} {h.line_start}–{h.line_end}")
        return f"**{L['sources']}**\n" + "\n".join(rows)

    def topics(self, hits: list[Hit], lang: str, n: int = 3) -> list[str]:
        out: list[str] = []
        for h in hits:
            for aid in h.activities:
                act = self.activity.get(aid)
                if act is not None and self.title(act, lang) not in out:
                    out.append(self.title(act, lang))
        return out[:n]

    def not_covered(self, hits: list[Hit], lang: str, unknown: list[str] | None = None) -> str:
        L = LABELS[lang]
        phases = ", ".join(self.phase_name(p.id, lang) for p in self.kb.phases.phases)
        text = L["not_covered"]
        if unknown:
            text += " " + L["never_mention"].format(words=", ".join(f"“{_md(w)}”" for w in unknown))
        text += f"\n\n{L['nearest']}: " + "; ".join(_md(t) for t in self.topics(hits, lang))
        return text + f"\n\n({L['phases']}: {phases})"

    def unclear(self, u: Understanding) -> Answer:
        """A follow-up with no earlier turn: say what is unclear and offer likely topics."""
        lang = u.language
        L = LABELS[lang]
        word = next((t for t in raw_tokens(u.question) if fold(t) in ANAPHORS), raw_tokens(u.question)[0])
        hits = self.engine.search(u.question, 10)
        topics = self.topics(hits, lang, 4) or [self.phase_name(p.id, lang) for p in self.kb.phases.phases[:4]]
        text = L["unclear"].format(word=word) + "\n" + "\n".join(f"- {_md(t)}" for t in topics)
        return Answer(question=u.question, language=lang, phases=[], covered=False, intent=u.intent, answer=text,
                      citations=[], next_activities=[], needs_context=True, relation=u.relation)
