"""The OCR'd Swedish 'Färdplan för tjänsteinnovation' (translation of KS Veikart).

Pages start with 'Fas N - Name' followed by a wide intro paragraph (the overview page
lists the same headings with narrow columns); numbered steps ('1. Definiera ...') and
short headed steps follow; 'Tips' and 'Innovationsexempel' boxes are parts.
"""

from __future__ import annotations

import re

from guide_assistant.kb.cleanup import Cleaner
from guide_assistant.kb.sections import LineKind, classify_with, next_nonblank

FAS_RE = re.compile(r"^\s*Fas\s*(\d)\s*[-—–]\s*(.+)$")
STEP_RE = re.compile(r"^\s*(\d)\.\s+(\S.{2,70})$")
BARE_NUMBER_RE = re.compile(r"^\s*(\d)\.\s*$")
FURNITURE_RE = re.compile(r"^(Läs mer här|Lds mer h|Las mer h|Ldas mer h).*|^[>=\-→]+$|^->$")


def _step_title(title: str) -> bool:
    return title[:1].isupper() and ":" not in title and not title.startswith(("e ", "¢ ", "« "))


def classify(lines: list[str], cleaner: Cleaner) -> list[LineKind]:
    clean = [cleaner.clean_line(l)[0].strip() for l in lines]
    last_step = [0]  # number of the last numbered step on the current phase page

    def furniture(i: int, ls: list[str]) -> bool:
        text = clean[i]
        if FURNITURE_RE.match(text) or FURNITURE_RE.match(ls[i].strip()):
            return True
        if text.endswith(("=", ">")) and len(text.split()) <= 5:
            return False  # tool link titles ("Projektpresentation =") stay as text
        letters = re.findall(r"[A-Za-zÅÄÖåäö]{3,}", text)
        return not letters and len(text) < 12

    def heading(i: int, ls: list[str]) -> tuple[int, str] | None:
        text = clean[i]
        m = FAS_RE.match(text)
        if m:
            nxt = next_nonblank(ls, i).strip()
            level = 1 if len(nxt) > 55 else 2
            if level == 1:
                last_step[0] = 0
            return level, f"Fas {m.group(1)} – {m.group(2).strip()}"
        if text in ("Tips", "Innovationsexempel"):
            return 3, text
        m = STEP_RE.match(text)
        if m and not text.endswith((".", ",")) and _step_title(m.group(2)):
            # a numbered step, not an item of a numbered list: numbers rise on a page,
            # and a list item follows another list item
            near = any(STEP_RE.match(clean[j]) for j in range(max(0, i - 6), i))
            if int(m.group(1)) > last_step[0] and not near:
                last_step[0] = int(m.group(1))
                return 2, f"{m.group(1)}. {m.group(2).strip()}"
            return None
        if BARE_NUMBER_RE.match(text):
            return None
        prev = clean[i - 1] if i > 0 else ""
        nxt = next_nonblank(ls, i).strip()
        bare = BARE_NUMBER_RE.match(next((clean[j] for j in range(i - 1, -1, -1) if clean[j]), "")) if prev == "" else None
        if bare:
            num = bare.group(1)
            if _step_title(text) and int(num) > last_step[0]:
                last_step[0] = int(num)
                return 2, f"{num}. {text}"
            return None
        if (
            prev == ""
            and 1 <= len(text.split()) <= 5
            and text[:1].isupper()
            and not text.endswith((".", ",", ":", "=", ">", "-"))
            and len(nxt) > 45
            and (i + 1 < len(ls) and not ls[i + 1].strip())
        ):
            return 2, text
        return None

    return classify_with(lines, heading, furniture)
