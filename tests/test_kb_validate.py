"""`kb validate`: the shipped knowledge passes; each kind of broken file is reported as
file:line: message with exit 1."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from guide_assistant.cli import app

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
    out = subprocess.run([sys.executable, "-m", "guide_assistant", "kb", "validate"],
                         capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stdout + out.stderr


def edit(path: Path, old: str, new: str, count: int = 1) -> int:
    """Replace the first occurrence; return the 1-based line where it was."""
    text = path.read_text(encoding="utf-8")
    i = text.index(old)
    path.write_text(text[:i] + new + text[i + len(old):], encoding="utf-8")
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
    old = re.search(r"lines: \[\d+, \d+\]", text[text.index("steps:"):]).group(0)
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
