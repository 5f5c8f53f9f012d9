"""The text of a guide from the file it arrived as, by its format (never evaluated)."""

from __future__ import annotations

from pathlib import Path

from guide_assistant.kb.ingest.blocks import SUPPORTED, Extracted, IngestError
from guide_assistant.kb.ingest.docx_file import extract_docx
from guide_assistant.kb.ingest.html_page import extract_html
from guide_assistant.kb.ingest.markdown import extract_markdown
from guide_assistant.kb.ingest.pdf import extract_pdf
from guide_assistant.kb.ingest.text import extract_text


def _decode(raw: bytes, name: str) -> str:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise IngestError(f"{name} is not a text file (not UTF-8 or Windows-1252 text)")


def extract(path: Path, workdir: Path) -> Extracted:
    """The blocks of a file, by its extension; IngestError when it cannot be read."""
    kind = SUPPORTED.get(path.suffix.lower())
    if kind is None:
        raise IngestError(f"unsupported file type '{path.suffix or path.name}': kb add reads " + ", ".join(sorted(SUPPORTED)))
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise IngestError(f"cannot read {path}: {e.strerror or e}") from None
    if not raw.strip():
        raise IngestError(f"{path.name} is empty")
    if kind == "text":
        return Extracted(extract_text(_decode(raw, path.name)))
    if kind == "markdown":
        return Extracted(extract_markdown(_decode(raw, path.name)))
    if kind == "html":
        try:
            return extract_html(raw)
        except Exception as e:
            raise IngestError(f"cannot read {path.name} as HTML: {type(e).__name__}: {e}") from None
    if kind == "docx":
        try:
            return extract_docx(path)
        except Exception as e:
            raise IngestError(f"cannot read {path.name} as a Word document (.docx): {type(e).__name__}: {e}") from None
    return extract_pdf(path, workdir)


# --- language, ids, YAML text --------------------------------------------------
