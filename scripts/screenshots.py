#!/usr/bin/env python3
"""Write the README's screenshots (SVG, Textual's screenshot feature) of the chat and the
checklist to docs/screenshots/. Usage: python scripts/screenshots.py"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


async def main() -> None:
    from textual.widgets import Input, Tree

    from guide_assistant.config import find_paths
    from guide_assistant.ui.app import GuideApp

    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TEXTUAL_ANIMATIONS"] = "none"
        app = GuideApp(find_paths(ROOT), state_file=Path(tmp) / "s.json", chat_file=Path(tmp) / "c.json")
        async with app.run_test(size=(120, 40)) as pilot:
            await app.workers.wait_for_complete()
            app.assistant.set_phase("prepare")
            app.assistant.set_roles(["business-developer"])
            app.update_subtitle()
            app.update_next()
            app.query_one("#question", Input).value = "What should we do before tendering?"
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause(0.3)
            app.save_screenshot(str(out / "chat.svg"))
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
            app.save_screenshot(str(out / "checklist.svg"))
    print(f"wrote {out / 'chat.svg'} and {out / 'checklist.svg'}")


if __name__ == "__main__":
    asyncio.run(main())
