#!/usr/bin/env python3
"""Measure `ask` answers on a questions file: the figures a busy reader feels, and the
citations against the gold lines.

Per answer: citations, characters before the source list, citations listed but never
referred to in the text, garbled words shown (kb/garble.py, where the dictionaries are
installed). Over the set: medians and totals, gold-citation precision (share of citations
that overlap a gold range, scored as ../shared/eval/score.py scores hits) and recall
(share of gold ranges some citation overlaps), by language.

Usage: python scripts/evaluate_ask.py [QUESTIONS.jsonl] [--score PATH] [--show N] [--out FILE.md]
Runs with an empty saved state; follow-up rows ("follows": id) are asked in the same
conversation as the row they follow.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from guide_assistant.answers.composer import Composer, without_sources  # noqa: E402
from guide_assistant.common.config import find_paths  # noqa: E402
from guide_assistant.kb.load import load_knowledge  # noqa: E402
from guide_assistant.retrieval.search import SearchEngine  # noqa: E402
from guide_assistant.stores.progress import ProjectState  # noqa: E402


def garble_checker():
    try:
        from guide_assistant.kb.garble import garbled_words
    except ImportError:
        return None
    try:
        garbled_words("test", "sv")
    except Exception as e:  # dictionaries missing: say so, measure the rest
        print(f"(garble check skipped: {e})", file=sys.stderr)
        return None
    return garbled_words


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("questions", nargs="?", default=str(ROOT.parent / "shared/eval/dev-questions.jsonl"))
    ap.add_argument("--score", default=str(ROOT.parent / "shared/eval/score.py"))
    ap.add_argument("--show", type=int, default=0, help="print the first N answers in full")
    ap.add_argument("--out", help="write every answer as Markdown to this file (for reading and grading)")
    args = ap.parse_args()
    spec = importlib.util.spec_from_file_location("score", args.score)
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)  # type: ignore[union-attr]
    sources = score.Sources(ROOT / "knowledge/sources")
    paths = find_paths(ROOT)
    kb = load_knowledge(paths)
    composer = Composer(kb, SearchEngine(paths, kb=kb))
    garbled = garble_checker()
    questions = [json.loads(line) for line in open(args.questions, encoding="utf-8") if line.strip()]
    rows = []
    answers = {}
    md = []
    for q in questions:
        previous = answers.get(q.get("follows"))
        a = composer.ask(q["question"], state=ProjectState(), previous=previous)
        answers[q["id"]] = a
        body = without_sources(a.answer)
        refs = {int(n) for n in re.findall(r"\[(\d+)\]", body)}
        unreferenced = [n for n in range(1, len(a.citations) + 1) if n not in refs]
        bad: list[str] = []
        if garbled:
            # each citation in its guide's language; a Swedish or Norwegian answer mixes the two,
            # so a word of it is garbled when both checks say so (English answers: citations only)
            found = {w for h in a.citations for w in garbled(h.text, h.language)}
            if a.language != "en":
                found |= set(garbled(body, "sv")) & set(garbled(body, "nb"))
            bad = sorted(found)
        gold = q.get("gold") or []
        rel = [any(score.relevant(h.model_dump(), g, sources) for g in gold) for h in a.citations] if gold else []
        found = [any(score.relevant(h.model_dump(), g, sources) for h in a.citations) for g in gold]
        rows.append(
            {
                "id": q["id"],
                "lang": q.get("lang", a.language),
                "covered": a.covered,
                "intent": a.intent,
                "citations": len(a.citations),
                "chars": len(body),
                "unreferenced": len(unreferenced),
                "garbled": bad,
                "precision": (sum(rel) / len(rel)) if rel else None,
                "recall": (sum(found) / len(found)) if found else None,
            }
        )
        md += [f"## {q['id']} ({q.get('lang', '')}, {a.intent}) {q['question']}", "", a.answer, ""]
        if q.get("expect"):
            md += [f"_expected: {q['expect']}_", ""]
    if args.out:
        Path(args.out).write_text("\n".join(md), encoding="utf-8")
    for block in md[: args.show * 3]:
        print(block)

    def figures(rs: list[dict]) -> str:
        prec = [r["precision"] for r in rs if r["precision"] is not None]
        rec = [r["recall"] for r in rs if r["recall"] is not None]
        return (
            f"{len(rs):3}  {statistics.median(r['citations'] for r in rs):9.1f}  {max(r['citations'] for r in rs):4}  "
            f"{statistics.median(r['chars'] for r in rs):8.0f}  {sum(r['unreferenced'] for r in rs):6}  "
            f"{sum(len(r['garbled']) for r in rs):7}  {sum(not r['covered'] for r in rs):9}  "
            + (f"{statistics.mean(prec):9.3f}  " if prec else "        -  ")
            + (f"{statistics.mean(rec):6.3f}" if rec else "     -")
        )

    print("group  n  median cit  max  med chars  unref  garbled  uncovered  gold prec  recall")
    by = defaultdict(list)
    for r in rows:
        by[f"lang={r['lang']}"].append(r)
    print(f"{'all':6}" + figures(rows))
    for g in sorted(by):
        print(f"{g.split('=')[1]:6}" + figures(by[g]))
    words = sorted({w for r in rows for w in r["garbled"]})
    if words:
        print("garbled words shown:", ", ".join(words[:40]))


if __name__ == "__main__":
    main()
