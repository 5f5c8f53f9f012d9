"""The words answers are written with: English messages, translated to the asker's language
(sv, no) through the gettext catalogs in ``locale/`` (data, not logic).

Answers are written in the language of the question, not the interface language, so each
language's labels are looked up here once.
"""

from __future__ import annotations

from guide_assistant.common.i18n import LANGUAGES, N_, gettext

_MESSAGES: dict[str, str] = {
    "phase": N_("Phase"),
    "phases": N_("Phases"),
    "saved": N_("your saved phase"),
    "you_are": N_("You are in phase {n} of 7: **{name}**"),
    "before_note": N_("Phases 1–{n} come first if they are not done yet."),
    "next": N_("Next activities"),
    "what_to_do": N_("What the guides say to do"),
    "accountable": N_("accountable"),
    "responsible": N_("does the work"),
    "consulted": N_("consulted"),
    "informed": N_("informed"),
    "deliverables": N_("Deliverables"),
    "decision": N_("Decision that closes the phase"),
    "the_decision": N_("Decision"),
    "questions": N_("Questions to answer first"),
    "decides": N_("Who decides"),
    "rests_on": N_("It rests on"),
    "who": N_("Who does it"),
    "no_huki": N_("this guide gives no HUKI list here"),
    "no_roles": N_("{guide} does not say who does {act}."),
    "checklist": N_("Whole checklist: `guide-assistant checklist --phase {p}`"),
    "where": N_("Where this sits"),
    "what_guides_say": N_("What the guides say"),
    "not_covered": N_("The guides do not cover this question."),
    "never_mention": N_("They never mention {words}."),
    "nearest": N_("The nearest topics they do cover"),
    "sources": N_("Sources"),
    "lines": N_("lines"),
    "you": N_("you"),
    "shortened": N_("Your question was long; the first {n} characters were used."),
    "unclear": N_(
        "I can't tell what “{word}” refers to: there is no earlier question in this conversation. Ask again with the activity or topic, for example:"
    ),
    "term": N_("Term"),
    "reworded": N_("the guide reworded this; not yet reviewed"),
    "next_short": N_("Next"),
}


class _Labels(dict[str, dict[str, str]]):
    """language -> key -> label; a language's catalog is read the first time it is asked for."""

    def __missing__(self, lang: str) -> dict[str, str]:
        if lang not in LANGUAGES:
            raise KeyError(lang)
        labels = self[lang] = {key: gettext(lang, msg) for key, msg in _MESSAGES.items()}
        return labels


LABELS: dict[str, dict[str, str]] = _Labels()
HUKI_LETTER = {"accountable": "H", "responsible": "U", "consulted": "K", "informed": "I"}
