"""Search the index: dense, lexical or both fused, with filters by phase, role, source, language."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel

from guide_assistant.common.config import Paths
from guide_assistant.common.i18n import _
from guide_assistant.indexing.bm25 import LexicalIndex
from guide_assistant.indexing.embedders import Embedder, embedder_spec, load_embedder, spec_id
from guide_assistant.indexing.layout import IndexError_, Manifest, generation
from guide_assistant.indexing.lexical_index import lexical_for
from guide_assistant.indexing.passages import Passage
from guide_assistant.indexing.snapshot import load_knowledge
from guide_assistant.indexing.store import load_index
from guide_assistant.kb.load import KnowledgeBase
from guide_assistant.kb.tokens import Glossary, query_tokens
from guide_assistant.retrieval.hits import Hit, Preference
from guide_assistant.retrieval.query import clean_question

Mode = Literal["hybrid", "dense", "lexical"]
# Hybrid = dense similarity + LEXICAL_WEIGHT x BM25 normalised by the query's best BM25.
# Swept with scripts/sweep_fusion.py against rank fusion (RRF): score fusion with the items'
# similarity lifting their passages ranks best at 0.02 (dev MRR 0.885); 0.01 and 0.03 also
# beat RRF, 0.05 only matches it.
LEXICAL_WEIGHT = 0.02
PHASE_PREFERENCE = 0.005
KIND_PREFERENCE = 0.005


def fuse(dense: np.ndarray, lexical: np.ndarray, weight: float = LEXICAL_WEIGHT) -> np.ndarray:
    top = float(lexical.max()) if len(lexical) else 0.0
    return dense + (weight * lexical / top if top > 0 else 0.0)


def unit_hit(p: Passage, score: float) -> Hit:
    return Hit(
        source=p.source,
        line_start=p.line_start,
        line_end=p.line_end,
        score=round(float(score), 5),
        section=p.section,
        phases=p.phases,
        roles=p.roles,
        text=p.text,
        tracks=p.tracks,
        language=p.language,
        activities=p.activities,
        titles=p.titles,
        kind=p.kind,
        english=p.english if p.kind != "passage" else "",
        detail=p.detail,
        unit=p.id,
    )


class EmbedderMismatch(IndexError_):
    pass


class Retrieval(BaseModel):
    """Hits and how strongly the best passage matched (used to tell if the guides cover a question)."""

    hits: list[Hit]
    top_dense: float = 0.0
    top_lexical: float = 0.0


def current_lines(
    paths: Paths, kb: KnowledgeBase, manifest: Manifest, passages: list[Passage], items: list[Passage]
) -> tuple[list[str], bool]:
    """What the index was built from that has changed since (guide files, knowledge files),
    and whether every cited range of a changed guide was moved to its current lines.

    A guide's last update keeps the text it replaced (``kb/anchored.previous_path``); when
    that is the text the index was built from, each passage's and item's lines are mapped
    through a diff of the two (``kb.anchoring.TextMap``: unchanged lines, then words), in
    place, so that every citation points at the lines that now hold its text."""
    from guide_assistant.kb.anchored import previous_path
    from guide_assistant.kb.fingerprint import knowledge_hashes, sha256_bytes

    stale: list[str] = []
    mapped = True
    explained: dict[str, str] = {}  # knowledge files a mapped re-anchoring changed, as they were when the index was built
    by_file = {g.entry.file: g for g in kb.guides.values()}
    units = [*passages, *items]
    for file, guide in by_file.items():
        built = manifest.sources.get(file)
        if built is None or built == guide.text.sha256:
            continue
        stale.append(file)
        try:
            previous = previous_path(paths, guide.entry.id).read_bytes()
        except OSError:
            previous = b""
        if not previous or sha256_bytes(previous) != built:
            mapped = False
            continue
        from guide_assistant.kb.anchoring import TextMap, load_report

        report = load_report(paths, guide.entry.id)
        if report is None or report.old_sha256 != built or any(c.kind != "moved" for c in report.changes):
            mapped = False  # items reworded or removed: the index still gives their old wording as fact
        elif report is not None:
            explained.update(report.knowledge_before)
        tm = TextMap(previous.decode("utf-8").split("\n"), guide.text.text.split("\n"), guide.cleaner)
        for unit in units:
            if unit.source != file:
                continue
            rng = tm.exact(unit.line_start, unit.line_end)
            if rng is None:
                words = tm.by_words(unit.line_start, unit.line_end)
                rng = words[1] if words is not None and words[0] == "moved" else tm.span(unit.line_start, unit.line_end)
            if rng is None:
                mapped = False
                continue
            unit.line_start, unit.line_end = rng
    now = knowledge_hashes(paths)
    changed = sorted(name for name in set(now) | set(manifest.knowledge) if now.get(name) != manifest.knowledge.get(name))
    if mapped and changed and all(name in explained and explained[name] == manifest.knowledge.get(name) for name in changed):
        changed = []  # only the lines the re-anchoring moved, and the citations moved with them
    if changed:
        stale += [f"knowledge/{name}" for name in changed]
        mapped = False
    return stale, mapped and bool(stale)


class SearchEngine:
    """Loads the index once; answers many queries (the embedder is loaded on first dense use)."""

    def __init__(self, paths: Paths, spec: str | None = None, verify: bool = True, kb: KnowledgeBase | None = None):
        """``kb``: the loaded knowledge, if the caller has it (else it is loaded here)."""
        self.paths = paths
        self.spec = embedder_spec(spec)
        self._embedder: Embedder | None = None
        kb = kb or load_knowledge(paths)
        titles = {gid: g.entry.title for gid, g in kb.guides.items()}
        # the index and its BM25 files from one folder generation: a build that swapped a new
        # folder in meanwhile makes the files disagree with the manifest read; read again, once
        before = generation(paths.index)
        try:
            self._read(verify, titles)
        except IndexError_:
            if generation(paths.index) == before:
                raise
            self._read(verify, titles)
        # the index made from other guides or knowledge than now (`kb update`, a re-anchoring
        # build under way): the cited lines moved to the current text where they can be
        self.index_stale, self.lines_mapped = current_lines(paths, kb, self.data.manifest, self.passages, self.items)
        self.owner = np.asarray(self.data.view_owner, dtype=np.int64)
        self.item_holder = self._holders()
        self.held_kinds: list[set[str]] = [set() for _ in self.passages]
        for j in np.flatnonzero(self.item_holder >= 0):
            self.held_kinds[self.item_holder[j]].add(self.items[j].kind)
        self._last_query: tuple[str, np.ndarray] | None = None
        self._vectors: dict[str, np.ndarray] = {}
        self.glossary = Glossary(kb.glossary)

    def _read(self, verify: bool, titles: dict[str, str]) -> None:
        self.data = load_index(self.paths.index, verify=verify)
        wanted = spec_id(self.spec)
        if self.data.manifest.embedder_id != wanted:
            raise EmbedderMismatch(
                _(
                    "the index was built with embedder {built}, but {wanted} was asked for; "
                    "rebuild it with `guide-assistant index build --embedder {spec}`"
                ).format(built=self.data.manifest.embedder_id, wanted=wanted, spec=self.spec)
            )
        units = self.data.passages  # passages and item units, in the order of their vectors' owners
        self.passage_idx = np.asarray([i for i, u in enumerate(units) if u.kind == "passage"], dtype=np.int64)
        self.item_idx = np.asarray([i for i, u in enumerate(units) if u.kind != "passage"], dtype=np.int64)
        self.passages = [units[i] for i in self.passage_idx]
        self.items = [units[i] for i in self.item_idx]
        self.n_units = len(units)
        self.unit_index = {u.id: i for i, u in enumerate(units)}
        # saved by the build; built here only if it was made by other code or under other titles
        lexical = lexical_for(self.data.folder, self.data.manifest, self.passages, self.items, titles, verify)
        self.lexical: LexicalIndex = lexical.passages
        self.item_lexical: LexicalIndex = lexical.items

    def _holders(self) -> np.ndarray:
        """For each item, the passage that holds it: the first passage of the same source
        whose lines hold the item's lines (-1 if none)."""
        holder = np.full(len(self.items), -1, dtype=np.int64)
        by_source: dict[str, list[int]] = {}
        for i, p in enumerate(self.passages):
            by_source.setdefault(p.source, []).append(i)
        items_of: dict[str, list[int]] = {}
        for j, it in enumerate(self.items):
            items_of.setdefault(it.source, []).append(j)
        for source, js in items_of.items():
            ps = by_source.get(source)
            if not ps:
                continue
            start = np.asarray([self.passages[i].line_start for i in ps])
            end = np.asarray([self.passages[i].line_end for i in ps])
            first = np.asarray([self.items[j].line_start for j in js])[:, None]
            last = np.asarray([self.items[j].line_end for j in js])[:, None]
            inside = (start <= first) & (last <= end)  # items x passages
            found = inside.any(axis=1)
            holder[np.asarray(js)[found]] = np.asarray(ps)[inside.argmax(axis=1)[found]]
        return holder

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = load_embedder(self.spec)
        return self._embedder

    def _allowed(
        self, phases: list[str] | None, roles: list[str] | None, sources: list[str] | None, languages: list[str] | None
    ) -> np.ndarray:
        ok = np.ones(len(self.passages), dtype=bool)
        for i, p in enumerate(self.passages):
            if (
                (phases and not set(phases) & set(p.phases))
                or (roles and not set(roles) & set(p.roles))
                or (sources and p.source not in sources and p.source_id not in sources)
                or (languages and p.language not in languages)
            ):
                ok[i] = False
        return ok

    def query_vector(self, question: str) -> np.ndarray:
        """The question's e5 query vector; the last few are kept (the question is read, then
        searched: one embedding)."""
        hit = self._vectors.get(question)
        if hit is None:
            hit = np.asarray(self.embedder.embed_queries([question]), dtype=np.float32)[0]
            self._vectors[question] = hit
            while len(self._vectors) > 8:
                self._vectors.pop(next(iter(self._vectors)))
        return hit

    def unit_dense_scores(self, question: str) -> np.ndarray:
        """Best cosine similarity of the question with any view of each unit (passages and
        items); the last question's scores are kept, since ``ask`` reads both kinds."""
        if self._last_query is not None and self._last_query[0] == question:
            return self._last_query[1]
        q = self.query_vector(question)[None, :]
        n = self.data.vectors.ntotal
        scores, idx = self.data.vectors.search(q, n)
        out = np.full(self.n_units, -1.0, dtype=np.float32)
        np.maximum.at(out, self.owner[idx[0]], scores[0])
        self._last_query = (question, out)
        return out

    def unit_dense(self, question: str, unit_id: str) -> float:
        """The dense similarity of one unit (passage or item) to the question."""
        i = self.unit_index.get(unit_id)
        return float(self.unit_dense_scores(question)[i]) if i is not None else -1.0

    def dense_scores(self, question: str) -> np.ndarray:
        """Best cosine similarity of the question with any view of each passage."""
        return self.unit_dense_scores(question)[self.passage_idx]

    def item_lift(self, question: str) -> np.ndarray:
        """For each passage, the best dense similarity of an item it holds (-1 if none)."""
        dense = self.unit_dense_scores(question)[self.item_idx]
        out = np.full(len(self.passages), -1.0, dtype=np.float32)
        held = self.item_holder >= 0
        np.maximum.at(out, self.item_holder[held], dense[held])
        return out

    def item_scores(self, question: str, tokens: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Dense similarity and BM25 score of every item unit (``self.items``)."""
        dense = self.unit_dense_scores(question)[self.item_idx]
        lexical = self.item_lexical.scores(tokens if tokens is not None else query_tokens(question, self.glossary))
        return dense, lexical

    def lexical_scores(self, question: str) -> np.ndarray:
        return self.lexical.scores(query_tokens(question, self.glossary))

    def search(
        self,
        question: str,
        top_k: int = 10,
        mode: Mode = "hybrid",
        phases: list[str] | None = None,
        roles: list[str] | None = None,
        sources: list[str] | None = None,
        languages: list[str] | None = None,
        prefer: Preference | None = None,
    ) -> list[Hit]:
        return self.retrieve(question, top_k, mode, phases, roles, sources, languages, prefer).hits

    def retrieve(
        self,
        question: str,
        top_k: int = 10,
        mode: Mode = "hybrid",
        phases: list[str] | None = None,
        roles: list[str] | None = None,
        sources: list[str] | None = None,
        languages: list[str] | None = None,
        prefer: Preference | None = None,
    ) -> Retrieval:
        """Passages ranked for the question. ``phases`` etc. filter; ``prefer`` (from the
        question understanding) lifts passages of the understood phase and kind a little."""
        question, _cleaned = clean_question(question)
        if not question or not self.passages:
            return Retrieval(hits=[])
        allowed = self._allowed(phases, roles, sources, languages)
        zeros = np.zeros(len(self.passages), np.float32)
        # dense: the best of the passage's own views and the items it holds
        dense = np.maximum(self.dense_scores(question), self.item_lift(question)) if mode != "lexical" else zeros
        lexical = self.lexical_scores(question) if mode != "dense" else zeros
        if mode == "dense":
            final = dense.copy()
        elif mode == "lexical":
            final = lexical.copy()
        else:
            final = fuse(dense, lexical)
        if prefer is not None and mode == "hybrid":
            final += self.preference(prefer)
        final = np.where(allowed, final, -np.inf)
        keep = allowed & (lexical > 0) if mode == "lexical" else allowed
        order = [i for i in np.argsort(-final, kind="stable") if keep[i]]
        hits = [unit_hit(self.passages[i], final[i]) for i in order[:top_k]]
        top_d = float(dense[allowed].max()) if allowed.any() and mode != "lexical" else 0.0
        top_l = float(lexical[allowed].max()) if allowed.any() and mode != "dense" else 0.0
        return Retrieval(hits=hits, top_dense=top_d, top_lexical=top_l)

    def preference(self, prefer: Preference) -> np.ndarray:
        out = np.zeros(len(self.passages), np.float32)
        for i, p in enumerate(self.passages):
            if prefer.phases and set(prefer.phases) & set(p.phases):
                out[i] += PHASE_PREFERENCE
            if prefer.kind and prefer.kind in self.held_kinds[i]:
                out[i] += KIND_PREFERENCE
        return out
