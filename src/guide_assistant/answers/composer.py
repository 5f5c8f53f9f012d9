"""Grounded answers built from item-level evidence, shaped by what the question asks.

No language model: the answer is assembled from what the guides say. The question is
understood first (understanding/reading.py: language, intent, phase, follow-up); the
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

from collections.abc import Callable

from guide_assistant.answers.context import AnswerContext, Citations, md
from guide_assistant.answers.evidence import Evidence
from guide_assistant.answers.intents import decision, deliverables, phase, topic, who
from guide_assistant.answers.labels import LABELS
from guide_assistant.answers.model import Answer, without_sources
from guide_assistant.checklist.next_steps import done_steps, next_activities
from guide_assistant.checklist.state import ProjectState
from guide_assistant.kb.schema import Activity
from guide_assistant.kb.textnorm import fold
from guide_assistant.kb.tokens import query_tokens, raw_tokens
from guide_assistant.retrieval.hits import Hit, Preference
from guide_assistant.retrieval.query import MAX_QUESTION_CHARS
from guide_assistant.understanding.reading import ANAPHORS, WANTED_KIND, Understanding

__all__ = ["RELEVANCE_THRESHOLD", "Answer", "Composer", "without_sources"]

# How strongly the best passage or item must match for the guides to cover a question:
# the best dense similarity plus a small share of the best BM25 score; and the question
# must not turn on a word the guides never use (understanding/coverage.py). Figures for
# in-scope and near-domain out-of-scope questions: scripts/calibrate_coverage.py.
RELEVANCE_THRESHOLD = 0.87
LEXICAL_SHARE = 0.01

# the shape of the answer for each intent (answers/intents/); any other intent: topic
SHAPES: dict[str, Callable[[Evidence, AnswerContext], tuple[str, str | None]]] = {
    "who": who.compose,
    "deliverables": deliverables.compose,
    "decision": decision.compose,
    "phase": phase.compose,
}


class Composer(Evidence):
    """A question in, an ``Answer`` out: read the question, rank the evidence, shape it by
    intent, cite every point."""

    def ask(
        self,
        question: str,
        phases: list[str] | None = None,
        roles: list[str] | None = None,
        state: ProjectState | None = None,
        previous: Answer | None = None,
        originals: bool = False,
    ) -> Answer:
        u = self.understander.understand(question, phases)
        lang = u.language
        L = LABELS[lang]
        state = state or ProjectState()
        roles = roles or list(state.roles)
        context = previous if u.leans_back and previous is not None and previous.covered else None
        if u.refers_back and previous is None:
            return self.unclear(u)
        phases_, source = list(u.phases), u.phase_source
        step = self.step_from(context.activity, u) if context is not None and not phases_ else None
        if step is not None:  # "and after that?": the next activity of the guide, in its phase
            phases_, source = [step.phase], "context"
        elif context is not None and not phases_:
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
        covered = ((relevance >= RELEVANCE_THRESHOLD and not unknown) or context is not None) and not u.out_of_scope
        done = done_steps(self.kb, state.done)
        if not covered:
            return Answer(
                question=u.question,
                language=lang,
                phases=phases_,
                covered=False,
                intent=u.intent,
                answer=self.not_covered(retrieval.hits, lang, unknown),
                citations=[],
                next_activities=[],
                phase_source=source,
                relevance=round(relevance, 4),
                relation=u.relation,
            )
        if not phases_ and u.intent == "phase" and state.phase:
            phases_, source = [state.phase], "saved"
        target = step.id if step is not None else context.activity if context is not None else None
        ranked = self.rank(u, phases_, dense, lexical, target)
        if not phases_ and u.intent == "phase" and ranked:
            phases_, source = [ranked[0].unit.phases[0]], "retrieval"
        cites = Citations()
        ctx = AnswerContext(u, phases_, ranked, retrieval.hits, cites, done, roles, originals, tokens, target, source)
        body, activity = self.shape(ctx)
        parts = [body]
        if cites.hits:
            parts.append(self.sources_block(cites, lang))
        if u.shortened:
            parts.insert(0, f"_{L['shortened'].format(n=MAX_QUESTION_CHARS)}_")
        current = phases_[0] if source in ("saved", "question", "option", "context") and phases_ else state.phase
        nexts = next_activities(self.kb, current, state.done) if current else []
        return Answer(
            question=u.question,
            language=lang,
            phases=phases_,
            covered=True,
            answer="\n\n".join(p for p in parts if p),
            citations=cites.hits,
            next_activities=nexts,
            intent=u.intent,
            phase_source=source,
            relevance=round(relevance, 4),
            activity=activity,
            relation=u.relation,
        )

    def shape(self, ctx: AnswerContext) -> tuple[str, str | None]:
        """The answer's body in the shape its intent asks for (answers/intents/); where
        nothing of that shape holds, the evidence itself (topic)."""
        body, activity = SHAPES.get(ctx.understood.intent, topic.compose)(self, ctx)
        if not body:
            body, activity = topic.compose(self, ctx)
        return body, activity

    def step_from(self, activity: str | None, u: Understanding) -> Activity | None:
        """'After that' / 'before that' from the previous turn's activity: the guide's next (or
        previous) activity, one step on in its process, never a step back in the phases."""
        direction = 1 if u.relation == "after" or u.bare_relation == "after" else -1 if u.bare_relation == "before" else 0
        if not direction or activity not in self.activity:
            return None
        guide = self.guide_of[activity]
        acts = [a for g, a in self.kb.activities if g is guide]
        i = next(k for k, a in enumerate(acts) if a.id == activity) + direction
        if not 0 <= i < len(acts):
            return None
        here, there = self.phase[self.activity[activity].phase].order, self.phase[acts[i].phase].order
        return acts[i] if (there - here) * direction >= 0 else None

    def relative(self, phases: list[str], u: Understanding) -> list[str]:
        """A follow-up's phase: the previous turn's, moved by 'after that' / 'before that'."""
        o = self.phase[phases[0]].order
        if u.relation == "after" or (u.bare_relation == "after"):
            return [self.by_order.get(o + 1, phases[0])]
        if u.bare_relation == "before":
            return [self.by_order.get(o - 1, phases[0])]
        return list(phases)

    # --- the ends ---------------------------------------------------------------------

    def not_covered(self, hits: list[Hit], lang: str, unknown: list[str] | None = None) -> str:
        L = LABELS[lang]
        phases = ", ".join(self.phase_name(p.id, lang) for p in self.kb.phases.phases)
        text = L["not_covered"]
        if unknown:
            text += " " + L["never_mention"].format(words=", ".join(f"“{md(w)}”" for w in unknown))
        text += f"\n\n{L['nearest']}: " + "; ".join(md(t) for t in self.topics(hits, lang))
        return text + f"\n\n({L['phases']}: {phases})"

    def unclear(self, u: Understanding) -> Answer:
        """A follow-up with no earlier turn: say what is unclear and offer likely topics."""
        lang = u.language
        L = LABELS[lang]
        word = next((t for t in raw_tokens(u.question) if fold(t) in ANAPHORS), raw_tokens(u.question)[0])
        hits = self.engine.search(u.question, 10)
        topics = self.topics(hits, lang, 4) or [self.phase_name(p.id, lang) for p in self.kb.phases.phases[:4]]
        text = L["unclear"].format(word=word) + "\n" + "\n".join(f"- {md(t)}" for t in topics)
        return Answer(
            question=u.question,
            language=lang,
            phases=[],
            covered=False,
            intent=u.intent,
            answer=text,
            citations=[],
            next_activities=[],
            needs_context=True,
            relation=u.relation,
        )
