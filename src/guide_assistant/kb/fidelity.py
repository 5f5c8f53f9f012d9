"""Does a cited range still hold an item's wording?

The item's ``original`` is compared with the cited raw lines after the OCR word fixes,
both folded (case, diacritics, OCR symbol confusions). The score is the share of the
item's words that appear in order in the cited lines (a longest common subsequence in
which two words match when equal after folding or nearly equal, for OCR errors the
word table does not cover). An item passes at ``THRESHOLD``.
"""

from __future__ import annotations

from rapidfuzz.distance import Levenshtein

from guide_assistant.kb.textnorm import ocr_fold, words

THRESHOLD = 0.85


def _tokens(text: str) -> list[str]:
    return [w for w in words(ocr_fold(text)) if w]


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) < 4 or len(b) < 4:
        return False
    return Levenshtein.normalized_similarity(a, b) >= 0.75


def containment(original: str, cited: str) -> float:
    """Share of ``original``'s words found in order in ``cited`` (0..1)."""
    want = _tokens(original)
    have = _tokens(cited)
    if not want:
        return 1.0
    if not have:
        return 0.0
    # Hyphenated line breaks: also offer every adjacent pair joined ("verksam" + "hetens").
    prev = [0] * (len(have) + 1)
    for w in want:
        cur = [0] * (len(have) + 1)
        for j, h in enumerate(have, 1):
            if _same(w, h) or (j < len(have) and _same(w, h + have[j])) or (j > 1 and _same(w, have[j - 2] + h)):
                cur[j] = prev[j - 1] + 1
            else:
                cur[j] = max(prev[j], cur[j - 1])
        prev = cur
    return prev[-1] / len(want)
