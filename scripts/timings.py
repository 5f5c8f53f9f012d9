#!/usr/bin/env python3
"""Print retrieval timings on this machine: warm query latency inside one process,
`search --json` and `index build` (nothing changed) as whole processes, index size.

Usage: python scripts/timings.py [--runs 5] [--queries 60]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

QUESTIONS = [
    "what should we do before tendering?",
    "Vad ska vi göra innan upphandlingen?",
    "Hva må vi gjøre før vi kunngjør konkurransen?",
    "Who signs the contract?",
    "Vem är huvudansvarig för att följa upp avtalet?",
    "Hva er en nullpunktsmåling?",
    "How do we train staff before go-live?",
    "Hur länge ska upphandlingen annonseras?",
    "Hvordan lager vi en gevinstrealiseringsplan?",
    "What goes into the requirements specification?",
]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p * (len(xs) - 1)))]


def run(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--queries", type=int, default=60)
    args = ap.parse_args()
    from guide_assistant.common.config import find_paths
    from guide_assistant.retrieval.search import SearchEngine

    paths = find_paths(ROOT)
    t = time.perf_counter()
    engine = SearchEngine(paths)
    engine.search("warm up", 10)
    load = time.perf_counter() - t
    lat = []
    for i in range(args.queries):
        q = QUESTIONS[i % len(QUESTIONS)] + ("" if i < len(QUESTIONS) else f" {i}")
        t = time.perf_counter()
        engine.search(q, 10, "hybrid")
        lat.append(time.perf_counter() - t)
    from guide_assistant.answers.composer import Composer
    from guide_assistant.kb.load import load_knowledge
    from guide_assistant.stores.progress import ProjectState

    composer = Composer(load_knowledge(paths), engine)
    composer.ask("warm up question about procurement", state=ProjectState())
    ask_lat = []
    for i in range(args.queries // 2):
        t = time.perf_counter()
        composer.ask(QUESTIONS[i % len(QUESTIONS)], state=ProjectState())
        ask_lat.append(time.perf_counter() - t)
    exe = [sys.executable, "-m", "guide_assistant"]
    search = [run([*exe, "search", QUESTIONS[i % len(QUESTIONS)], "--json"]) for i in range(args.runs)]
    noop = [run([*exe, "index", "build"]) for _ in range(args.runs)]
    asks = [run([*exe, "ask", QUESTIONS[i % len(QUESTIONS)], "--json"]) for i in range(args.runs)]
    folder = paths.index / "current"
    size = sum(p.stat().st_size for p in folder.iterdir())
    manifest = json.loads((folder / "manifest.json").read_text())
    rows = [
        ("engine load + first query (in process)", f"{load * 1000:.0f} ms"),
        (f"warm hybrid query p50 / p95 ({args.queries} queries)", f"{statistics.median(lat) * 1000:.1f} / {pct(lat, 0.95) * 1000:.1f} ms"),
        (
            f"warm `ask` (retrieval + composing) p50 / p95 ({len(ask_lat)} questions)",
            f"{statistics.median(ask_lat) * 1000:.1f} / {pct(ask_lat, 0.95) * 1000:.1f} ms",
        ),
        (f"`search --json` whole process, median / max of {args.runs}", f"{statistics.median(search):.2f} / {max(search):.2f} s"),
        (f"`ask --json` whole process, median / max of {args.runs}", f"{statistics.median(asks):.2f} / {max(asks):.2f} s"),
        (f"`index build` nothing changed, median / max of {args.runs}", f"{statistics.median(noop):.2f} / {max(noop):.2f} s"),
        ("last full or incremental build (manifest)", f"{manifest['build_seconds']} s, {manifest['counts']}"),
        ("index size on disk", f"{size / 1024:.0f} KiB ({', '.join(p.name for p in sorted(folder.iterdir()))})"),
    ]
    width = max(len(r[0]) for r in rows)
    for k, v in rows:
        print(f"{k.ljust(width)}  {v}")


if __name__ == "__main__":
    main()
