"""Text extracted from a typeset PDF (Kvickguide 4, the short Swedish text).

Main headings start with a single space; sub-headings are short lines after a blank
line that do not end a sentence and are followed by prose.
"""

from __future__ import annotations

from guide_assistant.kb.cleanup import Cleaner
from guide_assistant.kb.sections import LineKind, classify_with, next_nonblank

LINK_SECTION = "Länkar till fördjupning"


def _short_title(text: str, max_words: int) -> bool:
    return (
        0 < len(text.split()) <= max_words
        and text[:1].isupper()
        and not text.endswith((".", ",", ":", ";", "?", "!", "-"))
        and not text.startswith(("•", "http"))
    )


def classify(lines: list[str], cleaner: Cleaner) -> list[LineKind]:
    def furniture(i: int, ls: list[str]) -> bool:
        return ls[i].strip() in ("Lycka till!",)

    def heading(i: int, ls: list[str]) -> tuple[int, str] | None:
        raw = ls[i].rstrip()
        text = raw.strip()
        nxt = next_nonblank(ls, i).strip()
        starts_prose = nxt[:1].isupper() or nxt.startswith("•")
        if raw.startswith(" ") and not raw.startswith("  ") and _short_title(text, 6) and starts_prose:
            return 1, text
        prev = ls[i - 1].strip() if i > 0 else ""
        if i == 0 and _short_title(text, 6):
            return 2, text
        if prev == "" and _short_title(text, 9) and starts_prose and len(nxt) > 40:
            return 2, text
        if text == LINK_SECTION:
            return 1, text
        return None

    return classify_with(lines, heading, furniture)
