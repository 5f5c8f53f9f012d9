#!/usr/bin/env python3
"""Time from starting `guide-assistant` (the TUI, existing index) to an interactive chat,
and from submitting a first question to its answer on screen.

Each run is a fresh process: `python -m guide_assistant` started headless with an
auto-pilot that reports when the app is ready (input focused) and when the first answer
is shown. Usage: python scripts/tui_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import gc, json, sys, time
t0 = float(sys.argv[1])
gc.disable()  # as `guide-assistant` starts (guide_assistant/process.py); the UI turns it on once on screen
import guide_assistant.interfaces.cli.fast, guide_assistant.interfaces.cli.core  # what `guide-assistant` imports before it starts the UI
from guide_assistant.common.config import find_paths
from guide_assistant.interfaces.tui.app import GuideApp, AnswerView
from textual.widgets import Input

async def pilot(p):
    app = p.app
    ready = time.time() - t0
    app.query_one("#question", Input).value = "what should we do before tendering?"
    t = time.time()
    await p.press("enter")
    while not app.query(AnswerView):
        await p.pause(0.01)
    answered = time.time() - t
    print(json.dumps({"ready": ready, "first_answer": answered}))
    app.exit()

GuideApp(find_paths()).run(headless=True, size=(120, 40), auto_pilot=pilot)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", action="store_true", help='print {"ready": [...], "first_answer": [...]} in seconds')
    args = ap.parse_args()
    ready, first = [], []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "GUIDE_ASSISTANT_STATE": f"{tmp}/s.db", "GUIDE_ASSISTANT_CHAT": f"{tmp}/c.json"}
        for _ in range(args.runs):
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(time.time())], capture_output=True, text=True, cwd=ROOT, env=env, check=True
            )
            row = json.loads(out.stdout.strip().splitlines()[-1])
            ready.append(row["ready"])
            first.append(row["first_answer"])
    if args.json:
        print(json.dumps({"ready": ready, "first_answer": first}))
        return
    print(f"start to interactive chat: median {statistics.median(ready):.2f} s, max {max(ready):.2f} s ({args.runs} runs)")
    print(f"first answer after enter:  median {statistics.median(first):.2f} s, max {max(first):.2f} s")


if __name__ == "__main__":
    main()
