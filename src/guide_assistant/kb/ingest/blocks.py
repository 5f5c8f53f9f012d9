"""What every extractor makes: blocks of text (headings, paragraphs, list items) and the source text they render to."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

from guide_assistant.kb.cleanup import SUSPENDED_BEFORE
from guide_assistant.kb.textnorm import fold

SUPPORTED = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx"}
LANGUAGES = ("sv", "nb", "da", "en")
LANGUAGE_ALIASES = {"no": "nb", "nn": "nb", "nob": "nb", "swe": "sv", "dan": "da", "eng": "en"}
OCR_PACKAGES = "ocrmypdf tesseract-ocr-swe tesseract-ocr-nor"
OCR_LANGS = ("swe", "nor", "dan", "eng")
# The heading markers the generated text carries; the readable text leaves them out.
HEADING_MARKS = {"#" * n: "" for n in range(1, 7)}
MAX_FILE_BYTES = 200 * 1024 * 1024
PROTO_CHARS = 220  # phase suggestions: the embedder's cost grows steeply with length, so short texts one at a time


class IngestError(Exception):
    """The file cannot be added; the message says why (nothing was written)."""


# --- blocks ----------------------------------------------------------------


@dataclass
class Block:
    kind: str  # "h" heading | "p" paragraph | "li" bullet | "num" numbered line
    text: str
    level: int = 0


@dataclass
class Extracted:
    blocks: list[Block]
    ocr: bool = False
    title_hint: str | None = None  # HTML <title>, DOCX/PDF metadata title


_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)


def clean_text(text: str) -> str:
    """One line of plain text: NFC, control and invisible characters out, spaces collapsed."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = "".join(" " if (unicodedata.category(c)[0] == "C" or c in "\u2028\u2029") else c for c in text)
    return " ".join(text.split())


def render(blocks: list[Block]) -> str:
    """The source text: one block per line, "#" headings, "- " bullets, a blank line between
    blocks (none between the lines of one list)."""
    out: list[str] = []
    prev = ""
    for b in blocks:
        text = clean_text(b.text)
        if not text:
            continue
        if b.kind == "h" and len(text) <= 200:
            line = "#" * max(1, min(b.level, 6)) + " " + text.rstrip("#").strip()
            kind = "h"
        elif b.kind == "li":
            line, kind = "- " + text.lstrip("•·▪‣◦■□●○*+-–— ").strip(), "list"
        elif b.kind == "num":
            line, kind = text, "list"
        else:
            # a paragraph is never read as a heading or a bullet by the generic parser
            line, kind = ("\\" + text if text.startswith("#") else text), "p"
            if line.startswith("- "):
                kind = "list"
        if out and not (kind == "list" and prev == "list"):
            out.append("")
        out.append(line)
        prev = kind
    return "\n".join(out) + "\n" if out else ""


# --- plain text and Markdown ----------------------------------------------


def join_lines(head: str, tail: str) -> str:
    """Two pieces of one paragraph; a word hyphenated at the break is joined again
    ('upphand-' + 'lingen'), a suspended compound keeps its hyphen ('vård- och omsorg')."""
    head = head.rstrip()
    if re.search(r"[^\W\d_]-$", head) and tail[:1].islower():
        first = re.match(r"[^\W\d_]+", tail)
        if first is None or first.group(0).casefold() not in SUSPENDED_BEFORE:
            return head[:-1] + tail
    return head + " " + tail


# --- HTML ---------------------------------------------------------------------


def slug(text: str, max_len: int = 60) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return s[:max_len].strip("-")


def yq(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is YAML's)."""
    return json.dumps(text, ensure_ascii=False)
