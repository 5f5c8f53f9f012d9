"""What the XLSX and DOCX exports share: the labels, the wording in the reader's language
(English text, or the guides' own for sv and no), review marks, rows by phase."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from guide_assistant.answers.labels import HUKI_LETTER
from guide_assistant.checklist.rows import HUKI_KEYS, ActivityOut, phase_title, review_mark, role_names
from guide_assistant.common.i18n import N_
from guide_assistant.kb.load import KnowledgeBase

# what a row of the sheet is (the Kind column: a filter picks steps, deliverables, ...)
KINDS = {"step": N_("step"), "deliverable": N_("deliverable"), "decision": N_("decision"), "question": N_("question")}
HUKI_LABELS = {"accountable": N_("Accountable"), "responsible": N_("Responsible"), "consulted": N_("Consulted"), "informed": N_("Informed")}
DONE = "x"  # what a ticked row holds in the Done column (the reader types it in Excel)

# --- shared wording -------------------------------------------------------------------


def _original(lang: str) -> bool:
    """Swedish and Norwegian readers read the guide's own wording; English readers the English."""
    return lang != "en"


def _review(review: str | None, done: bool = False, lang: str = "en") -> str:
    """``checklist.review_mark`` as plain text (no Markdown bold)."""
    return review_mark(review, done, lang).replace("**", "").strip()


def _lines(start: int, end: int) -> str:
    return f"{start}–{end}"


@dataclass(frozen=True)
class _Names:
    guides: dict[str, str]  # guide file -> title in lang
    phases: dict[str, str]  # phase id -> "<order>. <name in lang>"
    roles: dict[str, str]  # role id -> name in lang
    role_order: list[str]

    @classmethod
    def of(cls, kb: KnowledgeBase, lang: str) -> _Names:
        return cls(
            guides={g.entry.file: g.entry.title_en if lang == "en" else g.entry.title for g in kb.guides.values()},
            phases=phase_title(kb, lang),
            roles=role_names(kb, lang),
            role_order=[r.id for r in kb.roles.roles],
        )

    def role(self, rid: str) -> str:
        return self.roles.get(rid, rid)


def _by_phase(rows: list[ActivityOut]) -> Iterator[tuple[str, list[ActivityOut]]]:
    """Consecutive activities of one phase (``checklist`` sorts them by phase)."""
    group: list[ActivityOut] = []
    for a in rows:
        if group and a.phase != group[0].phase:
            yield group[0].phase, group
            group = []
        group.append(a)
    if group:
        yield group[0].phase, group


def _huki(a: ActivityOut, rid: str) -> str:
    """The HUKI letters role ``rid`` holds in activity ``a`` ("HU", "K", "")."""
    return "".join(HUKI_LETTER[k] for k in HUKI_KEYS if rid in getattr(a.roles, k))


@dataclass(frozen=True)
class _Row:
    kind: str
    text: str
    done: bool | None  # None: not something ticked in the checklist (a deliverable, a decision)
    review: str
    line_start: int
    line_end: int


def _rows(a: ActivityOut, lang: str) -> list[_Row]:
    orig = _original(lang)
    out = [_Row("step", s.original if orig else s.text, s.done, _review(s.review, s.done, lang), s.line_start, s.line_end) for s in a.steps]
    out += [
        _Row("deliverable", d.original if orig else d.text, None, _review(d.review, lang=lang), d.line_start, d.line_end)
        for d in a.deliverables
    ]
    if a.decision is not None:
        d = a.decision
        out.append(_Row("decision", d.original if orig else d.text, None, "", d.line_start, d.line_end))
        out += [
            _Row("question", q.original if orig else q.text, False, _review(q.review, lang=lang), q.line_start, q.line_end)
            for q in d.questions
        ]
    return out
