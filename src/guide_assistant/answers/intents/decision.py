"""Decision: the decision that closes the activity or phase, its questions, who decides, what it rests on."""

from __future__ import annotations

from guide_assistant.answers.context import AnswerContext, md
from guide_assistant.answers.evidence import Evidence
from guide_assistant.answers.labels import LABELS


def compose(ev: Evidence, ctx: AnswerContext) -> tuple[str, str | None]:
    lang = ctx.understood.language
    L = LABELS[lang]
    act = ev.best_activity(ctx.ranked, lambda a: a.decision is not None, ctx.phases, ctx.target)
    if act is None:
        return "", None
    guide = ev.guide_of[act.id]
    units = [ev.engine.items[i] for i in ev.units_of[act.id]]
    dec = next(x for x in units if x.kind == "decision" and x.detail != "question")
    out = [
        f"**{L['the_decision']}** — {md(ev.title(act, lang))} ({md(ev.guide_title(guide, lang))})",
        f"{ev.wording(dec, lang, ctx.originals)} {ctx.cites.ref(ev.hit(dec))}",
    ]
    # a question that only repeats the decision's own wording is not listed twice
    questions = [x for x in units if x.kind == "decision" and x.detail == "question" and x.text != dec.text]
    if questions:
        rows = ev.list_rows(questions, lang, ctx.originals, ctx.cites)
        out.append(f"**{L['questions']}**\n" + "\n".join(rows))
    if ev.has_huki(act) and act.roles.accountable:
        out.append(f"**{L['decides']}**\n" + ev.huki_line(act, lang, ctx.cites, ctx.tokens))
    elif any(x.kind == "roles" for x in units):
        out.append(f"**{L['decides']}**\n" + ev.prose_roles(act, lang, ctx.cites, ctx.ranked))
    delivs = [x for x in units if x.kind == "deliverable"]
    if delivs:
        rows = ev.list_rows(delivs, lang, ctx.originals, ctx.cites)
        out.append(f"**{L['rests_on']}**\n" + "\n".join(rows))
    return "\n\n".join(out), act.id
