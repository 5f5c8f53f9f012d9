"""The question model (understanding/classifier.py): made from the labelled questions, read
at run time exactly as scikit-learn made it, and accurate on questions it was not trained on:
cross-validated on the labelled set, and on the phrasings table the keyword rules were
written against (tests/data/phrasings.yaml, never trained on)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import yaml

from guide_assistant.indexing.embedders import load_embedder
from guide_assistant.understanding.classifier import TfIdf, char_ngrams, normalise, question_model, word_ngrams
from guide_assistant.understanding.reading import Understander

ROOT = Path(__file__).resolve().parents[1]


def _train():
    spec = importlib.util.spec_from_file_location("train_understanding", ROOT / "scripts" / "train_understanding.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


train = _train()


@pytest.fixture(scope="module")
def embedder():
    return load_embedder()


def test_the_shipped_model_is_made_from_the_labelled_questions(embedder):
    meta = question_model().meta
    assert meta["data_sha256"] == train.data_hash(), "the labelled questions changed: run python scripts/train_understanding.py"
    assert meta["embedder"] == embedder.id
    rows = train.labelled()
    assert meta["questions"] == len(rows) >= 450
    for lang in ("en", "sv", "no"):
        assert sum(r["lang"] == lang for r in rows) >= 150


@pytest.mark.parametrize("analyzer,min_df", [(char_ngrams, 2), (word_ngrams, 1)])
def test_the_bags_of_words_are_read_as_scikit_learn_makes_them(analyzer, min_df):
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [normalise(r["question"]) for r in train.labelled()]
    fitted = TfidfVectorizer(analyzer=analyzer, min_df=min_df, sublinear_tf=True).fit(texts)
    ours = TfIdf({str(t): int(i) for t, i in fitted.vocabulary_.items()}, fitted.idf_)
    unseen = ["Hur lång är avtalsspärren efter tilldelningsbeslutet?", "Hvem signerer kontrakten?", "what now??"]
    want = fitted.transform(texts[:60] + unseen).toarray()
    got = np.vstack([ours.vector(analyzer(t)) for t in texts[:60] + unseen])
    assert np.allclose(want, got)


def test_cross_validated_accuracy(embedder):
    """Every question read by a model trained without it. The floors are what the model
    reaches (0.84 overall, 0.79 for English, on 605 questions); the keyword rules it
    replaces reach 0.61 on the same questions."""
    rows = train.labelled()
    texts = [normalise(r["question"]) for r in rows]
    vectors = np.vstack([embedder.embed_queries([r["question"]]) for r in rows])
    cv = train.cross_validate(rows, texts, vectors)
    pairs = [(w, g, r["lang"]) for w, g, r in zip(cv["intents"], cv["predicted"], rows) if w != "out_of_scope"]
    overall = np.mean([w == g for w, g, _ in pairs])
    assert overall >= 0.82, overall
    for lang in ("en", "sv", "no"):
        assert np.mean([w == g for w, g, lg in pairs if lg == lang]) >= 0.76, lang
    for intent in ("who", "definition", "duration", "count", "when"):
        assert np.mean([w == g for w, g, _ in pairs if w == intent]) >= 0.85, intent
    follow, back = np.array(cv["follow"]), np.array(cv["back"])
    assert back[follow].mean() >= 0.6 and back[~follow].mean() <= 0.02
    outside, said = np.array([w == "out_of_scope" for w in cv["intents"]]), np.array(cv["outside"])
    assert said[outside].mean() >= 0.45 and said[~outside].mean() <= 0.005  # a covered question is almost never refused


def test_the_phrasings_the_rules_were_written_for(kb, embedder):
    """Not trained on: the table the keyword rules were tuned to (they get all of it)."""
    rows = yaml.safe_load((ROOT / "tests/data/phrasings.yaml").read_text(encoding="utf-8"))
    understander = Understander(kb, embed=lambda q: embedder.embed_queries([q])[0])
    right = [understander.understand(r["q"]).intent == r["intent"] for r in rows]
    assert np.mean(right) >= 0.9


@pytest.mark.parametrize(
    "question,intent",
    [
        ("How long is the standstill period after the award decision?", "when"),  # 'decision' decided it: the decision shape
        ("Hur länge gäller avtalsspärren efter tilldelningsbeslutet?", "when"),
        ("Hvor lenge varer karensperioden etter tildelingen?", "when"),
        ("Vi har precis fått beslut om att realisera vårt business case. Vad gör vi nu?", "phase"),  # was 'decision'
        ("What should the final report contain when the implementation is finished?", "deliverables"),  # was 'how'
        ("Who signs the contract?", "who"),
        ("Hva er en nullpunktsmåling?", "definition"),
    ],
)
def test_one_word_no_longer_decides_the_answer(kb, embedder, question, intent):
    understander = Understander(kb, embed=lambda q: embedder.embed_queries([q])[0])
    assert understander.understand(question).intent == intent


def test_the_out_of_scope_reading_stands_down_when_the_guides_change(kb, embedder, monkeypatch):
    """What lies outside the guides was learnt against these five: with a guide added (kb add)
    its questions must not be refused by it; relevance and rare words decide until retrained."""
    understander = Understander(kb, embed=lambda q: embedder.embed_queries([q])[0])
    q = "Vad kostar en nattkamera för digital tillsyn per styck?"
    assert understander.understand(q).out_of_scope
    monkeypatch.setattr(kb, "guides", {**kb.guides, "trygghetslarm": kb.guides["genomfora"]})
    assert not understander.understand(q).out_of_scope
