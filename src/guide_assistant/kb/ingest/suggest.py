"""A canonical phase suggested for each section of a new guide: the embedder's similarity to each phase's
names and crosswalk vocabulary, plus a lexical vote."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from guide_assistant.kb.ingest.blocks import PROTO_CHARS, yq
from guide_assistant.kb.load import Guide, KnowledgeBase
from guide_assistant.kb.sections import Section


class QueryEmbedder(Protocol):
    """What the phase suggestion needs of an embedder (indexing/embedders.py makes them;
    the service passes one in, so that the knowledge does not import the index)."""

    dim: int

    def embed_queries(self, texts: list[str]) -> Any: ...


@dataclass
class Suggestion:
    section: Section
    path: str
    lines: tuple[int, int]
    phase: str
    scores: dict[str, float] = field(default_factory=dict)


def section_text(guide: Guide, sec: Section, limit: int = PROTO_CHARS) -> str:
    lines = sorted(n for s in sec.walk() for n in s.content)
    body = guide.readable(lines[0], lines[-1], set(lines)) if lines else ""
    return (sec.title + "\n" + " ".join(body.split()))[:limit] if sec.level > 0 else " ".join(body.split())[:limit]


def _last_nonblank(guide: Guide, start: int, end: int) -> int:
    while end > start and not guide.text.lines[end - 1].strip():
        end -= 1
    return end


def suggestion_sections(guide: Guide) -> list[Section]:
    """The sections that get a crosswalk entry: those of the two highest heading levels
    (the whole guide when it has no headings)."""
    sections = [s for s in guide.sections.walk() if s.level > 0]
    if not sections:
        return [guide.sections]
    levels = sorted({s.level for s in sections})[:2]
    return [s for s in sections if s.level in levels]


def _chunks(phrases: list[str], limit: int = PROTO_CHARS) -> list[str]:
    out: list[str] = []
    for ph in phrases:
        if out and len(out[-1]) + len(ph) + 2 <= limit:
            out[-1] += "; " + ph
        else:
            out.append(ph[:limit])
    return out


def _phase_documents(kb: KnowledgeBase) -> dict[str, list[str]]:
    """Per phase, short texts: its names and description, its aliases, and the names the
    guides' own (reviewed) crosswalk entries give it."""
    docs: dict[str, list[str]] = {}
    for p in kb.phases.phases:
        aliases = [*p.aliases.en, *p.aliases.sv, *p.aliases.no]
        docs[p.id] = [f"{p.name.en}. {p.name.sv}. {p.name.no}. {p.description}"[: PROTO_CHARS + 80], *_chunks(aliases)]
    crosswalk: dict[str, list[str]] = {pid: [] for pid in docs}
    for c in kb.phases.crosswalk:
        if c.suggested or len(c.phases) != 1:
            continue
        crosswalk[c.phases[0]].append(f"{c.section.split(' > ')[-1]} ({c.section_en})")
    for pid, names in crosswalk.items():
        docs[pid] += _chunks(list(dict.fromkeys(names)))
    return docs


def _embed_each(embedder: QueryEmbedder, texts: list[str]) -> Any:
    import numpy as np

    return np.vstack([embedder.embed_queries([t]) for t in texts]) if texts else np.zeros((0, embedder.dim), np.float32)


def _lexical_votes(kb: KnowledgeBase, text: str, lang: str) -> dict[str, float]:
    """Per phase: how many words of its names and aliases stand in the text (stems), the
    longest alias found counting most."""
    from guide_assistant.kb.tokens import STEMMERS, raw_tokens, stems

    lang = lang if lang in STEMMERS else "sv"
    have = set(stems(raw_tokens(text), lang)) | set(stems(raw_tokens(text), "en"))
    votes: dict[str, float] = {}
    for p in kb.phases.phases:
        best = 0.0
        phrases = [
            (p.name.en, "en"),
            (p.name.sv, "sv"),
            (p.name.no, "nb"),
            *((a, "en") for a in p.aliases.en),
            *((a, "sv") for a in p.aliases.sv),
            *((a, "nb") for a in p.aliases.no),
        ]
        total = 0.0
        for phrase, plang in phrases:
            want = set(stems(raw_tokens(phrase), plang))
            if want and want <= have:
                best = max(best, len(want))
                total += 1
        votes[p.id] = best + 0.25 * total
    return votes


def suggest_phases(kb: KnowledgeBase, guide: Guide, embedder: QueryEmbedder) -> list[Suggestion]:
    """A canonical phase for each top- and second-level section: the phase whose names,
    description, aliases and crosswalk vocabulary are nearest to the section's title and
    opening text (the embedder's cosine, as z-scores over the seven phases) plus a lexical
    vote (the phase's names and aliases found in the section)."""
    import numpy as np

    sections = suggestion_sections(guide)
    docs = _phase_documents(kb)
    order = list(docs)
    flat = [(p, t) for p in order for t in docs[p]]
    proto = _embed_each(embedder, [t for _, t in flat])
    texts = [section_text(guide, s) or s.title for s in sections]
    vecs = _embed_each(embedder, texts)
    out: list[Suggestion] = []
    for sec, text, v in zip(sections, texts, vecs):
        sims = proto @ v
        dense = {p: float(max(s for (q, _), s in zip(flat, sims) if q == p)) for p in order}
        vals = np.array([dense[p] for p in order])
        z = (vals - vals.mean()) / (vals.std() or 1.0)
        lex = _lexical_votes(kb, text, guide.entry.language)
        top = max(lex.values()) or 1.0
        scores = {p: float(z[i]) + 1.0 * (lex[p] / top) for i, p in enumerate(order)}
        phase = max(order, key=lambda p: scores[p])
        start = sec.line_start
        end = _last_nonblank(guide, start, sec.line_end)
        out.append(Suggestion(sec, sec.path_text or guide.entry.title, (start, end), phase, scores))
    return out


def crosswalk_text(guide: Guide, suggestions: list[Suggestion], indent: str, when: str) -> str:
    pad = indent + "  "
    lines = [
        f"{indent}# --- {guide.entry.title} ({guide.entry.file}): added with `kb add` on {when};"
        f" phases suggested from the text, to be reviewed ---"
    ]
    for s in suggestions:
        lines += [
            f"{indent}- source: {yq(guide.entry.file)}",
            f"{pad}section: {yq(s.path)}",
            f"{pad}section_en: {yq(s.path)}",
            f"{pad}lines: [{s.lines[0]}, {s.lines[1]}]",
            f"{pad}phases: [{s.phase}]",
            f"{pad}suggested: true",
        ]
    return "\n".join(lines) + "\n"


# --- kb add -------------------------------------------------------------------
