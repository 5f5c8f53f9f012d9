"""``kb add``: the guide extracted, registered and its phases suggested, every file written atomically and all
of it taken back on any failure."""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from guide_assistant.common.config import Paths
from guide_assistant.common.fsutil import atomic_write_bytes, atomic_write_text
from guide_assistant.kb.cleanup import Cleaner
from guide_assistant.kb.ingest.blocks import (
    HEADING_MARKS,
    LANGUAGE_ALIASES,
    LANGUAGES,
    MAX_FILE_BYTES,
    SUPPORTED,
    IngestError,
    clean_text,
    render,
    slug,
    yq,
)
from guide_assistant.kb.ingest.extract import extract
from guide_assistant.kb.ingest.suggest import QueryEmbedder, Suggestion, crosswalk_text, suggest_phases
from guide_assistant.kb.load import Guide, check_knowledge
from guide_assistant.kb.schema import ID_RE, SourceEntry
from guide_assistant.kb.sources import SourceText


def detect_language(text: str) -> str:
    """sv, nb, da or en, by lingua over the first few thousand characters (Nynorsk counts as nb)."""
    from lingua import Language, LanguageDetectorBuilder

    names = {Language.SWEDISH: "sv", Language.BOKMAL: "nb", Language.NYNORSK: "nb", Language.DANISH: "da", Language.ENGLISH: "en"}
    detector = LanguageDetectorBuilder.from_languages(*names).build()
    found = detector.detect_language_of(text[:4000])
    return names.get(found, "sv") if found is not None else "sv"


def normalise_language(value: str) -> str:
    lang = LANGUAGE_ALIASES.get(value.strip().lower(), value.strip().lower())
    if lang not in LANGUAGES:
        raise IngestError(f"unknown language '{value}'; valid: sv, nb (or no), da, en")
    return lang


def _list_indent(text: str, key: str, default: str = "  ") -> str:
    found = re.findall(rf"^([ \t]*)- {key}:", text, re.M)
    return found[-1] if found else default


def _appended(old: str, block: str) -> str:
    return (old if old.endswith("\n") or not old else old + "\n") + block


# --- atomic writes with rollback -----------------------------------------------


class Transaction:
    """Files written one by one (each atomically); ``rollback`` puts every one back."""

    def __init__(self) -> None:
        self.undo: list[tuple[Path, bytes | None, bool]] = []  # path, old content, folder created

    def write(self, path: Path, data: bytes | str, must_be_new: bool = False) -> None:
        if must_be_new and path.exists():
            raise IngestError(f"{path} exists already; nothing was written")
        old = path.read_bytes() if path.exists() else None
        created = not path.parent.exists()
        self.undo.append((path, old, created))
        if isinstance(data, str):
            atomic_write_text(path, data)
        else:
            atomic_write_bytes(path, data)

    def rollback(self) -> None:
        for path, old, created in reversed(self.undo):
            try:
                if old is None:
                    path.unlink(missing_ok=True)
                    if created:
                        try:
                            path.parent.rmdir()
                        except OSError:
                            pass
                else:
                    atomic_write_bytes(path, old)
            except OSError:
                pass
        self.undo.clear()


# --- phase suggestions ----------------------------------------------------------


@dataclass
class AddResult:
    entry: SourceEntry
    lines: int
    sections: int
    suggestions: list[Suggestion]
    written: list[str]
    garbled_share: float | None = None
    garble_note: str | None = None


def _words_file(entry: SourceEntry) -> str:
    marks = "\n".join(f'  {yq(k)}: ""' for k in HEADING_MARKS)
    return (
        f"# Word fixes for {entry.file} (added with `kb add`). No OCR fixes yet"
        + (" (review the garble check: `guide-assistant kb quality`)" if entry.ocr else "")
        + '.\n# The "#" entries are not OCR fixes: they leave the heading markers of the generated text\n'
        + "# out of the readable text.\n"
        + f"source: {yq(entry.file)}\nline_prefixes: []\nwords:\n{marks}\nrejected: []\n"
    )


