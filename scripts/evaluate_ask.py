#!/usr/bin/env python3
"""Score `ask` citations against the gold lines: each question's citations are treated as
its hits (in citation order) and scored by ../shared/eval/score.py. The success@K row with
K = the most citations any answer has is "ask cites a gold passage among its citations".

Usage: python scripts/evaluate_ask.py [QUESTIONS.jsonl] [--score PATH]
Runs with an empty saved state (no saved phase or roles).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from guide_assistant.config import find_paths  # noqa: E402
from guide_assistant.guidance.answer import Composer  # noqa: E402
from guide_assistant.guidance.state import ProjectState  # noqa: E402
from guide_assistant.kb.load import load_knowledge  # noqa: E402
from guide_assistant.retrieval.search import SearchEngine  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("questions", nargs="?", default=str(ROOT.parent / "shared/eval/dev-questions.jsonl"))
    ap.add_argument("--score", default=str(ROOT.parent / "shared/eval/score.py"))
    args = ap.parse_args()
    paths = find_paths(ROOT)
    kb = load_knowledge(paths)
    composer = Composer(kb, SearchEngine(paths, kb=kb))
    questions = [json.loads(l) for l in open(args.questions, encoding="utf-8") if l.strip()]
    most = 1
    uncovered = 0
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as out:
        for q in questions:
            a = composer.ask(q["question"], state=ProjectState())
            uncovered += not a.covered
            most = max(most, len(a.citations))
            out.write(json.dumps({"id": q["id"], "hits": [h.model_dump() for h in a.citations]}, ensure_ascii=False) + "\n")
    # score.py reads at most 10 hits a question; ask puts the retrieved passages first in its citations
    res = subprocess.run([sys.executable, args.score, args.questions, out.name, "--k", "1,3,5,10",
                          "--sources", str(ROOT / "knowledge/sources")], capture_output=True, text=True)
    print(res.stdout or res.stderr)
    print(f"answers not covered: {uncovered}; most citations in one answer: {most}")


if __name__ == "__main__":
    main()
