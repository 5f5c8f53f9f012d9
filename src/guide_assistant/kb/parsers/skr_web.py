"""SKR's web page as text: 'Aktivitet: X' headings, named parts, short sub-headings."""

from __future__ import annotations

import re

from guide_assistant.kb.cleanup import Cleaner
from guide_assistant.kb.sections import LineKind, classify_with, next_nonblank, prev_nonblank

PARTS = {"Råd", "HUKI", "Huvudansvarig", "Utförare", "Utför", "Konsulteras", "Informeras"}
FURNITURE = re.compile(r"^(Förstora bilden|Klicka på bilden för en större version.*|Tabellen består av två kolumner.*)$")
LINK_TAIL = re.compile(r"(, (UHM|Inera|DIGG|KS|Riksarkivet|Ekonomistyrningsverket)|\(PDF\)|kB\.|\| DIGG)$")


def classify(lines: list[str], cleaner: Cleaner) -> list[LineKind]:
    contact = next((i for i, l in enumerate(lines) if l.strip() == "Kontakta oss"), len(lines))

    def furniture(i: int, ls: list[str]) -> bool:
        return i >= contact or bool(FURNITURE.match(ls[i].strip()))

    def heading(i: int, ls: list[str]) -> tuple[int, str] | None:
        text = ls[i].strip()
        if text.startswith("Aktivitet:"):
            return 1, text.split(":", 1)[1].strip()
        if text in ("Huvudansvarig", "Utförare", "Utför", "Konsulteras", "Informeras"):
            return 3, text
        if text in PARTS:
            return 2, text
        if i == 0:
            return 1, text
        nxt = next_nonblank(ls, i)
        if (
            len(text) <= 70
            and not text.startswith("•")
            and not text.endswith((".", ":", "?", "!", ","))
            and not LINK_TAIL.search(text)
            and not prev_nonblank(ls, i).strip().endswith(":")
            and (len(nxt.strip()) > 90 or nxt.strip().startswith("•"))
            and ls[i - 1].strip() == ""
            and not ls[i].startswith(" ")
        ):
            return 2, text
        return None

    return classify_with(lines, heading, furniture)
