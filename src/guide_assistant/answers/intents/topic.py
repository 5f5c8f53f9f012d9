"""How / when / definition, and every question no other shape answers: the items that answer it,
the best first, grouped by guide; a list the question asks the contents of is given whole."""

from __future__ import annotations

from guide_assistant.answers.context import AnswerContext, Ranked, md
from guide_assistant.answers.evidence import CONTENTS, LIST_GAP, MIN_LIST, Evidence
from guide_assistant.kb.textnorm import fold

MAX_ITEMS = 7
ITEM_MARGIN = 0.022  # items within this of the best item's score are evidence (scores: dense cosine + boosts)
CLOSE_MARGIN = 0.01  # an item this close to the best is evidence even without a shared word
OTHER_GUIDES = 2  # items from other guides shown beside a whole list


def compose(ev: Evidence, ctx: AnswerContext) -> tuple[str, str | None]:
    """how / when / definition: the items that answer it, the best first, grouped by
    guide; a list the question asks the contents of is given whole."""
    lang = ctx.understood.language
    evidence = [r for r in ctx.ranked if r.unit.kind != "roles" and ev.is_evidence(r.unit, lang)]
    if not evidence:
        return "", None
    best = evidence[0].score
    best_dense = ev.engine.unit_dense(ctx.understood.query, evidence[0].unit.id)
    chosen: list[Ranked] = []
    for r in evidence[: MAX_ITEMS * 4]:
        if r.score < best - ITEM_MARGIN or len(chosen) >= MAX_ITEMS:
            break
        if chosen and r.lexical <= 0 and r.score < best - CLOSE_MARGIN:
            continue  # shares no word with the question and is not close to the best: not evidence
        if any(
            c.unit.source == r.unit.source and c.unit.line_start <= r.unit.line_end and r.unit.line_start <= c.unit.line_end for c in chosen
        ):
            continue  # the same lines already stand as evidence
        chosen.append(r)
    if CONTENTS.search(fold(ctx.understood.question)):  # "what should X contain?": the list the guide gives for it, whole
        whole = ev.contents_list([r for r in ctx.ranked if r.score >= best - ITEM_MARGIN])
        if not whole:  # no lead-in: the longest list one of the chosen items belongs to
            whole = max((ev.whole_list(r, ctx.ranked) for r in chosen), key=len, default=[])
        if len(whole) > MIN_LIST:  # the list, then what other guides say of it
            others = [r for r in chosen if r.unit.source != whole[0].unit.source][:OTHER_GUIDES]
            chosen = whole + others
    lines: list[str] = []
    head_act = ev.activity.get(chosen[0].unit.activities[0])
    if ctx.understood.intent == "definition":
        term = ev.glossary_line(ctx.understood.question, lang)
        if term:
            lines.append(term)
    by_guide: dict[str, list[Ranked]] = {}
    for r in chosen:  # in score order: the guide with the best evidence first, its best item first
        by_guide.setdefault(r.unit.source_id, []).append(r)
    for gid, rs in by_guide.items():
        guide = ev.kb.guides[gid]
        block = [f"**{md(ev.guide_title(guide, lang))}**"]
        listed = len(rs) > MAX_ITEMS or (len(chosen) > MIN_LIST and all(r.unit.activities == rs[0].unit.activities for r in rs))
        block += ev.list_rows([r.unit for r in rs], lang, ctx.originals, ctx.cites, LIST_GAP if listed else None)
        lines.append("\n".join(block))
    quoted = ev.sentences(
        ctx.understood.query,
        ctx.understood.question,
        ctx.passages,
        best_dense,
        ctx.cites,
        {(r.unit.source, r.unit.line_start) for r in chosen},
        lang,
    )
    if quoted:
        lines.append(quoted)
    if head_act is not None:
        lines.append(ev.where(head_act, lang))
    return "\n\n".join(lines), head_act.id if head_act else None
