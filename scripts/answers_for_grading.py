#!/usr/bin/env python3
"""Answer every question of a questions file as a user would and write what the user sees,
with every citation's lines and text, for a grader (../shared/eval/rubric.md).

Follow-ups are asked in the same conversation as their first turn: a row's ``context`` (the
first turn's question, as in ../shared/eval/answer-questions.jsonl) or ``followup_of`` (the
id of an earlier row, as in eval/heldout/fresh-questions.jsonl). Each run uses a new
conversation store and no saved progress.

Usage: python scripts/answers_for_grading.py QUESTIONS.jsonl OUT.md
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from guide_assistant import service  # noqa: E402
from guide_assistant.common.config import find_paths  # noqa: E402


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    questions, out = Path(sys.argv[1]), Path(sys.argv[2])
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    paths = find_paths(ROOT)
    kb = service.knowledge(paths)
    engine = service.search_engine(paths, kb=kb)
    chats = service.conversations(Path(tempfile.mkdtemp()) / "chat.sqlite3")
    rows = [json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_id = {r["id"]: r for r in rows}
    conversations = {}
    lines = [f"# Answers to {questions.name} (guide-assistant at commit {commit or '?'})", ""]
    for r in rows:
        first = None
        if r.get("followup_of"):
            first = by_id[r["followup_of"]]["question"]
            conv = conversations.get(r["followup_of"])
            if conv is None:
                _, conv = service.ask(kb, engine, chats, service.new_conversation(), first)
        elif r.get("context"):
            first = r["context"]
            _, conv = service.ask(kb, engine, chats, service.new_conversation(), first)
        else:
            conv = service.new_conversation()
        answer, conv = service.ask(kb, engine, chats, conv, r["question"])
        conversations[r["id"]] = conv
        lines += [f"## {r['id']} ({r.get('lang')})", ""]
        if first:
            lines += [f"_Second turn of a conversation; the first turn was: {first}_", ""]
        lines += [
            f"**Question:** {r['question']}",
            "",
            f"`intent: {answer.intent}; covered: {answer.covered}; phases: {answer.phases}`",
            "",
            "**Answer as shown:**",
            "",
            answer.answer,
            "",
            "**Citations (source, lines, text):**",
            "",
        ]
        for n, c in enumerate(answer.citations, 1):
            lines.append(f"- [{n}] {c.source}:{c.line_start}-{c.line_end}: {' '.join(c.text.split())[:600]}")
        lines += ["", "---", ""]
    out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {out}: {len(rows)} answers")


if __name__ == "__main__":
    main()
