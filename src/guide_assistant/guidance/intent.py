"""What kind of question it is: what to do, who, what to deliver, which decision, or a lookup.

Keyword rules in the three languages, checked in this order (the first that matches wins):
who -> decision -> deliver -> todo -> lookup. Simple on purpose: the kinds are few, the
words that signal them are few, and a wrong guess only changes the order of the answer's
parts, never what it cites.
"""

from __future__ import annotations

import re

from guide_assistant.kb.textnorm import fold

RULES: list[tuple[str, list[str]]] = [
    ("who", [r"\bwho\b", r"\bwhom\b", r"\bwhose\b", r"\baccountable\b", r"\bresponsib", r"\broles?\b", r"\bsigns?\b",
             r"\bvem\b", r"\bvilka roller\b", r"\bansvar", r"\bhuvudansvar", r"\btecknar\b", r"\bhuki\b", r"\braci\b",
             r"\bhvem\b", r"\bansvarlig", r"\bhovedansvar", r"\bsignerer\b"]),
    ("decision", [r"\bdecision", r"\bdecide", r"\bapprov", r"\bgo/no", r"\bbeslut", r"\bbesluta", r"\bbeslutning",
                  r"\bbeslutte", r"\bgodkjenn", r"\bgodkann", r"\bgodkänn"]),
    ("deliver", [r"\bdeliverable", r"\bdeliver\b", r"\bdocuments?\b", r"\boutputs?\b", r"\bproduce\b",
                 r"\bleverans", r"\bdokument", r"\bta fram\b", r"\bleveranse", r"\butarbeide\b"]),
    ("todo", [r"\bwhat (should|do|must|shall) we do\b", r"\bwhat (should|must) we\b", r"\bsteps?\b", r"\bhow (do|should|can) we\b",
              r"\bwhat to do\b", r"\bnext\b", r"\bchecklist",
              r"\bvad (ska|bor|behover|maste) (vi|man) (gora|gor)\b", r"\bhur (ska|gor|kan) (vi|man)\b", r"\bsteg\b", r"\bnasta\b",
              r"\bhva (ma|skal|bor) vi gjore\b", r"\bhvordan\b", r"\bneste\b", r"\bhva gjor vi\b"]),
]
KINDS = ("todo", "who", "deliver", "decision", "lookup")


def classify(question: str) -> str:
    text = " " + " ".join(fold(question).split()) + " "
    for kind, patterns in RULES:
        if any(re.search(p, text) for p in patterns):
            return kind
    return "lookup"
