"""BM25 scores of one corpus of token lists: built and saved with bm25s, read with numpy.

bm25s (Lucene's BM25, k1 1.5, b 0.75) computes every (document, token) score once, when
the index is built, into a sparse matrix: per token, the documents holding it and their
scores. ``index build`` saves that matrix in bm25s' file format (``*.npy`` arrays, the
vocabulary and parameters as JSON, no pickle: ``bm25s.BM25.load`` reads it); a start reads
the arrays back with ``np.load`` and sums the query tokens' rows exactly as bm25s'
``get_scores`` does (``np.add.at``, token by token, in float32), so the scores are
bit-identical (tests/test_index.py). Reading them this way, not with ``bm25s.BM25.load``,
keeps bm25s and the scipy it imports (~0.14 s) out of every start; the BM25 formulas stay
bm25s' own.
"""

from __future__ import annotations

import json
from collections.abc import KeysView
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# bm25s' defaults, written out: Lucene's BM25
PARAMS_BM25 = {"k1": 1.5, "b": 0.75, "delta": 0.5, "method": "lucene", "idf_method": "lucene", "dtype": "float32", "int_dtype": "int32"}
# bm25s' file names, each behind the prefix of its corpus ("bm25-passages.data.csc.index.npy")
DATA, INDICES, INDPTR = "data.csc.index.npy", "indices.csc.index.npy", "indptr.csc.index.npy"
VOCAB, PARAMS = "vocab.index.json", "params.index.json"
FILES = (DATA, INDICES, INDPTR, VOCAB, PARAMS)


@dataclass
class LexicalIndex:
    """The BM25 score matrix in CSC form: for token id t, ``indices[indptr[t]:indptr[t+1]]``
    are the documents holding it and ``data[...]`` their scores."""

    vocab_dict: dict[str, int]
    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    size: int  # the number of documents

    @property
    def vocab(self) -> KeysView[str]:
        """The indexed tokens (a view: nothing is copied)."""
        return self.vocab_dict.keys()

    @classmethod
    def build(cls, corpus_tokens: list[list[str]]) -> LexicalIndex:
        """Index the documents with bm25s. The vocabulary is numbered in order of first
        occurrence, so that the saved files are the same at every build (bm25s numbers a
        set, whose order changes from run to run; the scores do not depend on it)."""
        import bm25s

        size = len(corpus_tokens)
        vocab: dict[str, int] = {}
        for doc in corpus_tokens:
            for t in doc:
                vocab.setdefault(t, len(vocab))
        if not vocab:  # no words at all: bm25s cannot index that; nothing ever matches
            empty = np.zeros(0, np.float32)
            return cls({}, empty, np.zeros(0, np.int32), np.zeros(1, np.int64), size)
        bm25 = bm25s.BM25(**PARAMS_BM25)
        bm25.index(([[vocab[t] for t in doc] for doc in corpus_tokens], vocab), show_progress=False)
        s = bm25.scores
        return cls(bm25.vocab_dict, s["data"], s["indices"], s["indptr"], s["num_docs"])

    def save(self, folder: Path, prefix: str) -> list[str]:
        """Write the index in bm25s' format (``bm25s.BM25.load`` reads it with the same
        names); returns the file names written."""
        names = [f"{prefix}.{name}" for name in FILES]
        for name, array in zip(names, (self.data, self.indices, self.indptr)):
            np.save(folder / name, array, allow_pickle=False)
        (folder / names[3]).write_text(json.dumps(self.vocab_dict, ensure_ascii=False), encoding="utf-8")
        params = {**PARAMS_BM25, "num_docs": self.size, "backend": "numpy"}
        (folder / names[4]).write_text(json.dumps(params, indent=4), encoding="utf-8")
        return names

    @classmethod
    def load(cls, folder: Path, prefix: str) -> LexicalIndex:
        """Read an index written by ``save`` (no pickle, no bm25s)."""

        def array(name: str) -> np.ndarray:
            return np.asarray(np.load(folder / f"{prefix}.{name}", allow_pickle=False))

        vocab = json.loads((folder / f"{prefix}.{VOCAB}").read_text(encoding="utf-8"))
        params = json.loads((folder / f"{prefix}.{PARAMS}").read_text(encoding="utf-8"))
        return cls(vocab, array(DATA), array(INDICES), array(INDPTR), int(params["num_docs"]))

    def scores(self, tokens: list[str]) -> np.ndarray:
        """The BM25 score of every document for the query tokens (bm25s' ``get_scores``)."""
        ids = [self.vocab_dict[t] for t in tokens if t in self.vocab]
        out = np.zeros(self.size, dtype=np.float32)
        for t in ids:
            start, end = self.indptr[t], self.indptr[t + 1]
            np.add.at(out, self.indices[start:end], self.data[start:end])
        return out
