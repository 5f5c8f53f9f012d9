"""One parser per guide format; each classifies raw lines (heading, furniture, URL, text)."""

from __future__ import annotations

from guide_assistant.kb.cleanup import Cleaner
from guide_assistant.kb.parsers import fardplan_ocr, generic, pdf_text, skr_web, veien_ocr
from guide_assistant.kb.sections import LineKind, Section, build_sections

PARSERS = {
    "skr_web": skr_web.classify,
    "pdf_text": pdf_text.classify,
    "veien_ocr": veien_ocr.classify,
    "fardplan_ocr": fardplan_ocr.classify,
    "generic": generic.classify,
}


def parse(parser: str, source: str, title: str, lines: list[str], cleaner: Cleaner) -> tuple[Section, list[LineKind]]:
    kinds = PARSERS[parser](lines, cleaner)
    return build_sections(source, title, lines, kinds), kinds
