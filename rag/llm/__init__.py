"""The language models newsqa drafts and judges with, and their prompts.

`GenerationLLM` is one text-in, text-out view (a LangChain Runnable) of the embedded Gemma 3 270M (llama.cpp,
`LlamaCppLLM`, optionally with the fine-tuned reader's LoRA adapter), of an OpenAI-compatible server, or of any
LangChain LLM or chat model. `prompts` holds every prompt. May import: ground (`newsqa.errors`), `rag.types`,
`rag.text`; never `rag.answer`, `rag.retrieval` or `rag.training`.
"""

from rag.llm.generation import MAX_ANSWER_TOKENS, GenerationLLM, as_generation_llm, openai_chat
from rag.llm.llama import LlamaCppLLM, embedded_llm, embedded_model_path, silence_llama_cpp

__all__ = ["GenerationLLM", "LlamaCppLLM", "MAX_ANSWER_TOKENS", "as_generation_llm", "embedded_llm",
           "embedded_model_path", "openai_chat", "silence_llama_cpp"]
