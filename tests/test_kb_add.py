"""`kb add` and `kb draft`: new guides from the formats they arrive in.

Fixtures are made here with real libraries (python-docx, fpdf2, Pillow) and added to a
copy of the project (knowledge and committed index); the copy is then indexed, searched,
asked, drafted, validated and shown as a checklist, each through the command line.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from guide_assistant.common.config import find_paths
from guide_assistant.interfaces.cli.commands import app
from guide_assistant.kb import fidelity, ingest
from guide_assistant.kb.load import load_knowledge

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

# A sentence of each fixture that no other guide has, and a question it answers.
SENTENCES = {
    "trygghetslarm": "Larmmontörerna byter larmen hos brukarna under sex veckor med start i norra distriktet.",
    "sykehjem": "Nattevaktene i Fjellheim sykehjem tester de digitale tilsynssensorene i tre måneder før breddeutrulling.",
    "nattillsyn": "Nattpatrullen i Östra Berga följer upp varje tillsynsbesök i journalen och rapporterar avvikelser till enhetschefen varje månad.",
    "matrobot": "Piloten planeras tillsammans med dietisten och omfattar tolv brukare i Västra Sundby under våren.",
}

HTML = """<!doctype html><html><head><title>Digital nattillsyn | Kommunen</title>
<script>document.write('<h1>INJECTED HEADING</h1>'); alert('script text')</script>
<style>body { color: red } .menu { display: none }</style></head>
<body><header><div class="logo">Kommunens logga</div><nav><a href="/">Startsida</a> <a href="/om">Om webbplatsen</a></nav></header>
<nav class="breadcrumbs">Start &gt; Omsorg &gt; Nattillsyn</nav>
<div class="cookie-banner">Vi använder kakor</div>
<main><h1>Digital nattillsyn</h1>
<p>Digital nattillsyn ersätter en del av de fysiska nattbesöken med kamera som bara används på överenskommen tid.</p>
<h2>Upphandla tjänsten</h2><p>Kommunen annonserar upphandlingen och utvärderar anbuden <b>enligt</b> utvärderingsmodellen.</p>
<ul><li>Ställ krav på kryptering av bildströmmen.</li><li>Begär referenser från andra kommuner.</li></ul>
<h2>Följa upp</h2><p>Nattpatrullen i Östra Berga följer upp varje tillsynsbesök i journalen och rapporterar avvikelser
till enhetschefen varje månad.</p>
<script>var s = "<p>text inside a script</p>";</script></main>
<aside>Relaterade länkar: Hemtjänst</aside>
<footer>© Kommunen 2024 · Kontakta oss · Sidfot</footer></body></html>
"""

MARKDOWN = """# Matrobot i ordinärt boende

Matroboten påminner brukaren om måltider och
ger ut portioner vid rätt tid.

## Planera piloten

Piloten planeras tillsammans med dietisten och omfattar tolv brukare i Västra Sundby under våren.

- Välj ut brukare som har svårt att äta regelbundet.
- Utbilda personalen i att fylla på roboten.

## Utvärdera

Resultat:

