"""How much of what a question is about an item's own text holds: the share of the
question's topic words it contains, each word weighted by how rare it is among the items.

Dense similarity rewards an item for being about the guides' subject in general, and BM25
for holding many of the question's tokens, however common, in its text or in the titles
it is indexed under: "What risks should the risk analysis cover in a welfare technology
procurement?" ranks "Carry out the procurement in accordance with the Public Procurement
Act" first, on "procurement", "welfare" and "technology", and the risk list below it.
Counting each topic word once, in the item's own words only, weighted by its inverse
document frequency, puts the items that say the rare words of the question ("risk") above
those that hold only its common ones ("procurement"). A word counts in any of its three
stems (English, Swedish, Norwegian), so an inflected form ("risker") counts as the word.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from guide_assistant.indexing.bm25 import LexicalIndex
from guide_assistant.indexing.passages import Passage
from guide_assistant.kb.tokens import doc_tokens, stems


def concept_weights(index: LexicalIndex, words: list[str]) -> list[tuple[set[str], float]]:
    """Each topic word as the set of its stems in the index, with its idf among the index's
    documents (words the index does not hold are left out: nothing can match them)."""
    n = index.size
    out: list[tuple[set[str], float]] = []
    for word in dict.fromkeys(words):
        forms = {s for lang in ("en", "sv", "nb") for s in stems([word], lang) if s in index.vocab_dict}
        if not forms:
            continue
        holds = np.zeros(n, dtype=bool)
        for s in forms:
            t = index.vocab_dict[s]
            holds[index.indices[index.indptr[t] : index.indptr[t + 1]]] = True
        df = int(holds.sum())
        if df:
            out.append((forms, math.log(n / df)))
    return out


def own_coverage(unit: Passage, concepts: list[tuple[set[str], float]]) -> float:
    """The idf-weighted share of the concepts that the item's own text (its wording and its
    English) holds, in 0..1."""
    total = sum(w for _, w in concepts)
    if total <= 0:
        return 0.0
    tokens = _own_tokens(unit.text, unit.language, unit.english)
    return sum(w for forms, w in concepts if forms & tokens) / total


@lru_cache(maxsize=4096)  # the items are the same at every question: stemmed once each (~10 ms an answer)
def _own_tokens(text: str, language: str, english: str) -> frozenset[str]:
    return frozenset(doc_tokens(text, language, english))
