"""What a question may be: control characters dropped, white space folded, length capped.

The embedder reads at most 512 tokens (about 2,000 characters) and the phrase matchers
grow with the length of the question, so a question is cut at ``MAX_QUESTION_CHARS``;
callers say so to the user.
"""

from __future__ import annotations

import re

MAX_QUESTION_CHARS = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_question(text: str) -> tuple[str, bool]:
    """The question as it will be searched, and whether it was shortened."""
    text = " ".join(_CONTROL.sub(" ", text).split())
    if len(text) <= MAX_QUESTION_CHARS:
        return text, False
    cut = text[:MAX_QUESTION_CHARS].rsplit(" ", 1)[0] or text[:MAX_QUESTION_CHARS]
    return cut, True
