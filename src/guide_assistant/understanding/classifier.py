"""The question's intent, whether it refers back, and whether it is outside the guides,
from three small linear models.

Trained by ``scripts/train_understanding.py`` on the labelled questions in
``tests/data/understanding/`` (written from the guides by people who had not seen the code)
and saved beside this module as ``question_model.npz`` (arrays only: no pickle). The
features are the question's embedding (the same multilingual-e5 query vector the search
makes) and two TF-IDF bags of its folded text: character n-grams within words (they see
inflections and compounds: "avtalsspärren", "leveransene") and words and word pairs.
Inference is a dot product with numpy; scikit-learn is needed only to train.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from guide_assistant.kb.textnorm import fold

MODEL_FILE = Path(__file__).with_name("question_model.npz")
EMBEDDING_WEIGHT = 3.0  # the embedding block's weight against the two unit-length TF-IDF blocks
CHAR_NGRAMS = (2, 5)
WORD_NGRAMS = (1, 2)
_WHITE = re.compile(r"\s\s+")
_WORD = re.compile(r"(?u)\b\w\w+\b")


def normalise(text: str) -> str:
    """What the model reads of a question: folded (lowercase, diacritics and OCR confusions
    folded) and with its whitespace collapsed."""
    return _WHITE.sub(" ", fold(text)).strip()


def char_ngrams(text: str) -> list[str]:
    """Character n-grams inside word boundaries, each word padded with one space (as
    scikit-learn's ``char_wb`` analyzer makes them)."""
    lo, hi = CHAR_NGRAMS
    out: list[str] = []
    for w in _WHITE.sub(" ", text).split():
        w = f" {w} "
        for n in range(lo, hi + 1):
            offset = 0
            out.append(w[offset : offset + n])
            while offset + n < len(w):
                offset += 1
                out.append(w[offset : offset + n])
            if offset == 0:  # a word shorter than n: counted once
                break
    return out


def word_ngrams(text: str) -> list[str]:
    lo, hi = WORD_NGRAMS
    tokens = _WORD.findall(text)
    out: list[str] = []
    for n in range(lo, hi + 1):
        out += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return out


@dataclass(frozen=True)
class TfIdf:
    """A fitted TF-IDF bag: sublinear term frequency, idf, l2-normalised."""

    vocabulary: dict[str, int]
    idf: np.ndarray

    def vector(self, terms: list[str]) -> np.ndarray:
        out = np.zeros(len(self.vocabulary), dtype=np.float64)
        for term, count in Counter(terms).items():
            i = self.vocabulary.get(term)
            if i is not None:
                out[i] = (1.0 + math.log(count)) * self.idf[i]
        norm = float(np.linalg.norm(out))
        return out / norm if norm else out


@dataclass(frozen=True)
class LinearModel:
    classes: list[str]
    coef: np.ndarray  # (classes, features); one row for a binary model
    intercept: np.ndarray

    def scores(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.coef @ x + self.intercept)


@dataclass(frozen=True)
class Reading:
    intent: str  # phase | who | deliverables | decision | how | when | duration | count | definition
    margin: float  # the best class's score less the second best's
    refers_back: bool  # reads as a turn that leans on the one before
    out_of_scope: bool  # reads as a question the guides do not answer (prices, thresholds, product settings, other laws)


class QuestionModel:
    def __init__(self, chars: TfIdf, words: TfIdf, intent: LinearModel, followup: LinearModel, scope: LinearModel, meta: dict[str, Any]):
        self.chars, self.words, self.meta = chars, words, meta
        self.intent_model, self.followup_model, self.scope_model = intent, followup, scope

    def features(self, question: str, embedding: np.ndarray) -> np.ndarray:
        text = normalise(question)
        return np.concatenate(
            [
                EMBEDDING_WEIGHT * np.asarray(embedding, dtype=np.float64).ravel(),
                self.chars.vector(char_ngrams(text)),
                self.words.vector(word_ngrams(text)),
            ]
        )

    def read(self, question: str, embedding: np.ndarray) -> Reading:
        x = self.features(question, embedding)
        s = self.intent_model.scores(x)
        order = np.argsort(-s)
        margin = float(s[order[0]] - s[order[1]]) if len(s) > 1 else float(s[order[0]])
        back = float(self.followup_model.scores(x)[0]) > 0
        outside = float(self.scope_model.scores(x)[0]) > 0
        return Reading(self.intent_model.classes[int(order[0])], margin, back, outside)

    # --- on disk ------------------------------------------------------------------------------

    def save(self, path: Path = MODEL_FILE) -> None:
        import io

        from guide_assistant.common.fsutil import atomic_write_bytes

        meta = {
            **self.meta,
            "chars": sorted(self.chars.vocabulary, key=self.chars.vocabulary.__getitem__),
            "words": sorted(self.words.vocabulary, key=self.words.vocabulary.__getitem__),
            "intents": self.intent_model.classes,
            "followup": self.followup_model.classes,
            "scope": self.scope_model.classes,
        }
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
            chars_idf=self.chars.idf,
            words_idf=self.words.idf,
            intent_coef=self.intent_model.coef.astype(np.float32),
            intent_intercept=self.intent_model.intercept,
            followup_coef=self.followup_model.coef.astype(np.float32),
            followup_intercept=self.followup_model.intercept,
            scope_coef=self.scope_model.coef.astype(np.float32),
            scope_intercept=self.scope_model.intercept,
        )
        atomic_write_bytes(path, buf.getvalue())

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> QuestionModel:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(bytes(z["meta"]).decode("utf-8"))
            chars = TfIdf({t: i for i, t in enumerate(meta.pop("chars"))}, z["chars_idf"])
            words = TfIdf({t: i for i, t in enumerate(meta.pop("words"))}, z["words_idf"])
            intent = LinearModel(meta.pop("intents"), z["intent_coef"].astype(np.float64), z["intent_intercept"])
            followup = LinearModel(meta.pop("followup"), z["followup_coef"].astype(np.float64), z["followup_intercept"])
            scope = LinearModel(meta.pop("scope"), z["scope_coef"].astype(np.float64), z["scope_intercept"])
        return cls(chars, words, intent, followup, scope, meta)


@lru_cache(maxsize=1)
def question_model() -> QuestionModel:
    return QuestionModel.load()