def add_guide(
    paths: Paths,
    file: Path,
    source_id: str | None = None,
    title: str | None = None,
    language: str | None = None,
    publisher: str | None = None,
    today: date | None = None,
    *,
    load_embedder: Callable[[], QueryEmbedder],
    log: Callable[[str], None] = lambda s: None,
) -> AddResult:
    """Extract ``file``, write the source, the original, the word-fix file, the registry
    entry and the suggested crosswalk entries; check the knowledge base; undo all of it on
    any failure. IngestError (or KnowledgeError for a knowledge base that is already invalid)."""
    from guide_assistant.kb.load import load_knowledge

    file = Path(file)
    if not file.exists():
        raise IngestError(f"{file}: no such file")
    if not file.is_file():
        raise IngestError(f"{file}: not a file")
    ext = file.suffix.lower()
    if ext not in SUPPORTED:
        raise IngestError(f"unsupported file type '{file.suffix or file.name}': kb add reads " + ", ".join(sorted(SUPPORTED)))
    try:
        size = file.stat().st_size
        with file.open("rb") as f:
            original = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise IngestError(f"cannot read {file}: {e.strerror or e}") from None
    if size > MAX_FILE_BYTES or len(original) > MAX_FILE_BYTES:
        raise IngestError(f"{file.name} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    kb = load_knowledge(paths)
    sid = source_id if source_id is not None else slug(file.stem)
    if not sid or not re.match(ID_RE, sid):
        raise IngestError(f"'{sid}' is not a valid source id (lowercase a-z, 0-9 and -); give one with --id")
    target = paths.sources / f"{sid}.txt"
    originals = paths.knowledge / "originals"
    sha = hashlib.sha256(original).hexdigest()
    if sid in kb.guides:
        raise IngestError(f"a source with id '{sid}' exists already in knowledge/sources.yaml; give another with --id")
    for g in kb.guides.values():
        if g.entry.file == target.name:
            raise IngestError(f"knowledge/sources.yaml already registers {target.name} (id {g.entry.id})")
        if g.entry.original_sha256 == sha:
            raise IngestError(f"this file was added already, as source '{g.entry.id}'")
    for path in (
        target,
        originals / f"{sid}{ext}",
        paths.knowledge / "activities" / f"{sid}.yaml",
        paths.knowledge / "cleanup" / "words" / f"{sid}.yaml",
        paths.knowledge / "cleanup" / "passages" / f"{sid}.yaml",
    ):
        if path.exists():
            raise IngestError(f"{paths.rel(path)} exists already; remove it or give another --id")
    lang_given = normalise_language(language) if language else None

    with tempfile.TemporaryDirectory(prefix="kb-add-") as tmp:
        copy = Path(tmp) / "in" / file.name
        copy.parent.mkdir()
        copy.write_bytes(original)  # extract from what was read, so the hash matches the text
        extracted = extract(copy, Path(tmp))
    text = render(extracted.blocks)
    if sum(c.isalnum() for c in text) < 20:
        raise IngestError(f"no text found in {file.name}")
    first_heading = next((b.text for b in extracted.blocks if b.kind == "h" and clean_text(b.text)), None)
    title = clean_text(title or "") or clean_text(first_heading or "") or extracted.title_hint or file.stem
    lang = lang_given or detect_language(" ".join(b.text for b in extracted.blocks))
    when = (today or date.today()).isoformat()
    entry = SourceEntry(
        id=sid,
        file=target.name,
        title=title,
        title_en=title,
        publisher=clean_text(publisher or "") or "unknown",
        language=lang,
        origin=f"added with kb add from {file.name} on {when}",
        ocr=extracted.ocr,
        parser="generic",
        original=f"{sid}{ext}",
        original_sha256=sha,
    )
    raw = text.encode("utf-8")
    source = SourceText(entry, raw)
    cleaner = Cleaner(dict(HEADING_MARKS), language=lang)
    guide = Guide(entry, source, cleaner)
    root = guide.sections
    result = AddResult(entry, len(source.lines), sum(1 for s in root.walk() if s.level > 0), [], [])
    if extracted.ocr:
        result.garbled_share, result.garble_note = _garble(guide)
    log("suggesting phases for the sections...")
    result.suggestions = suggest_phases(kb, guide, load_embedder())

    reg_path = paths.knowledge / "sources.yaml"
    ph_path = paths.knowledge / "phases.yaml"
    reg_old = reg_path.read_text(encoding="utf-8")
    ph_old = ph_path.read_text(encoding="utf-8")
    ind = _list_indent(reg_old, "id")
    pad = ind + "  "
    reg_block = (
        "\n".join(
            [
                f"{ind}- id: {sid}",
                f"{pad}file: {yq(entry.file)}",
                f"{pad}title: {yq(entry.title)}",
                f"{pad}title_en: {yq(entry.title_en)}",
                f"{pad}publisher: {yq(entry.publisher)}",
                f"{pad}language: {lang}",
                f"{pad}origin: {yq(entry.origin)}",
                f"{pad}ocr: {'true' if entry.ocr else 'false'}",
                f"{pad}parser: generic",
                f"{pad}original: {yq(entry.original or '')}",
                f"{pad}original_sha256: {sha}",
            ]
        )
        + "\n"
    )
    reg_new = _appended(reg_old, reg_block)
    ph_new = _appended(ph_old, crosswalk_text(guide, result.suggestions, _list_indent(ph_old, "source"), when))
    _check_appended(reg_old, reg_new, "sources", sid, "id")
    _check_appended(ph_old, ph_new, "crosswalk", entry.file, "source", len(result.suggestions))

    tx = Transaction()
    try:
        tx.write(target, raw, must_be_new=True)
        tx.write(originals / f"{sid}{ext}", original, must_be_new=True)
        tx.write(paths.knowledge / "cleanup" / "words" / f"{sid}.yaml", _words_file(entry), must_be_new=True)
        tx.write(reg_path, reg_new)
        tx.write(ph_path, ph_new)
        _, problems = check_knowledge(paths, check_fidelity=False)
        if problems:
            raise IngestError("the knowledge base would not be valid; nothing was added:\n" + "\n".join(str(p) for p in problems))
    except BaseException:
        tx.rollback()
        raise
    result.written = [paths.rel(p) for p, _, _ in tx.undo]
    return result


def _check_appended(old: str, new: str, key: str, value: str, field_name: str, count: int = 1) -> None:
    """The appended text must land as the last entries of the file's ``key`` list."""
    try:
        before = (yaml.safe_load(old) or {}).get(key) or []
        after = (yaml.safe_load(new) or {}).get(key) or []
    except yaml.YAMLError as e:
        raise IngestError(f"cannot append to the {key} list: {e}") from None
    added = after[len(before) :]
    if len(added) != count or any(not isinstance(a, dict) or a.get(field_name) != value for a in added):
        raise IngestError(f"cannot append to the {key} list: it is not the last list of its file; nothing was written")


def _garble(guide: Guide) -> tuple[float | None, str | None]:
    from guide_assistant.kb import garble
    from guide_assistant.kb.quality import texts

    lang = guide.entry.language
    if not garble.supports(lang):
        return None, f"no garble check for language '{lang}' (only sv, nb)"
    try:
        return garble.count(texts(guide)[1], lang).share, None
    except garble.DictionaryMissing as e:
        return None, f"garble check skipped: {e}"
