"""How / when / definition, and every question no other shape answers: the items that answer it,
the best first, grouped by guide; a list the question asks the contents of is given whole."""

from __future__ import annotations

from guide_assistant.answers.context import AnswerContext, Ranked, md
from guide_assistant.answers.evidence import CONTENTS, LIST_GAP, MIN_LIST, Evidence
from guide_assistant.kb.textnorm import fold

MAX_ITEMS = 7
ITEM_MARGIN = 0.03  # items within this of the best item's score are evidence (scores: dense cosine + boosts)
CLOSE_MARGIN = 0.01  # an item this close to the best is evidence even without a shared word
OTHER_GUIDES = 2  # items from other guides shown beside a whole list
WHOLE_LIST = 6  # a chosen item's list this short is shown whole: the guide's list, never its first point alone
MAX_SHOWN = 9  # with the lists made whole


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
    else:
        chosen = whole_lists(ev, chosen, ctx.ranked, best - ITEM_MARGIN)
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


def whole_lists(ev: Evidence, chosen: list[Ranked], ranked: list[Ranked], floor: float) -> list[Ranked]:
    """Each chosen item with the rest of its short list (its activity's items of its kind on
    lines close together: "Supplier risks ...", "Internal risks ..." after "Identify what can
    happen") that is still about the question (scores at least ``floor``), in the guide's
    order; the points already chosen are not repeated."""
    out: list[Ranked] = []
    seen: set[str] = set()
    for r in chosen:
        group = ev.whole_list(r, ranked)
        if len(group) <= WHOLE_LIST:  # the sentences of its paragraph whole; of a list, the points still about the question
            para = paragraph(group, r)
            group = [x for x in group if x.score >= floor or x.unit.id in para]
        if not 1 < len(group) <= WHOLE_LIST or len(out) + len(group) > MAX_SHOWN:
            group = [r]
        for x in group:
            if x.unit.id not in seen:
                seen.add(x.unit.id)
                out.append(x)
    return out


def paragraph(group: list[Ranked], r: Ranked) -> set[str]:
    """The items of ``group`` (in the guide's order) that continue ``r``'s paragraph: each
    starts on the line the one before it ends on, or earlier (sentences of one paragraph,
    not the points of a list, which stand on lines of their own)."""
    k = next(i for i, x in enumerate(group) if x.unit.id == r.unit.id)
    lo = hi = k
    while lo > 0 and group[lo].unit.line_start <= group[lo - 1].unit.line_end:
        lo -= 1
    while hi + 1 < len(group) and group[hi + 1].unit.line_start <= group[hi].unit.line_end:
        hi += 1
    return {x.unit.id for x in group[lo : hi + 1]}
