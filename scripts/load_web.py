"""Load on the web server, on the loopback only: `guide-assistant serve --workers 2` started on a
free port of 127.0.0.1 (a temporary progress and conversation store), then a bounded async
httpx client sends a fixed number of requests with a fixed concurrency to POST /api/v1/ask
(the eval questions in turn) and to POST /api/v1/progress/tick (+ untick), and prints the
throughput and the p50/p95/p99 latencies. With --write, the figures go to the "web server"
section of docs/performance.md (scripts/bench.py keeps that section when it rewrites the file).

    python scripts/load_web.py [--asks 120] [--ticks 400] [--concurrency 8] [--workers 2] [--write]

Every loop is bounded in count and in time (--timeout), and the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT.parent / "shared" / "eval" / "answer-questions.jsonl"
BEGIN, END = "<!-- web: scripts/load_web.py -->", "<!-- /web -->"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    xs = sorted(values)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


async def run(base: str, jobs: list[tuple[str, dict]], concurrency: int, deadline: float) -> tuple[list[float], int, float]:
    """Send ``jobs`` (path, JSON body) with ``concurrency`` at once; latencies (s), failures, wall time."""
    latencies: list[float] = []
    failures = 0
    queue: asyncio.Queue[tuple[str, dict]] = asyncio.Queue()
    for j in jobs:
        queue.put_nowait(j)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal failures
        while not queue.empty() and time.monotonic() < deadline:
            path, body = queue.get_nowait()
            t = time.perf_counter()
            try:
                r = await client.post(path, json=body)
                ok = r.status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - t)
            failures += not ok

    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return latencies, failures, time.perf_counter() - started


def row(name: str, latencies: list[float], failures: int, wall: float) -> str:
    ms = [x * 1000 for x in latencies]
    return (
        f"| {name} | {len(ms)} ({failures} failed) | {len(ms) / wall:.1f} | "
        f"{percentile(ms, 0.5):.0f} | {percentile(ms, 0.95):.0f} | {percentile(ms, 0.99):.0f} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--asks", type=int, default=120)
    ap.add_argument("--ticks", type=int, default=400)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=300.0, help="stop sending after this many seconds")
    ap.add_argument("--write", action="store_true", help="write the figures into docs/performance.md")
    args = ap.parse_args()

    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    folder = Path(tempfile.mkdtemp(prefix="guide-assistant-load-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "GUIDE_ASSISTANT_STATE": str(folder / "state.sqlite3"),
        "GUIDE_ASSISTANT_CHAT": str(folder / "chat.sqlite3"),
        "GUIDE_ASSISTANT_SETTINGS": str(folder / "settings.json"),
    }
    env.pop("GUIDE_ASSISTANT_TOKEN", None)
    cmd = [sys.executable, "-m", "guide_assistant", "serve", "--port", str(port), "--workers", str(args.workers)]
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        t0 = time.monotonic()
        ready = 0
        while ready < args.workers * 3 and time.monotonic() - t0 < 120:  # a few answers: both workers are up
            try:
                ready += httpx.get(base + "/api/v1/index/status", timeout=5).status_code == 200
            except httpx.HTTPError:
                time.sleep(0.2)
        if not ready:
            raise SystemExit("the server did not start")
        steps = [s["id"] for a in httpx.get(base + "/api/v1/checklist", timeout=30).json() for s in a["steps"]]
        deadline = time.monotonic() + args.timeout
        warm = [("/api/v1/ask", {"question": q}) for q in questions[: args.workers * 2]]
        asyncio.run(run(base, warm, args.workers, deadline))
        asks = [("/api/v1/ask", {"question": questions[i % len(questions)]}) for i in range(args.asks)]
        ask = asyncio.run(run(base, asks, args.concurrency, deadline))
        ticks = [
            (f"/api/v1/progress/{'tick' if (i // len(steps)) % 2 == 0 else 'untick'}", {"step": steps[i % len(steps)]})
            for i in range(args.ticks)
        ]
        tick = asyncio.run(run(base, ticks, args.concurrency, deadline))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()

    lines = [
        BEGIN,
        "## The web server",
        "",
        f"`python scripts/load_web.py`: `guide-assistant serve --workers {args.workers}` on 127.0.0.1, a bounded async httpx client "
        f"with {args.concurrency} requests in flight; the {len(questions)} answer-eval questions in turn ({time.strftime('%Y-%m-%d')}).",
        "",
        "| request | requests | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|---|",
        row("`POST /api/v1/ask`", *ask),
        row("`POST /api/v1/progress/tick` / `untick`", *tick),
        "",
        "A worker answers one question at a time (its search engine is shared by its requests), so the answers' "
        "throughput follows the workers and the cores; ticks are SQLite writes (WAL), one transaction each.",
        END,
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        path = ROOT / "docs" / "performance.md"
        old = path.read_text(encoding="utf-8")
        if BEGIN in old:
            head, rest = old.split(BEGIN, 1)
            tail = rest.split(END, 1)[1] if END in rest else ""
            new = head + text + tail
        else:
            new = old.rstrip("\n") + "\n\n" + text + "\n"
        path.write_text(new, encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
