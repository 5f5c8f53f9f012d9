"""What now / before / after: where the asker is, the phase's next activities with who is
accountable, the decision that closes the phase, and where the whole checklist is."""

from __future__ import annotations

from guide_assistant.answers.context import AnswerContext, md
from guide_assistant.answers.evidence import Evidence
from guide_assistant.answers.labels import LABELS
from guide_assistant.checklist.next_steps import is_finished
from guide_assistant.indexing.items import HUKI_KEYS

NEXT_LIMIT = 7


def compose(ev: Evidence, ctx: AnswerContext) -> tuple[str, str | None]:
    lang = ctx.understood.language
    L = LABELS[lang]
    if not ctx.phases:
        return "", None
    pid = ctx.phases[0]
    p = ev.phase[pid]
    lead = L["you_are"].format(n=p.order, name=ev.phase_name(pid, lang))
    if ctx.source == "saved":
        lead += f" ({L['saved']})"
    if p.order > 1 and ctx.understood.relation == "before":
        lead += " " + L["before_note"].format(n=p.order - 1)
    # the phase's unfinished activities, the most relevant to the question first, shown in the guides' order
    best: dict[str, float] = {}
    for r in ctx.ranked:
        aid = r.unit.activities[0]
        if aid not in best:
            best[aid] = r.score
    acts = [(g, a) for g, a in ev.kb.activities if a.phase == pid and not is_finished(a, ctx.done)]
    main = [t for t in acts if not {"anchoring", "benefits"} & set(t[1].tracks)] or acts
    pick = sorted(main, key=lambda t: -best.get(t[1].id, -1.0))[:NEXT_LIMIT]
    pick.sort(key=lambda t: ev.position[t[1].id])
    rows = []
    for n, (guide, act) in enumerate(pick, 1):
        units = [ev.engine.items[i] for i in ev.units_of.get(act.id, [])]
        first = next((x for x in units if x.kind == "summary"), None) or next((x for x in units if x.kind == "step"), None) or units[0]
        do = ev.first_sentence(first, lang)
        row = f"{n}. **{md(ev.title(act, lang))}** ({md(ev.guide_title(guide, lang))})"
        row += f": {do} {ctx.cites.ref(ev.hit(first))}" if do else f" {ctx.cites.ref(ev.hit(first))}"
        roles_unit = ev.roles_unit(act) if ev.has_huki(act) and act.roles.accountable else None
        if roles_unit is not None:  # the role claim is cited to the HUKI lines
            mine = [L[k] for k in HUKI_KEYS if ctx.roles and set(ctx.roles) & set(getattr(act.roles, k))]
            you = f" ({L['you']}: {', '.join(mine)})" if mine else ""
            row += (
                f" — {L['accountable']}: "
                + ", ".join(ev.role_name(x, lang) for x in act.roles.accountable)
                + f"{you} {ctx.cites.ref(ev.hit(roles_unit))}"
            )
        rows.append(row)
    out = [lead, f"**{L['next']}**\n" + "\n".join(rows)]
    decisions = [(g, a) for g, a in ev.kb.activities if a.phase == pid and a.decision is not None]
    if decisions:
        decisions.sort(key=lambda t: -best.get(t[1].id, -1.0))
        g, a = decisions[0]
        dec = next(
            ev.engine.items[i]
            for i in ev.units_of[a.id]
            if ev.engine.items[i].kind == "decision" and ev.engine.items[i].detail != "question"
        )
        out.append(
            f"**{L['decision']}**\n- {ev.wording(dec, lang, ctx.originals)} — {md(ev.title(a, lang))}, "
            f"{md(ev.guide_title(g, lang))} {ctx.cites.ref(ev.hit(dec))}"
        )
    out.append(L["checklist"].format(p=pid))
    return "\n\n".join(out), pick[0][1].id if pick else None
