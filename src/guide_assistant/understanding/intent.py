"""What kind of question it is, which decides the shape of the answer.

- ``definition``: what a term means ("what is a HUKI?")
- ``who``: who does it, who is accountable, who signs
- ``decision``: the decision that closes a phase, what to weigh before deciding
- ``deliverables``: what must be produced or handed over
- ``when``: timing ("when should we ...")
- ``phase``: what now / what next / what do we do before, after or during X
- ``how``: everything else: how to do a specific thing, what it should contain, advice

Keyword rules in the three languages over the diacritic-folded question, checked in the
order above; the first that matches wins. The question model (classifier.py) reads the
intent first; these rules decide only where it is unsure and they name an intent outright,
and when no embedder is at hand (understanding/reading.py).
"""

from __future__ import annotations

import re

from guide_assistant.kb.textnorm import fold

INTENTS = ("phase", "who", "deliverables", "decision", "when", "how", "definition")

RULES: list[tuple[str, list[str]]] = [
    (
        "definition",
        [
            r"\bdifference between\b",
            r"\bskillnaden mellan\b",
            r"\bforskjellen mellom\b",
            r"\bwhat does .+ stand for\b",
            r"\bvad star .+ for\b",
            r"\bhva star .+ for\b",
            r"^(och )?vad innebar (en |ett )?[\w/-]+\?*$",
            r"^(og )?hva innebaerer (en |et |ei )?[\w/-]+\?*$",
            r"^(and )?what (is|are) (an? |the )?(?!next|now|left|our\b|my\b)[\w/-]+( [\w/-]+)?\?*$",
            r"\bwhat does .+ mean\b",
            r"\bmeaning of\b",
            r"\bdefinition\b",
            r"\bdefinisjon",
            r"^(och )?vad (ar|menas med) (en |ett )?(?!nasta|nu\b|kvar)[\w/-]+( [\w/-]+)?\?*$",
            r"\bvad betyder\b",
            r"^(og )?hva (er|menes med) (en |et |ei )?(?!neste|na\b|igjen)[\w/-]+( [\w/-]+)?\?*$",
            r"\bhva betyr\b",
            r"\bbetydningen av\b",
        ],
    ),
    ("decision", [r"^(and )?(which|what) decisions?\b", r"^(och )?(vilket|vilka) beslut\b", r"^(og )?(hvilken|hvilke) beslutning"]),
    (
        "who",
        [
            r"^(and |but |so |then )?(who|whom|whose)\b",
            r"[,;] (and )?who\b",
            r"\bwho (is|are|should|does|do|signs|decides|makes|owns|leads)\b",
            r"^(och |men |sa )?vem\b",
            r"[,;] (och )?vem\b",
            r"^(og |men |sa )?hvem\b",
            r"[,;] (og )?hvem\b",
            r"\bwhich roles?\b",
            r"\bwhat roles?\b",
            r"\baccountable\b",
            r"\bin charge\b",
            r"\bhuki\b",
            r"\braci\b",
            r"\bvilka roller\b",
            r"\bvilken roll\b",
            r"\bhuvudansvar",
            r"\bhvilke roller\b",
            r"\bhvilken rolle\b",
            r"\bhovedansvar",
        ],
    ),
    (
        "decision",
        [
            r"\bdecision",
            r"\bdecide",
            r"\bgo/no",
            r"\bgo-no",
            r"\bno-go\b",
            r"\bbeslut",
            r"\bbesluta",
            r"\bbeslutning",
            r"\bbeslutte",
            r"\bbeslutar",
        ],
    ),
    (
        "deliverables",
        [
            r"\bdeliverables?\b",
            r"\bdeliver\b",
            r"\boutputs?\b",
            r"\bwhat (should|must|do) we (produce|have ready|hand over)\b",
            r"\b(what|which) (documents|documentation)\b",
            r"\bmust be (ready|in place|documented)\b",
            r"\bbe documented\b",
            r"\bdokumenteras\b",
            r"\bdokumenteres\b",
            r"^(vad|vilka) kravs\b",
            r"^hva trengs\b",
            r"\bma vaere (klart|ferdig|pa plass)\b",
            r"\bska vara (klart|klara|pa plats)\b",
            r"\bleverans",
            r"\bleveranse",
            r"\bvad ska (vi|man) ta fram\b",
            r"\bvilka dokument\b",
            r"\bhvilke dokumenter\b",
            r"\butarbeide\b",
            r"\bvad ska vara klart\b",
            r"\bhva skal (vi|man) levere\b",
            r"\bhva skal vaere (klart|ferdig)\b",
        ],
    ),
    (
        "when",
        [
            r"^(and |och |og )?(when|nar)\b",
            r"\bhow long\b",
            r"\bhur lange\b",
            r"\bhvor lenge\b",
            r"\bat what (point|stage)\b",
            r"\bhow early\b",
            r"\bhow soon\b",
            r"\btiming\b",
            r"\bi vilket skede\b",
            r"\bhur tidigt\b",
            r"\bhur snart\b",
            r"\bhvor snart\b",
            r"\bhvor fort\b",
            r"\bnar i processen\b",
            r"\bnar i prosessen\b",
            r"\bpa hvilket tidspunkt\b",
            r"\bhvor tidlig\b",
            r"\bi hvilken fase\b",
            r"\bi vilken fas\b",
        ],
    ),
    (
        "phase",
        [
            r"\bwhat (should|do|must|shall|can) we (be )?do(ing)?\b",
            r"\b(which|what) activities\b",
            r"\bwhat (has|needs|have) to be done\b",
            r"\bvad (maste|behover|ska) goras\b",
            r"\bhva (ma|skal|bor) gjores\b",
            r"\bvilka aktiviteter\b",
            r"\bhvilke aktiviteter\b",
            r"\bbehover (vi|man) gora\b",
            r"\bwhat does the .+ (phase|stage) (involve|include|contain|cover)\b",
            r"\bvad ingar i\b",
            r"\bhva inngar i\b",
            r"^(what|vad|hva) (should|must|ska|bor|maste|ma|skal) (we|vi|man) \w+ (before|after|innan|efter|infor|for|etter)\b",
            r"\bwhat now\b",
            r"\bvad nu\b",
            r"\bhva na\b",
            r"\bwhat next\b",
            r"\bwhat is next\b",
            r"\bwhat's next\b",
            r"\bwhat comes next\b",
            r"\bnext steps?\b",
            r"\bwhere do we (start|begin)\b",
            r"\bwhat happens (now|next|after|before)\b",
            r"\bwhat is left\b",
            r"\bwhat remains\b",
            r"\bwhat to do\b",
            r"\bvad (ska|bor|behover|maste|kan) (vi|man) gora\b",
            r"\bvad gor (vi|man)\b",
            r"\bnasta steg\b",
            r"\bvad hander (nu|sedan|efter)\b",
            r"\bvar borjar (vi|man)\b",
            r"\bvad kommer sedan\b",
            r"\bvad aterstar\b",
            r"\bhva (ma|skal|bor|kan) (vi|man) gjore\b",
            r"\bhva gjor (vi|man)\b",
            r"\bneste steg\b",
            r"\bhva skjer (na|etter|videre)\b",
            r"\bhvor (starter|begynner) (vi|man)\b",
            r"\bhva gjenstar\b",
            r"\bhva kommer (na|etterpa)\b",
        ],
    ),
]


def classify(question: str) -> str:
    text = " ".join(fold(question).replace("?", " ?").split()).replace(" ?", "?")
    text = re.sub(r"[.!]+$", "", text).strip()
    for kind, patterns in RULES:
        if any(re.search(p, text) for p in patterns):
            return kind
    return "how"