- En rapport om hur många måltider som missades.
"""


def make_docx(path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_heading("Trygghetslarm i hemtjänsten", level=1)
    d.add_paragraph("Denna vägledning beskriver hur kommunen byter till digitala trygghetslarm i hemtjänsten.")
    d.add_heading("Förbereda upphandlingen", level=2)
    d.add_paragraph("Arbetsgruppen kartlägger nuläget och skriver kravspecifikationen innan annonseringen.")
    d.add_paragraph("Inventera alla analoga larm hos brukarna.", style="List Bullet")
    d.add_paragraph("Beskriv larmkedjan från knapptryck till larmcentral.", style="List Bullet")
    d.add_heading("Leveranser", level=3)
    d.add_paragraph("Kravspecifikationen ska innehålla svarstider för larmcentralen.", style="List Bullet")
    d.add_heading("Införa larmen", level=2)
    d.add_paragraph(SENTENCES["trygghetslarm"] + " Varje team har en montör.")
    d.add_paragraph("Testa varje larm mot larmcentralen vid installationen.", style="List Number")
    d.save(str(path))


def make_pdf(path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()

    def heading(text: str, size: int) -> None:
        pdf.set_font("Helvetica", "B", size)
        pdf.cell(0, 12, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)

    def para(text: str) -> None:
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)

    heading("Velferdsteknologi i sykehjem", 20)
    para(
        "Kommunen skal anskaffe sensorteknologi for nattilsyn i sykehjemmene. Veilederen beskriver hvordan "
        "prosjektet planlegges og gjennomføres sammen med de ansatte."
    )
    heading("Planlegge prosjektet", 15)
    para("Prosjektgruppen lager en prosjektplan og et prosjektmandat før arbeidet starter. " + SENTENCES["sykehjem"])
    pdf.multi_cell(0, 6, "- Etabler en styringsgruppe med ledere fra sykehjemmene.", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, "- Beskriv gevinstene som skal måles.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    heading("Drifte tjenesten", 15)
    para("Etter innføringen følger kommunen opp avtalen med leverandøren og måler gevinstene hvert halvår.")
    pdf.output(str(path))


def make_scanned_pdf(path: Path) -> None:
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    png = path.with_suffix(".png")
    img = Image.new("RGB", (800, 300), "white")
    ImageDraw.Draw(img).text((20, 20), "Skannad sida utan textlager", fill="black")
    img.save(png)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(str(png), x=10, y=10, w=180)
    pdf.output(str(path))
    png.unlink()


def tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def cli(project: Path, *args: str):
    """The command line, in this process (the models and caches load once for the module)."""
    out = runner.invoke(app, list(args), env={"GUIDE_ASSISTANT_HOME": str(project), "GUIDE_ASSISTANT_STATE": str(project / "state.json")})
    assert out.exception is None or isinstance(out.exception, SystemExit), repr(out.exception)
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("incoming")
    make_docx(folder / "trygghetslarm.docx")
    make_pdf(folder / "sykehjem.pdf")
    (folder / "nattillsyn.html").write_text(HTML, encoding="utf-8")
    (folder / "matrobot.md").write_text(MARKDOWN, encoding="utf-8")
    make_scanned_pdf(folder / "skannad.pdf")
    return folder


@pytest.fixture(scope="module")
def added(tmp_path_factory, files) -> Path:
    """A copy of the project with the four guides added and indexed."""
    project = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "knowledge", project / "knowledge")
    shutil.copytree(ROOT / "index" / "current", project / "index" / "current")
    for name in ("trygghetslarm.docx", "sykehjem.pdf", "nattillsyn.html", "matrobot.md"):
        out = cli(project, "kb", "add", str(files / name))
        assert out.exit_code == 0, out.output
        assert "suggested phases" in out.output and "index build" in out.output
    out = cli(project, "index", "build")
    assert out.exit_code == 0, out.output
    return project


def test_added_files_and_registry(added, files):
    kb = load_knowledge(find_paths(added))
    for sid, ext, lang in (
        ("trygghetslarm", ".docx", "sv"),
        ("sykehjem", ".pdf", "nb"),
        ("nattillsyn", ".html", "sv"),
        ("matrobot", ".md", "sv"),
    ):
        g = kb.guides[sid]
        e = g.entry
        assert e.parser == "generic" and e.language == lang and e.ocr is False and e.publisher == "unknown"
        assert e.original == sid + ext
        original = added / "knowledge" / "originals" / (sid + ext)
        assert original.read_bytes() == (files / (sid + ext)).read_bytes()
        assert e.original_sha256 == hashlib.sha256(original.read_bytes()).hexdigest()
        assert e.title == e.title_en == g.sections.children[0].title
        assert [s.title for s in g.sections.walk() if s.level == 2]
        assert "#" not in g.readable(1, len(g.text.lines))  # heading markers are not readable text
    # the comments and layout of the registry and the crosswalk are kept: text was appended
    for name in ("sources.yaml", "phases.yaml"):
        before = (ROOT / "knowledge" / name).read_text(encoding="utf-8")
        assert (added / "knowledge" / name).read_text(encoding="utf-8").startswith(before)
    suggested = [c for c in kb.phases.crosswalk if c.suggested]
    assert {c.source for c in suggested} == {f"{s}.txt" for s in SENTENCES}
    by_section = {c.section: c.phases for c in suggested}
    assert by_section["Velferdsteknologi i sykehjem > Planlegge prosjektet"] == ["plan"]
    assert by_section["Velferdsteknologi i sykehjem > Drifte tjenesten"] == ["operate"]
    assert by_section["Trygghetslarm i hemtjänsten > Införa larmen"] == ["implement"]


def test_html_keeps_the_main_text_only(added):
    text = (added / "knowledge" / "sources" / "nattillsyn.txt").read_text(encoding="utf-8")
    assert text.startswith("# Digital nattillsyn\n")
    assert "## Upphandla tjänsten" in text and "- Ställ krav på kryptering av bildströmmen." in text
    for furniture in (
        "INJECTED",
        "script",
        "Startsida",
        "Om webbplatsen",
        "Omsorg",
        "kakor",
        "logga",
        "Relaterade",
        "Sidfot",
        "Kontakta",
        "color",
    ):
        assert furniture not in text, furniture
    lines = text.split("\n")
    assert all(not l.startswith(("<", "&")) for l in lines)


def test_docx_and_pdf_structure(added):
    docx_text = (added / "knowledge" / "sources" / "trygghetslarm.txt").read_text(encoding="utf-8")
    assert "\n### Leveranser\n" in docx_text and "\n- Inventera alla analoga larm hos brukarna.\n" in docx_text
    assert "\n1. Testa varje larm" in docx_text
    pdf_text = (added / "knowledge" / "sources" / "sykehjem.txt").read_text(encoding="utf-8")
    assert pdf_text.startswith("# Velferdsteknologi i sykehjem\n")
    assert "\n## Planlegge prosjektet\n" in pdf_text and "\n## Drifte tjenesten\n" in pdf_text
    assert "\n- Beskriv gevinstene som skal måles.\n" in pdf_text


def test_search_and_ask_find_and_cite_the_new_guides(added):
    kb = load_knowledge(find_paths(added))
    batch = added / "questions.jsonl"
    batch.write_text(
        "".join(json.dumps({"id": sid, "question": s}, ensure_ascii=False) + "\n" for sid, s in SENTENCES.items()), encoding="utf-8"
    )
    out = cli(added, "search", "--batch", str(batch), "-k", "3")
    assert out.exit_code == 0, out.output
    for row in map(json.loads, out.stdout.splitlines()):
        sid = row["id"]
        guide = kb.guides[sid]
        hits = [h for h in row["hits"] if h["source"] == guide.entry.file]
        assert hits, (sid, [h["source"] for h in row["hits"]])
        span = guide.cleaned_span(hits[0]["line_start"], hits[0]["line_end"])
        assert fidelity.containment(SENTENCES[sid], span) >= fidelity.THRESHOLD, (sid, hits[0])
    out = cli(added, "ask", "Hur länge byter larmmontörerna larmen hos brukarna i norra distriktet?", "--json")
    assert out.exit_code == 0, out.output
    answer = json.loads(out.stdout)
    cited = [c for c in answer["citations"] if c["source"] == "trygghetslarm.txt"]
    assert cited, answer["citations"]
    for c in answer["citations"]:
        guide = kb.guide_for_file(c["source"])
        span = guide.cleaned_span(c["line_start"], c["line_end"])
        assert fidelity.containment(c["text"], span) >= fidelity.THRESHOLD, c


def test_draft_validate_and_checklist(added):
    for sid in SENTENCES:
        out = cli(added, "kb", "draft", sid)
        assert out.exit_code == 0, out.output
    again = cli(added, "kb", "draft", "matrobot")
    assert again.exit_code == 1 and "--force" in again.output
    out = cli(added, "kb", "validate")
    assert out.exit_code == 0, out.output
    kb = load_knowledge(find_paths(added))
    acts = {a.id: a for g, a in kb.activities if g.entry.id in SENTENCES}
    prep = acts["trygghetslarm-forbereda-upphandlingen"]
    assert prep.review == "draft" and prep.phase == "prepare"
    assert [s.original for s in prep.steps] == [
        "Inventera alla analoga larm hos brukarna.",
        "Beskriv larmkedjan från knapptryck till larmcentral.",
    ]
    assert [d.original for d in prep.deliverables] == ["Kravspecifikationen ska innehålla svarstider för larmcentralen."]
    assert all(
        i.review == "draft" and i.text == i.original
        for a in acts.values()
        for i in [*a.steps, *a.deliverables, *([a.summary] if a.summary else [])]
    )
    assert [d.original for d in acts["matrobot-utvardera"].deliverables] == ["En rapport om hur många måltider som missades."]
    assert acts["sykehjem-planlegge-prosjektet"].phase == "plan"
    out = cli(added, "checklist", "--phase", "prepare")
    assert out.exit_code == 0 and "Förbereda upphandlingen (draft)" in out.stdout
    out = cli(added, "checklist", "--phase", "prepare", "--format", "md")
    assert out.exit_code == 0 and "Förbereda upphandlingen (draft)" in out.stdout
    out = cli(added, "kb", "draft", "matrobot", "--force")
    assert out.exit_code == 0, out.output


# --- what kb add refuses: exit 1, a clear message, knowledge/ unchanged ------------------


@pytest.fixture
def project(copy_root: Path) -> Path:
    return copy_root


def refused(project: Path, *args: str) -> str:
    before = tree(project / "knowledge")
    out = cli(project, "kb", "add", *args)
    assert out.exit_code == 1, out.output
    assert tree(project / "knowledge") == before
    return out.output


def test_scanned_pdf_without_ocr_names_the_packages(project, files):
    if shutil.which("ocrmypdf"):
        pytest.skip("ocrmypdf is installed here: the scanned PDF would be OCR'd")
    msg = refused(project, str(files / "skannad.pdf"))
    assert "no text layer" in msg and ingest.OCR_PACKAGES in msg and "skannad.pdf" in msg


@pytest.mark.parametrize(
    "name,data",
    [
        ("tabell.xlsx", b"PK\x03\x04 a spreadsheet"),
        ("bild.png", b"\x89PNG\r\n\x1a\n rest of an image"),
    ],
)
def test_unsupported_files_are_refused(project, tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    msg = refused(project, str(tmp_path / name))
    assert "unsupported file type" in msg and ".docx" in msg


@pytest.mark.parametrize(
    "name,data,says",
    [
        ("trasig.pdf", b"%PDF-1.7\n this is not really a PDF \x00\x01", "cannot read trasig.pdf as a PDF"),
        ("trasig.docx", b"not a zip archive", "cannot read trasig.docx as a Word document"),
        ("binar.txt", b"\x00\x01\x02\xff\xfe binary", "not a text file"),
        ("tom.md", b"  \n\n", "empty"),
    ],
)
def test_unreadable_files_are_refused(project, tmp_path, name, data, says):
    (tmp_path / name).write_bytes(data)
    assert says in refused(project, str(tmp_path / name))


def test_missing_file_and_existing_id_are_refused(project, files, tmp_path):
    assert "no such file" in refused(project, str(tmp_path / "saknas.txt"))
    assert "exists already" in refused(project, str(files / "matrobot.md"), "--id", "skr")
    (project / "knowledge" / "sources" / "matrobot.txt").write_text("en fil som redan finns\n", encoding="utf-8")
    assert "exists already" in refused(project, str(files / "matrobot.md"))
    assert "not a valid source id" in refused(project, str(files / "matrobot.md"), "--id", "Not Valid")


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to run as another user")
def test_file_without_read_permission_is_refused(project, tmp_path):
    for folder in (tmp_path, *tmp_path.parents):
        if str(folder).startswith(tempfile.gettempdir() + "/pytest-of-") or folder == tmp_path:
            folder.chmod(0o755)
    locked = tmp_path / "last.txt"
    locked.write_text("# Rubrik\n\nText som ingen får läsa.\n", encoding="utf-8")
    locked.chmod(0)
    before = tree(project / "knowledge")
    env = {**os.environ, "GUIDE_ASSISTANT_HOME": str(project)}
    out = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m", "guide_assistant", "kb", "add", str(locked)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert out.returncode == 1 and "cannot read" in out.stderr, out.stderr
    assert tree(project / "knowledge") == before


def test_a_failure_after_writing_takes_everything_back(project, files, monkeypatch):
    """A knowledge base that would not load after the add: every file written is taken back."""
    from guide_assistant.kb.errors import KnowledgeProblem

    def broken(paths, check_fidelity=True):
        return None, [KnowledgeProblem("knowledge/phases.yaml", 1, "simulated problem")]

    from guide_assistant.kb.ingest import add

    monkeypatch.setattr(add, "check_knowledge", broken)
    before = tree(project / "knowledge")
    out = cli(project, "kb", "add", str(files / "matrobot.md"))
    assert out.exit_code == 1 and "simulated problem" in out.output
    assert tree(project / "knowledge") == before
    assert not (project / "knowledge" / "originals").exists()


def test_scanned_pdf_goes_through_ocr_and_the_garble_check(project, files, tmp_path):
    """The OCR branch, with stand-ins for Debian's ocrmypdf and tesseract (the stand-in
    'OCR' gives back a PDF with a text layer): ocr: true, a word-fix file, the garble check."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "tesseract").write_text('#!/bin/sh\necho "List of available languages (2):"\necho nor\necho swe\n')
    (bin_dir / "ocrmypdf").write_text(f'#!/bin/sh\nfor last; do :; done\ncp "{tmp_path / "text.pdf"}" "$last"\n')
    for exe in bin_dir.iterdir():
        exe.chmod(0o755)
    make_pdf(tmp_path / "text.pdf")
    env = {"GUIDE_ASSISTANT_HOME": str(project), "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    out = runner.invoke(app, ["kb", "add", str(files / "skannad.pdf"), "--language", "no"], env=env)
    assert out.exit_code == 0, out.output
    assert "OCR garble check:" in out.output
    kb = load_knowledge(find_paths(project))
    entry = kb.guides["skannad"].entry
    assert entry.ocr is True and entry.language == "nb" and entry.original == "skannad.pdf"
    assert (project / "knowledge" / "cleanup" / "words" / "skannad.yaml").is_file()
