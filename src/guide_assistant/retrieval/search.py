"""Search the index: dense, lexical or both fused, with filters by phase, role, source, language."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel

from guide_assistant.config import Paths
from guide_assistant.indexing.embedders import Embedder, embedder_spec, load_embedder, spec_id
from guide_assistant.indexing.store import IndexError_, load_index
from guide_assistant.kb.load import KnowledgeBase, load_knowledge
from guide_assistant.retrieval.fusion import ranks, rrf
from guide_assistant.retrieval.query import clean_question
from guide_assistant.retrieval.lexical import Glossary, LexicalIndex, doc_tokens, query_tokens

Mode = Literal["hybrid", "dense", "lexical"]
DENSE_WEIGHT = 1.0
LEXICAL_WEIGHT = 1.0


class Hit(BaseModel):
    source: str
    line_start: int
    line_end: int
    score: float
    section: str
    phases: list[str]
    roles: list[str]
    text: str
    tracks: list[str] = []
    language: str = ""
    activities: list[str] = []
    titles: list[str] = []


class EmbedderMismatch(IndexError_):
    pass


class Retrieval(BaseModel):
    """Hits and how strongly the best passage matched (used to tell if the guides cover a question)."""

    hits: list[Hit]
    top_dense: float = 0.0
    top_lexical: float = 0.0


class SearchEngine:
    """Loads the index once; answers many queries (the embedder is loaded on first dense use)."""

    def __init__(self, paths: Paths, spec: str | None = None, verify: bool = True, kb: KnowledgeBase | None = None):
        """``kb``: the loaded knowledge, if the caller has it (else it is loaded here)."""
        self.paths = paths
        self.spec = embedder_spec(spec)
        self.data = load_index(paths.index, verify=verify)
        wanted = spec_id(self.spec)
        if self.data.manifest.embedder_id != wanted:
            raise EmbedderMismatch(
                f"the index was built with embedder {self.data.manifest.embedder_id}, but {wanted} was asked for; "
                f"rebuild it with `guide-assistant index build --embedder {self.spec}`"
            )
        self.passages = self.data.passages
        kb = kb or load_knowledge(paths)
        titles = {gid: g.entry.title for gid, g in kb.guides.items()}
        self.lexical = LexicalIndex([
            doc_tokens(f"{titles.get(p.source_id, '')} {p.section}\n{p.text}", p.language, " ".join(p.titles) + " " + p.english)
            for p in self.passages
        ])
        self.owner = np.asarray(self.data.view_owner, dtype=np.int64)
        self.glossary = Glossary(kb.glossary)
        self._embedder: Embedder | None = None

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = load_embedder(self.spec)
        return self._embedder

    def _allowed(self, phases, roles, sources, languages) -> np.ndarray:
        ok = np.ones(len(self.passages), dtype=bool)
        for i, p in enumerate(self.passages):
            if phases and not set(phases) & set(p.phases):
                ok[i] = False
            elif roles and not set(roles) & set(p.roles):
                ok[i] = False
            elif sources and p.source not in sources and p.source_id not in sources:
                ok[i] = False
            elif languages and p.language not in languages:
                ok[i] = False
        return ok

    def dense_scores(self, question: str) -> np.ndarray:
        """Best cosine similarity of the question with any view of each passage."""
        q = self.embedder.embed_queries([question])
        n = self.data.vectors.ntotal
        scores, idx = self.data.vectors.search(q, n)
        out = np.full(len(self.passages), -1.0, dtype=np.float32)
        np.maximum.at(out, self.owner[idx[0]], scores[0])
        return out

    def lexical_scores(self, question: str) -> np.ndarray:
        return self.lexical.scores(query_tokens(question, self.glossary))

    def search(self, question: str, top_k: int = 10, mode: Mode = "hybrid", phases: list[str] | None = None,
               roles: list[str] | None = None, sources: list[str] | None = None,
               languages: list[str] | None = None) -> list[Hit]:
        return self.retrieve(question, top_k, mode, phases, roles, sources, languages).hits

    def retrieve(self, question: str, top_k: int = 10, mode: Mode = "hybrid", phases: list[str] | None = None,
                 roles: list[str] | None = None, sources: list[str] | None = None,
                 languages: list[str] | None = None) -> Retrieval:
        question, _ = clean_question(question)
        if not question or not self.passages:
            return Retrieval(hits=[])
        allowed = self._allowed(phases, roles, sources, languages)
        dense = self.dense_scores(question) if mode != "lexical" else np.zeros(len(self.passages), np.float32)
        lexical = self.lexical_scores(question) if mode != "dense" else np.zeros(len(self.passages), np.float32)
        if mode == "dense":
            final = np.where(allowed, dense, -np.inf)
            order = [i for i in np.argsort(-final, kind="stable") if allowed[i]]
        elif mode == "lexical":
            final = np.where(allowed, lexical, -np.inf)
            order = [i for i in np.argsort(-final, kind="stable") if allowed[i] and lexical[i] > 0]
        else:
            # dense similarities are in [-1, 1]; shifted so every allowed passage has a rank
            final = rrf([(ranks(dense + 2.0, allowed), DENSE_WEIGHT), (ranks(lexical, allowed), LEXICAL_WEIGHT)])
            order = [i for i in np.argsort(-final, kind="stable") if allowed[i] and final[i] > 0]
        hits = []
        for i in order[:top_k]:
            p = self.passages[i]
            hits.append(Hit(source=p.source, line_start=p.line_start, line_end=p.line_end, score=round(float(final[i]), 5),
                            section=p.section, phases=p.phases, roles=p.roles, text=p.text, tracks=p.tracks,
                            language=p.language, activities=p.activities, titles=p.titles))
        top_d = float(dense[allowed].max()) if allowed.any() and mode != "lexical" else 0.0
        top_l = float(lexical[allowed].max()) if allowed.any() and mode != "dense" else 0.0
        return Retrieval(hits=hits, top_dense=top_d, top_lexical=top_l)
