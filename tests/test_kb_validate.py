"""`kb validate`: the shipped knowledge passes; each kind of broken file is reported as
file:line: message with exit 1."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from guide_assistant.interfaces.cli.commands import app

runner = CliRunner()


def validate(root: Path, monkeypatch) -> tuple[int, str]:
    monkeypatch.setenv("GUIDE_ASSISTANT_HOME", str(root))
    result = runner.invoke(app, ["kb", "validate"])
    return result.exit_code, result.stdout


def test_shipped_knowledge_is_valid(monkeypatch):
    root = Path(__file__).resolve().parents[1]
    code, out = validate(root, monkeypatch)
    assert code == 0, out
    assert "knowledge is valid" in out


def test_module_entry_point_works():
    out = subprocess.run(
        [sys.executable, "-m", "guide_assistant", "kb", "validate"], capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1]
    )
    assert out.returncode == 0, out.stdout + out.stderr


def edit(path: Path, old: str, new: str, count: int = 1) -> int:
    """Replace the first occurrence; return the 1-based line where it was."""
    text = path.read_text(encoding="utf-8")
    i = text.index(old)
    path.write_text(text[:i] + new + text[i + len(old) :], encoding="utf-8")
    return text[:i].count("\n") + 1


def line_of(path: Path, needle: str, after: int = 0) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if n > after and needle in line:
            return n
    raise AssertionError(needle)


def assert_reported(out: str, file: str, line: int, pattern: str) -> None:
    rows = [r for r in out.splitlines() if r.startswith(f"{file}:")]
    assert any(r.startswith(f"{file}:{line}:") and re.search(pattern, r) for r in rows), out


def test_bad_yaml(copy_root, monkeypatch):
    f = copy_root / "knowledge" / "roles.yaml"
    n = edit(f, "  - id: legal\n", "  - id: legal\n    name: {en: [unclosed\n")
    code, out = validate(copy_root, monkeypatch)
    assert code == 1
    assert re.search(r"^knowledge/roles.yaml:\d+: invalid YAML", out, re.M), out
    assert int(re.search(r"^knowledge/roles.yaml:(\d+):", out, re.M).group(1)) in range(n, n + 4)


def test_unknown_phase(copy_root, monkeypatch):
    f = copy_root / "knowledge" / "activities" / "skr.yaml"
    n = line_of(f, "phase: tender")
    edit(f, "phase: tender", "phase: tendering")
    code, out = validate(copy_root, monkeypatch)
    assert code == 1
    assert_reported(out, "knowledge/activities/skr.yaml", n, r"phase.*(needs|'needs')")


def test_unknown_role(copy_root, monkeypatch):
    f = copy_root / "knowledge" / "activities" / "skr.yaml"
    n = line_of(f, "procurement-officer")
    edit(f, "procurement-officer", "procurement-wizard")
    code, out = validate(copy_root, monkeypatch)
    assert code == 1
    assert_reported(out, "knowledge/activities/skr.yaml", n, r"unknown role id 'procurement-wizard'")


def test_line_range_past_end(copy_root, monkeypatch):
    f = copy_root / "knowledge" / "activities" / "genomfora.yaml"
    after = line_of(f, "steps:")
    text = f.read_text(encoding="utf-8")
    old = re.search(r"lines: \[\d+, \d+\]", text[text.index("steps:") :]).group(0)
    n = line_of(f, old, after=after)
    lines = text.split("\n")
    lines[n - 1] = lines[n - 1].replace(old, "lines: [70, 900]")
    f.write_text("\n".join(lines), encoding="utf-8")
    code, out = validate(copy_root, monkeypatch)
    assert code == 1
    assert_reported(out, "knowledge/activities/genomfora.yaml", n, r"past the end of genomfora-upphandlingar-och-overgang-till-drift.txt")


def test_duplicate_id(copy_root, monkeypatch):
    f = copy_root / "knowledge" / "activities" / "genomfora.yaml"
    ids = re.findall(r"^  - id: (\S+)$", f.read_text(encoding="utf-8"), re.M)
    n = line_of(f, f"  - id: {ids[1]}")
    edit(f, f"  - id: {ids[1]}\n", f"  - id: {ids[0]}\n")
    code, out = validate(copy_root, monkeypatch)
    assert code == 1
    assert_reported(out, "knowledge/activities/genomfora.yaml", n, rf"duplicate activity id '{ids[0]}'")


def test_missing_source_file(copy_root, monkeypatch):
    (copy_root / "knowledge" / "sources" / "kvickguide-upphandling-och-implementering.txt").unlink()
    n = line_of(copy_root / "knowledge" / "sources.yaml", "file: kvickguide-upphandling-och-implementering.txt")
    code, out = validate(copy_root, monkeypatch)
    assert code == 1
    assert_reported(out, "knowledge/sources.yaml", n, r"missing")


def test_source_changed_under_a_citation(copy_root, monkeypatch):
    """A guide updated so that a cited line no longer says what the step quotes."""
    src = copy_root / "knowledge" / "sources" / "skr-realisera-och-folja-upp.txt"
    lines = src.read_text(encoding="utf-8").split("\n")
    target = next(i for i, l in enumerate(lines) if "Uppdatera behovslista och kravlista kontinuerligt" in l)
    lines[target] = "  • Ny text som ersätter det gamla rådet helt och hållet här."
    src.write_text("\n".join(lines), encoding="utf-8")
    f = copy_root / "knowledge" / "activities" / "skr.yaml"
    n = line_of(f, "Uppdatera behovslista och kravlista kontinuerligt")
    code, out = validate(copy_root, monkeypatch)
    assert code == 1
    assert_reported(out, "knowledge/activities/skr.yaml", n, r"no longer hold this wording")


def test_source_not_utf8(copy_root, monkeypatch):
    (copy_root / "knowledge" / "sources" / "genomfora-upphandlingar-och-overgang-till-drift.txt").write_bytes(b"\xff\xfe bad \xe4")
    code, out = validate(copy_root, monkeypatch)
    assert code == 1
    assert re.search(r"^knowledge/sources.yaml:\d+: .*not UTF-8", out, re.M), out


# --- the validated snapshot that `index build` saves (kb/snapshot.py) ----------------------


@pytest.fixture
def indexed_root(tmp_path: Path) -> Path:
    """A copy of the project's knowledge and committed index (with its knowledge snapshot)."""
    import shutil

    root = Path(__file__).resolve().parents[1]
    shutil.copytree(root / "knowledge", tmp_path / "knowledge")
    shutil.copytree(root / "index" / "current", tmp_path / "index" / "current")
    return tmp_path


