"""What now / before / after / during: where the asker is and what to do there.

Evidence first: each of the phase's unfinished activities is as relevant as its best item
for the question. The activities within ``PHASE_GATE`` of the best are what the question is
about; the rest of the phase is left to the checklist.

- A question that names nothing but the phase ("what now?", "what do we do in the
  implementation phase?") gets the phase's next activities, one line each.
- Where the question names a situation ("while the pilot is running", "the award decision
  has been announced"), one or two activities stand out: each is shown with what the guide
  says to do in it, its steps the most relevant first, each with its text; where several
  stand close, each is one line, with the item that answers the question as its text.

Every row has text (never a title alone), the accountable role is cited to the HUKI lines,
and the decision that closes the phase is shown when the answer is about the phase as a
whole or about the activity that holds it.
"""

from __future__ import annotations

from guide_assistant.answers.context import AnswerContext, Ranked, md
from guide_assistant.answers.evidence import Evidence
from guide_assistant.answers.labels import LABELS
from guide_assistant.checklist.next_steps import is_finished
from guide_assistant.indexing.items import HUKI_KEYS
from guide_assistant.indexing.passages import Passage
from guide_assistant.kb.load import Guide
from guide_assistant.kb.schema import Activity

NEXT_LIMIT = 7
PHASE_GATE = 0.04  # activities whose best item scores within this of the best activity's are what the question is about
FOCUS = 3  # this few activities stand out: each is shown with its steps
STEPS_SHOWN = 6  # steps of the activity in focus: all of them up to this many, else the most relevant
STEPS_BESIDE = 3  # ... of the others in focus beside it
STEP_GATE = 0.08  # an activity's steps within this of its best item are shown
TEXT_KINDS = ("step", "summary", "deliverable", "decision")


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
    best: dict[str, Ranked] = {}  # each activity's best item for the question
    says: dict[str, Ranked] = {}  # ... and its best step or summary: what a row says to do
    for r in ctx.ranked:
        if r.unit.kind in TEXT_KINDS and ev.is_evidence(r.unit, lang):
            best.setdefault(r.unit.activities[0], r)
            if r.unit.kind in ("step", "summary"):
                says.setdefault(r.unit.activities[0], r)
    acts = [(g, a) for g, a in ev.kb.activities if a.phase == pid and not is_finished(a, ctx.done)]
    main = [t for t in acts if not {"anchoring", "benefits"} & set(t[1].tracks)] or acts

    def relevance(a: Activity) -> float:
        r = best.get(a.id)
        return r.score if r is not None else -1.0

    by_relevance = sorted(main, key=lambda t: -relevance(t[1]))
    generic = not ev.understander.own_topic(ctx.understood.question, events=True) or not by_relevance
    if generic:
        pick = by_relevance[:NEXT_LIMIT]
    else:
        top = relevance(by_relevance[0][1])
        pick = [t for t in by_relevance if relevance(t[1]) >= top - PHASE_GATE][:NEXT_LIMIT]
    target = next((t for t in main if t[1].id == ctx.target), None)
    if target is not None:  # a follow-up's activity ("and after that?": the next one in the guide)
        pick, generic = [target], False
    focus = not generic and len(pick) <= FOCUS
    if not focus:
        pick.sort(key=lambda t: ev.position[t[1].id])
    rows = []
    for n, (guide, act) in enumerate(pick, 1):
        if focus:
            rows.append(focused(ev, ctx, guide, act, STEPS_SHOWN if n == 1 else STEPS_BESIDE))
            continue
        unit = (says[act.id].unit if act.id in says and not generic else None) or first_unit(ev, act)
        row = f"{n}. **{md(ev.title(act, lang))}** ({md(ev.guide_title(guide, lang))}): {text_of(ev, unit, lang)} {ctx.cites.ref(ev.hit(unit))}"
        rows.append(row + accountable(ev, ctx, act))
    heading = L["next"] if generic else L["what_to_do"]
    out = [lead, f"**{heading}**\n" + ("\n\n" if focus else "\n").join(rows)]  # an activity's block ends its list
    shown = {a.id for _, a in pick}
    decisions = [(g, a) for g, a in ev.kb.activities if a.phase == pid and a.decision is not None and (generic or a.id in shown)]
    if decisions:
        decisions.sort(key=lambda t: -relevance(t[1]))
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
    lead_act = target[1] if target else by_relevance[0][1] if by_relevance and not generic else pick[0][1] if pick else None
    return "\n\n".join(out), lead_act.id if lead_act else None


def first_unit(ev: Evidence, act: Activity) -> Passage:
    """What an activity is about when the question names nothing in it: its summary, or its
    first step."""
    units: list[Passage] = [ev.engine.items[i] for i in ev.units_of.get(act.id, [])]
    return next((x for x in units if x.kind == "summary"), None) or next((x for x in units if x.kind == "step"), None) or units[0]


def text_of(ev: Evidence, unit: Passage, lang: str) -> str:
    """An item's text for a one-line row: its first whole sentence when that is short, else
    the whole item (never cut, never left out)."""
    return ev.first_sentence(unit, lang) or ev.wording(unit, lang)


def accountable(ev: Evidence, ctx: AnswerContext, act: Activity) -> str:
    """' — accountable: X [n]', cited to the HUKI lines (guides with HUKI lists only)."""
    L = LABELS[ctx.understood.language]
    roles_unit = ev.roles_unit(act) if ev.has_huki(act) and act.roles.accountable else None
    if roles_unit is None:
        return ""
    lang = ctx.understood.language
    mine = [L[k] for k in HUKI_KEYS if ctx.roles and set(ctx.roles) & set(getattr(act.roles, k))]
    you = f" ({L['you']}: {', '.join(mine)})" if mine else ""
    names = ", ".join(ev.role_name(x, lang) for x in act.roles.accountable)
    return f" — {L['accountable']}: {names}{you} {ctx.cites.ref(ev.hit(roles_unit))}"


def focused(ev: Evidence, ctx: AnswerContext, guide: Guide, act: Activity, limit: int) -> str:
    """An activity the question is about: its title, then its steps that answer the question
    (the most relevant, shown in the guide's order), each with its text and citation."""
    lang = ctx.understood.language
    mine = [r for r in ctx.ranked if r.unit.activities[0] == act.id and r.unit.kind == "step" and ev.is_evidence(r.unit, lang)]
    if not mine:
        mine = [r for r in ctx.ranked if r.unit.activities[0] == act.id and r.unit.kind in TEXT_KINDS and ev.is_evidence(r.unit, lang)]
    if len(mine) > limit:  # a short list is shown whole; of a long one, the steps that answer
        mine = [r for r in mine if r.score >= mine[0].score - STEP_GATE][:limit]
    mine.sort(key=lambda r: (r.unit.line_start, r.unit.line_end))
    head = f"**{md(ev.title(act, lang))}** ({md(ev.guide_title(guide, lang))}){accountable(ev, ctx, act)}"
    units = [r.unit for r in mine] or [first_unit(ev, act)]
    return "\n".join([head, *ev.list_rows(units, lang, ctx.originals, ctx.cites)])
