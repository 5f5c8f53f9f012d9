"""Load and check the whole knowledge base: every file, every reference, every citation."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guide_assistant.common.config import Paths
from guide_assistant.kb.cleanup import Cleaner
from guide_assistant.kb.errors import KnowledgeError, KnowledgeProblem
from guide_assistant.kb.schema import (
    ActivitiesFile,
    Activity,
    Aliases,
    EventsFile,
    GlossaryFile,
    Item,
    Lines,
    PassageFixesFile,
    PhasesFile,
    RelationWords,
    RolesFile,
    SourceEntry,
    SourcesFile,
    WordFixesFile,
)
from guide_assistant.kb.sources import SourceReadError, SourceText, read_source

if TYPE_CHECKING:
    from guide_assistant.kb.sections import Section
    from guide_assistant.kb.yamlio import YamlDoc

# Parsing YAML, the section parsers and the fidelity check are imported where they are
# used: a start that takes the knowledge from the index's snapshot needs none of them.


@dataclass
class Guide:
    """One source with everything that belongs to it."""

    entry: SourceEntry
    text: SourceText
    cleaner: Cleaner
    activities: list[Activity] = field(default_factory=list)

    @cached_property
    def sections(self) -> Section:
        from guide_assistant.kb.parsers import parse

        root, _ = parse(self.entry.parser, self.entry.file, self.entry.title, self.text.lines, self.cleaner)
        return root

    def readable(self, start: int, end: int, keep: set[int] | None = None) -> str:
        """Readable text of lines start..end; with ``keep``, only those lines (blank lines
        are always kept, as paragraph breaks), e.g. a section's own content."""
        if keep is None:
            return self.cleaner.readable(self.text.span(start, end), start)
        return self.cleaner.readable(self.text.span(start, end), start, lambda n, raw: n in keep or not raw.strip())

    def cleaned_span(self, start: int, end: int) -> str:
        """The cited raw lines with OCR words fixed (no hand-fixed passages): what fidelity checks."""
        return "\n".join(self.cleaner.clean_line(l)[0] for l in self.text.span(start, end))


@dataclass
class KnowledgeBase:
    paths: Paths
    guides: dict[str, Guide]  # by source id, in registry order
    phases: PhasesFile
    roles: RolesFile
    glossary: GlossaryFile
    events: EventsFile = field(
        default_factory=lambda: EventsFile(relations=RelationWords(before=Aliases(), after=Aliases(), during=Aliases()))
    )

    def guide_for_file(self, file: str) -> Guide:
        for g in self.guides.values():
            if g.entry.file == file:
                return g
        raise KeyError(file)

    @property
    def activities(self) -> list[tuple[Guide, Activity]]:
        return [(g, a) for g in self.guides.values() for a in g.activities]


def step_id(activity: Activity, index: int) -> str:
    step = activity.steps[index]
    return step.id or f"{activity.id}-{index + 1}"


