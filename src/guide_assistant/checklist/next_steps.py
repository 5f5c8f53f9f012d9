"""What comes next, from the current phase and the steps already done.

The unfinished activities of the current phase in the guides' order, the decision that
closes the phase, then the start of the next phase, plus this phase's anchoring and
benefits-track activities (the Norwegian guide: do them in every phase).
"""

from __future__ import annotations

from pydantic import BaseModel

from guide_assistant.kb.load import Guide, KnowledgeBase, step_id
from guide_assistant.kb.schema import Activity

MAIN_LIMIT = 6
NEXT_PHASE_LIMIT = 2
TRACK_LIMIT = 3


class NextActivity(BaseModel):
    id: str
    title: str
    phase: str
    kind: str  # "activity" | "decision" | "next-phase" | "track"
    title_original: str = ""
    source: str = ""
    line_start: int = 0
    line_end: int = 0
    steps_left: int = 0


def done_steps(kb: KnowledgeBase, done: set[str] | list[str]) -> set[str]:
    """Done step ids; an activity id in ``done`` counts all of its steps as done."""
    done = set(done)
    out = set(done)
    for _, act in kb.activities:
        if act.id in done:
            out |= {step_id(act, i) for i in range(len(act.steps))}
    return out


def phase_progress(kb: KnowledgeBase, done: set[str] | list[str]) -> dict[str, tuple[int, int]]:
    """Done and total steps per phase."""
    done = done_steps(kb, done)
    out: dict[str, tuple[int, int]] = {}
    for p in kb.phases.phases:
        acts = [a for _, a in kb.activities if a.phase == p.id]
        out[p.id] = (sum(1 for a in acts for i in range(len(a.steps)) if step_id(a, i) in done), sum(len(a.steps) for a in acts))
    return out


def cite_lines(act: Activity) -> tuple[int, int]:
    """A passage-sized range that stands for the activity: its summary or first step."""
    item = act.summary or (act.steps[0] if act.steps else None) or (act.deliverables[0] if act.deliverables else None)
    if item is None:
        return act.lines.start, act.lines.end
    return item.lines.start, item.lines.end


def steps_left(act: Activity, done: set[str]) -> int:
    return sum(1 for i in range(len(act.steps)) if step_id(act, i) not in done)


def is_finished(act: Activity, done: set[str]) -> bool:
    return act.id in done or (bool(act.steps) and steps_left(act, done) == 0)


def _item(guide: Guide, act: Activity, kind: str, done: set[str]) -> NextActivity:
    a, b = cite_lines(act)
    if kind == "decision" and act.decision is not None:
        a, b = act.decision.lines.start, act.decision.lines.end
    return NextActivity(
        id=act.id,
        title=act.title if kind != "decision" or act.decision is None else f"Decision: {act.decision.text}",
        phase=act.phase,
        kind=kind,
        title_original=act.title_original,
        source=guide.entry.file,
        line_start=a,
        line_end=b,
        steps_left=steps_left(act, done),
    )


def next_activities(kb: KnowledgeBase, phase: str, done: set[str] | list[str]) -> list[NextActivity]:
    done = done_steps(kb, done)
    order: dict[str, int] = {p.id: p.order for p in kb.phases.phases}
    by_order = {p.order: p.id for p in kb.phases.phases}
    in_phase = [(g, a) for g, a in kb.activities if a.phase == phase]
    main = [(g, a) for g, a in in_phase if not {"anchoring", "benefits"} & set(a.tracks)]
    tracks = [(g, a) for g, a in in_phase if {"anchoring", "benefits"} & set(a.tracks)]
    out: list[NextActivity] = []
    for g, a in [(g, a) for g, a in main if not is_finished(a, done)][:MAIN_LIMIT]:
        out.append(_item(g, a, "activity", done))
    for g, a in main:
        if a.decision is not None and not is_finished(a, done):
            out.append(_item(g, a, "decision", done))
    nxt = by_order.get(order[phase] + 1)
    if nxt is not None:
        first = [
            (g, a)
            for g, a in kb.activities
            if a.phase == nxt and not {"anchoring", "benefits"} & set(a.tracks) and not is_finished(a, done)
        ]
        for g, a in first[:NEXT_PHASE_LIMIT]:
            out.append(_item(g, a, "next-phase", done))
    for g, a in [(g, a) for g, a in tracks if not is_finished(a, done)][:TRACK_LIMIT]:
        out.append(_item(g, a, "track", done))
    return out
