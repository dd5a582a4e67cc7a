"""One text-in, text-out view of any LLM newsqa drafts with: the embedded model (rag/llm/llama.py), an
OpenAI-compatible server as `ChatOpenAI`, or any LangChain LLM or chat model passed in."""

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence

from langchain_core.language_models import BaseChatModel, BaseLanguageModel
from langchain_core.runnables import Runnable, RunnableConfig

from newsqa.errors import ModelError
from rag.llm.prompts import answer_prompt

__all__ = ["MAX_ANSWER_TOKENS", "GenerationLLM", "as_generation_llm", "openai_chat"]

MAX_ANSWER_TOKENS = 48  # a short answer's tokens at most, whichever model drafts it


class GenerationLLM(Runnable[str, str]):
    """A Runnable from a prompt to the completion of any LangChain LLM or chat model (`runnable`): `invoke(prompt,
    stop=..., max_tokens=...)`, `stream` piece by piece, `|` into what follows; the model's own run is its child.

    A local model's generations are serialised by a lock (llama.cpp contexts are not thread-safe).
    """

    def __init__(self, runnable, name: str = "llm", writes: bool = False, parallel: bool = False,
                 prompt: Callable[[str, Sequence], str] = answer_prompt, reader: str | None = None):
        self.runnable = runnable
        self.name = name
        self.writes = writes  # an instruction-tuned model that writes whole, cited answers (rag/answer/written.py)
        self.parallel = parallel  # a remote server takes requests in parallel; a model in this process does not
        self.prompt = prompt  # (question, evidence) -> the prompt its short answer completes: few-shot, or the reader's
        self.reader = reader  # the fine-tuned reader's adapter digest, when it reads with one
        self._lock = threading.Lock()

    def invoke(self, input: str, config: RunnableConfig | None = None, *, stop: list[str] | None = None,
               max_tokens: int | None = None, **kwargs) -> str:
        """The model's completion of the prompt `input`."""
        return "".join(self.stream(input, config, stop=stop, max_tokens=max_tokens))

    def stream(self, input: str, config: RunnableConfig | None = None, *, stop: list[str] | None = None,
               max_tokens: int | None = None, **kwargs) -> Iterator[str]:
        """The completion of the prompt `input`, piece by piece."""
        extra = {"max_tokens": max_tokens} if max_tokens else {}
        with self._calling():
            for piece in self.runnable.stream(input, config, stop=stop, **extra):
                text = piece if isinstance(piece, str) else piece.text  # a chat chunk's text, whatever its blocks
                if text:
                    yield text

    @property
    def judges(self) -> bool:
        """Whether the model can say how likely a continuation is (the embedded one can; a server's chat model cannot)."""
        return callable(getattr(self.runnable, "logprobs", None))

    def logprobs(self, prompt: str, continuations: Sequence[str]) -> list[list[float] | None]:
        """Per-token log-probabilities of each continuation after `prompt` (see `LlamaCppLLM.logprobs`)."""
        if not self.judges:
            raise ModelError(f"the {self.name} LLM cannot score continuations")
        with self._calling():
            return self.runnable.logprobs(prompt, list(continuations))

    @contextlib.contextmanager
    def _calling(self) -> Iterator[None]:
        """One call of the model: alone unless it takes parallel requests (llama.cpp contexts are not
        thread-safe), its failures as ModelError."""
        with self._lock if not self.parallel else contextlib.nullcontext():
            try:
                yield
            except Exception as exc:
                raise ModelError(f"the {self.name} LLM failed: {exc}") from exc


def as_generation_llm(llm: "GenerationLLM | BaseLanguageModel") -> GenerationLLM:
    """Any LangChain LLM or chat model as a `GenerationLLM`; a chat model is taken to follow instructions, so it
    writes whole cited answers (rag/answer/written.py), a completion LLM only drafts spans."""
    if isinstance(llm, GenerationLLM):
        return llm
    if not isinstance(llm, BaseLanguageModel):
        raise TypeError(f"expected a LangChain LLM or chat model, got {type(llm).__name__}")
    return GenerationLLM(llm, name=llm.get_name(), writes=isinstance(llm, BaseChatModel))  # serialised: it may be local


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
