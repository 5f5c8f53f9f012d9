#!/usr/bin/env python3
"""Write the README's pictures to docs/screenshots/: the UI's chat and checklist in English
and in Swedish (SVG, Textual's screenshot feature), and the first page of a Swedish XLSX
checklist export as LibreOffice prints it (PNG; needs LibreOffice's `soffice` and
poppler's `pdftoppm`: apt-get install libreoffice-calc-nogui poppler-utils).
Usage: python scripts/screenshots.py [--no-xlsx]"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
OUT = ROOT / "docs" / "screenshots"
QUESTIONS = {"en": "What should we do before tendering?", "sv": "Vad ska vi göra innan vi annonserar upphandlingen?"}


async def shoot(lang: str) -> list[Path]:
    from textual.widgets import Input, Tree

    from guide_assistant.common.config import find_paths
    from guide_assistant.interfaces.tui.app import GuideApp

    suffix = "" if lang == "en" else f"-{lang}"
    chat, check = OUT / f"chat{suffix}.svg", OUT / f"checklist{suffix}.svg"
    with tempfile.TemporaryDirectory() as tmp:
        app = GuideApp(find_paths(ROOT), state_file=Path(tmp) / "s.db", chat_file=Path(tmp) / "c.json", lang=lang)
        async with app.run_test(size=(120, 40)) as pilot:
            await app.workers.wait_for_complete()
            app.assistant.set_phase("prepare")
            app.assistant.set_roles(["business-developer"])
            app.update_subtitle()
            app.update_next()
            app.query_one("#question", Input).value = QUESTIONS[lang]
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause(0.3)
            app.save_screenshot(str(chat))
            app.action_tab("checklist")
            await pilot.pause()
            tree = app.query_one("#checklist-tree", Tree)
            phase = tree.root.children[3]
            phase.expand()
            act = phase.children[0]
            act.expand()
            await pilot.pause()
            app.assistant.toggle_step(act.children[0].data["id"])
            app.fill_checklist()
            app.update_bars()
            await pilot.pause()
            phase = tree.root.children[3]
            phase.expand()
            phase.children[0].expand()
            await pilot.pause()
            tree.move_cursor(phase.children[0])
            await pilot.pause(0.3)
            app.save_screenshot(str(check))
    return [chat, check]


def xlsx_picture() -> Path:
    """The Swedish checklist of phase 4 (one step ticked) as LibreOffice prints its first page."""
    from guide_assistant.checklist.rows import checklist
    from guide_assistant.common.config import find_paths
    from guide_assistant.exports.xlsx import write_xlsx
    from guide_assistant.kb.load import load_knowledge

    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    if not soffice or not pdftoppm:
        raise SystemExit("the XLSX picture needs soffice and pdftoppm (apt-get install libreoffice-calc-nogui poppler-utils)")
    kb = load_knowledge(find_paths(ROOT))
    rows = checklist(kb, ["prepare"], None, set())
    rows = checklist(kb, ["prepare"], None, {rows[0].steps[0].id, rows[0].steps[1].id})
    target = OUT / "checklist-xlsx.png"
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "checklista.xlsx"
        write_xlsx(kb, rows, book, None, "sv")
        subprocess.run(
            [soffice, "--headless", f"-env:UserInstallation=file://{tmp}/lo", "--convert-to", "pdf", "--outdir", tmp, str(book)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        # the top of the first page, at a resolution that keeps the text readable
        subprocess.run(
            [
                pdftoppm,
                "-png",
                "-r",
                "150",
                "-f",
                "1",
                "-l",
                "1",
                "-x",
                "0",
                "-y",
                "90",
                "-W",
                "1650",
                "-H",
                "760",
                "-singlefile",
                str(Path(tmp) / "checklista.pdf"),
                str(target.with_suffix("")),
            ],
            check=True,
            timeout=120,
        )
    return target


def main() -> None:
    os.environ["TEXTUAL_ANIMATIONS"] = "none"
    OUT.mkdir(parents=True, exist_ok=True)
    written = [p for lang in ("en", "sv") for p in asyncio.run(shoot(lang))]
    if "--no-xlsx" not in sys.argv:
        written.append(xlsx_picture())
    print("wrote " + ", ".join(str(p.relative_to(ROOT)) for p in written))


if __name__ == "__main__":
    main()
