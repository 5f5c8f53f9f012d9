"""Build the index incrementally: only passages whose text changed are embedded again.

Vectors are reused from the previous index when the embedder is the same and the
passage's text hash (its embed text) is unchanged. A lock file stops two builds at once.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from guide_assistant.common.config import Paths
from guide_assistant.common.i18n import _
from guide_assistant.indexing.embedders import embedder_spec, load_embedder, spec_id
from guide_assistant.indexing.items import build_items
from guide_assistant.indexing.layout import (
    KNOWLEDGE,
    PASSAGES,
    SCHEMA_VERSION,
    VECTORS,
    IndexBusy,
    IndexError_,
    Manifest,
    current_dir,
    read_manifest,
    sha256_file,
)
from guide_assistant.indexing.lexical_index import LEXICAL_FILES, build_lexical, lexical_version, write_lexical
from guide_assistant.indexing.passages import MAX_CHARS, build_passages, view_hash
from guide_assistant.indexing.snapshot import snapshot_json, snapshot_version
from guide_assistant.indexing.store import PassageRecord, load_index, write_index
from guide_assistant.kb.anchoring import Report, ensure_snapshots, reanchor_changed
from guide_assistant.kb.errors import KnowledgeError
from guide_assistant.kb.fingerprint import code_fingerprint, knowledge_hashes, source_hashes
from guide_assistant.kb.load import validate_knowledge
from guide_assistant.kb.transaction import recover_knowledge


def _code_fingerprint() -> str:
    """A hash of the code that turns knowledge into passages (parsers, cleanup, cutting),
    so that changing that code makes the index stale just as changing knowledge does."""
    import guide_assistant.indexing.items as items_mod
    import guide_assistant.indexing.passages as passages_mod
    import guide_assistant.kb as kb_pkg

    kb_dir = Path(kb_pkg.__file__).parent
    files = [
        Path(passages_mod.__file__),
        Path(items_mod.__file__),
        kb_dir / "cleanup.py",
        kb_dir / "sections.py",
        kb_dir / "textnorm.py",
        *sorted((kb_dir / "parsers").glob("*.py")),
    ]
    return code_fingerprint(files)


PASSAGE_VERSION = f"sections-{MAX_CHARS}-{_code_fingerprint()}"
BATCH = 16


@dataclass
class BuildResult:
    passages: int
    embedded: int
    reused: int
    seconds: float
    unchanged: bool = False
    folder: Path | None = None
    reanchored: list[Report] = field(default_factory=list)  # sources changed in place, re-anchored by this build


@dataclass
class Status:
    present: bool
    fresh: bool
    reasons: list[str] = field(default_factory=list)
    embedder_id: str | None = None
    passages: int = 0
    built_at: str | None = None
    size_bytes: int = 0
    folder: str | None = None


# the index files every build writes
REQUIRED_FILES = (VECTORS, PASSAGES, KNOWLEDGE, *LEXICAL_FILES)


def derived_versions() -> dict[str, str]:
    """The versions of the code that derives the index's other files from the knowledge."""
    return {"knowledge": snapshot_version(), "lexical": lexical_version()}


def staleness(paths: Paths, manifest: Manifest, embedder_id: str, folder: Path | None = None) -> list[str]:
    """Why the index in ``folder`` (with ``manifest``) does not match the knowledge, the
    guides and this code; empty if it does."""
    reasons = []
    if folder is not None:
        missing = [name for name in REQUIRED_FILES if name not in manifest.files or not (folder / name).is_file()]
        if missing:
            reasons.append(_("index file(s) missing: {files}").format(files=", ".join(missing)))
        damaged = damaged_files(folder, manifest)
        if damaged:
            reasons.append(
                _(
                    "index file(s) damaged (not as the manifest's checksums say): {files}; `guide-assistant index build` repairs them"
                ).format(files=", ".join(damaged))
            )
    for what, version in derived_versions().items():
        if what not in manifest.derived:
            reasons.append(_("no saved {what} data (built by an earlier version)").format(what=what))
        elif manifest.derived[what] != version:
            reasons.append(
                _("{what} data saved by version {saved}, this version makes {version}").format(
                    what=what, saved=manifest.derived[what], version=version
                )
            )
    if manifest.embedder_id != embedder_id:
        reasons.append(_("built with embedder {built}, not {wanted}").format(built=manifest.embedder_id, wanted=embedder_id))
    if manifest.passage_version != PASSAGE_VERSION:
        reasons.append(
            _("passages cut by {saved}, this version cuts {version}").format(saved=manifest.passage_version, version=PASSAGE_VERSION)
        )
    now = source_hashes(paths)
    for name in sorted(set(now) | set(manifest.sources)):
        if now.get(name) != manifest.sources.get(name):
            if name not in manifest.sources:
                reasons.append(_("source {name} added").format(name=name))
            elif name not in now:
                reasons.append(_("source {name} removed").format(name=name))
            else:
                reasons.append(_("source {name} changed").format(name=name))
    now_k = knowledge_hashes(paths)
    for name in sorted(set(now_k) | set(manifest.knowledge)):
        if now_k.get(name) != manifest.knowledge.get(name):
            reasons.append(_("knowledge/{name} changed").format(name=name))
    return reasons