def test_snapshot_gives_exactly_the_parsed_knowledge(paths):
    from guide_assistant.indexing.snapshot import read_snapshot, snapshot_json
    from guide_assistant.kb.fingerprint import knowledge_hashes
    from guide_assistant.kb.load import check_knowledge

    saved = read_snapshot(paths)
    parsed, problems = check_knowledge(paths, check_fidelity=False)
    assert saved is not None, "the committed index has no usable knowledge snapshot; run `guide-assistant index build`"
    assert not problems and parsed is not None
    assert saved == parsed  # every model, guide text, cleanup and activity, in order
    hashes = knowledge_hashes(paths)
    assert snapshot_json(saved, hashes) == snapshot_json(parsed, hashes)  # down to which fields the YAML set
    for gid, guide in parsed.guides.items():
        assert saved.guides[gid].readable(1, len(guide.text.lines)) == guide.readable(1, len(guide.text.lines))
        assert [(s.title, s.line_start, s.line_end) for s in saved.guides[gid].sections.walk()] == [
            (s.title, s.line_start, s.line_end) for s in guide.sections.walk()
        ]


def test_changed_knowledge_is_parsed_not_taken_from_the_snapshot(indexed_root, monkeypatch):
    from guide_assistant.common.config import find_paths
    from guide_assistant.indexing.snapshot import read_snapshot
    from guide_assistant.kb.errors import KnowledgeError
    from guide_assistant.kb.load import load_knowledge

    paths = find_paths(indexed_root)
    assert read_snapshot(paths) is not None
    f = indexed_root / "knowledge" / "activities" / "skr.yaml"
    title = next(a.title for g, a in load_knowledge(paths).activities if g.entry.id == "skr")
    edit(f, f"title: {title}", "title: A title changed after the build")
    assert read_snapshot(paths) is None
    assert any(a.title == "A title changed after the build" for _, a in load_knowledge(paths).activities)
    edit(f, "phase: tender", "phase: tendering")
    with pytest.raises(KnowledgeError, match=r"skr\.yaml"):
        load_knowledge(paths)
    code, out = validate(indexed_root, monkeypatch)  # the checker parses whatever the index holds
    assert code == 1 and "knowledge/activities/skr.yaml:" in out


def test_changed_guide_or_damaged_snapshot_is_not_used(indexed_root):
    from guide_assistant.common.config import find_paths
    from guide_assistant.indexing.snapshot import read_snapshot

    paths = find_paths(indexed_root)
    snap = indexed_root / "index" / "current" / "knowledge.json"
    data = snap.read_bytes()
    snap.write_bytes(data.replace(b'"title":', b'"title" :', 1))  # still valid JSON, but not what the manifest says
    assert read_snapshot(paths) is None
    snap.write_bytes(data)
    assert read_snapshot(paths) is not None
    src = indexed_root / "knowledge" / "sources" / "genomfora-upphandlingar-och-overgang-till-drift.txt"
    src.write_bytes(src.read_bytes() + b"\n")
    assert read_snapshot(paths) is None
