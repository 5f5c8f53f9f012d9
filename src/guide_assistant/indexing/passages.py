"""Cut the readable sections into passages that keep their raw line references.

A section whose whole text (with its sub-sections) fits in ``MAX_CHARS`` becomes one
passage, so a HUKI list, a 'Leveranser' list or a short activity stays together.
Larger sections are cut at paragraph breaks into passages of up to ``MAX_CHARS``; a
passage never crosses a section boundary, so it never mixes two activities or guides.
Hand-fixed column passages are cut by their own paragraphs, each placed on the raw
lines that hold its words.
"""

from __future__ import annotations

import hashlib
import re

from pydantic import BaseModel

from guide_assistant.kb.load import Guide, KnowledgeBase
from guide_assistant.kb.schema import PassageFix
from guide_assistant.kb.sections import Section
from guide_assistant.kb.textnorm import ocr_fold, words

MAX_CHARS = 800  # measured on the dev questions: 600 / 800 / 1000 / 1200 -> MRR@10 0.83 / 0.84 / 0.80 / 0.79
MIN_CHARS = 200


class Passage(BaseModel):
    id: str
    source: str
    source_id: str
    line_start: int
    line_end: int
    section: str
    language: str
    phases: list[str]
    tracks: list[str]
    roles: list[str]
    activities: list[str]
    titles: list[str]
    text: str
    english: str = ""  # the English text of the structured items on these lines
    kind: str = "passage"  # or an item unit (indexing/items.py): step, deliverable, decision, roles, tool, summary
    detail: str = ""  # a step's kind (do, advice, ...) or "question" for a decision's question

    def views(self, guide_title: str) -> list[str]:
        """What the dense retriever embeds: the readable text, and (where the structured
        knowledge has it) the English rendering of the same lines, each under a header
        saying where it stands (guide, section, English activity titles)."""
        head = " | ".join([guide_title, self.section, *self.titles])
        if self.kind != "passage":  # an item: one view with the English text and the guide's wording
            return [f"{head}\n{self.english}\n{self.text}"]
        out = [f"{head}\n{self.text}"]
        if self.english:
            out.append(f"{head}\n{self.english}")
        return out


def view_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _blocks(lines: list[int], raw: list[str]) -> list[list[int]]:
    """Content lines grouped into paragraphs (split where the raw text has a blank line)."""
    blocks: list[list[int]] = []
    for n in lines:
        if (blocks and n == blocks[-1][-1] + 1 and raw[n - 2].strip()) or (
            blocks and all(not raw[k - 1].strip() for k in range(blocks[-1][-1] + 1, n)) and n - blocks[-1][-1] <= 1
        ):
            blocks[-1].append(n)
        else:
            blocks.append([n])
    return blocks


def _locate(paragraph: str, guide: Guide, fix: PassageFix) -> tuple[int, int]:
    """The raw lines of a fix range that hold most of a paragraph's words."""
    want = {w for w in words(ocr_fold(paragraph)) if len(w) >= 3}
    hits = []
    for n in range(fix.lines.start, fix.lines.end + 1):
        have = [w for w in words(ocr_fold(guide.cleaner.clean_line(guide.text.lines[n - 1])[0])) if len(w) >= 3]
        if have and sum(w in want for w in have) / len(have) >= 0.5:
            hits.append(n)
    return (min(hits), max(hits)) if hits else (fix.lines.start, fix.lines.end)


