#!/usr/bin/env python3
"""Sweep the hybrid fusion: rank fusion (RRF) against score fusion, with and without the
item units' similarity lifting the passages that hold them. Prints score.py's figures for
each setting, so the choice in retrieval/search.py can be checked in one run.

Usage: python scripts/sweep_fusion.py [QUESTIONS.jsonl] [--score PATH]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from guide_assistant.common.config import find_paths  # noqa: E402
from guide_assistant.retrieval import fusion  # noqa: E402
from guide_assistant.retrieval.search import SearchEngine  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("questions", nargs="?", default=str(ROOT.parent / "shared/eval/dev-questions.jsonl"))
    ap.add_argument("--score", default=str(ROOT.parent / "shared/eval/score.py"))
    args = ap.parse_args()
    spec = importlib.util.spec_from_file_location("score", args.score)
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)  # type: ignore[union-attr]
    questions = [json.loads(line) for line in open(args.questions, encoding="utf-8") if line.strip()]
    engine = SearchEngine(find_paths(ROOT))
    ps = engine.passages
    cached = []
    for q in questions:
        d = engine.dense_scores(q["question"])
        lx = engine.lexical_scores(q["question"])
        lift = engine.item_lift(q["question"])
        cached.append((d, lx, lift))
    sources = score.Sources(ROOT / "knowledge/sources")
    allowed = np.ones(len(ps), dtype=bool)

    def run(name: str, fn) -> None:
        results = []
        for q, (d, lx, lift) in zip(questions, cached):
            final = fn(d, lx, lift)
            order = np.argsort(-final, kind="stable")[:10]
            results.append(
                {
                    "id": q["id"],
                    "hits": [{"source": ps[i].source, "line_start": ps[i].line_start, "line_end": ps[i].line_end} for i in order],
                }
            )
        table, _, _ = score.score(questions, results, sources, [1, 3, 5, 10])
        row = table["all"]
        langs = " ".join(f"{g.split('=')[1]}:{table[g]['mrr@10']:.3f}/{table[g]['success@5']:.2f}" for g in table if g.startswith("lang="))
        print(
            f"{name:38} mrr@10 {row['mrr@10']:.3f}  s@1 {row['success@1']:.3f}  s@5 {row['success@5']:.3f}  "
            f"cov@10 {row['coverage@10']:.3f}   mrr/s@5 by lang {langs}"
        )

    def norm(lx):
        return lx / lx.max() if lx.max() > 0 else lx

    run("dense", lambda d, lx, lift: d)
    run("dense+item lift", lambda d, lx, lift: np.maximum(d, lift))
    run("lexical", lambda d, lx, lift: lx)
    run("rrf k=60 (round 1)", lambda d, lx, lift: fusion.rrf([(fusion.ranks(d + 2, allowed), 1.0), (fusion.ranks(lx, allowed), 1.0)]))
    for w in (0.5, 0.3):
        run(
            f"rrf dense 1 / lexical {w}",
            lambda d, lx, lift, w=w: fusion.rrf([(fusion.ranks(d + 2, allowed), 1.0), (fusion.ranks(lx, allowed), w)]),
        )
    run(
        "rrf k=60, dense with item lift",
        lambda d, lx, lift: fusion.rrf([(fusion.ranks(np.maximum(d, lift) + 2, allowed), 1.0), (fusion.ranks(lx, allowed), 1.0)]),
    )
    for w in (0.01, 0.02, 0.03, 0.05, 0.08, 0.12):
        run(f"score: dense + {w} x lex/max", lambda d, lx, lift, w=w: d + w * norm(lx))
        run(f"score: max(dense,lift) + {w} x lex/max", lambda d, lx, lift, w=w: np.maximum(d, lift) + w * norm(lx))


if __name__ == "__main__":
    main()