class _Loader:
    def __init__(self, paths: Paths, check_fidelity: bool):
        self.paths = paths
        self.check_fidelity = check_fidelity
        self.problems: list[KnowledgeProblem] = []
        self.warnings: list[KnowledgeProblem] = []  # items under review: reported, not errors

    def label(self, path: Path) -> str:
        return self.paths.rel(path)

    def model(self, path: Path, model: Any) -> tuple[Any, Any]:
        from guide_assistant.kb.yamlio import load_model

        obj, doc, problems = load_model(path, self.label(path), model)
        self.problems.extend(problems)
        return obj, doc

    def duplicates(self, doc: YamlDoc, ids: list[tuple[tuple[Any, ...], str]], what: str) -> None:
        seen: dict[str, tuple[Any, ...]] = {}
        for loc, value in ids:
            if value in seen:
                first = doc.line_of(seen[value])
                self.problems.append(doc.problem(loc, f"duplicate {what} id '{value}' (first at line {first})"))
            else:
                seen[value] = loc

    def load(self) -> KnowledgeBase | None:
        k = self.paths.knowledge
        reg, reg_doc = self.model(k / "sources.yaml", SourcesFile)
        phases, phases_doc = self.model(k / "phases.yaml", PhasesFile)
        roles, roles_doc = self.model(k / "roles.yaml", RolesFile)
        glossary, gl_doc = self.model(k / "glossary.yaml", GlossaryFile)
        events = None
        if (k / "events.yaml").exists():
            events, ev_doc = self.model(k / "events.yaml", EventsFile)
            if events is not None:
                self.duplicates(ev_doc, [(("events", i, "id"), e.id) for i, e in enumerate(events.events)], "event")
        guides: dict[str, Guide] = {}
        if reg is not None:
            self.duplicates(reg_doc, [(("sources", i, "id"), s.id) for i, s in enumerate(reg.sources)], "source")
            for i, entry in enumerate(reg.sources):
                try:
                    text = read_source(self.paths.sources, entry)
                except SourceReadError as e:
                    self.problems.append(reg_doc.problem(("sources", i, "file"), str(e)))
                    continue
                guides[entry.id] = Guide(entry, text, self.cleaner(entry, text))
        if roles is not None:
            self.duplicates(roles_doc, [(("roles", i, "id"), r.id) for i, r in enumerate(roles.roles)], "role")
        if glossary is not None:
            self.duplicates(gl_doc, [(("terms", i, "id"), t.id) for i, t in enumerate(glossary.terms)], "term")
        if phases is not None:
            self.check_crosswalk(phases_doc, phases, guides)
        role_ids = {r.id for r in roles.roles} if roles else None
        self.load_activities(guides, role_ids)
        if reg is None or phases is None or roles is None or glossary is None:
            return None
        kb = KnowledgeBase(self.paths, guides, phases, roles, glossary)
        if events is not None:
            kb.events = events
        return kb

    def cleaner(self, entry: SourceEntry, text: SourceText) -> Cleaner:
        words = WordFixesFile(source=entry.file)
        passages = PassageFixesFile(source=entry.file)
        wpath = self.paths.knowledge / "cleanup" / "words" / f"{entry.id}.yaml"
        ppath = self.paths.knowledge / "cleanup" / "passages" / f"{entry.id}.yaml"
        if wpath.exists():
            obj, doc = self.model(wpath, WordFixesFile)
            if obj is not None:
                self.same_source(doc, obj.source, entry)
                words = obj
        if ppath.exists():
            obj, doc = self.model(ppath, PassageFixesFile)
            if obj is not None:
                self.same_source(doc, obj.source, entry)
                last = 0
                for i, p in sorted(enumerate(obj.passages), key=lambda t: t[1].lines.start):
                    if p.review is not None:
                        self.warnings.append(
                            doc.problem(("passages", i, "review"), f"hand-fixed passage under review ({p.review}); not applied")
                        )
                        continue
                    self.lines_ok(doc, ("passages", i, "lines"), p.lines, text)
                    if p.lines.start <= last:
                        self.problems.append(
                            doc.problem(("passages", i, "lines"), f"passage lines {p.lines.start}-{p.lines.end} overlap another passage")
                        )
                    last = max(last, p.lines.end)
                passages = obj
        # a hand-fixed passage whose lines changed in the guide is not applied until reviewed
        fixes = tuple(p for p in passages.passages if p.review is None)
        return Cleaner(words.words, tuple(words.line_prefixes), fixes, language=entry.language)

    def same_source(self, doc: YamlDoc, source: str, entry: SourceEntry) -> None:
        if source != entry.file:
            self.problems.append(doc.problem(("source",), f"source '{source}' does not match {entry.file} (id {entry.id})"))

    def lines_ok(self, doc: YamlDoc, loc: tuple[Any, ...], lines: Lines, text: SourceText) -> bool:
        if not text.in_range(lines.start, lines.end):
            self.problems.append(
                doc.problem(loc, f"lines {lines.start}-{lines.end} are past the end of {text.entry.file} ({len(text.lines)} lines)")
            )
            return False
        return True

    def check_crosswalk(self, doc: YamlDoc, phases: PhasesFile, guides: dict[str, Guide]) -> None:
        by_file = {g.entry.file: g for g in guides.values()}
        for i, c in enumerate(phases.crosswalk):
            g = by_file.get(c.source)
            if g is None:
                self.problems.append(doc.problem(("crosswalk", i, "source"), f"unknown source file '{c.source}'"))
            elif c.review == "removed":  # no longer in the guide: its lines are where it was
                self.warnings.append(doc.problem(("crosswalk", i, "review"), f"crosswalk entry under review ({c.review})"))
            else:
                self.lines_ok(doc, ("crosswalk", i, "lines"), c.lines, g.text)
        ids = [p.id for p in phases.phases]
        if sorted(ids) != sorted(set(ids)) or len(ids) != 7:
            self.problems.append(doc.problem(("phases",), "phases must list each of the seven canonical phases once"))

    def load_activities(self, guides: dict[str, Guide], role_ids: set[str] | None) -> None:
        folder = self.paths.knowledge / "activities"
        seen_activity: dict[str, str] = {}
        for path in sorted(folder.glob("*.yaml")):
            obj, doc = self.model(path, ActivitiesFile)
            if obj is None:
                continue
            guide = guides.get(path.stem)
            if guide is None:
                self.problems.append(
                    doc.problem(("source",), f"no source with id '{path.stem}' in sources.yaml (the file name is the source id)")
                )
                continue
            self.same_source(doc, obj.source, guide.entry)
            for ai, act in enumerate(obj.activities):
                loc = ("activities", ai)
                if act.id in seen_activity:
                    self.problems.append(doc.problem(loc + ("id",), f"duplicate activity id '{act.id}' (also in {seen_activity[act.id]})"))
                seen_activity[act.id] = f"{doc.label}:{doc.line_of(loc + ('id',))}"
                self.check_activity(doc, loc, act, guide, role_ids)
            guide.activities = list(obj.activities)

    def check_activity(self, doc: YamlDoc, loc: tuple[Any, ...], act: Activity, guide: Guide, role_ids: set[str] | None) -> None:
        from guide_assistant.kb import fidelity

        if act.review == "removed":  # no longer in the guide: its lines are where it was
            self.warnings.append(doc.problem(loc + ("review",), f"activity under review ({act.review})"))
        else:
            self.lines_ok(doc, loc + ("lines",), act.lines, guide.text)
        if role_ids is not None:
            for key in ("accountable", "responsible", "consulted", "informed"):
                for ri, role in enumerate(getattr(act.roles, key)):
                    if role not in role_ids:
                        self.problems.append(doc.problem(loc + ("roles", key, ri), f"unknown role id '{role}' (see knowledge/roles.yaml)"))
        if act.roles.lines is not None and act.roles.review is not None:
            self.warnings.append(doc.problem(loc + ("roles", "review"), f"HUKI list under review ({act.roles.review})"))
        elif act.roles.lines is not None:
            self.lines_ok(doc, loc + ("roles", "lines"), act.roles.lines, guide.text)
        seen_steps: set[str] = set()
        for si in range(len(act.steps)):
            sid = step_id(act, si)
            if sid in seen_steps:
                self.problems.append(doc.problem(loc + ("steps", si), f"duplicate step id '{sid}'"))
            seen_steps.add(sid)
        items: list[tuple[tuple[Any, ...], Item]] = []
        if act.summary is not None:
            items.append((loc + ("summary",), act.summary))
        items += [(loc + ("steps", i), s) for i, s in enumerate(act.steps)]
        items += [(loc + ("deliverables", i), d) for i, d in enumerate(act.deliverables)]
        items += [(loc + ("tools", i), t) for i, t in enumerate(act.tools)]
        if act.decision is not None:
            items.append((loc + ("decision",), act.decision))
            items += [(loc + ("decision", "questions", i), q) for i, q in enumerate(act.decision.questions)]
        for iloc, item in items:
            if item.review is not None:  # the guide changed under it, or an unreviewed draft: not checked as fact
                self.warnings.append(
                    doc.problem(
                        iloc + ("review",), f"under review ({item.review}): lines {item.lines.start}-{item.lines.end} of {guide.entry.file}"
                    )
                )
                continue
            if not self.lines_ok(doc, iloc + ("lines",), item.lines, guide.text):
                continue
            if self.check_fidelity:
                score = fidelity.containment(item.original, guide.cleaned_span(item.lines.start, item.lines.end))
                if score < fidelity.THRESHOLD:
                    self.problems.append(
                        doc.problem(
                            iloc + ("original",),
                            f"lines {item.lines.start}-{item.lines.end} of {guide.entry.file} no longer hold this wording "
                            f"({score:.0%} of its words found, {fidelity.THRESHOLD:.0%} needed)",
                        )
                    )


def validate_knowledge(
    paths: Paths, check_fidelity: bool = True
) -> tuple[KnowledgeBase | None, list[KnowledgeProblem], list[KnowledgeProblem]]:
    """The knowledge base (None if it cannot be built), its problems, and its warnings
    (items under review). A change of the knowledge a killed process left half made is
    finished (or discarded) first (common/journal.py)."""
    from guide_assistant.common.journal import recover

    recover(paths.staging)
    loader = _Loader(paths, check_fidelity)
    kb = loader.load()
    return kb, sorted(loader.problems), sorted(loader.warnings)


def check_knowledge(paths: Paths, check_fidelity: bool = True) -> tuple[KnowledgeBase | None, list[KnowledgeProblem]]:
    kb, problems, _ = validate_knowledge(paths, check_fidelity)
    return kb, problems


def load_knowledge(paths: Paths, check_fidelity: bool = False) -> KnowledgeBase:
    """The knowledge base parsed from the YAML and checked, or KnowledgeError with every
    problem found. A start takes it from the index's validated snapshot instead when that
    was made from exactly the current files (``indexing.snapshot.load_knowledge``)."""
    kb, problems = check_knowledge(paths, check_fidelity)
    if problems or kb is None:
        raise KnowledgeError(problems)
    return kb