def damaged_files(folder: Path, manifest: Manifest) -> list[str]:
    """The files the manifest lists that are there but do not match their checksums (~20 ms)."""
    out = []
    for name, checksum in manifest.files.items():
        path = folder / name
        try:
            if path.is_file() and sha256_file(path) != checksum:
                out.append(name)
        except OSError:
            out.append(name)
    return out


def salvaged_vectors(paths: Paths, eid: str, knowledge: dict[str, str], sources: dict[str, str], views: int) -> np.ndarray | None:
    """The vectors of an index whose other files are damaged (its passages file among them),
    when they are intact (their checksum) and were made from exactly these views: the same
    knowledge, guides, passage code and embedder, as many views. A repair then embeds nothing."""
    import faiss

    from guide_assistant.indexing.layout import checked_file

    folder = current_dir(paths.index)
    if folder is None:
        return None
    try:
        manifest = read_manifest(folder)
        if (manifest.embedder_id, manifest.passage_version, manifest.knowledge, manifest.sources) != (
            eid,
            PASSAGE_VERSION,
            knowledge,
            sources,
        ):
            return None
        vectors = faiss.read_index(str(checked_file(folder, manifest, VECTORS)))
    except (IndexError_, OSError, RuntimeError):
        return None
    if vectors.ntotal != views or manifest.counts.get("views") != views:
        return None
    return np.asarray(vectors.reconstruct_n(0, vectors.ntotal)) if views else None


def index_status(paths: Paths, spec: str | None = None, check_knowledge: bool = True) -> Status:
    """Whether the index is present and matches the knowledge, the guides and this code.
    ``check_knowledge``: also validate the knowledge against the guides (every citation's
    wording; ~1 s) — `index status` does; the UI, which only decides whether to rebuild,
    does not (a build validates it anyway, and refuses knowledge that fails)."""
    recover_knowledge(paths)
    folder = current_dir(paths.index)
    if folder is None:
        return Status(False, False, [_("no index built yet")])
    try:
        manifest = read_manifest(folder)
    except IndexError_ as e:
        return Status(True, False, [str(e)], folder=str(folder))
    reasons = staleness(paths, manifest, spec_id(embedder_spec(spec)), folder)
    if not reasons and check_knowledge:  # the index matches the knowledge; does the knowledge still match the guides?
        _kb, problems, _warnings = validate_knowledge(paths, check_fidelity=True)
        if problems:
            reasons.append(
                _("{count} reference(s) no longer hold their wording, e.g. {example}; run `guide-assistant kb validate`").format(
                    count=len(problems), example=problems[0]
                )
            )
    size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
    return Status(
        True, not reasons, reasons, manifest.embedder_id, manifest.counts.get("passages", 0), manifest.built_at, size, str(folder)
    )


ProgressFn = Callable[[int, int], None]


def build_index(paths: Paths, spec: str | None = None, full: bool = False, progress: bool | ProgressFn = True) -> BuildResult:
    """Build or update the index. ``progress``: True for a bar on stderr, False for none, or a
    function called with (done, total) as texts are embedded (the TUI's progress bar)."""
    started = time.perf_counter()
    paths.index.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(paths.index / ".lock"), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise IndexBusy(
            _("another index build is running (lock {lock}); try again when it has finished").format(lock=paths.index / ".lock")
        ) from None
    try:
        return _build(paths, embedder_spec(spec), full, progress, started)
    finally:
        lock.release()