class _Cutter:
    def __init__(self, kb: KnowledgeBase, guide: Guide):
        self.kb = kb
        self.guide = guide
        self.out: list[Passage] = []
        self.fixes = sorted(guide.cleaner.passages, key=lambda p: p.lines.start)
        self.done_fixes: set[int] = set()  # a hand-fixed range is cut once, in the first section that meets it

    def fix_at(self, n: int) -> PassageFix | None:
        return next((f for f in self.fixes if f.lines.start <= n <= f.lines.end), None)

    def emit(self, sec: Section, start: int, end: int, text: str) -> None:
        text = text.strip()
        if not re.search(r"\w{3,}", text):
            return
        acts = [a for a in self.guide.activities if a.lines.start <= end and a.lines.end >= start]
        # the activities that hold this passage most tightly describe it
        acts.sort(key=lambda a: a.lines.end - a.lines.start)
        acts = [a for a in acts if a.lines.start <= start and a.lines.end >= end] or acts[:2]
        acts = acts[:2]
        phases = list(dict.fromkeys(a.phase for a in acts))
        tracks = list(dict.fromkeys(t for a in acts for t in a.tracks))
        if not phases:
            for c in self.kb.phases.crosswalk:
                if c.source == self.guide.entry.file and c.lines.start <= start and c.lines.end >= end:
                    phases, tracks = list(c.phases), list(c.tracks)
        roles = list(
            dict.fromkeys(r for a in acts for key in ("accountable", "responsible", "consulted", "informed") for r in getattr(a.roles, key))
        )
        english = self.english(start, end)
        self.out.append(
            Passage(
                id=f"{self.guide.entry.id}:{start}-{end}",
                source=self.guide.entry.file,
                source_id=self.guide.entry.id,
                line_start=start,
                line_end=end,
                section=sec.path_text or self.guide.entry.title,
                language=self.guide.entry.language,
                phases=phases,
                tracks=tracks,
                roles=roles,
                activities=[a.id for a in acts],
                titles=[a.title for a in acts],
                text=text,
                english=english,
            )
        )

    def english(self, start: int, end: int) -> str:
        """English text of every structured item whose lines fall on this passage, and the
        HUKI roles in words where the passage holds a HUKI list."""
        role_names = {r.id: f"{r.name.en} ({r.description.rstrip('.')})" for r in self.kb.roles.roles}
        out: list[str] = []
        for act in self.guide.activities:
            items = [act.summary] if act.summary else []
            items += [*act.steps, *act.deliverables]
            if act.decision:
                items += [act.decision, *act.decision.questions]
            for it in items:
                if it.review in ("reworded", "removed"):
                    continue  # its English text no longer says what the guide says
                if start <= it.lines.start and it.lines.end <= end + 1 and it.text not in out:
                    out.append(it.text)
            r = act.roles.lines
            if r is not None and act.roles.review is None and r.start <= end and r.end >= start:
                parts = [
                    f"{key}: " + ", ".join(role_names.get(x, x) for x in getattr(act.roles, key))
                    for key in ("accountable", "responsible", "consulted", "informed")
                    if getattr(act.roles, key)
                ]
                out.append(f"Roles for {act.title} (HUKI): " + "; ".join(parts) + ".")
        return " ".join(out)

    def section(self, sec: Section) -> None:
        all_lines = sorted({n for s in sec.walk() for n in s.content} | {s.line_start for s in sec.walk() if s.level > 0})
        fixed = any(self.fix_at(n) for n in all_lines)
        if sec.children and all_lines and not fixed:
            text = self.guide.readable(all_lines[0], all_lines[-1], set(all_lines))
            if len(text) <= MAX_CHARS:
                self.emit(sec, all_lines[0], all_lines[-1], text)
                return
        own = sorted(set(sec.content) | ({sec.line_start} if sec.level > 0 else set()))
        self.chunk(sec, own)
        for child in sec.children:
            self.section(child)

    def chunk(self, sec: Section, lines: list[int]) -> None:
        raw = self.guide.text.lines
        units: list[tuple[int, int, str]] = []  # (start, end, text)
        for block in _blocks(lines, raw):
            fix = self.fix_at(block[0])
            if fix is not None:
                if fix.lines.start in self.done_fixes:
                    continue
                self.done_fixes.add(fix.lines.start)
                for para in [p.strip() for p in fix.text.split("\n\n") if p.strip()]:
                    a, b = _locate(para, self.guide, fix)
                    units.append((a, b, " ".join(para.split())))
                continue
            if any(self.fix_at(n) for n in block):
                block = [n for n in block if not self.fix_at(n)]
                if not block:
                    continue
            units.append((block[0], block[-1], self.guide.readable(block[0], block[-1], set(block))))
        units = self.join_broken_words(units)
        buf: list[tuple[int, int, str]] = []
        for unit in units:
            size = sum(len(u[2]) for u in buf)
            if buf and size + len(unit[2]) > MAX_CHARS and size >= MIN_CHARS:
                self.flush(sec, buf)
                buf = []
            buf.append(unit)
        if buf:
            self.flush(sec, buf)

    def join_broken_words(self, units: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """A word hyphenated at the end of a paragraph and finished after one blank line
        ('an-' / '' / 'passa') is one word: its two paragraphs become one unit, so a passage
        boundary never splits it (the joining rule is the cleaner's)."""
        raw = self.guide.text.lines
        merged: list[tuple[int, int, str]] = []
        for a, b, text in units:
            if merged and a - merged[-1][1] == 2 and not raw[merged[-1][1]].strip():
                pa, pb, ptext = merged[-1]
                joined = self.guide.cleaner.join_hyphenated(ptext, text, 1, raw[pb - 1], raw[a - 1])
                if joined is not None:
                    merged[-1] = (pa, b, joined)
                    continue
            merged.append((a, b, text))
        return merged

    def flush(self, sec: Section, buf: list[tuple[int, int, str]]) -> None:
        start = min(u[0] for u in buf)
        end = max(u[1] for u in buf)
        self.emit(sec, start, end, "\n\n".join(u[2] for u in buf if u[2]))


def build_passages(kb: KnowledgeBase) -> list[Passage]:
    out: list[Passage] = []
    for guide in kb.guides.values():
        cutter = _Cutter(kb, guide)
        cutter.section(guide.sections)
        out.extend(cutter.out)
    return out
