"""The index on disk: ``index/current/`` holds the faiss file, the passage metadata (JSON),
what else the build derived from the knowledge (the validated knowledge, the BM25 indexes)
and a manifest with the checksums of all of them. No pickle anywhere.

A build writes a complete new folder ``index/.tmp-*``, fsyncs it, then swaps it in with
two renames (``current`` -> ``.old-*``, ``.tmp-*`` -> ``current``). If a build dies
between the renames, readers fall back to the newest ``.old-*``, so an interrupted
build always leaves the previous index answering.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np
from pydantic import BaseModel, TypeAdapter, ValidationError

from guide_assistant.common.fsutil import fsync_dir
from guide_assistant.common.i18n import _
from guide_assistant.indexing.layout import (
    CURRENT,
    MANIFEST,
    PASSAGES,
    REBUILD,
    SCHEMA_VERSION,
    VECTORS,
    IndexCorrupt,
    IndexError_,
    IndexMissing,
    Manifest,
    checked_bytes,
    checked_file,
    current_dir,
    generation,
    read_manifest,
    sha256_file,
)
from guide_assistant.indexing.passages import Passage


class PassageRecord(BaseModel):
    passage: Passage
    view_hashes: list[str]  # one per embedded view, in the order of the vectors


_RECORDS = TypeAdapter(list[PassageRecord])  # validated straight from the JSON bytes: ~40% faster than json.loads first


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class IndexData:
    def __init__(self, folder: Path, manifest: Manifest, records: list[PassageRecord], vectors: faiss.Index):
        self.folder = folder
        self.manifest = manifest
        self.records = records
        self.vectors = vectors

    @property
    def passages(self) -> list[Passage]:
        return [r.passage for r in self.records]

    @property
    def view_owner(self) -> list[int]:
        """For each vector, the index of the passage it belongs to."""
        return [i for i, r in enumerate(self.records) for _ in r.view_hashes]


def load_index(index_root: Path, verify: bool = True) -> IndexData:
    """The current index, read from one folder generation: when a build swapped a new
    folder in while this one was read (its manifest from one, a file from the other: a
    false checksum error), it is read again, once, from the new one."""
    before = generation(index_root)
    try:
        return _load_index(index_root, verify)
    except IndexError_:
        if generation(index_root) == before:
            raise
        return _load_index(index_root, verify)


def _load_index(index_root: Path, verify: bool) -> IndexData:
    folder = current_dir(index_root)
    if folder is None:
        raise IndexMissing(_("no index in {folder}; build it with `guide-assistant index build`").format(folder=index_root))
    manifest = read_manifest(folder)
    if manifest.schema_version != SCHEMA_VERSION:
        raise IndexCorrupt(
            _("{folder}: index schema {saved}, this version reads {version}; {rebuild}").format(
                folder=folder, saved=manifest.schema_version, version=SCHEMA_VERSION, rebuild=_(REBUILD)
            )
        )
    checked_file(folder, manifest, VECTORS, verify)
    passages = checked_bytes(folder, manifest, PASSAGES, verify)
    try:
        records = _RECORDS.validate_json(passages)
        vectors = faiss.read_index(str(folder / VECTORS))
    except (ValueError, ValidationError, RuntimeError) as e:
        raise IndexCorrupt(
            _("{folder}: cannot read the index ({error}); {rebuild}").format(
                folder=folder, error=str(e).splitlines()[0], rebuild=_(REBUILD)
            )
        ) from None
    views = sum(len(r.view_hashes) for r in records)
    if vectors.ntotal != views or vectors.d != manifest.dim:
        raise IndexCorrupt(
            _("{folder}: {vectors} vectors for {views} passage views; {rebuild}").format(
                folder=folder, vectors=vectors.ntotal, views=views, rebuild=_(REBUILD)
            )
        )
    return IndexData(folder, manifest, records, vectors)


FLAT_LIMIT = 200_000


def choose_index_type(n: int) -> str:
    """Exact inner-product search over normalised vectors (= cosine) while it is cheap: the
    guides give a few hundred vectors, and a flat index stays at a few milliseconds per
    query up to ~200k vectors of 384 dimensions on 2 cores (scripts/bench.py measures it).
    Beyond that an HNSW graph keeps queries fast at a small cost in recall."""
    return "IndexFlatIP" if n <= FLAT_LIMIT else "IndexHNSWFlat"


def make_vector_index(vectors: np.ndarray, dim: int) -> faiss.Index:
    index: faiss.Index
    if choose_index_type(len(vectors)) == "IndexFlatIP":
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def write_index(
    index_root: Path,
    manifest: Manifest,
    records: list[PassageRecord],
    vectors: np.ndarray,
    write_derived: Callable[[Path], None] | None = None,
) -> Path:
    """Write a complete index into a temporary folder and swap it in atomically.
    ``write_derived`` writes the files derived from the knowledge (the knowledge snapshot,
    the BM25 indexes) into that folder; every file there gets its checksum in the manifest."""
    index_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=index_root))
    try:
        faiss.write_index(make_vector_index(vectors, manifest.dim), str(tmp / VECTORS))
        (tmp / PASSAGES).write_text(
            json.dumps([r.model_dump(mode="json") for r in records], ensure_ascii=False, indent=1), encoding="utf-8"
        )
        if write_derived is not None:
            write_derived(tmp)
        names = [VECTORS, PASSAGES, *sorted(p.name for p in tmp.iterdir() if p.is_file() and p.name not in (VECTORS, PASSAGES, MANIFEST))]
        files = {name: sha256_file(tmp / name) for name in names}
        manifest = manifest.model_copy(update={"files": files})
        (tmp / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        for name in (*names, MANIFEST):
            _fsync_file(tmp / name)
        fsync_dir(tmp)
        cur = index_root / CURRENT
        old = None
        if cur.exists():
            old = index_root / f".old-{int(time.time() * 1000)}-{os.getpid()}"
            os.replace(cur, old)
        os.replace(tmp, cur)
        fsync_dir(index_root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for stale in index_root.glob(".old-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for stale in index_root.glob(".tmp-*"):
        if stale != tmp:
            shutil.rmtree(stale, ignore_errors=True)
    return cur
