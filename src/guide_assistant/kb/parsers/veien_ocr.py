"""The OCR'd Norwegian quick guide 'Veien til velferdsteknologi'.

Each page starts with a banner of the five phase names (page furniture), then an
upper-case heading (the phase or continuous process); parts are 'Gjør dette',
'Verktøy', 'Leveranser', 'Beslutning', 'Eksempler'; the continuous-process pages are
divided by phase names. Quotes from local project leaders are furniture.
"""

from __future__ import annotations

import re

from guide_assistant.kb.cleanup import Cleaner
from guide_assistant.kb.sections import URL_RE, LineKind
from guide_assistant.kb.textnorm import fold

PARTS = {"gjor dette": "Gjør dette", "verktoy": "Verktøy", "leveranser": "Leveranser", "beslutning": "Beslutning", "eksempler": "Eksempler"}
PHASE_NAMES = {
    "avklare behov": "Avklare behov",
    "planlegge og etablere struktur": "Planlegge og etablere struktur",
    "gjennomfore behovsanalyse": "Gjennomføre behovsanalyse",
    "planlegge prosjektet": "Planlegge prosjektet",
    "designe ny tjeneste og anskaffe": "Designe ny tjeneste og anskaffe",
    "implementere ny tjeneste": "Implementere ny tjeneste",
    "drifte tjenesten": "Drifte tjenesten",
}
FACT_BOXES = ("inneholder:", "anskaffelsesstrategi:")
BANNER_WORDS = set(
    [
        "planlegge",
        "prosjektet",
        "avklare",
        "behov",
        "designe",
        "ny",
        "tjeneste",
        "og",
        "anskaffe",
        "implementere",
        "drifte",
        "tjenesten",
        "plan]egge",
        "dgsigne",
        "forankring",
        "gevinstrealisering",
        "anskaffelsesprosessen",
        "etablere",
        "struktur",
        "gjennomfore",
        "behovsanalyse",
    ]
)
QUOTE_OPEN = ("“", '"')


def _words(text: str) -> list[str]:
    return re.findall(r"[\w\]]+", fold(text))


def _is_upper_heading(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 6 and all(c.isupper() for c in letters) and len(text.split()) <= 6


def classify(lines: list[str], cleaner: Cleaner) -> list[LineKind]:
    clean = [cleaner.clean_line(l)[0].strip() for l in lines]
    kinds: list[LineKind] = [LineKind("blank") if not l.strip() else LineKind("text") for l in lines]
    for i, line in enumerate(lines):
        if URL_RE.match(line):
            kinds[i] = LineKind("url")
    # upper-case page headings, and the banner block before each (furniture)
    for i, text in enumerate(clean):
        if _is_upper_heading(text):
            kinds[i] = LineKind("heading", 1, text.title() if text.isupper() else text)
            j = i - 1
            while j >= 0 and kinds[j].kind in ("blank", "text", "furniture"):
                ws = _words(clean[j])
                if ws and not all(w in BANNER_WORDS or len(w) <= 3 for w in ws):
                    break
                if kinds[j].kind == "text":
                    kinds[j] = LineKind("furniture")
                j -= 1
    # stray banner fragments mid-page ("Designe", "P Implementere Drifte", "og anskaffe")
    for i, text in enumerate(clean):
        ws = _words(text)
        if (
            kinds[i].kind == "text"
            and ws
            and not any(c in text for c in ".,:;?!«»")
            and fold(text).strip() not in PHASE_NAMES
            and any(w in BANNER_WORDS for w in ws)
            and all(w in BANNER_WORDS or len(w) <= 2 for w in ws)
        ):
            kinds[i] = LineKind("furniture")
    # quotes from local project leaders: from an opening quote to the attribution line
    i = 0
    while i < len(lines):
        if clean[i].startswith(QUOTE_OPEN) and kinds[i].kind == "text":
            j = i
            while j < len(lines) and j < i + 14 and "velferdsteknologiprogram" not in clean[j]:
                j += 1
            if j < len(lines) and j < i + 14:
                for k in range(i, j + 1):
                    if kinds[k].kind == "text" and not any(p in fold(clean[k]) for p in PARTS):
                        kinds[k] = LineKind("furniture")
                i = j
        i += 1
    # parts, phase sub-sections of the continuous processes, fact boxes
    for i, text in enumerate(clean):
        if kinds[i].kind != "text":
            continue
        key = fold(text).rstrip(":").strip()
        if key in PARTS:
            kinds[i] = LineKind("heading", 3, PARTS[key])
        elif key in PHASE_NAMES and (i + 1 >= len(lines) or not lines[i + 1].strip() or True):
            kinds[i] = LineKind("heading", 2, PHASE_NAMES[key])
        elif fold(text).endswith(FACT_BOXES) and len(text.split()) <= 3:
            kinds[i] = LineKind("heading", 3, text.rstrip(":"))
        elif (  # noqa: SIM102 (the debris rule, then its exceptions)
            len(_words(text)) <= 3
            and len(text) <= 14
            and not any(c in text for c in ".,")
            and (not any(w in BANNER_WORDS for w in _words(text)) or len(text) <= 4)
            and not text[:1].islower()
        ):
            # short OCR debris from figures ("EpEE", "(=", "\ R")
            if not re.search(r"[a-zæøå]{4,}", text) or text in ("Snakke", "med.", "Leer av andre"):
                kinds[i] = LineKind("furniture")
    return kinds
