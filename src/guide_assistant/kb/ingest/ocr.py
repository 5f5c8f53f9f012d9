"""OCR of a scanned PDF with Debian's ``ocrmypdf`` and tesseract, when installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from guide_assistant.kb.ingest.blocks import OCR_LANGS, OCR_PACKAGES, IngestError


def tesseract_languages() -> set[str]:
    exe = shutil.which("tesseract")
    if exe is None:
        return set()
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return set()
    return {l.strip() for l in (out.stdout + out.stderr).splitlines()[1:] if l.strip() and " " not in l.strip()}


def ocr_pdf(path: Path, workdir: Path) -> Path:
    """The PDF with a text layer made by ``ocrmypdf`` (tesseract, Swedish and Norwegian);
    IngestError naming the Debian packages when they are not installed."""
    exe = shutil.which("ocrmypdf")
    langs = [l for l in OCR_LANGS if l in tesseract_languages()]
    if exe is None or not ({"swe", "nor"} & set(langs)):
        missing = "ocrmypdf is not installed" if exe is None else "tesseract has neither Swedish nor Norwegian"
        raise IngestError(
            f"{path.name} has no text layer (a scanned PDF) and needs OCR, but {missing}: install Debian's "
            f"packages {OCR_PACKAGES} (apt-get install -y {OCR_PACKAGES}) and run kb add again"
        )
    out = workdir / "ocr.pdf"
    try:
        run = subprocess.run(
            [exe, "-l", "+".join(langs), "--skip-text", "--quiet", str(path), str(out)], capture_output=True, text=True, timeout=1800
        )
    except (OSError, subprocess.SubprocessError) as e:
        raise IngestError(f"OCR of {path.name} failed: {e}") from None
    if run.returncode != 0 or not out.is_file():
        tail = (run.stderr or run.stdout).strip().splitlines()[-3:]
        raise IngestError(f"OCR of {path.name} failed (ocrmypdf exit {run.returncode}): {' '.join(tail)}")
    return out
