#!/usr/bin/env python3
"""Calibrate `covered`: how strongly in-scope and out-of-scope questions match the guides.

In scope: the dev questions, scripts/data/rubric_questions.jsonl and the phrasings of
tests/data/phrasings.yaml. Out of scope: tests/data/out_of_scope.yaml (near-domain
questions the guides do not answer: device and network configuration, prices, law beyond
the guides, other sectors, in three languages, and some plainly off-topic ones).

Prints the questions that turn on a word the guides never use (guidance/coverage.py), the
relevance each gets (guidance/answer.py: best dense similarity of a passage or item + a
small share of the best BM25; 0 for those), the overlap of the two sets, and for a range of
thresholds how many in-scope questions would be refused and how many out-of-scope ones
answered.

Usage: python scripts/calibrate_coverage.py [--dev PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from guide_assistant.answers.composer import RELEVANCE_THRESHOLD, Composer  # noqa: E402
from guide_assistant.checklist.state import ProjectState  # noqa: E402
from guide_assistant.common.config import find_paths  # noqa: E402
from guide_assistant.kb.load import load_knowledge  # noqa: E402
from guide_assistant.retrieval.search import SearchEngine  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dev", default=str(ROOT.parent / "shared/eval/dev-questions.jsonl"))
    args = ap.parse_args()
    inside: list[tuple[str, str]] = []
    if Path(args.dev).exists():
        inside += [(q["lang"], q["question"]) for q in map(json.loads, open(args.dev, encoding="utf-8")) if q]
    inside += [
        (q["lang"], q["question"])
        for q in map(json.loads, open(ROOT / "scripts/data/rubric_questions.jsonl", encoding="utf-8"))
        if not q.get("follows")
    ]
    inside += [(r["lang"], r["q"]) for r in yaml.safe_load(open(ROOT / "tests/data/phrasings.yaml", encoding="utf-8"))]
    outside = [(r["lang"], r["q"]) for r in yaml.safe_load(open(ROOT / "tests/data/out_of_scope.yaml", encoding="utf-8"))]
    paths = find_paths(ROOT)
    kb = load_knowledge(paths)
    composer = Composer(kb, SearchEngine(paths, kb=kb))

    covered: dict[str, bool] = {}

    def relevance(lang: str, q: str) -> float:
        """The relevance, or 0 where the question turns on a word the guides never use."""
        a = composer.ask(q, state=ProjectState())
        covered[q] = a.covered
        return 0.0 if composer.vocabulary.unknown(a.question, a.language) else a.relevance

    ins = [(lang, q, relevance(lang, q)) for lang, q in inside]
    outs = [(lang, q, relevance(lang, q)) for lang, q in outside]
    for name, rows in (("in scope", ins), ("out of scope", outs)):
        flagged = [(q, composer.vocabulary.unknown(q, lang)) for lang, q, r in rows if r == 0.0]
        print(f"{name}: {len(flagged)} with a word the guides never use")
        for q, words in flagged[:40]:
            print(f"  {', '.join(words):40} {q[:80]}")
    print(f"in scope: {len(ins)} questions, relevance min {min(r for *_, r in ins):.3f}")
    print(f"out of scope: {len(outs)} questions, relevance max {max(r for *_, r in outs):.3f}")
    print("\nlowest in scope:")
    for lang, q, r in sorted(ins, key=lambda t: t[2])[:8]:
        print(f"  {r:.3f} {lang} {q}")
    print("highest out of scope:")
    for lang, q, r in sorted(outs, key=lambda t: -t[2])[:12]:
        print(f"  {r:.3f} {lang} {q}")
    print("\nthreshold  in-scope refused  out-of-scope answered (by language en/sv/no)")
    for t in [x / 1000 for x in range(860, 921, 5)]:
        refused = sum(r < t for *_, r in ins)
        answered = {lang: sum(r >= t for lg, _, r in outs if lg == lang) for lang in ("en", "sv", "no")}
        total = {lang: sum(lg == lang for lg, *_ in outs) for lang in ("en", "sv", "no")}
        mark = "  <- current" if abs(t - RELEVANCE_THRESHOLD) < 1e-9 else ""
        print(
            f"  {t:.3f}    {refused:3}/{len(ins)}          {sum(answered.values()):3}/{len(outs)}  "
            + " ".join(f"{answered[x]}/{total[x]}" for x in answered)
            + mark
        )
    refused = [q for _, q, _ in ins if not covered[q]]
    answered = {lang: sum(covered[q] for lg, q, _ in outs if lg == lang) for lang in ("en", "sv", "no")}
    print(
        f"\nas asked (relevance, rare words and the question model's out-of-scope reading together): "
        f"in scope refused {len(refused)}/{len(ins)}, out of scope answered {sum(answered.values())}/{len(outs)} "
        + " ".join(f"{answered[x]}" for x in answered)
        + " (en/sv/no)"
    )
    for q in refused:
        print(f"  refused: {q}")


if __name__ == "__main__":
    main()
