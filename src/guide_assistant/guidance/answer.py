"""Grounded answers composed from the structured knowledge and the retrieved passages.

No language model: the answer is assembled from what the guides say. It names the
phase(s) the question is about, lists the phase's activities in order with who is
accountable, the deliverables and the decision that closes the phase, and quotes the
most relevant passages briefly. Every point carries a citation number; the citations
are hits (guide file and raw lines). When the best passage matches the question too
weakly, the guides do not cover it: ``covered`` is false, nothing is cited and the
nearest topics the guides do cover are suggested.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from guide_assistant.guidance.intent import classify
from guide_assistant.guidance.language import detect_language
from guide_assistant.guidance.next_steps import NextActivity, cite_lines, done_steps, next_activities, steps_left
from guide_assistant.guidance.phases import PhaseDetector
from guide_assistant.guidance.state import ProjectState
from guide_assistant.kb.load import Guide, KnowledgeBase
from guide_assistant.kb.schema import Activity, Item
from guide_assistant.retrieval.lexical import doc_tokens, query_tokens
from guide_assistant.retrieval.query import MAX_QUESTION_CHARS, clean_question
from guide_assistant.retrieval.search import Hit, SearchEngine

# How strongly the best passage must match: the best dense similarity plus a small share
# of the best BM25 score. Calibrated on the dev questions (all >= 0.89) and on off-topic
# questions in the three languages (weather, cooking, sport, travel, IT help: all <= 0.85).
RELEVANCE_THRESHOLD = 0.87
QUOTED_PASSAGES = 5
PHASE_BONUS = 0.002
ROLE_BONUS = 0.001
ACTIVITY_LIMIT = 10
DELIVERABLE_LIMIT = 8
QUOTE_CHARS = 240

LABELS = {
    "en": {
        "phase": "Phase", "phases": "Phases", "of": "of", "saved": "your saved phase",
        "before_note": "Phases 1–{n} come first if they are not done yet.",
        "activities": "Activities, in order", "accountable": "accountable", "responsible": "does the work",
        "consulted": "consulted", "informed": "informed", "deliverables": "Deliverables",
        "decision": "Decision that closes the phase", "passages": "What the guides say",
        "who": "Who does it", "as_written": "as the guide writes it",
        "differ": "The guides divide and order this phase differently; each guide's activities are listed in its own order.",
        "more": "and {n} more: `guide-assistant checklist --phase {p}`",
        "not_covered": "The guides do not cover this question.",
        "nearest": "The nearest topics they do cover", "no_phase": "Most relevant guidance",
        "sources": "Sources", "lines": "lines", "you": "you",
        "shortened": "Your question was long; the first {n} characters were used.",
    },
    "sv": {
        "phase": "Fas", "phases": "Faser", "of": "av", "saved": "er sparade fas",
        "before_note": "Fas 1–{n} kommer först om de inte redan är gjorda.",
        "activities": "Aktiviteter, i ordning", "accountable": "huvudansvarig", "responsible": "utför",
        "consulted": "konsulteras", "informed": "informeras", "deliverables": "Leveranser",
        "decision": "Beslut som avslutar fasen", "passages": "Vad vägledningarna säger",
        "who": "Vem gör vad", "as_written": "som vägledningen skriver",
        "differ": "Vägledningarna delar in och ordnar fasen olika; varje väglednings aktiviteter står i dess egen ordning.",
        "more": "och {n} till: `guide-assistant checklist --phase {p}`",
        "not_covered": "Vägledningarna tar inte upp den här frågan.",
        "nearest": "Närmaste ämnen som de tar upp", "no_phase": "Mest relevanta vägledning",
        "sources": "Källor", "lines": "rader", "you": "du",
        "shortened": "Frågan var lång; de första {n} tecknen användes.",
    },
    "no": {
        "phase": "Fase", "phases": "Faser", "of": "av", "saved": "den lagrede fasen deres",
        "before_note": "Fase 1–{n} kommer først hvis de ikke er gjort ennå.",
        "activities": "Aktiviteter, i rekkefølge", "accountable": "hovedansvarlig", "responsible": "utfører",
        "consulted": "konsulteres", "informed": "informeres", "deliverables": "Leveranser",
        "decision": "Beslutning som avslutter fasen", "passages": "Hva veiledningene sier",
        "who": "Hvem gjør hva", "as_written": "slik veiledningen skriver det",
        "differ": "Veiledningene deler inn og ordner fasen ulikt; aktivitetene til hver veiledning står i dens egen rekkefølge.",
        "more": "og {n} til: `guide-assistant checklist --phase {p}`",
        "not_covered": "Veiledningene dekker ikke dette spørsmålet.",
        "nearest": "De nærmeste temaene de dekker", "no_phase": "Mest relevant veiledning",
        "sources": "Kilder", "lines": "linjer", "you": "dere",
        "shortened": "Spørsmålet var langt; de første {n} tegnene ble brukt.",
    },
}
HUKI = ("accountable", "responsible", "consulted", "informed")


class Answer(BaseModel):
    question: str
    language: str
    phases: list[str]
    covered: bool
    answer: str
    citations: list[Hit]
    next_activities: list[NextActivity]
    intent: str = "lookup"
    phase_source: str = "none"  # option | question | saved | retrieval | none
    relevance: float = 0.0


def without_sources(markdown: str) -> str:
    """The answer without its closing list of sources (for views that list citations apart)."""
    for labels in LABELS.values():
        head = f"\n\n**{labels['sources']}**\n"
        if head in markdown:
            return markdown.split(head, 1)[0]
    return markdown


class _Cites:
    """Numbered citations, passages first so the best evidence leads the list."""

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self.index: dict[tuple[str, int, int], int] = {}

    def add(self, hit: Hit) -> int:
        key = (hit.source, hit.line_start, hit.line_end)
        if key not in self.index:
            self.hits.append(hit)
            self.index[key] = len(self.hits)
        return self.index[key]


def _quote(text: str, n: int = QUOTE_CHARS) -> str:
    flat = " ".join(text.replace("\n- ", " · ").split())
    return flat if len(flat) <= n else flat[: n - 1].rsplit(" ", 1)[0] + " …"


def _md(text: str) -> str:
    """Text from the guides shown as Markdown text, never as markup."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


