"""The checklist and the conversation as Markdown: to take to a meeting, to read in the
terminal (rendered), to save (``--format md``, the UI's export)."""

from __future__ import annotations

import re

from guide_assistant.checklist.rows import HUKI_KEYS, HUKI_NAMES, ActivityOut, phase_title, review_mark, role_names
from guide_assistant.common.i18n import _, current_language, translation
from guide_assistant.kb.load import KnowledgeBase
from guide_assistant.stores.conversations import Conversation


def _md(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


def checklist_markdown(kb: KnowledgeBase, rows: list[ActivityOut], roles: list[str] | None = None, lang: str | None = None) -> str:
    """A checklist to take to a meeting: checkboxes, roles, deliverables, decision questions,
    citations; in ``lang`` (default: the interface language) — for sv/no the guides' own wording."""
    lang = lang or current_language()
    t = translation(lang).gettext
    titles = {g.entry.file: g.entry.title for g in kb.guides.values()}
    phase_names = phase_title(kb, lang)
    names = role_names(kb, lang)
    lines_word = t("lines")
    out = [f"# {t('Checklist')}", ""]
    if roles:
        out += [t("Role") + ": " + ", ".join(names.get(r, r) for r in roles), ""]
    current = None
    for a in rows:
        if a.phase != current:
            current = a.phase
            out += [f"## {_md(phase_names[a.phase])}", ""]
        cite = f"{_md(titles[a.source])}, {_md(a.section)}, {lines_word} {a.line_start}–{a.line_end}"
        heading = f"{_md(a.title_in('en'))} — {_md(a.title_original)}" if lang == "en" else _md(a.title_in(lang))
        out += [f"### {heading}", "", f"_{t('Source')}: {cite}_", ""]
        huki = [
            f"**{t(HUKI_NAMES[k])}**: " + ", ".join(names.get(r, r) for r in getattr(a.roles, k)) for k in HUKI_KEYS if getattr(a.roles, k)
        ]
        if huki:
            out += [t("Roles (HUKI)") + ": " + "; ".join(huki), ""]
        if a.role_match:
            out += [t("Your role is") + f": {', '.join(a.role_match)}", ""]
        for s in a.steps:
            text = f"{_md(s.text)} — _{_md(s.original)}_" if lang == "en" else _md(s.original)
            out.append(
                f"- [{'x' if s.done else ' '}] {text} ({lines_word} {s.line_start}–{s.line_end}, `{s.id}`)"
                + review_mark(s.review, s.done, lang)
            )
        if a.steps:
            out.append("")
        if a.deliverables:
            out += [
                t("Deliverables") + ":",
                *[
                    f"- {_md(d.text if lang == 'en' else d.original)} ({lines_word} {d.line_start}–{d.line_end})"
                    + review_mark(d.review, lang=lang)
                    for d in a.deliverables
                ],
                "",
            ]
        if a.decision:
            dec = a.decision
            out += [f"{t('Decision')}: {_md(dec.text if lang == 'en' else dec.original)} ({lines_word} {dec.line_start}–{dec.line_end})"]
            out += [
                f"- [ ] {_md(q.text if lang == 'en' else q.original)} ({lines_word} {q.line_start}–{q.line_end})" for q in dec.questions
            ]
            out.append("")
    return "\n".join(out) + "\n"


def conversation_markdown(conv: Conversation) -> str:
    out = [f"# guide-assistant: {_('Conversation')}", ""]
    for t in conv.turns:
        out += [f"## {t.question}", "", f"_{t.at}_", "", t.answer.answer, ""]
    return "\n".join(out)
