"""The words answers are written with, in English, Swedish and Norwegian (data, not logic)."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "phase": "Phase", "phases": "Phases", "saved": "your saved phase",
        "you_are": "You are in phase {n} of 7: **{name}**",
        "before_note": "Phases 1–{n} come first if they are not done yet.",
        "next": "Next activities", "accountable": "accountable", "responsible": "does the work",
        "consulted": "consulted", "informed": "informed", "deliverables": "Deliverables",
        "decision": "Decision that closes the phase", "the_decision": "Decision",
        "questions": "Questions to answer first", "decides": "Who decides", "rests_on": "It rests on",
        "who": "Who does it",
        "no_huki": "this guide gives no HUKI list here",
        "no_roles": "{guide} does not say who does {act}.",
        "checklist": "Whole checklist: `guide-assistant checklist --phase {p}`", "where": "Where this sits",
        "what_guides_say": "What the guides say",
        "not_covered": "The guides do not cover this question.", "never_mention": "They never mention {words}.",
        "nearest": "The nearest topics they do cover", "sources": "Sources", "lines": "lines", "you": "you",
        "shortened": "Your question was long; the first {n} characters were used.",
        "unclear": "I can't tell what “{word}” refers to: there is no earlier question in this conversation. "
                   "Ask again with the activity or topic, for example:", "term": "Term", "reworded": "the guide reworded this; not yet reviewed",
    },
    "sv": {
        "phase": "Fas", "phases": "Faser", "saved": "er sparade fas",
        "you_are": "Ni är i fas {n} av 7: **{name}**",
        "before_note": "Fas 1–{n} kommer först om de inte redan är gjorda.",
        "next": "Nästa aktiviteter", "accountable": "huvudansvarig", "responsible": "utför",
        "consulted": "konsulteras", "informed": "informeras", "deliverables": "Leveranser",
        "decision": "Beslut som avslutar fasen", "the_decision": "Beslut",
        "questions": "Frågor att besvara först", "decides": "Vem beslutar", "rests_on": "Underlag",
        "who": "Vem gör vad",
        "no_huki": "vägledningen anger ingen HUKI här",
        "no_roles": "{guide} säger inte vem som gör {act}.",
        "checklist": "Hela checklistan: `guide-assistant checklist --phase {p}`", "where": "Var det hör hemma",
        "what_guides_say": "Vad vägledningarna säger",
        "not_covered": "Vägledningarna tar inte upp den här frågan.", "never_mention": "De nämner aldrig {words}.",
        "nearest": "Närmaste ämnen som de tar upp", "sources": "Källor", "lines": "rader", "you": "du",
        "shortened": "Frågan var lång; de första {n} tecknen användes.",
        "unclear": "Jag kan inte avgöra vad ”{word}” syftar på: det finns ingen tidigare fråga i samtalet. "
                   "Fråga igen och nämn aktiviteten eller ämnet, till exempel:", "term": "Begrepp", "reworded": "vägledningen har formulerat om detta; ännu inte granskat",
    },
    "no": {
        "phase": "Fase", "phases": "Faser", "saved": "den lagrede fasen deres",
        "you_are": "Dere er i fase {n} av 7: **{name}**",
        "before_note": "Fase 1–{n} kommer først hvis de ikke er gjort ennå.",
        "next": "Neste aktiviteter", "accountable": "hovedansvarlig", "responsible": "utfører",
        "consulted": "konsulteres", "informed": "informeres", "deliverables": "Leveranser",
        "decision": "Beslutning som avslutter fasen", "the_decision": "Beslutning",
        "questions": "Spørsmål å svare på først", "decides": "Hvem beslutter", "rests_on": "Grunnlag",
        "who": "Hvem gjør hva",
        "no_huki": "veiledningen gir ingen HUKI her",
        "no_roles": "{guide} sier ikke hvem som gjør {act}.",
        "checklist": "Hele sjekklisten: `guide-assistant checklist --phase {p}`", "where": "Hvor dette hører hjemme",
        "what_guides_say": "Hva veiledningene sier",
        "not_covered": "Veiledningene dekker ikke dette spørsmålet.", "never_mention": "De nevner aldri {words}.",
        "nearest": "De nærmeste temaene de dekker", "sources": "Kilder", "lines": "linjer", "you": "dere",
        "shortened": "Spørsmålet var langt; de første {n} tegnene ble brukt.",
        "unclear": "Jeg kan ikke avgjøre hva «{word}» viser til: det er ikke noe tidligere spørsmål i samtalen. "
                   "Spør igjen og nevn aktiviteten eller temaet, for eksempel:", "term": "Begrep", "reworded": "veiledningen har formulert dette om; ikke gjennomgått ennå",
    },
}
HUKI_LETTER = {"accountable": "H", "responsible": "U", "consulted": "K", "informed": "I"}