class Composer:
    def __init__(self, kb: KnowledgeBase, engine: SearchEngine):
        self.kb = kb
        self.engine = engine
        self.detector = PhaseDetector(kb)
        self.phase = {p.id: p for p in kb.phases.phases}
        self.role = {r.id: r for r in kb.roles.roles}
        self.guide_of = {a.id: g for g, a in kb.activities}
        self.activity = {a.id: a for _, a in kb.activities}

    # --- naming things in the asker's language -------------------------------------

    def phase_name(self, pid: str, lang: str) -> str:
        return getattr(self.phase[pid].name, lang)

    def role_name(self, rid: str, lang: str) -> str:
        r = self.role.get(rid)
        return getattr(r.name, lang) if r else rid

    def title(self, act: Activity, lang: str) -> str:
        return act.title if lang == "en" else act.title_original

    def wording(self, item: Item, lang: str) -> str:
        return item.text if lang == "en" else item.original

    def item_hit(self, guide: Guide, act: Activity, a: int, b: int, text: str) -> Hit:
        roles = list(dict.fromkeys(r for k in HUKI for r in getattr(act.roles, k)))
        return Hit(source=guide.entry.file, line_start=a, line_end=b, score=0.0, section=act.section,
                   phases=[act.phase], roles=roles, text=text, tracks=list(act.tracks),
                   language=guide.entry.language, activities=[act.id], titles=[act.title])

    def ref(self, cites: _Cites, guide: Guide, act: Activity, a: int, b: int, text: str) -> str:
        return f"[{cites.add(self.item_hit(guide, act, a, b, text))}]"

    # --- the answer -----------------------------------------------------------------

    def ask(self, question: str, phases: list[str] | None = None, roles: list[str] | None = None,
            state: ProjectState | None = None) -> Answer:
        q, shortened = clean_question(question)
        if not q:
            raise ValueError("the question is empty")
        lang = detect_language(q)
        L = LABELS[lang]
        intent = classify(q)
        state = state or ProjectState()
        roles = roles or list(state.roles)
        if phases:
            source = "option"
        else:
            phases = self.detector.phases(q)
            source = "question" if phases else "none"
        retrieval = self.engine.retrieve(q, 20)
        relevance = retrieval.top_dense + 0.01 * min(retrieval.top_lexical, 10.0)
        covered = relevance >= RELEVANCE_THRESHOLD
        if not phases and state.phase and covered:
            phases, source = [state.phase], "saved"
        current = state.phase or (phases[0] if phases else None)
        nexts = next_activities(self.kb, current, state.done) if current else []
        if not covered:
            return Answer(question=q, language=lang, phases=phases, covered=False, intent=intent,
                          answer=self.not_covered(retrieval.hits, lang), citations=[], next_activities=nexts,
                          phase_source=source, relevance=round(relevance, 4))
        hits = self.rerank(retrieval.hits, phases, roles)
        if not phases and hits and intent != "lookup":
            phases, source = hits[0].phases[:1], "retrieval"
        cites = _Cites()
        passage_refs = [(h, cites.add(h)) for h in hits[:QUOTED_PASSAGES]]
        done = done_steps(self.kb, state.done)
        parts = [self.lead(phases, source, lang, intent)]
        blocks = {
            "who": self.who_block(q, hits, lang, cites),
            "activities": self.activities_block(phases, roles, lang, cites, done) if phases else "",
            "deliverables": self.deliverables_block(phases, lang, cites) if phases else "",
            "decision": self.decision_block(phases, lang, cites) if phases else "",
        }
        order = {
            "who": ["who", "activities", "deliverables", "decision"],
            "deliver": ["deliverables", "activities", "decision"],
            "decision": ["decision", "activities", "deliverables"],
        }.get(intent, ["activities", "deliverables", "decision"])
        parts += [blocks[k] for k in order if blocks.get(k)]
        quoted = [f"- {_md(_quote(h.text))} [{n}]" for h, n in passage_refs]
        parts.append(f"**{L['passages']}**\n" + "\n".join(quoted))
        parts.append(self.sources_block(cites, lang))
        if shortened:
            parts.insert(0, f"_{L['shortened'].format(n=MAX_QUESTION_CHARS)}_")
        return Answer(question=q, language=lang, phases=phases, covered=True, answer="\n\n".join(p for p in parts if p),
                      citations=cites.hits, next_activities=nexts, intent=intent, phase_source=source,
                      relevance=round(relevance, 4))

    def rerank(self, hits: list[Hit], phases: list[str], roles: list[str]) -> list[Hit]:
        """Break near-ties in the retrieval order in favour of the asked phase and the asker's
        roles (fused scores of neighbouring ranks differ by ~0.0003-0.003)."""
        def bonus(h: Hit) -> float:
            b = 0.0
            if phases and set(phases) & set(h.phases):
                b += PHASE_BONUS
            if roles and set(roles) & set(h.roles):
                b += ROLE_BONUS
            return b

        return sorted(hits, key=lambda h: -(h.score + bonus(h)))

    def lead(self, phases: list[str], source: str, lang: str, intent: str) -> str:
        L = LABELS[lang]
        if not phases:
            return f"**{L['no_phase']}**"
        names = ", ".join(f"{self.phase[p].order}. {self.phase_name(p, lang)}" for p in phases)
        label = L["phase"] if len(phases) == 1 else L["phases"]
        lead = f"**{label}: {names}** ({L['of']} 7)"
        if source == "saved":
            lead += f" — {L['saved']}"
        first = min(self.phase[p].order for p in phases)
        if first > 1 and source == "question" and intent == "todo":
            lead += " " + L["before_note"].format(n=first - 1)
        return lead

    def who_block(self, question: str, hits: list[Hit], lang: str, cites: _Cites) -> str:
        """The HUKI roles of the activities the best passages belong to; a role list whose
        own wording answers the question ('... (tecknar avtal)' for 'who signs') leads."""
        L = LABELS[lang]
        wanted = set(query_tokens(question, self.engine.glossary))
        found: list[tuple[int, int, Guide, Activity, str]] = []
        seen: set[str] = set()
        for rank, h in enumerate(hits):
            for aid in h.activities:
                act = self.activity.get(aid)
                if act is None or aid in seen or act.roles.lines is None:
                    continue
                seen.add(aid)
                guide = self.guide_of[aid]
                raw = guide.readable(act.roles.lines.start, act.roles.lines.end)
                overlap = len(wanted & set(doc_tokens(raw, guide.entry.language)))
                found.append((-overlap, rank, guide, act, raw))
        lines: list[str] = []
        for _, _, guide, act, raw in sorted(found, key=lambda t: (t[0], t[1]))[:3]:
            r = act.roles.lines
            ref = self.ref(cites, guide, act, r.start, r.end, raw)
            parts = [f"{L[k]}: " + ", ".join(self.role_name(x, lang) for x in getattr(act.roles, k))
                     for k in HUKI if getattr(act.roles, k)]
            line = f"- **{_md(self.title(act, lang))}** — " + "; ".join(parts) + f" {ref}"
            qualified = [ln.strip("- ").strip() for ln in raw.split("\n") if "(" in ln and len(ln) <= 90]
            if qualified:
                line += f"\n  ({L['as_written']}: " + "; ".join(f"«{_md(x)}»" for x in qualified) + ")"
            lines.append(line)
        return f"**{L['who']}**\n" + "\n".join(lines) if lines else ""

    def phase_activities(self, phases: list[str]) -> list[tuple[Guide, Activity]]:
        order = {p: i for i, p in enumerate(sorted(phases, key=lambda p: self.phase[p].order))}
        acts = [(g, a) for g, a in self.kb.activities if a.phase in order]
        main = [(g, a) for g, a in acts if not {"anchoring", "benefits"} & set(a.tracks)]
        track = [(g, a) for g, a in acts if {"anchoring", "benefits"} & set(a.tracks)]
        return sorted(main, key=lambda t: order[t[1].phase]) + sorted(track, key=lambda t: order[t[1].phase])

    def activities_block(self, phases: list[str], roles: list[str], lang: str, cites: _Cites, done: set[str]) -> str:
        L = LABELS[lang]
        acts = self.phase_activities(phases)
        if roles:  # the asker's own activities first, the guides' order kept within each group
            acts = sorted(acts, key=lambda t: not any(set(roles) & set(getattr(t[1].roles, k)) for k in HUKI))
        lines = []
        for n, (guide, act) in enumerate(acts[:ACTIVITY_LIMIT], 1):
            a, b = cite_lines(act)
            item = act.summary or (act.steps[0] if act.steps else None)
            ref = self.ref(cites, guide, act, a, b, item.original if item else act.title_original)
            who = ", ".join(self.role_name(x, lang) for x in act.roles.accountable)
            mine = [L[k] for k in HUKI if roles and set(roles) & set(getattr(act.roles, k))]
            check = "x" if act.steps and steps_left(act, done) == 0 else " "
            line = f"{n}. [{check}] **{_md(self.title(act, lang))}** — {_md(guide.entry.title)}"
            if who:
                line += f"; {L['accountable']}: {who}"
            if mine:
                line += f" ({L['you']}: {', '.join(mine)})"
            lines.append(line + f" {ref}")
        if len(acts) > ACTIVITY_LIMIT:
            lines.append(L["more"].format(n=len(acts) - ACTIVITY_LIMIT, p=phases[0]))
        guides = {g.entry.id for g, _ in acts}
        out = f"**{L['activities']}**\n" + "\n".join(lines)
        if len(guides) > 1:
            out += f"\n\n_{L['differ']}_"
        return out

    def deliverables_block(self, phases: list[str], lang: str, cites: _Cites) -> str:
        L = LABELS[lang]
        lines = []
        for guide, act in self.phase_activities(phases):
            for d in act.deliverables:
                ref = self.ref(cites, guide, act, d.lines.start, d.lines.end, d.original)
                lines.append(f"- {_md(self.wording(d, lang))} — {_md(self.title(act, lang))} {ref}")
        if not lines:
            return ""
        return f"**{L['deliverables']}**\n" + "\n".join(lines[:DELIVERABLE_LIMIT])

    def decision_block(self, phases: list[str], lang: str, cites: _Cites) -> str:
        L = LABELS[lang]
        lines = []
        for guide, act in self.phase_activities(phases):
            d = act.decision
            if d is None:
                continue
            ref = self.ref(cites, guide, act, d.lines.start, d.lines.end, d.original)
            lines.append(f"- {_md(self.wording(d, lang))} ({_md(guide.entry.title)}) {ref}")
            for qn in d.questions[:4]:
                qref = self.ref(cites, guide, act, qn.lines.start, qn.lines.end, qn.original)
                lines.append(f"  - {_md(self.wording(qn, lang))} {qref}")
        if not lines:
            return ""
        return f"**{L['decision']}**\n" + "\n".join(lines[:12])

    def sources_block(self, cites: _Cites, lang: str) -> str:
        L = LABELS[lang]
        titles = {g.entry.file: g.entry.title for g in self.kb.guides.values()}
        rows = [f"- [{n}] {_md(titles.get(h.source, h.source))} — {_md(h.section)}, {L['lines']} {h.line_start}–{h.line_end}"
                for n, h in enumerate(cites.hits, 1)]
        return f"**{L['sources']}**\n" + "\n".join(rows)

    def not_covered(self, hits: list[Hit], lang: str) -> str:
        L = LABELS[lang]
        topics: list[str] = []
        for h in hits:
            for aid in h.activities:
                act = self.activity.get(aid)
                if act is not None:
                    name = self.title(act, lang)
                    if name not in topics:
                        topics.append(name)
        phases = ", ".join(self.phase_name(p.id, lang) for p in self.kb.phases.phases)
        text = L["not_covered"] + f"\n\n{L['nearest']}: " + "; ".join(_md(t) for t in topics[:3])
        return text + f"\n\n({L['phases']}: {phases})"
