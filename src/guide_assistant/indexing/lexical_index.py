"""The index's two BM25 indexes: one over the passages, one over the item units.

A passage is indexed by its guide's title, its section and its text (stemmed in the
guide's language) and its activities' English titles and English text; an item by its
section and text and the same English. Stemming and OCR-folding every word takes ~0.3 s,
so ``index build`` does it once and saves both indexes beside the vectors
(``bm25-passages.*``, ``bm25-items.*``, and ``lexical.json`` with the guide titles they
were made with); a start reads them back (retrieval/bm25.py). When the saved indexes
were made by other tokenising code, or under other guide titles (the knowledge changed
and the index was not rebuilt), they are built from the passages as before, so the
scores are always those of the current code and knowledge; ``index status`` says stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel

from guide_assistant.common.i18n import _
from guide_assistant.indexing.bm25 import FILES, LexicalIndex
from guide_assistant.indexing.layout import LEXICAL, REBUILD, IndexCorrupt, Manifest, checked_bytes, checked_file
from guide_assistant.indexing.passages import Passage
from guide_assistant.kb.tokens import doc_tokens

PASSAGES_PREFIX = "bm25-passages"
ITEMS_PREFIX = "bm25-items"
LEXICAL_FILES = (LEXICAL, *(f"{prefix}.{name}" for prefix in (PASSAGES_PREFIX, ITEMS_PREFIX) for name in FILES))


@lru_cache(maxsize=1)
def lexical_version() -> str:
    """The code that makes the tokens and the BM25 scores, and the versions of bm25s and
    PyStemmer: what the saved indexes depend on besides the passages."""
    import guide_assistant.indexing.bm25 as bm25
    import guide_assistant.kb.stopwords as stopwords
    import guide_assistant.kb.textnorm as textnorm
    import guide_assistant.kb.tokens as lexical
    from guide_assistant.kb.fingerprint import code_fingerprint, package_version

    files = [Path(str(m.__file__)) for m in (lexical, stopwords, bm25, textnorm)] + [Path(__file__)]
    return code_fingerprint(files, (f"bm25s {package_version('bm25s')}", f"PyStemmer {package_version('PyStemmer')}"))


class LexicalMeta(BaseModel):
    """What the saved BM25 indexes were made from besides the passages themselves."""

    titles: dict[str, str]  # guide id -> the title its passages are indexed under
    passages: int
    items: int


def passage_tokens(passages: list[Passage], titles: dict[str, str]) -> list[list[str]]:
    return [
        doc_tokens(f"{titles.get(p.source_id, '')} {p.section}\n{p.text}", p.language, " ".join(p.titles) + " " + p.english)
        for p in passages
    ]


def item_tokens(items: list[Passage]) -> list[list[str]]:
    return [doc_tokens(f"{p.section}\n{p.text}", p.language, " ".join(p.titles) + " " + p.english) for p in items]


@dataclass
class Lexical:
    passages: LexicalIndex  # the units of kind "passage", in index order
    items: LexicalIndex  # the other units, in index order


def build_lexical(passages: list[Passage], items: list[Passage], titles: dict[str, str]) -> Lexical:
    return Lexical(LexicalIndex.build(passage_tokens(passages, titles)), LexicalIndex.build(item_tokens(items)))


def write_lexical(folder: Path, lexical: Lexical, titles: dict[str, str]) -> None:
    lexical.passages.save(folder, PASSAGES_PREFIX)
    lexical.items.save(folder, ITEMS_PREFIX)
    meta = LexicalMeta(titles=titles, passages=lexical.passages.size, items=lexical.items.size)
    (folder / LEXICAL).write_text(meta.model_dump_json(indent=1), encoding="utf-8")


def read_lexical(folder: Path, manifest: Manifest, titles: dict[str, str], counts: tuple[int, int], verify: bool = True) -> Lexical | None:
    """The saved indexes, or None when there are none of this code's making or they were
    made under other guide titles. Files the manifest lists that are missing or damaged
    are IndexCorrupt, as for the other index files. ``counts``: (passages, items)."""
    if manifest.derived.get("lexical") != lexical_version() or LEXICAL not in manifest.files:
        return None
    try:
        meta = LexicalMeta.model_validate_json(checked_bytes(folder, manifest, LEXICAL))
    except ValueError as e:
        raise IndexCorrupt(
            _("{path}: {error}; {rebuild}").format(path=folder / LEXICAL, error=str(e).splitlines()[0], rebuild=_(REBUILD))
        ) from None
    if meta.titles != titles:
        return None
    for name in LEXICAL_FILES[1:]:
        checked_file(folder, manifest, name, verify)
    try:
        lexical = Lexical(LexicalIndex.load(folder, PASSAGES_PREFIX), LexicalIndex.load(folder, ITEMS_PREFIX))
    except (ValueError, KeyError, OSError) as e:
        raise IndexCorrupt(
            _("{folder}: cannot read the BM25 indexes ({error}); {rebuild}").format(
                folder=folder, error=str(e).splitlines()[0], rebuild=_(REBUILD)
            )
        ) from None
    if (lexical.passages.size, lexical.items.size) != counts:
        raise IndexCorrupt(
            _("{folder}: the BM25 indexes do not hold the index's passages and items; {rebuild}").format(folder=folder, rebuild=_(REBUILD))
        )
    return lexical


def lexical_for(
    folder: Path, manifest: Manifest, passages: list[Passage], items: list[Passage], titles: dict[str, str], verify: bool = True
) -> Lexical:
    """The saved indexes when they fit; else built now from the passages and items."""
    saved = read_lexical(folder, manifest, titles, (len(passages), len(items)), verify)
    return saved if saved is not None else build_lexical(passages, items, titles)
