"""Checklist and conversation exports (Excel, Word), read back and compared with the checklist."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from guide_assistant.answers.composer import Answer
from guide_assistant.checklist.rows import DRAFT_MARK, ActivityOut, checklist, review_mark
from guide_assistant.common.i18n import gettext
from guide_assistant.exports.docx import conversation_docx, write_docx
from guide_assistant.exports.xlsx import sheet_title, write_xlsx
from guide_assistant.kb.load import KnowledgeBase
from guide_assistant.retrieval.search import Hit
from guide_assistant.stores.conversations import Conversation, Turn

LETTERS = {"accountable": "H", "responsible": "U", "consulted": "K", "informed": "I"}
CASES = {
    "all-en": (None, None, "en"),
    "prepare-procurement-en": (["prepare"], ["procurement-officer"], "en"),
    "all-sv": (None, None, "sv"),
    "tender-no": (["tender"], None, "no"),
}


def _rows(kb: KnowledgeBase, phases, roles) -> list[ActivityOut]:
    rows = checklist(kb, phases, roles)
    # one ticked step per case, to see the tick come out
    first = rows[0].steps[0].id
    rows = checklist(kb, phases, roles, done={first})
    # and items under review in the last activity (the knowledge has none today)
    last = rows[-1]
    last.review = "draft"
    if last.steps:
        last.steps[-1].review, last.steps[-1].done = "reworded", True
    if last.deliverables:
        last.deliverables[0].review = "removed"
    return rows


def _text(item, lang: str) -> str:
    return item.text if lang == "en" else item.original


def _title(a: ActivityOut, lang: str) -> str:
    title = a.title if lang == "en" else a.title_original
    return f"{title} {gettext(lang, DRAFT_MARK)}" if a.review == "draft" else title


def _review(item, done: bool = False, lang: str = "en") -> str:
    return review_mark(item.review, done, lang).replace("**", "").strip()


def _warned(item, done: bool = False, lang: str = "en") -> str:
    mark = _review(item, done, lang)
    return f" {mark}" if mark else ""


def _guide(kb: KnowledgeBase, file: str, lang: str) -> str:
    e = kb.guide_for_file(file).entry
    return e.title_en if lang == "en" else e.title


def _letters(a: ActivityOut, rid: str) -> str:
    return "".join(v for k, v in LETTERS.items() if rid in getattr(a.roles, k))


def _phase_names(kb: KnowledgeBase, lang: str) -> dict[str, str]:
    return {p.id: f"{p.order}. {getattr(p.name, lang)}" for p in kb.phases.phases}


@pytest.fixture(params=list(CASES), ids=list(CASES))
def case(request, kb: KnowledgeBase):
    phases, roles, lang = CASES[request.param]
    return _rows(kb, phases, roles), roles, lang


def test_rows_are_not_empty(case):
    rows, _, _ = case
    assert rows and all(a.steps or a.deliverables or a.decision for a in rows)


def test_xlsx(kb: KnowledgeBase, case, tmp_path: Path):
    rows, roles, lang = case
    path = tmp_path / "checklist.xlsx"
    write_xlsx(kb, rows, path, roles, lang)
    assert [p.name for p in tmp_path.iterdir()] == ["checklist.xlsx"]  # no temporary file left
    wb = openpyxl.load_workbook(path)

    phases = list(dict.fromkeys(a.phase for a in rows))
    names = _phase_names(kb, lang)
    assert wb.sheetnames == [sheet_title(names[p]) for p in phases]
    role_names = {r.id: getattr(r.name, lang) for r in kb.roles.roles}
    g = lambda m: gettext(lang, m)  # noqa: E731
    kinds = {k: g(k) for k in ("step", "deliverable", "decision", "question")}

    for phase, ws in zip(phases, wb.worksheets):
        acts = [a for a in rows if a.phase == phase]
        header = [c.value for c in ws[1]]
        present = {r for a in acts for k in LETTERS for r in getattr(a.roles, k)}
        n_roles = len(header) - 8
        role_cols = header[3 : 3 + n_roles]
        assert header[:3] == [g("Activity"), g("Kind"), g("Step")]
        assert header[3 + n_roles :] == [g("Done"), g("Note"), g("Review"), g("Source"), g("Lines")]
        assert sorted(role_cols) == sorted(role_names[r] for r in present)
        if roles:
            assert role_cols[0] == role_names[roles[0]]  # the reader's role first
        assert all(c.font.bold for c in ws[1])
        assert ws.freeze_panes in ("A2", "B2")
        assert ws.auto_filter.ref == ws.dimensions and ws.auto_filter.ref.startswith("A1:")

        table = [tuple("" if v is None else v for v in r) for r in ws.iter_rows(min_row=2, values_only=True)]
        col = {name: i for i, name in enumerate(header)}
        expected = []
        for a in acts:
            letters = tuple(_letters(a, rid) for rid in sorted(present, key=lambda r: role_cols.index(role_names[r])))
            tail = (_guide(kb, a.source, lang),)
            for s in a.steps:
                expected.append(
                    (
                        _title(a, lang),
                        kinds["step"],
                        _text(s, lang),
                        *letters,
                        "x" if s.done else "",
                        "",
                        _review(s, s.done, lang),
                        *tail,
                        f"{s.line_start}–{s.line_end}",
                    )
                )
            for d in a.deliverables:
                expected.append(
                    (
                        _title(a, lang),
                        kinds["deliverable"],
                        _text(d, lang),
                        *letters,
                        "",
                        "",
                        _review(d, lang=lang),
                        *tail,
                        f"{d.line_start}–{d.line_end}",
                    )
                )
            if a.decision:
                d = a.decision
                expected.append(
                    (_title(a, lang), kinds["decision"], _text(d, lang), *letters, "", "", "", *tail, f"{d.line_start}–{d.line_end}")
                )
                expected += [
                    (
                        _title(a, lang),
                        kinds["question"],
                        _text(q, lang),
                        *letters,
                        "",
                        "",
                        _review(q, lang=lang),
                        *tail,
                        f"{q.line_start}–{q.line_end}",
                    )
                    for q in d.questions
                ]
        assert table == expected
        assert any(r[col[g("Done")]] == "x" for r in table) == (phase in (rows[0].phase, rows[-1].phase))
        if roles:  # every row of a role-filtered export is one the role has a letter in
            assert all(r[3] for r in table)


def test_docx(kb: KnowledgeBase, case, tmp_path: Path):
    rows, roles, lang = case
    path = tmp_path / "checklist.docx"
    write_docx(kb, rows, path, roles, lang)
    assert [p.name for p in tmp_path.iterdir()] == ["checklist.docx"]
    doc = Document(str(path))
    paras = doc.paragraphs
    texts = [p.text for p in paras]
    styles = [p.style.name for p in paras]
    assert styles[0] == "Title" and texts[0] == gettext(lang, "Checklist")
    assert doc.core_properties.title == gettext(lang, "Checklist")

    names = _phase_names(kb, lang)
    h1 = [t for t, s in zip(texts, styles) if s == "Heading 1"]
    assert h1 == [names[p] for p in dict.fromkeys(a.phase for a in rows)]
    h2 = [t for t, s in zip(texts, styles) if s == "Heading 2"]
    assert h2 == [_title(a, lang) for a in rows]

    lines = gettext(lang, "lines")
    role_names = {r.id: getattr(r.name, lang) for r in kb.roles.roles}
    starts = [i for i, s in enumerate(styles) if s == "Heading 2"] + [len(paras)]
    for a, lo, hi in zip(rows, starts, starts[1:]):
        block = texts[lo + 1 : hi]
        guide = _guide(kb, a.source, lang)
        for s in a.steps:
            box = "☒ " if s.done else "☐ "
            assert f"{box}{_text(s, lang)} ({guide}, {lines} {s.line_start}–{s.line_end}){_warned(s, s.done, lang)}" in block
        for d in a.deliverables:
            assert f"{_text(d, lang)} ({guide}, {lines} {d.line_start}–{d.line_end}){_warned(d, lang=lang)}" in block
        if a.decision:
            d = a.decision
            assert f"{_text(d, lang)} ({guide}, {lines} {d.line_start}–{d.line_end})" in block
            for q in d.questions:
                assert f"☐ {_text(q, lang)} ({guide}, {lines} {q.line_start}–{q.line_end}){_warned(q, lang=lang)}" in block
        for k, letter in LETTERS.items():
            ids = getattr(a.roles, k)
            if ids:
                assert any(f"{letter} {gettext(lang, k.capitalize())}: " + ", ".join(role_names[r] for r in ids) in t for t in block)
    if roles:
        assert texts[1] == f"{gettext(lang, 'Role')}: " + ", ".join(role_names[r] for r in roles)


def test_sheet_title():
    assert sheet_title("4. Prepare: [the] tender /*?\\") == "4. Prepare   the  tender"
    assert len(sheet_title("x" * 40)) == 31
    assert sheet_title("'quoted'") == "quoted"
    assert sheet_title("?") == "-"


def test_empty_checklist_is_a_valid_workbook(kb: KnowledgeBase, tmp_path: Path):
    write_xlsx(kb, [], tmp_path / "empty.xlsx", None, "en")
    write_docx(kb, [], tmp_path / "empty.docx", None, "en")
    assert openpyxl.load_workbook(tmp_path / "empty.xlsx").sheetnames
    assert Document(str(tmp_path / "empty.docx")).paragraphs[0].text == "Checklist"


def _conversation() -> Conversation:
    hit = Hit(
        source="veien-til-velferdsteknologi.txt",
        line_start=119,
        line_end=121,
        score=0.9,
        section="Avklare behov",
        phases=["needs"],
        roles=[],
        text="Utpek én prosjekteier.",
    )
    md = (
        "**What the guides say**\n"
        "- Appoint a **project owner** [1]\n"
        "- Use the _needs_ template, see `kb add` \\*not bold\\* [1]\n"
        "  HUKI: accountable (H): Project owner\n"
        "\n"
        "A plain paragraph with snake\\_case.\n"
        "\n"
        "**Sources**\n"
        "- [1] Veien til velferdsteknologi — Avklare behov, lines 119–121"
    )
    answer = Answer(
        question="Who owns the project?", language="en", phases=["needs"], covered=True, answer=md, citations=[hit], next_activities=[]
    )
    return Conversation(
        id="c1", started="2024-01-01T00:00:00+00:00", turns=[Turn(at="2024-01-01T00:00:00+00:00", question=answer.question, answer=answer)]
    )


def test_conversation_docx(tmp_path: Path):
    path = tmp_path / "chat.docx"
    conversation_docx(_conversation(), path, "en")
    doc = Document(str(path))
    paras = [(p.text, p.style.name, p) for p in doc.paragraphs]
    assert paras[0][:2] == (gettext("en", "Conversation"), "Title")
    assert paras[1][:2] == ("Who owns the project?", "Heading 2")
    texts = [t for t, _, _ in paras]
    assert "What the guides say" in texts
    assert "Appoint a project owner [1]" in texts
    assert "Use the needs template, see kb add *not bold* [1]\nHUKI: accountable (H): Project owner" in texts
    assert "A plain paragraph with snake_case." in texts
    assert "[1] Veien til velferdsteknologi — Avklare behov, lines 119–121" in texts
    assert not any("**" in t or "`" in t or "\\" in t for t in texts)
    by_text = {t: p for t, _, p in paras}
    owner = by_text["Appoint a project owner [1]"]
    assert owner.style.name == "List Bullet"
    assert [r.text for r in owner.runs if r.bold] == ["project owner"]
    use = by_text["Use the needs template, see kb add *not bold* [1]\nHUKI: accountable (H): Project owner"]
    assert [r.text for r in use.runs if r.italic] == ["needs"]
    assert by_text["What the guides say"].runs[0].bold


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_exports(kb: KnowledgeBase, tmp_path: Path):
    rows = checklist(kb, ["prepare"])
    write_xlsx(kb, rows, tmp_path / "checklist.xlsx", None, "sv")
    write_docx(kb, rows, tmp_path / "checklist.docx", None, "sv")
    conversation_docx(_conversation(), tmp_path / "chat.docx", "en")
    out = tmp_path / "out"
    for name, fmt in (("checklist.xlsx", "csv"), ("checklist.docx", "pdf"), ("chat.docx", "pdf")):
        subprocess.run(
            [
                shutil.which("soffice"),
                "--headless",
                f"-env:UserInstallation=file://{tmp_path / 'lo'}",
                "--convert-to",
                "csv:Text - txt - csv (StarCalc):44,34,76" if fmt == "csv" else fmt,
                "--outdir",
                str(out),
                str(tmp_path / name),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        converted = out / f"{Path(name).stem}.{fmt}"
        assert converted.exists() and converted.stat().st_size > 0
    csv = (out / "checklist.csv").read_text(encoding="utf-8")
    assert rows[0].steps[0].original.split()[0] in csv
