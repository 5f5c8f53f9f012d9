"""Draft a guide's activities from its headings and lists (``guide-assistant kb draft``).

One activity per section that holds bullets or numbered lines: its steps are the list
lines; lists under a heading or a lead-in that names deliverables ("Leveranser",
"Leveranse", "Deliverables", "ska innehålla", "skal inneholde", "Resultat") are its
deliverables (a sub-section named so gives them to its parent's activity); the section's
first paragraph is its summary. Nothing is translated: each item's ``text`` and
``original`` are the line's own text, the title is the heading, the phase is the
section's (suggested) crosswalk phase, and the activity and every item carry
``review: draft`` until a person has read them against the guide.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from guide_assistant.common.fsutil import atomic_write_text
from guide_assistant.kb import fidelity
from guide_assistant.kb.ingest.blocks import slug, yq
from guide_assistant.kb.ingest.suggest import QueryEmbedder, Suggestion, suggest_phases
from guide_assistant.kb.load import Guide, KnowledgeBase
from guide_assistant.kb.schema import ActivitiesFile
from guide_assistant.kb.sections import Section

DELIVERABLES_RE = re.compile(
    r"(leveranser|leveranse|leverans|leverancer|leverance|deliverables?|ska innehålla|skall innehålla|"
    r"skal inneholde|skal indeholde|should contain|must contain|resultat|results?)\b",
    re.I,
)
BULLET_RE = re.compile(r"^\s*[-•·▪‣◦■□●○*+–]\s+(\S.*)$")
NUMBERED_RE = re.compile(r"^\s*\d{1,3}(?:\.\d{1,3})*[.)]?\s+(\S.*)$")


class DraftError(Exception):
    pass


@dataclass
class DraftItem:
    text: str
    line: int
    kind: str = "do"


@dataclass
class DraftActivity:
    section: Section
    summary: DraftItem | None = None
    steps: list[DraftItem] = field(default_factory=list)
    deliverables: list[DraftItem] = field(default_factory=list)


def _list_line(raw: str) -> tuple[str, str] | None:
    """(kind, text) of a bullet or numbered line, else None."""
    m = BULLET_RE.match(raw)
    if m:
        return "do", m.group(1).strip()
    m = NUMBERED_RE.match(raw)
    if m and not m.group(1)[:1].islower():
        return "step", m.group(1).strip()
    return None


def _deliverable_heading(title: str) -> bool:
    return bool(DELIVERABLES_RE.match(title.strip()))


def collect(guide: Guide) -> list[DraftActivity]:
    """The draft activities of a guide, in the guide's order."""
    raw = guide.text.lines
    drafts: dict[int, DraftActivity] = {}  # by the section's first line
    order: list[int] = []

    def activity_for(sec: Section) -> DraftActivity:
        if sec.line_start not in drafts:
            drafts[sec.line_start] = DraftActivity(sec)
            order.append(sec.line_start)
        return drafts[sec.line_start]

    for sec in guide.sections.walk():
        if sec.level == 0 and not sec.content:
            continue
        owner = sec
        all_deliverables = _deliverable_heading(sec.title) if sec.level > 0 else False
        if all_deliverables and sec.parent is not None and sec.parent.level > 0:
            owner = sec.parent
        lead_in_deliverables = False
        first_para: DraftItem | None = None
        items: list[tuple[str, DraftItem]] = []
        for n in sec.content:
            line = raw[n - 1]
            listed = _list_line(line)
            if listed is None:
                text = line.strip().lstrip("\\")
                lead_in_deliverables = bool(DELIVERABLES_RE.search(text)) and (text.endswith(":") or len(text.split()) <= 6)
                if first_para is None and not lead_in_deliverables:
                    first_para = DraftItem(text, n)
                continue
            kind, text = listed
            where = "deliverables" if (all_deliverables or lead_in_deliverables) else "steps"
            items.append((where, DraftItem(text, n, kind)))
        if not items:
            continue
        act = activity_for(owner)
        for where, item in items:
            getattr(act, where).append(item)
        if owner is sec and first_para is not None and act.summary is None:
            act.summary = first_para
    return [drafts[k] for k in sorted(order)]


def _phase(kb: KnowledgeBase, guide: Guide, sec: Section, end: int) -> tuple[str, list[str]]:
    """The phase (and tracks) of the tightest crosswalk entry of this guide that holds the section."""
    best = None
    for c in kb.phases.crosswalk:
        if c.source != guide.entry.file or not c.phases:
            continue
        inside = c.lines.start <= sec.line_start and end <= c.lines.end
        if inside and (best is None or (c.lines.end - c.lines.start) <= (best.lines.end - best.lines.start)):
            best = c
    if best is None:
        for c in kb.phases.crosswalk:  # overlapping, e.g. a section cut differently after review
            if c.source == guide.entry.file and c.phases and c.lines.start <= end and c.lines.end >= sec.line_start:
                best = c
                break
    if best is not None:
        return best.phases[0], list(best.tracks)
    return "", []


