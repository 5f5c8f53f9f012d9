"""Deliverables: the complete list of the matching activity, or of every activity of the phase asked about."""

from __future__ import annotations

from guide_assistant.answers.context import AnswerContext, md
from guide_assistant.answers.evidence import Evidence
from guide_assistant.answers.labels import LABELS


def compose(ev: Evidence, ctx: AnswerContext) -> tuple[str, str | None]:
    lang = ctx.understood.language
    L = LABELS[lang]
    if (
        ctx.phases
        and ctx.source in ("question", "option", "saved")
        and ctx.target is None
        and not ev.understander.own_topic(ctx.understood.question)
    ):
        acts = [(g, a) for g, a in ev.kb.activities if a.phase in ctx.phases and a.deliverables]
    else:
        act = ev.best_activity(ctx.ranked, lambda a: bool(a.deliverables), ctx.phases, ctx.target)
        acts = [(ev.guide_of[act.id], act)] if act else []
    if not acts:
        return "", None
    blocks = []
    for guide, act in acts:
        units = [ev.engine.items[i] for i in ev.units_of[act.id] if ev.engine.items[i].kind == "deliverable"]
        rows = ev.list_rows(units, lang, ctx.originals, ctx.cites)
        blocks.append(f"**{md(ev.title(act, lang))}** ({md(ev.guide_title(guide, lang))})\n" + "\n".join(rows))
    head = f"**{L['deliverables']}**"
    if ctx.phases and len(acts) > 1:
        p = ev.phase[ctx.phases[0]]
        head += f" — {L['phase'].lower()} {p.order} ({ev.phase_name(p.id, lang)})"
    return head + "\n\n" + "\n\n".join(blocks), acts[0][1].id
