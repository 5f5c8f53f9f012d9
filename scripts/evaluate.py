#!/usr/bin/env python3
"""Run a questions file through all three retrieval modes and print score.py's table for each.

Usage: python scripts/evaluate.py [QUESTIONS.jsonl] [--score PATH/TO/score.py] [--k 1,3,5,10]
Defaults: ../shared/eval/dev-questions.jsonl and ../shared/eval/score.py beside this repository.
The search runs in-process (one engine for all questions, with the question understanding
as `search` uses it); the output is the same JSON lines that `guide-assistant search --batch FILE --json` prints.
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

from guide_assistant.common.config import find_paths  # noqa: E402
from guide_assistant.kb.load import load_knowledge  # noqa: E402
from guide_assistant.retrieval.search import SearchEngine  # noqa: E402
from guide_assistant.understanding.reading import Understander  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("questions", nargs="?", default=str(ROOT.parent / "shared/eval/dev-questions.jsonl"))
    ap.add_argument("--score", default=str(ROOT.parent / "shared/eval/score.py"))
    ap.add_argument("--k", default="1,3,5,10")
    ap.add_argument("--modes", default="hybrid,dense,lexical")
    ap.add_argument("--only-all", action="store_true", help="print only the 'all' row of each mode")
    args = ap.parse_args()
    questions = [json.loads(l) for l in open(args.questions, encoding="utf-8") if l.strip()]
    paths = find_paths(ROOT)
    kb = load_knowledge(paths)
    engine = SearchEngine(paths, kb=kb)
    understander = Understander(kb)  # as `search` does: the understood phase and intent as preferences
    for mode in args.modes.split(","):
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as out:
            for q in questions:
                hits = engine.search(q["question"], 10, mode, prefer=understander.preference(q["question"]))  # type: ignore[arg-type]
                out.write(json.dumps({"id": q["id"], "hits": [h.model_dump() for h in hits]}, ensure_ascii=False) + "\n")
        res = subprocess.run(
            [sys.executable, args.score, args.questions, out.name, "--k", args.k, "--sources", str(ROOT / "knowledge/sources")],
            capture_output=True,
            text=True,
        )
        print(f"== mode: {mode}")
        lines = res.stdout.splitlines()
        print("\n".join(l for l in lines if not args.only_all or l.startswith(("group", "all", "lang="))) if lines else res.stderr)


if __name__ == "__main__":
    main()
