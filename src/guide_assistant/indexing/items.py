"""Every structured item of the knowledge as its own retrievable unit.

A step, a deliverable, a decision and each of its questions, a HUKI role list, a tool
and an activity summary each become a unit with its English text, the guide's own
wording and its exact lines, indexed next to the passages. Answers are built from these
units: they cite the lines that hold exactly the point made, not the passage around it.

Units are ``Passage`` records with ``kind`` set (the index stores both the same way):
``text`` is the guide's wording (OCR corrected), ``english`` the English text. An item
the guide removed is not a unit; one it reworded is its current wording, with no English
text until a person has reviewed it (``detail: reworded``).
"""

from __future__ import annotations

from guide_assistant.indexing.passages import Passage
from guide_assistant.kb.load import Guide, KnowledgeBase, step_id
from guide_assistant.kb.schema import Activity, Item

HUKI_KEYS = ("accountable", "responsible", "consulted", "informed")
# the citation kinds of contracts.md; a decision's questions are "decision" units with detail "question"
KINDS = ("passage", "step", "deliverable", "decision", "roles", "tool", "summary")


def _roles(act: Activity) -> list[str]:
    return list(dict.fromkeys(r for k in HUKI_KEYS for r in getattr(act.roles, k)))


def roles_english(kb: KnowledgeBase, act: Activity) -> str:
    names = {r.id: r.name.en for r in kb.roles.roles}
    parts = [f"{key}: " + ", ".join(names.get(x, x) for x in getattr(act.roles, key)) for key in HUKI_KEYS if getattr(act.roles, key)]
    return f"Roles for {act.title} (HUKI): " + "; ".join(parts) + "."


def activity_units(kb: KnowledgeBase, guide: Guide, act: Activity) -> list[Passage]:
    out: list[Passage] = []

    def unit(kind: str, key: str, item: Item | None, start: int, end: int, text: str, english: str, detail: str = "") -> None:
        if item is not None and item.review == "removed":
            return  # no longer in the guide: kept in the knowledge for review, never evidence
        if item is not None and item.review == "reworded":
            # the guide says something else now: its current words, no stale English
            text, english, detail = guide.readable(start, end), "", "reworded"
        out.append(
            Passage(
                id=f"{act.id}#{key}",
                source=guide.entry.file,
                source_id=guide.entry.id,
                line_start=start,
                line_end=end,
                section=act.section,
                language=guide.entry.language,
                phases=[act.phase],
                tracks=list(act.tracks),
                roles=_roles(act),
                activities=[act.id],
                titles=[act.title],
                text=text,
                english=english,
                kind=kind,
                detail=detail,
            )
        )

    if act.summary is not None:
        s = act.summary
        unit("summary", "summary", s, s.lines.start, s.lines.end, s.original, s.text)
    if act.roles.lines is not None and _roles(act) and act.roles.review is None:
        r = act.roles.lines
        unit("roles", "roles", None, r.start, r.end, guide.readable(r.start, r.end), roles_english(kb, act))
    for i, s in enumerate(act.steps):
        unit("step", step_id(act, i), s, s.lines.start, s.lines.end, s.original, s.text, detail=s.kind)
    for i, d in enumerate(act.deliverables):
        unit("deliverable", f"deliverable-{i + 1}", d, d.lines.start, d.lines.end, d.original, d.text)
    if act.decision is not None:
        d = act.decision
        unit("decision", "decision", d, d.lines.start, d.lines.end, d.original, d.text)
        for i, q in enumerate(d.questions):
            unit("decision", f"question-{i + 1}", q, q.lines.start, q.lines.end, q.original, q.text, detail="question")
    for i, t in enumerate(act.tools):
        unit("tool", f"tool-{i + 1}", t, t.lines.start, t.lines.end, t.original, t.text)
    return out


def build_items(kb: KnowledgeBase) -> list[Passage]:
    return [u for guide, act in kb.activities for u in activity_units(kb, guide, act)]