def _last_nonblank(guide: Guide, start: int, end: int) -> int:
    while end > start and not guide.text.lines[end - 1].strip():
        end -= 1
    return end


def _item_yaml(item: DraftItem, pad: str, first: str, kind: bool = False) -> list[str]:
    lines = [f"{first}kind: {item.kind}"] if kind else []
    head = first if not kind else pad
    lines += [
        f"{head}text: {yq(item.text)}",
        f"{pad}original: {yq(item.text)}",
        f"{pad}lines: [{item.line}, {item.line}]",
        f"{pad}review: draft",
    ]
    return lines


def render(kb: KnowledgeBase, guide: Guide, drafts: list[DraftActivity], when: str, load_embedder: Callable[[], QueryEmbedder]) -> str:
    sid = guide.entry.id
    taken = {a.id for g, a in kb.activities if g.entry.id != sid}
    out = [
        f"# Drafted by `guide-assistant kb draft {sid}` on {when} from the headings and lists of {guide.entry.file}.",
        "# Every activity and item is `review: draft`: read each against the source, write `text` in",
        "# English, fix titles, kinds and phases, then remove the `review: draft` lines.",
        f"source: {yq(guide.entry.file)}",
        "activities:",
    ]
    used: set[str] = set()
    suggested: list[Suggestion] | None = None
    for k, d in enumerate(drafts, 1):
        sec = d.section
        title = sec.title if sec.level > 0 else guide.entry.title
        base = f"{sid}-{slug(title, 40)}".rstrip("-") if slug(title, 40) else f"{sid}-section-{k}"
        aid, n = base, 2
        while aid in used or aid in taken:
            aid, n = f"{base}-{n}", n + 1
        used.add(aid)
        end = _last_nonblank(guide, sec.line_start, sec.line_end)
        phase, tracks = _phase(kb, guide, sec, end)
        if not phase:
            if suggested is None:  # the embedder loads for the first section the crosswalk does not place
                suggested = suggest_phases(kb, guide, load_embedder())
            phase = next((s.phase for s in suggested if s.section.line_start <= sec.line_start and end <= s.lines[1]), "plan")
        out += [
            f"  - id: {aid}",
            f"    title: {yq(title)}",
            f"    title_original: {yq(title)}",
            f"    section: {yq(sec.path_text or guide.entry.title)}",
            f"    phase: {phase}",
        ]
        if tracks:
            out.append(f"    tracks: [{', '.join(tracks)}]")
        out += [f"    lines: [{sec.line_start}, {end}]", "    review: draft"]
        if d.summary is not None:
            out.append("    summary:")
            out += _item_yaml(d.summary, "      ", "      ")
        if d.steps:
            out.append("    steps:")
            for s in d.steps:
                out += _item_yaml(s, "        ", "      - ", kind=True)
        if d.deliverables:
            out.append("    deliverables:")
            for s in d.deliverables:
                out += _item_yaml(s, "        ", "      - ")
    return "\n".join(out) + "\n"


@dataclass
class DraftResult:
    path: Path
    activities: list[tuple[str, str, int, int]]  # id, phase, steps, deliverables


def draft(
    kb: KnowledgeBase, source: str, force: bool = False, today: date | None = None, *, load_embedder: Callable[[], QueryEmbedder]
) -> DraftResult:
    """Write knowledge/activities/<source-id>.yaml with the draft activities (atomically;
    an existing file only with ``force``). DraftError says why not."""
    guide = kb.guides.get(source) or next((g for g in kb.guides.values() if g.entry.file == source), None)
    if guide is None:
        raise DraftError(f"unknown source '{source}'; valid: {', '.join(kb.guides)}")
    path = kb.paths.knowledge / "activities" / f"{guide.entry.id}.yaml"
    if path.exists() and not force:
        raise DraftError(f"{kb.paths.rel(path)} exists already; give --force to replace it with a draft")
    drafts = collect(guide)
    if not drafts:
        raise DraftError(f"{guide.entry.file} has no section with bullets or numbered lines to draft activities from")
    text = render(kb, guide, drafts, (today or date.today()).isoformat(), load_embedder)
    try:
        model = ActivitiesFile.model_validate(yaml.safe_load(text))
    except Exception as e:  # a bug here, not the user's: say so rather than write a bad file
        raise DraftError(f"the draft does not match the activity schema: {e}") from None
    for act in model.activities:
        items = ([act.summary] if act.summary else []) + [*act.steps, *act.deliverables]
        for it in items:
            score = fidelity.containment(it.original, guide.cleaned_span(it.lines.start, it.lines.end))
            if score < fidelity.THRESHOLD:
                raise DraftError(f"draft item on line {it.lines.start} does not match its line ({score:.0%})")
    atomic_write_text(path, text)
    return DraftResult(path, [(a.id, a.phase, len(a.steps), len(a.deliverables)) for a in model.activities])
