"""Checklists: activities with their steps, roles, deliverables and decision points."""

from __future__ import annotations

from collections.abc import Set

from pydantic import BaseModel

from guide_assistant.common.i18n import N_, current_language, gettext
from guide_assistant.kb.load import Guide, KnowledgeBase, step_id
from guide_assistant.kb.schema import Activity, Item

HUKI_KEYS = ("accountable", "responsible", "consulted", "informed")
DRAFT_MARK = N_("(draft)")  # after the title of an activity that is `review: draft` (not yet read by a person)


class Ref(BaseModel):
    source: str
    line_start: int
    line_end: int


class StepOut(Ref):
    id: str
    kind: str
    text: str
    original: str
    done: bool = False
    review: str | None = None  # reworded / removed (the guide changed under it) / draft (not yet reviewed)


class ItemOut(Ref):
    text: str
    original: str
    review: str | None = None


class DecisionOut(Ref):
    text: str
    original: str
    questions: list[ItemOut]


class RolesOut(BaseModel):
    accountable: list[str] = []
    responsible: list[str] = []
    consulted: list[str] = []
    informed: list[str] = []


class ActivityOut(Ref):
    id: str
    title: str
    title_original: str
    section: str
    phase: str
    tracks: list[str]
    roles: RolesOut
    steps: list[StepOut]
    deliverables: list[ItemOut]
    decision: DecisionOut | None
    tools: list[ItemOut]
    role_match: list[str] | None = None  # with --role: which HUKI letters the role holds
    review: str | None = None  # "draft": proposed by `kb draft`, not yet read by a person

    @property
    def shown_title(self) -> str:
        return self.title_in("en")

    def title_in(self, lang: str) -> str:
        """The title in ``lang``: the English text for en, the guide's own wording for sv/no;
        marked when it is a draft."""
        title = self.title if lang == "en" else self.title_original
        return f"{title} {gettext(lang, DRAFT_MARK)}" if self.review == "draft" else title


def _item(file: str, item: Item) -> ItemOut:
    return ItemOut(
        source=file, line_start=item.lines.start, line_end=item.lines.end, text=item.text, original=item.original, review=item.review
    )


def activity_out(guide: Guide, act: Activity, done: Set[str] = frozenset()) -> ActivityOut:
    f = guide.entry.file
    steps = [
        StepOut(
            source=f,
            line_start=s.lines.start,
            line_end=s.lines.end,
            id=step_id(act, i),
            kind=s.kind,
            text=s.text,
            original=s.original,
            done=step_id(act, i) in done,
            review=s.review,
        )
        for i, s in enumerate(act.steps)
    ]
    decision = None
    if act.decision is not None:
        d = act.decision
        decision = DecisionOut(
            source=f,
            line_start=d.lines.start,
            line_end=d.lines.end,
            text=d.text,
            original=d.original,
            questions=[_item(f, q) for q in d.questions],
        )
    return ActivityOut(
        source=f,
        line_start=act.lines.start,
        line_end=act.lines.end,
        id=act.id,
        title=act.title,
        review=act.review,
        title_original=act.title_original,
        section=act.section,
        phase=act.phase,
        tracks=list(act.tracks),
        roles=RolesOut(**{k: list(getattr(act.roles, k)) for k in HUKI_KEYS}),
        steps=steps,
        deliverables=[_item(f, d) for d in act.deliverables],
        decision=decision,
        tools=[_item(f, t) for t in act.tools],
    )


def phase_order(kb: KnowledgeBase) -> dict[str, int]:
    return {p.id: p.order for p in kb.phases.phases}


def checklist(
    kb: KnowledgeBase, phases: list[str] | None = None, roles: list[str] | None = None, done: Set[str] = frozenset()
) -> list[ActivityOut]:
    """Activities in canonical phase order (guide order within a phase), filtered."""
    order = phase_order(kb)
    rows: list[tuple[int, int, ActivityOut]] = []
    for n, (guide, act) in enumerate(kb.activities):
        if phases and act.phase not in phases:
            continue
        out = activity_out(guide, act, done)
        if roles:
            letters = [k for k in HUKI_KEYS if set(roles) & set(getattr(act.roles, k))]
            if not letters:
                continue
            out.role_match = letters
        rows.append((order[act.phase], n, out))
    return [r[2] for r in sorted(rows, key=lambda r: (r[0], r[1]))]


REVIEW_MARKS = {
    "reworded": N_("the guide reworded this; check it against the source"),
    "removed": N_("no longer in the guide; kept for review, not guidance"),
    "draft": N_("draft, not reviewed"),
}
HUKI_NAMES = {"accountable": N_("accountable"), "responsible": N_("responsible"), "consulted": N_("consulted"), "informed": N_("informed")}


def review_mark(review: str | None, done: bool = False, lang: str | None = None) -> str:
    """What a reader must know about an item under review (and a tick made before the change)."""
    if review is None:
        return ""
    lang = lang or current_language()
    mark = f" **⚠ {gettext(lang, REVIEW_MARKS[review]) if review in REVIEW_MARKS else review}**"
    if done and review in ("reworded", "removed"):
        mark += " " + gettext(lang, N_("(ticked before the guide changed)"))
    return mark


def phase_title(kb: KnowledgeBase, lang: str) -> dict[str, str]:
    """'3. Design and pilot the service' per phase id, in ``lang``."""
    return {p.id: f"{p.order}. {getattr(p.name, lang)}" for p in kb.phases.phases}


def role_names(kb: KnowledgeBase, lang: str) -> dict[str, str]:
    return {r.id: getattr(r.name, lang) for r in kb.roles.roles}
