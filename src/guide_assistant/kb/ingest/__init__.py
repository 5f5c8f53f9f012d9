"""Add a guide from the file it arrived as (``guide-assistant kb add``).

The file's text is extracted with real parsers, never evaluated: plain text and Markdown
are read as lines, HTML with BeautifulSoup's stdlib ``html.parser`` (scripts, styles,
navigation, page header, footer and asides dropped; the ``main``/``article`` element when
there is one), DOCX with python-docx (heading styles, list numbering, tables), PDF with
pdfplumber (headings from font size and weight, page headers/footers and page numbers
dropped). A PDF without a text layer is OCR'd with Debian's ``ocrmypdf`` when installed.

What is written (every file atomically; on any failure all of it is taken back):
- ``knowledge/sources/<id>.txt``: one paragraph per line, headings as Markdown "#"/"##"/"###",
  bullets as "- " lines, blank lines between blocks (read by ``kb/parsers/generic.py``);
- ``knowledge/originals/<id><ext>``: the file as it arrived (its sha256 in sources.yaml);
- ``knowledge/cleanup/words/<id>.yaml``: the word fixes (none yet) and the heading markers
  the readable text leaves out;
- an entry appended to ``knowledge/sources.yaml`` and suggested crosswalk entries appended
  to ``knowledge/phases.yaml`` (text appended, so comments and layout stay as they are).
"""

from guide_assistant.kb.ingest.add import AddResult, add_guide, detect_language, normalise_language
from guide_assistant.kb.ingest.blocks import OCR_PACKAGES, SUPPORTED, Block, Extracted, IngestError, slug, yq
from guide_assistant.kb.ingest.extract import extract
from guide_assistant.kb.ingest.suggest import QueryEmbedder, Suggestion, suggest_phases

__all__ = [
    "OCR_PACKAGES",
    "SUPPORTED",
    "AddResult",
    "Block",
    "Extracted",
    "IngestError",
    "QueryEmbedder",
    "Suggestion",
    "add_guide",
    "detect_language",
    "extract",
    "normalise_language",
    "slug",
    "suggest_phases",
    "yq",
]
