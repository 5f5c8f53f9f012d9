"""The change report people read: what changed in a guide since the knowledge was anchored.

Markdown, by section: references that moved, reworded ones with a word-level diff of the
old and new wording, removed ones, and new text no item covers yet.
"""

from __future__ import annotations

import difflib
import re

from guide_assistant.kb.anchoring import Change, Report


def _md(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#|~])", r"\\\1", " ".join(text.split()))


def word_diff(old: str, new: str) -> str:
    """Old and new wording as one line: removed words struck through, added words in bold."""
    a, b = old.split(), new.split()
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(_md(" ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"~~{_md(' '.join(a[i1:i2]))}~~")
        if j2 > j1:
            out.append(f"**{_md(' '.join(b[j1:j2]))}**")
    return " ".join(out)


def render(report: Report, title: str, pending: bool = False) -> str:
    head = f"## {_md(title)} (`{report.source}`)"
    when = "not yet re-anchored: `guide-assistant index build` will apply this" if pending else f"re-anchored {report.at}"
    lines = [head, "", f"_{report.summary()}; {when}._", ""]
    by_section: dict[str, list[Change]] = {}
    for c in report.changes:
        by_section.setdefault(c.section or "(guide)", []).append(c)
    for section, changes in by_section.items():
        lines.append(f"### {_md(section)}")
        moved: dict[int, list[Change]] = {}  # moves by the same number of lines are one line of the report
        for c in changes:
            if c.kind == "moved" and c.new:
                moved.setdefault(c.new[0] - c.old[0], []).append(c)
        for delta, cs in sorted(moved.items()):
            lo, hi = min(c.old[0] for c in cs), max(c.old[1] for c in cs)
            what = cs[0].what if len(cs) == 1 else f"{len(cs)} references"
            lines.append(f"- moved: {what}, lines {lo}–{hi} → {lo + delta}–{hi + delta} ({delta:+d})")
        for c in sorted(changes, key=lambda c: c.old):
            where = f"lines {c.old[0]}–{c.old[1]}"
            if c.kind == "moved":
                continue
            elif c.kind == "restored":
                new = c.new or c.old
                lines.append(f"- restored (found where it was before the last update): {c.what}, {where} → {new[0]}–{new[1]}")
            elif c.kind == "reworded":
                new = c.new or c.old  # a reworded item has its new lines
                lines.append(f"- **reworded** (review): {c.what}, {where} → {new[0]}–{new[1]} ({c.file}:{c.line})")
                lines.append(f"  - {word_diff(c.old_text, c.new_text)}")
            else:
                lines.append(f"- **removed** (review): {c.what}, {where} ({c.file}:{c.line})")
                if c.old_text:
                    lines.append(f"  - was: «{_md(c.old_text)}»")
        lines.append("")
    if report.uncovered:
        lines.append("### New text no item covers yet")
        for u in report.uncovered:
            lines.append(f"- lines {u.lines[0]}–{u.lines[1]}: «{_md(u.text[:300])}{'…' if len(u.text) > 300 else ''}»")
        lines.append("")
    if not report.changes and not report.uncovered:
        lines.append("No reference changed.")
        lines.append("")
    return "\n".join(lines)
