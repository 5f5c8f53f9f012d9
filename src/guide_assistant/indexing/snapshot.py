"""The validated knowledge, saved by ``index build`` so that a start need not parse YAML.

``index build`` checks the knowledge fully (kb/load.py, fidelity included) and writes
what it loaded into the index folder as JSON (``knowledge.json``), with the sha256 of
every knowledge YAML file and of every guide it was made from and a fingerprint of the
code that parses them. ``load_knowledge`` uses it when all of these still match (hashing
the files takes about a millisecond); otherwise it parses the YAML as before, and
``index status`` says the index is stale.

The models are dumped with only the fields the YAML set, so that a model read back is
the model parsed, down to which fields were set. Only ``kb validate`` and the build
parse every time: they are the checkers.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel

from guide_assistant.common.config import Paths
from guide_assistant.kb.cleanup import Cleaner
from guide_assistant.kb.fingerprint import code_fingerprint, knowledge_hashes, package_version
from guide_assistant.kb.load import Guide, KnowledgeBase
from guide_assistant.kb.load import load_knowledge as parse_knowledge
from guide_assistant.kb.schema import Activity, EventsFile, GlossaryFile, PassageFix, PhasesFile, RolesFile, SourceEntry
from guide_assistant.kb.sources import SourceReadError, read_source

SNAPSHOT_SCHEMA = 1


@lru_cache(maxsize=1)
def snapshot_version() -> str:
    """The code that turns knowledge files into the models (and this module), and the
    versions of the libraries that parse and validate them."""
    import pydantic

    import guide_assistant.kb as kb_pkg

    kb_dir = Path(kb_pkg.__file__).parent
    files = [*(kb_dir / name for name in ("load.py", "schema.py", "yamlio.py", "sources.py")), Path(__file__)]
    # PyYAML's version from its metadata, not the module: a start from the snapshot parses no YAML
    return f"{SNAPSHOT_SCHEMA}-" + code_fingerprint(files, (f"pydantic {pydantic.VERSION}", f"PyYAML {package_version('PyYAML')}"))


class CleanerSnapshot(BaseModel):
    """The fields of a guide's ``Cleaner``: its reviewed OCR fixes as the loader applied them."""

    words: dict[str, str]
    line_prefixes: tuple[str, ...]
    passages: tuple[PassageFix, ...]
    language: str | None


class GuideSnapshot(BaseModel):
    entry: SourceEntry
    sha256: str  # of the guide's file as it was read
    cleaner: CleanerSnapshot
    activities: list[Activity]


class KnowledgeSnapshot(BaseModel):
    schema_version: int  # SNAPSHOT_SCHEMA: the layout of this file
    version: str  # snapshot_version() of the code that wrote it
    knowledge: dict[str, str]  # knowledge YAML file (relative) -> sha256, as knowledge_hashes()
    guides: list[GuideSnapshot]  # in registry order
    phases: PhasesFile
    roles: RolesFile
    glossary: GlossaryFile
    events: EventsFile


def snapshot_json(kb: KnowledgeBase, knowledge: dict[str, str]) -> str:
    """The snapshot of ``kb``; ``knowledge``: the hashes of the knowledge files taken before
    they were parsed (a file changed meanwhile then no longer matches, and is parsed)."""
    guides = [
        GuideSnapshot(
            entry=g.entry,
            sha256=g.text.sha256,
            activities=list(g.activities),
            cleaner=CleanerSnapshot(
                words=g.cleaner.words, line_prefixes=g.cleaner.line_prefixes, passages=g.cleaner.passages, language=g.cleaner.language
            ),
        )
        for g in kb.guides.values()
    ]
    snap = KnowledgeSnapshot(
        schema_version=SNAPSHOT_SCHEMA,
        version=snapshot_version(),
        knowledge=knowledge,
        guides=guides,
        phases=kb.phases,
        roles=kb.roles,
        glossary=kb.glossary,
        events=kb.events,
    )
    return snap.model_dump_json(exclude_unset=True)


def knowledge_from(snap: KnowledgeSnapshot, paths: Paths) -> KnowledgeBase | None:
    """The knowledge base of a snapshot, or None if the files no longer match it."""
    if snap.schema_version != SNAPSHOT_SCHEMA or snap.version != snapshot_version():
        return None
    if snap.knowledge != knowledge_hashes(paths):
        return None
    guides: dict[str, Guide] = {}
    for g in snap.guides:
        try:
            text = read_source(paths.sources, g.entry)
        except SourceReadError:
            return None
        if text.sha256 != g.sha256:
            return None
        c = g.cleaner
        guides[g.entry.id] = Guide(g.entry, text, Cleaner(c.words, c.line_prefixes, c.passages, language=c.language), list(g.activities))
    return KnowledgeBase(paths, guides, snap.phases, snap.roles, snap.glossary, snap.events)


def read_snapshot(paths: Paths) -> KnowledgeBase | None:
    """The knowledge from the current index's snapshot, if there is one that matches its
    checksum in the manifest, this code and the current files; else None."""
    from guide_assistant.indexing.layout import KNOWLEDGE, IndexError_, checked_bytes, current_dir, read_manifest

    folder = current_dir(paths.index)
    if folder is None:
        return None
    try:
        data = checked_bytes(folder, read_manifest(folder), KNOWLEDGE)
        return knowledge_from(KnowledgeSnapshot.model_validate_json(data), paths)
    except (IndexError_, OSError, ValueError):  # ValueError: pydantic's ValidationError among them
        return None


def load_knowledge(paths: Paths) -> KnowledgeBase:
    """The knowledge base for a start: from the current index's validated snapshot when it
    was made from exactly the current files, else parsed and checked (``kb.load``);
    KnowledgeError with every problem found. A change of the knowledge a killed process
    left half made is finished (or discarded) first."""
    from guide_assistant.common.journal import recover

    recover(paths.staging)
    snapshot = read_snapshot(paths)
    if snapshot is not None:
        return snapshot
    return parse_knowledge(paths)
