"""Who: the roles of the activity asked about (HUKI lists where the guide has them)."""

from __future__ import annotations

from guide_assistant.answers.context import AnswerContext
from guide_assistant.answers.evidence import Evidence
from guide_assistant.answers.labels import LABELS

MAX_ACTIVITIES_WHO = 2


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
    if ctx.target is None:
        for r in ctx.ranked[:40]:
            aid = r.unit.activities[0]
            if r.unit.kind == "roles" and ev.has_huki(ev.activity[aid]) and aid not in [o[1] for o in order]:
                order.append((2, aid, True))
                break
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
