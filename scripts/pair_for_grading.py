#!/usr/bin/env python3
"""Pair two versions' answers (files made by scripts/answers_for_grading.py) for blind grading:
for each question, the two answers as "Answer X" and "Answer Y" in an order drawn at random
(seeded), so the grader cannot tell which version wrote which. The key (question id -> which
file is X) goes to a separate JSON file, for after the grading.

Usage: python scripts/pair_for_grading.py FIRST.md SECOND.md OUT.md KEY.json [--seed N]
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path


def blocks(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    out = {}
    for block in text.split("\n## ")[1:]:
        qid = block.split()[0]
        out[qid] = block.split("\n", 1)[1]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("first", type=Path)
    ap.add_argument("second", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("key", type=Path)
    ap.add_argument("--seed", type=int, default=20261203)
    args = ap.parse_args()
    a, b = blocks(args.first), blocks(args.second)
    rng = random.Random(args.seed)
    lines = ["# Paired answers for blind grading", "", "Each question has two answers, X and Y, from two versions in a random order.", ""]
    key = {}
    for qid in a:
        first_is_x = rng.random() < 0.5
        key[qid] = {"X": args.first.name if first_is_x else args.second.name, "Y": args.second.name if first_is_x else args.first.name}
        x, y = (a[qid], b[qid]) if first_is_x else (b[qid], a[qid])
        question, _, _ = x.partition("**Answer as shown:**")
        _, _, x_answer = x.partition("**Answer as shown:**")
        _, _, y_answer = y.partition("**Answer as shown:**")
        strip = lambda s: re.sub(r"\n---\s*$", "", s.strip())  # noqa: E731
        lines += [
            f"## {qid}",
            "",
            question.strip(),
            "",
            "### Answer X",
            "",
            strip(x_answer),
            "",
            "### Answer Y",
            "",
            strip(y_answer),
            "",
            "---",
            "",
        ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    args.key.write_text(json.dumps(key, indent=1), encoding="utf-8")
    print(f"wrote {args.out} ({len(key)} questions) and {args.key}")


if __name__ == "__main__":
    main()
