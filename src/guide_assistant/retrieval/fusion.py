"""Reciprocal rank fusion (Cormack et al. 2009): score = sum of w / (k + rank), rank from 1."""

from __future__ import annotations

import numpy as np

RRF_K = 60


def ranks(scores: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """1-based rank of each allowed item by score (ties broken by order); 0 where not allowed
    or where the score is not positive."""
    out = np.zeros(len(scores), dtype=np.int64)
    idx = [i for i in np.argsort(-scores, kind="stable") if allowed[i] and scores[i] > 0]
    for r, i in enumerate(idx, 1):
        out[i] = r
    return out


def rrf(rank_lists: list[tuple[np.ndarray, float]], k: int = RRF_K) -> np.ndarray:
    total = np.zeros(len(rank_lists[0][0]), dtype=np.float64)
    for r, w in rank_lists:
        total += np.where(r > 0, w / (k + r), 0.0)
    return total
