#!/usr/bin/env python3
"""Train the question model (src/guide_assistant/understanding/question_model.npz) from the
labelled questions in tests/data/understanding/, and print its cross-validated accuracy.

The questions (160 per language, written from the guides by people who had not seen the
code) carry an intent, and follow-ups carry the intent they ask (``followup_intent``).
The model predicts two things: the intent of the question (phase, who, deliverables,
decision, how, when, duration, count, definition; questions the guides do not cover are
the coverage check's business, not an intent) and whether it leans on the turn before.

Features: the question's e5 query embedding (the default embedder) and two TF-IDF bags of
its folded text (character n-grams inside words, words and word pairs); a linear SVM each
(scikit-learn, needed only here and in the tests). Cross-validation: 5 folds, stratified by
intent, every figure on questions the fold's model did not see; the old keyword rules
(understanding/intent.py) are scored on the same questions for comparison.

Usage: python scripts/train_understanding.py [--no-write]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from guide_assistant.understanding.classifier import (  # noqa: E402
    EMBEDDING_WEIGHT,
    LinearModel,
    QuestionModel,
    TfIdf,
    char_ngrams,
    normalise,
    word_ngrams,
)

DATA = ROOT / "tests" / "data" / "understanding"
LANGS = ("en", "sv", "no")


def labelled() -> list[dict]:
    rows: list[dict] = []
    for lang in LANGS:
        with open(DATA / f"questions-{lang}.jsonl", encoding="utf-8") as f:
            rows += [json.loads(line) for line in f if line.strip()]
    return rows


def data_hash() -> str:
    h = hashlib.sha256()
    for lang in LANGS:
        h.update((DATA / f"questions-{lang}.jsonl").read_bytes())
    return h.hexdigest()


def intent_of(row: dict) -> str:
    return row["followup_intent"] if row["intent"] == "followup" else row["intent"]


def embed(questions: list[str]) -> tuple[np.ndarray, str]:
    from guide_assistant.indexing.embedders import load_embedder

    embedder = load_embedder()
    return np.vstack([embedder.embed_queries([q]) for q in questions]), embedder.id


def fit(texts: list[str], vectors: np.ndarray, intents: list[str], follow: list[bool], meta: dict) -> QuestionModel:
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    chars = TfidfVectorizer(analyzer=char_ngrams, min_df=2, sublinear_tf=True)
    words = TfidfVectorizer(analyzer=word_ngrams, min_df=1, sublinear_tf=True)
    x = hstack([csr_matrix(EMBEDDING_WEIGHT * vectors), chars.fit_transform(texts), words.fit_transform(texts)]).tocsr()
    keep = [i for i, t in enumerate(intents) if t != "out_of_scope"]
    intent_svm = LinearSVC(C=1.0, random_state=0).fit(x[keep], [intents[i] for i in keep])
    follow_svm = LinearSVC(C=1.0, class_weight="balanced", random_state=0).fit(x, follow)
    assert list(follow_svm.classes_) == [False, True]
    outside = [t == "out_of_scope" for t in intents]
    scope_svm = LinearSVC(C=1.0, class_weight="balanced", random_state=0).fit(x, outside)
    assert list(scope_svm.classes_) == [False, True]
    return QuestionModel(
        TfIdf({str(t): int(i) for t, i in chars.vocabulary_.items()}, chars.idf_),
        TfIdf({str(t): int(i) for t, i in words.vocabulary_.items()}, words.idf_),
        LinearModel([str(c) for c in intent_svm.classes_], intent_svm.coef_, intent_svm.intercept_),
        LinearModel(["refers_back"], follow_svm.coef_, follow_svm.intercept_),
        LinearModel(["out_of_scope"], scope_svm.coef_, scope_svm.intercept_),
        meta,
    )


def cross_validate(rows: list[dict], texts: list[str], vectors: np.ndarray, folds: int = 5) -> dict:
    """Each question read by a model trained without it: intent accuracy per intent and
    language (out-of-scope questions aside), follow-up recall and false positives."""
    from sklearn.model_selection import StratifiedKFold

    intents = [intent_of(r) for r in rows]
    follow = [r["intent"] == "followup" for r in rows]
    predicted: list[str | None] = [None] * len(rows)
    margins: list[float] = [0.0] * len(rows)
    back: list[bool] = [False] * len(rows)
    outside: list[bool] = [False] * len(rows)
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(texts, intents):
        model = fit([texts[i] for i in train], vectors[train], [intents[i] for i in train], [follow[i] for i in train], {})
        for i in test:
            reading = model.read(rows[i]["question"], vectors[i])
            predicted[i], back[i], margins[i], outside[i] = reading.intent, reading.refers_back, reading.margin, reading.out_of_scope
    return {"intents": intents, "predicted": predicted, "margins": margins, "follow": follow, "back": back, "outside": outside}


def report(rows: list[dict], cv: dict) -> str:
    from guide_assistant.understanding.intent import classify

    rules_space = {"duration": "when", "count": "how"}  # the rules know seven intents
    by_intent: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    by_lang: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for r, want, got in zip(rows, cv["intents"], cv["predicted"]):
        if want == "out_of_scope":
            continue
        rule = classify(r["question"]) == rules_space.get(want, want) and want != "count"
        by_intent[want].append((got == want, rule))
        by_lang[r["lang"]].append((got == want, rule))

    def share(pairs: list[tuple[bool, bool]], k: int) -> str:
        return f"{sum(p[k] for p in pairs) / len(pairs):.2f}"

    out = ["| intent | questions | model (5-fold CV) | keyword rules |", "|---|---|---|---|"]
    for intent, pairs in sorted(by_intent.items()):
        out.append(f"| {intent} | {len(pairs)} | {share(pairs, 0)} | {share(pairs, 1)} |")
    everything = [p for ps in by_intent.values() for p in ps]
    out.append(f"| **all** | {len(everything)} | **{share(everything, 0)}** | {share(everything, 1)} |")
    out += ["", "| language | questions | model | rules |", "|---|---|---|---|"]
    for lang in LANGS:
        out.append(f"| {lang} | {len(by_lang[lang])} | {share(by_lang[lang], 0)} | {share(by_lang[lang], 1)} |")
    from guide_assistant.understanding.reading import ANSWER_INTENT, RULE_MARGIN

    def answer(intent: str) -> str:
        return ANSWER_INTENT.get(intent, intent)

    combined = []
    for r, want, got, margin in zip(rows, cv["intents"], cv["predicted"], cv["margins"]):
        if want == "out_of_scope":
            continue
        rule = classify(r["question"])
        chosen = rule if margin < RULE_MARGIN and rule != "how" else answer(got)
        combined.append((answer(want) == chosen, answer(want) == answer(got), answer(want) == rule))
    c = np.array(combined)
    out += [
        "",
        f"in the answers' seven intents: model {c[:, 1].mean():.2f}; model, with a keyword rule deciding below margin "
        f"{RULE_MARGIN}: {c[:, 0].mean():.2f}; rules alone {c[:, 2].mean():.2f}",
    ]
    follow, back = np.array(cv["follow"]), np.array(cv["back"])
    out += [
        "",
        f"follow-ups recognised: {back[follow].mean():.2f} of {follow.sum()}; "
        f"other questions taken for follow-ups: {back[~follow].mean():.3f} of {(~follow).sum()}",
    ]
    oos, said = np.array([t == "out_of_scope" for t in cv["intents"]]), np.array(cv["outside"])
    out += [
        "",
        f"out of scope (the guides do not answer them): {said[oos].mean():.2f} of {oos.sum()} recognised; "
        f"questions they answer taken for out of scope: {said[~oos].mean():.3f} of {(~oos).sum()}",
    ]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-write", action="store_true", help="cross-validate and print; do not write the model")
    args = ap.parse_args()
    rows = labelled()
    texts = [normalise(r["question"]) for r in rows]
    vectors, embedder_id = embed([r["question"] for r in rows])
    print(report(rows, cross_validate(rows, texts, vectors)))
    if not args.no_write:
        import sklearn

        from guide_assistant.common.config import find_paths
        from guide_assistant.kb.load import load_knowledge

        guides = sorted(load_knowledge(find_paths(ROOT)).guides)  # what "outside the guides" was learnt against
        meta = {
            "data_sha256": data_hash(),
            "embedder": embedder_id,
            "questions": len(rows),
            "sklearn": sklearn.__version__,
            "guides": guides,
        }
        model = fit(texts, vectors, [intent_of(r) for r in rows], [r["intent"] == "followup" for r in rows], meta)
        model.save()
        print(f"wrote {ROOT / 'src/guide_assistant/understanding/question_model.npz'}")


if __name__ == "__main__":
    main()