def _build(paths: Paths, spec: str, full: bool, progress: bool | ProgressFn, started: float) -> BuildResult:
    eid = spec_id(spec)
    # a guide replaced in place: move every reference to its new text first (kb/anchoring.py)
    ensure_snapshots(paths)
    reports = reanchor_changed(paths)
    previous = None
    if not full:
        try:
            previous = load_index(paths.index)
        except IndexError_:
            previous = None
    if previous is not None and not staleness(paths, previous.manifest, eid, previous.folder):
        n = sum(r.passage.kind == "passage" for r in previous.records)
        return BuildResult(n, 0, previous.vectors.ntotal, time.perf_counter() - started, unchanged=True, folder=previous.folder)
    # hashed before they are parsed: a file changed meanwhile leaves the index stale, never
    # a snapshot that claims the new file's hash for the old file's content
    knowledge, sources = knowledge_hashes(paths), source_hashes(paths)
    # the gate: every cited range must still hold its wording (items under review aside)
    kb, problems, _warnings = validate_knowledge(paths, check_fidelity=True)
    if problems or kb is None:
        raise KnowledgeError(problems)
    titles = {g.entry.id: g.entry.title for g in kb.guides.values()}
    passages = build_passages(kb) + build_items(kb)
    lexical = build_lexical([p for p in passages if p.kind == "passage"], [p for p in passages if p.kind != "passage"], titles)
    views = [p.views(titles[p.source_id]) for p in passages]
    records = [PassageRecord(passage=p, view_hashes=[view_hash(v) for v in vs]) for p, vs in zip(passages, views)]
    flat = [(h, v) for r, vs in zip(records, views) for h, v in zip(r.view_hashes, vs)]
    cache: dict[str, np.ndarray] = {}
    salvaged = None
    if previous is not None and previous.manifest.embedder_id == eid:
        old = previous.vectors.reconstruct_n(0, previous.vectors.ntotal) if previous.vectors.ntotal else []
        hashes = [h for r in previous.records for h in r.view_hashes]
        cache = dict(zip(hashes, old))
    elif previous is None and not full:  # the passages file damaged: the intact vectors are still these views'
        salvaged = salvaged_vectors(paths, eid, knowledge, sources, len(flat))
        if salvaged is not None:
            cache = {h: v for (h, _v), v in zip(flat, salvaged)}
    todo = list(dict.fromkeys(h for h, _ in flat if h not in cache))
    texts = dict(flat)
    dim = previous.manifest.dim if cache and previous is not None else (int(salvaged.shape[1]) if salvaged is not None else 0)
    if todo:
        embedder = load_embedder(spec)
        dim = embedder.dim
        bar = None
        if progress is True:
            from tqdm import tqdm

            bar = tqdm(total=len(todo), desc="embedding passages and items", unit="text", file=sys.stderr)
        for k in range(0, len(todo), BATCH):
            batch = todo[k : k + BATCH]
            for h, v in zip(batch, embedder.embed_passages([texts[h] for h in batch])):
                cache[h] = v
            if bar is not None:
                bar.update(len(batch))
            elif callable(progress):
                progress(min(k + BATCH, len(todo)), len(todo))
        if bar is not None:
            bar.close()
    vectors = np.stack([cache[h] for h, _ in flat]) if flat else np.zeros((0, dim), np.float32)
    manifest = Manifest(
        schema_version=SCHEMA_VERSION,
        passage_version=PASSAGE_VERSION,
        embedder_id=eid,
        dim=int(vectors.shape[1]) if len(vectors) else dim,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - started, 2),
        counts={
            "passages": sum(p.kind == "passage" for p in passages),
            "items": sum(p.kind != "passage" for p in passages),
            "sources": len(kb.guides),
            "activities": len(kb.activities),
            "views": len(flat),
            "embedded": len(todo),
            "reused": len(flat) - len(todo),
        },
        sources=sources,
        knowledge=knowledge,
        files={},
        derived=derived_versions(),
    )

    def write_derived(folder: Path) -> None:
        (folder / KNOWLEDGE).write_text(snapshot_json(kb, knowledge), encoding="utf-8")
        write_lexical(folder, lexical, titles)

    folder = write_index(paths.index, manifest, records, vectors, write_derived)
    return BuildResult(
        manifest.counts["passages"], len(todo), len(flat) - len(todo), time.perf_counter() - started, folder=folder, reanchored=reports
    )
