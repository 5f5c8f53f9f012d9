"""Who: the roles of the activity asked about (HUKI lists where the guide has them)."""

from __future__ import annotations

from guide_assistant.answers.context import AnswerContext
from guide_assistant.answers.evidence import Evidence
from guide_assistant.answers.labels import LABELS

MAX_ACTIVITIES_WHO = 2
ROLES_LOOKUP = 40  # how far down the evidence a HUKI list may stand


def compose(ev: Evidence, ctx: AnswerContext) -> tuple[str, str | None]:
    """The roles of the activity asked about: HUKI lists where the guide has them (a
    list whose own wording answers the question, '(tecknar avtal)', leads); for a guide
    without HUKI lists, that it has none and the sentence that names people."""
    lang = ctx.understood.language
    L = LABELS[lang]
    top = ev.best_activity(ctx.ranked, None, ctx.phases, ctx.target)
    order: list[tuple[int, str, bool]] = []  # (priority, activity id, has HUKI)
    if top is not None:
        order.append((1, top.id, ev.has_huki(top)))
    if ctx.target is None:  # a HUKI list among the best evidence: the one whose own words answer ('(tecknar avtal)'), else the best
        lists = [
            aid
            for aid in dict.fromkeys(r.unit.activities[0] for r in ctx.ranked[:ROLES_LOOKUP] if r.unit.kind == "roles")
            if ev.has_huki(ev.activity[aid]) and aid not in [o[1] for o in order]
        ]
        overlap = {aid: ev.qualified_overlap(ev.activity[aid], ctx.tokens) for aid in lists}
        # a list whose own line holds two or more of the question's words ('tecknar avtal') is
        # the answer wherever it ranks; one shared word ('... Implementera avtal)') is chance
        pick = max(lists, key=lambda aid: overlap[aid] if overlap[aid] >= 2 else 0, default=None)  # the best-ranked among equals
        if pick is not None:
            order.append((2, pick, True))
    order = [(0 if huki and ev.qualified(ev.activity[aid], ctx.tokens) else p, aid, huki) for p, aid, huki in order]
    order.sort(key=lambda t: t[0])
    lines = [
        ev.huki_line(ev.activity[aid], lang, ctx.cites, ctx.tokens)
        if huki
        else ev.prose_roles(ev.activity[aid], lang, ctx.cites, ctx.ranked)
        for _, aid, huki in order[:MAX_ACTIVITIES_WHO]
    ]
    if not lines:
        return "", None
    return f"**{L['who']}**\n" + "\n".join(lines), order[0][1]
